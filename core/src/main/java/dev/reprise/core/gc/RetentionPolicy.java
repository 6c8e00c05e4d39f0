package dev.reprise.core.gc;

import dev.reprise.core.InvalidInputException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code reprise gc} keeps: every key of the last {@code keepLast} runs of each pipeline, of
 * runs in the last {@code keepDays} days and of the pipelines in {@code keepPipelines}; results
 * used in the last {@code keepDays} days; nothing younger than {@code grace}. With {@code maxBytes}
 * (null: no limit), results kept only by age go too, least recently used first, until the store
 * fits.
 */
public record RetentionPolicy(
    int keepLast, int keepDays, Set<String> keepPipelines, Long maxBytes, Duration grace) {
  public static final int DEFAULT_KEEP_LAST = 3;
  public static final int DEFAULT_KEEP_DAYS = 30;
  public static final Duration DEFAULT_GRACE = Duration.ofHours(1);

  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgtp]?)(i?b?)", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min|h|d)?", Pattern.CASE_INSENSITIVE);

  public RetentionPolicy {
    if (keepLast < 0) {
      throw new InvalidInputException("--keep-last must be 0 or more, got " + keepLast);
    }
    if (keepDays < 0) {
      throw new InvalidInputException("--keep-days must be 0 or more, got " + keepDays);
    }
    if (maxBytes != null && maxBytes < 0) {
      throw new InvalidInputException("--max-size must be 0 or more, got " + maxBytes);
    }
    if (grace.isNegative()) {
      throw new InvalidInputException("--grace must be 0 or more, got " + grace);
    }
    keepPipelines = Set.copyOf(keepPipelines);
  }

  public static RetentionPolicy defaults() {
    return new RetentionPolicy(DEFAULT_KEEP_LAST, DEFAULT_KEEP_DAYS, Set.of(), null, DEFAULT_GRACE);
  }

  /**
   * Parses a size such as {@code 500G}, {@code 1.5TiB}, {@code 200MB} or {@code 1000} (bytes).
   * Units are binary: K = 1024 bytes, M, G, T, P.
   *
   * @param field the option being parsed, for the message
   */
  public static long parseSize(String text, String field) {
    Matcher m = SIZE.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new InvalidInputException(
          field + ": '" + text + "' is not a size (examples: 500G, 1.5T, 200M, 1000000)");
    }
    double value = Double.parseDouble(m.group(1));
    String unit = m.group(2).toLowerCase(Locale.ROOT);
    int power = unit.isEmpty() ? 0 : "kmgtp".indexOf(unit) + 1;
    return (long) (value * Math.pow(1024, power));
  }

  /**
   * Parses a duration such as {@code 1h}, {@code 30m}, {@code 90s}, {@code 2d}, {@code 0} or
   * ISO-8601 ({@code PT1H}); a plain number is seconds.
   */
  public static Duration parseDuration(String text, String field) {
    String t = text == null ? "" : text.trim();
    if (t.toUpperCase(Locale.ROOT).startsWith("P")) {
      try {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      } catch (java.time.format.DateTimeParseException e) {
        // reported below
      }
    } else {
      Matcher m = DURATION.matcher(t);
      if (m.matches()) {
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        double millis =
            switch (unit) {
              case "ms" -> v;
              case "s" -> v * 1000;
              case "m", "min" -> v * 60_000;
              case "h" -> v * 3_600_000;
              default -> v * 86_400_000;
            };
        return Duration.ofMillis((long) millis);
      }
    }
    throw new InvalidInputException(
        field + ": '" + text + "' is not a duration (examples: 1h, 30m, 90s, 2d, 0, PT1H)");
  }

  /** A size for people: 1.5 GiB, 12 KiB, 512 B. */
  public static String formatSize(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[i]);
  }
}

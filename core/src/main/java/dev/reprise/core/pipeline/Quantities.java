package dev.reprise.core.pipeline;

import java.util.regex.Pattern;

/** Kubernetes resource quantities as a stage's {@code resources} may give them. */
final class Quantities {
  private static final Pattern CPU = Pattern.compile("\\d+(\\.\\d+)?m?");
  private static final Pattern MEMORY = Pattern.compile("\\d+(\\.\\d+)?([EPTGMK]i?|[eE]\\d+|k)?");

  private Quantities() {}

  static boolean valid(String resource, String value) {
    return switch (resource) {
      case "cpu" -> CPU.matcher(value).matches();
      case "memory" -> MEMORY.matcher(value).matches();
      default -> false;
    };
  }
}

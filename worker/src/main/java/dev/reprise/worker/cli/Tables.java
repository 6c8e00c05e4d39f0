package dev.reprise.worker.cli;

import java.util.ArrayList;
import java.util.List;

/** Plain-text tables for the terminal: columns padded to their widest cell. */
final class Tables {
  private Tables() {}

  static String render(List<String> header, List<List<String>> rows) {
    int[] width = new int[header.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(String.format("%-" + width[i] + "s", row.get(i)));
        if (i < row.size() - 1) {
          line.append("  ");
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  static String seconds(double s) {
    if (s < 60) {
      return String.format("%.1f s", s);
    }
    if (s < 3600) {
      return String.format("%d min %02d s", (long) s / 60, (long) s % 60);
    }
    return String.format("%d h %02d min", (long) s / 3600, ((long) s % 3600) / 60);
  }

  /**
   * Writes {@code value} as JSON to {@code out}, or to standard output when it is {@code -}. A
   * folder that does not exist is the user's mistake, said with the reason.
   */
  static void writeJson(java.nio.file.Path out, Object value) {
    byte[] data = dev.reprise.core.store.JsonCodec.write(value);
    if ("-".equals(out.toString())) {
      System.out.println(new String(data, java.nio.charset.StandardCharsets.UTF_8));
      return;
    }
    try {
      java.nio.file.Files.write(out, data);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new dev.reprise.core.InvalidInputException(
          "--json " + out + ": no such folder " + out.toAbsolutePath().getParent());
    } catch (java.io.IOException e) {
      throw new dev.reprise.core.InvalidInputException(
          "--json "
              + out
              + ": cannot write it ("
              + dev.reprise.core.StoreException.reason(e)
              + ")");
    }
  }
}

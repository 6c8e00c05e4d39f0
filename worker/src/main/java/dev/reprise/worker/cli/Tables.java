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
}

package dev.reprise.core.method;

import java.util.Locale;

/** The three phases a method may have; each becomes one Kubernetes Job on a cluster. */
public enum Phase {
  /** Runs once before the slices; its files are visible to every slice and to synthesis. */
  PREPARE,
  /** Runs once per slice, slices in parallel, each on one thread. */
  ANALYSIS,
  /** Runs once after all slices; merges them into the stage's outputs. */
  SYNTHESIS;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Phase fromWireName(String name) {
    for (Phase p : values()) {
      if (p.wireName().equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown phase '" + name + "' (prepare, analysis, synthesis)");
  }
}

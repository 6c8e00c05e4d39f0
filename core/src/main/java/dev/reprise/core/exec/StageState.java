package dev.reprise.core.exec;

import java.util.Locale;

/** What happened to a stage in a run (or, in a plan, what will). */
public enum StageState {
  /** Its result was already committed: nothing ran. */
  REUSED,
  /** It was computed (possibly reusing some committed slices). */
  RAN,
  /** It failed; its dependants are skipped. */
  FAILED,
  /** Not run because an upstream stage failed. */
  SKIPPED,
  /** Plan only: it will run. */
  RUN,
  /** Plan only: its key depends on an upstream stage that will run first. */
  PENDING;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}

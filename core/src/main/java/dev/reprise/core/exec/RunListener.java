package dev.reprise.core.exec;

/** Receives a run's progress (the command line draws it). Called from several threads. */
public interface RunListener {
  /** A stage starts computing: {@code slicesDone} of {@code slices} are already committed. */
  default void stageStarted(String stage, String key, int slices, int slicesDone) {}

  /** One slice of {@code stage} committed. */
  default void sliceDone(String stage, int slice, double seconds) {}

  /** A stage ends (reused, ran, failed or skipped). */
  default void stageDone(StageOutcome outcome) {}

  /** Something the user should know that does not stop the run (a damaged result, a wait). */
  default void warn(String message) {}

  /** A method's log line. */
  default void log(String stage, String where, String message) {}

  RunListener NONE = new RunListener() {};
}

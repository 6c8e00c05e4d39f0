package dev.reprise.core;

/** A stage's code failed (a numerical failure, a bug, an I/O fault while computing). */
public class StageFailedException extends RepriseException {
  public StageFailedException(String message) {
    super(message);
  }

  public StageFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.reprise.core;

/**
 * Base of Reprise's small exception family; {@link #exitCode()} is what the command line returns.
 */
public class RepriseException extends RuntimeException {
  public RepriseException(String message) {
    super(message);
  }

  public RepriseException(String message, Throwable cause) {
    super(message, cause);
  }

  /** 1: a passing fault or a stage failure, worth retrying; 2: a user's mistake, final. */
  public int exitCode() {
    return 1;
  }
}

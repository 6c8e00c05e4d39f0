package dev.reprise.core;

/**
 * A user's mistake: a bad pipeline document, a missing input file, an array of the wrong shape.
 * Final: retrying cannot help, so the command line exits with 2 and Kubernetes does not retry.
 */
public class InvalidInputException extends RepriseException {
  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int exitCode() {
    return 2;
  }
}

package dev.reprise.core;

/** The store could not be read or written (a passing fault: disk, network, S3). */
public class StoreException extends RepriseException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}

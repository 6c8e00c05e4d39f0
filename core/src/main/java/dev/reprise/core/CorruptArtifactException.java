package dev.reprise.core;

/** A committed file whose content no longer matches the sha256 its manifest recorded. */
public class CorruptArtifactException extends RepriseException {
  public CorruptArtifactException(String message) {
    super(message);
  }
}

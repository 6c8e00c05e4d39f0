package dev.reprise.core.pipeline;

/**
 * One thing wrong with a pipeline document, located by file, stage and field so the user can go
 * straight to it. {@code stage} and {@code field} may be null for document-level problems.
 */
public record Problem(String file, String stage, String field, String message) {
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(file == null ? "<pipeline>" : file).append(": ");
    if (stage != null) {
      sb.append("stage '").append(stage).append("': ");
    }
    if (field != null) {
      sb.append(field).append(": ");
    }
    return sb.append(message).toString();
  }
}

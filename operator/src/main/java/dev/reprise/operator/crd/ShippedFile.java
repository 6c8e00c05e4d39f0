package dev.reprise.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * A file a command stage ships, by its content in the store ({@code reprise push} writes these).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ShippedFile {
  @JsonPropertyDescription(
      "Where the file is laid out in the program's working directory, relative, '/'-separated,"
          + " as it was next to the document, e.g. lib/util.py.")
  @Required
  private String path;

  @JsonPropertyDescription(
      "SHA-256 of the file's content (64 lower-case hex digits); the file is read from the store's"
          + " files/<sha256>, where 'reprise push' or 'reprise run' put it. Part of the key.")
  @Required
  @Pattern("^[0-9a-f]{64}$")
  private String sha256;

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public String getSha256() {
    return sha256;
  }

  public void setSha256(String sha256) {
    this.sha256 = sha256;
  }
}

package dev.reprise.core.store;

import dev.reprise.core.InvalidInputException;
import java.nio.file.Path;

/** Opens a store from its URI. */
public final class Stores {
  private Stores() {}

  public static BlobStore open(String uri) {
    if (uri.startsWith("s3://")) {
      throw new InvalidInputException("S3 stores are not available in this build: " + uri);
    }
    String path = uri.startsWith("file:") ? uri.substring("file:".length()) : uri;
    return new FolderBlobStore(Path.of(path));
  }
}

package dev.reprise.core.store;

import dev.reprise.core.InvalidInputException;
import java.net.URI;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Opens a store from the URI a user wrote: a folder path, {@code file:...} or {@code s3://...}. */
public final class Stores {
  private static final String FILE_SCHEME = "file:";
  // Two or more letters, so that a Windows drive letter ("C:") is not taken for a scheme.
  private static final Pattern OTHER_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:");

  private Stores() {}

  /**
   * Opens the store at {@code uri}: a plain path (relative ones against the working directory) or
   * {@code file:/abs/path} for a folder, {@code s3://bucket/prefix} for S3.
   *
   * @param s3 the endpoint and credentials for an S3 store; may be null for a folder store
   * @throws InvalidInputException for an unsupported URI, or an S3 URI without settings
   */
  public static BlobStore open(String uri, S3Settings s3) {
    return open(uri, s3, false);
  }

  /**
   * As {@link #open(String, S3Settings)}; with {@code createBucket}, an S3 store's missing bucket
   * is created (for a server that belongs to Reprise, such as a bundled MinIO) instead of being an
   * error.
   */
  public static BlobStore open(String uri, S3Settings s3, boolean createBucket) {
    if (isS3(uri)) {
      S3Uri location = S3Uri.parse(uri);
      if (s3 == null) {
        throw new InvalidInputException(
            "store "
                + location
                + " is on S3 and needs its endpoint and credentials: "
                + S3Settings.describeVariables());
      }
      if (createBucket) {
        S3BlobStore.ensureBucket(s3, location.bucket());
      }
      return new S3BlobStore(s3, location.toString());
    }
    return new FolderBlobStore(folder(uri));
  }

  /**
   * The canonical form of a store URI: {@code file:/abs/path} or {@code s3://bucket/prefix},
   * without a trailing slash. Two URIs naming the same store normalise to the same string.
   */
  public static String normalise(String uri) {
    if (isS3(uri)) {
      return S3Uri.parse(uri).toString();
    }
    return FILE_SCHEME + folder(uri);
  }

  private static boolean isS3(String uri) {
    if (uri == null || uri.isBlank()) {
      throw new InvalidInputException(
          "empty store URI (expected a folder path or s3://bucket/prefix)");
    }
    return uri.startsWith(S3Uri.SCHEME);
  }

  private static Path folder(String uri) {
    try {
      if (uri.startsWith("file://")) {
        return Path.of(URI.create(uri)).toAbsolutePath().normalize();
      }
      String path = uri;
      if (uri.startsWith(FILE_SCHEME)) {
        path = uri.substring(FILE_SCHEME.length());
      } else if (OTHER_SCHEME.matcher(uri).find()) {
        throw new InvalidInputException(
            "unsupported store URI '"
                + uri
                + "' (expected a folder path, file:/path or s3://bucket/prefix)");
      }
      if (path.isEmpty()) {
        throw new InvalidInputException("store URI '" + uri + "' names no folder");
      }
      return Path.of(path).toAbsolutePath().normalize();
    } catch (IllegalArgumentException e) {
      // URI.create and Path.of (InvalidPathException) both say so with this type.
      throw new InvalidInputException("bad store URI '" + uri + "': " + e.getMessage(), e);
    }
  }
}

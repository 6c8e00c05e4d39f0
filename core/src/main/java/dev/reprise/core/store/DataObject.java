package dev.reprise.core.store;

/**
 * One object of external data on S3 as the key sees it: its name relative to the URI the user gave
 * (empty when the URI names the object itself), size, ETag and, when the object records one, its
 * SHA-256 in hex and where that came from.
 *
 * @param sha256 the content's SHA-256 (hex), or null when the object records none
 * @param sha256From {@link #METADATA} or {@link #CHECKSUM}; null when {@code sha256} is null
 */
public record DataObject(String name, long size, String etag, String sha256, String sha256From) {
  /** The user metadata {@code reprise data push} writes: {@code x-amz-meta-sha256}. */
  public static final String METADATA = "sha256 metadata";

  /** The SHA-256 checksum S3 stored at upload ({@code x-amz-checksum-sha256}). */
  public static final String CHECKSUM = "S3 SHA-256 checksum";

  /** The user metadata key (without S3's {@code x-amz-meta-} prefix). */
  public static final String METADATA_KEY = "sha256";

  public boolean hasSha256() {
    return sha256 != null;
  }

  /** A copy named {@code relative} (the object's name below the URI the user gave). */
  DataObject named(String relative) {
    return new DataObject(relative, size, etag, sha256, sha256From);
  }
}

package dev.reprise.core.store;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.key.Sha256;
import java.util.List;
import java.util.Optional;

/**
 * The digest of external data on S3, by ETags and sizes so that nothing is downloaded: SHA-256 of
 * the sorted lines {@code relativeName\0etag\0size\n}, one per object. A URI naming one object
 * gives one line with an empty name, so the digest follows the object's content, as a local file's
 * does; a URI naming a folder gives one line per object below it.
 */
public final class S3DataDigest {
  private S3DataDigest() {}

  /**
   * @throws InvalidInputException if the URI names neither an object nor a folder
   * @throws dev.reprise.core.StoreException if S3 cannot be reached or refuses the request
   */
  public static String digest(String s3Uri, S3Settings settings) {
    S3Uri location = S3Uri.parse(s3Uri);
    try (S3BlobStore bucket = new S3BlobStore(settings, S3Uri.SCHEME + location.bucket())) {
      // Input data a user named: a missing bucket is their mistake, not a passing fault.
      if (!bucket.bucketExists()) {
        throw new InvalidInputException(
            "no object or folder at "
                + s3Uri
                + ": bucket "
                + location.bucket()
                + " does not exist at endpoint "
                + settings.endpoint());
      }
      String key = location.key();
      if (!key.isEmpty() && !s3Uri.endsWith("/")) {
        Optional<BlobInfo> object = bucket.stat(key);
        if (object.isPresent()) {
          return Sha256.hex(line("", object.get()));
        }
      }
      String folder = key.isEmpty() ? "" : key + "/";
      List<BlobInfo> objects = bucket.list(folder);
      if (objects.isEmpty()) {
        throw new InvalidInputException("no object or folder at " + s3Uri);
      }
      StringBuilder lines = new StringBuilder();
      // list() sorts by name already.
      for (BlobInfo info : objects) {
        lines.append(line(info.name().substring(folder.length()), info));
      }
      return Sha256.hex(lines.toString());
    }
  }

  private static String line(String name, BlobInfo info) {
    return name + '\0' + info.tag() + '\0' + info.size() + '\n';
  }
}

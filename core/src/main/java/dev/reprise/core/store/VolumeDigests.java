package dev.reprise.core.store;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.StoreException;
import dev.reprise.core.key.CanonicalJson;
import dev.reprise.core.key.DataDigests;
import dev.reprise.core.key.DataListing;
import dev.reprise.core.key.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Digests of data on cluster volumes, which the operator cannot read: a digest Job mounts the
 * volume, computes the digest here and leaves it in the store, where the operator reads it.
 *
 * <pre>
 * digests/listings/&lt;listing key&gt;.json   the digest of data with this listing (reused)
 * digests/requests/&lt;request&gt;.json       the answer to one digest Job (read by the operator)
 * </pre>
 *
 * The listing key is the SHA-256 of (volume identity, path on the volume, {@link DataListing}): a
 * folder whose names, sizes and modification times are unchanged is not read again, as {@link
 * dev.reprise.core.key.FileDigestMemo} does for local files.
 */
public final class VolumeDigests {
  public static final String LISTINGS = "digests/listings/";
  public static final String REQUESTS = "digests/requests/";

  /**
   * The digest of data with one listing.
   *
   * @param volume the volume's identity ({@code hostPath:/srv/eeg}, {@code pvc:ns/claim})
   * @param path the path on the volume ("" for its root)
   * @param listing the {@link DataListing} SHA-256
   */
  public record Listed(
      int v,
      String volume,
      String path,
      String listing,
      String digest,
      int files,
      long bytes,
      String computed) {}

  /**
   * One digest Job's answer.
   *
   * @param reused whether the digest came from an earlier listing (no content was read)
   * @param seconds how long the Job's work took
   */
  public record Result(
      int v,
      String request,
      String volume,
      String path,
      String listingKey,
      String digest,
      int files,
      long bytes,
      boolean reused,
      double seconds,
      String finished) {}

  private final BlobStore blobs;

  public VolumeDigests(BlobStore blobs) {
    this.blobs = blobs;
  }

  /**
   * The name of one digest request: SHA-256 of the canonical JSON of its parts. The operator names
   * a request by the volume, the path and the pipeline generation that needs it, so data is listed
   * again for every new generation and never in between.
   */
  public static String request(Map<String, Object> parts) {
    return Sha256.hex(CanonicalJson.write(parts));
  }

  /** The key data with this listing is remembered under. */
  public static String listingKey(String volume, String path, DataListing listing) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("v", 1);
    m.put("volume", volume);
    m.put("path", path);
    m.put("listing", listing.sha256());
    return Sha256.hex(CanonicalJson.write(m));
  }

  /** The answer to {@code request}, once its Job has written it. */
  public Optional<Result> result(String request) {
    return blobs
        .read(REQUESTS + request + ".json")
        .map(b -> JsonCodec.read(b, Result.class, "digest result " + request));
  }

  /**
   * Computes the digest of {@code path} on a mounted volume and writes it as the answer to {@code
   * request}: lists the data, reuses the digest stored for an equal listing, else hashes the
   * content (as {@link DataDigests} hashes local data, so the same files give the same digest
   * anywhere) and remembers it under the listing.
   *
   * @param volume the volume's identity
   * @param mount where the volume is mounted in this pod
   * @param path the data's path on the volume ("" for all of it)
   * @throws InvalidInputException if there is no file or folder at the path (the user's mistake)
   * @throws StoreException if the data changed while it was hashed (try again) or the store fails
   */
  public Result compute(String volume, Path mount, String path, String request, Clock clock) {
    Instant start = clock.instant();
    Path target = path.isEmpty() ? mount : mount.resolve(path).normalize();
    if (!target.startsWith(mount)) {
      throw new InvalidInputException(path + " is not on the volume mounted at " + mount);
    }
    if (!Files.exists(target)) {
      throw new InvalidInputException(
          "no file or folder at " + target + " on the volume " + volume);
    }
    DataListing listing = DataListing.of(target);
    String listingKey = listingKey(volume, path, listing);
    Optional<Listed> known =
        blobs
            .read(LISTINGS + listingKey + ".json")
            .map(b -> JsonCodec.read(b, Listed.class, "digest listing " + listingKey));
    String digest;
    if (known.isPresent()) {
      digest = known.get().digest();
    } else {
      digest = new DataDigests(null, null).digest(target.toString());
      if (!DataListing.of(target).equals(listing)) {
        throw new StoreException(
            "the data at " + target + " changed while its digest was computed: trying again");
      }
      blobs.write(
          LISTINGS + listingKey + ".json",
          JsonCodec.write(
              new Listed(
                  1,
                  volume,
                  path,
                  listing.sha256(),
                  digest,
                  listing.files(),
                  listing.bytes(),
                  clock.instant().toString())));
    }
    Instant end = clock.instant();
    Result result =
        new Result(
            1,
            request,
            volume,
            path,
            listingKey,
            digest,
            listing.files(),
            listing.bytes(),
            known.isPresent(),
            Duration.between(start, end).toMillis() / 1000.0,
            end.toString());
    blobs.write(REQUESTS + request + ".json", JsonCodec.write(result));
    return result;
  }
}

package dev.reprise.core.store;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.RepriseException;
import dev.reprise.core.StoreException;
import dev.reprise.core.key.DataDigest;
import dev.reprise.core.key.OutputDigest;
import dev.reprise.core.key.Sha256;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * External data on S3 ({@code s3://bucket/prefix}, a folder, or {@code s3://bucket/key}, one
 * object), as pipelines read it: what objects it holds, its digest for the key, and fetching an
 * object. Same endpoint and credentials as the store.
 *
 * <p>The digest follows content where it can: when every object records a SHA-256 ({@link
 * DataObject#METADATA} or {@link DataObject#CHECKSUM}) it is exactly the digest of the same files
 * in a local folder ({@link OutputDigest} of names and SHA-256s; one object's SHA-256 for an object
 * URI), so re-uploading identical bytes changes nothing, and a folder pushed with {@code reprise
 * data push} keys as its local copy did. Otherwise it is SHA-256 of the sorted lines {@code
 * name\0etag\0size\n}: any rewrite of an object changes it.
 */
public final class S3Data implements AutoCloseable {
  /** HEAD requests in flight at once when reading a folder's SHA-256 metadata. */
  static final int PARALLEL_HEADS = 8;

  private final S3Settings settings;

  /**
   * SHA-256s seen, by {@code bucket/key}, ETag and size: an object cannot change without changing
   * its ETag, so a planner that digests the same data every few seconds asks S3 only for listings.
   */
  private final Map<String, DataObject> seen = new ConcurrentHashMap<>();

  /** One client per bucket, shared by all threads (the SDK's client is thread-safe). */
  private final Map<String, S3BlobStore> buckets = new ConcurrentHashMap<>();

  public S3Data(S3Settings settings) {
    this.settings = settings;
  }

  public S3Settings settings() {
    return settings;
  }

  /** Whether {@code location} is an S3 URI this class reads. */
  public static boolean isS3(String location) {
    return location != null && location.startsWith(S3Uri.SCHEME);
  }

  /**
   * The objects at {@code uri}, sorted by name, named relative to it (one object named "" when the
   * URI names an object).
   *
   * @throws InvalidInputException if the URI names neither an object nor a folder
   * @throws StoreException if S3 cannot be reached or refuses the request
   */
  public List<DataObject> objects(String uri) {
    S3Uri location = S3Uri.parse(uri);
    S3BlobStore bucket = bucket(location);
    {
      // Input data a user named: a missing bucket is their mistake, not a passing fault.
      if (!bucket.bucketExists()) {
        throw new InvalidInputException(
            "no object or folder at "
                + uri
                + ": bucket "
                + location.bucket()
                + " does not exist at endpoint "
                + settings.endpoint());
      }
      String key = location.key();
      if (!key.isEmpty() && !uri.endsWith("/")) {
        Optional<DataObject> object = bucket.describe(key);
        if (object.isPresent()) {
          remember(location.bucket(), key, object.get());
          return List.of(object.get().named(""));
        }
      }
      String folder = key.isEmpty() ? "" : key + "/";
      List<BlobInfo> listed = bucket.list(folder);
      if (listed.isEmpty()) {
        throw new InvalidInputException("no object or folder at " + uri);
      }
      return describeAll(bucket, location.bucket(), folder, listed);
    }
  }

  private List<DataObject> describeAll(
      S3BlobStore bucket, String bucketName, String folder, List<BlobInfo> listed) {
    List<DataObject> out = new ArrayList<>(listed.size());
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(PARALLEL_HEADS, listed.size()),
            r -> {
              Thread t = new Thread(r, "reprise-s3-data");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<DataObject>> heads = new ArrayList<>(listed.size());
      for (BlobInfo info : listed) {
        String relative = info.name().substring(folder.length());
        DataObject known = seen.get(memoKey(bucketName, info.name(), info.tag(), info.size()));
        if (known != null) {
          heads.add(java.util.concurrent.CompletableFuture.completedFuture(known.named(relative)));
          continue;
        }
        heads.add(
            pool.submit(
                () -> {
                  // Deleted between the listing and now: describe it as listed, without a SHA-256.
                  DataObject o =
                      bucket
                          .describe(info.name())
                          .orElse(new DataObject(info.name(), info.size(), info.tag(), null, null));
                  remember(bucketName, info.name(), o);
                  return o.named(relative);
                }));
      }
      for (Future<DataObject> f : heads) {
        out.add(f.get());
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RepriseException r) {
        throw r;
      }
      throw new StoreException(
          "cannot read object metadata in s3://" + bucketName + "/" + folder, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted reading s3://" + bucketName + "/" + folder, e);
    } finally {
      pool.shutdownNow();
    }
    return out;
  }

  private void remember(String bucket, String key, DataObject o) {
    if (o.hasSha256()) {
      seen.put(memoKey(bucket, key, o.etag(), o.size()), o);
    }
  }

  private static String memoKey(String bucket, String key, String etag, long size) {
    return bucket + "/" + key + "\0" + etag + "\0" + size;
  }

  /** The digest the key sees for {@code uri}, and how it was computed. */
  public DataDigest digest(String uri) {
    return digest(objects(uri));
  }

  /**
   * The digest of these objects (as {@link #objects} returns them): by content when all record a
   * SHA-256, else by ETags and sizes.
   */
  public static DataDigest digest(List<DataObject> objects) {
    long withSha = objects.stream().filter(DataObject::hasSha256).count();
    String count = objects.size() + (objects.size() == 1 ? " object" : " objects");
    if (withSha == objects.size()) {
      String how =
          objects.stream().map(DataObject::sha256From).distinct().sorted().toList().size() == 1
              ? objects.get(0).sha256From()
              : DataObject.METADATA + " and " + DataObject.CHECKSUM;
      String value;
      if (objects.size() == 1 && objects.get(0).name().isEmpty()) {
        value = objects.get(0).sha256();
      } else {
        Map<String, String> files = new TreeMap<>();
        objects.forEach(o -> files.put(o.name(), o.sha256()));
        value = OutputDigest.of(files);
      }
      return new DataDigest(value, "by " + how + " (" + count + ")");
    }
    StringBuilder lines = new StringBuilder();
    for (DataObject o : objects) {
      lines.append(o.name()).append('\0').append(o.etag()).append('\0').append(o.size());
      lines.append('\n');
    }
    String missing =
        withSha == 0
            ? "no SHA-256 recorded"
            : (objects.size() - withSha) + " of " + count + " have no SHA-256 recorded";
    return new DataDigest(
        Sha256.hex(lines.toString()),
        "by ETag and size ("
            + count
            + "; "
            + missing
            + ": upload with reprise data push to key by content)");
  }

  /**
   * Downloads one object of {@code uri} (as {@link #objects} named it) to {@code target},
   * atomically.
   */
  public void download(String uri, DataObject object, Path target) {
    S3Uri location = S3Uri.parse(uri);
    bucket(location).download(objectKey(location, uri, object.name()), target);
  }

  /** The full key of the object named {@code relative} below {@code uri}. */
  static String objectKey(S3Uri location, String uri, String relative) {
    if (relative.isEmpty()) {
      return location.key();
    }
    return location.key().isEmpty() ? relative : location.key() + "/" + relative;
  }

  /** A store at the bucket's root (its blob names are the objects' full keys); closed by close. */
  S3BlobStore bucket(S3Uri location) {
    return buckets.computeIfAbsent(
        location.bucket(), b -> new S3BlobStore(settings, S3Uri.SCHEME + b));
  }

  @Override
  public void close() {
    buckets.values().forEach(S3BlobStore::close);
    buckets.clear();
  }
}

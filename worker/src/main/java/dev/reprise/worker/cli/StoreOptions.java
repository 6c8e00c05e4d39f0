package dev.reprise.worker.cli;

import dev.reprise.core.data.DataCache;
import dev.reprise.core.data.ExternalData;
import dev.reprise.core.key.DataDigests;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.S3Data;
import dev.reprise.core.store.S3Settings;
import dev.reprise.core.store.Stores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The store options every command shares, and where local caches live. */
public final class StoreOptions {
  /** Where a pipeline's results go when neither --store nor spec.store says. */
  public static final String DEFAULT_STORE = ".reprise/store";

  @Option(
      names = "--store",
      paramLabel = "URI",
      description =
          "Store: a folder path, file:/abs/path or s3://bucket/prefix (default: the document's spec.store, else "
              + DEFAULT_STORE
              + ").")
  String store;

  @Option(
      names = "--s3-endpoint",
      paramLabel = "URL",
      description = "S3 endpoint (default: $REPRISE_S3_ENDPOINT).")
  String s3Endpoint;

  @Option(
      names = "--s3-access-key",
      paramLabel = "KEY",
      description =
          "S3 access key (default: $AWS_ACCESS_KEY_ID; without either, the credentials come from"
              + " web identity, container credentials or the instance profile).")
  String s3AccessKey;

  @Option(
      names = "--s3-secret-key",
      paramLabel = "SECRET",
      description = "S3 secret key (default: $AWS_SECRET_ACCESS_KEY).")
  String s3SecretKey;

  @Option(
      names = "--s3-session-token",
      paramLabel = "TOKEN",
      description =
          "Session token of temporary S3 keys (default: $AWS_SESSION_TOKEN, unless the keys are"
              + " given as options).")
  String s3SessionToken;

  @Option(
      names = "--create-bucket",
      description =
          "Create the S3 store's bucket if it does not exist (default: $REPRISE_CREATE_BUCKET, else"
              + " false: a missing bucket is an error that says how to create it).")
  Boolean createBucket;

  /** The environment the defaults come from: the process's, or a pod's when run in-process. */
  private Map<String, String> baseEnvironment = System.getenv();

  /**
   * The S3 settings, read once: their credentials fetch and refresh temporary keys, and every store
   * and digest of this command should share them rather than ask STS again.
   */
  private S3Settings s3;

  void useEnvironment(Map<String, String> env) {
    this.baseEnvironment = Map.copyOf(env);
    this.s3 = null;
  }

  /** The store URI to use: the flag, else the document's, else the default folder. */
  public String uri(String fromDocument) {
    if (store != null && !store.isBlank()) {
      return store;
    }
    return fromDocument != null ? fromDocument : DEFAULT_STORE;
  }

  public BlobStore openBlobs(String fromDocument) {
    String uri = uri(fromDocument);
    return Stores.open(uri, uri.startsWith("s3://") ? s3Required() : null, createBucket());
  }

  /** The S3 settings from the flags, falling back to the environment; null if none are given. */
  public S3Settings s3() {
    if (s3 == null) {
      s3 = S3Settings.fromEnvironmentIfSet(environment());
    }
    return s3;
  }

  /** The S3 settings from the flags and environment; an error naming what is missing if none. */
  S3Settings s3Required() {
    S3Settings given = s3();
    return given != null ? given : S3Settings.fromEnvironment(environment());
  }

  /** --create-bucket, else $REPRISE_CREATE_BUCKET, else false. */
  boolean createBucket() {
    return createBucket != null
        ? createBucket
        : Boolean.parseBoolean(baseEnvironment.getOrDefault("REPRISE_CREATE_BUCKET", "false"));
  }

  private Map<String, String> environment() {
    Map<String, String> env = new HashMap<>(baseEnvironment);
    if (s3Endpoint != null) {
      env.put(S3Settings.ENDPOINT_VAR, s3Endpoint);
    }
    if (s3AccessKey != null) {
      env.put(S3Settings.ACCESS_KEY_VAR, s3AccessKey);
      // A token from the environment belongs to the environment's keys, not to these.
      env.remove(S3Settings.SESSION_TOKEN_VAR);
    }
    if (s3SessionToken != null) {
      env.put(S3Settings.SESSION_TOKEN_VAR, s3SessionToken);
    }
    if (s3SecretKey != null) {
      env.put(S3Settings.SECRET_KEY_VAR, s3SecretKey);
    }
    return env;
  }

  public ArtifactStore open(String fromDocument) {
    return new ArtifactStore(openBlobs(fromDocument), cacheDir(baseEnvironment).resolve("blobs"));
  }

  public DataDigests dataDigests() {
    S3Settings s3 = s3();
    return new DataDigests(
        cacheDir(baseEnvironment).resolve("data-digests.tsv"),
        s3 == null ? null : new S3Data(s3)::digest);
  }

  /**
   * How methods reach their PATH parameters' data: S3 data (same endpoint and credentials as the
   * store) is fetched into {@code <cache>/data}, bounded by $REPRISE_DATA_CACHE_SIZE.
   */
  public ExternalData externalData() {
    S3Settings s3 = s3();
    if (s3 == null) {
      return ExternalData.localOnly();
    }
    return new ExternalData(
        new S3Data(s3),
        new DataCache(
            cacheDir(baseEnvironment).resolve("data"), DataCache.maxBytes(baseEnvironment)));
  }

  /**
   * Local cache folder: $REPRISE_CACHE_DIR, else $XDG_CACHE_HOME/reprise, else ~/.cache/reprise;
   * the temporary folder when none of those is writable (a pod's read-only root file system).
   */
  public static Path cacheDir() {
    return cacheDir(System.getenv());
  }

  static Path cacheDir(Map<String, String> env) {
    String explicit = env.get("REPRISE_CACHE_DIR");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path preferred =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg, "reprise")
            : Path.of(System.getProperty("user.home"), ".cache", "reprise");
    try {
      Files.createDirectories(preferred);
      if (Files.isWritable(preferred)) {
        return preferred;
      }
    } catch (IOException | SecurityException e) {
      // fall through to the temporary folder
    }
    return workRoot().resolveSibling("reprise-cache");
  }

  /** Where phases write before their files are committed. */
  public static Path workRoot() {
    return Path.of(System.getProperty("java.io.tmpdir"), "reprise-work");
  }
}

package dev.reprise.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.RepriseException;
import dev.reprise.core.StoreException;
import io.minio.BucketExistsArgs;
import io.minio.CopyObjectArgs;
import io.minio.CopySource;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A store under {@code s3://bucket/prefix} on an S3-compatible server (MinIO, AWS S3), through the
 * MinIO SDK with path-style requests.
 *
 * <p>Every write is one PUT (the SDK switches to a multipart upload for large files, which S3 also
 * commits atomically). Passing faults (connection errors, 5xx, 429 and SlowDown) are retried three
 * times with exponential backoff; client errors such as 403 are not. A missing bucket is an error,
 * never created behind the user's back: pass {@code createBucket} or call {@link #ensureBucket}
 * where creating it is wanted (tests, {@code reprise} with an explicit flag).
 *
 * <p>Locks are leases: a JSON object {@code {owner, expires}} created with {@code If-None-Match: *}
 * and rewritten every third of the lease time while held. A lease whose {@code expires} lies more
 * than one lease time in the past belongs to a dead holder and is taken over.
 */
public final class S3BlobStore implements BlobStore {
  public static final Duration DEFAULT_LOCK_TTL = Duration.ofSeconds(30);

  private static final System.Logger LOG = System.getLogger(S3BlobStore.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long[] RETRY_DELAYS_MILLIS = {100, 400, 1600};
  private static final Set<String> TRANSIENT_CODES =
      Set.of(
          "SlowDown",
          "InternalError",
          "ServiceUnavailable",
          "RequestTimeout",
          "RequestTimeTooSkewed",
          "ConditionalRequestConflict");
  private static final Set<String> CREDENTIAL_CODES =
      Set.of("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken");
  private static final Pattern RESPONSE_CODE = Pattern.compile("Response code: (\\d+)");
  private static final String TMP_PREFIX = ".tmp-";

  private final S3Settings settings;
  private final S3Uri location;
  private final Duration lockTtl;
  private final MinioClient client;

  /** A store at {@code s3://bucket/prefix}; the bucket must exist. */
  public S3BlobStore(S3Settings settings, String uri) {
    this(settings, uri, false, DEFAULT_LOCK_TTL);
  }

  /**
   * @param createBucket create the bucket now if it does not exist (otherwise operations on a
   *     missing bucket fail with a message saying so)
   * @param lockTtl how long a lock lease lasts without renewal; tests use a short one
   */
  public S3BlobStore(S3Settings settings, String uri, boolean createBucket, Duration lockTtl) {
    if (lockTtl.toMillis() < 30) {
      throw new IllegalArgumentException("lock TTL too short: " + lockTtl);
    }
    this.settings = settings;
    this.location = S3Uri.parse(uri);
    this.lockTtl = lockTtl;
    this.client = newClient(settings);
    if (createBucket) {
      try {
        ensureBucket(client, settings, location.bucket());
      } catch (RuntimeException e) {
        closeClient(client, settings);
        throw e;
      }
    }
  }

  /** Creates the bucket at the settings' endpoint unless it exists. */
  public static void ensureBucket(S3Settings settings, String bucket) {
    MinioClient client = newClient(settings);
    try {
      ensureBucket(client, settings, bucket);
    } finally {
      closeClient(client, settings);
    }
  }

  private static void ensureBucket(MinioClient client, S3Settings settings, String bucket) {
    String where = "s3://" + bucket;
    boolean exists =
        retrying(
            settings,
            "check bucket",
            where,
            () -> client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()));
    if (exists) {
      return;
    }
    retrying(
        settings,
        "create bucket",
        where,
        () -> {
          try {
            client.makeBucket(
                MakeBucketArgs.builder().bucket(bucket).region(settings.region()).build());
          } catch (ErrorResponseException e) {
            // Someone else created it between our check and our request: that is what we wanted.
            if (!"BucketAlreadyOwnedByYou".equals(e.errorResponse().code())) {
              throw e;
            }
          }
          return null;
        });
  }

  /** True if this store's bucket exists. */
  boolean bucketExists() {
    return retrying(
        settings,
        "check bucket",
        S3Uri.SCHEME + bucket(),
        () -> client.bucketExists(BucketExistsArgs.builder().bucket(bucket()).build()));
  }

  private static MinioClient newClient(S3Settings settings) {
    MinioClient client =
        MinioClient.builder()
            .endpoint(settings.endpoint())
            // Asked before every request: temporary credentials are refreshed as they expire.
            .credentialsProvider(settings.credentials().provider(settings.region()))
            .region(settings.region())
            .build();
    // MinIO and most S3-compatible servers only serve bucket names in the path.
    client.disableVirtualStyleEndpoint();
    return client;
  }

  @Override
  public String uri() {
    return location.toString();
  }

  private String bucket() {
    return location.bucket();
  }

  private String key(String name) {
    if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.endsWith("/")) {
      throw new IllegalArgumentException("bad blob name '" + name + "'");
    }
    for (String segment : name.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("bad blob name '" + name + "'");
      }
    }
    return location.key().isEmpty() ? name : location.key() + "/" + name;
  }

  private String relative(String key) {
    return location.key().isEmpty() ? key : key.substring(location.key().length() + 1);
  }

  @Override
  public Optional<byte[]> read(String name) {
    String key = key(name);
    return call(
        "read", key, unlessMissing(() -> Optional.of(readObject(key).body()), Optional.empty()));
  }

  /** One object's bytes and the ETag they were read with. */
  private record ObjectBody(byte[] body, String etag) {}

  private ObjectBody readObject(String key) throws Exception {
    try (GetObjectResponse in =
        client.getObject(GetObjectArgs.builder().bucket(bucket()).object(key).build())) {
      return new ObjectBody(in.readAllBytes(), unquote(in.headers().get("ETag")));
    }
  }

  @Override
  public void write(String name, byte[] data) {
    put("write", key(name), data, Map.of());
  }

  /**
   * One PUT of {@code data}, retried on passing faults.
   *
   * @param conditions {@code If-None-Match} or {@code If-Match} headers, or none
   * @return false if a condition did not hold (412), and nothing was written
   */
  private boolean put(String action, String key, byte[] data, Map<String, String> conditions) {
    return call(
        action,
        key,
        () -> {
          try {
            client.putObject(
                PutObjectArgs.builder().bucket(bucket()).object(key).stream(
                        new ByteArrayInputStream(data), data.length, -1)
                    .extraHeaders(conditions)
                    .build());
            return true;
          } catch (ErrorResponseException e) {
            if (!conditions.isEmpty() && isPreconditionFailed(e)) {
              return false;
            }
            throw e;
          }
        });
  }

  @Override
  public void upload(String name, Path source) {
    upload(name, source, Map.of());
  }

  /**
   * As {@link #upload(String, Path)}, with user metadata: S3 keeps each entry as {@code
   * x-amz-meta-<key>} and returns it with the object ({@link #describe}).
   */
  public void upload(String name, Path source, Map<String, String> userMetadata) {
    String key = key(name);
    if (!Files.isRegularFile(source)) {
      throw new StoreException("cannot upload " + source + " to " + where(key) + ": no such file");
    }
    call(
        "upload",
        key,
        () ->
            client.uploadObject(
                UploadObjectArgs.builder()
                    .bucket(bucket())
                    .object(key)
                    .filename(source.toString())
                    .userMetadata(userMetadata)
                    .build()));
  }

  @Override
  public void download(String name, Path target) {
    String key = key(name);
    Path absolute = target.toAbsolutePath();
    Path tmp =
        absolute.resolveSibling(TMP_PREFIX + absolute.getFileName() + "-" + UUID.randomUUID());
    try {
      Files.createDirectories(absolute.getParent());
      S3Call<Boolean> copyToTmp =
          () -> {
            try (GetObjectResponse in =
                client.getObject(GetObjectArgs.builder().bucket(bucket()).object(key).build())) {
              Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
              return true;
            }
          };
      if (!call("download", key, unlessMissing(copyToTmp, false))) {
        throw new StoreException("no blob " + name + " in " + uri());
      }
      try {
        Files.move(
            tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new StoreException(
          "cannot download " + where(key) + " to " + absolute + ": " + e.getMessage(), e);
    } finally {
      deleteIfExists(tmp);
    }
  }

  @Override
  public Optional<BlobInfo> stat(String name) {
    String key = key(name);
    S3Call<Optional<BlobInfo>> head =
        () -> {
          StatObjectResponse s =
              client.statObject(StatObjectArgs.builder().bucket(bucket()).object(key).build());
          long modified =
              s.lastModified() == null ? 0 : s.lastModified().toInstant().toEpochMilli();
          return Optional.of(new BlobInfo(name, s.size(), unquote(s.etag()), modified));
        };
    return call("stat", key, unlessMissing(head, Optional.empty()));
  }

  /**
   * The object's size, ETag and recorded SHA-256 (the user metadata {@code x-amz-meta-sha256} that
   * {@code reprise data push} writes, else a full-object SHA-256 checksum S3 stored at upload), or
   * empty if there is no such object.
   */
  public Optional<DataObject> describe(String name) {
    String key = key(name);
    S3Call<Optional<DataObject>> head =
        () -> {
          StatObjectResponse s =
              client.statObject(
                  StatObjectArgs.builder()
                      .bucket(bucket())
                      .object(key)
                      // S3 returns the stored checksum only when asked.
                      .extraHeaders(Map.of("x-amz-checksum-mode", "ENABLED"))
                      .build());
          return Optional.of(
              dataObject(
                  name,
                  s.size(),
                  unquote(s.etag()),
                  s.userMetadata(),
                  s.headers().get("x-amz-checksum-sha256"),
                  s.headers().get("x-amz-checksum-type")));
        };
    return call("stat", key, unlessMissing(head, Optional.empty()));
  }

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  /**
   * What an object records of its content: the {@code sha256} user metadata if it is 64 hex digits,
   * else the {@code x-amz-checksum-sha256} header if it is a full-object checksum (a multipart
   * upload's composite checksum, "...-N" or type COMPOSITE, is a hash of part hashes, not of the
   * content), else nothing.
   */
  static DataObject dataObject(
      String name,
      long size,
      String etag,
      Map<String, String> userMetadata,
      String checksum,
      String checksumType) {
    for (Map.Entry<String, String> m : userMetadata.entrySet()) {
      String k = m.getKey().toLowerCase(java.util.Locale.ROOT);
      if (k.equals(DataObject.METADATA_KEY) || k.equals("x-amz-meta-" + DataObject.METADATA_KEY)) {
        String v =
            m.getValue() == null ? "" : m.getValue().trim().toLowerCase(java.util.Locale.ROOT);
        if (SHA256_HEX.matcher(v).matches()) {
          return new DataObject(name, size, etag, v, DataObject.METADATA);
        }
      }
    }
    if (checksum != null
        && !checksum.contains("-")
        && !"COMPOSITE".equalsIgnoreCase(String.valueOf(checksumType))) {
      try {
        byte[] raw = java.util.Base64.getDecoder().decode(checksum.trim());
        if (raw.length == 32) {
          return new DataObject(
              name, size, etag, java.util.HexFormat.of().formatHex(raw), DataObject.CHECKSUM);
        }
      } catch (IllegalArgumentException notBase64) {
        // Not a checksum we can read: fall back to the ETag.
      }
    }
    return new DataObject(name, size, etag, null, null);
  }

  @Override
  public List<BlobInfo> list(String prefix) {
    String keyPrefix = location.key().isEmpty() ? prefix : location.key() + "/" + prefix;
    return call(
        "list",
        keyPrefix + "*",
        () -> {
          List<BlobInfo> out = new ArrayList<>();
          Iterable<Result<Item>> items =
              client.listObjects(
                  ListObjectsArgs.builder()
                      .bucket(bucket())
                      .prefix(keyPrefix)
                      .recursive(true)
                      .build());
          for (Result<Item> result : items) {
            Item item = result.get();
            // Some servers list folder placeholders; they are not blobs.
            if (item.isDir() || item.objectName().endsWith("/")) {
              continue;
            }
            long modified =
                item.lastModified() == null ? 0 : item.lastModified().toInstant().toEpochMilli();
            out.add(
                new BlobInfo(
                    relative(item.objectName()), item.size(), unquote(item.etag()), modified));
          }
          out.sort(Comparator.comparing(BlobInfo::name));
          return out;
        });
  }

  @Override
  public boolean createIfAbsent(String name, byte[] data) {
    return put("create", key(name), data, Map.of("If-None-Match", "*"));
  }

  @Override
  public void copy(String from, String to) {
    String fromKey = key(from);
    String toKey = key(to);
    S3Call<Boolean> serverSideCopy =
        () -> {
          client.copyObject(
              CopyObjectArgs.builder()
                  .bucket(bucket())
                  .object(toKey)
                  .source(CopySource.builder().bucket(bucket()).object(fromKey).build())
                  .build());
          return true;
        };
    if (!call("copy to " + toKey + " from", fromKey, unlessMissing(serverSideCopy, false))) {
      throw new StoreException("no blob " + from + " in " + uri());
    }
  }

  @Override
  public void delete(String name) {
    String key = key(name);
    S3Call<Boolean> remove =
        () -> {
          client.removeObject(RemoveObjectArgs.builder().bucket(bucket()).object(key).build());
          return true;
        };
    // S3 answers 204 for a missing key; some compatible servers say NoSuchKey instead.
    call("delete", key, unlessMissing(remove, false));
  }

  /** Leases this store holds now: released by {@link #close} and on Ctrl-C or SIGTERM. */
  private final Set<LeaseLock> held = ConcurrentHashMap.newKeySet();

  private final Thread releaseOnExit =
      new Thread(() -> new ArrayList<>(held).forEach(LeaseLock::close), "reprise-release-leases");

  private volatile boolean hookInstalled;

  /** Installs the shutdown hook the first time this store holds a lease. */
  private void releaseAtExit() {
    if (!hookInstalled) {
      synchronized (this) {
        if (!hookInstalled) {
          Runtime.getRuntime().addShutdownHook(releaseOnExit);
          hookInstalled = true;
        }
      }
    }
  }

  @Override
  public Optional<String> lockHolder(String name) {
    return readLease(name)
        .map(
            l ->
                l.owner().split("/")[0]
                    + " (process "
                    + (l.owner().split("/").length > 1 ? l.owner().split("/")[1] : "?")
                    + "), whose lease runs until "
                    + java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")
                        .format(
                            java.time.Instant.ofEpochMilli(l.expires())
                                .atZone(java.time.ZoneId.systemDefault()))
                    + " local time and is taken over "
                    + lockTtl.toSeconds()
                    + " s after that if it is not renewed");
  }

  @Override
  public Optional<Lock> tryLock(String name) {
    String owner = ownerId();
    if (createIfAbsent(name, lease(owner))) {
      return Optional.of(new LeaseLock(name, owner));
    }
    Optional<Lease> held = readLease(name);
    if (held.isPresent() && owner.equals(held.get().owner())) {
      // Our PUT succeeded but its answer was lost, and the retry saw our own lease.
      return Optional.of(new LeaseLock(name, owner));
    }
    long now = System.currentTimeMillis();
    if (held.isPresent() && held.get().expires() >= now - lockTtl.toMillis()) {
      return Optional.empty();
    }
    if (held.isPresent()) {
      // Delete only the stale lease we read: if it changed since, its holder is alive after all.
      Optional<BlobInfo> current = stat(name);
      if (current.isPresent() && !current.get().tag().equals(held.get().etag())) {
        return Optional.empty();
      }
      LOG.log(
          Level.DEBUG,
          "taking over lock {0}: lease of {1} expired at {2,number,#}",
          where(key(name)),
          held.get().owner(),
          held.get().expires());
      delete(name);
    }
    if (createIfAbsent(name, lease(owner))) {
      return Optional.of(new LeaseLock(name, owner));
    }
    return Optional.empty();
  }

  private byte[] lease(String owner) {
    Map<String, Object> lease = new LinkedHashMap<>();
    lease.put("owner", owner);
    lease.put("expires", System.currentTimeMillis() + lockTtl.toMillis());
    try {
      return JSON.writeValueAsBytes(lease);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A lease as read from the store; an unreadable lease counts as expired long ago. */
  private record Lease(String owner, long expires, String etag) {}

  private Optional<Lease> readLease(String name) {
    String key = key(name);
    Optional<ObjectBody> read =
        call("read lock", key, unlessMissing(() -> Optional.of(readObject(key)), Optional.empty()));
    return read.map(
        object -> {
          try {
            JsonNode node = JSON.readTree(object.body());
            return new Lease(
                node.path("owner").asText(""), node.path("expires").asLong(0), object.etag());
          } catch (IOException e) {
            LOG.log(
                Level.WARNING,
                "lock {0} holds no valid lease ({1}); treating it as expired",
                where(key),
                new String(object.body(), StandardCharsets.UTF_8));
            return new Lease("", 0, object.etag());
          }
        });
  }

  private static String ownerId() {
    return hostName() + "/" + ProcessHandle.current().pid() + "/" + UUID.randomUUID();
  }

  private static String hostName() {
    // Kubernetes sets HOSTNAME to the pod name, which is what an operator wants to see.
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown-host";
    }
  }

  /** A held lease, renewed by a daemon thread until closed. */
  private final class LeaseLock implements Lock {
    private final String name;
    private final String owner;
    private final ScheduledExecutorService renewer;
    private final AtomicBoolean closed = new AtomicBoolean();

    LeaseLock(String name, String owner) {
      this.name = name;
      this.owner = owner;
      this.renewer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "reprise-lease-" + name);
                t.setDaemon(true);
                return t;
              });
      long period = Math.max(1, lockTtl.toMillis() / 3);
      renewer.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
      held.add(this);
      releaseAtExit();
    }

    private void renew() {
      try {
        Optional<Lease> current = readLease(name);
        if (current.isEmpty() || !owner.equals(current.get().owner())) {
          LOG.log(
              Level.WARNING,
              "lost lock {0}: now held by {1}",
              where(key(name)),
              current.map(Lease::owner).orElse("nobody"));
          renewer.shutdown();
          return;
        }
        String key = key(name);
        // If-Match: a takeover between our read and this write wins over us.
        Map<String, String> unchanged = Map.of("If-Match", "\"" + current.get().etag() + "\"");
        boolean renewed = put("renew lock", key, lease(owner), unchanged);
        // A 412 on a retried PUT may be our own first attempt having landed: check the owner.
        if (!renewed && !readLease(name).map(l -> owner.equals(l.owner())).orElse(false)) {
          LOG.log(Level.WARNING, "lost lock {0}: it changed while being renewed", where(key));
          renewer.shutdown();
        }
      } catch (RuntimeException e) {
        // A passing fault: the lease still has two thirds of its time; try again next period.
        LOG.log(Level.WARNING, "cannot renew lock " + where(key(name)) + ": " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      renewer.shutdown();
      try {
        // A renewal in flight must not rewrite the lease after we delete it.
        if (!renewer.awaitTermination(30, TimeUnit.SECONDS)) {
          throw new StoreException("lock renewal of " + where(key(name)) + " did not stop");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException("interrupted releasing lock " + where(key(name)), e);
      }
      Optional<Lease> current = readLease(name);
      if (current.isPresent() && owner.equals(current.get().owner())) {
        delete(name);
      }
      held.remove(this);
    }
  }

  @Override
  public void close() {
    new ArrayList<>(held).forEach(LeaseLock::close);
    if (hookInstalled) {
      try {
        Runtime.getRuntime().removeShutdownHook(releaseOnExit);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook is running or has run.
      }
    }
    closeClient(client, settings);
  }

  private static void closeClient(MinioClient client, S3Settings settings) {
    try {
      client.close();
    } catch (Exception e) {
      throw new StoreException(
          "cannot close S3 client for " + settings.endpoint() + ": " + e.getMessage(), e);
    }
  }

  // ---- errors and retries

  /** One S3 request; may throw whatever the SDK throws. */
  @FunctionalInterface
  private interface S3Call<T> {
    T run() throws Exception;
  }

  private <T> T call(String action, String key, S3Call<T> request) {
    return retrying(settings, action, "s3://" + bucket() + "/" + key, request);
  }

  /** The request's result, or {@code whenMissing} if S3 says the object does not exist. */
  private static <T> S3Call<T> unlessMissing(S3Call<T> request, T whenMissing) {
    return () -> {
      try {
        return request.run();
      } catch (ErrorResponseException e) {
        if (isMissingObject(e)) {
          return whenMissing;
        }
        throw e;
      }
    };
  }

  private String where(String key) {
    return "s3://" + bucket() + "/" + key;
  }

  private static <T> T retrying(
      S3Settings settings, String action, String where, S3Call<T> request) {
    for (int attempt = 1; ; attempt++) {
      try {
        return request.run();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        boolean retry = isTransient(e) && attempt <= RETRY_DELAYS_MILLIS.length;
        if (!retry) {
          throw failure(settings, action, where, e, attempt);
        }
        LOG.log(Level.DEBUG, "S3 {0} {1} failed ({2}); retrying", action, where, describe(e));
        try {
          Thread.sleep(RETRY_DELAYS_MILLIS[attempt - 1]);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw failure(settings, action, where, e, attempt);
        }
      }
    }
  }

  /** Connection trouble, 5xx, 429 and S3's "slow down" codes are worth retrying; 4xx are not. */
  static boolean isTransient(Exception e) {
    if (e instanceof ErrorResponseException r) {
      int status = r.response() == null ? 0 : r.response().code();
      return status >= 500 || status == 429 || TRANSIENT_CODES.contains(r.errorResponse().code());
    }
    if (e instanceof ServerException s) {
      return s.statusCode() >= 500 || s.statusCode() == 429;
    }
    if (e instanceof InvalidResponseException) {
      int status = statusOf(e);
      return status >= 500 || status == 429;
    }
    // A local file that is missing or unreadable will not get better by waiting.
    if (e instanceof FileSystemException) {
      return false;
    }
    return e instanceof IOException;
  }

  private static int statusOf(Exception e) {
    if (e instanceof ErrorResponseException r) {
      return r.response() == null ? 0 : r.response().code();
    }
    if (e instanceof ServerException s) {
      return s.statusCode();
    }
    Matcher m = RESPONSE_CODE.matcher(String.valueOf(e.getMessage()));
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  private static RuntimeException failure(
      S3Settings settings, String action, String where, Exception e, int attempts) {
    // The credential sources' own verdict (none gave credentials), however the SDK wrapped it.
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof RepriseException r) {
        return r;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    String code = e instanceof ErrorResponseException r ? r.errorResponse().code() : "";
    int status = statusOf(e);
    // Wrong credentials and a missing bucket are the user's to fix: retrying cannot help (exit 2).
    if (status == 403 || CREDENTIAL_CODES.contains(code)) {
      return new InvalidInputException(
          "access denied to "
              + where
              + " at "
              + settings.endpoint()
              + " ("
              + describe(e)
              + "): check the credentials ("
              + settings.credentials().inUse()
              + ") and what they may access",
          e);
    }
    if ("NoSuchBucket".equals(code)) {
      String bucket = where.substring(S3Uri.SCHEME.length()).split("/", 2)[0];
      return new InvalidInputException(
          "bucket "
              + bucket
              + " does not exist at endpoint "
              + settings.endpoint()
              + " (create it with 'reprise run ... --create-bucket', REPRISE_CREATE_BUCKET=true,"
              + " or your S3 console or client, e.g. 'mc mb' for MinIO)",
          e);
    }
    String tries = attempts > 1 ? " after " + attempts + " attempts" : "";
    return new StoreException(
        "S3 "
            + action
            + " "
            + where
            + " at "
            + settings.endpoint()
            + " failed"
            + tries
            + ": "
            + describe(e),
        e);
  }

  private static String describe(Exception e) {
    if (e instanceof ErrorResponseException r) {
      String status = r.response() == null ? "" : "HTTP " + r.response().code() + " ";
      return status + r.errorResponse().code() + ": " + r.errorResponse().message();
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static boolean isMissingObject(ErrorResponseException e) {
    return "NoSuchKey".equals(e.errorResponse().code());
  }

  private static boolean isPreconditionFailed(ErrorResponseException e) {
    return "PreconditionFailed".equals(e.errorResponse().code())
        || (e.response() != null && e.response().code() == 412);
  }

  private static String unquote(String etag) {
    if (etag == null) {
      return "";
    }
    return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
        ? etag.substring(1, etag.length() - 1)
        : etag;
  }

  private static void deleteIfExists(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot delete temporary file " + p + ": " + e.getMessage(), e);
    }
  }
}

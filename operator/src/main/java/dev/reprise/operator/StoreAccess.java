package dev.reprise.operator;

import dev.reprise.core.exec.StageResolver;
import dev.reprise.core.key.DataDigests;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.S3Data;
import dev.reprise.core.store.S3Settings;
import dev.reprise.core.store.Stores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/** The stores pipelines name, each opened once and shared by all reconciliations. */
final class StoreAccess implements AutoCloseable {
  /**
   * How long a verified result is trusted without asking the store again: bounds what a result
   * deleted behind the operator's back (gc of an unpinned key, by hand) costs.
   */
  static final Duration VERIFIED_FOR = Duration.ofMinutes(10);

  static final int VERIFIED_MAX = 100_000;

  private final S3Settings s3;
  private final boolean createBucket;
  private final Path cacheDir;
  private final Map<String, ArtifactStore> open = new ConcurrentHashMap<>();
  private final StageResolver resolver;
  private final UnaryOperator<BlobStore> decorate;

  /** Digests pipelines' data on S3 (same endpoint and keys as the stores). */
  private final S3Data data;

  /**
   * @param createBucket create a missing bucket when a store is first opened (for a bundled MinIO)
   */
  StoreAccess(S3Settings s3, boolean createBucket) {
    this(s3, createBucket, UnaryOperator.identity());
  }

  /**
   * @param decorate wraps each store's blobs as it is opened (tests count the requests)
   */
  StoreAccess(S3Settings s3, boolean createBucket, UnaryOperator<BlobStore> decorate) {
    this.decorate = decorate;
    this.s3 = s3;
    this.createBucket = createBucket;
    try {
      this.cacheDir = Files.createTempDirectory("reprise-operator");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.data = s3 == null ? null : new S3Data(s3);
    this.resolver = new StageResolver(new DataDigests(null, data == null ? null : data::digest));
  }

  ArtifactStore store(String uri) {
    return open.computeIfAbsent(
        Stores.normalise(uri),
        u -> {
          ArtifactStore store =
              new ArtifactStore(decorate.apply(Stores.open(u, s3, createBucket)), cacheDir);
          // Keys are content addresses: a result once verified stays valid, so the steady-state
          // planning of a running pipeline reads only what it has not seen committed.
          store.rememberVerified(VERIFIED_FOR, VERIFIED_MAX);
          return store;
        });
  }

  StageResolver resolver() {
    return resolver;
  }

  @Override
  public void close() throws Exception {
    for (ArtifactStore s : open.values()) {
      s.close();
    }
    if (data != null) {
      data.close();
    }
  }
}

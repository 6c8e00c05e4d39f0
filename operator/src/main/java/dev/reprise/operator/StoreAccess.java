package dev.reprise.operator;

import dev.reprise.core.exec.StageResolver;
import dev.reprise.core.key.DataDigests;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.S3Data;
import dev.reprise.core.store.S3Settings;
import dev.reprise.core.store.Stores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The stores pipelines name, each opened once and shared by all reconciliations. */
final class StoreAccess implements AutoCloseable {
  private final S3Settings s3;
  private final boolean createBucket;
  private final Path cacheDir;
  private final Map<String, ArtifactStore> open = new ConcurrentHashMap<>();
  private final StageResolver resolver;

  /** Digests pipelines' data on S3 (same endpoint and keys as the stores). */
  private final S3Data data;

  /**
   * @param createBucket create a missing bucket when a store is first opened (for a bundled MinIO)
   */
  StoreAccess(S3Settings s3, boolean createBucket) {
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
        Stores.normalise(uri), u -> new ArtifactStore(Stores.open(u, s3, createBucket), cacheDir));
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

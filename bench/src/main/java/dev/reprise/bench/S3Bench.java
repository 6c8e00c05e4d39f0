package dev.reprise.bench;

import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.S3BlobStore;
import dev.reprise.core.store.TestingS3Server;
import java.nio.file.Path;

/** An S3-compatible server on loopback (S3Proxy, as in the tests) for benchmarks. */
final class S3Bench {
  private S3Bench() {}

  /** A running server with a bucket, and a store on it. */
  record Server(TestingS3Server server, BlobStore store) implements AutoCloseable {
    @Override
    public void close() {
      store.close();
      server.close();
    }
  }

  static Server start(Path unused) {
    TestingS3Server s = TestingS3Server.start();
    s.createBucket("bench");
    return new Server(s, new S3BlobStore(s.settings(), "s3://bench/planning"));
  }
}

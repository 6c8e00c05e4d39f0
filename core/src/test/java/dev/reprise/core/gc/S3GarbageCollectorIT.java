package dev.reprise.core.gc;

import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.S3BlobStore;
import dev.reprise.core.store.TestingS3Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** gc on an S3 store over loopback. */
class S3GarbageCollectorIT extends GarbageCollectorContract {
  static TestingS3Server s3;

  @BeforeAll
  static void start() {
    s3 = TestingS3Server.start();
    s3.createBucket("collect");
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  @Override
  BlobStore newStore() {
    return new S3BlobStore(s3.settings(), "s3://collect/" + tmp.getFileName());
  }

  @Override
  int runsPerThread() {
    return 5;
  }
}

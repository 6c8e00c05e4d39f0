package dev.reprise.core.exec;

import static dev.reprise.core.exec.TestingEngine.stage;
import static dev.reprise.core.exec.TestingEngine.states;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.method.TestingMethods;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.S3BlobStore;
import dev.reprise.core.store.TestingS3Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's reuse, resume and damage handling on an S3 store over loopback. */
class S3ExecutorIT {
  static TestingS3Server s3;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    s3 = TestingS3Server.start();
    s3.createBucket("engine");
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  @Test
  void reuseEarlyCutoffAndAReplacedObjectOnS3() throws Exception {
    TestingMethods.CALLS.clear();
    TestingEngine engine =
        new TestingEngine(tmp, new S3BlobStore(s3.settings(), "s3://engine/" + tmp.getFileName()));
    RunSummary first = engine.run(LocalExecutorTest.BASE);
    assertEquals(Map.of("source", "ran", "scale", "ran", "sum", "ran"), states(first));

    TestingMethods.CALLS.clear();
    assertEquals(
        Map.of("source", "reused", "scale", "reused", "sum", "reused"),
        states(engine.run(LocalExecutorTest.BASE)));
    assertTrue(TestingMethods.CALLS.isEmpty());

    // Replace scale's output with other bytes of the same size: the ETag gives it away.
    String blob = Location.stage(stage(first, "scale").key()).outputsPrefix() + "numbers.txt";
    byte[] original = engine.store.blobs().read(blob).orElseThrow();
    byte[] bytes = original.clone();
    bytes[0] = (byte) (bytes[0] == '9' ? '8' : '9');
    engine.store.blobs().write(blob, bytes);
    RunSummary second = engine.run(LocalExecutorTest.BASE);
    assertEquals(Map.of("source", "reused", "scale", "ran", "sum", "reused"), states(second));
    assertTrue(
        engine.warnings.stream().anyMatch(w -> w.contains("numbers.txt was replaced")),
        engine.warnings.toString());
    assertEquals(
        new String(original, StandardCharsets.UTF_8),
        new String(engine.store.blobs().read(blob).orElseThrow(), StandardCharsets.UTF_8),
        "recomputed to the original bytes");
  }
}

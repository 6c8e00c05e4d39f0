package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.store.TestingS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line against an S3 store (S3Proxy on loopback), credentials given as flags. */
class S3CommandLineIT {
  static TestingS3Server s3;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    s3 = TestingS3Server.start();
    s3.createBucket("reprise");
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  private String[] withS3(String... args) {
    String[] all = new String[args.length + 6];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--s3-endpoint";
    all[args.length + 1] = s3.endpoint();
    all[args.length + 2] = "--s3-access-key";
    all[args.length + 3] = s3.accessKey();
    all[args.length + 4] = "--s3-secret-key";
    all[args.length + 5] = s3.secretKey();
    return all;
  }

  @Test
  void runReuseWorkerAndExportWorkOnS3() throws Exception {
    Path f = tmp.resolve("p.yaml");
    Files.writeString(f, CommandLineTest.pipeline("3", 3, "0"));
    String store = "s3://reprise/" + tmp.getFileName();
    TestingCli.Result first =
        TestingCli.run(
            withS3(
                "run", f.toString(), "--store", store, "--json", tmp.resolve("a.json").toString()));
    assertEquals(0, first.exitCode(), first.err());
    JsonNode a = new ObjectMapper().readTree(tmp.resolve("a.json").toFile());
    assertEquals(store, a.get("store").asText());
    assertEquals("ran", a.get("stages").get(2).get("state").asText());

    TestingCli.Result second =
        TestingCli.run(
            withS3(
                "run", f.toString(), "--store", store, "--json", tmp.resolve("b.json").toString()));
    assertEquals(0, second.exitCode(), second.err());
    for (JsonNode s : new ObjectMapper().readTree(tmp.resolve("b.json").toFile()).get("stages")) {
      assertEquals("reused", s.get("state").asText());
    }

    String key = a.get("stages").get(1).get("key").asText();
    TestingCli.Result again =
        TestingCli.run(
            withS3(
                "worker", "--store", store, "--key", key, "--phase", "analysis", "--slice", "2"));
    assertEquals(0, again.exitCode(), again.err());
    assertTrue(again.out().contains("already committed"), again.out());

    TestingCli.Result export =
        TestingCli.run(
            withS3(
                "export",
                f.toString(),
                "--stage",
                "sum",
                "--to",
                tmp.resolve("out").toString(),
                "--store",
                store));
    assertEquals(0, export.exitCode(), export.err());
    assertEquals("5490\n", Files.readString(tmp.resolve("out/sum.txt")));
  }

  @Test
  void missingCredentialsAreTheUsersMistake() throws Exception {
    Path f = tmp.resolve("p.yaml");
    Files.writeString(f, CommandLineTest.pipeline("3", 1, "0"));
    TestingCli.Result r =
        TestingCli.run(
            "run", f.toString(), "--store", "s3://reprise/x", "--s3-endpoint", s3.endpoint());
    if (System.getenv("AWS_ACCESS_KEY_ID") == null) {
      assertEquals(2, r.exitCode(), r.err());
      assertTrue(r.err().contains("AWS_ACCESS_KEY_ID"), r.err());
    }
  }

  static final String SLOW =
      """
      apiVersion: reprise.dev/v1alpha1
      kind: Pipeline
      metadata: {name: slow}
      spec:
        stages:
          - name: slow
            command: [sh, -c, 'sleep SECONDS; echo done > "$REPRISE_OUTPUTS/done.txt"']
      """;

  @Test
  void aMissingBucketSaysHowToCreateItAndCreateBucketDoes() throws Exception {
    Path f = Files.writeString(tmp.resolve("p.yaml"), SLOW.replace("SECONDS", "0"));
    String store = "s3://fresh-" + Long.toHexString(System.nanoTime()) + "/runs";
    TestingCli.Result missing = TestingCli.run(withS3("run", f.toString(), "--store", store));
    assertEquals(2, missing.exitCode(), missing.err());
    assertTrue(missing.err().contains("--create-bucket"), missing.err());
    assertTrue(!missing.err().contains("S3BlobStore"), "no internal API named: " + missing.err());
    TestingCli.Result created =
        TestingCli.run(withS3("run", f.toString(), "--store", store, "--create-bucket"));
    assertEquals(0, created.exitCode(), created.err());
  }

  @Test
  void sigtermReleasesTheRunsLeasesSoTheNextRunStartsAtOnce() throws Exception {
    Path f = Files.writeString(tmp.resolve("p.yaml"), SLOW.replace("SECONDS", "60"));
    String store = "s3://reprise/" + tmp.getFileName();
    Path log = tmp.resolve("first.log");
    Process first =
        TestingCli.spawn(log, java.util.List.of(), withS3("run", f.toString(), "--store", store));
    try (var blobs = dev.reprise.core.store.Stores.open(store, s3.settings())) {
      long deadline = System.currentTimeMillis() + 60_000;
      while (blobs.list("locks/").isEmpty()) {
        assertTrue(first.isAlive(), Files.readString(log));
        assertTrue(
            System.currentTimeMillis() < deadline, "no lease taken: " + Files.readString(log));
        Thread.sleep(20);
      }
      String lock = blobs.list("locks/").get(0).name();
      assertTrue(
          blobs.lockHolder(lock).orElseThrow().contains("local time"), "who holds it, until when");

      first.destroy(); // SIGTERM, as Ctrl-C's SIGINT: shutdown hooks run
      assertTrue(first.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the run ended");
      assertEquals(java.util.List.of(), blobs.list("locks/"), "no lease left behind");

      Path second = tmp.resolve("second.log");
      long started = System.nanoTime();
      Process next =
          TestingCli.spawn(
              second, java.util.List.of(), withS3("run", f.toString(), "--store", store));
      try {
        while (blobs.list("locks/").isEmpty()) {
          assertTrue(next.isAlive(), Files.readString(second));
          Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(
            seconds < 10,
            "the next run took the lease after " + seconds + " s (JVM start included)");
        assertTrue(!Files.readString(second).contains("waiting for it"), Files.readString(second));
      } finally {
        next.destroy();
        next.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }
}

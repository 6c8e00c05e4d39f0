package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.S3Settings;
import dev.reprise.core.store.Stores;
import dev.reprise.core.store.TestingS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data on S3 from the command line: {@code reprise data push/ls/digest}, and {@code eeg.load}
 * reading an {@code s3://} folder in a local run, keyed by content.
 */
class S3DataCommandLineIT {
  static TestingS3Server s3;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    s3 = TestingS3Server.start();
    s3.createBucket("reprise");
    s3.createBucket("data");
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  private static String[] withS3(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--s3-endpoint", s3.endpoint(),
            "--s3-access-key", s3.accessKey(),
            "--s3-secret-key", s3.secretKey()));
    return all.toArray(String[]::new);
  }

  private static TestingCli.Result ok(String... args) {
    TestingCli.Result r = TestingCli.run(args);
    assertEquals(0, r.exitCode(), String.join(" ", args) + "\n" + r.out() + r.err());
    return r;
  }

  private static final String SYNTHESIZE =
      """
      apiVersion: reprise.dev/v1alpha1
      kind: Pipeline
      metadata: {name: synth}
      spec:
        stages:
          - name: epochs
            method: eeg.synthesize
            params: {subjects: 3, trialsPerClass: 6, channels: 4, sfreq: 50, tmin: -0.1, tmax: 0.5, seed: 5}
      """;

  private static final String LOAD =
      """
      apiVersion: reprise.dev/v1alpha1
      kind: Pipeline
      metadata: {name: from-s3}
      spec:
        stages:
          - name: load
            method: eeg.load
            params: {path: s3://data/eeg}
            slices: 2
          - name: clean
            method: eeg.preprocess
            inputs: {epochs: load}
            params: {decimate: 2}
      """;

  /** Runs the S3 pipeline and returns each stage's state. */
  private Map<String, String> run(Path doc, String store, String name) throws Exception {
    Path json = tmp.resolve(name + ".json");
    ok(withS3("run", doc.toString(), "--store", store, "--json", json.toString()));
    Map<String, String> states = new HashMap<>();
    for (JsonNode s : new ObjectMapper().readTree(json.toFile()).get("stages")) {
      states.put(s.get("name").asText(), s.get("state").asText());
    }
    return states;
  }

  private static String digestOf(TestingCli.Result r) {
    return r.out().trim().split("\\s+")[0];
  }

  @Test
  void eegLoadReadsPushedDataFromS3AndRerunsByContent() throws Exception {
    Path synth = Files.writeString(tmp.resolve("synth.yaml"), SYNTHESIZE);
    String local = tmp.resolve("local-store").toString();
    ok("run", synth.toString(), "--store", local, "--quiet");
    Path epochs = tmp.resolve("epochs");
    ok(
        "export",
        synth.toString(),
        "--stage",
        "epochs",
        "--to",
        epochs.toString(),
        "--store",
        local);

    TestingCli.Result push = ok(withS3("data", "push", epochs.toString(), "s3://data/eeg/"));
    assertTrue(push.out().contains("path: s3://data/eeg\n"), push.out());
    TestingCli.Result ls = ok(withS3("data", "ls", "s3://data/eeg"));
    assertTrue(ls.out().contains("sub-01/X.npy"), ls.out());
    assertTrue(ls.out().contains("the key digests them by sha256 metadata (8 objects)"), ls.out());
    String remote = digestOf(ok(withS3("data", "digest", "s3://data/eeg")));
    assertEquals(digestOf(ok("data", "digest", epochs.toString())), remote);

    Path doc = Files.writeString(tmp.resolve("load.yaml"), LOAD);
    String store = "s3://reprise/" + tmp.getFileName();
    assertEquals(Map.of("load", "ran", "clean", "ran"), run(doc, store, "first"));
    Path loaded = tmp.resolve("loaded");
    ok(
        withS3(
            "export",
            doc.toString(),
            "--stage",
            "load",
            "--to",
            loaded.toString(),
            "--store",
            store));
    for (String f : List.of("info.json", "sub-01/X.npy", "sub-03/y.npy")) {
      assertArrayEquals(
          Files.readAllBytes(epochs.resolve(f)), Files.readAllBytes(loaded.resolve(f)), f);
    }
    TestingCli.Result explain =
        ok(withS3("explain", doc.toString(), "--stage", "load", "--store", store));
    assertTrue(
        explain
            .out()
            .contains("Data 'path': s3://data/eeg digested by sha256 metadata (8 objects)."),
        explain.out());
    assertEquals(Map.of("load", "reused", "clean", "reused"), run(doc, store, "second"));

    // The same bytes deleted and uploaded again: a new object, the same content, the same key.
    S3Settings settings = s3.settings();
    try (BlobStore data = Stores.open("s3://data/eeg", settings)) {
      data.delete("sub-02/X.npy");
    }
    TestingCli.Result again = ok(withS3("data", "push", epochs.toString(), "s3://data/eeg"));
    assertTrue(again.out().contains("uploaded 1 ("), again.out());
    assertEquals(Map.of("load", "reused", "clean", "reused"), run(doc, store, "reupload"));

    // A file eeg.load ignores: load runs again, gives the same epochs, clean is reused.
    Files.writeString(epochs.resolve("notes.txt"), "recorded on a Tuesday\n");
    ok(withS3("data", "push", epochs.toString(), "s3://data/eeg"));
    assertEquals(Map.of("load", "ran", "clean", "reused"), run(doc, store, "notes"));

    // Other labels for subject 2: both run again.
    byte[] before = Files.readAllBytes(epochs.resolve("sub-02/y.npy"));
    Files.copy(
        epochs.resolve("sub-01/y.npy"),
        epochs.resolve("sub-02/y.npy"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertFalse(
        java.util.Arrays.equals(before, Files.readAllBytes(epochs.resolve("sub-02/y.npy"))));
    TestingCli.Result changed = ok(withS3("data", "push", epochs.toString(), "s3://data/eeg"));
    assertTrue(changed.out().contains("uploaded 1 ("), changed.out());
    assertEquals(Map.of("load", "ran", "clean", "ran"), run(doc, store, "labels"));

    // An object uploaded by other means records no SHA-256: explain says the key falls back.
    try (BlobStore data = Stores.open("s3://data/eeg", settings)) {
      data.write("README", "see the lab book".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    TestingCli.Result fallback =
        ok(withS3("explain", doc.toString(), "--stage", "load", "--store", store));
    assertTrue(
        fallback
            .out()
            .contains(
                "digested by ETag and size (10 objects; 1 of 10 objects have no SHA-256 recorded: upload with reprise data push"),
        fallback.out());
  }

  @Test
  void aKilledPushOf200FilesResumesWithWhatIsMissing() throws Exception {
    Path dir = tmp.resolve("dataset");
    Random random = new Random(7);
    for (int i = 0; i < 200; i++) {
      byte[] b = new byte[32 * 1024];
      random.nextBytes(b);
      Path f = dir.resolve(String.format("sub-%02d/trial-%03d.bin", i % 10, i));
      Files.createDirectories(f.getParent());
      Files.write(f, b);
    }
    String uri = "s3://data/killed-" + tmp.getFileName();
    Path log = tmp.resolve("push.log");
    Process child =
        TestingCli.spawn(
            log, List.of(), withS3("data", "push", dir.toString(), uri, "--parallel", "1"));
    int present;
    try (BlobStore data = Stores.open(uri, s3.settings())) {
      long deadline = System.currentTimeMillis() + 120_000;
      while (data.list("").size() < 20) {
        assertTrue(child.isAlive(), "push ended before it was killed: " + Files.readString(log));
        assertTrue(System.currentTimeMillis() < deadline, Files.readString(log));
        Thread.sleep(10);
      }
      child.destroyForcibly().waitFor();
      present = data.list("").size();
    }
    assertTrue(present >= 20 && present < 200, present + " objects when killed");

    TestingCli.Result resumed = ok(withS3("data", "push", dir.toString(), uri));
    Matcher m =
        Pattern.compile("uploaded (\\d+) \\([^)]*\\), (\\d+) already there").matcher(resumed.out());
    assertTrue(m.find(), resumed.out());
    int uploaded = Integer.parseInt(m.group(1));
    int skipped = Integer.parseInt(m.group(2));
    assertEquals(200, uploaded + skipped);
    // An upload in flight when the process died may still land: at most one more than counted.
    assertTrue(
        skipped >= present && skipped <= present + 1,
        skipped + " skipped, " + present + " present");
    assertEquals(
        digestOf(ok("data", "digest", dir.toString())),
        digestOf(ok(withS3("data", "digest", uri))),
        "the pushed dataset digests as the local one");
  }

  @Test
  void aCommandStageReadsS3DataThroughADataImportStage() throws Exception {
    Path dir = tmp.resolve("tables");
    Files.createDirectories(dir.resolve("2026"));
    Files.writeString(dir.resolve("2026/a.csv"), "x\n1\n2\n");
    Files.writeString(dir.resolve("b.csv"), "x\n3\n");
    String uri = "s3://data/tables-" + tmp.getFileName();
    ok(withS3("data", "push", dir.toString(), uri));
    Path doc =
        Files.writeString(
            tmp.resolve("count.yaml"),
            """
            apiVersion: reprise.dev/v1alpha1
            kind: Pipeline
            metadata: {name: count}
            spec:
              stages:
                - {name: tables, method: data.import, params: {path: "URI"}}
                - name: count
                  command: [sh, -c, 'cat "$REPRISE_INPUTS"/tables/2026/a.csv "$REPRISE_INPUTS"/tables/b.csv | grep -c "^[0-9]" > "$REPRISE_OUTPUTS/n.txt"']
                  inputs: {tables: tables}
            """
                .replace("URI", uri));
    String store = tmp.resolve("store").toString();
    assertEquals(Map.of("tables", "ran", "count", "ran"), run(doc, store, "first"));
    Path out = tmp.resolve("out");
    ok(
        withS3(
            "export",
            doc.toString(),
            "--stage",
            "count",
            "--to",
            out.toString(),
            "--store",
            store));
    assertEquals("3\n", Files.readString(out.resolve("n.txt")));
    assertEquals(Map.of("tables", "reused", "count", "reused"), run(doc, store, "again"));

    Files.writeString(dir.resolve("b.csv"), "x\n3\n4\n");
    ok(withS3("data", "push", dir.toString(), uri));
    assertEquals(Map.of("tables", "ran", "count", "ran"), run(doc, store, "changed"));
  }

  @Test
  void pushingToAMissingBucketSaysHowToCreateItAndCreateBucketDoes() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("one"));
    Files.writeString(dir.resolve("a.txt"), "a\n");
    String uri = "s3://fresh-data-" + Long.toHexString(System.nanoTime()) + "/set";
    TestingCli.Result missing = TestingCli.run(withS3("data", "push", dir.toString(), uri));
    assertEquals(2, missing.exitCode(), missing.out() + missing.err());
    assertTrue(missing.err().contains("--create-bucket"), missing.err());
    TestingCli.Result created = ok(withS3("data", "push", dir.toString(), uri, "--create-bucket"));
    assertTrue(created.out().contains("uploaded 1 ("), created.out());
    TestingCli.Result notS3 = TestingCli.run(withS3("data", "ls", dir.toString()));
    assertEquals(2, notS3.exitCode());
    assertTrue(notS3.err().contains("is not an S3 URI"), notS3.err());
  }
}

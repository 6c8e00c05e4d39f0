package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {
  @TempDir Path tmp;

  static String pipeline(String factor, int slices, String sleep) {
    return """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: numbers}
        spec:
          stages:
            - {name: source, method: test.source, params: {count: 60}}
            - {name: scale, method: test.scale, inputs: {in: source}, params: {factor: %s, sleepMillis: %s}, slices: %d}
            - {name: sum, method: test.sum, inputs: {in: scale}}
        """
        .formatted(factor, sleep, slices);
  }

  private Path write(String name, String yaml) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, yaml);
    return f;
  }

  private String store() {
    return tmp.resolve("store").toString();
  }

  private JsonNode json(Path p) throws Exception {
    return new ObjectMapper().readTree(p.toFile());
  }

  @Test
  void runPrintsATableAndWritesTheJsonSummaryAndASecondRunReusesAll() throws Exception {
    Path f = write("p.yaml", pipeline("3", 4, "0"));
    TestingCli.Result first =
        TestingCli.run(
            "run",
            f.toString(),
            "--store",
            store(),
            "--workers",
            "2",
            "--json",
            tmp.resolve("first.json").toString());
    assertEquals(0, first.exitCode(), first.err());
    assertTrue(
        first.out().contains("STAGE")
            && first.out().contains("scale")
            && first.out().contains("4/4"),
        first.out());
    JsonNode j = json(tmp.resolve("first.json"));
    assertEquals("numbers", j.get("pipeline").asText());
    assertEquals("file:" + tmp.resolve("store"), j.get("store").asText());
    assertEquals("ran", j.get("stages").get(1).get("state").asText());
    assertEquals(4, j.get("stages").get(1).get("slicesRan").asInt());
    assertEquals(64, j.get("stages").get(1).get("key").asText().length());
    assertTrue(
        first.err().contains("scale: ran"),
        "progress lines when not on a terminal: " + first.err());

    TestingCli.Result second =
        TestingCli.run(
            "run",
            f.toString(),
            "--store",
            store(),
            "--json",
            tmp.resolve("second.json").toString());
    assertEquals(0, second.exitCode());
    JsonNode k = json(tmp.resolve("second.json"));
    for (JsonNode s : k.get("stages")) {
      assertEquals("reused", s.get("state").asText());
      assertEquals(0, s.get("slicesRan").asInt());
    }
    assertTrue(second.out().contains("3 of 3 stages reused, saving"), second.out());
  }

  @Test
  void planExplainExportAndHistoryDescribeTheStore() throws Exception {
    Path f = write("p.yaml", pipeline("3", 2, "0"));
    assertEquals(0, TestingCli.run("run", f.toString(), "--store", store()).exitCode());
    Path g = write("changed.yaml", pipeline("5", 2, "0"));

    TestingCli.Result plan = TestingCli.run("plan", g.toString(), "--store", store());
    assertEquals(0, plan.exitCode());
    assertTrue(plan.out().matches("(?s).*source\\s+test.source\\s+reuse.*"), plan.out());
    assertTrue(plan.out().matches("(?s).*scale\\s+test.scale\\s+run.*"), plan.out());
    assertTrue(plan.out().matches("(?s).*sum\\s+test.sum\\s+pending.*after scale.*"), plan.out());

    TestingCli.Result explain =
        TestingCli.run("explain", g.toString(), "--stage", "scale", "--store", store());
    assertEquals(0, explain.exitCode());
    assertTrue(explain.out().contains("parameter factor: 3 -> 5"), explain.out());
    assertFalse(explain.out().contains("method code"), explain.out());

    TestingCli.Result reused =
        TestingCli.run("explain", g.toString(), "--stage", "source", "--store", store());
    assertTrue(reused.out().contains("will be reused"), reused.out());

    TestingCli.Result export =
        TestingCli.run(
            "export",
            f.toString(),
            "--stage",
            "sum",
            "--to",
            tmp.resolve("out").toString(),
            "--store",
            store());
    assertEquals(0, export.exitCode(), export.err());
    // 3 * (1 + ... + 60) = 5490
    assertEquals("5490\n", Files.readString(tmp.resolve("out/sum.txt")));

    TestingCli.Result notThere =
        TestingCli.run(
            "export",
            g.toString(),
            "--stage",
            "sum",
            "--to",
            tmp.resolve("out2").toString(),
            "--store",
            store());
    assertEquals(1, notThere.exitCode());
    assertTrue(notThere.err().contains("no committed result"), notThere.err());

    assertEquals(0, TestingCli.run("run", g.toString(), "--store", store()).exitCode());
    TestingCli.Result history =
        TestingCli.run("history", g.toString(), "--store", store(), "--stage", "scale");
    assertEquals(0, history.exitCode());
    assertEquals(3, history.out().lines().count(), "a header and two runs: " + history.out());
  }

  @Test
  void anInvalidDocumentExitsWithTwoListsEveryProblemAndWritesNothing() throws Exception {
    Path f =
        write(
            "bad.yaml",
            """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: bad}
        spec:
          stages:
            - {name: source, method: test.source, params: {count: -1}}
            - {name: scale, method: test.scale, inputs: {in: sauce}}
        """);
    TestingCli.Result r = TestingCli.run("run", f.toString(), "--store", store());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("invalid pipeline (2 problems)"), r.err());
    assertTrue(
        r.err()
            .contains(f + ": stage 'source': params.count: must be between 1 and 1000000, got -1"),
        r.err());
    assertTrue(r.err().contains(f + ": stage 'scale': inputs.in: no stage named 'sauce'"), r.err());
    assertFalse(r.err().contains("Exception"), "no stack trace: " + r.err());
    assertFalse(Files.exists(tmp.resolve("store")), "nothing may be written to the store");
    assertEquals(2, TestingCli.run("run", tmp.resolve("missing.yaml").toString()).exitCode());
    assertEquals(2, TestingCli.run("run", f.toString(), "--workers", "zero").exitCode());
  }

  @Test
  void theWorkerEntryPointRunsOnePhaseFromTaskJsonAndIsIdempotent() throws Exception {
    Path f = write("p.yaml", pipeline("3", 3, "0"));
    TestingCli.Result run =
        TestingCli.run(
            "run", f.toString(), "--store", store(), "--json", tmp.resolve("s.json").toString());
    assertEquals(0, run.exitCode());
    String key = json(tmp.resolve("s.json")).get("stages").get(1).get("key").asText();
    Path stageDir = tmp.resolve("store/stages/" + key);
    // Withdraw slice 1 and the stage, as if its pod had not run yet.
    Files.delete(stageDir.resolve("slices/1/manifest.json"));
    Files.delete(stageDir.resolve("manifest.json"));

    TestingCli.Result slice =
        TestingCli.run(
            "worker", "--store", store(), "--key", key, "--phase", "analysis", "--slice", "1");
    assertEquals(0, slice.exitCode(), slice.err() + slice.out());
    assertTrue(Files.exists(stageDir.resolve("slices/1/manifest.json")));
    TestingCli.Result again =
        TestingCli.run(
            "worker", "--store", store(), "--key", key, "--phase", "analysis", "--slice", "1");
    assertTrue(again.out().contains("already committed"), again.out());
    TestingCli.Result synth =
        TestingCli.run("worker", "--store", store(), "--key", key, "--phase", "synthesis");
    assertEquals(0, synth.exitCode(), synth.err());
    assertTrue(Files.exists(stageDir.resolve("manifest.json")));

    assertEquals(
        2,
        TestingCli.run(
                "worker", "--store", store(), "--key", "0".repeat(64), "--phase", "synthesis")
            .exitCode());
    assertEquals(
        2,
        TestingCli.run("worker", "--store", store(), "--key", key, "--phase", "cleanup")
            .exitCode());
    assertEquals(
        2,
        TestingCli.run(
                "worker", "--store", store(), "--key", key, "--phase", "analysis", "--slice", "9")
            .exitCode());
  }

  @Test
  void killedMidStageThenRerunReusesCommittedSlicesAndGivesIdenticalOutputs() throws Exception {
    Path f = write("p.yaml", pipeline("3", 12, "300"));
    Path log = tmp.resolve("killed.log");
    Process p =
        TestingCli.spawn(log, List.of(), "run", f.toString(), "--store", store(), "--workers", "2");
    Path store = tmp.resolve("store/stages");
    long deadline = System.currentTimeMillis() + 60_000;
    while (sliceManifests(store) < 4) {
      assertTrue(p.isAlive(), "the run ended before it was killed: " + Files.readString(log));
      assertTrue(
          System.currentTimeMillis() < deadline,
          "slices never committed: " + Files.readString(log));
      Thread.sleep(50);
    }
    p.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks, no clean-up
    long committed = sliceManifests(store);
    assertTrue(
        committed >= 4 && committed < 12,
        "killed mid-stage with " + committed + " slices committed");

    TestingCli.Result rerun =
        TestingCli.run(
            "run",
            f.toString(),
            "--store",
            store(),
            "--json",
            tmp.resolve("rerun.json").toString());
    assertEquals(0, rerun.exitCode(), rerun.err());
    JsonNode scale = json(tmp.resolve("rerun.json")).get("stages").get(1);
    assertEquals("ran", scale.get("state").asText());
    assertTrue(
        scale.get("slicesRan").asInt() <= 12 - committed, "committed slices are reused: " + scale);

    TestingCli.Result clean =
        TestingCli.run(
            "run",
            f.toString(),
            "--store",
            tmp.resolve("clean").toString(),
            "--json",
            tmp.resolve("clean.json").toString());
    assertEquals(0, clean.exitCode());
    JsonNode cleanStages = json(tmp.resolve("clean.json")).get("stages");
    JsonNode rerunStages = json(tmp.resolve("rerun.json")).get("stages");
    assertEquals(
        cleanStages.get(2).get("key").asText(),
        rerunStages.get(2).get("key").asText(),
        "sum's key depends on scale's output digest: equal keys mean byte-identical outputs");
    assertEquals(
        Files.readString(
            tmp.resolve(
                "clean/stages/" + cleanStages.get(2).get("key").asText() + "/outputs/sum.txt")),
        Files.readString(
            tmp.resolve(
                "store/stages/" + rerunStages.get(2).get("key").asText() + "/outputs/sum.txt")));
  }

  @Test
  void twoProcessesSharingAFolderStoreComputeEachSliceOnce() throws Exception {
    Path f = write("p.yaml", pipeline("7", 6, "200"));
    Path markers = tmp.resolve("markers");
    List<String> jvm = List.of("-Dreprise.test.markers=" + markers);
    Process a =
        TestingCli.spawn(
            tmp.resolve("a.log"), jvm, "run", f.toString(), "--store", store(), "--workers", "2");
    Process b =
        TestingCli.spawn(
            tmp.resolve("b.log"), jvm, "run", f.toString(), "--store", store(), "--workers", "2");
    assertEquals(0, a.waitFor(), Files.readString(tmp.resolve("a.log")));
    assertEquals(0, b.waitFor(), Files.readString(tmp.resolve("b.log")));
    try (Stream<Path> s = Files.list(markers)) {
      assertEquals(6, s.count(), "each of the 6 slices ran exactly once across both processes");
    }
  }

  /** Committed slice manifests: stages/<key>/slices/<i>/manifest.json. */
  private static long sliceManifests(Path stages) throws Exception {
    long n = 0;
    for (Path stage : list(stages)) {
      for (Path slice : list(stage.resolve("slices"))) {
        if (Files.exists(slice.resolve("manifest.json"))) {
          n++;
        }
      }
    }
    return n;
  }

  private static List<Path> list(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }
}

package dev.reprise.core.exec;

import static dev.reprise.core.exec.TestingEngine.stage;
import static dev.reprise.core.exec.TestingEngine.states;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.method.TestingMethods;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.Manifest;
import dev.reprise.core.store.RunRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalExecutorTest {
  @TempDir Path tmp;
  TestingEngine engine;

  static String pipeline(
      String name, String sourceParams, String scaleParams, String sumParams, int slices) {
    return """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: %s}
        spec:
          stages:
            - name: source
              method: test.source
              params: {%s}
            - name: scale
              method: test.scale
              inputs: {in: source}
              params: {%s}
              slices: %d
            - name: sum
              method: test.sum
              inputs: {in: scale}
              params: {%s}
        """
        .formatted(name, sourceParams, scaleParams, slices, sumParams);
  }

  static final String BASE = pipeline("numbers", "count: 40", "factor: 3", "", 4);

  @BeforeEach
  void setUp() {
    engine = new TestingEngine(tmp);
    TestingMethods.CALLS.clear();
    TestingMethods.FAIL_SLICES.clear();
  }

  @AfterEach
  void tearDown() {
    TestingMethods.FAIL_SLICES.clear();
  }

  private String sum() throws Exception {
    return Files.readString(
        engine
            .store
            .blobs()
            .localFile(
                Location.stage(stage(engine.run(BASE), "sum").key()).outputsPrefix() + "sum.txt")
            .orElseThrow());
  }

  @Test
  void firstRunRunsEverythingAndTheResultIsRight() throws Exception {
    RunSummary s = engine.run(BASE);
    assertEquals(Map.of("source", "ran", "scale", "ran", "sum", "ran"), states(s));
    assertEquals(0, s.exitCode());
    assertEquals(4, stage(s, "scale").slicesRan());
    // 3 * (1 + ... + 40) = 2460
    assertEquals("2460\n", sum());
  }

  @Test
  void secondRunOfAnUnchangedPipelineReusesEveryStageAndRunsNoMethodCode() {
    RunSummary first = engine.run(BASE);
    TestingMethods.CALLS.clear();
    RunSummary second = engine.run(BASE);
    assertEquals(Map.of("source", "reused", "scale", "reused", "sum", "reused"), states(second));
    assertTrue(TestingMethods.CALLS.isEmpty(), "no method code may run: " + TestingMethods.CALLS);
    for (String s : List.of("source", "scale", "sum")) {
      assertEquals(stage(first, s).key(), stage(second, s).key());
    }
    assertTrue(second.savedSeconds() >= 0);
    assertEquals(0, stage(second, "scale").slicesRan());
  }

  @Test
  void changingTheLastStageRunsOnlyIt() {
    engine.run(BASE);
    TestingMethods.CALLS.clear();
    RunSummary s = engine.run(pipeline("numbers", "count: 40", "factor: 3", "offset: 5", 4));
    assertEquals(Map.of("source", "reused", "scale", "reused", "sum", "ran"), states(s));
    assertEquals(0, TestingMethods.calls("test.source") + TestingMethods.calls("test.scale"));
    assertEquals(1, TestingMethods.calls("test.sum"));
  }

  @Test
  void changingAMiddleStageRunsItAndItsDependantsAndReusesUpstream() {
    engine.run(BASE);
    TestingMethods.CALLS.clear();
    RunSummary s = engine.run(pipeline("numbers", "count: 40", "factor: 4", "", 4));
    assertEquals(Map.of("source", "reused", "scale", "ran", "sum", "ran"), states(s));
    assertEquals(0, TestingMethods.calls("test.source"));
  }

  @Test
  void writingADefaultValueExplicitlyChangesNoKey() {
    RunSummary implicit = engine.run(BASE);
    RunSummary explicit =
        engine.run(
            pipeline(
                "numbers",
                "count: 40, start: 1, label: plain",
                "factor: 3, cap: 1000000000, sleepMillis: 0",
                "offset: 0",
                4));
    assertEquals(Map.of("source", "reused", "scale", "reused", "sum", "reused"), states(explicit));
    assertEquals(stage(implicit, "sum").key(), stage(explicit, "sum").key());
  }

  @Test
  void renamingStagesOrThePipelineOrChangingParallelismOrWorkersChangesNoKey() {
    RunSummary first = engine.run(BASE, 2);
    String renamed =
        BASE.replace("name: numbers", "name: other")
            .replace("name: source", "name: origin")
            .replace("in: source", "in: origin")
            .replace("stages:", "parallelism: 1\n  stages:");
    RunSummary second = engine.run(renamed, 1);
    assertEquals(Map.of("origin", "reused", "scale", "reused", "sum", "reused"), states(second));
    assertEquals(stage(first, "source").key(), stage(second, "origin").key());
    assertEquals(stage(first, "sum").key(), stage(second, "sum").key());
  }

  @Test
  void aStageThatRerunsWithByteIdenticalOutputLeavesItsDependantsReused() {
    engine.run(BASE);
    TestingMethods.CALLS.clear();
    // A cap above every value changes scale's key but not a byte of its output.
    RunSummary s = engine.run(pipeline("numbers", "count: 40", "factor: 3, cap: 999999", "", 4));
    assertEquals(Map.of("source", "reused", "scale", "ran", "sum", "reused"), states(s));
    assertEquals(0, TestingMethods.calls("test.sum"));
  }

  @Test
  void slicesCommittedBeforeAFailureAreReusedAndTheResultIsIdentical() throws Exception {
    TestingMethods.FAIL_SLICES.add(5);
    String yaml = pipeline("numbers", "count: 40", "factor: 3", "", 8);
    RunSummary failed = engine.run(yaml, 1);
    assertEquals("failed", states(failed).get("scale"));
    assertEquals("skipped", states(failed).get("sum"));
    assertEquals(1, failed.exitCode());
    assertTrue(
        stage(failed, "scale").message().contains("slice 5 fails on purpose"),
        stage(failed, "scale").message());

    TestingMethods.FAIL_SLICES.clear();
    RunSummary resumed = engine.run(yaml, 1);
    assertEquals("ran", states(resumed).get("scale"));
    int ran = stage(resumed, "scale").slicesRan();
    assertTrue(ran < 8 && ran >= 1, "only the missing slices rerun, ran " + ran);

    TestingEngine clean = new TestingEngine(tmp.resolve("clean"));
    RunSummary reference = clean.run(yaml, 2);
    assertEquals(
        stage(reference, "scale").manifest().digest(), stage(resumed, "scale").manifest().digest());
    assertEquals(stage(reference, "sum").key(), stage(resumed, "sum").key());
  }

  @Test
  void aCorruptedCommittedFileIsDetectedAndRecomputed() throws Exception {
    RunSummary first = engine.run(BASE);
    String key = stage(first, "scale").key();
    Path file =
        engine
            .store
            .blobs()
            .localFile(Location.stage(key).outputsPrefix() + "numbers.txt")
            .orElseThrow();
    byte[] bytes = Files.readAllBytes(file);
    bytes[0] = (byte) (bytes[0] == '9' ? '8' : '9'); // same size, different content
    Files.write(file, bytes);
    TestingMethods.CALLS.clear();

    RunSummary second = engine.run(BASE);
    assertEquals("ran", states(second).get("scale"));
    assertEquals(
        "reused",
        states(second).get("sum"),
        "the recomputed output is identical, so sum is reused");
    assertTrue(
        engine.warnings.stream().anyMatch(w -> w.contains("numbers.txt") && w.contains("damaged")),
        engine.warnings.toString());
    assertEquals(
        stage(first, "scale").manifest().digest(), stage(second, "scale").manifest().digest());
    assertTrue(
        engine
            .store
            .verify(Location.stage(key), engine.store.manifest(Location.stage(key)).orElseThrow())
            .isEmpty());
  }

  @Test
  void aFailureOnInvalidDataExitsWithTwoAndNamesTheProblem() {
    RunSummary s =
        engine.run(
            """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: bad-data}
        spec:
          stages:
            - {name: source, method: test.source}
            - {name: broken, method: test.fail, inputs: {in: source}, params: {how: invalid}}
            - {name: after, method: test.sum, inputs: {in: broken}}
            - {name: independent, method: test.sum, inputs: {in: source}}
        """);
    assertEquals(2, s.exitCode());
    assertEquals(
        Map.of("source", "ran", "broken", "failed", "after", "skipped", "independent", "ran"),
        states(s));
    assertTrue(stage(s, "broken").message().contains("subject s07, trial 3"));
  }

  @Test
  void aBugInAMethodExitsWithOne() {
    RunSummary s =
        engine.run(
            """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: buggy}
        spec:
          stages:
            - {name: broken, method: test.fail}
        """);
    assertEquals(1, s.exitCode());
    assertTrue(
        stage(s, "broken").message().contains("division by zero"), stage(s, "broken").message());
  }

  @Test
  void twoStagesWithTheSameKeyAreComputedOnce() {
    RunSummary s =
        engine.run(
            """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: twins}
        spec:
          stages:
            - {name: a, method: test.source, params: {count: 5}}
            - {name: b, method: test.source, params: {count: 5}}
        """);
    assertEquals(stage(s, "a").key(), stage(s, "b").key());
    assertEquals(1, TestingMethods.calls("test.source"));
    assertTrue(states(s).values().containsAll(List.of("ran", "reused")), states(s).toString());
  }

  @Test
  void twoConcurrentRunsOnOneStoreComputeEachKeyOnce() throws Exception {
    String slow = pipeline("numbers", "count: 40", "factor: 3, sleepMillis: 150", "", 4);
    TestingEngine other = new TestingEngine(tmp, engine.store.blobs());
    CompletableFuture<RunSummary> a = CompletableFuture.supplyAsync(() -> engine.run(slow, 2));
    CompletableFuture<RunSummary> b = CompletableFuture.supplyAsync(() -> other.run(slow, 2));
    RunSummary ra = a.get();
    RunSummary rb = b.get();
    assertEquals(0, ra.exitCode());
    assertEquals(0, rb.exitCode());
    assertEquals(1, TestingMethods.calls("test.source"));
    assertEquals(4 + 1, TestingMethods.calls("test.scale"), "4 slices and one synthesis, once");
    assertEquals(stage(ra, "sum").key(), stage(rb, "sum").key());
  }

  @Test
  void aMethodWithoutSynthesisGetsTheUnionOfItsSlicesFiles() throws Exception {
    RunSummary s =
        engine.run(
            """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: split}
        spec:
          stages:
            - {name: source, method: test.source, params: {count: 10}}
            - {name: split, method: test.split, inputs: {in: source}, slices: 3}
        """);
    Manifest m = stage(s, "split").manifest();
    assertEquals(
        List.of("part-0.txt", "part-1.txt", "part-2.txt"),
        m.outputs().stream().map(Manifest.FileEntry::name).toList());
    Path p =
        engine
            .store
            .blobs()
            .localFile(Location.stage(m.key()).outputsPrefix() + "part-2.txt")
            .orElseThrow();
    assertEquals("7\n8\n9\n10\n", Files.readString(p));
  }

  @Test
  void eachRunIsRecordedWithItsKeyComponents() {
    engine.run(BASE);
    engine.run(BASE);
    List<RunRecord> runs = engine.store.runs("numbers");
    assertEquals(2, runs.size());
    RunRecord.StageRun scale =
        runs.get(1).stages().stream()
            .filter(s -> s.name().equals("scale"))
            .findFirst()
            .orElseThrow();
    assertEquals("reused", scale.state());
    assertEquals(
        3, ((Number) ((Map<?, ?>) scale.components().get("params")).get("factor")).intValue());
    assertNotEquals(null, scale.key());
    assertFalse(runs.get(0).stages().isEmpty());
  }

  @Test
  void runRecordsGiveBackTheExactKeyComponentsIncludingNullParameters() throws Exception {
    Files.writeString(tmp.resolve("data.txt"), "4\n5\n");
    RunSummary s =
        engine.run(
            """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: nulls}
        spec:
          stages:
            - {name: load, method: test.data, params: {path: data.txt}}
            - {name: sum, method: test.sum, inputs: {in: load}}
        """);
    assertEquals(0, s.exitCode(), s.stages().toString());
    for (RunRecord.StageRun r : engine.store.runs("nulls").get(0).stages()) {
      assertEquals(
          r.key(), dev.reprise.core.key.KeyComponents.fromJson(r.components()).key(), r.name());
    }
    assertTrue(
        ((Map<?, ?>) engine.store.runs("nulls").get(0).stages().get(0).components().get("params"))
            .containsKey("window"));
  }

  @Test
  void aStagesRecordedSecondsCoverAllItsPhasesAndASingleUnitStageCountsAsOneSlice() {
    RunSummary s =
        engine.run(pipeline("numbers", "count: 8", "factor: 3, sleepMillis: 100", "", 4), 1);
    assertTrue(
        stage(s, "scale").manifest().seconds() >= 0.4,
        "4 slices of 0.1 s on one worker: " + stage(s, "scale").manifest().seconds());
    assertEquals(1, stage(s, "sum").slicesRan());
    assertEquals(
        0.0,
        engine
            .run(pipeline("numbers", "count: 8", "factor: 3, sleepMillis: 100", "", 4), 1)
            .stages()
            .get(1)
            .seconds());
    assertTrue(
        engine
                .run(pipeline("numbers", "count: 8", "factor: 3, sleepMillis: 100", "", 4), 1)
                .savedSeconds()
            >= 0.4);
  }
}

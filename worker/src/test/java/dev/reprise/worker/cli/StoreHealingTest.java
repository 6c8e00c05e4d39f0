package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.key.CodeDigest;
import dev.reprise.core.method.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that heals itself and says what is wrong: damaged results are called damaged and
 * recomputed, a run whose record cannot be written still succeeds, and mistakes a user can make are
 * exit 2 with a reason, never "internal error".
 */
class StoreHealingTest {
  @TempDir Path tmp;

  static final String DOC =
      """
      apiVersion: reprise.dev/v1alpha1
      kind: Pipeline
      metadata: {name: heal}
      spec:
        stages:
          - name: make
            command: [sh, -c, 'echo 42 > "$REPRISE_OUTPUTS/answer.txt"']
          - name: use
            command: [sh, -c, 'cat "$REPRISE_INPUTS/make/answer.txt" > "$REPRISE_OUTPUTS/copy.txt"']
            inputs: {make: make}
      """;

  private Path doc() throws Exception {
    return Files.writeString(tmp.resolve("heal.yaml"), DOC);
  }

  private String store() {
    return tmp.resolve("store").toString();
  }

  private String key(String stage) throws Exception {
    TestingCli.Result plan =
        TestingCli.run("plan", doc().toString(), "--store", store(), "--json", "-");
    for (var s : new ObjectMapper().readTree(plan.out()).get("stages")) {
      if (s.get("name").asText().equals(stage)) {
        return s.get("key").asText();
      }
    }
    throw new AssertionError(plan.out());
  }

  @Test
  void outputsReplacedByAFileAreCalledDamagedThenRecomputed() throws Exception {
    assertEquals(0, TestingCli.run("run", doc().toString(), "--store", store()).exitCode());
    Path outputs = tmp.resolve("store/stages/" + key("make") + "/outputs");
    deleteTree(outputs);
    Files.writeString(outputs, "not a folder");

    TestingCli.Result plan = TestingCli.run("plan", doc().toString(), "--store", store());
    assertTrue(plan.out().contains("stored result is damaged"), plan.out());
    TestingCli.Result export =
        TestingCli.run(
            "export",
            doc().toString(),
            "--stage",
            "make",
            "--to",
            tmp.resolve("out").toString(),
            "--store",
            store());
    assertEquals(1, export.exitCode());
    assertTrue(export.err().contains("is damaged"), export.err());
    assertFalse(export.err().contains("run the pipeline first"), export.err());

    TestingCli.Result heal =
        TestingCli.run(
            "run",
            doc().toString(),
            "--store",
            store(),
            "--json",
            tmp.resolve("r.json").toString());
    assertEquals(0, heal.exitCode(), heal.out() + heal.err());
    assertTrue(heal.err().contains("is damaged"), "the damage is reported: " + heal.err());
    var stages = new ObjectMapper().readTree(tmp.resolve("r.json").toFile()).get("stages");
    assertEquals("ran", stages.get(0).get("state").asText(), "the damaged result is recomputed");
    assertEquals("reused", stages.get(1).get("state").asText(), "same output: early cutoff");
    assertEquals(
        0,
        TestingCli.run(
                "export",
                doc().toString(),
                "--stage",
                "make",
                "--to",
                tmp.resolve("out").toString(),
                "--store",
                store())
            .exitCode());
    assertEquals("42\n", Files.readString(tmp.resolve("out/answer.txt")));
  }

  @Test
  void aRunRecordThatCannotBeWrittenIsAWarningNotAFailure() throws Exception {
    assertEquals(0, TestingCli.run("run", doc().toString(), "--store", store()).exitCode());
    // Everything a fully reused run writes is blocked, as on a read-only store: its run record,
    // its claims (gc) and its last-use records.
    for (String blocked : new String[] {"runs/heal", "claims", "used"}) {
      Path p = tmp.resolve("store/" + blocked);
      if (Files.exists(p)) {
        deleteTree(p);
      }
      Files.writeString(p, "a file where a folder should be");
    }
    TestingCli.Result again = TestingCli.run("run", doc().toString(), "--store", store());
    assertEquals(0, again.exitCode(), again.err());
    assertTrue(
        again.out().contains("2 of 2 stages reused"), "the table is printed: " + again.out());
    assertTrue(again.err().contains("this run is not recorded"), again.err());
    assertTrue(
        again.err().contains("claims and last-use records are not in the store"), again.err());
  }

  @Test
  void usersMistakesAreExitTwoWithAReason() throws Exception {
    TestingCli.Result json =
        TestingCli.run(
            "run",
            doc().toString(),
            "--store",
            store(),
            "--json",
            tmp.resolve("no/such/r.json").toString());
    assertEquals(2, json.exitCode(), json.err());
    assertTrue(json.err().contains("no such folder"), json.err());
    assertFalse(json.err().contains("internal error"), json.err());

    TestingCli.Result key =
        TestingCli.run(
            "worker", "--store", store(), "--key", "../..", "--phase", "analysis", "--slice", "0");
    assertEquals(2, key.exitCode(), key.err());
    assertTrue(key.err().contains("--key: expected a stage key"), key.err());

    Files.writeString(tmp.resolve("blocker"), "a file");
    TestingCli.Result folder =
        TestingCli.run("run", doc().toString(), "--store", tmp.resolve("blocker/store").toString());
    assertTrue(
        folder.err().contains("not a directory"),
        "the OS reason, not a path twice: " + folder.err());

    Files.createDirectories(tmp.resolve("full"));
    Files.writeString(tmp.resolve("full/keep.txt"), "mine");
    assertEquals(0, TestingCli.run("run", doc().toString(), "--store", store()).exitCode());
    TestingCli.Result export =
        TestingCli.run(
            "export",
            doc().toString(),
            "--stage",
            "make",
            "--to",
            tmp.resolve("full").toString(),
            "--store",
            store());
    assertEquals(2, export.exitCode());
    assertTrue(
        export.err().contains("is not empty") && export.err().contains("--force"), export.err());
    assertEquals(
        0,
        TestingCli.run(
                "export",
                doc().toString(),
                "--stage",
                "make",
                "--to",
                tmp.resolve("full").toString(),
                "--store",
                store(),
                "--force")
            .exitCode());
  }

  @Test
  void anIllegalArgumentFromMethodCodeIsAFailureNotTheUsersMistake() throws Exception {
    Path f =
        Files.writeString(
            tmp.resolve("bug.yaml"),
            """
            apiVersion: reprise.dev/v1alpha1
            kind: Pipeline
            metadata: {name: bug}
            spec:
              stages:
                - {name: broken, method: test.fail, params: {how: argument}}
            """);
    TestingCli.Result r = TestingCli.run("run", f.toString(), "--store", store());
    assertEquals(1, r.exitCode(), r.out());
    assertTrue(r.out().contains("index -1 out of bounds"), r.out());
  }

  @Test
  void theTableAndTheJsonSayWhatAReusedStageIs() throws Exception {
    assertEquals(0, TestingCli.run("run", doc().toString(), "--store", store()).exitCode());
    TestingCli.Result again =
        TestingCli.run("run", doc().toString(), "--store", store(), "--json", "-");
    assertFalse(again.err().contains("0/1"), "a reused stage's SLICES is not 0/1: " + again.err());
    assertEquals(
        "heal",
        new ObjectMapper().readTree(again.out()).get("pipeline").asText(),
        "--json - is JSON alone");
    TestingCli.Result methods = TestingCli.run("methods", "--json");
    var decode = new ObjectMapper().readTree(methods.out());
    assertTrue(decode.isArray() && decode.size() > 3, methods.out());
    TestingCli.Result text = TestingCli.run("methods");
    assertTrue(
        text.out().contains("(strings, default [\"face\",\"landmark\",\"object\"])"),
        "defaults as JSON: " + text.out());
  }

  @Test
  void slicesWithNothingToDoAreReported() throws Exception {
    Path f =
        Files.writeString(
            tmp.resolve("empty.yaml"),
            """
            apiVersion: reprise.dev/v1alpha1
            kind: Pipeline
            metadata: {name: empty}
            spec:
              stages:
                - name: sparse
                  command: [sh, -c, 'if [ "$REPRISE_SLICE" = 0 ]; then echo x > "$REPRISE_OUTPUTS/x"; fi']
                  slices: 4
            """);
    TestingCli.Result r = TestingCli.run("run", f.toString(), "--store", store());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.err().contains("3 of its 4 slices had nothing to do"), r.err());
  }

  @Test
  void builtInMethodsAreDigestedWithWhatTheyWriteThrough() throws Exception {
    Method load = Reprise.methods().get("eeg.load");
    Map<String, String> classes = CodeDigest.classes(load.getClass());
    assertTrue(classes.containsKey("dev/reprise/worker/eeg/Epochs"), classes.keySet().toString());
    assertTrue(classes.containsKey("dev/reprise/core/io/Npy"), classes.keySet().toString());
  }

  private static void deleteTree(Path p) throws Exception {
    try (var walk = Files.walk(p)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    }
  }
}

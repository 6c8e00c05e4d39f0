package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Command stages on this machine: a Python (numpy) stage between eeg.preprocess and a second
 * command stage, reuse, edits of shipped files, sliced commands, exit codes, and a kill -9.
 */
class CommandStageTest {
  @TempDir Path tmp;

  static final String POWER_PY =
      """
      import json, os, sys
      import numpy as np
      from lib.helpers import band_power

      params = json.load(open(os.environ["REPRISE_PARAMS"]))
      i, n = int(os.environ["REPRISE_SLICE"]), int(os.environ["REPRISE_SLICES"])
      src = os.path.join(os.environ["REPRISE_INPUTS"], "epochs")
      subjects = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
      for s in subjects[i::n]:
          X = np.load(os.path.join(src, s, "X.npy"))
          out = os.path.join(os.environ["REPRISE_OUTPUTS"], s + "-power.npy")
          np.save(out, band_power(X, params["window"]))
      print("slice", i, "of", n, "did", subjects[i::n], "with", os.environ["OMP_NUM_THREADS"], "thread")
      """;

  static final String HELPERS_PY =
      """
      import numpy as np

      def band_power(X, window):
          return (X ** 2).mean(axis=(0, 1))[::window]
      """;

  static final String SUMMARY_PY =
      """
      import glob, os
      import numpy as np
      files = sorted(glob.glob(os.path.join(os.environ["REPRISE_INPUTS"], "power", "*.npy")))
      with open(os.path.join(os.environ["REPRISE_OUTPUTS"], "summary.csv"), "w") as f:
          f.write("subject,mean_power\\n")
          for p in files:
              f.write("%s,%.6g\\n" % (os.path.basename(p).split("-")[0], np.load(p).mean()))
      """;

  static String mixedPipeline(String python) {
    return """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: mixed}
        spec:
          stages:
            - name: epochs
              method: eeg.synthesize
              params: {subjects: 3, trialsPerClass: 6, channels: 4, seed: 3}
            - name: clean
              method: eeg.preprocess
              inputs: {epochs: epochs}
              params: {decimate: 2}
            - name: power
              image: python:3.12-slim
              command: [PY, power.py]
              files: [power.py, lib/]
              inputs: {epochs: clean}
              params: {window: 2}
              slices: 2
            - name: summary
              image: python:3.12-slim
              command: [PY, summary.py]
              files: [summary.py]
              inputs: {power: power}
        """
        .replace("PY", python);
  }

  @Test
  void pythonStagesAreReusedAndRerunExactlyWhenTheirFilesChange() throws Exception {
    String python = TestingTools.pythonWithNumpy();
    Path doc = write("mixed.yaml", mixedPipeline(python));
    write("power.py", POWER_PY);
    write("lib/helpers.py", HELPERS_PY);
    write("summary.py", SUMMARY_PY);

    TestingCli.Result first = run(doc, "first.json");
    assertEquals(0, first.exitCode(), first.err());
    assertEquals(states("ran", "ran", "ran", "ran"), states("first.json"));
    assertEquals(2, stage("first.json", "power").get("slicesRan").asInt());
    assertTrue(
        first.err().contains("slice 1 of 2 did ['sub-02'] with 1 thread"),
        "the program's output is shown, one thread per slice: " + first.err());
    assertTrue(first.err().contains("images are not used here"), first.err());
    Path out = tmp.resolve("out");
    assertEquals(
        0,
        TestingCli.run(
                "export",
                doc.toString(),
                "--stage",
                "summary",
                "--to",
                out.toString(),
                "--store",
                store())
            .exitCode());
    List<String> csv = Files.readAllLines(out.resolve("summary.csv"));
    assertEquals(List.of("subject,mean_power"), csv.subList(0, 1));
    assertEquals(4, csv.size(), "one row per subject, from both slices: " + csv);

    assertEquals(0, run(doc, "rerun.json").exitCode());
    assertEquals(states("reused", "reused", "reused", "reused"), states("rerun.json"));

    // One byte that does not change the output: the stage reruns, what follows is reused.
    Files.writeString(tmp.resolve("power.py"), POWER_PY + "#");
    assertEquals(0, run(doc, "comment.json").exitCode());
    assertEquals(states("reused", "reused", "ran", "reused"), states("comment.json"));
    TestingCli.Result explain =
        TestingCli.run("explain", doc.toString(), "--stage", "power", "--store", store());
    assertTrue(explain.out().contains("reused"), explain.out());

    // A helper in a shipped folder changes the result: the stage and the one after it rerun.
    write("lib/helpers.py", HELPERS_PY.replace("X ** 2", "X ** 2 + 1"));
    TestingCli.Result explainHelper =
        TestingCli.run("explain", doc.toString(), "--stage", "power", "--store", store());
    assertTrue(
        explainHelper.out().contains("file lib/helpers.py: content changed"), explainHelper.out());
    assertTrue(
        explainHelper.out().contains("Pin it as python:3.12-slim@sha256:"), explainHelper.out());
    assertEquals(0, run(doc, "helper.json").exitCode());
    assertEquals(states("reused", "reused", "ran", "ran"), states("helper.json"));

    // A parameter is part of the key too.
    Files.writeString(doc, Files.readString(doc).replace("{window: 2}", "{window: 3}"));
    assertEquals(0, run(doc, "param.json").exitCode());
    assertEquals(states("reused", "reused", "ran", "ran"), states("param.json"));
  }

  @Test
  void anRStageReadsItsInputAndParams() throws Exception {
    String rscript = TestingTools.rscript();
    write(
        "scale.R",
        """
        params <- readLines(Sys.getenv("REPRISE_PARAMS"), warn = FALSE)
        factor <- as.numeric(sub('.*"factor":([0-9.]+).*', "\\\\1", params))
        x <- read.csv(file.path(Sys.getenv("REPRISE_INPUTS"), "table", "numbers.csv"))
        if (nrow(x) == 0) { message("no rows"); quit(status = 2) }
        write.csv(data.frame(mean = mean(x$x) * factor),
                  file.path(Sys.getenv("REPRISE_OUTPUTS"), "mean.csv"), row.names = FALSE)
        """);
    Path doc =
        write(
            "r.yaml",
            """
            apiVersion: reprise.dev/v1alpha1
            kind: Pipeline
            metadata: {name: r}
            spec:
              stages:
                - name: table
                  command: [sh, -c, '(echo x; seq 1 10) > "$REPRISE_OUTPUTS/numbers.csv"']
                - name: scaled
                  image: r-base:4.4.1
                  command: [RSCRIPT, scale.R]
                  files: [scale.R]
                  inputs: {table: table}
                  params: {factor: 3}
            """
                .replace("RSCRIPT", rscript));
    TestingCli.Result r = run(doc, "r.json");
    assertEquals(0, r.exitCode(), r.out() + r.err());
    Path out = tmp.resolve("r-out");
    TestingCli.run(
        "export", doc.toString(), "--stage", "scaled", "--to", out.toString(), "--store", store());
    assertEquals(List.of("\"mean\"", "16.5"), Files.readAllLines(out.resolve("mean.csv")));
  }

  @Test
  void slicesOfACommandAreMergedAndAConflictNamesBothSlicesAndThePath() throws Exception {
    Path doc =
        write(
            "sliced.yaml",
            """
            apiVersion: reprise.dev/v1alpha1
            kind: Pipeline
            metadata: {name: sliced}
            spec:
              stages:
                - name: parts
                  command: [sh, -c, 'mkdir -p "$REPRISE_OUTPUTS/d" && echo $REPRISE_SLICE > "$REPRISE_OUTPUTS/d/part-$REPRISE_SLICE.txt"']
                  slices: 4
                - name: clash
                  command: [sh, -c, 'echo $REPRISE_SLICE > "$REPRISE_OUTPUTS/same.txt"']
                  inputs: {parts: parts}
                  slices: 2
            """);
    TestingCli.Result r = run(doc, "sliced.json");
    assertEquals(1, r.exitCode(), r.out());
    assertEquals("ran", stage("sliced.json", "parts").get("state").asText());
    Path out = tmp.resolve("parts");
    TestingCli.run(
        "export", doc.toString(), "--stage", "parts", "--to", out.toString(), "--store", store());
    for (int i = 0; i < 4; i++) {
      assertEquals(i + "\n", Files.readString(out.resolve("d/part-" + i + ".txt")));
    }
    String message = stage("sliced.json", "clash").get("message").asText();
    assertTrue(message.contains("slices 0 and 1 both wrote 'same.txt'"), message);
  }

  @Test
  void exitTwoIsTheUsersMistakeAndOtherExitsAreFailuresBothWithStderr() throws Exception {
    Path bad =
        write(
            "bad.yaml",
            """
            apiVersion: reprise.dev/v1alpha1
            kind: Pipeline
            metadata: {name: bad}
            spec:
              stages:
                - name: check
                  command: [sh, -c, 'echo "column subject is missing" >&2; exit CODE']
            """);
    Files.writeString(bad, Files.readString(bad).replace("CODE", "2"));
    TestingCli.Result invalid = run(bad, "invalid.json");
    assertEquals(2, invalid.exitCode(), invalid.out());
    assertTrue(invalid.out().contains("exited with code 2 (invalid input"), invalid.out());
    assertTrue(invalid.out().contains("column subject is missing"), invalid.out());

    Files.writeString(bad, Files.readString(bad).replace("exit 2", "exit 1"));
    TestingCli.Result failed = run(bad, "failed.json");
    assertEquals(1, failed.exitCode(), failed.out());
    assertTrue(failed.out().contains("exited with code 1;"), failed.out());
    assertTrue(failed.out().contains("column subject is missing"), failed.out());

    Files.writeString(bad, Files.readString(bad).replace("[sh, -c,", "[no-such-program-here, -c,"));
    TestingCli.Result missing = run(bad, "missing.json");
    assertEquals(2, missing.exitCode(), missing.out());
    assertTrue(missing.out().contains("cannot start no-such-program-here"), missing.out());
  }

  @Test
  void killedDuringACommandStageResumesWithTheCommittedSlicesReused() throws Exception {
    Path doc =
        write(
            "slow.yaml",
            """
            apiVersion: reprise.dev/v1alpha1
            kind: Pipeline
            metadata: {name: slow}
            spec:
              stages:
                - name: slow
                  command: [sh, -c, 'sleep 0.4; echo $REPRISE_SLICE > "$REPRISE_OUTPUTS/s-$REPRISE_SLICE.txt"']
                  slices: 12
            """);
    Path log = tmp.resolve("killed.log");
    Process p =
        TestingCli.spawn(
            log, List.of(), "run", doc.toString(), "--store", store(), "--workers", "2");
    long deadline = System.currentTimeMillis() + 60_000;
    while (sliceManifests() < 3) {
      assertTrue(p.isAlive(), "the run ended before it was killed: " + Files.readString(log));
      assertTrue(
          System.currentTimeMillis() < deadline, "no slice committed: " + Files.readString(log));
      Thread.sleep(20);
    }
    p.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks
    long committed = sliceManifests();
    assertTrue(committed >= 3 && committed < 12, committed + " slices committed when killed");
    assertEquals(0, run(doc, "resumed.json").exitCode());
    JsonNode slow = stage("resumed.json", "slow");
    assertEquals("ran", slow.get("state").asText());
    assertTrue(slow.get("slicesRan").asInt() <= 12 - committed, "committed slices reused: " + slow);
    Path out = tmp.resolve("slow");
    TestingCli.run(
        "export", doc.toString(), "--stage", "slow", "--to", out.toString(), "--store", store());
    try (Stream<Path> files = Files.list(out)) {
      assertEquals(12, files.count(), "every slice's output, once");
    }
  }

  @Test
  void theRuntimeRunsTheImageWithTheWorkspaceMounted() throws Exception {
    // A stand-in for docker that records its argv and runs the command on the host with the
    // mounts applied, the way a container runtime would.
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path fake = bin.resolve("docker");
    Files.writeString(
        fake,
        """
        #!/bin/sh
        printf '%s\\n' "$@" > "$FAKE_DOCKER_ARGS"
        exit 0
        """);
    fake.toFile().setExecutable(true);
    Path doc =
        write(
            "img.yaml",
            """
            apiVersion: reprise.dev/v1alpha1
            kind: Pipeline
            metadata: {name: img}
            spec:
              stages:
                - name: step
                  image: python:3.12-slim@sha256:0000000000000000000000000000000000000000000000000000000000000000
                  command: [python3, step.py]
                  env: {MPLBACKEND: Agg}
            """);
    Path args = tmp.resolve("args.txt");
    Path log = tmp.resolve("docker.log");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("FAKE_DOCKER_ARGS", args.toString());
    Process p =
        TestingCli.spawn(
            log, List.of(), env, "run", doc.toString(), "--store", store(), "--runtime", "docker");
    assertEquals(0, p.waitFor(), Files.readString(log));
    List<String> argv = Files.readAllLines(args);
    assertEquals(List.of("run", "--rm"), argv.subList(0, 2), argv.toString());
    assertTrue(argv.stream().anyMatch(a -> a.endsWith(":/reprise/inputs:ro")), argv.toString());
    assertTrue(argv.stream().anyMatch(a -> a.endsWith(":/reprise/outputs")), argv.toString());
    assertTrue(argv.contains("REPRISE_OUTPUTS=/reprise/outputs"), argv.toString());
    assertTrue(argv.contains("MPLBACKEND=Agg"), argv.toString());
    assertTrue(argv.contains("OMP_NUM_THREADS=1"), argv.toString());
    assertEquals(
        List.of("python:3.12-slim@sha256:" + "0".repeat(64), "python3", "step.py"),
        argv.subList(argv.size() - 3, argv.size()));
  }

  private TestingCli.Result run(Path doc, String json) {
    return TestingCli.run(
        "run", doc.toString(), "--store", store(), "--json", tmp.resolve(json).toString());
  }

  /** Committed slices under the store, counted while a run writes (files come and go). */
  private long sliceManifests() throws Exception {
    Path stages = tmp.resolve("store/stages");
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

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return List.of(); // not there yet
    }
  }

  private Path write(String name, String text) throws Exception {
    Path f = tmp.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
    return f;
  }

  private String store() {
    return tmp.resolve("store").toString();
  }

  private static List<String> states(String... s) {
    return List.of(s);
  }

  private List<String> states(String json) throws Exception {
    return new ObjectMapper()
        .readTree(tmp.resolve(json).toFile()).get("stages").findValues("state").stream()
            .map(JsonNode::asText)
            .toList();
  }

  private JsonNode stage(String json, String name) throws Exception {
    for (JsonNode s : new ObjectMapper().readTree(tmp.resolve(json).toFile()).get("stages")) {
      if (s.get("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no stage " + name + " in " + json);
  }
}

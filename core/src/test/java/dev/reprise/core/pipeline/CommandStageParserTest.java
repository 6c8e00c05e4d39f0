package dev.reprise.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.exec.KeyDiff;
import dev.reprise.core.key.CanonicalJson;
import dev.reprise.core.key.KeyComponents;
import dev.reprise.core.key.Sha256;
import dev.reprise.core.method.MethodRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command stages as the parser reads them, and the key they get. */
class CommandStageParserTest {
  @TempDir Path tmp;
  final MethodRegistry methods = MethodRegistry.discover();

  static final String DOC =
      """
      apiVersion: reprise.dev/v1alpha1
      kind: Pipeline
      metadata: {name: cmd}
      spec:
        stages:
          - {name: numbers, method: test.source}
          - name: features
            image: python:3.12-slim
            command: [python3, features.py]
            files: [features.py, lib/]
            inputs: {numbers: numbers}
            params: {window: 5, bands: [1, 2.5]}
            env: {MPLBACKEND: Agg}
            slices: 4
            resources: {cpu: "2"}
      """;

  private Pipeline parse(String yaml, boolean cluster) throws Exception {
    Path f = tmp.resolve("p.yaml");
    Files.writeString(f, yaml);
    return new PipelineParser(methods, cluster).parse(f);
  }

  private List<String> problems(String yaml, boolean cluster) throws Exception {
    InvalidPipelineException e =
        assertThrows(InvalidPipelineException.class, () -> parse(yaml, cluster));
    return e.problems().stream().map(Problem::toString).toList();
  }

  private static void assertHas(List<String> problems, String... fragments) {
    assertTrue(
        problems.stream().anyMatch(p -> List.of(fragments).stream().allMatch(p::contains)),
        "expected a problem containing " + List.of(fragments) + " in " + problems);
  }

  private void files() throws Exception {
    Files.writeString(tmp.resolve("features.py"), "print('hi')\n");
    Files.createDirectories(tmp.resolve("lib/sub"));
    Files.writeString(tmp.resolve("lib/util.py"), "X = 1\n");
    Files.writeString(tmp.resolve("lib/sub/more.py"), "Y = 2\n");
  }

  private KeyComponents components(Pipeline p) {
    Stage s = p.stage("features").orElseThrow();
    return KeyComponents.ofCommand(
        s.command(), s.params().asMap(), s.slices(), Map.of("numbers", "d1"));
  }

  @Test
  void aCommandStageIsKeyedByImageArgvEnvFileContentsParamsAndSlices() throws Exception {
    files();
    Pipeline p = parse(DOC, false);
    Stage s = p.stage("features").orElseThrow();
    assertTrue(s.isCommand());
    assertEquals("command", s.methodName());
    assertEquals(4, s.slices());
    assertEquals(
        Map.of(
            "features.py", Sha256.hex(tmp.resolve("features.py")),
            "lib/util.py", Sha256.hex(tmp.resolve("lib/util.py")),
            "lib/sub/more.py", Sha256.hex(tmp.resolve("lib/sub/more.py"))),
        s.command().files(),
        "folders are shipped file by file, by content");
    KeyComponents c = components(p);
    assertEquals(
        "{\"command\":[\"python3\",\"features.py\"],\"env\":{\"MPLBACKEND\":\"Agg\"},\"files\":{"
            + "\"features.py\":\""
            + s.command().files().get("features.py")
            + "\",\"lib/sub/more.py\":\""
            + s.command().files().get("lib/sub/more.py")
            + "\",\"lib/util.py\":\""
            + s.command().files().get("lib/util.py")
            + "\"},\"image\":\"python:3.12-slim\",\"inputs\":{\"numbers\":\"d1\"},\"kind\":\"command\","
            + "\"params\":{\"bands\":[1,2.5],\"window\":5},\"slices\":4,\"v\":1}",
        CanonicalJson.write(c.toJson()));
    assertEquals(c.key(), KeyComponents.fromJson(c.toJson()).key(), "round trip of task.json");

    // Resources are not in the key; one byte of a shipped file is.
    String key = c.key();
    assertEquals(key, components(parse(DOC.replace("cpu: \"2\"", "cpu: \"8\""), false)).key());
    Files.writeString(tmp.resolve("lib/sub/more.py"), "Y = 3\n");
    KeyComponents edited = components(parse(DOC, false));
    assertNotEquals(key, edited.key());
    assertEquals(
        List.of(
            "file lib/sub/more.py: content changed (sha256 "
                + c.command().files().get("lib/sub/more.py").substring(0, 12)
                + " -> "
                + edited.command().files().get("lib/sub/more.py").substring(0, 12)
                + ")"),
        KeyDiff.between(c, edited, Map.of()));
    assertNotEquals(
        key, components(parse(DOC.replace("slim", "slim@sha256:" + "a".repeat(64)), false)).key());
    assertNotEquals(key, components(parse(DOC.replace("Agg", "pdf"), false)).key());
    assertNotEquals(key, components(parse(DOC.replace("window: 5", "window: 6"), false)).key());
  }

  @Test
  void mistakesAreNamedByStageAndField() throws Exception {
    files();
    assertHas(
        problems(DOC.replace("image: python", "method: test.sum\n      image: python"), false),
        "features",
        "command",
        "either a method or a command");
    assertHas(
        problems(
            DOC.replace("command: [python3, features.py]", "command: python3 features.py"), false),
        "features",
        "command",
        "[sh, -c");
    assertHas(problems(DOC.replace("lib/]", "missing/]"), false), "files[1]", "no file or folder");
    assertHas(
        problems(DOC.replace("lib/]", "../secrets]"), false), "files[1]", "below the document");
    assertHas(
        problems(DOC.replace("MPLBACKEND", "REPRISE_SLICE"), false),
        "env.REPRISE_SLICE",
        "set by Reprise");
    assertHas(
        problems(
            DOC.replace(
                "{name: numbers, method: test.source}",
                "{name: numbers, method: test.source, image: x}"),
            false),
        "numbers",
        "image",
        "only a command stage");
    assertHas(
        problems(DOC.replace("{numbers: numbers}", "{\"../up\": numbers}"), false),
        "inputs.../up",
        "folder name");
  }

  @Test
  void onTheClusterFilesMustBeShippedAndAnImageGiven() throws Exception {
    files();
    assertHas(problems(DOC, true), "files[0]", "reprise push");
    assertHas(
        problems(
            DOC.replace("image: python:3.12-slim\n      ", "").replace("[features.py, lib/]", "[]"),
            true),
        "features",
        "image",
        "required on Kubernetes");
    String sha = Sha256.hex(tmp.resolve("features.py"));
    Pipeline shipped =
        parse(
            DOC.replace("[features.py, lib/]", "[{path: features.py, sha256: " + sha + "}]"), true);
    assertEquals(
        Map.of("features.py", sha), shipped.stage("features").orElseThrow().command().files());
    assertHas(
        problems(DOC.replace("[features.py, lib/]", "[{path: features.py, sha256: abc}]"), true),
        "files[0].sha256",
        "64 lower-case hex");
  }
}

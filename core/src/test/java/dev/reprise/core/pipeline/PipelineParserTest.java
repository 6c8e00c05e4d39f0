package dev.reprise.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.method.MethodRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineParserTest {
  @TempDir Path tmp;
  final PipelineParser parser = new PipelineParser(MethodRegistry.discover());

  private List<String> problems(String yaml) throws Exception {
    Path f = tmp.resolve("p.yaml");
    Files.writeString(f, yaml);
    InvalidPipelineException e =
        assertThrows(InvalidPipelineException.class, () -> parser.parse(f));
    assertEquals(2, e.exitCode());
    return e.problems().stream().map(Problem::toString).toList();
  }

  private static void assertHas(List<String> problems, String... fragments) {
    assertTrue(
        problems.stream().anyMatch(p -> List.of(fragments).stream().allMatch(p::contains)),
        "expected a problem containing " + List.of(fragments) + " in " + problems);
  }

  @Test
  void aValidDocumentGivesStagesInDependencyOrderWithDefaultsFilled() throws Exception {
    Path f = tmp.resolve("ok.yaml");
    Files.writeString(
        f,
        """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: ok}
        spec:
          parallelism: 3
          stages:
            - {name: total, method: test.sum, inputs: {in: scaled}}
            - {name: scaled, method: test.scale, inputs: {in: numbers}, slices: 4, resources: {cpu: "2", memory: 1Gi}}
            - {name: numbers, method: test.source, params: {count: 3}}
        """);
    Pipeline p = parser.parse(f);
    assertEquals(
        List.of("numbers", "scaled", "total"), p.stages().stream().map(Stage::name).toList());
    assertEquals(3, p.parallelism());
    Stage numbers = p.stage("numbers").orElseThrow();
    assertEquals(3L, numbers.params().get("count"));
    assertEquals(1L, numbers.params().get("start"));
    assertEquals(4, p.stage("scaled").orElseThrow().slices());
    assertEquals("1Gi", p.stage("scaled").orElseThrow().resources().get("memory"));
  }

  @Test
  void everyProblemIsReportedWithFileStageAndField() throws Exception {
    List<String> ps =
        problems(
            """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: bad}
        spec:
          stages:
            - {name: a, method: test.source, params: {count: 0, cont: 3, label: weird, start: "x"}}
            - {name: a, method: test.source}
            - {name: b, method: test.scael}
            - {name: c, method: test.scale, inputs: {in: nowhere, extra: a}, slices: 0}
            - {name: d, method: test.sum}
            - {name: e, method: test.sum, inputs: {in: a}, slices: 3, parms: {}}
            - {method: test.sum}
            - {name: Bad_Name, method: test.source}
        """);
    String file = tmp.resolve("p.yaml").toString();
    assertHas(ps, file, "stage 'a'", "params.count", "must be between 1 and 1000000, got 0");
    assertHas(ps, "stage 'a'", "params.cont", "unknown parameter", "did you mean 'count'");
    assertHas(ps, "stage 'a'", "params.label", "expected one of [plain, fancy], got 'weird'");
    assertHas(ps, "stage 'a'", "params.start", "expected an integer, got 'x'");
    assertHas(ps, "stage 'a'", "name", "duplicate stage name");
    assertHas(
        ps, "stage 'b'", "method", "unknown method 'test.scael'", "did you mean 'test.scale'");
    assertHas(ps, "stage 'c'", "inputs.in", "no stage named 'nowhere'");
    assertHas(ps, "stage 'c'", "inputs.extra", "has no input 'extra'");
    assertHas(ps, "stage 'c'", "slices", "expected an integer >= 1, got 0");
    assertHas(ps, "stage 'd'", "inputs.in", "required by test.sum");
    assertHas(ps, "stage 'e'", "slices", "no analysis phase");
    assertHas(ps, "stage 'e'", "parms", "unknown field", "did you mean 'params'");
    assertHas(ps, "stage '#7'", "name", "required");
    assertHas(ps, "stage 'Bad_Name'", "name", "lower-case");
  }

  /** A stage's timeout is a duration as Kubernetes users write one; it is not part of a key. */
  @Test
  void aTimeoutIsADuration() throws Exception {
    Path f = tmp.resolve("t.yaml");
    Files.writeString(
        f,
        """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: t}
        spec:
          stages:
            - {name: a, method: test.source, timeout: 1h30m}
            - {name: b, method: test.source, params: {count: 3}}
        """);
    Pipeline p = parser.parse(f);
    assertEquals(java.time.Duration.ofMinutes(90), p.stage("a").orElseThrow().timeout());
    assertEquals(null, p.stage("b").orElseThrow().timeout());
    assertEquals(java.time.Duration.ofDays(1), PipelineParser.parseDuration("1d"));
    assertEquals(null, PipelineParser.parseDuration("0s"));
    assertEquals(null, PipelineParser.parseDuration("90"));
    List<String> ps =
        problems(
            """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: t}
        spec:
          stages:
            - {name: a, method: test.source, timeout: soon}
            - {name: b, method: test.source, timeout: 90}
        """);
    assertHas(ps, "stage 'a'", "timeout", "90s, 30m, 2h or 1h30m");
    assertHas(ps, "stage 'b'", "timeout");
  }

  @Test
  void aCycleIsNamedInOrder() throws Exception {
    List<String> ps =
        problems(
            """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: loop}
        spec:
          stages:
            - {name: a, method: test.sum, inputs: {in: c}}
            - {name: b, method: test.sum, inputs: {in: a}}
            - {name: c, method: test.sum, inputs: {in: b}}
        """);
    assertHas(ps, "inputs", "cycle");
    assertTrue(
        ps.stream()
            .anyMatch(
                p ->
                    p.contains("a -> b -> c -> a")
                        || p.contains("b -> c -> a -> b")
                        || p.contains("c -> a -> b -> c")),
        ps.toString());
  }

  @Test
  void aMissingExternalFileAndACrossFieldProblemAreCaught() throws Exception {
    List<String> ps =
        problems(
            """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: data}
        spec:
          stages:
            - {name: load, method: test.data, params: {path: nothing/here.txt, window: [0.5, 0.1]}}
            - {name: load2, method: test.data, params: {window: [1, 2, 3]}}
        """);
    assertHas(ps, "stage 'load'", "params.path", "no file or folder at", "nothing/here.txt");
    assertHas(ps, "stage 'load2'", "params.path", "required by test.data");
    assertHas(ps, "stage 'load2'", "params.window", "expected exactly 2 elements, got 3");
  }

  @Test
  void crossFieldChecksRunOnceFieldsAreValid() throws Exception {
    Files.writeString(tmp.resolve("data.txt"), "1\n");
    List<String> ps =
        problems(
            """
        apiVersion: reprise.dev/v1alpha1
        metadata: {name: data}
        spec:
          stages:
            - {name: load, method: test.data, params: {path: data.txt, window: [0.5, 0.1]}}
        """);
    assertHas(ps, "stage 'load'", "params.window", "start 0.5 must be before end 0.1");
  }

  @Test
  void documentLevelProblems() throws Exception {
    assertHas(problems("metadata: {name: x}\nspec: {stages: []}\n"), "spec.stages", "non-empty");
    assertHas(
        problems(
            "kind: Deployment\nmetadata: {name: x}\nspec: {stages: [{name: a, method: test.source}]}\n"),
        "kind",
        "expected Pipeline");
    assertHas(
        problems("spec: {stages: [{name: a, method: test.source}]}\n"),
        "metadata.name",
        "required");
    assertHas(
        problems(
            "metadata: {name: x}\nspec: {parallelism: 0, stages: [{name: a, method: test.source}]}\n"),
        "spec.parallelism");
    assertHas(
        problems(
            "metadata: {name: x}\nspec: {stages: [{name: a, method: test.source, resources: {cpu: lots}}]}\n"),
        "resources.cpu",
        "not a Kubernetes quantity");
    assertHas(problems("metadata: {name: x\nspec: [\n"), "not valid YAML", "line");
    Path missing = tmp.resolve("missing.yaml");
    InvalidPipelineException e =
        assertThrows(InvalidPipelineException.class, () -> parser.parse(missing));
    assertTrue(e.getMessage().contains("missing.yaml: no such file"), e.getMessage());
  }
}

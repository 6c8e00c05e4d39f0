package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Documents that once were mis-read silently or hung: each is refused at once (exit 2, under 5 s)
 * with a message that says what is wrong and where, and nothing is written to the store.
 */
class HostileDocumentTest {
  @TempDir Path tmp;

  static final String HEAD =
      """
      apiVersion: reprise.dev/v1alpha1
      kind: Pipeline
      metadata: {name: hostile}
      spec:
        stages:
      """;

  static Stream<Arguments> documents() {
    return Stream.of(
        Arguments.of(
            "duplicate key",
            HEAD + "    - {name: a, method: eeg.synthesize, params: {seed: 1, seed: 2}}\n",
            "Duplicate field 'seed'"),
        Arguments.of(
            "alias",
            HEAD
                + "    - {name: a, method: eeg.synthesize, params: {seed: &s 1}}\n"
                + "    - {name: b, method: eeg.synthesize, params: {seed: *s}}\n",
            "alias *s is not supported"),
        Arguments.of(
            "anchor on a map, alias as a stage",
            HEAD + "    - &stage {name: a, method: eeg.synthesize}\n    - *stage\n",
            "alias *stage is not supported"),
        Arguments.of(
            "two documents",
            HEAD + "    - {name: a, method: eeg.synthesize}\n---\n" + HEAD,
            "a second YAML document"),
        Arguments.of(
            "50 MB string",
            HEAD
                + "    - {name: a, method: eeg.synthesize, params: {classes: '"
                + "x".repeat(50_000_000)
                + "'}}\n",
            "a pipeline document has at most 1048576"),
        Arguments.of(
            "10^9 slices",
            HEAD
                + "    - {name: a, method: eeg.synthesize}\n    - {name: d, method: eeg.preprocess, inputs: {epochs: a}, slices: 1000000000}\n",
            "slices: at most 100000"),
        Arguments.of(
            ".nan",
            HEAD + "    - {name: a, method: eeg.synthesize, params: {sfreq: .nan}}\n",
            "params.sfreq: expected a finite number, got NaN"),
        Arguments.of(
            "unknown top-level field",
            HEAD.replace("kind: Pipeline", "kind: Pipeline\nmetdata: {}")
                + "    - {name: a, method: eeg.synthesize}\n",
            "metdata: unknown field (did you mean 'metadata'?)"),
        Arguments.of(
            "unknown stage field",
            HEAD + "    - {name: a, method: eeg.synthesize, slice: 3}\n",
            "slice: unknown field (did you mean 'slices'?)"),
        Arguments.of(
            "missing apiVersion",
            HEAD.replace("apiVersion: reprise.dev/v1alpha1\n", "")
                + "    - {name: a, method: eeg.synthesize}\n",
            "apiVersion: required: reprise.dev/v1alpha1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("documents")
  void isRefusedAtOnceWithAReason(String what, String yaml, String expected) throws Exception {
    Path doc = tmp.resolve("hostile.yaml");
    Files.writeString(doc, yaml);
    Path store = tmp.resolve("store");
    TestingCli.Result r =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5),
            () -> TestingCli.run("run", doc.toString(), "--store", store.toString()));
    assertEquals(2, r.exitCode(), what + ": " + r.out() + r.err());
    assertTrue(r.err().contains(expected), what + ": expected '" + expected + "' in " + r.err());
    assertTrue(r.err().contains("hostile.yaml"), "names the file: " + r.err());
    assertTrue(!Files.exists(store.resolve("stages")), "nothing written to the store");
  }
}

package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.key.Sha256;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.Stores;
import dev.reprise.operator.crd.Pipeline;
import dev.reprise.operator.crd.StageStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Command stages through the operator: Jobs whose pods run the user's image and command through
 * reprise-launcher, with the worker staging inputs before and committing after, run by {@link
 * TestingCluster} on this host.
 */
class CommandStageOperatorIT {
  static final Duration WAIT = Duration.ofSeconds(90);

  /** Doubles each number of its input; exits 2 on an empty input, 3 when told to fail. */
  static final String DOUBLE_SH =
      """
      set -eu
      in="$REPRISE_INPUTS/in/numbers.txt"
      [ -s "$in" ] || { echo "no numbers in $in" >&2; exit 2; }
      if grep -q '"fail":true' "$REPRISE_PARAMS"; then echo "told to fail" >&2; exit 3; fi
      echo "doubling slice $REPRISE_SLICE of $REPRISE_SLICES"
      while read -r n; do echo $((n * 2)); done < "$in" > "$REPRISE_OUTPUTS/numbers.txt"
      """;

  OperatorHarness h;
  String script;

  @BeforeEach
  void start(@TempDir Path tmp) throws Exception {
    h = new OperatorHarness(4);
    Path file = tmp.resolve("double.sh");
    Files.writeString(file, DOUBLE_SH, StandardCharsets.UTF_8);
    script = Sha256.hex(file);
    try (ArtifactStore store = new ArtifactStore(Stores.open(h.store, h.s3.settings()), tmp)) {
      store.shipFile(file, script);
    }
    h.startOperator();
  }

  @AfterEach
  void stop() throws Exception {
    h.close();
  }

  String doc(String name, String doubleParams, String sha) {
    return """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: NAME}
        spec:
          stages:
            - {name: numbers, method: test.source}
            - name: doubled
              image: registry.example/tools:1.0
              command: [sh, double.sh]
              files: [{path: double.sh, sha256: SHA}]
              inputs: {in: numbers}
              params: PARAMS
            - name: parts
              image: registry.example/tools:1.0
              command: [sh, -c, 'cp "$REPRISE_INPUTS/in/numbers.txt" "$REPRISE_OUTPUTS/part-$REPRISE_SLICE.txt"']
              inputs: {in: doubled}
              slices: 3
            - {name: total, method: test.sum, inputs: {in: numbers}}
            - {name: doubled-total, method: test.sum, inputs: {in: doubled}}
        """
        .replace("NAME", name)
        .replace("PARAMS", doubleParams)
        .replace("SHA", sha);
  }

  @Test
  void commandStagesRunInTheirImagesAndFeedMethodStages() throws Exception {
    Pipeline p = h.apply(doc("mixed", "{window: 5}", script));
    p = h.await("mixed", "Succeeded", WAIT);
    long total = Long.parseLong(h.output(key(p, "total"), "sum.txt").orElseThrow().trim());
    long doubled =
        Long.parseLong(h.output(key(p, "doubled-total"), "sum.txt").orElseThrow().trim());
    assertEquals(2 * total, doubled, "the command's output fed the method stage after it");
    for (int i = 0; i < 3; i++) {
      assertTrue(h.output(key(p, "parts"), "part-" + i + ".txt").isPresent(), "slice " + i);
    }
    assertTrue(
        h.cluster.programLogs.stream().anyMatch(l -> l.contains("doubling slice 0 of 1")),
        "the program's own output is the pod's log: " + h.cluster.programLogs);

    Job job =
        h.client.batch().v1().jobs().inNamespace(h.namespace).list().getItems().stream()
            .filter(j -> key(h.get("mixed"), "doubled").equals(StageJobs.keyOf(j)))
            .findFirst()
            .orElseThrow();
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertEquals(false, pod.getAutomountServiceAccountToken(), "no API token in the pod");
    Container stageIn = pod.getInitContainers().get(0);
    assertEquals("reprise-worker:test", stageIn.getImage());
    assertTrue(stageIn.getCommand().contains("--stage-in"), stageIn.getCommand().toString());
    Container program = container(pod, StageJobs.COMMAND_CONTAINER);
    assertEquals("registry.example/tools:1.0", program.getImage());
    assertEquals(
        List.of("/reprise/bin/reprise-launcher", "/reprise", "--", "sh", "double.sh"),
        program.getCommand());
    assertTrue(
        program.getEnv().stream().allMatch(e -> e.getValueFrom() == null),
        "the user's program sees no Secret: " + program.getEnv());
    assertTrue(container(pod, StageJobs.CONTAINER).getCommand().contains("--commit"));
    assertEquals(
        StageJobs.COMMAND_CONTAINER,
        job.getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get("kubectl.kubernetes.io/default-container"),
        "kubectl logs shows the program");

    // A second pipeline needing the same results reuses all of them.
    h.apply(doc("again", "{window: 5}", script));
    Pipeline again = h.await("again", "Succeeded", WAIT);
    assertTrue(
        again.getStatus().getStages().stream().allMatch(s -> "Reused".equals(s.getState())),
        "every stage reused");
  }

  @Test
  void exitTwoFailsAtOnceAndOtherExitsAreRetried() throws Exception {
    h.apply(doc("fails", "{fail: true}", script));
    Pipeline p = h.await("fails", "Failed", WAIT);
    StageStatus s = stage(p, "doubled");
    assertTrue(s.getMessage().contains("exited with code 3"), s.getMessage());
    assertTrue(s.getMessage().contains("told to fail"), "stderr tail shown: " + s.getMessage());
    String job = StageJobs.name(s.getKey(), dev.reprise.core.method.Phase.ANALYSIS);
    assertEquals(3, h.cluster.runsOf(job, 0), "exit 3 is retried (2 retries per slice)");
  }

  @Test
  void filesNotInTheStoreMakeThePipelineInvalid() throws Exception {
    String missing = "0".repeat(64);
    h.apply(doc("unshipped", "{}", missing));
    Pipeline p = h.await("unshipped", "Invalid", WAIT);
    String message =
        p.getStatus().getConditions().stream()
            .map(c -> c.getMessage())
            .collect(java.util.stream.Collectors.joining("\n"));
    assertTrue(message.contains("doubled") && message.contains("files.double.sh"), message);
    assertTrue(message.contains("reprise push"), message);
    assertTrue(h.cluster.created.isEmpty(), "no Job for an invalid pipeline");
  }

  @Test
  void anImageThatCannotBePulledIsShownOnTheStage() throws Exception {
    h.cluster.cannotPull("registry.example/tools:1.0");
    h.apply(doc("unpullable", "{}", script));
    Pipeline p =
        h.awaitThat(
            "unpullable",
            x ->
                x.getStatus() != null
                    && x.getStatus().getStages() != null
                    && x.getStatus().getStages().stream()
                        .anyMatch(
                            s ->
                                s.getMessage() != null
                                    && s.getMessage().contains("ImagePullBackOff")),
            WAIT,
            "a stage message with ImagePullBackOff");
    StageStatus s = stage(p, "doubled");
    assertEquals("Running", s.getState());
    assertTrue(
        s.getMessage().contains("container command (registry.example/tools:1.0)"), s.getMessage());
  }

  static Container container(PodSpec pod, String name) {
    return pod.getContainers().stream()
        .filter(c -> name.equals(c.getName()))
        .findFirst()
        .orElseThrow();
  }

  static StageStatus stage(Pipeline p, String name) {
    return p.getStatus().getStages().stream()
        .filter(s -> s.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  static String key(Pipeline p, String name) {
    return stage(p, name).getKey();
  }
}

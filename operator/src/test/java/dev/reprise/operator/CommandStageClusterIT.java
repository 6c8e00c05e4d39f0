package dev.reprise.operator;

import static dev.reprise.operator.PipelineOperatorIT.stage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.method.Phase;
import dev.reprise.operator.crd.Pipeline;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A command stage on a real control plane, as a user runs it: {@code reprise push} ships the script
 * to the cluster's store and prints the document, {@code kubectl apply} sends it, the API server
 * admits it, the Job controller runs its pods (stage-in init container, the user's command through
 * reprise-launcher, the committing worker) on the host kubelet, and a method stage reads what the
 * command wrote.
 */
@Tag(TestingControlPlane.TAG)
class CommandStageClusterIT {
  static final Duration WAIT = Duration.ofMinutes(3);

  static TestingControlPlane cluster;
  String ns;
  ApiServerLedger ledger;

  @BeforeAll
  static void cluster() {
    cluster = TestingControlPlane.shared();
  }

  @BeforeEach
  void namespace() {
    ns = cluster.namespace();
    ledger = new ApiServerLedger(cluster.client, ns);
  }

  @AfterEach
  void closeLedger() {
    ledger.close();
  }

  @Test
  void pushedCommandStagesRunInPodsAndFeedMethodStages() throws Exception {
    Path dir = Files.createDirectories(Path.of("target/command-e2e").toAbsolutePath());
    Files.writeString(
        dir.resolve("double.sh"),
        """
        set -eu
        echo "doubling slice $REPRISE_SLICE of $REPRISE_SLICES"
        while read -r n; do echo $((n * 2)); done < "$REPRISE_INPUTS/in/numbers.txt" \\
          > "$REPRISE_OUTPUTS/part-$REPRISE_SLICE.txt"
        """);
    Path doc =
        Files.writeString(
            dir.resolve("pipeline.yaml"),
            RealClusterIT.fresh(
                """
                apiVersion: reprise.dev/v1alpha1
                kind: Pipeline
                metadata: {name: commands}
                spec:
                  stages:
                    - {name: numbers, method: test.source}
                    - name: doubled
                      image: registry.example/tools:1.0
                      command: [sh, double.sh]
                      files: [double.sh]
                      inputs: {in: numbers}
                      slices: 2
                    - {name: total, method: test.sum, inputs: {in: numbers}}
                """));
    Path shipped = dir.resolve("shipped.yaml");
    // The CLI checks the document with the methods the cluster has: core's test methods' jar,
    // which the operator and the pods get through the chart's methods ConfigMap.
    java.util.Map<String, String> cli = new java.util.HashMap<>(cluster.env);
    cli.put(
        "REPRISE_CLASSPATH",
        Path.of("target/reprise-test-methods.jar").toAbsolutePath().toString());
    TestingControlPlane.run(
        cli,
        Duration.ofMinutes(2),
        Path.of("../bin/reprise").toAbsolutePath().normalize().toString(),
        "push",
        doc.toString(),
        "--store",
        cluster.env.get("REPRISE_STORE"),
        "-o",
        shipped.toString(),
        "--create-bucket"); // this test may run before the operator made the bucket
    assertTrue(Files.readString(shipped).contains("sha256:"), Files.readString(shipped));

    cluster.kubectl("apply", "-n", ns, "-f", shipped.toString());
    Pipeline p = cluster.await(ns, "commands", "Succeeded", WAIT);
    String key = stage(p, "doubled").getKey();
    String part0 = output(key, "part-0.txt");
    assertEquals(output(key, "part-1.txt"), part0, "both slices doubled the same numbers");
    assertTrue(part0.strip().split("\n").length > 1, part0);

    String job = StageJobs.name(key, Phase.ANALYSIS);
    List<Pod> pods = ledger.podsOf(job, null);
    assertEquals(2, pods.size(), "one pod per slice");
    for (Pod pod : pods) {
      assertEquals("Succeeded", pod.getStatus().getPhase());
      assertEquals(
          List.of(StageJobs.STAGE_IN_CONTAINER),
          pod.getStatus().getInitContainerStatuses().stream()
              .map(ContainerStatus::getName)
              .toList());
      for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
        assertEquals(0, c.getState().getTerminated().getExitCode(), c.getName());
      }
    }
  }

  private String output(String key, String file) throws Exception {
    return cluster.output(key, file);
  }
}

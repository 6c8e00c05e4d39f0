package dev.reprise.operator;

import static dev.reprise.operator.PipelineOperatorIT.stage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.operator.crd.Pipeline;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
 * A hostPath data volume on a real control plane: the API server enforces the CRD's rules, the host
 * kubelet bind-mounts the node's folder read-only at the mountPath, and the real Job controller
 * runs the digest Job and applies its pod failure policy.
 */
@Tag(TestingControlPlane.TAG)
class VolumeClusterIT {
  static final Duration WAIT = Duration.ofMinutes(3);

  static TestingControlPlane cluster;
  String ns;
  ApiServerLedger ledger;
  Path data;

  @BeforeAll
  static void cluster() {
    cluster = TestingControlPlane.shared();
  }

  @BeforeEach
  void namespace() throws Exception {
    ns = cluster.namespace();
    ledger = new ApiServerLedger(cluster.client, ns);
    data = Files.createDirectories(TestingControlPlane.DATA.resolve(ns));
    VolumeOperatorIT.epochs(data.resolve("study"), 0.5);
  }

  @AfterEach
  void closeLedger() {
    ledger.close();
    TestingCluster.deleteTree(data);
  }

  String doc(String name, String volumes, String path) {
    return """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: NAME}
        spec:
          volumes: VOLUMES
          stages:
            - {name: load, method: eeg.load, params: {path: "PATH"}}
        """
        .replace("NAME", name)
        .replace("VOLUMES", volumes)
        .replace("PATH", path);
  }

  String volume() {
    return "[{name: eeg, mountPath: /data/eeg, hostPath: {path: " + data + "}}]";
  }

  List<String> digestJobs() {
    return ledger.jobs.keySet().stream().filter(n -> n.startsWith("reprise-digest-")).toList();
  }

  @Test
  void theKubeletMountsTheFolderAtTheMountPathForTheDigestJobAndTheStage() throws Exception {
    cluster.apply(ns, doc("on-volume", volume(), "/data/eeg/study"));
    Pipeline p = cluster.await(ns, "on-volume", "Succeeded", WAIT);
    assertEquals("Succeeded", stage(p, "load").getState());
    assertTrue(
        cluster.output(stage(p, "load").getKey(), "info.json").contains("C1"),
        "eeg.load read the node's folder at /data/eeg");
    assertEquals(1, digestJobs().size(), ledger.jobs.toString());

    // A second pipeline on the same data: a new digest Job, the stored digest, eeg.load reused.
    cluster.apply(ns, doc("again", volume(), "/data/eeg/study"));
    Pipeline again = cluster.await(ns, "again", "Succeeded", WAIT);
    assertEquals("Reused", stage(again, "load").getState());
    assertEquals(2, digestJobs().size());
  }

  @Test
  void missingDataFailsTheDigestJobAtOnceAndThePipelineIsInvalid() {
    cluster.apply(ns, doc("missing", volume(), "/data/eeg/stduy"));
    Pipeline p = cluster.await(ns, "missing", "Invalid", WAIT);
    assertTrue(
        p.getStatus().getMessage().contains("no file or folder at /data/eeg/stduy"),
        p.getStatus().getMessage());
  }

  @Test
  void theApiServerWantsExactlyOneSourceAndAnAbsoluteMountPath() {
    assertRejected(
        doc(
            "both",
            "[{name: eeg, mountPath: /data/eeg, hostPath: {path: /srv}, persistentVolumeClaim:"
                + " {claimName: c}}]",
            "/data/eeg/x"),
        "exactly one source");
    assertRejected(
        doc("neither", "[{name: eeg, mountPath: /data/eeg}]", "/data/eeg/x"), "exactly one source");
    assertRejected(
        doc("relative", "[{name: eeg, mountPath: data/eeg, hostPath: {path: /srv}}]", "/x"),
        "spec.volumes[0].mountPath");
  }

  private void assertRejected(String yaml, String what) {
    GenericKubernetesResource doc =
        cluster
            .client
            .getKubernetesSerialization()
            .unmarshal(yaml, GenericKubernetesResource.class);
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () -> cluster.client.resource(doc).inNamespace(ns).create(),
            "accepted: " + yaml);
    assertEquals(422, e.getCode(), e.getMessage());
    assertTrue(e.getMessage().contains(what), what + " in: " + e.getMessage());
  }
}

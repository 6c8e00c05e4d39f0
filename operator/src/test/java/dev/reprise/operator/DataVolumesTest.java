package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.method.Phase;
import dev.reprise.core.pipeline.DataVolume;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.PipelineParser;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data volumes in the pods, the policy that allows them, and their schema in the CRD. */
class DataVolumesTest {
  static final DataVolume HOST = new DataVolume("eeg", "/data/eeg", null, "/srv/data/eeg");
  static final DataVolume CLAIM = new DataVolume("more", "/data/more", "recordings", null);

  @TempDir Path tmp;

  static Pipeline pipeline(String yaml) throws Exception {
    return new PipelineParser(MethodRegistry.discover(), true)
        .fromTree(new ObjectMapper(new YAMLFactory()).readTree(yaml), null, null);
  }

  static final String COMMAND_DOC =
      """
      apiVersion: reprise.dev/v1alpha1
      kind: Pipeline
      metadata: {name: p}
      spec:
        stages:
          - name: features
            image: python:3.12-slim
            command: [python3, -c, "print(1)"]
      """;

  static Map<String, VolumeMount> dataMounts(Container c) {
    return c.getVolumeMounts().stream()
        .filter(m -> m.getName().startsWith("data-"))
        .collect(java.util.stream.Collectors.toMap(VolumeMount::getName, m -> m));
  }

  @Test
  void aMethodStagesWorkerMountsEveryVolumeReadOnly() throws Exception {
    Pipeline p = pipeline(StageJobsTest.DOC);
    Job job =
        StageJobs.desired(
            "ns",
            "s3://reprise/a",
            StageJobsTest.KEY,
            Phase.ANALYSIS,
            p.stage("scaled").orElseThrow(),
            null,
            "p/scaled",
            StageJobsTest.SETTINGS,
            List.of(HOST, CLAIM));
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    Volume host =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals("data-eeg"))
            .findFirst()
            .orElseThrow();
    assertEquals("/srv/data/eeg", host.getHostPath().getPath());
    assertEquals("Directory", host.getHostPath().getType(), "the kubelet creates no folder");
    Volume claim =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals("data-more"))
            .findFirst()
            .orElseThrow();
    assertEquals("recordings", claim.getPersistentVolumeClaim().getClaimName());
    assertTrue(claim.getPersistentVolumeClaim().getReadOnly());
    Map<String, VolumeMount> mounts = dataMounts(pod.getContainers().get(0));
    assertEquals("/data/eeg", mounts.get("data-eeg").getMountPath());
    assertTrue(mounts.get("data-eeg").getReadOnly());
    assertEquals("/data/more", mounts.get("data-more").getMountPath());
    assertTrue(mounts.get("data-more").getReadOnly());
    // Without volumes, the pod is as before.
    Job plain =
        StageJobs.desired(
            "ns",
            "s3://reprise/a",
            StageJobsTest.KEY,
            Phase.ANALYSIS,
            p.stage("scaled").orElseThrow(),
            null,
            "p/scaled",
            StageJobsTest.SETTINGS);
    assertEquals(
        job.getSpec().getTemplate().getSpec().getVolumes().size() - 2,
        plain.getSpec().getTemplate().getSpec().getVolumes().size());
  }

  @Test
  void aCommandStageMountsVolumesInStageInCommandAndWorker() throws Exception {
    Pipeline p = pipeline(COMMAND_DOC);
    Job job =
        StageJobs.desired(
            "ns",
            "s3://reprise/a",
            StageJobsTest.KEY,
            Phase.ANALYSIS,
            p.stage("features").orElseThrow(),
            null,
            "p/features",
            StageJobsTest.SETTINGS,
            List.of(HOST));
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    List<Container> all = new java.util.ArrayList<>(pod.getInitContainers());
    all.addAll(pod.getContainers());
    assertEquals(
        List.of(StageJobs.STAGE_IN_CONTAINER, StageJobs.COMMAND_CONTAINER, StageJobs.CONTAINER),
        all.stream().map(Container::getName).toList());
    for (Container c : all) {
      VolumeMount m = dataMounts(c).get("data-eeg");
      assertEquals("/data/eeg", m.getMountPath(), c.getName());
      assertTrue(m.getReadOnly(), c.getName());
    }
  }

  @Test
  void aDigestJobMountsTheVolumeAndAnswersOneRequest() {
    String request = "cd".repeat(32);
    Job job =
        DigestJobs.desired(
            "ns",
            "s3://reprise/a",
            HOST,
            "study",
            HOST.identity("ns"),
            request,
            "p/load params.path",
            StageJobsTest.SETTINGS);
    assertEquals("reprise-digest-" + "cd".repeat(16), job.getMetadata().getName());
    assertEquals(request, StageJobs.keyOf(job), "its events wake the pipelines waiting on it");
    assertEquals("digest", job.getMetadata().getLabels().get(StageJobs.PHASE_LABEL));
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertEquals(
        List.of(
            "reprise",
            "volume-digest",
            "--store",
            "s3://reprise/a",
            "--volume",
            "hostPath:/srv/data/eeg",
            "--mount",
            "/data/eeg",
            "--path",
            "study",
            "--request",
            request),
        c.getCommand());
    assertTrue(dataMounts(c).get("data-eeg").getReadOnly());
    assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
    assertEquals(false, pod.getAutomountServiceAccountToken());
    assertEquals("FailJob", job.getSpec().getPodFailurePolicy().getRules().get(0).getAction());
  }

  @Test
  void thePolicyAllowsOnlyWhatTheChartNamesComparingCleanPaths() {
    DataVolumePolicy none = DataVolumePolicy.NONE;
    assertTrue(none.refusal(HOST, "ns").contains("data.allowedHostPaths (now: none)"));
    assertTrue(none.refusal(CLAIM, "ns").contains("data.allowedClaims (now: none)"));

    DataVolumePolicy some =
        DataVolumePolicy.fromEnvironment(
            Map.of(
                DataVolumePolicy.CLAIMS_VAR, "recordings, other/shared",
                DataVolumePolicy.HOST_PATHS_VAR, "/srv/data/, /mnt/x/../y"));
    assertEquals(List.of("/srv/data", "/mnt/y"), some.allowedHostPaths());
    assertNull(some.refusal(HOST, "ns"));
    assertNull(some.refusal(new DataVolume("y", "/d", null, "/mnt/y"), "ns"));
    assertNull(some.refusal(CLAIM, "ns"));
    assertNull(some.refusal(new DataVolume("s", "/d", "shared", null), "other"));
    assertTrue(some.refusal(new DataVolume("s", "/d", "shared", null), "ns") != null);
    // Component by component, after cleaning: no sibling with the same prefix, no '..' out.
    assertTrue(some.refusal(new DataVolume("a", "/d", null, "/srv/data2"), "ns") != null);
    assertTrue(some.refusal(new DataVolume("a", "/d", null, "/srv/data/../../etc"), "ns") != null);
    assertThrows(
        InvalidInputException.class,
        () -> DataVolumePolicy.fromEnvironment(Map.of(DataVolumePolicy.HOST_PATHS_VAR, "srv")));
  }

  @Test
  void theCrdRequiresExactlyOneSourceAndAbsolutePaths() throws Exception {
    JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(CrdDriftTest.generate(tmp));
    JsonNode volume =
        crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/volumes/items");
    assertEquals(
        "has(self.persistentVolumeClaim) != has(self.hostPath)",
        volume.at("/x-kubernetes-validations/0/rule").asText());
    assertEquals("^/.+", volume.at("/properties/mountPath/pattern").asText());
    assertEquals("^/.+", volume.at("/properties/hostPath/properties/path/pattern").asText());
    assertEquals(
        List.of("mountPath", "name"),
        List.of(volume.at("/required/0").asText(), volume.at("/required/1").asText()));
  }
}

package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.PipelineParser;
import dev.reprise.core.store.VolumeDigests;
import dev.reprise.operator.crd.PipelineStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where a pipeline stands while the digests of its volume data are computed. */
class VolumeDataTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  static final String DOC =
      """
      apiVersion: reprise.dev/v1alpha1
      kind: Pipeline
      metadata: {name: p}
      spec:
        volumes:
          - {name: eeg, mountPath: /data/eeg, hostPath: {path: /srv/eeg}}
        stages:
          - {name: load, method: eeg.load, params: {path: /data/eeg/study/../study}}
          - {name: again, method: eeg.load, params: {path: /data/eeg/study}}
          - {name: other, method: eeg.load, params: {path: /data/eeg/other}}
          - {name: clean, method: eeg.preprocess, inputs: {epochs: load}}
      """;

  static Pipeline pipeline() throws Exception {
    return new PipelineParser(MethodRegistry.discover(), true)
        .fromTree(new ObjectMapper(new YAMLFactory()).readTree(DOC), null, null);
  }

  static Job job(String name, String failedReason) {
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewStatus()
            .endStatus()
            .build();
    if (failedReason != null) {
      job.getStatus().getConditions().add(TestingCluster.condition("Failed", failedReason, null));
    }
    return job;
  }

  static VolumeDigests.Result answer(VolumeData.Need n) {
    return new VolumeDigests.Result(
        1, n.request(), n.identity(), n.path(), "l", "d" + n.path(), 1, 1, true, 0, "t");
  }

  @Test
  void onePerDistinctPathAndGenerationNamedByTheVolumesIdentity() throws Exception {
    List<VolumeData.Need> needs = VolumeData.needs(pipeline(), "ns", "p", "uid-1", 3, null);
    assertEquals(2, needs.size(), "the same clean path twice is one digest: " + needs);
    assertEquals("load", needs.get(0).stage());
    assertEquals("/data/eeg/study", needs.get(0).location());
    assertEquals("study", needs.get(0).path());
    assertEquals("hostPath:/srv/eeg", needs.get(0).identity());
    assertEquals("other", needs.get(1).stage());
    assertTrue(
        !needs
            .get(0)
            .request()
            .equals(VolumeData.needs(pipeline(), "ns", "p", "uid-1", 4, null).get(0).request()),
        "a new generation lists the data again");
    assertTrue(
        !needs
            .get(0)
            .request()
            .equals(VolumeData.needs(pipeline(), "ns", "q", "uid-2", 3, null).get(0).request()),
        "so does another pipeline");
    assertTrue(
        !needs
            .get(0)
            .request()
            .equals(VolumeData.needs(pipeline(), "ns", "p", "uid-1", 3, "1").get(0).request()),
        "and a retry");
  }

  @Test
  void stagesWaitNamingTheJobUntilEveryDigestIsKnown() throws Exception {
    Pipeline p = pipeline();
    List<VolumeData.Need> needs = VolumeData.needs(p, "ns", "p", "uid", 1, null);
    VolumeData.Need study = needs.get(0);
    VolumeData.Need other = needs.get(1);
    VolumeData.Observed observed =
        new VolumeData.Observed(needs, Map.of(study.request(), answer(study)));
    VolumeData.Progress progress =
        VolumeData.progress(1, p, "ns/p", observed, Map.of(), null, j -> "?", j -> null, NOW);
    assertEquals(List.of(other), progress.toCreate());
    PipelineStatus s = progress.status();
    assertEquals("Pending", s.getPhase());
    assertEquals("computing the digests of data on volumes: 1 of 2 known", s.getMessage());
    assertEquals(
        "waiting for the digest of /data/eeg/other on volume 'eeg' (hostPath /srv/eeg) (Job "
            + other.jobName()
            + ")",
        s.getStages().get(2).getMessage());
    assertNull(s.getStages().get(0).getMessage(), "its digest is known");
    assertEquals(4, s.getStages().size());

    // Its Job exists and is stuck: the reason is shown, nothing is created twice.
    progress =
        VolumeData.progress(
            1,
            p,
            "ns/p",
            observed,
            Map.of(other.jobName(), job(other.jobName(), null)),
            null,
            j -> "?",
            j -> "pod x cannot be scheduled",
            NOW);
    assertTrue(progress.toCreate().isEmpty());
    assertTrue(
        progress.status().getStages().get(2).getMessage().endsWith(": pod x cannot be scheduled"));

    VolumeData.Observed all =
        new VolumeData.Observed(
            needs, Map.of(study.request(), answer(study), other.request(), answer(other)));
    assertTrue(all.ready());
    assertEquals(Map.of("/data/eeg/study", "dstudy", "/data/eeg/other", "dother"), all.digests());
  }

  @Test
  void aFailedDigestJobIsInvalidForExit2AndFailedOtherwiseAndFinalForTheGeneration()
      throws Exception {
    Pipeline p = pipeline();
    List<VolumeData.Need> needs = VolumeData.needs(p, "ns", "p", "uid", 1, null);
    VolumeData.Observed none = new VolumeData.Observed(needs, Map.of());
    Map<String, Job> jobs =
        Map.of(
            needs.get(0).jobName(), job(needs.get(0).jobName(), "PodFailurePolicy"),
            needs.get(1).jobName(), job(needs.get(1).jobName(), null));
    PipelineStatus invalid =
        VolumeData.progress(
                1,
                p,
                "ns/p",
                none,
                jobs,
                null,
                j -> "no file or folder at /data/eeg/study",
                j -> null,
                NOW)
            .status();
    assertEquals("Invalid", invalid.getPhase());
    assertTrue(
        invalid
            .getMessage()
            .startsWith(
                "stage 'load': params.path: the digest of /data/eeg/study on volume 'eeg'"
                    + " (hostPath /srv/eeg) failed (Job "
                    + needs.get(0).jobName()
                    + "): no file or folder at /data/eeg/study"),
        invalid.getMessage());

    PipelineStatus failed =
        VolumeData.progress(
                1,
                p,
                "ns/p",
                none,
                Map.of(needs.get(0).jobName(), job(needs.get(0).jobName(), "BackoffLimitExceeded")),
                null,
                j -> "store out of reach",
                j -> null,
                NOW)
            .status();
    assertEquals("Failed", failed.getPhase());
    assertEquals("Failed", failed.getConditions().get(0).getReason());

    // Once the failed Job is deleted (its TTL), it is not created again in this generation...
    VolumeData.Progress after =
        VolumeData.progress(1, p, "ns/p", none, Map.of(), invalid, j -> "?", j -> null, NOW);
    assertNull(after.status());
    assertTrue(after.toCreate().isEmpty());
    // ...but a new generation asks again.
    List<VolumeData.Need> next = VolumeData.needs(p, "ns", "p", "uid", 2, null);
    assertEquals(
        next,
        VolumeData.progress(
                2,
                p,
                "ns/p",
                new VolumeData.Observed(next, Map.of()),
                Map.of(),
                invalid,
                j -> "?",
                j -> null,
                NOW)
            .toCreate());
  }
}

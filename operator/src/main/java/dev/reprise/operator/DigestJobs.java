package dev.reprise.operator;

import dev.reprise.core.pipeline.DataVolume;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Job that computes the digest of data on a volume, where the volume is: a pure factory, like
 * {@link StageJobs}. It runs the worker image's {@code reprise volume-digest} with the volume
 * mounted read-only, and writes its answer to the store. Named from the request, so a restarted
 * operator finds it; labelled and annotated like a stage's Jobs, so the same informer sees it and
 * its events wake the pipelines that wait on the request.
 */
final class DigestJobs {
  /** The value of {@link StageJobs#PHASE_LABEL} on a digest Job. */
  static final String PHASE = "digest";

  private DigestJobs() {}

  /** {@code reprise-digest-<first 32 hex digits of the request>}. */
  static String name(String request) {
    return "reprise-digest-" + request.substring(0, StageJobs.KEY_CHARS);
  }

  /**
   * @param volume the volume the data is on
   * @param path the data's path on the volume ("" for the whole volume)
   * @param identity the volume's identity ({@link DataVolume#identity})
   * @param request the request the answer is written for
   * @param requestedBy "pipeline/stage field" for people reading Jobs
   */
  static Job desired(
      String namespace,
      String store,
      DataVolume volume,
      String path,
      String identity,
      String request,
      String requestedBy,
      OperatorSettings settings) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(StageJobs.MANAGED_BY, StageJobs.OPERATOR);
    labels.put(StageJobs.KEY_LABEL, request.substring(0, StageJobs.KEY_CHARS));
    labels.put(StageJobs.PHASE_LABEL, PHASE);
    List<String> command =
        List.of(
            "reprise",
            "volume-digest",
            "--store",
            store,
            "--volume",
            identity,
            "--mount",
            volume.mountPath(),
            "--path",
            path,
            "--request",
            request);
    return new JobBuilder()
        .withNewMetadata()
        .withName(name(request))
        .withNamespace(namespace)
        .withLabels(labels)
        .addToAnnotations(StageJobs.KEY_ANNOTATION, request)
        .addToAnnotations(StageJobs.REQUESTED_BY_ANNOTATION, requestedBy)
        .endMetadata()
        .withNewSpec()
        .withCompletions(1)
        .withParallelism(1)
        .withBackoffLimit(settings.retriesPerSlice())
        .withTtlSecondsAfterFinished((int) settings.ttlAfterFinished().toSeconds())
        .withPodReplacementPolicy("Failed")
        .withPodFailurePolicy(StageJobs.podFailurePolicy(false))
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withSpec(
            StageJobs.pod(settings)
                .addNewContainer()
                .withName(StageJobs.CONTAINER)
                .withImage(settings.image())
                .withCommand(command)
                .withEnv(StageJobs.workerEnv(settings))
                // Hashing reads files at disk speed on one thread: one CPU, a small heap.
                .withResources(
                    new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity(settings.pods().cpu()))
                        .addToRequests("memory", new Quantity(StageJobs.HELPER_MEMORY))
                        .addToLimits("memory", new Quantity(StageJobs.HELPER_MEMORY))
                        .build())
                .withSecurityContext(StageJobs.containerSecurity())
                .addNewVolumeMount()
                .withName("tmp")
                .withMountPath("/tmp")
                .endVolumeMount()
                .addToVolumeMounts(StageJobs.dataMount(volume))
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .endContainer()
                .addToVolumes(StageJobs.dataVolume(volume))
                .build())
        .endTemplate()
        .endSpec()
        .build();
  }
}

package dev.reprise.operator;

import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.ParamType;
import dev.reprise.core.pipeline.DataVolume;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.Problem;
import dev.reprise.core.pipeline.Stage;
import dev.reprise.core.store.VolumeDigests;
import dev.reprise.operator.crd.PipelineStatus;
import dev.reprise.operator.crd.StageStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Data on the pipeline's volumes, which only the cluster can read: which volumes the chart allows,
 * which digests the pipeline needs, and where their Jobs stand. Pure functions of what the
 * reconciler observed.
 *
 * <p>A digest is asked for once per pipeline generation (the request names the volume, the path,
 * the pipeline's uid and generation, and its retry annotation): the digest Job of a new generation
 * lists the data again, and reuses the stored digest if the listing (names, sizes, mtimes) is
 * unchanged. Between generations nothing is listed, as a finished pipeline does not run again until
 * its spec changes.
 */
final class VolumeData {
  private VolumeData() {}

  /**
   * A digest the pipeline needs: a stage's path parameter on a volume.
   *
   * @param location the parameter's path, clean and absolute
   * @param path the data's path on the volume
   */
  record Need(
      String stage,
      String field,
      DataVolume volume,
      String identity,
      String location,
      String path,
      String request) {
    String jobName() {
      return DigestJobs.name(request);
    }

    String describe() {
      return location + " on " + volume.describe();
    }
  }

  /** Volumes the operator's policy does not allow, each with the chart value to set. */
  static List<Problem> refused(
      Pipeline pipeline, String namespace, DataVolumePolicy policy, String label) {
    List<Problem> out = new ArrayList<>();
    for (int i = 0; i < pipeline.volumes().size(); i++) {
      DataVolume v = pipeline.volumes().get(i);
      String why = policy.refusal(v, namespace);
      if (why != null) {
        out.add(new Problem(label, null, "spec.volumes[" + i + "] (" + v.name() + ")", why));
      }
    }
    return out;
  }

  /**
   * The digests the pipeline needs, one per distinct request, in stage order.
   *
   * @param retry the value of the {@value PipelineReconciler#RETRY_ANNOTATION} annotation, or null:
   *     a new value is a new request, so a retried pipeline lists its data again
   */
  static List<Need> needs(
      Pipeline pipeline, String namespace, String name, String uid, long generation, String retry) {
    Map<String, Need> out = new LinkedHashMap<>();
    if (pipeline.volumes().isEmpty()) {
      return List.of();
    }
    for (Stage stage : pipeline.stages()) {
      if (stage.isCommand()) {
        continue;
      }
      for (ParamSpec p : stage.method().spec().params()) {
        if (p.type() != ParamType.PATH || stage.params().isNull(p.name())) {
          continue;
        }
        String raw = stage.params().getPath(p.name());
        Optional<DataVolume> volume = pipeline.volumeOf(raw);
        if (volume.isEmpty()) {
          continue;
        }
        String location = Path.of(raw).normalize().toString();
        String path = volume.get().relative(location).orElseThrow();
        String identity = volume.get().identity(namespace);
        Map<String, Object> parts = new TreeMap<>();
        parts.put("v", 1);
        parts.put("volume", identity);
        parts.put("path", path);
        parts.put("pipeline", namespace + "/" + name);
        parts.put("uid", uid == null ? "" : uid);
        parts.put("generation", generation);
        if (retry != null) {
          parts.put("retry", retry);
        }
        String request = VolumeDigests.request(parts);
        out.putIfAbsent(
            request,
            new Need(
                stage.name(),
                "params." + p.name(),
                volume.get(),
                identity,
                location,
                path,
                request));
      }
    }
    return List.copyOf(out.values());
  }

  /**
   * What the digest Jobs answered so far.
   *
   * @param results request to its answer, for the requests answered
   */
  record Observed(List<Need> needs, Map<String, VolumeDigests.Result> results) {
    boolean ready() {
      return needs.stream().allMatch(n -> results.containsKey(n.request()));
    }

    /** Location to digest, for the key. */
    Map<String, String> digests() {
      Map<String, String> out = new TreeMap<>();
      for (Need n : needs) {
        VolumeDigests.Result r = results.get(n.request());
        if (r != null) {
          out.put(n.location(), r.digest());
        }
      }
      return out;
    }
  }

  /** Reads the answers the store holds for {@code needs}. */
  static Observed observe(List<Need> needs, VolumeDigests store) {
    Map<String, VolumeDigests.Result> results = new TreeMap<>();
    for (Need n : needs) {
      store.result(n.request()).ifPresent(r -> results.put(n.request(), r));
    }
    return new Observed(needs, results);
  }

  /**
   * While digests are missing: the status and the digest Jobs to create.
   *
   * @param status null to keep the previous status as it is (a failure already reported)
   */
  record Progress(PipelineStatus status, List<Need> toCreate) {}

  /**
   * Where a pipeline stands while the digests of its volume data are computed. Its stages wait
   * (those that need a digest say which); a digest Job that failed makes the pipeline Invalid when
   * its pod exited 2 (no data at the path: the user's mistake), else Failed, with the Job's words.
   * Either is final for the generation: a failed Job deleted after its TTL is not created again.
   */
  static Progress progress(
      long generation,
      Pipeline pipeline,
      String label,
      Observed observed,
      Map<String, Job> jobs,
      PipelineStatus previous,
      Function<Job, String> failureDetail,
      Function<Job, String> waitingDetail,
      Instant now) {
    boolean sameGeneration =
        previous != null
            && previous.getObservedGeneration() != null
            && previous.getObservedGeneration() == generation;
    boolean finalBefore =
        sameGeneration
            && (PipelineProgress.INVALID.equals(previous.getPhase())
                || PipelineProgress.FAILED.equals(previous.getPhase()));
    List<Need> toCreate = new ArrayList<>();
    List<Problem> invalid = new ArrayList<>();
    List<Problem> failed = new ArrayList<>();
    Map<String, String> waiting = new LinkedHashMap<>();
    for (Need n : observed.needs()) {
      if (observed.results().containsKey(n.request())) {
        continue;
      }
      Job job = jobs.get(n.jobName());
      if (job == null) {
        if (finalBefore) {
          return new Progress(null, List.of());
        }
        toCreate.add(n);
        waiting.merge(n.stage(), waitingFor(n, null), (a, b) -> a + "; " + b);
      } else if (PipelineProgress.hasCondition(job, "Failed")) {
        boolean usersMistake =
            job.getStatus().getConditions().stream()
                .anyMatch(
                    c -> "Failed".equals(c.getType()) && "PodFailurePolicy".equals(c.getReason()));
        Problem p =
            new Problem(
                label,
                n.stage(),
                n.field(),
                "the digest of "
                    + n.describe()
                    + " failed (Job "
                    + n.jobName()
                    + "): "
                    + failureDetail.apply(job));
        (usersMistake ? invalid : failed).add(p);
      } else {
        waiting.merge(n.stage(), waitingFor(n, waitingDetail.apply(job)), (a, b) -> a + "; " + b);
      }
    }
    int count = pipeline.stages().size();
    if (!invalid.isEmpty() || !failed.isEmpty()) {
      List<Problem> all = new ArrayList<>(invalid);
      all.addAll(failed);
      PipelineStatus status = PipelineProgress.invalid(generation, count, all, previous, now);
      if (invalid.isEmpty()) {
        status.setPhase(PipelineProgress.FAILED);
        status.setConditions(
            PipelineProgress.conditions(
                PipelineProgress.FAILED, status.getMessage(), generation, previous, now));
      }
      return new Progress(status, List.of());
    }
    PipelineStatus status = new PipelineStatus();
    status.setObservedGeneration(generation);
    status.setPhase(PipelineProgress.PENDING);
    status.setProgress("0/" + count);
    status.setReused(0);
    status.setRan(0);
    status.setSavedSeconds(0.0);
    List<StageStatus> stages = new ArrayList<>();
    for (Stage s : pipeline.stages()) {
      StageStatus st = new StageStatus(s.name(), PipelineProgress.PENDING);
      st.setSlices(s.slices());
      st.setSlicesDone(0);
      st.setMessage(PipelineProgress.clip(waiting.get(s.name())));
      stages.add(st);
    }
    status.setStages(stages);
    status.setMessage(
        "computing the digests of data on volumes: "
            + observed.results().size()
            + " of "
            + observed.needs().size()
            + " known");
    status.setConditions(
        PipelineProgress.conditions(
            PipelineProgress.PENDING, status.getMessage(), generation, previous, now));
    return new Progress(status, toCreate);
  }

  private static String waitingFor(Need n, String stuck) {
    return "waiting for the digest of "
        + n.describe()
        + " (Job "
        + n.jobName()
        + ")"
        + (stuck == null ? "" : ": " + stuck);
  }
}

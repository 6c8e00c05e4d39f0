package dev.reprise.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.StoreException;
import dev.reprise.core.exec.Planner;
import dev.reprise.core.exec.Planner.PlannedStage;
import dev.reprise.core.exec.StageResolver;
import dev.reprise.core.exec.StageState;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.method.Phase;
import dev.reprise.core.pipeline.InvalidPipelineException;
import dev.reprise.core.pipeline.PipelineParser;
import dev.reprise.core.pipeline.Problem;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.Manifest;
import dev.reprise.core.store.Task;
import dev.reprise.core.store.VolumeDigests;
import dev.reprise.operator.crd.Pipeline;
import dev.reprise.operator.crd.PipelineStatus;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The one reconciler of {@link Pipeline}s. Every time, in this order: validate the document,
 * observe (Jobs from the informer's cache, then the store), plan (core's planner, then {@link
 * PipelineProgress}), create what is missing (task.json, then the Job), and write status only when
 * it changed.
 */
@ControllerConfiguration(name = "pipeline")
public final class PipelineReconciler implements Reconciler<Pipeline> {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How soon planning is tried again after the store or an input could not be read. */
  static final Duration CANNOT_PLAN_RETRY = Duration.ofSeconds(15);

  private final OperatorSettings settings;
  private final PipelineParser parser;
  private final StoreAccess stores;
  private final OperatorMetrics metrics;
  private final Clock clock;

  /** "store sha256" of command files known to be in the store. */
  private final Set<String> shipped = ConcurrentHashMap.newKeySet();

  /** The keys of live Pipelines, pinned in their stores for reprise gc. */
  private final StorePins pins = new StorePins();

  /** Key to the pipelines that wait on it: a shared Job's events wake every one of them. */
  private final Map<String, Set<ResourceID>> waiting = new ConcurrentHashMap<>();

  private InformerEventSource<Job, Pipeline> jobs;

  @Inject
  PipelineReconciler(
      OperatorSettings settings,
      MethodRegistry methods,
      StoreAccess stores,
      OperatorMetrics metrics,
      Clock clock) {
    this.settings = settings;
    this.parser = new PipelineParser(methods, true);
    this.stores = stores;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, Pipeline>> prepareEventSources(EventSourceContext<Pipeline> context) {
    jobs =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Job.class, Pipeline.class)
                .withLabelSelector(StageJobs.SELECTOR)
                .withSecondaryToPrimaryMapper(
                    job -> waiting.getOrDefault(StageJobs.keyOf(job), Set.of()))
                .build(),
            context);
    metrics.countPipelines(() -> context.getPrimaryCache().list());
    return List.of(jobs);
  }

  @Override
  public UpdateControl<Pipeline> reconcile(Pipeline resource, Context<Pipeline> context) {
    return metrics.reconcileTimer().record(() -> reconcileTimed(resource, context));
  }

  private UpdateControl<Pipeline> reconcileTimed(Pipeline resource, Context<Pipeline> context) {
    KubernetesClient client = context.getClient();
    Instant now = clock.instant();
    long generation =
        resource.getMetadata().getGeneration() == null ? 0 : resource.getMetadata().getGeneration();
    PipelineStatus previous = resource.getStatus();

    // 1. Validate: a user's mistake is final (no Jobs, no retry) until the spec changes.
    dev.reprise.core.pipeline.Pipeline pipeline;
    try {
      pipeline = PipelineDocument.validate(resource, parser);
    } catch (InvalidPipelineException e) {
      int count =
          resource.getSpec() == null || resource.getSpec().getStages() == null
              ? 0
              : resource.getSpec().getStages().size();
      return finish(
          resource,
          context,
          previous,
          PipelineProgress.invalid(generation, count, e.problems(), previous, now),
          now);
    }
    String label = resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    List<Problem> refused =
        VolumeData.refused(
            pipeline, resource.getMetadata().getNamespace(), settings.volumes(), label);
    if (!refused.isEmpty()) {
      return finish(
          resource,
          context,
          previous,
          PipelineProgress.invalid(generation, pipeline.stages().size(), refused, previous, now),
          now);
    }

    // 2. Observe: Jobs first, then the store, so a Job seen complete has its commit visible.
    String ns = resource.getMetadata().getNamespace();
    Map<String, Job> existing =
        jobs.list(ns, j -> true)
            .collect(Collectors.toMap(j -> j.getMetadata().getName(), j -> j, (a, b) -> a));
    String storeUri = pipeline.store() != null ? pipeline.store() : settings.defaultStore();
    ArtifactStore store;
    List<PlannedStage> plan;
    VolumeData.Observed data;
    try {
      store = stores.store(storeUri);
      // Data on volumes is digested on the cluster: no stage is keyed before its digests are known.
      data =
          VolumeData.observe(
              VolumeData.needs(
                  pipeline,
                  ns,
                  resource.getMetadata().getName(),
                  resource.getMetadata().getUid(),
                  generation,
                  resource.getMetadata().getAnnotations() == null
                      ? null
                      : resource.getMetadata().getAnnotations().get(VolumeData.RETRY_ANNOTATION)),
              new VolumeDigests(store.blobs()));
      plan =
          data.ready()
              ? new Planner(
                      store,
                      new StageResolver(stores.resolver().data().withKnown(data.digests())),
                      false)
                  .plan(pipeline)
              : List.of();
    } catch (InvalidInputException | StoreException | UncheckedIOException e) {
      // A missing bucket, refused keys, a store out of reach after its own retries, an input's
      // data that cannot be read: shown on the pipeline, and tried again.
      finish(
          resource,
          context,
          previous,
          PipelineProgress.cannotPlan(
              generation, pipeline.stages().size(), e.getMessage(), previous, now),
          now);
      return UpdateControl.<Pipeline>noUpdate().rescheduleAfter(CANNOT_PLAN_RETRY);
    }
    if (!data.ready()) {
      return digestData(
          resource, context, pipeline, data, existing, storeUri, generation, previous, now);
    }
    forget(ResourceID.fromResource(resource), data.needs());
    List<Problem> unshipped = unshippedFiles(resource, pipeline, store, storeUri);
    if (!unshipped.isEmpty()) {
      return finish(
          resource,
          context,
          previous,
          PipelineProgress.invalid(generation, pipeline.stages().size(), unshipped, previous, now),
          now);
    }
    // Before any Job reads a reused result, so that gc keeps it.
    pins.update(
        stores,
        StorePins.keysByStore(
            context.getPrimaryCache().list().toList(), settings.defaultStore(), storeUri, plan));
    Set<String> prepared = new HashSet<>();
    for (PlannedStage p : plan) {
      if (p.state() == StageState.RUN
          && p.stage().method().spec().has(Phase.PREPARE)
          && !existing.containsKey(StageJobs.name(p.key(), Phase.PREPARE))
          && store.manifest(Location.prepare(p.key())).isPresent()) {
        prepared.add(p.key());
      }
    }

    // 3. Plan.
    PipelineProgress.Result result =
        PipelineProgress.compute(
            generation,
            plan,
            existing,
            prepared,
            previous,
            job -> failureDetail(client, job),
            job -> waitingDetail(client, job),
            now);

    // 4. Create what is missing: task.json before its Job, so no pod starts without one.
    watch(ResourceID.fromResource(resource), plan, previous);
    Map<String, PlannedStage> byName = new HashMap<>();
    plan.forEach(p -> byName.put(p.stage().name(), p));
    for (PipelineProgress.NextJob next : result.toCreate()) {
      PlannedStage p = next.stage();
      if (store.readTask(p.key()).isEmpty()) {
        store.writeTask(task(resource, p, byName));
      }
      Job job =
          StageJobs.desired(
              ns,
              storeUri,
              p.key(),
              next.phase(),
              p.stage(),
              pipeline.parallelism(),
              resource.getMetadata().getName() + "/" + p.stage().name(),
              settings,
              pipeline.volumes());
      try {
        Job created = client.batch().v1().jobs().inNamespace(ns).resource(job).create();
        jobs.handleRecentResourceCreate(ResourceID.fromResource(created), created);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e; // a passing fault: retried with backoff
        }
        // Another pipeline (or this one before a restart) created it: that is the point of the
        // name.
      }
    }
    metrics.stages(result.newlyReused(), result.newlyRan(), result.newlySavedSeconds());
    return finish(resource, context, previous, result.status(), now);
  }

  /**
   * While the digests of data on volumes are not all known: create the digest Jobs that are missing
   * (the pipeline waits on their requests, so their events wake it) and show the stages waiting, or
   * the failure of a digest Job.
   */
  private UpdateControl<Pipeline> digestData(
      Pipeline resource,
      Context<Pipeline> context,
      dev.reprise.core.pipeline.Pipeline pipeline,
      VolumeData.Observed data,
      Map<String, Job> existing,
      String storeUri,
      long generation,
      PipelineStatus previous,
      Instant now) {
    KubernetesClient client = context.getClient();
    String ns = resource.getMetadata().getNamespace();
    VolumeData.Progress progress =
        VolumeData.progress(
            generation,
            pipeline,
            ns + "/" + resource.getMetadata().getName(),
            data,
            existing,
            previous,
            job -> failureDetail(client, job),
            job -> waitingDetail(client, job),
            now);
    if (progress.status() == null) {
      return UpdateControl.noUpdate();
    }
    ResourceID id = ResourceID.fromResource(resource);
    for (VolumeData.Need n : data.needs()) {
      waiting.computeIfAbsent(n.request(), k -> ConcurrentHashMap.newKeySet()).add(id);
    }
    for (VolumeData.Need n : progress.toCreate()) {
      Job job =
          DigestJobs.desired(
              ns,
              storeUri,
              n.volume(),
              n.path(),
              n.identity(),
              n.request(),
              resource.getMetadata().getName() + "/" + n.stage() + " " + n.field(),
              settings);
      create(client, ns, job);
    }
    return finish(resource, context, previous, progress.status(), now);
  }

  /** The pipeline no longer waits on these digest requests. */
  private void forget(ResourceID id, List<VolumeData.Need> needs) {
    for (VolumeData.Need n : needs) {
      waiting.computeIfPresent(
          n.request(),
          (k, ids) -> {
            ids.remove(id);
            return ids.isEmpty() ? null : ids;
          });
    }
  }

  /** Creates a Job; one that exists already (a 409) is what was wanted. */
  private void create(KubernetesClient client, String ns, Job job) {
    try {
      Job created = client.batch().v1().jobs().inNamespace(ns).resource(job).create();
      jobs.handleRecentResourceCreate(ResourceID.fromResource(created), created);
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e; // a passing fault: retried with backoff
      }
    }
  }

  /**
   * Command stages' files that the store lacks: the cluster reads them only from the store, so a
   * document applied without {@code reprise push} is the user's mistake, said per file. A file once
   * seen is remembered (content-addressed: it cannot change).
   */
  private List<Problem> unshippedFiles(
      Pipeline resource,
      dev.reprise.core.pipeline.Pipeline pipeline,
      ArtifactStore store,
      String storeUri) {
    List<Problem> problems = new java.util.ArrayList<>();
    String label = resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    for (var stage : pipeline.stages()) {
      if (!stage.isCommand()) {
        continue;
      }
      for (var f : stage.command().files().entrySet()) {
        String seen = storeUri + " " + f.getValue();
        if (shipped.contains(seen)) {
          continue;
        }
        if (store.hasFile(f.getValue())) {
          shipped.add(seen);
        } else {
          problems.add(
              new Problem(
                  label,
                  stage.name(),
                  "files." + f.getKey(),
                  "not in the store "
                      + storeUri
                      + " (sha256 "
                      + f.getValue().substring(0, 12)
                      + "): ship it with 'reprise push FILE --store "
                      + storeUri
                      + "' and apply the document it prints"));
        }
      }
    }
    return problems;
  }

  /**
   * Registers the pipeline as waiting on the keys it runs (registered before their Jobs are
   * created, so no Job event is missed) and forgets the keys it no longer waits on.
   */
  private void watch(ResourceID id, List<PlannedStage> plan, PipelineStatus previous) {
    Set<String> running = new HashSet<>();
    for (PlannedStage p : plan) {
      if (p.key() != null && p.state() == StageState.RUN) {
        running.add(p.key());
        waiting.computeIfAbsent(p.key(), k -> ConcurrentHashMap.newKeySet()).add(id);
      }
    }
    if (previous != null && previous.getStages() != null) {
      for (var s : previous.getStages()) {
        if (s.getKey() != null && !running.contains(s.getKey())) {
          waiting.computeIfPresent(
              s.getKey(),
              (k, ids) -> {
                ids.remove(id);
                return ids.isEmpty() ? null : ids;
              });
        }
      }
    }
  }

  /** 5. Record: events for what changed, and the status only when it differs. */
  private UpdateControl<Pipeline> finish(
      Pipeline resource,
      Context<Pipeline> context,
      PipelineStatus previous,
      PipelineStatus next,
      Instant now) {
    if (previous != null && JSON.valueToTree(previous).equals(JSON.valueToTree(next))) {
      return UpdateControl.noUpdate();
    }
    for (PipelineEvents.Notice n : PipelineEvents.between(previous, next)) {
      PipelineEvents.record(context.getClient(), resource, n, now);
    }
    // Written here, with the JSON patch UpdateControl.patchStatus would send, so the answer can be
    // checked: a spec change that lands while the status is written has a resourceVersion older
    // than this write's, and Java Operator SDK 5.3 can drop its event as already seen. If the
    // answer carries a newer generation, reconcile again at once instead of at the re-check.
    Pipeline written =
        context
            .resourceOperations()
            .jsonPatchPrimaryStatus(
                resource,
                r -> {
                  r.setStatus(next);
                  return r;
                });
    if (!Objects.equals(
        written.getMetadata().getGeneration(), resource.getMetadata().getGeneration())) {
      return UpdateControl.<Pipeline>noUpdate().rescheduleAfter(0);
    }
    return UpdateControl.noUpdate();
  }

  /** The resolved stage a worker runs, as LocalExecutor writes it. */
  private static Task task(Pipeline resource, PlannedStage p, Map<String, PlannedStage> byName) {
    Map<String, Manifest.InputRef> refs = new TreeMap<>();
    p.stage()
        .inputs()
        .forEach(
            (input, upstream) -> {
              PlannedStage up = byName.get(upstream);
              refs.put(input, new Manifest.InputRef(upstream, up.key(), up.manifest().digest()));
            });
    return new Task(
        p.key(),
        p.components().toJson(),
        refs,
        null,
        resource.getMetadata().getName(),
        p.stage().name());
  }

  /**
   * Why a Job failed: its last failed pod's exit code and termination message (the kubelet puts the
   * pod's last log lines there: terminationMessagePolicy FallbackToLogsOnError).
   */
  private static String failureDetail(KubernetesClient client, Job job) {
    String why =
        job.getStatus().getConditions().stream()
            .filter(c -> "Failed".equals(c.getType()))
            .map(c -> c.getReason() + (c.getMessage() == null ? "" : ": " + c.getMessage()))
            .findFirst()
            .orElse("the Job failed");
    List<Pod> pods = podsOf(client, job);
    return pods.stream()
        .filter(p -> "Failed".equals(p.getStatus() == null ? null : p.getStatus().getPhase()))
        .max(
            Comparator.comparing(
                    (Pod p) ->
                        p.getMetadata().getCreationTimestamp() == null
                            ? ""
                            : p.getMetadata().getCreationTimestamp())
                .thenComparing(p -> p.getMetadata().getName()))
        .flatMap(PipelineReconciler::terminated)
        .map(
            t ->
                why
                    + "; pod exited with code "
                    + t.getExitCode()
                    + (t.getMessage() == null ? "" : ":\n" + t.getMessage().strip()))
        .orElse(why);
  }

  /** The pods the Job controller made for {@code job}. */
  private static List<Pod> podsOf(KubernetesClient client, Job job) {
    return client
        .pods()
        .inNamespace(job.getMetadata().getNamespace())
        .withLabel("batch.kubernetes.io/job-name", job.getMetadata().getName())
        .list()
        .getItems();
  }

  /** Container waiting reasons that do not resolve without the user: shown on the stage. */
  static final Set<String> STUCK_REASONS =
      Set.of(
          "ErrImagePull",
          "ImagePullBackOff",
          "InvalidImageName",
          "CreateContainerConfigError",
          "CreateContainerError");

  /**
   * Why a running Job's pod is stuck: a container waiting for a reason that needs the user (an
   * image that cannot be pulled, a missing Secret or ConfigMap), or the scheduler's word on a pod
   * that fits no node. Null when its pods are starting or running normally.
   */
  static String waitingDetail(KubernetesClient client, Job job) {
    List<Pod> pods = podsOf(client, job);
    for (Pod pod : pods) {
      if (pod.getStatus() == null) {
        continue;
      }
      String name = pod.getMetadata().getName();
      List<io.fabric8.kubernetes.api.model.ContainerStatus> statuses = new java.util.ArrayList<>();
      if (pod.getStatus().getInitContainerStatuses() != null) {
        statuses.addAll(pod.getStatus().getInitContainerStatuses());
      }
      if (pod.getStatus().getContainerStatuses() != null) {
        statuses.addAll(pod.getStatus().getContainerStatuses());
      }
      for (var c : statuses) {
        var waiting = c.getState() == null ? null : c.getState().getWaiting();
        if (waiting != null && STUCK_REASONS.contains(waiting.getReason())) {
          return "pod "
              + name
              + ": container "
              + c.getName()
              + " ("
              + c.getImage()
              + ") is waiting: "
              + waiting.getReason()
              + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage());
        }
      }
      if (pod.getStatus().getConditions() != null) {
        for (var cond : pod.getStatus().getConditions()) {
          if ("PodScheduled".equals(cond.getType())
              && "False".equals(cond.getStatus())
              && "Unschedulable".equals(cond.getReason())) {
            return "pod " + name + " cannot be scheduled: " + cond.getMessage();
          }
        }
      }
    }
    return null;
  }

  private static java.util.Optional<ContainerStateTerminated> terminated(Pod pod) {
    if (pod.getStatus().getContainerStatuses() == null) {
      return java.util.Optional.empty();
    }
    // The worker's container first: in a command stage's pod it reports the program's failure.
    return pod.getStatus().getContainerStatuses().stream()
        .filter(c -> c.getState() != null && c.getState().getTerminated() != null)
        .sorted(Comparator.comparing(c -> StageJobs.CONTAINER.equals(c.getName()) ? 0 : 1))
        .map(c -> c.getState().getTerminated())
        .findFirst();
  }
}

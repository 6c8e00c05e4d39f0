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
import dev.reprise.operator.crd.StageStatus;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
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
import org.jboss.logging.Logger;

/**
 * The one reconciler of {@link Pipeline}s. Every time, in this order: validate the document,
 * observe (Jobs from the informer's cache, then the store), plan (core's planner, then {@link
 * PipelineProgress}), create what is missing (task.json, then the Job), and write status only when
 * it changed.
 */
@ControllerConfiguration(
    name = "pipeline",
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = PipelineReconciler.SpecOrRetry.class))
public final class PipelineReconciler implements Reconciler<Pipeline> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = Logger.getLogger(PipelineReconciler.class);

  /**
   * Annotation: set it to a new value to retry a finished pipeline ({@code reprise retry NAME} does
   * it).
   */
  public static final String RETRY_ANNOTATION = "reprise.dev/retry";

  /** Condition reason of an error the reconcile could not get past (shown until it can). */
  static final String RECONCILE_ERROR = "ReconcileError";

  /** How soon a Job whose owners changed under us is looked at again. */
  static final Duration OWNERS_RETRY = Duration.ofSeconds(1);

  /**
   * Updates that deserve a reconcile: a new spec (generation), a retry asked for, a deletion.
   * Status writes, the operator's own, do not: a finished pipeline then costs nothing.
   */
  public static final class SpecOrRetry implements OnUpdateFilter<Pipeline> {
    @Override
    public boolean accept(Pipeline updated, Pipeline old) {
      return !Objects.equals(
              updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
          || !Objects.equals(retryOf(updated), retryOf(old))
          || updated.getMetadata().getDeletionTimestamp() != null;
    }
  }

  /** The pipeline's {@value #RETRY_ANNOTATION} annotation, or null. */
  static String retryOf(Pipeline p) {
    Map<String, String> a = p.getMetadata().getAnnotations();
    return a == null ? null : a.get(RETRY_ANNOTATION);
  }

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

  /** Uids of Jobs a retry deleted (to their namespace), ignored until the informer drops them. */
  private final Map<String, String> retired = new ConcurrentHashMap<>();

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

  /**
   * A reconcile that threw (a Job create refused by a quota or an admission webhook, the API server
   * out of reach): the error lands on the pipeline, as Ready=False with reason {@value
   * #RECONCILE_ERROR}, and the reconcile is retried with backoff. The next successful reconcile
   * writes the conditions afresh.
   */
  @Override
  public ErrorStatusUpdateControl<Pipeline> updateErrorStatus(
      Pipeline resource, Context<Pipeline> context, Exception e) {
    PipelineStatus status =
        resource.getStatus() == null
            ? new PipelineStatus()
            : JSON.convertValue(resource.getStatus(), PipelineStatus.class);
    String message = PipelineProgress.clip("the operator cannot go on: " + e.getMessage());
    var ready = PipelineProgress.condition(status, PipelineProgress.READY);
    if (ready != null
        && RECONCILE_ERROR.equals(ready.getReason())
        && message.equals(ready.getMessage())) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    List<dev.reprise.operator.crd.PipelineCondition> conditions = new java.util.ArrayList<>();
    if (status.getConditions() != null) {
      status.getConditions().stream()
          .filter(c -> !PipelineProgress.READY.equals(c.getType()))
          .forEach(conditions::add);
    }
    var c =
        new dev.reprise.operator.crd.PipelineCondition(
            PipelineProgress.READY, "False", RECONCILE_ERROR, message);
    c.setObservedGeneration(resource.getMetadata().getGeneration());
    c.setLastTransitionTime(clock.instant().toString());
    conditions.add(0, c);
    status.setConditions(conditions);
    resource.setStatus(status);
    PipelineEvents.record(
        context.getClient(),
        resource,
        new PipelineEvents.Notice("Warning", RECONCILE_ERROR, message),
        clock.instant());
    return ErrorStatusUpdateControl.patchStatus(resource);
  }

  private UpdateControl<Pipeline> reconcileTimed(Pipeline resource, Context<Pipeline> context) {
    KubernetesClient client = context.getClient();
    Instant now = clock.instant();
    long generation =
        resource.getMetadata().getGeneration() == null ? 0 : resource.getMetadata().getGeneration();
    PipelineStatus previous = resource.getStatus();
    String ns = resource.getMetadata().getNamespace();

    // 0. A finished pipeline is final: not planned, its store not read, its stages not re-keyed
    // (an operator upgrade with new method code recomputes nothing) until the spec changes or a
    // retry is asked for.
    String retry = retryOf(resource);
    boolean retryAsked = previous != null && !Objects.equals(retry, previous.getRetry());
    if (!retryAsked && PipelineProgress.isFinal(previous, generation)) {
      pinLive(context, settings.defaultStore(), List.of());
      return UpdateControl.noUpdate();
    }
    PipelineStatus basis = previous;
    if (retryAsked) {
      basis = retry(client, resource, previous);
    }

    // 1. Validate: a user's mistake is final (no Jobs) until the spec changes or a retry.
    dev.reprise.core.pipeline.Pipeline pipeline;
    try {
      pipeline = PipelineDocument.validate(resource, parser);
      String refused =
          settings.refusedStore(
              pipeline.store() != null ? pipeline.store() : settings.defaultStore());
      if (refused != null) {
        throw new InvalidPipelineException(
            List.of(
                new Problem(ns + "/" + resource.getMetadata().getName(), null, "store", refused)));
      }
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
    Map<String, Job> existing = observeJobs(ns);
    String storeUri = pipeline.store() != null ? pipeline.store() : settings.defaultStore();
    ArtifactStore store;
    List<PlannedStage> plan;
    VolumeData.Observed data;
    try {
      store = stores.store(storeUri);
      if (retryAsked && previous.getStages() != null) {
        // A retry looks at the store afresh: results deleted behind the operator's back are seen.
        previous.getStages().stream()
            .filter(st -> st.getKey() != null)
            .forEach(st -> store.forgetVerified(st.getKey()));
      }
      // Data on volumes is digested on the cluster: no stage is keyed before its digests are known.
      data =
          VolumeData.observe(
              VolumeData.needs(
                  pipeline,
                  ns,
                  resource.getMetadata().getName(),
                  resource.getMetadata().getUid(),
                  generation,
                  retryOf(resource)),
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
    pinLive(context, storeUri, plan);
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
            basis,
            job -> failureDetail(client, job),
            job -> waitingDetail(client, job),
            now);

    // 4. Create what is missing: task.json before its Job, so no pod starts without one. Own the
    // Jobs still needed; let go of the others, cancelling those nobody needs any more.
    watch(ResourceID.fromResource(resource), plan, previous);
    boolean ownersMoved = own(client, resource, plan, existing);
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
      job.getMetadata().setOwnerReferences(List.of(owner(resource)));
      create(client, ns, job);
    }
    metrics.stages(result.newlyReused(), result.newlyRan(), result.newlySavedSeconds());
    UpdateControl<Pipeline> done = finish(resource, context, previous, result.status(), now);
    return ownersMoved ? UpdateControl.<Pipeline>noUpdate().rescheduleAfter(OWNERS_RETRY) : done;
  }

  /** The operator's Jobs in the namespace by name, less those a retry deleted. */
  private Map<String, Job> observeJobs(String ns) {
    Map<String, Job> out = new HashMap<>();
    Set<String> seen = new HashSet<>();
    jobs.list(ns, j -> true)
        .forEach(
            j -> {
              seen.add(j.getMetadata().getUid());
              if (!retired.containsKey(j.getMetadata().getUid())) {
                out.putIfAbsent(j.getMetadata().getName(), j);
              }
            });
    retired.entrySet().removeIf(e -> e.getValue().equals(ns) && !seen.contains(e.getKey()));
    return out;
  }

  /** Pins the keys of every live Pipeline whose store the operator may open. */
  private void pinLive(Context<Pipeline> context, String plannedStore, List<PlannedStage> plan) {
    List<Pipeline> live =
        context
            .getPrimaryCache()
            .list()
            .filter(
                p -> {
                  String store =
                      p.getSpec() != null && p.getSpec().getStore() != null
                          ? p.getSpec().getStore()
                          : settings.defaultStore();
                  try {
                    return settings.refusedStore(store) == null;
                  } catch (RuntimeException e) {
                    return false; // a store it cannot even name: that Pipeline is Invalid
                  }
                })
            .toList();
    pins.update(stores, StorePins.keysByStore(live, settings.defaultStore(), plannedStore, plan));
  }

  /**
   * A retry: deletes the finished Jobs of the pipeline's stages (failed ones, and completed ones
   * whose result may have gone from the store since), then plans as if its failed stages had never
   * run. A shared finished Job goes too: it is finished, only its logs are lost. Returns the status
   * to plan from.
   */
  private PipelineStatus retry(
      KubernetesClient client, Pipeline resource, PipelineStatus previous) {
    String ns = resource.getMetadata().getNamespace();
    PipelineStatus basis = JSON.convertValue(previous, PipelineStatus.class);
    List<StageStatus> stages = previous.getStages() == null ? List.of() : previous.getStages();
    for (StageStatus s : stages) {
      if (s.getKey() == null) {
        continue;
      }
      for (Phase phase : Phase.values()) {
        String name = StageJobs.name(s.getKey(), phase);
        jobs.get(new ResourceID(name, ns))
            .filter(
                j ->
                    PipelineProgress.hasCondition(j, "Failed")
                        || PipelineProgress.hasCondition(j, "Complete"))
            .ifPresent(
                j -> {
                  retired.put(j.getMetadata().getUid(), ns);
                  delete(client, j);
                });
      }
    }
    basis.setStages(
        stages.stream().filter(s -> !PipelineProgress.FAILED.equals(s.getState())).toList());
    LOG.infof(
        "pipeline %s/%s: retry '%s' asked for",
        ns, resource.getMetadata().getName(), retryOf(resource));
    return basis;
  }

  /** This pipeline as an owner of its Jobs: not their controller, and blocking nothing. */
  private static OwnerReference owner(Pipeline resource) {
    return new OwnerReferenceBuilder()
        .withApiVersion(Pipeline.API_VERSION)
        .withKind("Pipeline")
        .withName(resource.getMetadata().getName())
        .withUid(resource.getMetadata().getUid())
        .build();
  }

  /**
   * Makes the pipeline an owner of every unfinished Job its plan runs, and no longer an owner of
   * unfinished Jobs it does not run (after a spec change). A Job left with no owner is deleted:
   * nobody needs it, so it is cancelled. Deleting the pipeline lets Kubernetes' garbage collector
   * delete the Jobs it alone owned; a Job shared with another pipeline lives on. Finished Jobs are
   * left to their TTL. Each change is a JSON patch that first tests the owners it read, so two
   * pipelines never overwrite each other's reference; on a clash the caller looks again soon.
   *
   * @return true if a Job's owners changed under us
   */
  private boolean own(
      KubernetesClient client, Pipeline resource, List<PlannedStage> plan, Map<String, Job> jobs) {
    String uid = resource.getMetadata().getUid();
    // Jobs it waits on; and every key of its plan: a Job whose stage was just committed is still
    // its own (the Job's Complete condition may arrive after the commit), only one whose key left
    // the plan (a spec change) is let go.
    Set<String> needed = new HashSet<>();
    Set<String> keys = new HashSet<>();
    for (PlannedStage p : plan) {
      if (p.key() != null) {
        keys.add(p.key());
        if (p.state() == StageState.RUN) {
          for (Phase phase : Phase.values()) {
            needed.add(StageJobs.name(p.key(), phase));
          }
        }
      }
    }
    boolean moved = false;
    for (Job job : jobs.values()) {
      if (PipelineProgress.hasCondition(job, "Complete")
          || PipelineProgress.hasCondition(job, "Failed")
          || job.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      List<OwnerReference> owners =
          job.getMetadata().getOwnerReferences() == null
              ? List.of()
              : job.getMetadata().getOwnerReferences();
      boolean mine = owners.stream().anyMatch(o -> uid.equals(o.getUid()));
      boolean need = needed.contains(job.getMetadata().getName());
      boolean stale = !keys.contains(StageJobs.keyOf(job));
      if (need == mine || (mine && !stale)) {
        continue;
      }
      List<OwnerReference> next = new java.util.ArrayList<>(owners);
      if (need) {
        next.add(owner(resource));
      } else {
        next.removeIf(o -> uid.equals(o.getUid()));
      }
      try {
        if (next.isEmpty()) {
          LOG.infof(
              "pipeline %s/%s no longer needs Job %s, and no other pipeline does: cancelling it",
              job.getMetadata().getNamespace(),
              resource.getMetadata().getName(),
              job.getMetadata().getName());
          delete(client, job);
        } else {
          setOwners(client, job, owners, next);
        }
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
            && e.getCode() != 422
            && e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
          throw e;
        }
        moved = true; // another pipeline changed its owners meanwhile, or it is gone: look again
      }
    }
    return moved;
  }

  /** Deletes a Job; its pods go after it (background propagation). */
  private static void delete(KubernetesClient client, Job job) {
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(job.getMetadata().getNamespace())
        .withName(job.getMetadata().getName())
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
  }

  private static void setOwners(
      KubernetesClient client, Job job, List<OwnerReference> read, List<OwnerReference> next) {
    var ser = client.getKubernetesSerialization();
    StringBuilder patch = new StringBuilder("[");
    if (!read.isEmpty()) {
      patch
          .append("{\"op\":\"test\",\"path\":\"/metadata/ownerReferences\",\"value\":")
          .append(ser.asJson(read))
          .append("},");
    }
    patch
        .append("{\"op\":\"add\",\"path\":\"/metadata/ownerReferences\",\"value\":")
        .append(ser.asJson(next))
        .append("}]");
    // On the Job as read, so the client sends the patch without reading the Job first.
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(job.getMetadata().getNamespace())
        .resource(job)
        .patch(PatchContext.of(PatchType.JSON), patch.toString());
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
      // Its request names this pipeline (uid and generation): it is this pipeline's alone.
      job.getMetadata().setOwnerReferences(List.of(owner(resource)));
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

  /**
   * Creates a Job; one that exists already (a 409) is what was wanted: another pipeline (or this
   * one before a restart) created it, which is the point of its name.
   */
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
    next.setRetry(retryOf(resource));
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
    if (pods.isEmpty()) {
      return refusedPods(client, job);
    }
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

  /**
   * Why a Job has no pods: the Job controller's last FailedCreate event (a ResourceQuota that wants
   * limits, an admission webhook, a missing ServiceAccount), or null.
   */
  private static String refusedPods(KubernetesClient client, Job job) {
    return client
        .v1()
        .events()
        .inNamespace(job.getMetadata().getNamespace())
        .withField("involvedObject.name", job.getMetadata().getName())
        .list()
        .getItems()
        .stream()
        .filter(
            e ->
                "FailedCreate".equals(e.getReason())
                    && "Job".equals(e.getInvolvedObject().getKind()))
        .max(
            Comparator.comparing(
                (io.fabric8.kubernetes.api.model.Event e) ->
                    e.getLastTimestamp() != null
                        ? e.getLastTimestamp()
                        : e.getEventTime() != null ? e.getEventTime().getTime() : ""))
        .map(e -> "Job " + job.getMetadata().getName() + " cannot create pods: " + e.getMessage())
        .orElse(null);
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

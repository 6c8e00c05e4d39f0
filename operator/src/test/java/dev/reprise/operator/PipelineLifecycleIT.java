package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.store.Stores;
import dev.reprise.operator.crd.Pipeline;
import dev.reprise.operator.crd.PipelineCondition;
import dev.reprise.operator.crd.StageStatus;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's lifecycle on the mock cluster: final phases, retry, owners and cancellation of
 * Jobs, stuck pods, allowed stores, and errors that must land on the pipeline. Garbage collection
 * of owned Jobs, TTL deletion and deadlines are real only on a real control plane ({@link
 * RealClusterIT}); here the API requests they rest on are checked.
 */
class PipelineLifecycleIT {
  static final Duration WAIT = Duration.ofSeconds(60);

  /** The safety-net re-check, short so that "nothing happens" is seen several times over. */
  static final Duration RECHECK = Duration.ofSeconds(1);

  OperatorHarness h;

  @BeforeEach
  void start() throws Exception {
    h = new OperatorHarness(4);
    h.configure(RECHECK, List.of());
  }

  @AfterEach
  void stop() throws Exception {
    h.close();
  }

  @Test
  void aFinishedPipelineIsNotPlannedAgainUntilARetry() throws Exception {
    h.startOperator();
    h.apply(PipelineOperatorIT.doc("done", "{}"));
    Pipeline p = h.await("done", "Succeeded", WAIT);
    int jobs = h.cluster.created.size();

    // Steady state: re-checks of a finished pipeline read nothing from the store.
    h.storeRequests.reset();
    Thread.sleep(4 * RECHECK.toMillis());
    assertEquals(Map.of(), h.storeRequests.byKind(), "store requests of a finished pipeline");

    // Run-once: its result gone behind its back (as an upgrade that re-keys a method would make
    // it) recomputes nothing.
    String total = PipelineOperatorIT.stage(p, "total").getKey();
    try (var blobs = Stores.open(h.store, h.s3.settings())) {
      blobs.delete("stages/" + total + "/manifest.json");
    }
    Thread.sleep(3 * RECHECK.toMillis());
    assertEquals("Succeeded", h.get("done").getStatus().getPhase());
    assertEquals(jobs, h.cluster.created.size(), "no Job for a finished pipeline");

    // A retry plans afresh: the missing result is computed again, the others reused.
    retry("done", "1");
    p = awaitRetried("done", "1", "Succeeded");
    assertEquals(jobs + 1, h.cluster.created.size(), h.cluster.created.toString());
    assertTrue(h.output(total, "sum.txt").isPresent());
  }

  @Test
  void aFailedStageNamesItsJobAndStaysFailedUntilARetry() throws Exception {
    h.startOperator();
    Pipeline p = PipelineOperatorIT.failOnInvalidData(h, "broken");
    StageStatus check = PipelineOperatorIT.stage(p, "check");
    Job job = job(check.getKey());
    assertEquals(job.getMetadata().getName(), check.getJob());
    assertEquals(job.getMetadata().getUid(), check.getJobUid());
    int jobs = h.cluster.created.size();

    // The TTL controller deletes the failed Job: the pipeline stays Failed, nothing is recreated.
    h.client.batch().v1().jobs().inNamespace(h.namespace).resource(job).delete();
    Thread.sleep(3 * RECHECK.toMillis());
    p = h.get("broken");
    assertEquals("Failed", p.getStatus().getPhase());
    assertEquals(jobs, h.cluster.created.size(), "no Job recreated after the failed one went");
    assertEquals(check.getJobUid(), PipelineOperatorIT.stage(p, "check").getJobUid());

    // A retry runs the stage again, in a new Job (which fails again: the data is still bad).
    retry("broken", "after-fix");
    p = awaitRetried("broken", "after-fix", "Failed");
    assertEquals(jobs + 1, h.cluster.created.size());
    assertNotEquals(check.getJobUid(), PipelineOperatorIT.stage(p, "check").getJobUid());
  }

  @Test
  void onlyAllowedStoresAreOpened() throws Exception {
    h.configure(RECHECK, List.of("s3://" + OperatorHarness.BUCKET + "/shared"));
    h.startOperator();
    for (String store : List.of("s3://elsewhere/x", "s3://reprise/shared-not", "s3://reprise")) {
      String name = "refused-" + Math.abs(store.hashCode());
      h.apply(withStore(name, store));
      Pipeline p = h.await(name, "Invalid", WAIT);
      assertTrue(p.getStatus().getMessage().contains("allowedStores"), p.getStatus().getMessage());
    }
    assertTrue(h.cluster.created.isEmpty(), "no Job for a refused store");
    h.apply(withStore("allowed", "s3://reprise/shared/lab-a"));
    h.await("allowed", "Succeeded", WAIT);
  }

  @Test
  void pipelinesOwnTheJobsTheyNeedAndAJobNobodyNeedsIsCancelled() throws Exception {
    h.cluster.cannotPull("registry.example/never:1");
    h.startOperator();
    Pipeline a = h.apply(waiting("a", "registry.example/never:1"));
    Pipeline b = h.apply(waiting("b", "registry.example/never:1"));
    String shared = awaitKey("a");
    assertEquals(shared, awaitKey("b"), "one key, one Job");
    awaitOwners(shared, Set.of(a.getMetadata().getUid(), b.getMetadata().getUid()));

    // The stuck pod is reported: a condition and an event name the stage, the pod and why.
    Pipeline stuck =
        h.awaitThat(
            "a",
            p -> PipelineProgress.condition(p.getStatus(), PipelineProgress.STUCK) != null,
            WAIT,
            "a Stuck condition");
    PipelineCondition c = PipelineProgress.condition(stuck.getStatus(), PipelineProgress.STUCK);
    assertEquals("True", c.getStatus());
    assertTrue(c.getMessage().contains("stage 'work'"), c.getMessage());
    assertTrue(c.getMessage().contains("pod reprise-"), c.getMessage());
    assertTrue(c.getMessage().contains("ImagePullBackOff"), c.getMessage());
    assertTrue(
        h.events("a").stream().anyMatch(e -> "StageStuck".equals(e.getReason())),
        "a StageStuck event");

    // a's spec changes: it lets go of the shared Job, which b still needs.
    h.cluster.cannotPull("registry.example/never:2");
    h.apply(waiting("a", "registry.example/never:2"));
    awaitOwners(shared, Set.of(b.getMetadata().getUid()));
    String aNew =
        h.awaitThat(
                "a",
                p ->
                    p.getStatus() != null
                        && !p.getStatus().getStages().isEmpty()
                        && p.getStatus().getStages().get(0).getKey() != null
                        && !shared.equals(p.getStatus().getStages().get(0).getKey()),
                WAIT,
                "a new key")
            .getStatus()
            .getStages()
            .get(0)
            .getKey();
    awaitOwners(aNew, Set.of(a.getMetadata().getUid()));

    // b's spec changes too: nobody needs the shared Job any more, so it is cancelled.
    h.apply(waiting("b", "registry.example/never:2"));
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (jobOrNull(shared) != null && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertNull(jobOrNull(shared), "the Job nobody needs was deleted");
    awaitOwners(aNew, Set.of(a.getMetadata().getUid(), b.getMetadata().getUid()));
  }

  @Test
  void aJobTheApiRefusesAndEventsItRefusesLandOnThePipeline() throws Exception {
    h.usage.refuse(
        "POST",
        "/api/v1/namespaces/" + h.namespace + "/events",
        403,
        "events is forbidden: the test refuses events");
    h.usage.refuse(
        "POST",
        "/apis/batch/v1/namespaces/" + h.namespace + "/jobs",
        403,
        "jobs \"x\" is forbidden: exceeded quota: compute, requested: limits.cpu=1");
    h.startOperator();
    h.apply(PipelineOperatorIT.doc("quota", "{}"));
    Pipeline p =
        h.awaitThat(
            "quota",
            x -> {
              PipelineCondition ready = PipelineProgress.condition(x.getStatus(), "Ready");
              return ready != null
                  && PipelineReconciler.RECONCILE_ERROR.equals(ready.getReason())
                  && ready.getMessage().contains("exceeded quota");
            },
            WAIT,
            "Ready=False with the quota's message");
    assertNotNull(p.getStatus());
    h.usage.refuse("POST", "/apis/batch/v1/namespaces/" + h.namespace + "/jobs", 0, null);
    h.await("quota", "Succeeded", WAIT);
  }

  @Test
  void aJobThatCannotCreatePodsIsReported() throws Exception {
    h.cluster.refusePods(
        "registry.example/limited:1",
        "pods \"x\" is forbidden: failed quota: compute: must specify limits.cpu");
    h.startOperator();
    h.apply(waiting("limited", "registry.example/limited:1"));
    Pipeline p =
        h.awaitThat(
            "limited",
            x -> {
              PipelineCondition c = PipelineProgress.condition(x.getStatus(), "Stuck");
              return c != null && c.getMessage().contains("must specify limits.cpu");
            },
            WAIT,
            "a Stuck condition with the Job controller's FailedCreate");
    assertTrue(
        PipelineOperatorIT.stage(p, "work").getMessage().contains("cannot create pods"),
        PipelineOperatorIT.stage(p, "work").getMessage());
  }

  /**
   * The same key in two namespaces: two Jobs (Jobs are namespaced), but each unit is computed once,
   * under the store's lease for it; the other pod waits and finds it committed.
   */
  @Test
  void oneKeyInTwoNamespacesIsComputedOnce() throws Exception {
    String other = h.namespace + "-b";
    var secret = h.client.secrets().inNamespace(h.namespace).withName(OperatorHarness.SECRET).get();
    secret.getMetadata().setNamespace(other);
    secret.getMetadata().setResourceVersion(null);
    secret.getMetadata().setUid(null);
    h.client.secrets().inNamespace(other).resource(secret).create();
    h.startOperator();
    String doc =
        PipelineOperatorIT.doc("twice", "{}")
            .replace("slices: 3}", "slices: 2, params: {sleepMillis: 1500, factor: 5}}");
    int source = dev.reprise.core.method.TestingMethods.calls("test.source");
    int scale = dev.reprise.core.method.TestingMethods.calls("test.scale");
    h.apply(doc);
    Pipeline there = h.client.getKubernetesSerialization().unmarshal(doc, Pipeline.class);
    h.client.resources(Pipeline.class).inNamespace(other).resource(there).create();
    h.await("twice", "Succeeded", WAIT);
    long deadline = System.nanoTime() + WAIT.toNanos();
    Pipeline p2 = null;
    while (System.nanoTime() < deadline) {
      p2 = h.client.resources(Pipeline.class).inNamespace(other).withName("twice").get();
      if (p2.getStatus() != null && "Succeeded".equals(p2.getStatus().getPhase())) {
        break;
      }
      Thread.sleep(20);
    }
    assertEquals("Succeeded", p2.getStatus().getPhase());
    assertEquals(
        1, dev.reprise.core.method.TestingMethods.calls("test.source") - source, "one synthesis");
    assertEquals(
        3,
        dev.reprise.core.method.TestingMethods.calls("test.scale") - scale,
        "two slices and one synthesis, each once");
  }

  /**
   * Two operators, one Lease: only its holder reconciles; when it stops, the other takes over. (On
   * today's code both would reconcile every pipeline.)
   */
  @Test
  void onlyTheLeaderReconcilesAndAStandbyTakesOver() throws Exception {
    var firstMetrics =
        new io.micrometer.prometheus.PrometheusMeterRegistry(
            io.micrometer.prometheus.PrometheusConfig.DEFAULT);
    var secondMetrics =
        new io.micrometer.prometheus.PrometheusMeterRegistry(
            io.micrometer.prometheus.PrometheusConfig.DEFAULT);
    PipelineOperator first =
        PipelineOperator.start(
            h.client,
            h.settings,
            dev.reprise.core.method.MethodRegistry.discover(),
            firstMetrics,
            java.util.function.UnaryOperator.identity(),
            lease("first"));
    awaitHolder("first");
    PipelineOperator second =
        PipelineOperator.start(
            h.client,
            h.settings,
            dev.reprise.core.method.MethodRegistry.discover(),
            secondMetrics,
            java.util.function.UnaryOperator.identity(),
            lease("second"));
    try {
      h.apply(PipelineOperatorIT.doc("led", "{}"));
      h.await("led", "Succeeded", WAIT);
      assertTrue(reconciles(firstMetrics) > 0, "the leader reconciled");
      assertEquals(0, reconciles(secondMetrics), "the standby did not");

      first.close();
      awaitHolder("second");
      h.apply(PipelineOperatorIT.doc("after", "{offset: 1}"));
      h.await("after", "Succeeded", WAIT);
      assertTrue(reconciles(secondMetrics) > 0, "the new leader reconciles");
    } finally {
      second.close();
    }
  }

  private io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration lease(String who) {
    return new io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration(
        "reprise-operator",
        h.namespace,
        Duration.ofSeconds(4),
        Duration.ofSeconds(3),
        Duration.ofMillis(500),
        who,
        null,
        false);
  }

  private void awaitHolder(String who) {
    assertEquals(who, awaitLeaseHolder(h.client, h.namespace, who, WAIT), "the Lease's holder");
  }

  /**
   * Waits until the holder of the Lease {@code reprise-operator} in {@code namespace} starts with
   * {@code who}; returns the holder last seen (empty for none).
   */
  static String awaitLeaseHolder(
      io.fabric8.kubernetes.client.KubernetesClient client,
      String namespace,
      String who,
      Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String holder = "";
    while (System.nanoTime() < deadline) {
      var lease = client.leases().inNamespace(namespace).withName("reprise-operator").get();
      holder =
          lease == null || lease.getSpec().getHolderIdentity() == null
              ? ""
              : lease.getSpec().getHolderIdentity();
      if (holder.startsWith(who)) {
        return holder;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return holder;
  }

  private static long reconciles(io.micrometer.core.instrument.MeterRegistry r) {
    var t = r.find("reprise.reconcile").timer();
    return t == null ? 0 : t.count();
  }

  private void retry(String name, String value) {
    h.client
        .resources(Pipeline.class)
        .inNamespace(h.namespace)
        .withName(name)
        .edit(
            p -> {
              Map<String, String> a =
                  p.getMetadata().getAnnotations() == null
                      ? new java.util.HashMap<>()
                      : new java.util.HashMap<>(p.getMetadata().getAnnotations());
              a.put(PipelineReconciler.RETRY_ANNOTATION, value);
              p.getMetadata().setAnnotations(a);
              return p;
            });
  }

  private Pipeline awaitRetried(String name, String value, String phase) throws Exception {
    return h.awaitThat(
        name,
        p ->
            p.getStatus() != null
                && value.equals(p.getStatus().getRetry())
                && phase.equals(p.getStatus().getPhase()),
        WAIT,
        "retry " + value + " answered with " + phase);
  }

  private String awaitKey(String name) throws Exception {
    return h.awaitThat(
            name,
            p ->
                p.getStatus() != null
                    && !p.getStatus().getStages().isEmpty()
                    && p.getStatus().getStages().get(0).getKey() != null,
            WAIT,
            "a key")
        .getStatus()
        .getStages()
        .get(0)
        .getKey();
  }

  private void awaitOwners(String key, Set<String> uids) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Set<String> owners = null;
    while (System.nanoTime() < deadline) {
      Job j = jobOrNull(key);
      owners =
          j == null || j.getMetadata().getOwnerReferences() == null
              ? Set.of()
              : j.getMetadata().getOwnerReferences().stream()
                  .map(OwnerReference::getUid)
                  .collect(Collectors.toSet());
      if (owners.equals(uids)) {
        return;
      }
      Thread.sleep(20);
    }
    assertEquals(uids, owners, "owners of the Job of " + key);
  }

  private Job job(String key) {
    Job j = jobOrNull(key);
    assertNotNull(j, "a Job for " + key);
    return j;
  }

  private Job jobOrNull(String key) {
    return h.client.batch().v1().jobs().inNamespace(h.namespace).list().getItems().stream()
        .filter(j -> key.equals(StageJobs.keyOf(j)))
        .findFirst()
        .orElse(null);
  }

  static String withStore(String name, String store) {
    return PipelineOperatorIT.doc(name, "{}")
        .replace("  parallelism: 2\n", "  parallelism: 2\n  store: " + store + "\n");
  }

  /** A one-stage pipeline whose command waits on an image: its Job never finishes by itself. */
  static String waiting(String name, String image) {
    return """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: NAME}
        spec:
          stages:
            - name: work
              image: IMAGE
              command: [sh, -c, 'true']
        """
        .replace("NAME", name)
        .replace("IMAGE", image);
  }
}

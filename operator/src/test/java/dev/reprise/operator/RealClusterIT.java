package dev.reprise.operator;

import static dev.reprise.operator.PipelineOperatorIT.failing;
import static dev.reprise.operator.PipelineOperatorIT.stage;
import static dev.reprise.operator.PipelineOperatorIT.states;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.method.Phase;
import dev.reprise.operator.crd.Pipeline;
import dev.reprise.operator.crd.StageStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Reprise on a real Kubernetes control plane ({@link TestingControlPlane}): the chart installed by
 * Helm, the CRD's schema enforced by the API server, the operator holding only the chart's RBAC,
 * and the real Job controller counting, retrying and applying the pod failure policy, the TTL
 * controller deleting finished Jobs, and a node's eviction ending pods.
 */
@Tag(TestingControlPlane.TAG)
class RealClusterIT {
  static final Duration WAIT = Duration.ofMinutes(3);
  static final String OPERATOR_ACCOUNT =
      "system:serviceaccount:" + TestingControlPlane.OPERATOR_NAMESPACE + ":reprise-operator";

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
  void helmInstallsTheChartAndTheOperatorHasExactlyTheChartsRbac() {
    String status = cluster.helm("status", "reprise", "-n", "reprise", "-o", "json");
    assertTrue(status.contains("\"status\":\"deployed\""), status);

    CustomResourceDefinition crd =
        cluster
            .client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName("pipelines.reprise.dev")
            .get();
    assertTrue(
        crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())),
        "the real API server established the chart's CRD");

    // The API server's own RBAC decisions for the token the operator runs with.
    assertTrue(allowed("create", "batch", "jobs", ns), "creates Jobs");
    assertTrue(allowed("patch", "reprise.dev", "pipelines/status", ns), "writes status");
    assertTrue(allowed("create", "", "events", ns), "records events");
    assertTrue(!allowed("create", "", "pods", ns), "creates no pods itself");
    assertTrue(!allowed("get", "", "secrets", ns), "reads no Secrets");
    assertTrue(allowed("delete", "batch", "jobs", ns), "deletes Jobs (a retry, a cancellation)");
    assertTrue(allowed("patch", "batch", "jobs", ns), "sets the owners of Jobs");
    assertTrue(!allowed("update", "batch", "jobs", ns), "never replaces a Job");
    String lease = "reprise-operator";
    assertTrue(
        allowed(
            "update",
            "coordination.k8s.io",
            "leases",
            TestingControlPlane.OPERATOR_NAMESPACE,
            lease),
        "renews its Lease in the release namespace");
    assertTrue(
        !allowed(
            "update",
            "coordination.k8s.io",
            "leases",
            TestingControlPlane.OPERATOR_NAMESPACE,
            "other"),
        "and no other Lease");
    assertTrue(!allowed("update", "coordination.k8s.io", "leases", ns, lease), "nor elsewhere");
  }

  private boolean allowed(String verb, String group, String resource, String namespace) {
    return allowed(verb, group, resource, namespace, null);
  }

  private boolean allowed(
      String verb, String group, String resource, String namespace, String name) {
    String[] parts = resource.split("/", 2);
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(OPERATOR_ACCOUNT)
            .withGroups("system:serviceaccounts", "system:authenticated")
            .withNewResourceAttributes()
            .withVerb(verb)
            .withGroup(group)
            .withResource(parts[0])
            .withSubresource(parts.length > 1 ? parts[1] : null)
            .withNamespace(namespace)
            .withName(name)
            .endResourceAttributes()
            .endSpec()
            .build();
    return cluster
        .client
        .authorization()
        .v1()
        .subjectAccessReview()
        .create(review)
        .getStatus()
        .getAllowed();
  }

  @Test
  void theApiServerRejectsMalformedPipelinesNamingTheField() {
    String good =
        """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: NAME}
        spec:
          parallelism: PARALLELISM
          stages:
            - {name: STAGE, method: test.source, slices: SLICES}
        """;
    assertRejected(
        good.replace("PARALLELISM", "2").replace("STAGE", "Numbers").replace("SLICES", "1"),
        "spec.stages[0].name");
    assertRejected(
        good.replace("PARALLELISM", "2").replace("STAGE", "numbers").replace("SLICES", "0"),
        "spec.stages[0].slices");
    assertRejected(
        good.replace("PARALLELISM", "many").replace("STAGE", "numbers").replace("SLICES", "1"),
        "spec.parallelism");
    assertRejected(
        """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: NAME}
        spec: {stages: []}
        """,
        "spec.stages");
    // And the same document, well formed, is accepted.
    cluster
        .client
        .resource(
            cluster
                .client
                .getKubernetesSerialization()
                .unmarshal(
                    good.replace("NAME", "fine")
                        .replace("PARALLELISM", "2")
                        .replace("STAGE", "numbers")
                        .replace("SLICES", "1"),
                    GenericKubernetesResource.class))
        .inNamespace(ns)
        .create();
  }

  private void assertRejected(String yaml, String field) {
    GenericKubernetesResource doc =
        cluster
            .client
            .getKubernetesSerialization()
            .unmarshal(yaml.replace("NAME", "malformed"), GenericKubernetesResource.class);
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () -> cluster.client.resource(doc).inNamespace(ns).create(),
            "accepted: " + yaml);
    assertEquals(422, e.getCode(), e.getMessage());
    assertTrue(e.getMessage().contains(field), field + " in: " + e.getMessage());
  }

  @Test
  void theExamplePipelineSucceedsAndAppliedAgainReusesEveryStageWithoutAJob() throws Exception {
    // The README's example with fewer subjects and slices, to keep the suite's time down.
    String example = Files.readString(Path.of("../k8s/examples/eeg-decoding.yaml"));
    String smaller =
        example
            .replace("subjects: 12, trialsPerClass: 60", "subjects: 4, trialsPerClass: 30")
            .replace("slices: 24", "slices: 4");
    assertTrue(!smaller.equals(example) && smaller.contains("slices: 4"), "the example changed");
    Path file = Path.of("target/eeg-decoding-e2e.yaml").toAbsolutePath();
    Files.writeString(file, smaller);

    cluster.kubectl("apply", "-n", ns, "-f", file.toString());
    Pipeline p = cluster.await(ns, "eeg-decoding", "Succeeded", WAIT);
    assertEquals(
        List.of("Succeeded", "Succeeded", "Succeeded", "Succeeded", "Succeeded"), states(p));
    assertEquals(4, stage(p, "decode").getSlicesDone());
    String summary = output(stage(p, "report").getKey(), "summary.json");
    assertTrue(summary.contains("cluster"), summary);
    List<String> jobs = List.copyOf(ledger.jobs.keySet());
    // epochs, clean and decode: analysis and synthesis; stats and report: synthesis.
    assertTrue(jobs.size() >= 5, "Jobs created: " + jobs);

    cluster.kubectl("delete", "-n", ns, "-f", file.toString(), "--wait=true");
    cluster.kubectl("apply", "-n", ns, "-f", file.toString());
    Pipeline again = cluster.await(ns, "eeg-decoding", "Succeeded", WAIT);
    assertEquals(List.of("Reused", "Reused", "Reused", "Reused", "Reused"), states(again));
    assertEquals(5, again.getStatus().getReused());
    String columns = cluster.kubectl("get", "pipelines", "-n", ns);
    assertTrue(columns.matches("(?s).*eeg-decoding\\s+Succeeded\\s+5/5\\s+5\\s.*"), columns);
    assertEquals(jobs, List.copyOf(ledger.jobs.keySet()), "no Job for the second apply");
    assertEquals(List.of(), ledger.createdTwice());
  }

  @Test
  void exitCode2FailsTheStageAtOnceAndTheJobControllerDoesNotRetryIt() {
    cluster.apply(ns, failing("bad-data", "invalid"));
    Pipeline p = cluster.await(ns, "bad-data", "Failed", WAIT);
    StageStatus check = stage(p, "check");
    assertTrue(check.getMessage().contains("value NaN is not finite"), check.getMessage());
    assertTrue(check.getMessage().contains("exited with code 2"), check.getMessage());

    String job = StageJobs.name(check.getKey(), Phase.SYNTHESIS);
    List<Pod> pods = ledger.podsOf(job, null);
    assertEquals(1, pods.size(), "one pod, not retried: " + names(pods));
    assertEquals(2, exitCode(pods.get(0)));
    assertEquals("PodFailurePolicy", failedReason(job));
  }

  @Test
  void exitCode1IsRetriedByTheJobControllerAndThenFailsTheStage() {
    cluster.apply(ns, failing("buggy", "bug"));
    Pipeline p = cluster.await(ns, "buggy", "Failed", WAIT);
    StageStatus check = stage(p, "check");
    assertTrue(check.getMessage().contains("division by zero"), check.getMessage());

    String job = StageJobs.name(check.getKey(), Phase.SYNTHESIS);
    List<Pod> pods = ledger.podsOf(job, null);
    // The chart's worker.retriesPerSlice is 1 on this cluster: the first pod and one retry.
    assertEquals(2, pods.size(), "retried once: " + names(pods));
    for (Pod pod : pods) {
      assertEquals(1, exitCode(pod));
    }
    assertEquals("BackoffLimitExceeded", failedReason(job));
  }

  @Test
  void aPodEvictedFromItsNodeIsReplacedWithoutCountingAgainstTheRetries() {
    cluster.apply(
        ns,
        fresh(PipelineOperatorIT.doc("drained", "{}"))
            .replace("slices: 3}", "slices: 2, params: {sleepMillis: 6000}}"));
    // Index 0's pod is evicted twice, more often than its one retry would allow for failures.
    for (int eviction = 1; eviction <= 2; eviction++) {
      int before = eviction - 1;
      Pod running = awaitRunningPod("analysis", 0, before);
      assertTrue(
          cluster.client.pods().inNamespace(ns).withName(running.getMetadata().getName()).evict(),
          "evicted " + running.getMetadata().getName());
    }
    Pipeline p = cluster.await(ns, "drained", "Succeeded", WAIT);
    assertEquals(List.of("Succeeded", "Succeeded", "Succeeded"), states(p));
    String job = StageJobs.name(stage(p, "scaled").getKey(), Phase.ANALYSIS);
    List<Pod> evicted = ledger.podsOf(job, 0).stream().filter(RealClusterIT::disrupted).toList();
    assertEquals(2, evicted.size(), "two pods of index 0 ended by eviction: " + names(evicted));
    for (Pod pod : evicted) {
      assertEquals("Failed", pod.getStatus().getPhase(), pod.getMetadata().getName());
    }
  }

  @Test
  void aPodAskingForMoreThanTheNodeHasStaysPendingAsUnschedulable() {
    cluster.apply(
        ns,
        fresh(PipelineOperatorIT.doc("too-big", "{}"))
            .replace("slices: 3}", "slices: 3, resources: {cpu: \"3\"}}"));
    // The node has 2 CPUs: the scaled stage's pods cannot be placed, and say why, as
    // kube-scheduler would.
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<PodCondition> scheduled = List.of();
    while (scheduled.isEmpty() && System.nanoTime() < deadline) {
      scheduled =
          ledger.pods.values().stream()
              .filter(
                  p -> "analysis".equals(p.getMetadata().getLabels().get(StageJobs.PHASE_LABEL)))
              .flatMap(p -> p.getStatus().getConditions().stream())
              .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
              .toList();
      if (scheduled.isEmpty()) {
        pause();
      }
    }
    assertTrue(!scheduled.isEmpty(), "an analysis pod marked unschedulable: " + ledger.pods);
    assertEquals("Unschedulable", scheduled.get(0).getReason());
    assertTrue(
        scheduled.get(0).getMessage().startsWith("0/1 nodes are available: 1 Insufficient cpu."),
        scheduled.get(0).getMessage());
    Pipeline p =
        cluster.await(
            ns,
            "too-big",
            x -> PipelineProgress.condition(x.getStatus(), PipelineProgress.STUCK) != null,
            WAIT,
            "a Stuck condition");
    assertEquals("Running", stage(p, "scaled").getState());
    String stuck = PipelineProgress.condition(p.getStatus(), PipelineProgress.STUCK).getMessage();
    assertTrue(
        stuck.contains("stage 'scaled': pod reprise-") && stuck.contains("Insufficient cpu"),
        stuck);
    assertTrue(
        ledger.pods.values().stream()
            .filter(q -> "analysis".equals(q.getMetadata().getLabels().get(StageJobs.PHASE_LABEL)))
            .allMatch(q -> q.getSpec().getNodeName() == null),
        "no analysis pod bound to the node");
  }

  private static void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The document with its first stage's numbers starting at a number of their own: the store is
   * shared by the whole cluster, and this pipeline's stages must run, not be reused.
   */
  static String fresh(String doc) {
    long start = 1000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(1_000_000);
    String changed =
        doc.replace("method: test.source}", "method: test.source, params: {start: " + start + "}}");
    assertTrue(!changed.equals(doc), "the document has a test.source stage: " + doc);
    return changed;
  }

  /** Waits for a pod of the pipeline's {@code phase} Job and index whose container runs. */
  private Pod awaitRunningPod(String phase, int index, int skip) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      List<Pod> running =
          ledger.pods.values().stream()
              .filter(
                  p ->
                      phase.equals(p.getMetadata().getLabels().get(StageJobs.PHASE_LABEL))
                          && String.valueOf(index)
                              .equals(
                                  p.getMetadata()
                                      .getLabels()
                                      .get("batch.kubernetes.io/job-completion-index")))
              .filter(p -> !disrupted(p) && p.getMetadata().getDeletionTimestamp() == null)
              .filter(
                  p ->
                      p.getStatus().getContainerStatuses() != null
                          && p.getStatus().getContainerStatuses().stream()
                              .anyMatch(c -> c.getState().getRunning() != null))
              .toList();
      long ended = ledger.pods.values().stream().filter(RealClusterIT::disrupted).count();
      if (!running.isEmpty() && ended >= skip) {
        return running.get(0);
      }
      pause();
    }
    throw new AssertionError("no running pod of " + phase + " index " + index + " in " + WAIT);
  }

  static boolean disrupted(Pod p) {
    List<PodCondition> conditions = p.getStatus().getConditions();
    return conditions != null
        && conditions.stream()
            .anyMatch(c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  @Test
  void aFailedPipelinesJobDeletedByTheTtlControllerIsNotCreatedAgain() throws Exception {
    cluster.apply(ns, failing("stays-failed", "invalid"));
    Pipeline p = cluster.await(ns, "stays-failed", "Failed", WAIT);
    String job = StageJobs.name(stage(p, "check").getKey(), Phase.SYNTHESIS);
    // The chart's worker.jobTtlSeconds is 20 on this cluster.
    assertNull(
        cluster.awaitJob(ns, job, j -> j == null, Duration.ofSeconds(90), "deleted by its TTL"));
    // The operator re-checks every pipeline every 10 s here (operator.recheckSeconds): give it two
    // re-checks and the Job deletion's own event to create the Job again, then look.
    TimeUnit.SECONDS.sleep(22);
    assertEquals(List.of(), ledger.createdTwice(), "a Job created again after its TTL");
    assertNull(cluster.client.batch().v1().jobs().inNamespace(ns).withName(job).get());
    assertEquals(
        "Failed",
        cluster
            .client
            .resources(Pipeline.class)
            .inNamespace(ns)
            .withName("stays-failed")
            .get()
            .getStatus()
            .getPhase());

    // A retry asked with kubectl, as `reprise retry` does: the stage runs again in a new Job (and
    // fails again: the data is still bad).
    cluster.kubectl(
        "annotate", "pipelines.reprise.dev", "stays-failed", "-n", ns, "reprise.dev/retry=1");
    Pipeline retried =
        cluster.await(
            ns,
            "stays-failed",
            x ->
                x.getStatus() != null
                    && "1".equals(x.getStatus().getRetry())
                    && "Failed".equals(x.getStatus().getPhase()),
            WAIT,
            "the retry answered, Failed again");
    assertTrue(
        !stage(p, "check").getJobUid().equals(stage(retried, "check").getJobUid()), "a new Job");
  }

  /**
   * Deleting a running Pipeline cancels what only it needed: the garbage collector deletes its
   * Jobs, which the Pipeline owns, and their pods.
   */
  @Test
  void deletingARunningPipelineDeletesTheJobsOnlyItNeeded() throws Exception {
    cluster.apply(
        ns,
        fresh(PipelineOperatorIT.doc("cancelled", "{}"))
            .replace("slices: 3}", "slices: 1, params: {sleepMillis: 60000}}"));
    Pod running = awaitRunningPod("analysis", 0, 0);
    String job = running.getMetadata().getLabels().get("batch.kubernetes.io/job-name");
    Job j = cluster.client.batch().v1().jobs().inNamespace(ns).withName(job).get();
    assertEquals(
        List.of("Pipeline/cancelled"),
        j.getMetadata().getOwnerReferences().stream()
            .map(o -> o.getKind() + "/" + o.getName())
            .toList());
    cluster.kubectl("delete", "pipeline", "cancelled", "-n", ns, "--wait=true");
    assertNull(
        cluster.awaitJob(ns, job, x -> x == null, Duration.ofSeconds(90), "garbage-collected"));
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (cluster.client.pods().inNamespace(ns).withName(running.getMetadata().getName()).get()
            != null
        && System.nanoTime() < deadline) {
      pause();
    }
    assertNull(
        cluster.client.pods().inNamespace(ns).withName(running.getMetadata().getName()).get(),
        "the Job's pod went with it");
  }

  /** A stage's timeout is its Jobs' deadline: past it the Job controller stops the pods. */
  @Test
  void aStageThatOutlivesItsTimeoutFailsWithDeadlineExceeded() {
    cluster.apply(
        ns,
        fresh(PipelineOperatorIT.doc("too-slow", "{}"))
            .replace("slices: 3}", "slices: 1, timeout: 5s, params: {sleepMillis: 60000}}"));
    Pipeline p = cluster.await(ns, "too-slow", "Failed", WAIT);
    StageStatus scaled = stage(p, "scaled");
    assertTrue(scaled.getMessage().contains("DeadlineExceeded"), scaled.getMessage());
    assertNotNull(scaled.getJobUid());
    Job job = cluster.client.batch().v1().jobs().inNamespace(ns).withName(scaled.getJob()).get();
    assertEquals(5L, job.getSpec().getActiveDeadlineSeconds());
  }

  private String failedReason(String job) {
    Job j = cluster.client.batch().v1().jobs().inNamespace(ns).withName(job).get();
    assertNotNull(j, "Job " + job + " (finished Jobs live 20 s here)");
    return j.getStatus().getConditions().stream()
        .filter(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()))
        .map(JobCondition::getReason)
        .findFirst()
        .orElse(null);
  }

  static int exitCode(Pod pod) {
    return pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode();
  }

  static List<String> names(List<Pod> pods) {
    return pods.stream()
        .map(p -> p.getMetadata().getName() + " " + p.getStatus().getPhase())
        .toList();
  }

  private String output(String key, String file) throws Exception {
    return cluster.output(key, file);
  }
}

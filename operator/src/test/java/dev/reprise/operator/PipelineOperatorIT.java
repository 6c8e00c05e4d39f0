package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.operator.crd.Pipeline;
import dev.reprise.operator.crd.StageStatus;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator end to end: Pipelines applied to a mock API server, Jobs run by {@link
 * TestingCluster}.
 */
class PipelineOperatorIT {
  static final Duration WAIT = Duration.ofSeconds(60);

  OperatorHarness h;

  @BeforeEach
  void start() throws Exception {
    h = new OperatorHarness(4);
    // One test names a store in a bucket of its own, allowed as the chart's allowedStores would.
    h.configure(h.settings.recheck(), List.of("s3://not-made-yet-" + h.namespace));
    h.startOperator();
  }

  @AfterEach
  void stop() throws Exception {
    h.close();
  }

  static String doc(String name, String totalParams) {
    return """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: NAME}
        spec:
          parallelism: 2
          stages:
            - {name: numbers, method: test.source}
            - {name: scaled, method: test.scale, inputs: {in: numbers}, slices: 3}
            - {name: total, method: test.sum, inputs: {in: scaled}, params: PARAMS}
        """
        .replace("NAME", name)
        .replace("PARAMS", totalParams);
  }

  /**
   * Applies a pipeline whose second stage's pod exits with code 2 and waits until it has failed
   * with the pod's exit code in the stage's message (read from the failed pod).
   */
  static Pipeline failOnInvalidData(OperatorHarness h, String name) throws InterruptedException {
    h.apply(failing(name, "invalid"));
    Pipeline p = h.await(name, "Failed", WAIT);
    assertTrue(
        stage(p, "check").getMessage().contains("exited with code 2"),
        "the failed pod's detail was read: " + stage(p, "check").getMessage());
    return p;
  }

  /**
   * A pipeline whose second stage fails: {@code how} is "invalid" (the worker exits with 2, the
   * user's mistake) or "bug" (exit 1, a passing fault).
   */
  static String failing(String name, String how) {
    return """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: NAME}
        spec:
          stages:
            - {name: numbers, method: test.source}
            - {name: check, method: test.fail, inputs: {in: numbers}, params: {how: HOW}}
        """
        .replace("NAME", name)
        .replace("HOW", how);
  }

  static StageStatus stage(Pipeline p, String name) {
    return p.getStatus().getStages().stream()
        .filter(s -> s.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  static List<String> states(Pipeline p) {
    return p.getStatus().getStages().stream().map(StageStatus::getState).toList();
  }

  @Test
  void anAppliedPipelineSucceedsWithItsOutputsCommittedInS3() throws Exception {
    h.apply(doc("sums", "{}"));
    Pipeline p = h.await("sums", "Succeeded", WAIT);
    assertEquals(List.of("Succeeded", "Succeeded", "Succeeded"), states(p));
    assertEquals("3/3", p.getStatus().getProgress());
    assertEquals(3, p.getStatus().getRan());
    assertEquals(0, p.getStatus().getReused());
    assertEquals(3, stage(p, "scaled").getSlicesDone());
    assertEquals(Optional.of("110\n"), h.output(stage(p, "total").getKey(), "sum.txt"));
    // numbers: synthesis; scaled: analysis (Indexed, 3 pods) + synthesis; total: synthesis
    assertEquals(4, h.cluster.created.size(), h.cluster.created.toString());
    assertEquals(6, h.cluster.podRuns.size());
    assertEquals(
        "True",
        p.getStatus().getConditions().stream()
            .filter(c -> c.getType().equals("Ready"))
            .findFirst()
            .orElseThrow()
            .getStatus());
    assertTrue(
        h.events("sums").stream().anyMatch(e -> "Succeeded".equals(e.getReason())),
        "a Succeeded event");
    assertEquals(3.0, h.registry.get("reprise.stages.ran").counter().count());
    assertEquals(
        1.0, h.registry.get("reprise.pipelines").tag("phase", "Succeeded").gauge().value());

    // The Prometheus text the registry gives Quarkus' /q/metrics (QuarkusOperatorIT scrapes it).
    String metrics = h.registry.scrape();
    assertTrue(metrics.contains("reprise_stages_ran_total 3.0"), metrics);
    assertTrue(
        Pattern.compile("(?m)^reprise_pipelines\\{phase=\"Succeeded\",?} 1\\.0$")
            .matcher(metrics)
            .find(),
        metrics);
    assertTrue(metrics.contains("reprise_reconcile_seconds_count"), metrics);
    assertTrue(metrics.contains("reprise_reuse_saved_seconds_total"), metrics);
  }

  @Test
  void theSamePipelineUnderAnotherNameReusesEveryStageAndCreatesNoJob() throws Exception {
    h.apply(doc("first", "{}"));
    h.await("first", "Succeeded", WAIT);
    int jobs = h.cluster.created.size();

    h.apply(doc("second", "{}"));
    Pipeline p = h.await("second", "Succeeded", WAIT);
    assertEquals(List.of("Reused", "Reused", "Reused"), states(p));
    assertEquals(3, p.getStatus().getReused());
    assertEquals(jobs, h.cluster.created.size(), "no new Job");
    assertTrue(p.getStatus().getSavedSeconds() >= 0);
    assertEquals(3.0, h.registry.get("reprise.stages.reused").counter().count());
  }

  @Test
  void changingTheLastStageRunsExactlyThatStagesJobs() throws Exception {
    h.apply(doc("sums", "{}"));
    Pipeline before = h.await("sums", "Succeeded", WAIT);
    List<String> jobsBefore = List.copyOf(h.cluster.created);

    h.apply(doc("sums", "{offset: 5}"));
    Pipeline after = h.await("sums", "Succeeded", WAIT);
    assertEquals(2L, after.getStatus().getObservedGeneration());
    assertEquals(List.of("Reused", "Reused", "Succeeded"), states(after));
    List<String> newJobs = h.cluster.created.subList(jobsBefore.size(), h.cluster.created.size());
    assertEquals(
        List.of(
            StageJobs.name(
                stage(after, "total").getKey(), dev.reprise.core.method.Phase.SYNTHESIS)),
        newJobs);
    assertTrue(!stage(before, "total").getKey().equals(stage(after, "total").getKey()));
    assertEquals(Optional.of("115\n"), h.output(stage(after, "total").getKey(), "sum.txt"));
  }

  @Test
  void aSpecChangedJustAfterSuccessIsReconciledAtOnceNotByTheRecheck() throws Exception {
    // A spec change landing while the operator writes the previous generation's status had its
    // event dropped (Java Operator SDK 5.3 took it for older than its own write) in about one run
    // in four, and waited for the 30 s re-check. Four pipelines, each change given 10 s.
    for (int i = 1; i <= 4; i++) {
      String name = "sums-" + i;
      h.apply(doc(name, "{offset: " + 10 * i + "}"));
      h.await(name, "Succeeded", WAIT);
      h.apply(doc(name, "{offset: " + (10 * i + 1) + "}"));
      Pipeline p = h.await(name, "Succeeded", Duration.ofSeconds(10));
      assertEquals(
          Optional.of((111 + 10 * i) + "\n"), h.output(stage(p, "total").getKey(), "sum.txt"));
    }
  }

  @Test
  void anInvalidPipelineIsInvalidWithAWarningNamingStageAndFieldAndNoJobs() throws Exception {
    h.apply(doc("broken", "{offest: 5}"));
    Pipeline p = h.await("broken", "Invalid", WAIT);
    assertTrue(
        p.getStatus()
            .getMessage()
            .contains(
                "stage 'total': params.offest: unknown parameter of test.sum (did you mean 'offset'?)"),
        p.getStatus().getMessage());
    List<Event> warnings =
        h.events("broken").stream().filter(e -> "Warning".equals(e.getType())).toList();
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(
        warnings.get(0).getMessage().contains("stage 'total': params.offest"),
        warnings.get(0).getMessage());
    Thread.sleep(300); // nothing may happen later either
    assertEquals(List.of(), h.cluster.created);
    assertEquals(1, h.events("broken").size(), "no retry, no repeated event");
  }

  @Test
  void aPodThatFailsOnceIsRetriedAndThePipelineSucceeds() throws Exception {
    h.cluster.failFirstAttempt("analysis", 1, 1);
    h.apply(doc("flaky", "{}"));
    Pipeline p = h.await("flaky", "Succeeded", WAIT);
    String analysis =
        StageJobs.name(stage(p, "scaled").getKey(), dev.reprise.core.method.Phase.ANALYSIS);
    assertEquals(2, h.cluster.runsOf(analysis, 1), "slice 1 ran twice");
    assertEquals(1, h.cluster.runsOf(analysis, 0));
    assertEquals(Optional.of("110\n"), h.output(stage(p, "total").getKey(), "sum.txt"));
  }

  @Test
  void aStoreThatCannotBeReadIsShownOnThePipelineUntilItCanBe() throws Exception {
    String bucket = "not-made-yet-" + h.namespace;
    String doc =
        doc("elsewhere", "{}").replace("spec:\n", "spec:\n  store: s3://" + bucket + "/results\n");
    h.apply(doc);
    Pipeline p =
        h.awaitThat(
            "elsewhere",
            q -> q.getStatus() != null && PipelineProgress.cannotPlan(q.getStatus()),
            WAIT,
            "a CannotPlan condition");
    assertEquals("Pending", p.getStatus().getPhase());
    assertTrue(p.getStatus().getMessage().contains(bucket), p.getStatus().getMessage());
    assertTrue(
        h.events("elsewhere").stream()
            .anyMatch(
                e ->
                    PipelineProgress.CANNOT_PLAN.equals(e.getReason())
                        && e.getMessage().contains(bucket)),
        "a CannotPlan event naming the bucket");
    assertEquals(0, h.cluster.created.size(), "no Jobs without a store");

    h.s3.createBucket(bucket);
    h.apply(doc.replace("parallelism: 2", "parallelism: 3")); // a change: planned again at once
    p = h.await("elsewhere", "Succeeded", WAIT);
    assertFalse(PipelineProgress.cannotPlan(p.getStatus()), "the condition clears");
  }

  @Test
  void aPodExitingWithInvalidInputFailsTheStageAtOnceWithTheWorkersMessage() throws Exception {
    h.apply(failing("bad-data", "invalid"));
    Pipeline p = h.await("bad-data", "Failed", WAIT);
    StageStatus check = stage(p, "check");
    assertEquals("Failed", check.getState());
    assertTrue(
        check.getMessage().contains("subject s07, trial 3: value NaN is not finite"),
        check.getMessage());
    assertTrue(check.getMessage().contains("exited with code 2"), check.getMessage());
    String job = StageJobs.name(check.getKey(), dev.reprise.core.method.Phase.SYNTHESIS);
    assertEquals(1, h.cluster.runsOf(job, 0), "exit code 2 is not retried");
    assertTrue(
        h.events("bad-data").stream()
            .anyMatch(
                e ->
                    "StageFailed".equals(e.getReason())
                        && e.getMessage().contains("value NaN is not finite")),
        "a StageFailed event with the pod's words");
  }

  @Test
  void twoPipelinesNeedingTheSameKeysAtOnceShareOneSetOfJobs() throws Exception {
    h.apply(doc("left", "{}"));
    h.apply(doc("right", "{}"));
    Pipeline left = h.await("left", "Succeeded", WAIT);
    Pipeline right = h.await("right", "Succeeded", WAIT);
    assertEquals(4, h.cluster.created.size(), h.cluster.created.toString());
    assertEquals(6, h.cluster.podRuns.size());
    assertEquals(stage(left, "total").getKey(), stage(right, "total").getKey());
    assertEquals(Optional.of("110\n"), h.output(stage(right, "total").getKey(), "sum.txt"));
  }
}

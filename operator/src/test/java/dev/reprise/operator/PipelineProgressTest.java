package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.exec.Planner.PlannedStage;
import dev.reprise.core.exec.StageState;
import dev.reprise.core.method.Phase;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.Problem;
import dev.reprise.core.pipeline.Stage;
import dev.reprise.core.store.Manifest;
import dev.reprise.operator.crd.PipelineCondition;
import dev.reprise.operator.crd.PipelineStatus;
import dev.reprise.operator.crd.StageStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PipelineProgressTest {
  static final Instant T1 = Instant.parse("2026-01-01T10:00:00Z");
  static final Instant T2 = Instant.parse("2026-01-01T10:05:00Z");
  static final String K1 = "11".repeat(32);
  static final String K2 = "22".repeat(32);

  final Pipeline pipeline = pipeline();
  final Stage numbers = pipeline.stage("numbers").orElseThrow();
  final Stage scaled = pipeline.stage("scaled").orElseThrow();

  static Pipeline pipeline() {
    try {
      return StageJobsTest.pipeline(StageJobsTest.DOC);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Manifest manifest(String key, double seconds) {
    return new Manifest(
        key,
        "stage",
        null,
        "m",
        "c",
        Map.of(),
        Map.of(),
        List.of(),
        "d" + key.substring(0, 4),
        null,
        null,
        seconds,
        1,
        1,
        "h");
  }

  static PlannedStage reused(Stage s, String key, double seconds) {
    return new PlannedStage(
        s, StageState.REUSED, key, null, manifest(key, seconds), s.slices(), List.of());
  }

  static PlannedStage run(Stage s, String key) {
    return new PlannedStage(s, StageState.RUN, key, null, null, 0, List.of());
  }

  static Job job(String key, Phase phase, String condition, int succeeded) {
    JobBuilder b =
        new JobBuilder()
            .withNewMetadata()
            .withName(StageJobs.name(key, phase))
            .endMetadata()
            .withNewStatus()
            .withSucceeded(succeeded)
            .withStartTime("2026-01-01T10:00:00Z")
            .withCompletionTime("2026-01-01T10:00:42Z")
            .endStatus();
    if (condition != null) {
      b.editStatus()
          .addNewCondition()
          .withType(condition)
          .withStatus("True")
          .withReason(condition.equals("Failed") ? "FailedIndexes" : null)
          .endCondition()
          .endStatus();
    }
    return b.build();
  }

  static Map<String, Job> jobs(Job... js) {
    Map<String, Job> m = new HashMap<>();
    for (Job j : js) {
      m.put(j.getMetadata().getName(), j);
    }
    return m;
  }

  static PipelineProgress.Result compute(
      long gen, List<PlannedStage> plan, Map<String, Job> jobs, PipelineStatus prev, Instant now) {
    return PipelineProgress.compute(
        gen,
        plan,
        jobs,
        Set.of(),
        prev,
        j -> "pod exited with code 2:\nreprise: subject s07 is bad",
        now);
  }

  @Test
  void aFullyStoredPipelineSucceedsWithEveryStageReusedAndTheTimeSaved() {
    PipelineProgress.Result r =
        compute(
            1, List.of(reused(numbers, K1, 1.5), reused(scaled, K2, 10.25)), Map.of(), null, T1);
    PipelineStatus s = r.status();
    assertEquals("Succeeded", s.getPhase());
    assertEquals("2/2", s.getProgress());
    assertEquals(2, s.getReused());
    assertEquals(0, s.getRan());
    assertEquals(11.75, s.getSavedSeconds());
    assertEquals(List.of(), r.toCreate());
    assertEquals(2, r.newlyReused());
    assertEquals("True", condition(s, "Ready").getStatus());
    assertEquals("False", condition(s, "Stalled").getStatus());
    assertEquals(1L, s.getObservedGeneration());
  }

  @Test
  void aStageToRunStartsItsPhasesInOrderAndCountsSlicesFromItsJob() {
    List<PlannedStage> plan = List.of(reused(numbers, K1, 1), run(scaled, K2));
    PipelineProgress.Result start = compute(1, plan, Map.of(), null, T1);
    assertEquals(1, start.toCreate().size());
    assertEquals(Phase.ANALYSIS, start.toCreate().get(0).phase());
    assertEquals("Running", start.status().getPhase());
    assertEquals("1/2", start.status().getProgress());

    PipelineProgress.Result halfway =
        compute(1, plan, jobs(job(K2, Phase.ANALYSIS, null, 4)), start.status(), T2);
    assertEquals(List.of(), halfway.toCreate());
    assertEquals(4, stage(halfway.status(), "scaled").getSlicesDone());
    assertEquals(10, stage(halfway.status(), "scaled").getSlices());

    PipelineProgress.Result analysed =
        compute(1, plan, jobs(job(K2, Phase.ANALYSIS, "Complete", 10)), halfway.status(), T2);
    assertEquals(Phase.SYNTHESIS, analysed.toCreate().get(0).phase());
    assertEquals(10, stage(analysed.status(), "scaled").getSlicesDone());

    // The store now holds the result: the stage ran for this pipeline, so it is Succeeded, not
    // Reused.
    PipelineProgress.Result done =
        compute(
            1,
            List.of(reused(numbers, K1, 1), reused(scaled, K2, 9)),
            jobs(job(K2, Phase.ANALYSIS, "Complete", 10), job(K2, Phase.SYNTHESIS, "Complete", 1)),
            analysed.status(),
            T2);
    assertEquals("Succeeded", done.status().getPhase());
    assertEquals("Succeeded", stage(done.status(), "scaled").getState());
    assertEquals(42.0, stage(done.status(), "scaled").getSeconds());
    assertEquals(1, done.status().getRan());
    assertEquals(1, done.newlyRan());
    assertEquals(0, done.newlyReused());
  }

  @Test
  void aFailedJobFailsTheStageAndThePipelineWithThePodsWords() {
    List<PlannedStage> plan = List.of(reused(numbers, K1, 1), run(scaled, K2));
    PipelineStatus s =
        compute(1, plan, jobs(job(K2, Phase.ANALYSIS, "Failed", 3)), null, T1).status();
    assertEquals("Failed", s.getPhase());
    StageStatus st = stage(s, "scaled");
    assertEquals("Failed", st.getState());
    assertTrue(st.getMessage().contains("reprise: subject s07 is bad"), st.getMessage());
    assertTrue(s.getMessage().startsWith("stage 'scaled' failed: analysis failed"), s.getMessage());
    assertEquals("True", condition(s, "Stalled").getStatus());
    List<PipelineEvents.Notice> events = PipelineEvents.between(null, s);
    assertTrue(
        events.stream()
            .anyMatch(
                e ->
                    e.reason().equals("StageFailed")
                        && e.type().equals("Warning")
                        && e.message().contains("subject s07")),
        events.toString());
  }

  @Test
  void aFailedStageWhoseJobsAreGoneStaysFailedUntilTheSpecChanges() {
    // The TTL controller deletes a failed Job (the chart's worker.jobTtlSeconds): the stage must
    // not run again every TTL (RealClusterIT saw it on a real control plane).
    List<PlannedStage> plan = List.of(reused(numbers, K1, 1), run(scaled, K2));
    PipelineStatus failed =
        compute(1, plan, jobs(job(K2, Phase.ANALYSIS, "Failed", 3)), null, T1).status();

    PipelineProgress.Result afterTtl = compute(1, plan, jobs(), failed, T2);
    assertEquals(List.of(), afterTtl.toCreate());
    assertEquals("Failed", afterTtl.status().getPhase());
    assertEquals(
        stage(failed, "scaled").getMessage(), stage(afterTtl.status(), "scaled").getMessage());
    assertEquals(
        List.of(), PipelineEvents.between(failed, afterTtl.status()), "nothing new to say");

    PipelineProgress.Result changed = compute(2, plan, jobs(), failed, T2);
    assertEquals(1, changed.toCreate().size(), "a new generation runs it again");
  }

  @Test
  void aStageAfterARunningOneWaitsWithoutAKey() {
    PipelineStatus s =
        compute(
                1,
                List.of(
                    run(numbers, K1),
                    new PlannedStage(
                        scaled, StageState.PENDING, null, null, null, 0, List.of("numbers"))),
                Map.of(),
                null,
                T1)
            .status();
    StageStatus st = stage(s, "scaled");
    assertEquals("Pending", st.getState());
    assertEquals(null, st.getKey());
    assertEquals("waiting for numbers", st.getMessage());
  }

  @Test
  void aResultAlreadyStoredInANewGenerationIsReusedNotSucceeded() {
    PipelineStatus gen1 =
        compute(1, List.of(reused(numbers, K1, 1), run(scaled, K2)), Map.of(), null, T1).status();
    stage(gen1, "numbers").setState("Succeeded"); // as if it had run for generation 1
    PipelineStatus gen2 =
        compute(2, List.of(reused(numbers, K1, 1), run(scaled, K2)), Map.of(), gen1, T2).status();
    assertEquals("Reused", stage(gen2, "numbers").getState());
  }

  @Test
  void lastTransitionTimeMovesOnlyWhenAConditionsStatusChanges() {
    List<PlannedStage> plan = List.of(reused(numbers, K1, 1), run(scaled, K2));
    PipelineStatus running = compute(1, plan, Map.of(), null, T1).status();
    PipelineStatus stillRunning =
        compute(1, plan, jobs(job(K2, Phase.ANALYSIS, null, 2)), running, T2).status();
    assertEquals(T1.toString(), condition(stillRunning, "Ready").getLastTransitionTime());
    PipelineStatus done =
        compute(
                1,
                List.of(reused(numbers, K1, 1), reused(scaled, K2, 1)),
                Map.of(),
                stillRunning,
                T2)
            .status();
    assertEquals("True", condition(done, "Ready").getStatus());
    assertEquals(T2.toString(), condition(done, "Ready").getLastTransitionTime());
    assertEquals(T1.toString(), condition(done, "Stalled").getLastTransitionTime());
  }

  @Test
  void anInvalidDocumentNamesTheStageAndField() {
    PipelineStatus s =
        PipelineProgress.invalid(
            3,
            2,
            List.of(new Problem("ns/p", "scaled", "slices", "expected an integer >= 1, got 0")),
            null,
            T1);
    assertEquals("Invalid", s.getPhase());
    assertEquals("stage 'scaled': slices: expected an integer >= 1, got 0", s.getMessage());
    assertEquals("True", condition(s, "Stalled").getStatus());
    assertEquals("0/2", s.getProgress());
  }

  @Test
  void statusOf200StagesWith1000SlicesStaysUnder64KiB() throws Exception {
    List<PlannedStage> plan = new ArrayList<>();
    Map<String, Job> jobs = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      Stage s =
          new Stage(
              String.format("%063d", i),
              scaled.method(),
              Map.of(),
              scaled.params(),
              1000,
              Map.of());
      String key = String.format("%064x", i);
      plan.add(run(s, key));
      jobs.put(
          StageJobs.name(key, Phase.ANALYSIS),
          job(key, Phase.ANALYSIS, i % 2 == 0 ? "Failed" : null, 999));
    }
    PipelineStatus status =
        PipelineProgress.compute(
                1,
                plan,
                jobs,
                Set.of(),
                null,
                j -> "pod exited with code 1:\n" + "a long line of a stack trace\n".repeat(100),
                T1)
            .status();
    int bytes =
        new ObjectMapper().writeValueAsString(status).getBytes(StandardCharsets.UTF_8).length;
    assertEquals(200, status.getStages().size());
    assertTrue(bytes < 64 * 1024, "status is " + bytes + " bytes");
    assertEquals(999, status.getStages().get(1).getSlicesDone());
  }

  /**
   * A failed stage fails the pipeline once nothing runs any more: a stage already running beside it
   * goes on (a retry reuses its result), and Failed, which is final, waits for it.
   */
  @Test
  void failedIsFinalOnlyOnceNothingRuns() throws Exception {
    Pipeline two =
        StageJobsTest.pipeline(
            """
            apiVersion: reprise.dev/v1alpha1
            kind: Pipeline
            metadata: {name: two}
            spec:
              stages:
                - {name: a, method: test.source}
                - {name: b, method: test.source, params: {count: 7}}
            """);
    Stage a = two.stage("a").orElseThrow();
    Stage b = two.stage("b").orElseThrow();
    Job failed = job(K1, Phase.SYNTHESIS, "Failed", 0);
    failed.getMetadata().setUid("uid-1");
    PipelineStatus s =
        compute(
                1,
                List.of(run(a, K1), run(b, K2)),
                jobs(failed, job(K2, Phase.SYNTHESIS, null, 0)),
                null,
                T1)
            .status();
    assertEquals("Running", s.getPhase());
    assertTrue(s.getMessage().contains("stage 'a' failed"), s.getMessage());
    assertEquals("uid-1", stage(s, "a").getJobUid());
    assertEquals(StageJobs.name(K1, Phase.SYNTHESIS), stage(s, "a").getJob());
    assertTrue(!PipelineProgress.isFinal(s, 1));

    PipelineStatus after =
        compute(1, List.of(run(a, K1), reused(b, K2, 3)), jobs(failed), s, T2).status();
    assertEquals("Failed", after.getPhase());
    assertTrue(PipelineProgress.isFinal(after, 1));
    assertTrue(!PipelineProgress.isFinal(after, 2), "a new generation is planned");
    assertEquals("Succeeded", stage(after, "b").getState());
  }

  static StageStatus stage(PipelineStatus s, String name) {
    return s.getStages().stream().filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
  }

  static PipelineCondition condition(PipelineStatus s, String type) {
    return s.getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }
}

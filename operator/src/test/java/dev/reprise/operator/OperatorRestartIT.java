package dev.reprise.operator;

import static dev.reprise.operator.PipelineOperatorIT.stage;
import static dev.reprise.operator.PipelineOperatorIT.states;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.method.Phase;
import dev.reprise.operator.crd.Pipeline;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator's process stopped mid-run and started again, on the real control plane: the Jobs
 * carry on without it, and the restarted operator finds them instead of creating them again. The
 * API server's own record (watch streams, uids) is the witness.
 */
@Tag(TestingControlPlane.TAG)
class OperatorRestartIT {
  @Test
  void anOperatorRestartedMidRunCreatesNoJobTwiceAndNoPodRunsTwice() {
    TestingControlPlane cluster = TestingControlPlane.shared();
    String ns = cluster.namespace();
    try (ApiServerLedger ledger = new ApiServerLedger(cluster.client, ns)) {
      cluster.apply(
          ns,
          RealClusterIT.fresh(PipelineOperatorIT.doc("slow", "{}"))
              .replace("slices: 3}", "slices: 2, params: {sleepMillis: 4000}}"));
      Pipeline running =
          cluster.await(
              ns,
              "slow",
              p ->
                  p.getStatus() != null
                      && p.getStatus().getStages().stream()
                          .anyMatch(
                              s -> "scaled".equals(s.getName()) && "Running".equals(s.getState())),
              RealClusterIT.WAIT,
              "scaled running");
      String analysis = StageJobs.name(stage(running, "scaled").getKey(), Phase.ANALYSIS);

      cluster.operator("stop");
      // The cluster carries on without the operator: the analysis Job completes.
      cluster.awaitJob(
          ns,
          analysis,
          j ->
              j != null
                  && j.getStatus() != null
                  && j.getStatus().getConditions() != null
                  && j.getStatus().getConditions().stream()
                      .anyMatch(c -> "Complete".equals(c.getType())),
          RealClusterIT.WAIT,
          "complete");
      cluster.operator("start");

      Pipeline p = cluster.await(ns, "slow", "Succeeded", RealClusterIT.WAIT);
      assertEquals(List.of("Succeeded", "Succeeded", "Succeeded"), states(p));
      assertEquals(List.of(), ledger.createdTwice(), "Jobs created twice: " + ledger.jobs);
      // numbers: synthesis; scaled: analysis (2 slices) + synthesis; total: synthesis.
      assertEquals(4, ledger.jobs.size(), ledger.jobs.keySet().toString());
      Map<String, Integer> runs = new TreeMap<>();
      for (Pod pod : ledger.pods.values()) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        runs.merge(
            labels.get("batch.kubernetes.io/job-name")
                + "/"
                + labels.getOrDefault("batch.kubernetes.io/job-completion-index", "-"),
            1,
            Integer::sum);
      }
      assertEquals(5, runs.size(), runs.toString());
      assertTrue(runs.values().stream().allMatch(n -> n == 1), "every pod ran once: " + runs);
    } finally {
      // The shared cluster's other tests need an operator, whatever happened here.
      if (!operatorReady(cluster)) {
        cluster.operator("start");
      }
    }
  }

  /**
   * Two replicas of the operator, as the chart runs with operator.replicas=2: they elect a leader
   * through the chart's Lease, with the chart's RBAC. When the leader stops, the standby takes the
   * Lease and reconciles.
   */
  @Test
  void aStandbyReplicaTakesOverWhenTheLeaderStops() {
    TestingControlPlane cluster = TestingControlPlane.shared();
    String ns = cluster.namespace();
    cluster.standby("start"); // returns once the standby reports ready: it does while standing by
    try {
      assertTrue(
          awaitHolder(cluster, "reprise-operator-host", Duration.ofSeconds(60))
              .startsWith("reprise-operator-host"),
          "the first operator leads");
      long stopped = System.nanoTime();
      cluster.operator("stop");
      String holder = awaitHolder(cluster, "reprise-standby-host", Duration.ofSeconds(90));
      long seconds = (System.nanoTime() - stopped) / 1_000_000_000L;
      assertTrue(
          holder.startsWith("reprise-standby-host"), "the standby holds the Lease: " + holder);
      System.out.println("standby took the Lease " + seconds + " s after the leader stopped");
      cluster.apply(ns, RealClusterIT.fresh(PipelineOperatorIT.doc("failover", "{}")));
      Pipeline p = cluster.await(ns, "failover", "Succeeded", RealClusterIT.WAIT);
      assertEquals(List.of("Succeeded", "Succeeded", "Succeeded"), states(p));
    } finally {
      // Back to one operator, the shared cluster's usual; it takes the Lease when it lapses.
      cluster.standby("stop");
      if (!operatorReady(cluster)) {
        cluster.operator("start");
      }
    }
  }

  private static String awaitHolder(TestingControlPlane cluster, String who, Duration timeout) {
    return PipelineLifecycleIT.awaitLeaseHolder(
        cluster.client, TestingControlPlane.OPERATOR_NAMESPACE, who, timeout);
  }

  private static boolean operatorReady(TestingControlPlane cluster) {
    try {
      int port = Integer.parseInt(cluster.env.get("REPRISE_DEV_PORT")) + 4;
      var response =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }
}

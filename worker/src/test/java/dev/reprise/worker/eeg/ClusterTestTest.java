package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.StageFailedException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Compares {@link ClusterTest} with MNE's permutation_cluster_1samp_test
 * (fixtures/make_cluster_fixtures.py).
 */
class ClusterTestTest {
  /** t values and masses are sums of a few doubles: agreement to rounding. */
  private static final double T_TOLERANCE = 1e-9;

  /** Exact enumeration: both sides count the same null, so p agrees to rounding. */
  private static final double EXACT_P_TOLERANCE = 1e-12;

  /**
   * Monte-Carlo: two independent estimates from N = 1000 draws differ with SE sqrt(2 p (1 − p) /
   * N); allow 4.5 SE plus one count (about 1 in 150,000 false alarms per comparison).
   */
  private static double monteCarloTolerance(double p, int n) {
    return 4.5 * Math.sqrt(2 * p * (1 - p) / n) + 1.0 / n;
  }

  private static JsonNode cases() throws Exception {
    try (InputStream in =
        ClusterTestTest.class.getResourceAsStream("/fixtures/cluster_test_cases.json")) {
      return new ObjectMapper().readTree(in).get("cases");
    }
  }

  private static JsonNode named(String name) throws Exception {
    for (JsonNode c : cases()) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no fixture case " + name);
  }

  private static double[][] matrix(JsonNode rows) {
    double[][] x = new double[rows.size()][];
    for (int i = 0; i < x.length; i++) {
      x[i] = new double[rows.get(i).size()];
      for (int j = 0; j < x[i].length; j++) {
        x[i][j] = rows.get(i).get(j).asDouble();
      }
    }
    return x;
  }

  private static ClusterTest.Result runCase(JsonNode c, long seed) {
    return ClusterTest.run(
        matrix(c.get("x")),
        c.get("threshold").asDouble(),
        c.get("tail").asInt(),
        c.get("permutations").asInt(),
        seed);
  }

  private static void assertSameClusters(JsonNode c, ClusterTest.Result r, boolean exact) {
    JsonNode t = c.get("t");
    for (int j = 0; j < t.size(); j++) {
      assertEquals(t.get(j).asDouble(), r.t()[j], T_TOLERANCE, "t at " + j);
    }
    JsonNode expected = c.get("clusters");
    List<ClusterTest.Cluster> got = r.clusters();
    assertEquals(expected.size(), got.size(), "number of clusters");
    assertEquals(c.get("nullSize").asInt(), r.permutations());
    assertEquals(exact, r.exact());
    for (int k = 0; k < got.size(); k++) {
      JsonNode e = expected.get(k);
      assertEquals(e.get("first").asInt(), got.get(k).first(), "cluster " + k + " first");
      assertEquals(e.get("last").asInt(), got.get(k).last(), "cluster " + k + " last");
      assertEquals(
          e.get("mass").asDouble(), got.get(k).mass(), T_TOLERANCE, "cluster " + k + " mass");
      double p = e.get("p").asDouble();
      double tol = exact ? EXACT_P_TOLERANCE : monteCarloTolerance(p, r.permutations());
      assertEquals(p, got.get(k).p(), tol, c.get("name").asText() + " cluster " + k + " p");
    }
  }

  @Test
  void exactEnumerationMatchesMneForEveryTail() throws Exception {
    for (String name : List.of("exact-tail1", "exact-tail0", "exact-tailminus1")) {
      JsonNode c = named(name);
      assertSameClusters(c, runCase(c, 0), true);
    }
  }

  @Test
  void exactResultDoesNotDependOnTheSeed() throws Exception {
    JsonNode c = named("exact-tail1");
    assertEquals(runCase(c, 1).clusters(), runCase(c, 99).clusters());
  }

  @Test
  void monteCarloMatchesMneWithinBinomialError() throws Exception {
    JsonNode c = named("montecarlo-tail1");
    ClusterTest.Result r = runCase(c, 0);
    assertFalse(r.exact());
    assertSameClusters(c, r, false);
  }

  @Test
  void noClusterMeansNoPermutations() {
    double[][] x = {{0.1, -0.2, 0.05}, {-0.1, 0.2, 0.0}, {0.02, 0.01, -0.04}};
    ClusterTest.Result r = ClusterTest.run(x, 10.0, 1, 1000, 0);
    assertTrue(r.clusters().isEmpty());
  }

  @Test
  void zeroVarianceIsAStageFailure() {
    double[][] x = {{0.1, 0.5}, {0.2, 0.5}, {0.3, 0.5}};
    StageFailedException e =
        assertThrows(StageFailedException.class, () -> ClusterTest.tStatistic(x));
    assertTrue(e.getMessage().contains("time index 1"), e.getMessage());
  }
}

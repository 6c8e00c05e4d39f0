package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class StudentTTest {
  /**
   * Against 30-digit mpmath quantiles and scipy's t.cdf. At df = 1000 the log-gamma terms are
   * ~3000, so rounding in them alone costs ~1e-13 relative in the tail probability and ~1e-12 in t.
   */
  private static final double RELATIVE_TOLERANCE = 1e-11;

  /** scipy.stats.t.ppf itself is only good to ~2e-9 relative (p = 0.99, df = 2). */
  private static final double SCIPY_PPF_TOLERANCE = 1e-8;

  @Test
  void quantilesAndCdfMatchScipy() throws Exception {
    JsonNode values;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/t_quantiles.json")) {
      values = new ObjectMapper().readTree(in).get("values");
    }
    int checked = 0;
    for (JsonNode v : values) {
      double p = v.get("p").asDouble();
      double df = v.get("df").asDouble();
      double exact = v.get("tExact").asDouble();
      double scipy = v.get("t").asDouble();
      double got = StudentT.quantile(p, df);
      double scale = Math.max(1, Math.abs(exact));
      assertEquals(exact, got, RELATIVE_TOLERANCE * scale, "quantile(" + p + ", " + df + ")");
      assertEquals(scipy, got, SCIPY_PPF_TOLERANCE * scale, "scipy ppf(" + p + ", " + df + ")");
      double cdf = v.get("cdf1.5").asDouble();
      assertEquals(cdf, StudentT.cdf(1.5, df), RELATIVE_TOLERANCE, "cdf(1.5, " + df + ")");
      checked++;
    }
    assertEquals(110, checked);
  }

  @Test
  void cdfIsSymmetricAndInvertsQuantile() {
    for (double df : new double[] {1, 4, 11, 57}) {
      for (double t : new double[] {0.1, 1, 2.5, 7}) {
        assertEquals(1.0, StudentT.cdf(t, df) + StudentT.cdf(-t, df), 1e-14);
        assertEquals(t, StudentT.quantile(StudentT.cdf(t, df), df), 1e-9 * t);
      }
    }
  }
}

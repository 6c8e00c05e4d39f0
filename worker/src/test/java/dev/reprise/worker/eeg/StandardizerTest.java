package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StandardizerTest {
  static final double TOLERANCE = 1e-12;

  @Test
  void constantFeatureGetsScaleOneAndOthersPopulationStd() {
    // Rows (x0, x1): x0 = 1, 2, 3, 4 (mean 2.5, population var 1.25); x1 = 0.1 everywhere.
    double[] x = {1, 0.1, 2, 0.1, 3, 0.1, 4, 0.1};
    Standardizer s = new Standardizer(3);
    s.fit(x, 4, 2);
    assertEquals(2.5, s.mean[0], TOLERANCE);
    assertEquals(Math.sqrt(1.25), s.scale[0], TOLERANCE);
    assertEquals(0.1, s.mean[1], TOLERANCE);
    assertEquals(1.0, s.scale[1], 0.0);
    s.transform(x, 4);
    assertEquals(-1.5 / Math.sqrt(1.25), x[0], TOLERANCE);
    assertEquals(1.5 / Math.sqrt(1.25), x[6], TOLERANCE);
    for (int i = 1; i < 8; i += 2) {
      assertEquals(0.0, x[i], TOLERANCE);
    }
  }
}

package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link FoldedLda} (class moments minus the held-out fold's) against the per-fold path it
 * replaces: {@link Standardizer} fitted on the training rows, {@link Lda#fit} on the standardised
 * rows, and the standardisation folded into the weights. {@link LdaTest} ties that path to
 * scikit-learn.
 */
class FoldedLdaTest {
  /**
   * Largest |folded - per-fold| / max|per-fold| over the folded weights and intercepts. Both
   * compute the same formulas in another order; measured: 7e-14 to 1.4e-13 (first fold of each
   * case).
   */
  static final double AGREEMENT = 1e-10;

  @ParameterizedTest
  @CsvSource({"2, 12, 23", "3, 12, 23", "3, 40, 21", "4, 9, 17"})
  void equalsStandardizerThenLdaOnEveryFold(int classes, int p, int perClass) {
    Random random = new Random(11L * classes + p);
    int n = classes * perClass;
    int[] y = new int[n];
    double[] x = new double[n * p];
    for (int i = 0; i < n; i++) {
      y[i] = (i * 7) % classes;
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < p; j++) {
        // a large offset (the shift must keep the raw moments accurate), unequal channel scales,
        // a class effect, and channel 3 constant (scale 1 in both standardisations)
        double v = 1000.0 + (j + 1) * random.nextGaussian() + 0.7 * ((y[i] + j) % classes);
        x[i * p + j] = j == 3 ? 5.0 : v;
      }
    }
    int folds = 5;
    int[] foldOf = new int[n];
    Folds.assign(y, classes, folds, new SplittableRandom(3), foldOf, "test");

    FoldedLda folded = new FoldedLda(n, p, classes, folds);
    PerFoldLda reference = new PerFoldLda(n, p, classes);
    folded.time(x, 0, y);
    folded.repeat(foldOf, folds);
    for (int f = 0; f < folds; f++) {
      reference.fit(x, n, p, y, classes, foldOf, f);
      double[] expected = unscaled(reference.lda, reference.scaler.mean, reference.scaler.scale, p);

      folded.fit(f);
      double[] actual = unscaled(folded.classifier(), folded.trainMean(), folded.trainScale(), p);
      assertEquals(expected.length, actual.length);
      double scale = 0.0;
      double worst = 0.0;
      for (int i = 0; i < expected.length; i++) {
        scale = Math.max(scale, Math.abs(expected[i]));
        worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
      }
      assertTrue(scale > 0.0);
      assertEquals(0.0, worst / scale, AGREEMENT, "fold " + f + ": relative difference");
      assertEquals(1.0, folded.trainScale()[3], 0.0, "the constant channel's scale");
    }
  }

  /** Weights and intercepts on the original features: {@code w/s} and {@code b - (w/s).m}. */
  private static double[] unscaled(LinearClassifier c, double[] mean, double[] scale, int p) {
    double[] out = new double[c.rows() * (p + 1)];
    for (int k = 0; k < c.rows(); k++) {
      double b = c.intercept()[k];
      for (int j = 0; j < p; j++) {
        double w = c.coef()[k * p + j] / scale[j];
        out[k * (p + 1) + j] = w;
        b -= w * mean[j];
      }
      out[k * (p + 1) + p] = b;
    }
    return out;
  }
}

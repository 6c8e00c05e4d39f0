package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reprise.core.io.NpyArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Lda} against scikit-learn's LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").
 */
class LdaTest {
  /** Largest |java - sklearn| / max|sklearn| over coef_ and intercept_. */
  static final double COEF_RELATIVE_TOLERANCE = 1e-8;

  @ParameterizedTest
  @ValueSource(strings = {"c2", "c3", "c10", "pn2", "pn3"})
  void matchesScikitLearn(String name) throws Exception {
    NpyArray x = Fixtures.npy("lda_" + name + "_X");
    int[] y = Fixtures.npy("lda_" + name + "_y").ints();
    NpyArray coef = Fixtures.npy("lda_" + name + "_coef");
    double[] intercept = Fixtures.npy("lda_" + name + "_intercept").doubles();
    NpyArray xt = Fixtures.npy("lda_" + name + "_Xtest");
    int[] pred = Fixtures.npy("lda_" + name + "_pred").ints();
    int n = x.dim(0);
    int p = x.dim(1);
    int classes = 0;
    for (int v : y) {
      classes = Math.max(classes, v + 1);
    }
    Lda lda = new Lda(n + 3, p + 2, classes + 1); // larger buffers than needed, on purpose
    lda.fit(x.doubles(), n, p, y, classes);

    assertEquals(coef.dim(0), lda.rows());
    double scale = 0.0;
    for (double v : coef.doubles()) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (double v : intercept) {
      scale = Math.max(scale, Math.abs(v));
    }
    double worst = 0.0;
    for (int i = 0; i < coef.size(); i++) {
      worst = Math.max(worst, Math.abs(lda.coef()[i] - coef.doubles()[i]));
    }
    for (int k = 0; k < intercept.length; k++) {
      worst = Math.max(worst, Math.abs(lda.intercept()[k] - intercept[k]));
    }
    assertEquals(0.0, worst / scale, COEF_RELATIVE_TOLERANCE, "relative coefficient error");

    int[] mine = new int[xt.dim(0)];
    for (int i = 0; i < mine.length; i++) {
      mine[i] =
          LinearClassifier.predict(lda.coef(), lda.intercept(), lda.rows(), p, xt.doubles(), i * p);
    }
    assertArrayEquals(pred, mine);
  }
}

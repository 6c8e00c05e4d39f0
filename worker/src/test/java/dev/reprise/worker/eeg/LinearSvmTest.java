package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.io.NpyArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link LinearSvm} against scikit-learn's LinearSVC(C=1). */
class LinearSvmTest {
  /**
   * LinearSVC stopped its dual coordinate descent at tol = 1e-4, short of the optimum that the
   * Newton solver reaches (measured: 8e-6 on c2, 5e-6 on c3).
   */
  static final double DEFAULT_TOL_RELATIVE_TOLERANCE = 1e-4;

  /**
   * LinearSVC solved to tol = 1e-8 (liblinear fails to converge at 1e-12 on c3): the same optimum
   * (measured: 3e-10 on c2, 5e-10 on c3).
   */
  static final double TIGHT_RELATIVE_TOLERANCE = 1e-8;

  /**
   * Newton's method on the piecewise quadratic ends in a few steps (measured: 4 on c2, 12 on c3).
   */
  static final int MOST_ITERATIONS = 25;

  @ParameterizedTest
  @ValueSource(strings = {"c2", "c3"})
  void matchesLinearSvcAtDefaultTolerance(String name) throws Exception {
    LinearSvm svm = new LinearSvm(1.0, DecodeSettings.SVM_MAX_ITER, 200, 10, 5);
    assertEquals(0.0, relativeError(svm, name, ""), DEFAULT_TOL_RELATIVE_TOLERANCE);
    assertTrue(svm.converged());
    assertTrue(svm.iterations() <= MOST_ITERATIONS, svm.iterations() + " Newton iterations");
  }

  @ParameterizedTest
  @ValueSource(strings = {"c2", "c3"})
  void matchesLinearSvcSolvedTightly(String name) throws Exception {
    LinearSvm svm = new LinearSvm(1.0, DecodeSettings.SVM_MAX_ITER, 200, 10, 5);
    assertEquals(0.0, relativeError(svm, name, "_tight"), TIGHT_RELATIVE_TOLERANCE);
    assertTrue(svm.converged());
  }

  /** max |java - sklearn| / max |sklearn| over coef_ and intercept_. */
  private static double relativeError(LinearSvm svm, String name, String suffix) throws Exception {
    NpyArray x = Fixtures.npy("svm_" + name + "_X");
    int[] y = Fixtures.npy("svm_" + name + "_y").ints();
    double[] coef = Fixtures.npy("svm_" + name + "_coef" + suffix).doubles();
    double[] intercept = Fixtures.npy("svm_" + name + "_intercept" + suffix).doubles();
    int classes = 0;
    for (int v : y) {
      classes = Math.max(classes, v + 1);
    }
    svm.fit(x.doubles(), x.dim(0), x.dim(1), y, classes);
    assertEquals(intercept.length, svm.rows());
    double scale = 0.0;
    double worst = 0.0;
    for (int i = 0; i < coef.length; i++) {
      scale = Math.max(scale, Math.abs(coef[i]));
      worst = Math.max(worst, Math.abs(svm.coef()[i] - coef[i]));
    }
    for (int k = 0; k < intercept.length; k++) {
      scale = Math.max(scale, Math.abs(intercept[k]));
      worst = Math.max(worst, Math.abs(svm.intercept()[k] - intercept[k]));
    }
    return worst / scale;
  }
}

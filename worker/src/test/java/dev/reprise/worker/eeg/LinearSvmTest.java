package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.io.NpyArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link LinearSvm} against scikit-learn's LinearSVC(C=1). */
class LinearSvmTest {
  /** Both solvers stop at tol = 1e-4 on the dual's projected gradient, in different orders. */
  static final double DEFAULT_TOL_RELATIVE_TOLERANCE = 1e-3;

  /** Both solved to tol = 1e-8 (liblinear fails to converge at 1e-12 on c3): the same optimum. */
  static final double TIGHT_RELATIVE_TOLERANCE = 1e-7;

  @ParameterizedTest
  @ValueSource(strings = {"c2", "c3"})
  void matchesLinearSvcAtDefaultTolerance(String name) throws Exception {
    LinearSvm svm = new LinearSvm(1.0, 1e-4, 1000, 200, 10, 5);
    assertEquals(0.0, relativeError(svm, name, ""), DEFAULT_TOL_RELATIVE_TOLERANCE);
    assertTrue(svm.converged());
  }

  @ParameterizedTest
  @ValueSource(strings = {"c2", "c3"})
  void matchesLinearSvcSolvedTightly(String name) throws Exception {
    LinearSvm svm = new LinearSvm(1.0, 1e-8, 100_000, 200, 10, 5);
    assertEquals(0.0, relativeError(svm, name, "_tight"), TIGHT_RELATIVE_TOLERANCE);
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

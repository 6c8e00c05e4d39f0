package dev.reprise.worker.eeg;

/**
 * A linear classifier fitted in place: after {@link #fit}, {@link #coef()} holds {@link #rows()}
 * rows of {@code p} weights and {@link #intercept()} one value per row, as scikit-learn's {@code
 * coef_} and {@code intercept_}: one row for two classes (decision {@code > 0} means class 1), one
 * row per class otherwise (the largest decision wins). Instances reuse their buffers and are not
 * thread-safe.
 */
interface LinearClassifier {
  /**
   * Fits on the first {@code n} rows of {@code x} (row-major, {@code p} columns) with labels {@code
   * y[i]} in {@code 0..classes-1}; each class must occur. {@code x} and {@code y} are not modified.
   */
  void fit(double[] x, int n, int p, int[] y, int classes);

  /** Rows of {@link #coef()}: 1 for two classes, else the number of classes. */
  int rows();

  /** Row-major {@code rows() x p} weights (the buffer may be longer). */
  double[] coef();

  double[] intercept();

  /**
   * The predicted class of the row {@code x[off .. off+p)} under weights {@code w} ({@code rows x
   * p}) and intercepts {@code b}: argmax of {@code w_k . x + b_k}, or for one row, 1 if positive.
   */
  static int predict(double[] w, double[] b, int rows, int p, double[] x, int off) {
    if (rows == 1) {
      double s = b[0];
      for (int j = 0; j < p; j++) {
        s += w[j] * x[off + j];
      }
      return s > 0 ? 1 : 0;
    }
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < rows; k++) {
      double s = b[k];
      int row = k * p;
      for (int j = 0; j < p; j++) {
        s += w[row + j] * x[off + j];
      }
      if (s > bestScore) {
        bestScore = s;
        best = k;
      }
    }
    return best;
  }
}

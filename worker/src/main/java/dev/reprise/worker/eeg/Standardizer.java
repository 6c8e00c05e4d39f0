package dev.reprise.worker.eeg;

/**
 * Per-feature standardisation as scikit-learn's {@code StandardScaler}: fitted on a training block,
 * applied to it and to held-out data. Holds its mean and scale buffers; refitting reuses them.
 */
final class Standardizer {
  private static final double EPS = Math.ulp(1.0);

  final double[] mean;
  final double[] scale;
  private final int maxFeatures;
  private int features;

  Standardizer(int maxFeatures) {
    this.maxFeatures = maxFeatures;
    this.mean = new double[maxFeatures];
    this.scale = new double[maxFeatures];
  }

  int features() {
    return features;
  }

  /**
   * Fits on the first {@code n} rows of {@code x} (row-major, {@code p} columns): {@code mean_j =
   * (1/n) sum_i x_ij}, {@code scale_j = sqrt((1/n) sum_i (x_ij - mean_j)^2)} (population std, ddof
   * 0). A constant feature (variance {@code <= n eps var + (n mean eps)^2}, scikit-learn's test)
   * gets scale 1. {@code x} is not modified.
   */
  void fit(double[] x, int n, int p) {
    if (p > maxFeatures || n < 1 || x.length < n * p) {
      throw new IllegalArgumentException(
          "standardiser sized for " + maxFeatures + " features got " + n + " x " + p);
    }
    features = p;
    for (int j = 0; j < p; j++) {
      mean[j] = 0.0;
      scale[j] = 0.0;
    }
    for (int i = 0; i < n; i++) {
      int row = i * p;
      for (int j = 0; j < p; j++) {
        mean[j] += x[row + j];
      }
    }
    for (int j = 0; j < p; j++) {
      mean[j] /= n;
    }
    for (int i = 0; i < n; i++) {
      int row = i * p;
      for (int j = 0; j < p; j++) {
        double d = x[row + j] - mean[j];
        scale[j] += d * d;
      }
    }
    for (int j = 0; j < p; j++) {
      scale[j] = scaleOf(scale[j] / n, mean[j], n);
    }
  }

  /**
   * The scale of a feature with population variance {@code var} and mean {@code mean} over {@code
   * n} rows: {@code sqrt(var)}, or 1 for a constant feature ({@code var <= n eps var + (n mean
   * eps)^2}, scikit-learn's test in {@code _is_constant_feature}).
   */
  static double scaleOf(double var, double mean, int n) {
    double bound = n * EPS * var + (n * mean * EPS) * (n * mean * EPS);
    return var <= bound ? 1.0 : Math.sqrt(var);
  }

  /** Replaces the first {@code n} rows of {@code x} by {@code (x_ij - mean_j) / scale_j}. */
  void transform(double[] x, int n) {
    int p = features;
    for (int i = 0; i < n; i++) {
      int row = i * p;
      for (int j = 0; j < p; j++) {
        x[row + j] = (x[row + j] - mean[j]) / scale[j];
      }
    }
  }
}

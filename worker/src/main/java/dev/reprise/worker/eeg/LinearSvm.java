package dev.reprise.worker.eeg;

/**
 * Linear SVM as scikit-learn's {@code LinearSVC} (liblinear solver {@code L2R_L2LOSS_SVC_DUAL}):
 * minimises {@code |w|^2 / 2 + C sum_i max(0, 1 - y_i (w . x_i + b))^2} with the bias {@code b}
 * learnt as the weight of a constant feature 1 ({@code intercept_scaling = 1}, so the bias is
 * regularised too), one-vs-rest for more than two classes.
 *
 * <p>Dual coordinate descent (Hsieh et al. 2008, as liblinear): with {@code D = 1/(2C)}, {@code
 * Q_ii = x_i . x_i + 1 + D}, each pass visits the active dual variables in random order, takes the
 * gradient {@code G = y_i (w . x_i) - 1 + D alpha_i}, and updates {@code alpha_i <- max(alpha_i -
 * G / Q_ii, 0)}, {@code w += (alpha_i' - alpha_i) y_i x_i}; variables at 0 with a large gradient
 * are shrunk out; stops when the projected-gradient range is at most {@code tol}, or after {@code
 * maxIter} passes. The visiting order comes from a generator reseeded at every fit, so results do
 * not depend on what was fitted before.
 */
final class LinearSvm implements LinearClassifier {
  private final double c;
  private final double tol;
  private final int maxIter;
  private final int maxP;
  private final int maxK;
  private final double[] alpha;
  private final double[] qd;
  private final int[] index;
  private final double[] sign;
  private final double[] w;
  private final double[] coef;
  private final double[] intercept;
  private int rows;
  private long state;
  private boolean converged = true;

  LinearSvm(double c, double tol, int maxIter, int maxN, int maxP, int maxK) {
    if (!(c > 0) || !(tol > 0) || maxIter < 1) {
      throw new IllegalArgumentException("C " + c + ", tol " + tol + ", maxIter " + maxIter);
    }
    this.c = c;
    this.tol = tol;
    this.maxIter = maxIter;
    this.maxP = maxP;
    this.maxK = maxK;
    alpha = new double[maxN];
    qd = new double[maxN];
    index = new int[maxN];
    sign = new double[maxN];
    w = new double[maxP + 1];
    coef = new double[maxK * maxP];
    intercept = new double[maxK];
  }

  /** Whether every binary problem of the last fit met the tolerance within maxIter passes. */
  boolean converged() {
    return converged;
  }

  @Override
  public void fit(double[] x, int n, int p, int[] y, int classes) {
    if (n > alpha.length || p > maxP || classes > maxK || classes < 2 || x.length < n * p) {
      throw new IllegalArgumentException("SVM sized " + alpha.length + " x " + maxP + " x " + maxK
          + " got " + n + " x " + p + " x " + classes);
    }
    converged = true;
    rows = classes == 2 ? 1 : classes;
    for (int r = 0; r < rows; r++) {
      int positive = classes == 2 ? 1 : r;
      for (int i = 0; i < n; i++) {
        sign[i] = y[i] == positive ? 1.0 : -1.0;
      }
      solveBinary(x, n, p);
      System.arraycopy(w, 0, coef, r * p, p);
      intercept[r] = w[p];
    }
  }

  /** Dual coordinate descent for labels {@code sign}; leaves weights (bias last) in {@code w}. */
  private void solveBinary(double[] x, int n, int p) {
    double diag = 0.5 / c;
    state = 0x2545F4914F6CDD1DL; // reseeded per fit: the order never depends on earlier fits
    java.util.Arrays.fill(w, 0, p + 1, 0.0);
    for (int i = 0; i < n; i++) {
      alpha[i] = 0.0;
      double q = diag + 1.0; // the constant bias feature contributes 1
      int row = i * p;
      for (int j = 0; j < p; j++) {
        q += x[row + j] * x[row + j];
      }
      qd[i] = q;
      index[i] = i;
    }
    int active = n;
    double pgMaxOld = Double.POSITIVE_INFINITY;
    int iter = 0;
    while (iter < maxIter) {
      double pgMaxNew = Double.NEGATIVE_INFINITY;
      double pgMinNew = Double.POSITIVE_INFINITY;
      for (int i = 0; i < active; i++) {
        int j = i + nextInt(active - i);
        int t = index[i];
        index[i] = index[j];
        index[j] = t;
      }
      for (int s = 0; s < active; s++) {
        int i = index[s];
        double yi = sign[i];
        int row = i * p;
        double dot = w[p];
        for (int j = 0; j < p; j++) {
          dot += w[j] * x[row + j];
        }
        double g = yi * dot - 1.0 + alpha[i] * diag;
        double pg = 0.0;
        if (alpha[i] == 0.0) {
          if (g > pgMaxOld) {
            active--;
            int t = index[s];
            index[s] = index[active];
            index[active] = t;
            s--;
            continue;
          } else if (g < 0.0) {
            pg = g;
          }
        } else {
          pg = g;
        }
        pgMaxNew = Math.max(pgMaxNew, pg);
        pgMinNew = Math.min(pgMinNew, pg);
        if (Math.abs(pg) > 1.0e-12) {
          double old = alpha[i];
          alpha[i] = Math.max(old - g / qd[i], 0.0);
          double d = (alpha[i] - old) * yi;
          for (int j = 0; j < p; j++) {
            w[j] += d * x[row + j];
          }
          w[p] += d;
        }
      }
      iter++;
      if (pgMaxNew - pgMinNew <= tol) {
        if (active == n) {
          return;
        }
        active = n;
        pgMaxOld = Double.POSITIVE_INFINITY;
        continue;
      }
      pgMaxOld = pgMaxNew <= 0 ? Double.POSITIVE_INFINITY : pgMaxNew;
    }
    converged = false;
  }

  /** A uniform int in {@code [0, bound)} from an xorshift64* stream (no allocation). */
  private int nextInt(int bound) {
    state ^= state >>> 12;
    state ^= state << 25;
    state ^= state >>> 27;
    long r = (state * 0x2545F4914F6CDD1DL) >>> 33;
    return (int) (r % bound);
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public double[] coef() {
    return coef;
  }

  @Override
  public double[] intercept() {
    return intercept;
  }
}

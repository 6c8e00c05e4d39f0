package dev.reprise.worker.eeg;

import dev.reprise.core.StageFailedException;

/**
 * Linear SVM as scikit-learn's {@code LinearSVC} (squared hinge, L2): minimises
 *
 * <pre>f(w) = |w|^2 / 2 + C sum_i max(0, 1 - y_i w . x~_i)^2</pre>
 *
 * <p>over {@code w = (coef, b)} with {@code x~_i = (x_i, 1)}: the bias is learnt as the weight of a
 * constant feature 1 ({@code intercept_scaling = 1}, so the bias is regularised too, as in
 * liblinear); one-vs-rest for more than two classes.
 *
 * <p>Solved exactly in the primal by Newton's method on this piecewise quadratic (Keerthi and
 * DeCoste 2005, "a modified finite Newton method"; liblinear's primal solver for the same loss):
 * with the margin violators {@code I = {i : y_i w . x~_i < 1}}, the gradient is {@code g = w - 2C
 * sum_{i in I} y_i (1 - y_i w . x~_i) x~_i} and the generalised Hessian {@code H = Id + 2C sum_{i
 * in I} x~_i x~_i^T} (positive definite, smallest eigenvalue >= 1); the step {@code d = -H^-1 g}
 * (Cholesky) is followed by an exact line search along {@code d} (a safeguarded Newton search for
 * the root of the piecewise-linear, increasing derivative). Once {@code I} stops changing the step
 * lands on the minimiser, so the method ends after a handful of iterations at the optimum up to
 * rounding: it stops when {@code max_j |g_j| <= GRADIENT_TOL * max_j |g0_j|} ({@code g0} the
 * gradient at {@code w = 0}).
 *
 * <p>Why not liblinear's dual coordinate descent ({@code LinearSVC}'s default): on noise-only time
 * points of EEG (no class signal, correlated channels) the dual is badly conditioned and the
 * descent runs its full 1000 passes without meeting {@code tol = 1e-4}, in scikit-learn as it did
 * here (about 8 ms a fit for 160 trials x 32 channels). Both solvers approximate the same unique
 * minimiser; this one reaches it. The fixtures in {@code LinearSvmTest} are LinearSVC's output.
 *
 * <p>Allocates nothing per fit: every buffer is sized at construction.
 */
final class LinearSvm implements LinearClassifier {
  /** Stop when the largest gradient component fell by this factor from its value at w = 0. */
  static final double GRADIENT_TOL = 1e-10;

  /** Most evaluations of the line search's derivative per Newton step. */
  private static final int LINE_SEARCH_STEPS = 60;

  private final double c;
  private final int maxIter;
  private final int maxN;
  private final int maxP;
  private final int maxK;
  private final double[] sign;
  private final double[] out;
  private final double[] delta;
  private final double[] w;
  private final double[] g;
  private final double[] d;
  private final double[][] h;
  private final double[][] factor;
  private final int[] violator;
  private final Scatter scatter;
  private final double[] coef;
  private final double[] intercept;
  private int rows;
  private int iterations;
  private boolean converged = true;

  /**
   * A solver for up to {@code maxN} rows, {@code maxP} features and {@code maxK} classes, with
   * inverse regularisation {@code c} and at most {@code maxIter} Newton iterations per binary
   * problem.
   */
  LinearSvm(double c, int maxIter, int maxN, int maxP, int maxK) {
    if (!(c > 0) || maxIter < 1) {
      throw new IllegalArgumentException("C " + c + ", maxIter " + maxIter);
    }
    this.c = c;
    this.maxIter = maxIter;
    this.maxN = maxN;
    this.maxP = maxP;
    this.maxK = maxK;
    sign = new double[maxN];
    out = new double[maxN];
    delta = new double[maxN];
    w = new double[maxP + 1];
    g = new double[maxP + 1];
    d = new double[maxP + 1];
    h = new double[maxP + 1][maxP + 1];
    factor = new double[maxP + 1][maxP + 1];
    violator = new int[maxN];
    scatter = new Scatter(maxP);
    coef = new double[maxK * maxP];
    intercept = new double[maxK];
  }

  /** Whether every binary problem of the last fit met the tolerance within maxIter iterations. */
  boolean converged() {
    return converged;
  }

  /** Newton iterations of the last fit, summed over its binary problems. */
  int iterations() {
    return iterations;
  }

  @Override
  public void fit(double[] x, int n, int p, int[] y, int classes) {
    if (n > maxN || p > maxP || classes > maxK || classes < 2 || x.length < n * p) {
      throw new IllegalArgumentException(
          "SVM sized "
              + maxN
              + " x "
              + maxP
              + " x "
              + maxK
              + " got "
              + n
              + " x "
              + p
              + " x "
              + classes);
    }
    converged = true;
    iterations = 0;
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

  /** Newton's method for labels {@code sign}; leaves the weights (bias last) in {@code w}. */
  private void solveBinary(double[] x, int n, int p) {
    int q = p + 1;
    java.util.Arrays.fill(w, 0, q, 0.0);
    java.util.Arrays.fill(out, 0, n, 0.0); // out_i = w . x~_i
    double g0 = -1.0;
    for (int iter = 0; iter < maxIter; iter++) {
      // gradient over the margin violators
      for (int j = 0; j < q; j++) {
        g[j] = w[j];
      }
      double c2 = 2.0 * c;
      int violators = 0;
      for (int i = 0; i < n; i++) {
        double yi = sign[i];
        double m = 1.0 - yi * out[i];
        if (m <= 0.0) {
          continue;
        }
        violator[violators++] = i;
        int row = i * p;
        double gi = c2 * yi * m;
        for (int j = 0; j < p; j++) {
          g[j] -= gi * x[row + j];
        }
        g[p] -= gi;
      }
      double gmax = 0.0;
      for (int j = 0; j < q; j++) {
        gmax = Math.max(gmax, Math.abs(g[j]));
      }
      if (g0 < 0) {
        g0 = gmax;
      }
      if (gmax <= GRADIENT_TOL * g0) {
        return;
      }
      iterations++;
      // H = Id + 2C sum_{i in I} x~_i x~_i' (upper triangle): the violators' scatter, their column
      // sums (the bias column) and their count (the bias entry)
      for (int j = 0; j < q; j++) {
        java.util.Arrays.fill(h[j], 0, q, 0.0);
      }
      scatter.addUpper(x, p, violator, 0, violators, h);
      java.util.Arrays.fill(d, 0, p, 0.0);
      for (int v = 0; v < violators; v++) {
        int row = violator[v] * p;
        for (int j = 0; j < p; j++) {
          d[j] += x[row + j];
        }
      }
      for (int j = 0; j < p; j++) {
        double[] hj = h[j];
        for (int k = j & ~7; k < p; k++) {
          hj[k] *= c2;
        }
        hj[j] += 1.0;
        hj[p] = c2 * d[j];
      }
      h[p][p] = c2 * violators + 1.0;
      // d = -H^-1 g (H >= Id, so every pivot is >= 1 up to rounding)
      if (!Scatter.cholesky(h, q, 0.5, factor)) {
        throw new StageFailedException("SVM: the Newton system is not positive definite");
      }
      for (int j = 0; j < q; j++) {
        d[j] = -g[j];
      }
      Scatter.solve(factor, q, d, 0);
      for (int i = 0; i < n; i++) {
        int row = i * p;
        double s = d[p];
        for (int j = 0; j < p; j++) {
          s += d[j] * x[row + j];
        }
        delta[i] = s;
      }
      double step = lineSearch(n, q);
      for (int j = 0; j < q; j++) {
        w[j] += step * d[j];
      }
      for (int i = 0; i < n; i++) {
        out[i] += step * delta[i];
      }
    }
    converged = false;
  }

  /**
   * The minimiser {@code s > 0} of {@code phi(s) = f(w + s d)}: the root of {@code phi'(s) = w . d
   * + s d . d - 2C sum_i y_i delta_i max(0, 1 - y_i (out_i + s delta_i))}, increasing and piecewise
   * linear, with {@code phi'(0) = g . d < 0}. Newton steps on {@code phi'} from {@code s = 1} (the
   * full Newton step), kept inside a bracket by bisection; exact once the step stays on one linear
   * piece.
   */
  private double lineSearch(int n, int q) {
    double wd = 0.0;
    double dd = 0.0;
    double gd = 0.0;
    for (int j = 0; j < q; j++) {
      wd += w[j] * d[j];
      dd += d[j] * d[j];
      gd += g[j] * d[j];
    }
    double c2 = 2.0 * c;
    double lo = 0.0;
    double hi = Double.POSITIVE_INFINITY;
    double s = 1.0;
    double best = 0.0;
    double bestAbs = Math.abs(gd);
    for (int it = 0; it < LINE_SEARCH_STEPS; it++) {
      double slope = wd + s * dd;
      double curve = dd;
      for (int i = 0; i < n; i++) {
        double yi = sign[i];
        double m = 1.0 - yi * (out[i] + s * delta[i]);
        if (m > 0.0) {
          slope -= c2 * yi * delta[i] * m;
          curve += c2 * delta[i] * delta[i];
        }
      }
      if (Math.abs(slope) < bestAbs) {
        best = s;
        bestAbs = Math.abs(slope);
      }
      if (slope == 0.0 || Math.abs(slope) <= 1e-14 * Math.abs(gd)) {
        return s;
      }
      if (slope < 0.0) {
        lo = s;
      } else {
        hi = s;
      }
      double next = s - slope / curve;
      if (!(next > lo && next < hi)) {
        next = hi == Double.POSITIVE_INFINITY ? 2.0 * s : 0.5 * (lo + hi);
      }
      if (next == s || hi - lo <= 1e-15 * hi) {
        break;
      }
      s = next;
    }
    return best;
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

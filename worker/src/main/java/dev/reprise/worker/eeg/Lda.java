package dev.reprise.worker.eeg;

import dev.reprise.core.StageFailedException;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Shrinkage linear discriminant analysis as scikit-learn's {@code
 * LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")}.
 *
 * <p>For each class {@code k} with {@code n_k} rows: standardise the class's rows with their own
 * mean and population std ({@code Z = (X_k - m_k) / s}), take {@code S = Z'Z / n_k}, shrink it with
 * the Ledoit–Wolf coefficient {@code a} to {@code (1-a) S + a mu I} ({@code mu = tr(S)/p}), rescale
 * to {@code diag(s) S_a diag(s)}, and pool {@code Sigma = sum_k pi_k diag(s) S_a diag(s)} with
 * priors {@code pi_k = n_k / n}. Then {@code coef_k = Sigma^-1 m_k} and {@code b_k = -m_k . coef_k
 * / 2 + log pi_k}; for two classes the single row is {@code coef_1 - coef_0}, {@code b_1 - b_0}.
 *
 * <p>Ledoit–Wolf (scikit-learn's {@code ledoit_wolf_shrinkage}, on the centred {@code Z}): {@code
 * beta = (sum_i |z_i|^4 / n - |S|_F^2) / (p n)}, {@code delta = |S - mu I|_F^2 / p}, {@code a =
 * min(beta, delta) / delta} (0 if that minimum is 0, and 0 for one feature).
 *
 * <p>Computed from the class's covariance {@code C = (X_k - m_k)'(X_k - m_k) / n_k} in the units of
 * {@code x}: {@code S = diag(s)^-1 C diag(s)^-1} (so {@code diag(s) S_a diag(s) = (1-a) C + a mu
 * diag(s)^2}), and {@code sum_i |z_i|^4} from the centred rows. {@link #addClass} takes these
 * moments however they were obtained, so that {@link FoldedLda} can fit from class moments minus a
 * held-out fold's with the same formulas.
 *
 * <p>scikit-learn solves with {@code lstsq}; {@code Sigma} is positive definite whenever the
 * shrinkage or the data make it so, and then the Cholesky solve used here gives the same solution.
 * A singular {@code Sigma} falls back to the SVD pseudo-inverse (the minimum-norm least-squares
 * solution, as {@code lstsq}).
 */
final class Lda implements LinearClassifier {
  private final int maxN;
  private final int maxP;
  private final int maxK;
  private final double[][] sigma;
  private final double[][] chol;
  private final double[][] cov;
  private final Scatter scatter;
  private final double[] z;
  private final int[] iota;
  private final double[] sk;
  private final double[] inv;
  private final double[] means;
  private final double[] prior;
  private final int[] count;
  private final double[] sol;
  private final double[] coef;
  private final double[] intercept;
  private int rows;

  Lda(int maxN, int maxP, int maxK) {
    this.maxN = maxN;
    this.maxP = maxP;
    this.maxK = maxK;
    sigma = new double[maxP][maxP];
    chol = new double[maxP][maxP];
    cov = new double[maxP][maxP];
    scatter = new Scatter(maxP);
    z = new double[maxN * maxP];
    iota = new int[maxN];
    for (int i = 0; i < maxN; i++) {
      iota[i] = i;
    }
    sk = new double[maxP];
    inv = new double[maxP];
    means = new double[maxK * maxP];
    prior = new double[maxK];
    count = new int[maxK];
    sol = new double[maxK * maxP];
    coef = new double[maxK * maxP];
    intercept = new double[maxK];
  }

  @Override
  public void fit(double[] x, int n, int p, int[] y, int classes) {
    if (n > maxN || p > maxP || classes > maxK || classes < 2 || x.length < n * p || y.length < n) {
      throw new IllegalArgumentException(
          "LDA sized "
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
    java.util.Arrays.fill(count, 0, classes, 0);
    java.util.Arrays.fill(means, 0, classes * p, 0.0);
    for (int i = 0; i < n; i++) {
      count[y[i]]++;
      int row = i * p;
      int mrow = y[i] * p;
      for (int j = 0; j < p; j++) {
        means[mrow + j] += x[row + j];
      }
    }
    begin(p, classes);
    for (int k = 0; k < classes; k++) {
      if (count[k] == 0) {
        throw new IllegalArgumentException("LDA: class " + k + " has no training rows");
      }
      int nk = count[k];
      int moff = k * p;
      for (int j = 0; j < p; j++) {
        means[moff + j] /= nk;
      }
      // the class's rows, centred: Z0 = X_k - m_k
      int m = 0;
      for (int i = 0; i < n; i++) {
        if (y[i] == k) {
          int row = i * p;
          int zrow = m * p;
          for (int j = 0; j < p; j++) {
            z[zrow + j] = x[row + j] - means[moff + j];
          }
          m++;
        }
      }
      // C = Z0'Z0 / n_k (upper triangle); s = StandardScaler's scale of the class's rows
      for (int a = 0; a < p; a++) {
        java.util.Arrays.fill(cov[a], 0, p, 0.0);
      }
      scatter.addUpper(z, p, iota, 0, nk, cov);
      double invN = 1.0 / nk;
      for (int a = 0; a < p; a++) {
        for (int b = a; b < p; b++) {
          cov[a][b] *= invN;
        }
      }
      for (int j = 0; j < p; j++) {
        sk[j] = Standardizer.scaleOf(cov[j][j], means[moff + j], nk);
        inv[j] = 1.0 / sk[j];
      }
      double beta0 = fourthPower(z, p, iota, 0, nk, null, 0, inv);
      addClass(k, (double) nk / n, means, moff, cov, sk, beta0, nk, p);
    }
    finish(p, classes);
  }

  /** Starts a fit from class moments: clears the pooled covariance. */
  void begin(int p, int classes) {
    if (p > maxP || classes > maxK || classes < 2) {
      throw new IllegalArgumentException(
          "LDA sized " + maxP + " features x " + maxK + " classes got " + p + " x " + classes);
    }
    for (int a = 0; a < p; a++) {
      java.util.Arrays.fill(sigma[a], 0, p, 0.0);
    }
  }

  /**
   * {@code sum_i (sum_j ((x_rj - c_j) inv_j)^2)^2} over rows {@code r = rows[i]}, {@code i in
   * [from, to)}, with {@code c = centre[coff .. coff+p)} ({@code null}: 0): Ledoit–Wolf's {@code
   * sum_i |z_i|^4} for {@code z = (x - c) / s} given {@code inv = 1/s}. Nothing is modified.
   */
  static double fourthPower(
      double[] x, int p, int[] rows, int from, int to, double[] centre, int coff, double[] inv) {
    double sum = 0.0;
    for (int i = from; i < to; i++) {
      int row = rows[i] * p;
      double s0 = 0.0;
      double s1 = 0.0;
      double s2 = 0.0;
      double s3 = 0.0;
      int j = 0;
      if (centre == null) {
        for (; j + 4 <= p; j += 4) {
          double d0 = x[row + j] * inv[j];
          double d1 = x[row + j + 1] * inv[j + 1];
          double d2 = x[row + j + 2] * inv[j + 2];
          double d3 = x[row + j + 3] * inv[j + 3];
          s0 += d0 * d0;
          s1 += d1 * d1;
          s2 += d2 * d2;
          s3 += d3 * d3;
        }
        for (; j < p; j++) {
          double d0 = x[row + j] * inv[j];
          s0 += d0 * d0;
        }
      } else {
        for (; j + 4 <= p; j += 4) {
          double d0 = (x[row + j] - centre[coff + j]) * inv[j];
          double d1 = (x[row + j + 1] - centre[coff + j + 1]) * inv[j + 1];
          double d2 = (x[row + j + 2] - centre[coff + j + 2]) * inv[j + 2];
          double d3 = (x[row + j + 3] - centre[coff + j + 3]) * inv[j + 3];
          s0 += d0 * d0;
          s1 += d1 * d1;
          s2 += d2 * d2;
          s3 += d3 * d3;
        }
        for (; j < p; j++) {
          double d0 = (x[row + j] - centre[coff + j]) * inv[j];
          s0 += d0 * d0;
        }
      }
      double sq = (s0 + s1) + (s2 + s3);
      sum += sq * sq;
    }
    return sum;
  }

  /**
   * Adds class {@code k} to the fit begun by {@link #begin}: prior {@code w}, mean {@code mean[moff
   * .. moff+p)}, covariance {@code c} (upper triangle, {@code p x p}, divided by {@code n_k}),
   * StandardScaler scales {@code s}, and {@code beta0 = sum_i |z_i|^4}. With {@code S_ab = c_ab /
   * (s_a s_b)}, {@code mu = tr(S)/p} and Ledoit–Wolf's {@code a} (class Javadoc): {@code Sigma += w
   * ((1-a) C + a mu diag(s)^2)}. Only this LDA's buffers are modified.
   */
  void addClass(
      int k,
      double w,
      double[] mean,
      int moff,
      double[][] c,
      double[] s,
      double beta0,
      int nk,
      int p) {
    if (k >= maxK || p > maxP || c.length < p || s.length < p || mean.length < moff + p) {
      throw new IllegalArgumentException("LDA class " + k + " with " + p + " features");
    }
    prior[k] = w;
    if (mean != means || moff != k * p) {
      System.arraycopy(mean, moff, means, k * p, p);
    }
    for (int a = 0; a < p; a++) {
      inv[a] = 1.0 / s[a];
    }
    double trace = 0.0;
    double frob = 0.0;
    for (int a = 0; a < p; a++) {
      double[] ca = c[a];
      double ia = inv[a];
      double d = ca[a] * ia * ia;
      trace += d;
      double off0 = 0.0;
      double off1 = 0.0;
      int b = a + 1;
      for (; b + 2 <= p; b += 2) {
        double v0 = ca[b] * ia * inv[b];
        double v1 = ca[b + 1] * ia * inv[b + 1];
        off0 += v0 * v0;
        off1 += v1 * v1;
      }
      if (b < p) {
        double v0 = ca[b] * ia * inv[b];
        off0 += v0 * v0;
      }
      frob += d * d + 2.0 * (off0 + off1);
    }
    double mu = trace / p;
    double shrinkage = 0.0;
    if (p > 1) {
      double beta = (beta0 / nk - frob) / ((double) p * nk);
      double delta = (frob - 2.0 * mu * trace + p * mu * mu) / p;
      beta = Math.min(beta, delta);
      shrinkage = beta == 0.0 ? 0.0 : beta / delta;
    }
    double keep = w * (1.0 - shrinkage);
    for (int a = 0; a < p; a++) {
      double[] ca = c[a];
      double[] sa = sigma[a];
      for (int b = a & ~7; b < p; b++) {
        sa[b] += keep * ca[b];
      }
      sa[a] += w * shrinkage * mu * s[a] * s[a];
    }
  }

  /**
   * Ends the fit: {@code sol_k = Sigma^-1 m_k}, {@code b_k = -m_k . sol_k / 2 + log pi_k}, and for
   * two classes the single row {@code sol_1 - sol_0}, {@code b_1 - b_0}.
   */
  void finish(int p, int classes) {
    solve(p, classes);
    for (int k = 0; k < classes; k++) {
      double dot = 0.0;
      for (int j = 0; j < p; j++) {
        dot += means[k * p + j] * sol[k * p + j];
      }
      intercept[k] = -0.5 * dot + Math.log(prior[k]);
    }
    if (classes == 2) {
      rows = 1;
      for (int j = 0; j < p; j++) {
        coef[j] = sol[p + j] - sol[j];
      }
      intercept[0] = intercept[1] - intercept[0];
    } else {
      rows = classes;
      System.arraycopy(sol, 0, coef, 0, classes * p);
    }
  }

  /** {@code sol_k = Sigma^-1 m_k} by Cholesky, or by the pseudo-inverse if Sigma is singular. */
  private void solve(int p, int classes) {
    double maxDiag = 0.0;
    for (int i = 0; i < p; i++) {
      maxDiag = Math.max(maxDiag, sigma[i][i]);
    }
    if (Scatter.cholesky(sigma, p, maxDiag * p * Math.ulp(1.0), chol)) {
      System.arraycopy(means, 0, sol, 0, classes * p);
      for (int k = 0; k < classes; k++) {
        Scatter.solve(chol, p, sol, k * p);
      }
      return;
    }
    // Rare path (singular Sigma): allocation is acceptable here.
    DMatrixRMaj a = new DMatrixRMaj(p, p);
    for (int i = 0; i < p; i++) {
      for (int j = i; j < p; j++) {
        a.set(i, j, sigma[i][j]);
        a.set(j, i, sigma[i][j]);
      }
    }
    DMatrixRMaj bm = new DMatrixRMaj(p, classes);
    for (int k = 0; k < classes; k++) {
      for (int j = 0; j < p; j++) {
        bm.set(j, k, means[k * p + j]);
      }
    }
    LinearSolverDense<DMatrixRMaj> pinv = LinearSolverFactory_DDRM.pseudoInverse(true);
    if (!pinv.setA(a)) {
      throw new StageFailedException("LDA: pooled covariance could not be decomposed");
    }
    DMatrixRMaj out = new DMatrixRMaj(p, classes);
    pinv.solve(bm, out);
    for (int k = 0; k < classes; k++) {
      for (int j = 0; j < p; j++) {
        double v = out.get(j, k);
        if (!Double.isFinite(v)) {
          throw new StageFailedException("LDA: solve gave a non-finite coefficient");
        }
        sol[k * p + j] = v;
      }
    }
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

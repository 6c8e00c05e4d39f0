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
 * <p>scikit-learn solves with {@code lstsq}; {@code Sigma} is positive definite whenever the
 * shrinkage or the data make it so, and then the Cholesky solve used here gives the same solution.
 * A singular {@code Sigma} falls back to the SVD pseudo-inverse (the minimum-norm least-squares
 * solution, as {@code lstsq}).
 */
final class Lda implements LinearClassifier {
  private final int maxN;
  private final int maxP;
  private final int maxK;
  private final double[] sigma;
  private final double[] chol;
  private final double[] cov;
  private final double[] z;
  private final double[] mk;
  private final double[] sk;
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
    sigma = new double[maxP * maxP];
    chol = new double[maxP * maxP];
    cov = new double[maxP * maxP];
    z = new double[maxN * maxP];
    mk = new double[maxP];
    sk = new double[maxP];
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
    java.util.Arrays.fill(sigma, 0, p * p, 0.0);
    for (int i = 0; i < n; i++) {
      count[y[i]]++;
      int row = i * p;
      int mrow = y[i] * p;
      for (int j = 0; j < p; j++) {
        means[mrow + j] += x[row + j];
      }
    }
    for (int k = 0; k < classes; k++) {
      if (count[k] == 0) {
        throw new IllegalArgumentException("LDA: class " + k + " has no training rows");
      }
      prior[k] = (double) count[k] / n;
      for (int j = 0; j < p; j++) {
        means[k * p + j] /= count[k];
      }
      addShrunkClassCov(x, n, p, y, k, prior[k]);
    }
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

  /** {@code sigma += w * diag(s) LW(Z'Z/n_k) diag(s)} for the rows of class {@code k}. */
  private void addShrunkClassCov(double[] x, int n, int p, int[] y, int k, double w) {
    int nk = 0;
    for (int i = 0; i < n; i++) {
      if (y[i] == k) {
        System.arraycopy(x, i * p, z, nk * p, p);
        nk++;
      }
    }
    // StandardScaler on the class's rows: mean, population std, constant feature -> 1.
    double eps = Math.ulp(1.0);
    for (int j = 0; j < p; j++) {
      double m = 0.0;
      for (int i = 0; i < nk; i++) {
        m += z[i * p + j];
      }
      m /= nk;
      double v = 0.0;
      for (int i = 0; i < nk; i++) {
        double d = z[i * p + j] - m;
        v += d * d;
      }
      v /= nk;
      double bound = nk * eps * v + (nk * m * eps) * (nk * m * eps);
      mk[j] = m;
      sk[j] = v <= bound ? 1.0 : Math.sqrt(v);
    }
    // Z = (X_k - m) / s, then centre again as ledoit_wolf does (a no-op up to rounding).
    for (int i = 0; i < nk; i++) {
      int row = i * p;
      for (int j = 0; j < p; j++) {
        z[row + j] = (z[row + j] - mk[j]) / sk[j];
      }
    }
    for (int j = 0; j < p; j++) {
      double m = 0.0;
      for (int i = 0; i < nk; i++) {
        m += z[i * p + j];
      }
      m /= nk;
      for (int i = 0; i < nk; i++) {
        z[i * p + j] -= m;
      }
    }
    // S = Z'Z / n_k (upper triangle), and sum_i |z_i|^4.
    java.util.Arrays.fill(cov, 0, p * p, 0.0);
    double beta0 = 0.0;
    for (int i = 0; i < nk; i++) {
      int row = i * p;
      double sq = 0.0;
      for (int a = 0; a < p; a++) {
        double za = z[row + a];
        sq += za * za;
        if (za == 0.0) {
          continue;
        }
        int crow = a * p;
        for (int b = a; b < p; b++) {
          cov[crow + b] += za * z[row + b];
        }
      }
      beta0 += sq * sq;
    }
    double trace = 0.0;
    double frob = 0.0;
    for (int a = 0; a < p; a++) {
      for (int b = a; b < p; b++) {
        double s = cov[a * p + b] / nk;
        cov[a * p + b] = s;
        cov[b * p + a] = s;
        frob += a == b ? s * s : 2 * s * s;
      }
      trace += cov[a * p + a];
    }
    double mu = trace / p;
    double shrinkage = 0.0;
    if (p > 1) {
      double beta = (beta0 / nk - frob) / ((double) p * nk);
      double delta = (frob - 2.0 * mu * trace + p * mu * mu) / p;
      beta = Math.min(beta, delta);
      shrinkage = beta == 0.0 ? 0.0 : beta / delta;
    }
    for (int a = 0; a < p; a++) {
      for (int b = 0; b < p; b++) {
        double s = (1.0 - shrinkage) * cov[a * p + b];
        if (a == b) {
          s += shrinkage * mu;
        }
        sigma[a * p + b] += w * sk[a] * s * sk[b];
      }
    }
  }

  /** {@code sol_k = Sigma^-1 m_k} by Cholesky, or by the pseudo-inverse if Sigma is singular. */
  private void solve(int p, int classes) {
    if (cholesky(p)) {
      for (int k = 0; k < classes; k++) {
        int off = k * p;
        // L u = m_k, then L' v = u.
        for (int i = 0; i < p; i++) {
          double s = means[off + i];
          for (int j = 0; j < i; j++) {
            s -= chol[i * p + j] * sol[off + j];
          }
          sol[off + i] = s / chol[i * p + i];
        }
        for (int i = p - 1; i >= 0; i--) {
          double s = sol[off + i];
          for (int j = i + 1; j < p; j++) {
            s -= chol[j * p + i] * sol[off + j];
          }
          sol[off + i] = s / chol[i * p + i];
        }
      }
      return;
    }
    // Rare path (singular Sigma): allocation is acceptable here.
    DMatrixRMaj a = new DMatrixRMaj(p, p);
    System.arraycopy(sigma, 0, a.data, 0, p * p);
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

  /** Lower Cholesky factor of {@code sigma} into {@code chol}; false if not positive definite. */
  private boolean cholesky(int p) {
    double maxDiag = 0.0;
    for (int i = 0; i < p; i++) {
      maxDiag = Math.max(maxDiag, sigma[i * p + i]);
    }
    double floor = maxDiag * p * Math.ulp(1.0);
    for (int i = 0; i < p; i++) {
      for (int j = 0; j <= i; j++) {
        double s = sigma[i * p + j];
        for (int m = 0; m < j; m++) {
          s -= chol[i * p + m] * chol[j * p + m];
        }
        if (i == j) {
          if (!(s > floor)) {
            return false;
          }
          chol[i * p + i] = Math.sqrt(s);
        } else {
          chol[i * p + j] = s / chol[j * p + j];
        }
      }
    }
    return true;
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

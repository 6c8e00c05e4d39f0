package dev.reprise.worker.eeg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.CommonOps_MT_DDRM;

/**
 * Benchmark-only variant of {@link Lda} (same formulas, same Cholesky solve) whose per-class
 * scatter {@code S = Z'Z} is computed by EJML: {@code CommonOps_MT_DDRM.multTransA} (EJML's
 * concurrent operations, as many threads as {@code EjmlConcurrency.setMaxThreads} allows) or, as a
 * control, the single-threaded {@code CommonOps_DDRM.multTransA}. The thread lesson compares it
 * with the method's own path; it is not part of any method.
 */
final class EjmlLda implements LinearClassifier {
  private final boolean concurrent;
  private final int maxN;
  private final int maxP;
  private final int maxK;
  private final DMatrixRMaj zm;
  private final DMatrixRMaj sm;
  private final double[] sigma;
  private final double[] chol;
  private final double[] mk;
  private final double[] sk;
  private final double[] means;
  private final double[] prior;
  private final int[] count;
  private final double[] sol;
  private final double[] coef;
  private final double[] intercept;
  private int rows;

  EjmlLda(boolean concurrent, int maxN, int maxP, int maxK) {
    this.concurrent = concurrent;
    this.maxN = maxN;
    this.maxP = maxP;
    this.maxK = maxK;
    zm = new DMatrixRMaj(maxN, maxP);
    sm = new DMatrixRMaj(maxP, maxP);
    sigma = new double[maxP * maxP];
    chol = new double[maxP * maxP];
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
    if (n > maxN || p > maxP || classes > maxK || classes < 2) {
      throw new IllegalArgumentException("EjmlLda sized " + maxN + " x " + maxP + " x " + maxK);
    }
    java.util.Arrays.fill(count, 0, classes, 0);
    java.util.Arrays.fill(means, 0, classes * p, 0.0);
    java.util.Arrays.fill(sigma, 0, p * p, 0.0);
    for (int i = 0; i < n; i++) {
      count[y[i]]++;
      for (int j = 0; j < p; j++) {
        means[y[i] * p + j] += x[i * p + j];
      }
    }
    for (int k = 0; k < classes; k++) {
      prior[k] = (double) count[k] / n;
      for (int j = 0; j < p; j++) {
        means[k * p + j] /= count[k];
      }
      addShrunkClassCov(x, n, p, y, k, prior[k]);
    }
    if (!cholesky(p)) {
      throw new IllegalStateException("EjmlLda: singular pooled covariance (not benchmarked)");
    }
    for (int k = 0; k < classes; k++) {
      int off = k * p;
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
      double dot = 0.0;
      for (int j = 0; j < p; j++) {
        dot += means[off + j] * sol[off + j];
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

  /** {@code sigma += w * diag(s) LW(Z'Z/n_k) diag(s)}, the scatter by EJML. */
  private void addShrunkClassCov(double[] x, int n, int p, int[] y, int k, double w) {
    zm.reshape(count[k], p, false);
    double[] z = zm.data;
    int nk = 0;
    for (int i = 0; i < n; i++) {
      if (y[i] == k) {
        System.arraycopy(x, i * p, z, nk * p, p);
        nk++;
      }
    }
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
    for (int i = 0; i < nk; i++) {
      for (int j = 0; j < p; j++) {
        z[i * p + j] = (z[i * p + j] - mk[j]) / sk[j];
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
    double beta0 = 0.0;
    for (int i = 0; i < nk; i++) {
      double sq = 0.0;
      for (int a = 0; a < p; a++) {
        sq += z[i * p + a] * z[i * p + a];
      }
      beta0 += sq * sq;
    }
    sm.reshape(p, p, false);
    if (concurrent) {
      CommonOps_MT_DDRM.multTransA(zm, zm, sm);
    } else {
      CommonOps_DDRM.multTransA(zm, zm, sm);
    }
    double[] cov = sm.data;
    double trace = 0.0;
    double frob = 0.0;
    for (int a = 0; a < p; a++) {
      for (int b = 0; b < p; b++) {
        double s = cov[a * p + b] / nk;
        cov[a * p + b] = s;
        frob += s * s;
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

  private boolean cholesky(int p) {
    for (int i = 0; i < p; i++) {
      for (int j = 0; j <= i; j++) {
        double s = sigma[i * p + j];
        for (int m = 0; m < j; m++) {
          s -= chol[i * p + m] * chol[j * p + m];
        }
        if (i == j) {
          if (!(s > 0)) {
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

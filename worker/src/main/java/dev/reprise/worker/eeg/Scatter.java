package dev.reprise.worker.eeg;

/**
 * Dense kernels of the LDA fit, written so that HotSpot's C2 compiler vectorises their inner loops:
 * each inner loop is {@code row[j] += s * v[j]} over arrays indexed from 0 with a start aligned to
 * 8 elements. (Measured on OpenJDK 17: the same loop over one flat array at a variable offset, or
 * starting at the diagonal, ran 2 to 3 times slower because it was barely vectorised.) Matrices are
 * {@code double[p][p]}; only the upper triangle ({@code b >= a}) is meaningful. Entries left of the
 * diagonal in the same aligned block of 8 may be overwritten with partial results; nothing reads
 * them.
 */
final class Scatter {
  private final int maxP;
  private final double[] v0;
  private final double[] v1;
  private final double[] v2;
  private final double[] v3;

  /** Work rows for up to {@code maxP} features. */
  Scatter(int maxP) {
    this.maxP = maxP;
    v0 = new double[maxP];
    v1 = new double[maxP];
    v2 = new double[maxP];
    v3 = new double[maxP];
  }

  /**
   * {@code g[a][b] += sum_{i in [from, to)} x[r*p + a] x[r*p + b]} with {@code r = rows[i]}, for
   * {@code b >= a}: the upper triangle of {@code X_R' X_R}. Rows are taken four at a time (copied
   * to work rows), so each element of {@code g} is loaded and stored once per four rows. Only
   * {@code g} (and this kernel's work rows) is modified.
   */
  void addUpper(double[] x, int p, int[] rows, int from, int to, double[][] g) {
    if (p > maxP || from < 0 || to > rows.length || g.length < p || g[0].length < p) {
      throw new IllegalArgumentException(
          "scatter of rows [" + from + ", " + to + ") of " + rows.length + ", p " + p);
    }
    int i = from;
    for (; i + 4 <= to; i += 4) {
      System.arraycopy(x, rows[i] * p, v0, 0, p);
      System.arraycopy(x, rows[i + 1] * p, v1, 0, p);
      System.arraycopy(x, rows[i + 2] * p, v2, 0, p);
      System.arraycopy(x, rows[i + 3] * p, v3, 0, p);
      for (int a = 0; a < p; a++) {
        double x0 = v0[a];
        double x1 = v1[a];
        double x2 = v2[a];
        double x3 = v3[a];
        double[] ga = g[a];
        for (int b = a & ~7; b < p; b++) {
          ga[b] += x0 * v0[b] + x1 * v1[b] + x2 * v2[b] + x3 * v3[b];
        }
      }
    }
    for (; i < to; i++) {
      System.arraycopy(x, rows[i] * p, v0, 0, p);
      for (int a = 0; a < p; a++) {
        double x0 = v0[a];
        double[] ga = g[a];
        for (int b = a & ~7; b < p; b++) {
          ga[b] += x0 * v0[b];
        }
      }
    }
  }

  /**
   * Upper Cholesky factor {@code U} of the symmetric {@code A} ({@code A = U'U}; right-looking: row
   * {@code k} of {@code U} is scaled, then the trailing rows are updated with it). Reads the upper
   * triangle of {@code a}, writes the upper triangle of {@code u}; {@code a} is not modified.
   * Returns false if a pivot is not above {@code floor} (not positive definite).
   */
  static boolean cholesky(double[][] a, int p, double floor, double[][] u) {
    if (a.length < p || u.length < p || p > 0 && (a[0].length < p || u[0].length < p)) {
      throw new IllegalArgumentException("cholesky of " + p + " x " + p);
    }
    for (int i = 0; i < p; i++) {
      System.arraycopy(a[i], i, u[i], i, p - i);
    }
    for (int k = 0; k < p; k++) {
      double[] uk = u[k];
      double pivot = uk[k];
      if (!(pivot > floor)) {
        return false;
      }
      double d = Math.sqrt(pivot);
      double inv = 1.0 / d;
      for (int j = k + 1; j < p; j++) {
        uk[j] *= inv;
      }
      uk[k] = d;
      for (int i = k + 1; i < p; i++) {
        double f = uk[i];
        double[] ui = u[i];
        for (int j = i & ~7; j < p; j++) {
          ui[j] -= f * uk[j];
        }
      }
    }
    return true;
  }

  /**
   * Solves {@code U'U v = b} in place ({@code b} at {@code v[off .. off+p)} is replaced by {@code
   * v}) with the factor {@code u} from {@link #cholesky}: {@code U'y = b} by rows of {@code U},
   * then {@code U v = y} by rows with four partial sums.
   */
  static void solve(double[][] u, int p, double[] v, int off) {
    for (int k = 0; k < p; k++) {
      double[] uk = u[k];
      double yk = v[off + k] / uk[k];
      v[off + k] = yk;
      for (int j = k + 1; j < p; j++) {
        v[off + j] -= yk * uk[j];
      }
    }
    for (int k = p - 1; k >= 0; k--) {
      double[] uk = u[k];
      double s0 = 0.0;
      double s1 = 0.0;
      double s2 = 0.0;
      double s3 = 0.0;
      int j = k + 1;
      for (; j + 4 <= p; j += 4) {
        s0 += uk[j] * v[off + j];
        s1 += uk[j + 1] * v[off + j + 1];
        s2 += uk[j + 2] * v[off + j + 2];
        s3 += uk[j + 3] * v[off + j + 3];
      }
      for (; j < p; j++) {
        s0 += uk[j] * v[off + j];
      }
      v[off + k] = (v[off + k] - ((s0 + s1) + (s2 + s3))) / uk[k];
    }
  }
}

package dev.reprise.worker.eeg;

/** Student's t distribution: cumulative distribution and its inverse, in double precision. */
public final class StudentT {
  private static final double EPS = 1e-16;
  private static final double TINY = 1e-300;
  private static final double[] LANCZOS = {
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7
  };

  private StudentT() {}

  /**
   * P(T &lt;= t) for T with {@code df} degrees of freedom: for t &gt; 0, {@code 1 - I_x(df/2, 1/2)
   * / 2} with {@code x = df / (df + t^2)} and I the regularized incomplete beta function.
   */
  public static double cdf(double t, double df) {
    checkDf(df);
    if (Double.isNaN(t)) {
      return Double.NaN;
    }
    if (Double.isInfinite(t)) {
      return t > 0 ? 1.0 : 0.0;
    }
    double tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
    return t > 0 ? 1 - tail : tail;
  }

  /**
   * The t with {@code cdf(t, df) = p}: bisection on the bracket found by doubling, to the last few
   * ulps (the cdf is monotone, so bisection cannot fail).
   */
  public static double quantile(double p, double df) {
    checkDf(df);
    if (!(p > 0 && p < 1)) {
      throw new IllegalArgumentException("p must be in (0, 1), got " + p);
    }
    if (p == 0.5) {
      return 0.0;
    }
    if (p < 0.5) {
      return -quantile(1 - p, df);
    }
    // Upper tail probability computed directly keeps precision for p close to 1.
    double q = 1 - p;
    double lo = 0;
    double hi = 1;
    while (upperTail(hi, df) > q) {
      lo = hi;
      hi *= 2;
      if (hi > 1e300) {
        throw new ArithmeticException("no t quantile for p=" + p + ", df=" + df);
      }
    }
    for (int i = 0; i < 2000 && hi - lo > 4 * Math.ulp(hi); i++) {
      double mid = 0.5 * (lo + hi);
      if (upperTail(mid, df) > q) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return 0.5 * (lo + hi);
  }

  /** P(T &gt; t) for t &gt;= 0. */
  private static double upperTail(double t, double df) {
    return 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  }

  private static void checkDf(double df) {
    if (!(df > 0) || Double.isInfinite(df)) {
      throw new IllegalArgumentException("degrees of freedom must be positive, got " + df);
    }
  }

  /**
   * I_x(a, b) = B(x; a, b) / B(a, b), by the continued fraction of Numerical Recipes (modified
   * Lentz), using the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where that converges faster.
   */
  static double regularizedBeta(double x, double a, double b) {
    if (x <= 0) {
      return 0;
    }
    if (x >= 1) {
      return 1;
    }
    double logFront =
        logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
    if (x < (a + 1) / (a + b + 2)) {
      return Math.exp(logFront) * betaContinuedFraction(x, a, b) / a;
    }
    return 1 - Math.exp(logFront) * betaContinuedFraction(1 - x, b, a) / b;
  }

  private static double betaContinuedFraction(double x, double a, double b) {
    double qab = a + b;
    double qap = a + 1;
    double qam = a - 1;
    double c = 1;
    double d = 1 - qab * x / qap;
    if (Math.abs(d) < TINY) {
      d = TINY;
    }
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 10_000; m++) {
      int m2 = 2 * m;
      double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
      d = 1 + aa * d;
      d = Math.abs(d) < TINY ? TINY : d;
      c = 1 + aa / c;
      c = Math.abs(c) < TINY ? TINY : c;
      d = 1 / d;
      h *= d * c;
      aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
      d = 1 + aa * d;
      d = Math.abs(d) < TINY ? TINY : d;
      c = 1 + aa / c;
      c = Math.abs(c) < TINY ? TINY : c;
      d = 1 / d;
      double del = d * c;
      h *= del;
      if (Math.abs(del - 1) < EPS) {
        return h;
      }
    }
    throw new ArithmeticException(
        "incomplete beta did not converge for x=" + x + ", a=" + a + ", b=" + b);
  }

  /** log Γ(x) for x &gt; 0 by the Lanczos approximation (g = 7, 9 terms; ~15 digits). */
  static double logGamma(double x) {
    if (x < 0.5) {
      // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
      return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
    }
    x -= 1;
    double sum = LANCZOS[0];
    double t = x + 7.5;
    for (int i = 1; i < LANCZOS.length; i++) {
      sum += LANCZOS[i] / (x + i);
    }
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
  }
}

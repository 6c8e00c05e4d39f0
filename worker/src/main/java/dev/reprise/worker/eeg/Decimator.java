package dev.reprise.worker.eeg;

/**
 * Anti-aliased decimation by an integer factor q, as {@code scipy.signal.decimate(x, q,
 * ftype='fir', zero_phase=True)} designs it: a Hamming-windowed sinc low-pass of 20q + 1 taps with
 * its cutoff at the new Nyquist frequency (gain 1/2 there, 1 at DC), applied centred (zero phase),
 * then every q-th sample from the first. Edges are extended by odd reflection about the end samples
 * (as {@code filtfilt}'s default padding), which keeps constants and linear trends unchanged.
 */
public final class Decimator {
  private final int q;
  private final double[] taps;

  public Decimator(int q) {
    if (q < 1) {
      throw new IllegalArgumentException("decimation factor must be >= 1, got " + q);
    }
    this.q = q;
    this.taps = q == 1 ? new double[] {1} : lowPass(10 * q, 1.0 / q);
  }

  /**
   * h[n] = w[n] · sin(π f (n − M)) / (π (n − M)), n = 0..2M, f the cutoff as a fraction of Nyquist,
   * w the Hamming window 0.54 − 0.46 cos(2π n / 2M); normalised so that Σ h = 1.
   */
  static double[] lowPass(int half, double cutoff) {
    double[] h = new double[2 * half + 1];
    double sum = 0;
    for (int n = 0; n < h.length; n++) {
      int m = n - half;
      double sinc = m == 0 ? cutoff : Math.sin(Math.PI * cutoff * m) / (Math.PI * m);
      double w = 0.54 - 0.46 * Math.cos(2 * Math.PI * n / (h.length - 1));
      h[n] = sinc * w;
      sum += h[n];
    }
    for (int n = 0; n < h.length; n++) {
      h[n] /= sum;
    }
    return h;
  }

  public int factor() {
    return q;
  }

  /** Number of samples after decimating {@code n}: ceil(n / q). */
  public int outputLength(int n) {
    return (n + q - 1) / q;
  }

  /**
   * Filters {@code in[from .. from + n)} and writes its decimated samples to {@code out[to ..]}.
   * Neither input is modified except {@code out}.
   */
  public void apply(double[] in, int from, int n, double[] out, int to) {
    if (q == 1) {
      System.arraycopy(in, from, out, to, n);
      return;
    }
    int half = taps.length / 2;
    int outN = outputLength(n);
    for (int j = 0; j < outN; j++) {
      int centre = j * q;
      double acc = 0;
      for (int k = 0; k < taps.length; k++) {
        acc += taps[k] * sample(in, from, n, centre + half - k);
      }
      out[to + j] = acc;
    }
  }

  /**
   * x[i] with odd reflection beyond the ends: x[−m] = 2 x[0] − x[m], x[n−1+m] = 2 x[n−1] − x[n−1−m]
   * (m capped at n − 1 for epochs shorter than the filter).
   */
  private static double sample(double[] x, int from, int n, int i) {
    if (i < 0) {
      return 2 * x[from] - x[from + Math.min(-i, n - 1)];
    }
    if (i >= n) {
      return 2 * x[from + n - 1] - x[from + n - 1 - Math.min(i - (n - 1), n - 1)];
    }
    return x[from + i];
  }
}

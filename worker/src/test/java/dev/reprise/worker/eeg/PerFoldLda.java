package dev.reprise.worker.eeg;

/**
 * The per-fold path {@link FoldedLda} replaces in the decoder: gather a fold's training rows, fit a
 * {@link Standardizer} on them, standardise, fit {@link Lda}. The reference of {@code
 * FoldedLdaTest} and the "before" row of {@code LdaRooflineBench}.
 */
final class PerFoldLda {
  final Lda lda;
  final Standardizer scaler;
  private final double[] xtr;
  private final int[] ytr;

  PerFoldLda(int trials, int p, int classes) {
    lda = new Lda(trials, p, classes);
    scaler = new Standardizer(p);
    xtr = new double[trials * p];
    ytr = new int[trials];
  }

  /** Fits on the rows {@code i} of {@code x} ({@code n x p}) with {@code foldOf[i] != f}. */
  void fit(double[] x, int n, int p, int[] y, int classes, int[] foldOf, int f) {
    int m = 0;
    for (int i = 0; i < n; i++) {
      if (foldOf[i] != f) {
        System.arraycopy(x, i * p, xtr, m * p, p);
        ytr[m++] = y[i];
      }
    }
    scaler.fit(xtr, m, p);
    scaler.transform(xtr, m);
    lda.fit(xtr, m, p, ytr, classes);
  }
}

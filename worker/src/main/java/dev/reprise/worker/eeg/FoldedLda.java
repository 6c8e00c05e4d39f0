package dev.reprise.worker.eeg;

/**
 * The classifiers of every fold at one time point, as a {@link Standardizer} fitted on the fold's
 * training set followed by {@link Lda}, but computed from class moments of all trials minus the
 * held-out fold's, so the {@code O(n p^2)} scatter of each class is built once per time point and
 * each fold only pays for its held-out rows.
 *
 * <p>At a time point, {@code u_i = x_i - c} with {@code c} the mean over all trials (a shift that
 * keeps the raw moments below well conditioned). For class {@code k} and held-out fold {@code f},
 * with {@code T} the training rows of the class ({@code n_k} of them): {@code sum_T u = sum_all u -
 * sum_f u}, {@code G_k = sum_T u u' = G_all - G_f}, {@code d_k = sum_T u / n_k} and {@code C_k =
 * G_k / n_k - d_k d_k'}.
 *
 * <p>The training set's standardisation ({@code m, s} over all {@code n} training rows): {@code m =
 * c + sum_k n_k d_k / n}, {@code s_j^2 = sum_k n_k (C_k,jj + (d_kj - (m_j - c_j))^2) / n}. In the
 * standardised units LDA sees: class mean {@code m'_k = (d_k + c - m) / s}, covariance {@code C'_k
 * = diag(s)^-1 C_k diag(s)^-1}, class scale {@code s'_kj} = StandardScaler's of {@code C'_k,jj},
 * and Ledoit–Wolf's {@code sum_i |z_i|^4} with {@code z_ij = (u_ij - d_kj) / (s_j s'_kj)} over the
 * class's training rows (one {@code O(n_k p)} pass; it depends on the fold's own means and scales,
 * so it cannot be subtracted). These are exactly the moments {@link Lda#fit} computes from the
 * standardised training rows, so {@link Lda#addClass} gives the same classifier up to rounding. The
 * decoder folds {@link #trainMean()} and {@link #trainScale()} into the weights as for a fitted
 * {@link Standardizer}.
 *
 * <p>Allocates nothing after construction; not thread-safe.
 */
final class FoldedLda {
  private final int trials;
  private final int p;
  private final int classes;
  private final int maxFolds;
  private final Lda lda;
  private final int[] label;
  private final int[] classCount;
  private final double[] u;
  private final double[] centre;
  private final double[] allSum;
  private final double[][][] allScatter;
  private final Scatter scatter;
  private final int[] order;
  private final int[] partStart;
  private final int[] cursor;
  private final double[][] part;
  private final double[] partSum;
  private final double[][][] cov;
  private final double[] d;
  private final double[] standardMean;
  private final double[] classScale;
  private final double[] inv;
  private final int[] count;
  private final double[] trainMean;
  private final double[] trainScale;
  private final double[] invScale;
  private int folds;
  private boolean timeSet;

  /** Sized for {@code trials} trials of {@code p} features, {@code classes} classes. */
  FoldedLda(int trials, int p, int classes, int maxFolds) {
    if (trials < 1 || p < 1 || classes < 2 || maxFolds < 2) {
      throw new IllegalArgumentException(
          "folded LDA of " + trials + " x " + p + ", " + classes + " classes, " + maxFolds);
    }
    this.trials = trials;
    this.p = p;
    this.classes = classes;
    this.maxFolds = maxFolds;
    lda = new Lda(trials, p, classes);
    label = new int[trials];
    classCount = new int[classes];
    u = new double[trials * p];
    centre = new double[p];
    allSum = new double[classes * p];
    allScatter = new double[classes][p][p];
    scatter = new Scatter(p);
    order = new int[trials];
    partStart = new int[maxFolds * classes + 1];
    cursor = new int[maxFolds * classes];
    part = new double[p][p];
    partSum = new double[p];
    cov = new double[classes][p][p];
    d = new double[classes * p];
    standardMean = new double[classes * p];
    classScale = new double[p];
    inv = new double[p];
    count = new int[classes];
    trainMean = new double[p];
    trainScale = new double[p];
    invScale = new double[p];
  }

  /**
   * Loads the time point: trial {@code i}'s features are {@code x[off + i*p .. off + i*p + p)}, its
   * class {@code y[i]} in {@code 0..classes-1}. Computes {@code c}, {@code u}, and each class's
   * {@code sum u} and {@code G_all} (upper triangle). {@code x} and {@code y} are not modified.
   */
  void time(double[] x, int off, int[] y) {
    if (off < 0 || x.length < off + trials * p || y.length != trials) {
      throw new IllegalArgumentException(
          "time point at " + off + " of " + x.length + ", " + y.length + " labels");
    }
    java.util.Arrays.fill(centre, 0.0);
    java.util.Arrays.fill(classCount, 0);
    for (int i = 0; i < trials; i++) {
      int row = off + i * p;
      for (int j = 0; j < p; j++) {
        centre[j] += x[row + j];
      }
      int k = y[i];
      if (k < 0 || k >= classes) {
        throw new IllegalArgumentException("label " + k + " of trial " + i);
      }
      label[i] = k;
      classCount[k]++;
    }
    for (int j = 0; j < p; j++) {
      centre[j] /= trials;
    }
    java.util.Arrays.fill(allSum, 0.0);
    for (int i = 0; i < trials; i++) {
      int row = off + i * p;
      int urow = i * p;
      int srow = label[i] * p;
      for (int j = 0; j < p; j++) {
        double v = x[row + j] - centre[j];
        u[urow + j] = v;
        allSum[srow + j] += v;
      }
    }
    // order trials by class, then scatter each class's block
    int[] start = partStart;
    start[0] = 0;
    for (int k = 0; k < classes; k++) {
      start[k + 1] = start[k] + classCount[k];
      cursor[k] = start[k];
    }
    for (int i = 0; i < trials; i++) {
      order[cursor[label[i]]++] = i;
    }
    for (int k = 0; k < classes; k++) {
      clear(allScatter[k]);
      scatter.addUpper(u, p, order, start[k], start[k + 1], allScatter[k]);
    }
    folds = 0;
    timeSet = true;
  }

  /**
   * Sets the folds of a repeat: trial {@code i} is held out in fold {@code foldOf[i]} in {@code
   * 0..folds-1}. Call after {@link #time}; cheap ({@code O(trials)}).
   */
  void repeat(int[] foldOf, int folds) {
    if (!timeSet || foldOf.length != trials || folds < 2 || folds > maxFolds) {
      throw new IllegalArgumentException(
          "folds " + folds + " (at most " + maxFolds + ") for " + foldOf.length + " trials");
    }
    int parts = folds * classes;
    java.util.Arrays.fill(cursor, 0, parts, 0);
    for (int i = 0; i < trials; i++) {
      int f = foldOf[i];
      if (f < 0 || f >= folds) {
        throw new IllegalArgumentException("fold " + f + " of trial " + i);
      }
      cursor[f * classes + label[i]]++;
    }
    partStart[0] = 0;
    for (int q = 0; q < parts; q++) {
      partStart[q + 1] = partStart[q] + cursor[q];
      cursor[q] = partStart[q];
    }
    for (int i = 0; i < trials; i++) {
      order[cursor[foldOf[i] * classes + label[i]]++] = i;
    }
    this.folds = folds;
  }

  /**
   * Fits the classifier of fold {@code f} (trained on every other fold) into {@link #classifier()},
   * with the training standardisation in {@link #trainMean()} and {@link #trainScale()}. Formulas:
   * class Javadoc.
   */
  void fit(int f) {
    if (folds == 0 || f < 0 || f >= folds) {
      throw new IllegalArgumentException("fold " + f + " of " + folds + " (set a repeat first)");
    }
    int n = 0;
    for (int k = 0; k < classes; k++) {
      int a = partStart[f * classes + k];
      int b = partStart[f * classes + k + 1];
      int nk = classCount[k] - (b - a);
      if (nk == 0) {
        throw new IllegalArgumentException("LDA: class " + k + " has no training rows");
      }
      count[k] = nk;
      n += nk;
      clear(part);
      scatter.addUpper(u, p, order, a, b, part);
      java.util.Arrays.fill(partSum, 0.0);
      for (int i = a; i < b; i++) {
        int row = order[i] * p;
        for (int j = 0; j < p; j++) {
          partSum[j] += u[row + j];
        }
      }
      int koff = k * p;
      double invN = 1.0 / nk;
      for (int j = 0; j < p; j++) {
        d[koff + j] = (allSum[koff + j] - partSum[j]) * invN;
      }
      for (int r = 0; r < p; r++) {
        double[] cr = cov[k][r];
        double[] ar = allScatter[k][r];
        double[] pr = part[r];
        double dr = d[koff + r];
        for (int c = r & ~7; c < p; c++) {
          cr[c] = (ar[c] - pr[c]) * invN - dr * d[koff + c];
        }
      }
    }
    // the training set's StandardScaler, from the class moments (within + between)
    for (int j = 0; j < p; j++) {
      double mean = 0.0;
      for (int k = 0; k < classes; k++) {
        mean += count[k] * d[k * p + j];
      }
      mean /= n;
      double var = 0.0;
      for (int k = 0; k < classes; k++) {
        double between = d[k * p + j] - mean;
        var += count[k] * (cov[k][j][j] + between * between);
      }
      var /= n;
      trainMean[j] = mean + centre[j];
      trainScale[j] = Standardizer.scaleOf(var, trainMean[j], n);
      invScale[j] = 1.0 / trainScale[j];
    }
    lda.begin(p, classes);
    for (int k = 0; k < classes; k++) {
      int koff = k * p;
      int nk = count[k];
      for (int j = 0; j < p; j++) {
        double mj = (d[koff + j] + centre[j] - trainMean[j]) * invScale[j];
        standardMean[koff + j] = mj;
        double var = cov[k][j][j] * invScale[j] * invScale[j];
        classScale[j] = Standardizer.scaleOf(var, mj, nk);
        inv[j] = invScale[j] / classScale[j];
      }
      for (int r = 0; r < p; r++) {
        double[] cr = cov[k][r];
        double ir = invScale[r];
        for (int c = r & ~7; c < p; c++) {
          cr[c] *= ir * invScale[c];
        }
      }
      double beta0 = 0.0;
      for (int g = 0; g < folds; g++) {
        if (g != f) {
          int q = g * classes + k;
          beta0 += Lda.fourthPower(u, p, order, partStart[q], partStart[q + 1], d, koff, inv);
        }
      }
      lda.addClass(k, (double) nk / n, standardMean, koff, cov[k], classScale, beta0, nk, p);
    }
    lda.finish(p, classes);
  }

  private void clear(double[][] m) {
    for (int r = 0; r < p; r++) {
      java.util.Arrays.fill(m[r], 0, p, 0.0);
    }
  }

  /** The fitted classifier of the last {@link #fit}, in the standardised units. */
  LinearClassifier classifier() {
    return lda;
  }

  /** The training set's mean (StandardScaler's {@code mean_}) of the last {@link #fit}. */
  double[] trainMean() {
    return trainMean;
  }

  /** The training set's scale (StandardScaler's {@code scale_}) of the last {@link #fit}. */
  double[] trainScale() {
    return trainScale;
  }
}

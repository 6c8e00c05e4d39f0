package dev.reprise.worker.eeg;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.StageFailedException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Time-resolved cross-validated decoding of one subject: the engine behind {@code eeg.decode} and
 * {@code eeg.permute}. Holds the subject's features as times x trials x channels (window-averaged)
 * and every work buffer, allocated once; {@link #decode} allocates nothing per time point.
 *
 * <p>Accuracy at train time {@code t} and test time {@code u} = the mean over repeats {@code r} and
 * folds {@code f} of the fraction of test-fold (pseudo-)trials at time {@code u} predicted
 * correctly by the classifier trained on the other folds at time {@code t} (each fold weighs the
 * same, as the mean of MNE's {@code cross_val_multiscore}). The training set is standardised with
 * its own mean and population std; the test set uses the training statistics (folded into the
 * classifier's weights: {@code w'_j = w_j / s_j}, {@code b' = b - sum_j w_j m_j / s_j}).
 *
 * <p>Random draws, in this order, from the stream {@code new SplittableRandom(streamSeed)}: for
 * each repeat, the stratified fold assignment; then for each fold, the pseudo-trial groups of the
 * training and the test set. None depends on the time range decoded, so any split of the times over
 * slices gives the same numbers.
 */
final class SubjectDecoder {
  private final String name;
  private final DecodeSettings settings;
  private final int trials;
  private final int channels;
  private final int times;
  private final int classes;
  private final int[] labels;
  private final double[] feat;

  private final LinearClassifier clf;
  private final Standardizer scaler;
  private final FoldedLda folded;
  private final int[][] foldOf;
  private final int[] members;
  private final int[] trainStart;
  private final int[] trainMembers;
  private final int[] trainY;
  private final int[] testStart;
  private final int[] testMembers;
  private final int[] testY;
  private final int[] scratch;
  private final double[] xtr;
  private final double[] row;
  private final double[] weff;
  private final double[] beff;
  private int nonConverged;
  private int scoreRows;

  /**
   * Builds the features of {@code s}: {@code feat[t][i][c] = (1/w) sum_{d<w} X[i][c][t+d]} for
   * {@code t < T - w + 1}. Class labels are renumbered to the classes that occur, in order.
   */
  SubjectDecoder(Epochs.Subject s, DecodeSettings settings) {
    this.name = s.name();
    this.settings = settings;
    this.trials = s.trials();
    this.channels = s.channels();
    int w = settings.window();
    if (w > s.times()) {
      throw new InvalidInputException(
          "subject "
              + name
              + ": window "
              + w
              + " is longer than the "
              + s.times()
              + " samples of an epoch");
    }
    this.times = s.times() - w + 1;
    int maxLabel = 0;
    for (int v : s.y()) {
      maxLabel = Math.max(maxLabel, v);
    }
    int[] renumber = new int[maxLabel + 1];
    Arrays.fill(renumber, -1);
    for (int v : s.y()) {
      renumber[v] = 0;
    }
    int k = 0;
    for (int v = 0; v <= maxLabel; v++) {
      if (renumber[v] == 0) {
        renumber[v] = k++;
      }
    }
    if (k < 2) {
      throw new InvalidInputException("subject " + name + ": needs trials of at least two classes");
    }
    this.classes = k;
    this.labels = new int[trials];
    for (int i = 0; i < trials; i++) {
      labels[i] = renumber[s.y()[i]];
    }
    this.feat = new double[times * trials * channels];
    double[] x = s.x();
    int raw = s.times();
    for (int i = 0; i < trials; i++) {
      for (int c = 0; c < channels; c++) {
        int src = (i * channels + c) * raw;
        double sum = 0.0;
        for (int d = 0; d < w - 1; d++) {
          sum += x[src + d];
        }
        for (int t = 0; t < times; t++) {
          sum += x[src + t + w - 1];
          feat[(t * trials + i) * channels + c] = w == 1 ? x[src + t] : sum / w;
          sum -= x[src + t];
        }
      }
    }
    boolean shareFolds = settings.classifier().equals("lda") && settings.pseudoTrials() == 1;
    this.folded = shareFolds ? new FoldedLda(trials, channels, classes, settings.folds()) : null;
    this.clf = shareFolds ? null : settings.newClassifier(trials, channels, classes);
    this.scaler = shareFolds ? null : new Standardizer(channels);
    this.foldOf = new int[settings.repeats()][trials];
    this.members = new int[trials];
    this.trainStart = new int[trials + 1];
    this.trainMembers = new int[trials];
    this.trainY = new int[trials];
    this.testStart = new int[trials + 1];
    this.testMembers = new int[trials];
    this.testY = new int[trials];
    this.scratch = new int[trials];
    this.xtr = new double[trials * channels];
    this.row = new double[channels];
    this.weff = new double[classes * channels];
    this.beff = new double[classes];
  }

  /** Output time points ({@code T - window + 1}). */
  int times() {
    return times;
  }

  int trials() {
    return trials;
  }

  int classes() {
    return classes;
  }

  /** The subject's labels renumbered to {@code 0..classes-1} (a copy). */
  int[] labels() {
    return labels.clone();
  }

  /** Fits (over all repeats) that stopped at the SVM's pass limit, since construction. */
  int nonConverged() {
    return nonConverged;
  }

  /**
   * Decodes training times {@code [t0, t1)} with labels {@code y} (renumbered, one per trial).
   * Writes {@code acc[t - t0]} (accuracy at train time = test time) and, if {@code gen} is not
   * null, {@code gen[(t - t0) * times() + u]} for every test time {@code u}. Both are overwritten.
   */
  void decode(int[] y, long streamSeed, int t0, int t1, double[] acc, double[] gen) {
    if (y.length != trials
        || t0 < 0
        || t1 > times
        || t0 > t1
        || acc.length < t1 - t0
        || (gen != null && gen.length < (t1 - t0) * times)) {
      throw new IllegalArgumentException(
          "decode "
              + name
              + ": times ["
              + t0
              + ", "
              + t1
              + ") of "
              + times
              + ", "
              + y.length
              + " labels for "
              + trials
              + " trials");
    }
    int span = t1 - t0;
    Arrays.fill(acc, 0, span, 0.0);
    if (gen != null) {
      Arrays.fill(gen, 0, span * times, 0.0);
    }
    int folds = settings.folds();
    int repeats = settings.repeats();
    SplittableRandom rng = new SplittableRandom(streamSeed);
    String what = "subject " + name;
    for (int r = 0; r < repeats; r++) {
      Folds.assign(y, classes, folds, rng, foldOf[r], what);
    }
    int p = channels;
    if (folded != null) {
      decodeFolded(y, t0, t1, acc, gen, rng);
    }
    for (int r = 0; r < repeats && folded == null; r++) {
      for (int f = 0; f < folds; f++) {
        int nTrain = group(y, foldOf[r], f, false, rng, trainStart, trainMembers, trainY);
        int nTest = group(y, foldOf[r], f, true, rng, testStart, testMembers, testY);
        for (int t = t0; t < t1; t++) {
          gather(t, nTrain, trainStart, trainMembers, xtr);
          scaler.fit(xtr, nTrain, p);
          scaler.transform(xtr, nTrain);
          try {
            clf.fit(xtr, nTrain, p, trainY, classes);
          } catch (StageFailedException e) {
            throw failed(t, r, f, e);
          }
          if (clf instanceof LinearSvm svm && !svm.converged()) {
            nonConverged++;
          }
          foldScaling(clf, scaler.mean, scaler.scale);
          addScores(t, t0, nTest, acc, gen);
        }
      }
    }
    double splits = (double) folds * repeats;
    if (gen == null) {
      for (int i = 0; i < span; i++) {
        acc[i] /= splits;
      }
    } else {
      for (int i = 0; i < span * times; i++) {
        gen[i] /= splits;
      }
      for (int i = 0; i < span; i++) {
        acc[i] = gen[i * times + t0 + i];
      }
    }
  }

  /**
   * The loop of {@link #decode} for LDA without pseudo-trials: time points outside, so that every
   * fold of every repeat at time {@code t} shares the class scatters of {@link FoldedLda}. Draws
   * nothing from {@code rng} (grouping single trials does not shuffle), so the numbers are those of
   * the general loop up to rounding.
   */
  private void decodeFolded(
      int[] y, int t0, int t1, double[] acc, double[] gen, SplittableRandom rng) {
    int folds = settings.folds();
    for (int t = t0; t < t1; t++) {
      folded.time(feat, t * trials * channels, y);
      for (int r = 0; r < settings.repeats(); r++) {
        folded.repeat(foldOf[r], folds);
        for (int f = 0; f < folds; f++) {
          int nTest = group(y, foldOf[r], f, true, rng, testStart, testMembers, testY);
          try {
            folded.fit(f);
          } catch (StageFailedException e) {
            throw failed(t, r, f, e);
          }
          foldScaling(folded.classifier(), folded.trainMean(), folded.trainScale());
          addScores(t, t0, nTest, acc, gen);
        }
      }
    }
  }

  private StageFailedException failed(int t, int r, int f, StageFailedException e) {
    return new StageFailedException(
        "subject "
            + name
            + ", time index "
            + t
            + ", repeat "
            + r
            + ", fold "
            + f
            + ": "
            + e.getMessage(),
        e);
  }

  /** Adds fold scores of the classifier trained at {@code t}: at {@code t}, or at every time. */
  private void addScores(int t, int t0, int nTest, double[] acc, double[] gen) {
    if (gen == null) {
      acc[t - t0] += score(t, nTest, channels);
    } else {
      int off = (t - t0) * times;
      for (int u = 0; u < times; u++) {
        gen[off + u] += score(u, nTest, channels);
      }
    }
  }

  /**
   * Groups the training ({@code test = false}: folds other than {@code f}) or test trials into
   * pseudo-trials: each class's trials are shuffled (only when {@code pseudoTrials > 1}) and dealt
   * round-robin into {@code max(1, n_c / k)} groups, so every trial is used and group sizes differ
   * by at most one. Group {@code g} holds {@code members[start[g] .. start[g+1])}, label {@code
   * gy[g]}. Returns the number of groups.
   */
  private int group(
      int[] y,
      int[] fold,
      int f,
      boolean test,
      SplittableRandom rng,
      int[] start,
      int[] mem,
      int[] gy) {
    int k = settings.pseudoTrials();
    int groups = 0;
    int pos = 0;
    start[0] = 0;
    for (int c = 0; c < classes; c++) {
      int m = 0;
      for (int i = 0; i < trials; i++) {
        if (y[i] == c && (fold[i] == f) == test) {
          members[m++] = i;
        }
      }
      if (m == 0) {
        continue;
      }
      if (k == 1) {
        for (int i = 0; i < m; i++) {
          mem[pos] = members[i];
          gy[groups] = c;
          groups++;
          pos++;
          start[groups] = pos;
        }
        continue;
      }
      Folds.shuffle(members, m, rng);
      int g = Math.max(1, m / k);
      for (int j = 0; j < g; j++) {
        for (int i = j; i < m; i += g) {
          mem[pos++] = members[i];
        }
        gy[groups] = c;
        groups++;
        start[groups] = pos;
      }
    }
    return groups;
  }

  /** {@code out[g*p + c]} = mean over group g's trials of their features at time t. */
  private void gather(int t, int groups, int[] start, int[] mem, double[] out) {
    for (int g = 0; g < groups; g++) {
      average(t, mem, start[g], start[g + 1], out, g * channels);
    }
  }

  /** {@code out[o + c]} = mean of the features at time t of trials {@code mem[a .. b)}. */
  private void average(int t, int[] mem, int a, int b, double[] out, int o) {
    int p = channels;
    int base = t * trials;
    System.arraycopy(feat, (base + mem[a]) * p, out, o, p);
    for (int m = a + 1; m < b; m++) {
      int src = (base + mem[m]) * p;
      for (int c = 0; c < p; c++) {
        out[o + c] += feat[src + c];
      }
    }
    if (b - a > 1) {
      double inv = 1.0 / (b - a);
      for (int c = 0; c < p; c++) {
        out[o + c] *= inv;
      }
    }
  }

  /**
   * Folds the training standardisation ({@code mean}, {@code scale}) into the weights of {@code c}:
   * {@code weff_kj = w_kj / s_j}, {@code beff_k = b_k - sum_j weff_kj m_j}.
   */
  private void foldScaling(LinearClassifier c, double[] mean, double[] scale) {
    int p = channels;
    double[] w = c.coef();
    double[] b = c.intercept();
    scoreRows = c.rows();
    for (int k = 0; k < scoreRows; k++) {
      double bias = b[k];
      for (int j = 0; j < p; j++) {
        double v = w[k * p + j] / scale[j];
        weff[k * p + j] = v;
        bias -= v * mean[j];
      }
      beff[k] = bias;
    }
  }

  /** Fraction of the test groups at time {@code u} that the folded classifier gets right. */
  private double score(int u, int nTest, int p) {
    int correct = 0;
    int rows = scoreRows;
    boolean single = settings.pseudoTrials() == 1;
    for (int g = 0; g < nTest; g++) {
      int predicted;
      if (single) {
        predicted =
            LinearClassifier.predict(
                weff, beff, rows, p, feat, (u * trials + testMembers[testStart[g]]) * p);
      } else {
        average(u, testMembers, testStart[g], testStart[g + 1], row, 0);
        predicted = LinearClassifier.predict(weff, beff, rows, p, row, 0);
      }
      if (predicted == testY[g]) {
        correct++;
      }
    }
    return (double) correct / nTest;
  }
}

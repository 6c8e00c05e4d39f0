package dev.reprise.worker.eeg;

import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.Params;
import java.util.ArrayList;
import java.util.List;

/** The decoding parameters shared by {@code eeg.decode} and {@code eeg.permute}. */
record DecodeSettings(
    String classifier,
    double c,
    int folds,
    int repeats,
    long seed,
    int pseudoTrials,
    int window,
    boolean generalize) {

  /**
   * Most Newton iterations of the svm per binary problem; it typically needs 5 to 15 (see {@link
   * LinearSvm}).
   */
  static final int SVM_MAX_ITER = 100;

  /** The parameter declarations; {@code withGeneralize} adds {@code generalize}. */
  static List<ParamSpec> params(boolean withGeneralize) {
    List<ParamSpec> out = new ArrayList<>();
    out.add(
        ParamSpec.string("classifier", "lda")
            .oneOf("lda", "svm")
            .doc(
                "lda: shrinkage LDA as LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto');"
                    + " svm: LinearSVC (squared hinge, L2, one-vs-rest)"));
    out.add(
        ParamSpec.number("C", 1.0)
            .min(Double.MIN_VALUE)
            .doc("inverse regularisation strength of the svm (> 0)"));
    out.add(ParamSpec.integer("folds", 5).range(2, 100).doc("stratified folds per repeat"));
    out.add(ParamSpec.integer("repeats", 10).min(1).doc("repeats of the k-fold, each reshuffled"));
    out.add(
        ParamSpec.integer("seed", 0).doc("seed of every shuffle (folds, pseudo-trials, labels)"));
    out.add(
        ParamSpec.integer("pseudoTrials", 1)
            .min(1)
            .doc(
                "k > 1: within each fold, average each class's trials in random groups of about k"
                    + " (training and test sets separately) before fitting and scoring"));
    out.add(
        ParamSpec.integer("window", 1)
            .min(1)
            .doc(
                "w > 1: features at output time t are the channel means over samples [t, t+w);"
                    + " times.npy gives the window centre"));
    if (withGeneralize) {
      out.add(
          ParamSpec.bool("generalize", false)
              .doc("train at each time, test at every time: also writes generalization.npy"));
    }
    return out;
  }

  static DecodeSettings from(Params p, boolean withGeneralize) {
    return new DecodeSettings(
        p.getString("classifier"),
        p.getDouble("C"),
        p.getInt("folds"),
        p.getInt("repeats"),
        p.getLong("seed"),
        p.getInt("pseudoTrials"),
        p.getInt("window"),
        withGeneralize && p.getBool("generalize"));
  }

  /** A classifier sized for {@code maxN} rows, {@code maxP} features and {@code maxK} classes. */
  LinearClassifier newClassifier(int maxN, int maxP, int maxK) {
    return switch (classifier) {
      case "lda" -> new Lda(maxN, maxP, maxK);
      case "svm" -> new LinearSvm(c, SVM_MAX_ITER, maxN, maxP, maxK);
      default -> throw new IllegalArgumentException("unknown classifier " + classifier);
    };
  }

  /**
   * The seed of an independent random stream named by {@code seed} and {@code parts} (e.g. the
   * subject index): a SplitMix64-style mix, so that a subject's stream does not depend on which
   * slice computes it.
   */
  static long stream(long seed, long... parts) {
    long h = mix(seed ^ 0x5DEECE66DL);
    for (long part : parts) {
      h = mix(h + 0x9E3779B97F4A7C15L * (part + 1));
    }
    return h;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}

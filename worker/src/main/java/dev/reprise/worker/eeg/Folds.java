package dev.reprise.worker.eeg;

import dev.reprise.core.InvalidInputException;
import java.util.SplittableRandom;

/**
 * Stratified k-fold assignment as scikit-learn's {@code StratifiedKFold(shuffle=True)}: each
 * class's trials are shuffled and spread over the folds as evenly as possible, with the per-fold
 * counts scikit-learn uses (labels sorted, then dealt round-robin to the folds).
 */
final class Folds {
  private Folds() {}

  /**
   * Fills {@code foldOf[i]} (for each of the {@code labels.length} trials) with its test fold in
   * {@code 0..folds-1}. Labels are class indices {@code 0..classes-1}; every class that occurs must
   * have at least {@code folds} trials. Draws from {@code rng}.
   *
   * @param what names the data in error messages (e.g. "subject S01")
   */
  static void assign(
      int[] labels, int classes, int folds, SplittableRandom rng, int[] foldOf, String what) {
    int n = labels.length;
    if (foldOf.length != n || folds < 2) {
      throw new IllegalArgumentException(
          "foldOf has " + foldOf.length + " entries for " + n + " trials, folds " + folds);
    }
    int[] count = new int[classes];
    for (int label : labels) {
      count[label]++;
    }
    for (int k = 0; k < classes; k++) {
      if (count[k] > 0 && count[k] < folds) {
        throw new InvalidInputException(
            what
                + ": class "
                + k
                + " has "
                + count[k]
                + " trials, fewer than the "
                + folds
                + " folds");
      }
    }
    int[] members = new int[n];
    int start = 0; // position of class k in the sorted label order
    for (int k = 0; k < classes; k++) {
      if (count[k] == 0) {
        continue;
      }
      int m = 0;
      for (int i = 0; i < n; i++) {
        if (labels[i] == k) {
          members[m++] = i;
        }
      }
      shuffle(members, m, rng);
      // Sorted positions start..start+m-1 are dealt to fold (position mod folds): count per fold.
      int pos = 0;
      for (int f = 0; f < folds; f++) {
        int inFold = countCongruent(start, start + m, f, folds);
        for (int c = 0; c < inFold; c++) {
          foldOf[members[pos++]] = f;
        }
      }
      start += m;
    }
  }

  /** How many integers in {@code [from, to)} are congruent to {@code r} modulo {@code mod}. */
  private static int countCongruent(int from, int to, int r, int mod) {
    return countBelow(to, r, mod) - countBelow(from, r, mod);
  }

  private static int countBelow(int to, int r, int mod) {
    return to <= r ? 0 : (to - r - 1) / mod + 1;
  }

  /** Fisher–Yates shuffle of the first {@code m} entries. */
  static void shuffle(int[] a, int m, SplittableRandom rng) {
    for (int i = m - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}

package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.InvalidInputException;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FoldsTest {
  @Test
  void everyTrialIsTestedOncePerRepeatAndClassesStayBalanced() {
    Random random = new Random(42);
    int[] counts = {23, 7, 15, 5};
    int n = 50;
    int[] labels = new int[n];
    int at = 0;
    for (int k = 0; k < counts.length; k++) {
      for (int i = 0; i < counts[k]; i++) {
        labels[at++] = k;
      }
    }
    for (int i = n - 1; i > 0; i--) { // shuffled label order
      int j = random.nextInt(i + 1);
      int t = labels[i];
      labels[i] = labels[j];
      labels[j] = t;
    }
    int folds = 5;
    SplittableRandom rng = new SplittableRandom(1);
    int[] first = null;
    for (int repeat = 0; repeat < 4; repeat++) {
      int[] foldOf = new int[n];
      java.util.Arrays.fill(foldOf, -1);
      Folds.assign(labels, counts.length, folds, rng, foldOf, "test");
      int[][] perFold = new int[folds][counts.length];
      int[] sizes = new int[folds];
      for (int i = 0; i < n; i++) {
        assertTrue(foldOf[i] >= 0 && foldOf[i] < folds, "each trial in exactly one test fold");
        perFold[foldOf[i]][labels[i]]++;
        sizes[foldOf[i]]++;
      }
      for (int k = 0; k < counts.length; k++) {
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int f = 0; f < folds; f++) {
          min = Math.min(min, perFold[f][k]);
          max = Math.max(max, perFold[f][k]);
        }
        assertTrue(max - min <= 1, "class " + k + " spread evenly: " + min + ".." + max);
      }
      for (int f = 0; f < folds; f++) {
        assertEquals(n / folds, sizes[f], 1.0, "fold sizes as even as possible");
      }
      if (first == null) {
        first = foldOf;
      } else {
        assertTrue(!java.util.Arrays.equals(first, foldOf), "repeats reshuffle");
      }
    }
  }

  @Test
  void sameStreamGivesSameFolds() {
    int[] labels = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1};
    int[] a = new int[labels.length];
    int[] b = new int[labels.length];
    Folds.assign(labels, 2, 3, new SplittableRandom(9), a, "test");
    Folds.assign(labels, 2, 3, new SplittableRandom(9), b, "test");
    assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
  }

  @Test
  void aClassSmallerThanTheFoldCountIsAnError() {
    int[] labels = {0, 0, 0, 0, 0, 1, 1, 1};
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> Folds.assign(labels, 2, 5, new SplittableRandom(0), new int[8], "subject S07"));
    assertTrue(
        e.getMessage().contains("subject S07") && e.getMessage().contains("class 1"),
        e.getMessage());
  }
}

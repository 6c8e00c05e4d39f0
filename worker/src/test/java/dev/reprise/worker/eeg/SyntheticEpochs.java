package dev.reprise.worker.eeg;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small epochs folders for tests: Gaussian noise plus a class pattern at one sample. */
final class SyntheticEpochs {
  private SyntheticEpochs() {}

  /**
   * Writes subjects S01.. with {@code counts[k]} trials of class k (shuffled order), sfreq 100,
   * tmin -0.1, from a seeded generator. Class k adds {@code effect * pattern_k} (a random spatial
   * pattern) at sample {@code at} only; elsewhere, and everywhere when {@code effect} is 0, the
   * data are Gaussian noise (sd 1, or 0.01 with {@code lowNoise}). Odd subjects are float32.
   */
  static Path write(
      Path dir,
      int subjects,
      int[] counts,
      int channels,
      int times,
      double effect,
      int at,
      boolean lowNoise)
      throws IOException {
    Random random = new Random(1234 + subjects * 31L + channels);
    List<String> chNames = new ArrayList<>();
    for (int c = 0; c < channels; c++) {
      chNames.add("C" + c);
    }
    List<String> classes = new ArrayList<>();
    for (int k = 0; k < counts.length; k++) {
      classes.add("class" + k);
    }
    Epochs.writeInfo(dir, new Epochs.Info(100.0, -0.1, chNames, classes));
    for (int s = 0; s < subjects; s++) {
      int n = 0;
      for (int c : counts) {
        n += c;
      }
      int[] y = new int[n];
      int i = 0;
      for (int k = 0; k < counts.length; k++) {
        for (int j = 0; j < counts[k]; j++) {
          y[i++] = k;
        }
      }
      for (int a = n - 1; a > 0; a--) {
        int b = random.nextInt(a + 1);
        int t = y[a];
        y[a] = y[b];
        y[b] = t;
      }
      double[][] pattern = new double[counts.length][channels];
      for (double[] p : pattern) {
        for (int c = 0; c < channels; c++) {
          p[c] = random.nextGaussian();
        }
      }
      double noise = lowNoise ? 0.01 : 1.0;
      double[] x = new double[n * channels * times];
      for (int tr = 0; tr < n; tr++) {
        for (int c = 0; c < channels; c++) {
          for (int t = 0; t < times; t++) {
            double v = noise * random.nextGaussian();
            if (t == at) {
              v += effect * pattern[y[tr]][c];
            }
            x[(tr * channels + c) * times + t] = v;
          }
        }
      }
      Epochs.writeSubject(
          dir,
          new Epochs.Subject(String.format("S%02d", s + 1), x, n, channels, times, y),
          s % 2 == 1);
    }
    return dir;
  }
}

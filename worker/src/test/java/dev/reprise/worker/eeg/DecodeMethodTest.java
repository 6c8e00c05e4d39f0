package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.TestingPhaseContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DecodeMethodTest {
  /** Mean |Java - MNE| over the accuracy curve; the folds differ, so this is CV noise. */
  static final double MNE_CURVE_TOLERANCE = 0.03;

  /** Mean accuracy on pure noise may differ from chance by this much. */
  static final double CHANCE_TOLERANCE = 0.05;

  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"lda", "svm"})
  void matchesMneSlidingEstimatorCurve(String classifier) throws Exception {
    Path e2e = Fixtures.dir().resolve("decode_e2e");
    Path out = run(new DecodeMethod(), Map.of("classifier", classifier), e2e, 3, "e2e");
    NpyArray expected = Npy.read(e2e.resolve("expected_" + classifier + ".npy"));
    NpyArray acc = Npy.read(out.resolve("accuracy.npy"));
    assertArrayEquals(expected.shape(), acc.shape());
    double sum = 0.0;
    for (int i = 0; i < acc.size(); i++) {
      sum += Math.abs(acc.doubles()[i] - expected.doubles()[i]);
    }
    double mad = sum / acc.size();
    assertTrue(mad < MNE_CURVE_TOLERANCE, "mean |java - mne| = " + mad);
    assertEquals("[\"S01\",\"S02\"]", Files.readString(out.resolve("subjects.json")));
    double[] times = Npy.read(out.resolve("times.npy")).doubles();
    assertEquals(25, times.length);
    assertEquals(-0.05, times[0], 1e-12);
    assertEquals(-0.05 + 24 / 100.0, times[24], 1e-12);
  }

  @Test
  void resultDoesNotDependOnTheSliceCount() throws Exception {
    Path epochs =
        SyntheticEpochs.write(
            tmp.resolve("epochs"), 3, new int[] {14, 11, 9}, 6, 17, 0.6, 5, false);
    Map<String, Object> params = Map.of("repeats", 3, "pseudoTrials", 2, "seed", 11);
    Path one = run(new DecodeMethod(), params, epochs, 1, "one");
    Path seven = run(new DecodeMethod(), params, epochs, 7, "seven");
    assertArrayEquals(
        Files.readAllBytes(one.resolve("accuracy.npy")),
        Files.readAllBytes(seven.resolve("accuracy.npy")));
    Map<String, Object> gen = Map.of("repeats", 2, "generalize", true, "classifier", "svm");
    Path g1 = run(new DecodeMethod(), gen, epochs, 1, "g1");
    Path g7 = run(new DecodeMethod(), gen, epochs, 7, "g7");
    assertArrayEquals(
        Files.readAllBytes(g1.resolve("generalization.npy")),
        Files.readAllBytes(g7.resolve("generalization.npy")));
  }

  @Test
  void separableClassesAreDecodedPerfectly() throws Exception {
    Path epochs =
        SyntheticEpochs.write(
            tmp.resolve("epochs"), 1, new int[] {20, 15, 12}, 5, 6, 50.0, 3, true);
    for (String classifier : List.of("lda", "svm")) {
      Path out = run(new DecodeMethod(), Map.of("classifier", classifier), epochs, 2, classifier);
      Path pseudo =
          run(
              new DecodeMethod(),
              Map.of("classifier", classifier, "pseudoTrials", 3),
              epochs,
              1,
              classifier + "-pseudo");
      assertEquals(1.0, Npy.read(pseudo.resolve("accuracy.npy")).doubles()[3], 0.0);
      double[] acc = Npy.read(out.resolve("accuracy.npy")).doubles();
      assertEquals(1.0, acc[3], 0.0, classifier + " at the effect sample");
      assertTrue(acc[0] < 0.7, classifier + " where there is only noise: " + acc[0]);
    }
  }

  @Test
  void pureNoiseIsAtChance() throws Exception {
    Path epochs =
        SyntheticEpochs.write(tmp.resolve("epochs"), 2, new int[] {30, 30}, 8, 20, 0.0, 0, false);
    Path out = run(new DecodeMethod(), Map.of("repeats", 5), epochs, 1, "noise");
    double[] acc = Npy.read(out.resolve("accuracy.npy")).doubles();
    double mean = 0.0;
    for (double a : acc) {
      mean += a / acc.length;
    }
    assertEquals(0.5, mean, CHANCE_TOLERANCE);
  }

  @Test
  void tenClassesWithAnEffectBeatChanceOnlyWhereTheEffectIs() throws Exception {
    int[] counts = {12, 10, 11, 9, 12, 10, 10, 11, 12, 10};
    Path epochs = SyntheticEpochs.write(tmp.resolve("epochs"), 1, counts, 12, 12, 1.5, 6, false);
    Path out = run(new DecodeMethod(), Map.of("repeats", 2, "folds", 3), epochs, 1, "ten");
    double[] acc = Npy.read(out.resolve("accuracy.npy")).doubles();
    assertTrue(acc[6] > 0.5, "effect at sample 6: " + acc[6]);
    assertTrue(acc[0] < 0.25, "no effect at sample 0: " + acc[0]);
  }

  @Test
  void generalizationDiagonalIsTheAccuracyAndWindowShortensTheTimes() throws Exception {
    Path epochs =
        SyntheticEpochs.write(tmp.resolve("epochs"), 2, new int[] {16, 12}, 4, 12, 0.8, 6, false);
    Path out =
        run(
            new DecodeMethod(),
            Map.of("generalize", true, "window", 3, "repeats", 2),
            epochs,
            3,
            "gen");
    NpyArray gen = Npy.read(out.resolve("generalization.npy"));
    NpyArray acc = Npy.read(out.resolve("accuracy.npy"));
    assertArrayEquals(new int[] {2, 10, 10}, gen.shape());
    assertArrayEquals(new int[] {2, 10}, acc.shape());
    for (int s = 0; s < 2; s++) {
      for (int t = 0; t < 10; t++) {
        assertEquals(gen.doubles()[(s * 10 + t) * 10 + t], acc.doubles()[s * 10 + t], 0.0);
      }
    }
    double[] times = Npy.read(out.resolve("times.npy")).doubles();
    // SyntheticEpochs: sfreq 100, tmin -0.1; window 3 is centred one sample later.
    assertEquals(-0.1 + 0.01, times[0], 1e-12);
    assertEquals(-0.1 + 0.10, times[9], 1e-12);
  }

  @Test
  void windowAveragesTheSamplesOfTheWindow() throws Exception {
    // An effect present only in sample 6: windows [4,7), [5,8), [6,9) see it, others do not.
    Path epochs =
        SyntheticEpochs.write(tmp.resolve("epochs"), 1, new int[] {20, 20}, 3, 10, 50.0, 6, true);
    Path out = run(new DecodeMethod(), Map.of("window", 3, "repeats", 1), epochs, 1, "win");
    double[] acc = Npy.read(out.resolve("accuracy.npy")).doubles();
    assertEquals(8, acc.length);
    for (int t = 0; t < 8; t++) {
      if (t >= 4 && t <= 6) {
        assertEquals(1.0, acc[t], 0.0, "window starting at " + t);
      } else {
        assertTrue(acc[t] < 0.85, "window starting at " + t + ": " + acc[t]);
      }
    }
  }

  @Test
  void tooFewTrialsInAClassIsAUserError() throws Exception {
    Path epochs =
        SyntheticEpochs.write(tmp.resolve("epochs"), 1, new int[] {10, 3}, 3, 4, 0.0, 0, false);
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> run(new DecodeMethod(), Map.of(), epochs, 1, "few"));
    assertTrue(
        e.getMessage().contains("S01") && e.getMessage().contains("fewer than the 5 folds"),
        e.getMessage());
  }

  @Test
  void nonFiniteValueIsAUserErrorNamingSubjectAndTrial() throws Exception {
    Path epochs =
        SyntheticEpochs.write(tmp.resolve("epochs"), 1, new int[] {10, 10}, 3, 4, 0.0, 0, false);
    NpyArray x = Npy.read(epochs.resolve("S01/X.npy"));
    double[] v = x.doubles().clone();
    v[7 * 12 + 5] = Double.NaN; // trial 7
    Npy.write(epochs.resolve("S01/X.npy"), NpyArray.ofDoubles(v, x.shape()));
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> run(new DecodeMethod(), Map.of(), epochs, 1, "nan"));
    assertTrue(
        e.getMessage().contains("S01") && e.getMessage().contains("trial 7"), e.getMessage());
  }

  @Test
  void methodsAreRegisteredAndDeclareTheirParameters() {
    List<String> names = new ArrayList<>();
    for (Method m : ServiceLoader.load(Method.class)) {
      names.add(m.spec().name());
    }
    assertTrue(names.contains("eeg.decode") && names.contains("eeg.permute"), names.toString());
    var spec = new DecodeMethod().spec();
    assertEquals(List.of("lda", "svm"), spec.param("classifier").allowed());
    assertEquals(2.0, spec.param("folds").minValue());
    assertEquals(100.0, spec.param("folds").maxValue());
    var covered = dev.reprise.core.key.CodeDigest.classes(DecodeMethod.class).keySet();
    assertTrue(
        covered.contains("dev/reprise/worker/eeg/Lda")
            && covered.contains("dev/reprise/worker/eeg/LinearSvm"),
        "the code digest reaches the classifiers: " + covered);
    assertEquals(100L, new PermuteMethod().spec().param("permutations").defaultValue());
  }

  static Path run(
      Method method, Map<String, Object> params, Path epochs, int slices, String name, Path root)
      throws Exception {
    Path dir = Files.createDirectories(root.resolve(name));
    return new TestingPhaseContext(method, new HashMap<>(params), dir)
        .input("epochs", epochs)
        .slices(slices)
        .runAll();
  }

  private Path run(Method method, Map<String, Object> params, Path epochs, int slices, String name)
      throws Exception {
    return run(method, params, epochs, slices, name, tmp);
  }
}

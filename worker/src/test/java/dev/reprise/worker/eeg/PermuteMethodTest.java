package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PermuteMethodTest {
  /** The mean of the null over permutations and times may differ from chance by this much. */
  static final double CHANCE_TOLERANCE = 0.03;

  @TempDir Path tmp;

  @Test
  void nullIsAtChanceEvenWithARealEffectAndIndependentOfSlices() throws Exception {
    // A strong effect at sample 2: the true labels decode perfectly there, shuffled ones do not.
    // (Cross-validating shuffled labels on small samples sits slightly below chance.)
    Path epochs =
        SyntheticEpochs.write(tmp.resolve("epochs"), 2, new int[] {40, 40}, 4, 5, 50.0, 2, true);
    Map<String, Object> params = Map.of("permutations", 20, "repeats", 2, "seed", 3);
    Path one = DecodeMethodTest.run(new PermuteMethod(), params, epochs, 1, "one", tmp);
    Path five = DecodeMethodTest.run(new PermuteMethod(), params, epochs, 5, "five", tmp);
    assertArrayEquals(
        Files.readAllBytes(one.resolve("null.npy")), Files.readAllBytes(five.resolve("null.npy")));
    NpyArray nul = Npy.read(one.resolve("null.npy"));
    assertArrayEquals(new int[] {2, 20, 5}, nul.shape());
    double mean = 0.0;
    for (double v : nul.doubles()) {
      mean += v / nul.size();
    }
    assertEquals(0.5, mean, CHANCE_TOLERANCE);
    // Permutations differ from each other (the labels really are reshuffled each time).
    double[] v = nul.doubles();
    boolean differ = false;
    for (int t = 0; t < 5; t++) {
      differ |= v[t] != v[5 + t];
    }
    assertTrue(differ);
    Path decoded =
        DecodeMethodTest.run(new DecodeMethod(), Map.of("repeats", 2), epochs, 1, "dec", tmp);
    double[] acc = Npy.read(decoded.resolve("accuracy.npy")).doubles();
    assertEquals(1.0, acc[2], 0.0);
    assertNotEquals(1.0, v[2]);
  }
}

package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.InvalidInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreprocessTest {
  private static final double EXACT = 1e-12;

  /** Passband ripple of the Hamming-windowed sinc well below the cutoff. */
  private static final double PASSBAND_TOLERANCE = 0.01;

  /** Hamming stop-band attenuation is ~53 dB; well above the cutoff a sine keeps < 1%. */
  private static final double STOPBAND_MAX_GAIN = 0.01;

  private static final double SFREQ = 250;
  private static final int TIMES = 251;

  @TempDir Path tmp;

  /** Two subjects, 2 channels, float64, seeded noise plus a per-trial offset. */
  private Path epochs(int trials) throws Exception {
    Path dir = tmp.resolve("in");
    Epochs.Info info = new Epochs.Info(SFREQ, -0.2, List.of("C1", "C2"), List.of("a", "b"));
    Epochs.writeInfo(dir, info);
    Random rng = new Random(11);
    for (String name : List.of("s1", "s2")) {
      double[] x = new double[trials * 2 * TIMES];
      int[] y = new int[trials];
      for (int r = 0; r < trials; r++) {
        y[r] = r % 2;
        double offset = 10 * rng.nextGaussian();
        for (int i = 0; i < 2 * TIMES; i++) {
          x[r * 2 * TIMES + i] = offset + rng.nextGaussian();
        }
      }
      Epochs.writeSubject(dir, new Epochs.Subject(name, x, trials, 2, TIMES, y), false);
    }
    return dir;
  }

  private static Epochs.Subject read(Path folder, String subject) {
    var in = EegTesting.folder(folder);
    return Epochs.readSubject(in, subject, Epochs.readInfo(in));
  }

  @Test
  void baselineRemovesTheWindowMeanExactly() throws Exception {
    Path out =
        EegTesting.run(
            new Preprocess(),
            Map.of("baseline", List.of(-0.2, 0.0)),
            tmp.resolve("o"),
            1,
            Map.of("epochs", epochs(6)));
    Epochs.Subject before = read(tmp.resolve("in"), "s1");
    Epochs.Subject s = read(out, "s1");
    int window = 51; // -0.2 .. 0.0 s at 250 Hz, both ends included
    for (int r = 0; r < s.trials(); r++) {
      for (int k = 0; k < 2; k++) {
        double mean = 0;
        double inputMean = 0;
        for (int t = 0; t < window; t++) {
          mean += s.at(r, k, t) / window;
          inputMean += before.at(r, k, t) / window;
        }
        assertEquals(0, mean, EXACT);
        assertEquals(before.at(r, k, 100) - inputMean, s.at(r, k, 100), EXACT);
      }
    }
  }

  @Test
  void decimationHalvesTheRateKeepsLowFrequenciesAndRemovesAliases() throws Exception {
    Path dir = tmp.resolve("sines");
    Epochs.Info info =
        new Epochs.Info(SFREQ, -0.2, List.of("slow", "fast", "flat"), List.of("a", "b"));
    Epochs.writeInfo(dir, info);
    double[] x = new double[2 * 3 * TIMES];
    for (int r = 0; r < 2; r++) {
      for (int t = 0; t < TIMES; t++) {
        double time = info.time(t);
        x[(r * 3) * TIMES + t] = Math.sin(2 * Math.PI * 5 * time);
        x[(r * 3 + 1) * TIMES + t] = Math.sin(2 * Math.PI * 110 * time);
        x[(r * 3 + 2) * TIMES + t] = 3.5;
      }
    }
    Epochs.writeSubject(dir, new Epochs.Subject("s1", x, 2, 3, TIMES, new int[] {0, 1}), false);
    Path out =
        EegTesting.run(
            new Preprocess(), Map.of("decimate", 2), tmp.resolve("o"), 1, Map.of("epochs", dir));
    var folder = EegTesting.folder(out);
    Epochs.Info outInfo = Epochs.readInfo(folder);
    assertEquals(125.0, outInfo.sfreq());
    assertEquals(-0.2, outInfo.tmin());
    Epochs.Subject s = Epochs.readSubject(folder, "s1", outInfo);
    assertEquals(126, s.times());
    for (int t = 0; t < s.times(); t++) {
      double time = outInfo.time(t);
      assertEquals(info.time(2 * t), time, 1e-12);
      assertEquals(
          Math.sin(2 * Math.PI * 5 * time), s.at(0, 0, t), PASSBAND_TOLERANCE, "5 Hz at " + time);
      assertEquals(3.5, s.at(0, 2, t), EXACT);
      if (t >= 10 && t < s.times() - 10) { // away from the reflected edges
        assertTrue(
            Math.abs(s.at(0, 1, t)) < STOPBAND_MAX_GAIN,
            "110 Hz leaks at " + time + ": " + s.at(0, 1, t));
      }
    }
  }

  @Test
  void rejectDropsExactlyTheTrialsOverThresholdAndListsThem() throws Exception {
    Path dir = tmp.resolve("art");
    Epochs.Info info = new Epochs.Info(SFREQ, -0.2, List.of("C1", "C2"), List.of("a", "b", "c"));
    Epochs.writeInfo(dir, info);
    int trials = 9;
    double[] x = new double[trials * 2 * TIMES];
    int[] y = new int[trials];
    Random rng = new Random(3);
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.nextDouble(); // peak-to-peak < 1
    }
    for (int r = 0; r < trials; r++) {
      y[r] = r % 3;
    }
    x[(3 * 2 + 1) * TIMES + 40] = 80; // trial 3, channel C2: peak-to-peak just under 80
    x[(7 * 2) * TIMES + 200] = -150; // trial 7, channel C1
    x[(5 * 2) * TIMES + 10] = 49; // trial 5: under the threshold, kept
    Epochs.writeSubject(dir, new Epochs.Subject("s1", x, trials, 2, TIMES, y), true);
    Path out =
        EegTesting.run(
            new Preprocess(), Map.of("reject", 50), tmp.resolve("o"), 1, Map.of("epochs", dir));
    JsonNode rej = new ObjectMapper().readTree(out.resolve("rejected.json").toFile()).get("s1");
    assertEquals(9, rej.get("trials").asInt());
    assertEquals(7, rej.get("kept").asInt());
    assertEquals(3, rej.get("rejected").get(0).get("trial").asInt());
    assertEquals("C2", rej.get("rejected").get(0).get("channel").asText());
    assertEquals(7, rej.get("rejected").get(1).get("trial").asInt());
    assertEquals("C1", rej.get("rejected").get(1).get("channel").asText());
    Epochs.Subject s = read(out, "s1");
    assertArrayEquals(new int[] {0, 1, 2, 1, 2, 0, 2}, s.y()); // trials 0,1,2,4,5,6,8
    assertTrue(Epochs.isFloat32(EegTesting.folder(out), "s1"));
    List<Double> firstSamples = new ArrayList<>();
    for (int r = 0; r < s.trials(); r++) {
      firstSamples.add(s.at(r, 0, 0));
    }
    int[] keptTrials = {0, 1, 2, 4, 5, 6, 8};
    for (int i = 0; i < keptTrials.length; i++) {
      assertEquals((float) x[(keptTrials[i] * 2) * TIMES], firstSamples.get(i), EXACT);
    }
  }

  @Test
  void rejectingEveryTrialNamesTheSubject() throws Exception {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                EegTesting.run(
                    new Preprocess(),
                    Map.of("reject", 1.0),
                    tmp.resolve("o"),
                    1,
                    Map.of("epochs", epochs(4))));
    assertTrue(e.getMessage().contains("subject s1"), e.getMessage());
  }

  @Test
  void baselineOutsideTheEpochIsAnInputError() throws Exception {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                EegTesting.run(
                    new Preprocess(),
                    Map.of("baseline", List.of(-1.0, -0.5)),
                    tmp.resolve("o"),
                    1,
                    Map.of("epochs", epochs(4))));
    assertTrue(e.getMessage().contains("baseline"), e.getMessage());
  }

  @Test
  void outputsDoNotDependOnTheSliceCount() throws Exception {
    Path in = epochs(6);
    Map<String, Object> params =
        Map.of("baseline", List.of(-0.2, 0.0), "decimate", 3, "reject", 45);
    Path one =
        EegTesting.run(new Preprocess(), params, tmp.resolve("one"), 1, Map.of("epochs", in));
    Path three =
        EegTesting.run(new Preprocess(), params, tmp.resolve("three"), 3, Map.of("epochs", in));
    EegTesting.assertSameFiles(one, three);
    assertEquals(84, read(one, "s2").times());
  }
}

package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.method.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthesizeTest {
  private static final Map<String, Object> SMALL =
      Map.of("subjects", 3, "trialsPerClass", 40, "channels", 16, "seed", 5);

  /**
   * The planted between-class variance is recovered from 40 trials per class within this relative
   * error (the noise part of the estimate has SD ≈ 0.2 of the signal at these sizes).
   */
  private static final double SIGNAL_TOLERANCE = 0.35;

  @TempDir Path tmp;

  @Test
  void sameParamsGiveByteIdenticalFilesWhateverTheSliceCount() throws Exception {
    Path one = EegTesting.run(new Synthesize(), SMALL, tmp.resolve("a"), 1, Map.of());
    Path three = EegTesting.run(new Synthesize(), SMALL, tmp.resolve("b"), 3, Map.of());
    EegTesting.assertSameFiles(one, three);
    assertTrue(Files.exists(one.resolve("sub-03/X.npy")));
    Map<String, Object> otherSeed = new java.util.HashMap<>(SMALL);
    otherSeed.put("seed", 6);
    Path other = EegTesting.run(new Synthesize(), otherSeed, tmp.resolve("c"), 1, Map.of());
    assertFalse(
        Arrays.equals(
            Files.readAllBytes(one.resolve("sub-01/X.npy")),
            Files.readAllBytes(other.resolve("sub-01/X.npy"))));
  }

  @Test
  void effectIsPlantedInsideTheWindowOnly() throws Exception {
    Path out = EegTesting.run(new Synthesize(), SMALL, tmp, 2, Map.of());
    var in = EegTesting.folder(out);
    Epochs.Info info = Epochs.readInfo(in);
    JsonNode gains = new ObjectMapper().readTree(out.resolve("truth.json").toFile()).get("gains");
    assertEquals(List.of("face", "landmark", "object"), info.classes());
    assertEquals(16, info.channels().size());
    for (String name : Epochs.subjects(in)) {
      Epochs.Subject s = Epochs.readSubject(in, name, info);
      assertEquals(120, s.trials());
      assertEquals(251, s.times());
      int[] counts = new int[3];
      for (int label : s.y()) {
        counts[label]++;
      }
      assertEquals(List.of(40, 40, 40), Arrays.stream(counts).boxed().toList());
      double gain = gains.get(name).asDouble();
      double expectedSignal = 0;
      double inside = 0;
      double outside = 0;
      int nIn = 0;
      int nOut = 0;
      for (int t = 0; t < s.times(); t++) {
        double time = info.time(t);
        double v = betweenClassVariance(s, t);
        if (time >= 0.15 && time <= 0.30) {
          inside += v;
          nIn++;
          // Patterns are centred over classes with unit RMS: their (n − 1) variance over 3 classes
          // is
          // 3/2, times the squared envelope g · A · sin²(π (t − start) / (end − start)).
          double h = Math.pow(Math.sin(Math.PI * (time - 0.1) / 0.25), 2);
          expectedSignal += 1.5 * Math.pow(gain * Synthesize.DEFAULT_AMPLITUDE * h, 2);
        } else if (time < 0.1 || time > 0.35) {
          outside += v;
          nOut++;
        }
      }
      inside /= nIn;
      outside /= nOut;
      expectedSignal /= nIn;
      assertEquals(
          expectedSignal,
          inside - outside,
          SIGNAL_TOLERANCE * expectedSignal,
          name + ": inside " + inside + ", outside " + outside);
      // Outside the window the class means differ only by noise: a mean of 40 unit-variance trials
      // has
      // variance 1/40, which the (n − 1) variance over classes estimates without bias.
      assertEquals(1.0 / 40, outside, 0.5 / 40, name + " noise floor");
    }
  }

  /** Variance over classes of the class means, averaged over channels. */
  private static double betweenClassVariance(Epochs.Subject s, int t) {
    double total = 0;
    for (int k = 0; k < s.channels(); k++) {
      double[] sum = new double[3];
      int[] n = new int[3];
      for (int r = 0; r < s.trials(); r++) {
        sum[s.y()[r]] += s.at(r, k, t);
        n[s.y()[r]]++;
      }
      double grand = 0;
      for (int c = 0; c < 3; c++) {
        sum[c] /= n[c];
        grand += sum[c] / 3;
      }
      for (int c = 0; c < 3; c++) {
        total += (sum[c] - grand) * (sum[c] - grand) / 2;
      }
    }
    return total / s.channels();
  }

  @Test
  void truthListsTheWindowsAndEachSubjectsGain() throws Exception {
    Map<String, Object> params =
        Map.of(
            "subjects",
            2,
            "trialsPerClass",
            5,
            "channels",
            4,
            "effects",
            List.of(
                Map.of("start", 0.1, "end", 0.2),
                Map.of("start", 0.4, "end", 0.6, "amplitude", 1.5)));
    Path out = EegTesting.run(new Synthesize(), params, tmp, 1, Map.of());
    JsonNode truth = new ObjectMapper().readTree(out.resolve("truth.json").toFile());
    assertEquals(2, truth.get("effects").size());
    assertEquals(0.4, truth.get("effects").get(1).get("start").asDouble());
    assertEquals(
        Synthesize.DEFAULT_AMPLITUDE, truth.get("effects").get(0).get("amplitude").asDouble());
    assertEquals(1.5, truth.get("effects").get(1).get("amplitude").asDouble());
    for (String s : List.of("sub-01", "sub-02")) {
      double g = truth.get("gains").get(s).asDouble();
      assertTrue(g >= 0.5 && g < 1.5, s + " gain " + g);
    }
  }

  @Test
  void whiteNoiseHasUnitVarianceAndPinkNoiseIsSmootherThanWhite() throws Exception {
    Map<String, Object> base =
        Map.of(
            "subjects",
            1,
            "trialsPerClass",
            20,
            "channels",
            8,
            "effects",
            List.of(Map.of("start", 0.1, "end", 0.2, "amplitude", 0)));
    for (String noise : List.of("white", "pink")) {
      Map<String, Object> p = new java.util.HashMap<>(base);
      p.put("noise", noise);
      Path out = EegTesting.run(new Synthesize(), p, tmp.resolve(noise), 1, Map.of());
      var in = EegTesting.folder(out);
      Epochs.Subject s = Epochs.readSubject(in, "sub-01", Epochs.readInfo(in));
      double ss = 0;
      double lag1 = 0;
      for (int i = 0; i < s.x().length; i++) {
        ss += s.x()[i] * s.x()[i];
        if (i % s.times() != 0) {
          lag1 += s.x()[i] * s.x()[i - 1];
        }
      }
      double var = ss / s.x().length;
      double autocorrelation = lag1 / ss;
      assertEquals(1.0, var, 0.05, noise + " variance");
      if (noise.equals("white")) {
        assertEquals(0.0, autocorrelation, 0.03);
      } else {
        assertTrue(autocorrelation > 0.5, "pink lag-1 autocorrelation " + autocorrelation);
      }
    }
  }

  @Test
  void badEffectsAreReportedOnTheEffectsField() {
    Method m = new Synthesize();
    var problems =
        m.validate(
            EegTesting.params(m, Map.of("effects", List.of(Map.of("start", 0.3, "end", 0.1)))));
    assertEquals(1, problems.size());
    assertEquals("effects", problems.get(0).param());
    assertTrue(problems.get(0).message().contains("end"), problems.get(0).message());
    problems =
        m.validate(
            EegTesting.params(m, Map.of("effects", List.of(Map.of("start", 0.5, "end", 1.5)))));
    assertTrue(problems.get(0).message().contains("outside the epoch"), problems.get(0).message());
    problems = m.validate(EegTesting.params(m, Map.of("effects", "soon")));
    assertEquals("effects", problems.get(0).param());
    assertTrue(m.validate(EegTesting.params(m, Map.of())).isEmpty());
  }
}

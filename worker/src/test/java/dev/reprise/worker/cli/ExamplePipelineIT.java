package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's example, end to end through the command line: synthetic epochs with a planted
 * effect, preprocessing, decoding, cluster statistics and the report. The planted window must be
 * found (a significant cluster inside it, none outside, accuracy at chance away from it), and a
 * second run must reuse everything.
 */
class ExamplePipelineIT {
  static final Path EXAMPLE = Path.of("..", "k8s", "examples", "eeg-decoding.yaml");

  /**
   * Chance accuracy is 1/3; with 12 subjects x 180 trials the mean at one time point is that within
   * a few percent.
   */
  static final double CHANCE_TOLERANCE = 0.04;

  @TempDir Path tmp;

  @Test
  void theExampleFindsThePlantedWindowAndASecondRunReusesEverything() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String store = tmp.resolve("store").toString();
    TestingCli.Result first =
        TestingCli.run(
            "run",
            EXAMPLE.toString(),
            "--store",
            store,
            "--json",
            tmp.resolve("first.json").toString());
    assertEquals(0, first.exitCode(), first.err() + first.out());
    for (JsonNode s : json.readTree(tmp.resolve("first.json").toFile()).get("stages")) {
      assertEquals("ran", s.get("state").asText(), s.toString());
    }

    assertEquals(
        0,
        TestingCli.run(
                "export",
                EXAMPLE.toString(),
                "--stage",
                "epochs",
                "--to",
                tmp.resolve("epochs").toString(),
                "--store",
                store)
            .exitCode());
    assertEquals(
        0,
        TestingCli.run(
                "export",
                EXAMPLE.toString(),
                "--stage",
                "decode",
                "--to",
                tmp.resolve("decode").toString(),
                "--store",
                store)
            .exitCode());
    assertEquals(
        0,
        TestingCli.run(
                "export",
                EXAMPLE.toString(),
                "--stage",
                "stats",
                "--to",
                tmp.resolve("stats").toString(),
                "--store",
                store)
            .exitCode());
    JsonNode effect =
        json.readTree(tmp.resolve("epochs/truth.json").toFile()).get("effects").get(0);
    double start = effect.get("start").asDouble();
    double end = effect.get("end").asDouble();

    JsonNode stats = json.readTree(tmp.resolve("stats/stats.json").toFile());
    int significant = 0;
    for (JsonNode c : stats.get("clusters")) {
      if (c.get("p").asDouble() < 0.05) {
        significant++;
        assertTrue(
            c.get("start").asDouble() <= end && c.get("end").asDouble() >= start,
            "a significant cluster outside the planted window " + start + ".." + end + ": " + c);
      }
    }
    assertTrue(significant >= 1, "no significant cluster in the planted window: " + stats);

    NpyArray acc = Npy.read(tmp.resolve("decode/accuracy.npy"));
    double[] times = Npy.read(tmp.resolve("decode/times.npy")).doubles();
    int subjects = acc.dim(0);
    int n = acc.dim(1);
    double peak = 0;
    for (int t = 0; t < n; t++) {
      double mean = 0;
      for (int s = 0; s < subjects; s++) {
        mean += acc.doubles()[s * n + t] / subjects;
      }
      if (times[t] < start - 0.05 || times[t] > end + 0.05) {
        assertEquals(
            1.0 / 3,
            mean,
            CHANCE_TOLERANCE,
            "accuracy away from the planted window at " + times[t] + " s");
      }
      peak = Math.max(peak, mean);
    }
    assertTrue(peak > 0.6, "peak accuracy " + peak);

    TestingCli.Result second =
        TestingCli.run(
            "run",
            EXAMPLE.toString(),
            "--store",
            store,
            "--json",
            tmp.resolve("second.json").toString());
    assertEquals(0, second.exitCode());
    for (JsonNode s : json.readTree(tmp.resolve("second.json").toFile()).get("stages")) {
      assertEquals("reused", s.get("state").asText(), s.toString());
    }
    assertFalse(second.out().contains(" ran "), second.out());
  }
}

package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eeg.stats end to end on MNE's exact-enumeration case (fixtures/make_cluster_fixtures.py). */
class StatsTest {
  /** accuracy = chance + 0.05 x only rescales t's inputs: masses agree to rounding. */
  private static final double MASS_TOLERANCE = 1e-9;

  private static final double EXACT_P_TOLERANCE = 1e-12;
  private static final double SCALE = 0.05;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private static JsonNode mneCase() throws Exception {
    try (InputStream in =
        StatsTest.class.getResourceAsStream("/fixtures/cluster_test_cases.json")) {
      for (JsonNode c : JSON.readTree(in).get("cases")) {
        if (c.get("name").asText().equals("exact-tail1")) {
          return c;
        }
      }
    }
    throw new AssertionError("fixture missing");
  }

  /** Writes a decode-like stage: accuracy = chance[s] + SCALE · x, times from −0.1 s at 100 Hz. */
  static Path scores(Path dir, double[][] x, double[] chance, List<String> classes)
      throws Exception {
    int n = x.length;
    int t = x[0].length;
    double[] acc = new double[n * t];
    double[] times = new double[t];
    List<String> subjects = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      subjects.add("sub-" + (s + 1));
      for (int j = 0; j < t; j++) {
        acc[s * t + j] = chance[s] + SCALE * x[s][j];
      }
    }
    for (int j = 0; j < t; j++) {
      times[j] = -0.1 + j * 0.01;
    }
    Files.createDirectories(dir);
    Npy.write(dir.resolve("accuracy.npy"), NpyArray.ofDoubles(acc, n, t));
    Npy.write(dir.resolve("times.npy"), NpyArray.ofDoubles(times, t));
    Files.write(dir.resolve("subjects.json"), JSON.writeValueAsBytes(subjects));
    if (classes != null) {
      Files.write(dir.resolve("classes.json"), JSON.writeValueAsBytes(classes));
    }
    return dir;
  }

  private static double[][] fixtureX(JsonNode c) {
    JsonNode rows = c.get("x");
    double[][] x = new double[rows.size()][rows.get(0).size()];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < x[i].length; j++) {
        x[i][j] = rows.get(i).get(j).asDouble();
      }
    }
    return x;
  }

  private static void assertMatchesMne(JsonNode c, JsonNode stats) {
    JsonNode expected = c.get("clusters");
    JsonNode got = stats.get("clusters");
    assertEquals(expected.size(), got.size());
    for (int k = 0; k < got.size(); k++) {
      JsonNode e = expected.get(k);
      JsonNode g = got.get(k);
      assertEquals(e.get("first").asInt(), g.get("first").asInt());
      assertEquals(e.get("last").asInt(), g.get("last").asInt());
      assertEquals(-0.1 + e.get("first").asInt() * 0.01, g.get("start").asDouble(), 1e-12);
      assertEquals(-0.1 + e.get("last").asInt() * 0.01, g.get("end").asDouble(), 1e-12);
      assertEquals(e.get("mass").asDouble(), g.get("mass").asDouble(), MASS_TOLERANCE);
      assertEquals(e.get("p").asDouble(), g.get("p").asDouble(), EXACT_P_TOLERANCE);
    }
    assertEquals(c.get("threshold").asDouble(), stats.get("threshold").asDouble(), 1e-9);
    assertEquals(1024, stats.get("permutations").asInt());
    assertTrue(stats.get("exact").asBoolean());
  }

  @Test
  void chanceFromClassesJsonAndMneClustersAndExactPValues() throws Exception {
    JsonNode c = mneCase();
    double[][] x = fixtureX(c);
    double[] chance = new double[x.length];
    java.util.Arrays.fill(chance, 0.5);
    Path in = scores(tmp.resolve("decode"), x, chance, List.of("left", "right"));
    Path out =
        EegTesting.run(
            new Stats(), Map.of("permutations", 1024), tmp.resolve("run"), 1, Map.of("scores", in));
    JsonNode stats = JSON.readTree(out.resolve("stats.json").toFile());
    assertMatchesMne(c, stats);
    assertEquals(0.5, stats.get("chance").asDouble());
    assertEquals("classes.json", stats.get("chanceFrom").asText());
    NpyArray t = Npy.read(out.resolve("t.npy"));
    assertEquals(60, t.dim(0));
    assertEquals(c.get("t").get(20).asDouble(), t.doubles()[20], MASS_TOLERANCE);
    assertFalse(Files.exists(out.resolve("chance.npy")));
  }

  @Test
  void perSubjectChanceFromThePermutationNull() throws Exception {
    JsonNode c = mneCase();
    double[][] x = fixtureX(c);
    int n = x.length;
    int times = x[0].length;
    int perms = 20;
    Random rng = new Random(4);
    double[] chance = new double[n];
    double[] nullValues = new double[n * perms * times];
    for (int s = 0; s < n; s++) {
      chance[s] = 0.30 + 0.01 * s; // biased chance levels differ per subject
      for (int j = 0; j < times; j++) {
        double sum = 0;
        for (int q = 0; q < perms - 1; q++) {
          double v = chance[s] + 0.02 * rng.nextGaussian();
          nullValues[(s * perms + q) * times + j] = v;
          sum += v;
        }
        nullValues[(s * perms + perms - 1) * times + j] =
            perms * chance[s] - sum; // mean exactly chance[s]
      }
    }
    Path in = scores(tmp.resolve("decode"), x, chance, null);
    Path nullDir = Files.createDirectories(tmp.resolve("permute"));
    Npy.write(nullDir.resolve("null.npy"), NpyArray.ofDoubles(nullValues, n, perms, times));
    Path out =
        EegTesting.run(
            new Stats(),
            Map.of("permutations", 1024),
            tmp.resolve("run"),
            1,
            Map.of("scores", in, "null", nullDir));
    JsonNode stats = JSON.readTree(out.resolve("stats.json").toFile());
    assertMatchesMne(c, stats);
    assertEquals("null", stats.get("chanceFrom").asText());
    NpyArray chanceOut = Npy.read(out.resolve("chance.npy"));
    assertEquals(chance[3], chanceOut.doubles()[3 * times + 17], 1e-12);
  }

  @Test
  void missingChanceIsAClearInputError() throws Exception {
    double[][] x = {{0.1, 0.2}, {0.3, 0.1}, {0.2, 0.2}};
    Path in = scores(tmp.resolve("decode"), x, new double[] {0.5, 0.5, 0.5}, null);
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                EegTesting.run(new Stats(), Map.of(), tmp.resolve("run"), 1, Map.of("scores", in)));
    assertTrue(
        e.getMessage().contains("classes.json") && e.getMessage().contains("'chance'"),
        e.getMessage());
    Path run =
        EegTesting.run(
            new Stats(), Map.of("chance", 0.5), tmp.resolve("run2"), 1, Map.of("scores", in));
    assertEquals(
        "parameter", JSON.readTree(run.resolve("stats.json").toFile()).get("chanceFrom").asText());
  }

  @Test
  void nullOfTheWrongShapeIsAnInputError() throws Exception {
    double[][] x = {{0.1, 0.2}, {0.3, 0.1}, {0.2, 0.2}};
    Path in = scores(tmp.resolve("decode"), x, new double[] {0.5, 0.5, 0.5}, List.of("a", "b"));
    Path nullDir = Files.createDirectories(tmp.resolve("permute"));
    Npy.write(nullDir.resolve("null.npy"), NpyArray.ofDoubles(new double[3 * 4 * 5], 3, 4, 5));
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                EegTesting.run(
                    new Stats(),
                    Map.of(),
                    tmp.resolve("run"),
                    1,
                    Map.of("scores", in, "null", nullDir)));
    assertTrue(
        e.getMessage().contains("null.npy must be subjects × permutations × times"),
        e.getMessage());
  }
}

package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class ReportTest {
  private static final double EXACT = 1e-12;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /**
   * 12 subjects × 126 times (−0.2..0.8 s at 125 Hz), 3 classes: chance plus a bump peaking at 0.22
   * s, plus seeded noise. Returns the decode-like folder.
   */
  static Path decodeLike(Path dir, long seed) throws Exception {
    int n = 12;
    int t = 126;
    Random rng = new Random(seed);
    double[] acc = new double[n * t];
    double[] times = new double[t];
    List<String> subjects = new ArrayList<>();
    for (int j = 0; j < t; j++) {
      times[j] = -0.2 + j / 125.0;
    }
    for (int s = 0; s < n; s++) {
      subjects.add(String.format("sub-%02d", s + 1));
      double gain = 0.5 + rng.nextDouble();
      for (int j = 0; j < t; j++) {
        double bump = Math.exp(-Math.pow((times[j] - 0.22) / 0.06, 2));
        acc[s * t + j] = 1.0 / 3 + 0.3 * gain * bump + 0.04 * rng.nextGaussian();
      }
    }
    Files.createDirectories(dir);
    Npy.write(dir.resolve("accuracy.npy"), NpyArray.ofDoubles(acc, n, t));
    Npy.write(dir.resolve("times.npy"), NpyArray.ofDoubles(times, t));
    Files.write(dir.resolve("subjects.json"), JSON.writeValueAsBytes(subjects));
    Files.write(
        dir.resolve("classes.json"), JSON.writeValueAsBytes(List.of("face", "landmark", "object")));
    return dir;
  }

  @Test
  void writesAFigureAPageAndASummaryWithTheRightNumbers() throws Exception {
    Path decode = decodeLike(tmp.resolve("decode"), 1);
    Path stats =
        EegTesting.run(new Stats(), Map.of(), tmp.resolve("stats"), 1, Map.of("scores", decode));
    Path out =
        EegTesting.run(
            new Report(),
            Map.of("title", "Faces vs landmarks vs objects"),
            tmp.resolve("report"),
            1,
            Map.of("scores", decode, "stats", stats));

    BufferedImage png = ImageIO.read(out.resolve("accuracy.png").toFile());
    assertNotNull(png);
    assertEquals(AccuracyFigure.WIDTH, png.getWidth());
    assertEquals(AccuracyFigure.HEIGHT, png.getHeight());

    Document svg =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(out.resolve("accuracy.svg").toFile());
    assertEquals("svg", svg.getDocumentElement().getTagName());
    assertEquals(1, svg.getElementsByTagName("polygon").getLength()); // the SEM band
    String svgText = Files.readString(out.resolve("accuracy.svg"));
    assertTrue(
        svgText.contains(">Time (s)</text>") && svgText.contains(">Decoding accuracy (%)</text>"));
    assertTrue(svgText.contains(">Faces vs landmarks vs objects</text>"));

    NpyArray acc = Npy.read(decode.resolve("accuracy.npy"));
    double[] a = acc.doubles();
    int peak = 0;
    double best = -1;
    for (int j = 0; j < 126; j++) {
      double m = 0;
      for (int s = 0; s < 12; s++) {
        m += a[s * 126 + j];
      }
      if (m / 12 > best) {
        best = m / 12;
        peak = j;
      }
    }
    JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
    JsonNode statsJson = JSON.readTree(stats.resolve("stats.json").toFile());
    assertEquals(12, summary.get("subjects").asInt());
    assertEquals(best, summary.get("peakAccuracy").asDouble(), EXACT);
    assertEquals(-0.2 + peak / 125.0, summary.get("peakTime").asDouble(), EXACT);
    assertEquals(1.0 / 3, summary.get("chance").asDouble(), EXACT);
    int significant = 0;
    for (JsonNode c : statsJson.get("clusters")) {
      significant += c.get("p").asDouble() < 0.05 ? 1 : 0;
    }
    assertTrue(significant >= 1, "the planted bump gives a significant cluster");
    assertEquals(significant, summary.get("significantClusters").asInt());
    boolean peakCovered = false;
    for (JsonNode c : statsJson.get("clusters")) {
      peakCovered |=
          c.get("p").asDouble() < 0.05
              && c.get("start").asDouble() < 0.22
              && c.get("end").asDouble() > 0.22;
    }
    assertTrue(peakCovered, "a significant cluster covers the planted peak at 0.22 s");
    // Every shaded cluster appears in the SVG with its p label.
    int shadedRects = svgText.split("fill=\"#f2b441\"", -1).length - 1;
    assertEquals(significant + 1, shadedRects); // plus the legend swatch

    String html = Files.readString(out.resolve("report.html"));
    assertTrue(html.contains("<svg role=\"img\"") && html.contains("<table>"));
    DocumentBuilderFactory.newInstance()
        .newDocumentBuilder()
        .parse(
            new java.io.ByteArrayInputStream(
                html.replace("<!DOCTYPE html>", "").getBytes("UTF-8")));
  }

  @Test
  void titleDefaultsToThePipelineName() throws Exception {
    Path decode = decodeLike(tmp.resolve("decode"), 2);
    Path stats =
        EegTesting.run(new Stats(), Map.of(), tmp.resolve("stats"), 1, Map.of("scores", decode));
    Path out =
        EegTesting.run(
            new Report(),
            Map.of(),
            tmp.resolve("report"),
            1,
            Map.of("scores", decode, "stats", stats));
    assertTrue(Files.readString(out.resolve("accuracy.svg")).contains(">test-pipeline</text>"));
  }
}

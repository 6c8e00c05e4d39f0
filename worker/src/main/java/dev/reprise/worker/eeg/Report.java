package dev.reprise.worker.eeg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.StageFailedException;
import dev.reprise.core.io.NpyArray;
import dev.reprise.core.method.InputArtifacts;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodSpec;
import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.Params;
import dev.reprise.core.method.Phase;
import dev.reprise.core.method.PhaseContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * {@code eeg.report}: the decoding figure ({@link AccuracyFigure}) as PNG and SVG, an HTML page
 * embedding the SVG with a table of clusters, and {@code summary.json}.
 *
 * <p>Mean over subjects m(t) and standard error SEM(t) = sd(t) / sqrt(n) with the (n − 1) standard
 * deviation; the chance line is the stats stage's chance (per time, averaged over subjects, when it
 * came from a permutation null); clusters with p &lt; alpha are shaded.
 */
public final class Report implements Method {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  @Override
  public MethodSpec spec() {
    return MethodSpec.builder("eeg.report")
        .description("Figure (PNG, SVG), HTML page and summary of a decoding analysis")
        .input("scores", "an eeg.decode stage")
        .input("stats", "an eeg.stats stage on the same scores")
        .output("accuracy.png", "1200 × 700 figure")
        .output("accuracy.svg", "the same figure as SVG")
        .output("report.html", "the SVG and a table of clusters")
        .output("summary.json", "subjects, peak accuracy and its time, chance, clusters")
        .param(
            ParamSpec.string("title", null)
                .nullable()
                .doc("figure title; null or empty = the pipeline's name"))
        .param(
            ParamSpec.number("alpha", 0.05)
                .range(0, 1)
                .doc("clusters with p < alpha are shaded as significant"))
        .phases(Phase.SYNTHESIS)
        .defaultSlices(1)
        .build();
  }

  @Override
  public void synthesis(PhaseContext ctx) throws Exception {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    Params p = ctx.params();
    Scores scores = Scores.read(ctx.input("scores"));
    InputArtifacts statsIn = ctx.input("stats");
    if (!statsIn.has("stats.json")) {
      throw new InvalidInputException(
          statsIn.describe() + ": no stats.json (is it an eeg.stats stage?)");
    }
    JsonNode stats = JSON.readTree(statsIn.path("stats.json").toFile());
    if (!stats.path("chance").isNumber() || !stats.path("clusters").isArray()) {
      throw new InvalidInputException(
          statsIn.describe() + ": stats.json needs 'chance' and 'clusters'");
    }
    String title =
        p.isNull("title") || p.getString("title").isBlank()
            ? ctx.pipelineName()
            : p.getString("title");
    double alpha = p.getDouble("alpha");
    int n = scores.subjectCount();
    double[] times = scores.times();
    int t = times.length;

    double[] mean = new double[t];
    double[] sem = new double[t];
    for (int j = 0; j < t; j++) {
      double m = 0;
      for (double[] row : scores.accuracy()) {
        m += row[j];
      }
      m /= n;
      double ss = 0;
      for (double[] row : scores.accuracy()) {
        ss += (row[j] - m) * (row[j] - m);
      }
      mean[j] = m;
      sem[j] = n > 1 ? Math.sqrt(ss / (n - 1) / n) : 0;
    }
    double[] chance = chanceCurve(statsIn, stats.get("chance").asDouble(), n, t);

    List<AccuracyFigure.Shade> shades = new ArrayList<>();
    List<Map<String, Object>> clusters = new ArrayList<>();
    for (JsonNode c : stats.get("clusters")) {
      double pv = c.get("p").asDouble();
      boolean significant = pv < alpha;
      if (significant) {
        shades.add(
            new AccuracyFigure.Shade(c.get("start").asDouble(), c.get("end").asDouble(), pv));
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("start", c.get("start").asDouble());
      m.put("end", c.get("end").asDouble());
      m.put("mass", c.get("mass").asDouble());
      m.put("p", pv);
      m.put("significant", significant);
      clusters.add(m);
    }
    int peak = 0;
    for (int j = 1; j < t; j++) {
      if (mean[j] > mean[peak]) {
        peak = j;
      }
    }

    AccuracyFigure.Data data =
        new AccuracyFigure.Data(
            title, times, percent(mean), percent(sem), percent(chance), shades, n);
    try {
      if (!ImageIO.write(
          AccuracyFigure.png(data), "png", ctx.out().resolve("accuracy.png").toFile())) {
        throw new StageFailedException("no PNG writer available in this Java runtime");
      }
    } catch (IOException e) {
      throw new StageFailedException("writing accuracy.png failed: " + e.getMessage(), e);
    }
    String svg = AccuracyFigure.svg(data);
    Files.writeString(ctx.out().resolve("accuracy.svg"), svg, StandardCharsets.UTF_8);

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("subjects", n);
    summary.put("peakAccuracy", mean[peak]);
    summary.put("peakSem", sem[peak]);
    summary.put("peakTime", times[peak]);
    summary.put("chance", stats.get("chance").asDouble());
    summary.put("significantClusters", shades.size());
    summary.put("clusters", clusters);
    Files.write(
        ctx.out().resolve("summary.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
    Files.writeString(
        ctx.out().resolve("report.html"),
        html(title, svg, n, mean[peak], sem[peak], times[peak], clusters),
        StandardCharsets.UTF_8);
  }

  /** Chance per time: the mean over subjects of stats' chance.npy if present, else the constant. */
  private static double[] chanceCurve(InputArtifacts statsIn, double chance, int n, int t) {
    double[] out = new double[t];
    if (!statsIn.has("chance.npy")) {
      Arrays.fill(out, chance);
      return out;
    }
    NpyArray a = Scores.npy(statsIn, "chance.npy");
    if (a.ndim() != 2 || a.dim(0) != n || a.dim(1) != t) {
      throw new InvalidInputException(
          statsIn.describe()
              + ": chance.npy has shape "
              + Arrays.toString(a.shape())
              + ", expected "
              + n
              + " × "
              + t);
    }
    double[] v = a.doubles();
    for (int s = 0; s < n; s++) {
      for (int j = 0; j < t; j++) {
        out[j] += v[s * t + j] / n;
      }
    }
    return out;
  }

  private static double[] percent(double[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = 100 * v[i];
    }
    return out;
  }

  private static String html(
      String title,
      String svg,
      int n,
      double peak,
      double peakSem,
      double peakTime,
      List<Map<String, Object>> clusters) {
    StringBuilder sb = new StringBuilder();
    String t = AccuracyFigure.escape(title);
    sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>")
        .append(t)
        .append(
            "</title>\n<style>body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:1240px;"
                + "margin:24px auto;color:#222}svg{max-width:100%;height:auto}table{border-collapse:collapse}"
                + "td,th{padding:4px 12px;border-bottom:1px solid #ddd;text-align:right}</style>\n</head>\n<body>\n")
        .append("<h1>")
        .append(t)
        .append("</h1>\n")
        .append(
            String.format(
                Locale.ROOT,
                "<p>%d subjects. Peak mean accuracy %.1f%% ± %.1f%% (SEM) at %.3f s.</p>%n",
                n,
                100 * peak,
                100 * peakSem,
                peakTime))
        .append(svg.replaceFirst("<svg ", "<svg role=\"img\" "))
        .append("<h2>Clusters</h2>\n");
    if (clusters.isEmpty()) {
      sb.append("<p>No time point exceeded the cluster-forming threshold.</p>\n");
    } else {
      sb.append(
          "<table>\n<tr><th>start (s)</th><th>end (s)</th><th>mass (Σ t)</th><th>p</th><th>significant</th></tr>\n");
      for (Map<String, Object> c : clusters) {
        sb.append(
            String.format(
                Locale.ROOT,
                "<tr><td>%.3f</td><td>%.3f</td><td>%.2f</td><td>%.4f</td><td>%s</td></tr>%n",
                c.get("start"),
                c.get("end"),
                c.get("mass"),
                c.get("p"),
                (Boolean) c.get("significant") ? "yes" : "no"));
      }
      sb.append("</table>\n");
    }
    return sb.append("</body>\n</html>\n").toString();
  }
}

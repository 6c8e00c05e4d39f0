package dev.reprise.worker.eeg;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.StageFailedException;
import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import dev.reprise.core.method.InputArtifacts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A slice's partial results of {@code eeg.decode} / {@code eeg.permute}: {@code part.json} lists
 * the work units the slice computed, in order, and {@code part.npy} (plus {@code
 * part-generalization.npy} for temporal generalisation) holds their values concatenated, 1-D
 * float64. A unit covers {@code [start, end)} of one subject's second axis (training times for
 * decode, permutations for permute); {@code times} is that subject's number of output times.
 *
 * <pre>{"units": [{"subject": 0, "name": "S01", "start": 0, "end": 13, "times": 25}, ...]}</pre>
 */
final class SliceParts {
  static final String JSON_NAME = "part.json";
  static final String VALUES = "part.npy";
  static final String GENERALIZATION = "part-generalization.npy";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One unit: values for {@code [start, end)} of subject {@code subject}. */
  record Unit(int subject, String name, int start, int end, int times) {}

  private final List<Unit> units = new ArrayList<>();
  private double[] values = new double[0];
  private int valueCount;
  private double[] gen = new double[0];
  private int genCount;

  /** Appends a unit with {@code n} values from {@code v} and {@code ng} from {@code g}. */
  void add(Unit u, double[] v, int n, double[] g, int ng) {
    units.add(u);
    values = append(values, valueCount, v, n);
    valueCount += n;
    if (g != null) {
      gen = append(gen, genCount, g, ng);
      genCount += ng;
    }
  }

  private static double[] append(double[] to, int count, double[] from, int n) {
    if (count + n > to.length) {
      to = Arrays.copyOf(to, Math.max(count + n, 2 * to.length));
    }
    System.arraycopy(from, 0, to, count, n);
    return to;
  }

  void write(Path out, boolean withGeneralization) throws IOException {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Unit u : units) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("subject", u.subject());
      m.put("name", u.name());
      m.put("start", u.start());
      m.put("end", u.end());
      m.put("times", u.times());
      list.add(m);
    }
    JSON.writeValue(out.resolve(JSON_NAME).toFile(), Map.of("units", list));
    Npy.write(
        out.resolve(VALUES), NpyArray.ofDoubles(Arrays.copyOf(values, valueCount), valueCount));
    if (withGeneralization) {
      Npy.write(
          out.resolve(GENERALIZATION), NpyArray.ofDoubles(Arrays.copyOf(gen, genCount), genCount));
    }
  }

  /** A slice's parts as read back: units and their concatenated values. */
  record Read(List<Unit> units, double[] values, double[] generalization) {}

  static Read read(InputArtifacts slice, boolean withGeneralization) {
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = JSON.readValue(slice.path(JSON_NAME).toFile(), Map.class);
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> list = (List<Map<String, Object>>) m.get("units");
      List<Unit> units = new ArrayList<>();
      for (Map<String, Object> u : list) {
        units.add(
            new Unit(
                ((Number) u.get("subject")).intValue(),
                (String) u.get("name"),
                ((Number) u.get("start")).intValue(),
                ((Number) u.get("end")).intValue(),
                ((Number) u.get("times")).intValue()));
      }
      double[] v = Npy.read(slice.path(VALUES)).doubles();
      double[] g = withGeneralization ? Npy.read(slice.path(GENERALIZATION)).doubles() : null;
      return new Read(units, v, g);
    } catch (IOException | RuntimeException e) {
      throw new StageFailedException(
          slice.describe() + ": unreadable partial results: " + e.getMessage(), e);
    }
  }

  /** Work units per subject so that a stage of {@code slices} slices has work for each. */
  static int chunksPerSubject(int slices, int subjects, int cap) {
    int chunks = (slices + subjects - 1) / subjects;
    return Math.max(1, Math.min(chunks, cap));
  }
}

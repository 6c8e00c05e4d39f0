package dev.reprise.worker.eeg;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import dev.reprise.core.method.InputArtifacts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The epochs folder format: {@code info.json} plus {@code <subject>/X.npy} (trials × channels ×
 * times) and {@code <subject>/y.npy} (class index per trial) for each subject.
 */
public final class Epochs {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private Epochs() {}

  /** What {@code info.json} holds. */
  public record Info(double sfreq, double tmin, List<String> channels, List<String> classes) {
    public Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("sfreq", sfreq);
      m.put("tmin", tmin);
      m.put("channels", channels);
      m.put("classes", classes);
      return m;
    }

    /** The time in seconds of sample {@code i}. */
    public double time(int i) {
      return tmin + i / sfreq;
    }
  }

  /**
   * One subject's trials: {@code x} holds trials × channels × times values in C order; {@code y}
   * the class index of each trial.
   */
  public record Subject(String name, double[] x, int trials, int channels, int times, int[] y) {
    public double at(int trial, int channel, int time) {
      return x[(trial * channels + channel) * times + time];
    }
  }

  public static Info readInfo(InputArtifacts in) {
    if (!in.has("info.json")) {
      throw new InvalidInputException(in.describe() + ": not an epochs folder (no info.json)");
    }
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = JSON.readValue(in.path("info.json").toFile(), Map.class);
      @SuppressWarnings("unchecked")
      List<String> channels = (List<String>) m.get("channels");
      @SuppressWarnings("unchecked")
      List<String> classes = (List<String>) m.get("classes");
      if (!(m.get("sfreq") instanceof Number sfreq) || !(m.get("tmin") instanceof Number tmin)) {
        throw new InvalidInputException(in.describe() + ": info.json needs numbers sfreq and tmin");
      }
      if (channels == null || classes == null || classes.size() < 2) {
        throw new InvalidInputException(
            in.describe() + ": info.json needs 'channels' and at least two 'classes'");
      }
      return new Info(sfreq.doubleValue(), tmin.doubleValue(), channels, classes);
    } catch (IOException | ClassCastException e) {
      throw new InvalidInputException(
          in.describe() + ": unreadable info.json: " + e.getMessage(), e);
    }
  }

  /** Subject names, sorted: the folders holding an {@code X.npy}. */
  public static List<String> subjects(InputArtifacts in) {
    List<String> out = new ArrayList<>();
    for (String name : in.names()) {
      if (name.endsWith("/X.npy") && name.indexOf('/') == name.length() - "/X.npy".length()) {
        out.add(name.substring(0, name.length() - "/X.npy".length()));
      }
    }
    return out;
  }

  /**
   * Reads and checks one subject: X is 3-D, y has one entry per trial with values in [0, classes),
   * and every value is finite (else the message names the subject and trial).
   */
  public static Subject readSubject(InputArtifacts in, String subject, Info info) {
    NpyArray x;
    NpyArray y;
    try {
      x = Npy.read(in.path(subject + "/X.npy"));
      y = Npy.read(in.path(subject + "/y.npy"));
    } catch (IOException e) {
      throw new InvalidInputException(
          in.describe() + ": subject " + subject + ": " + e.getMessage(), e);
    }
    if (x.ndim() != 3) {
      throw new InvalidInputException(
          in.describe()
              + ": subject "
              + subject
              + ": X.npy must be trials × channels × times, has "
              + x.ndim()
              + " dimensions");
    }
    int trials = x.dim(0);
    int channels = x.dim(1);
    int times = x.dim(2);
    if (y.ndim() != 1 || y.dim(0) != trials) {
      throw new InvalidInputException(
          in.describe()
              + ": subject "
              + subject
              + ": y.npy must hold one label per trial ("
              + trials
              + "), has shape "
              + java.util.Arrays.toString(y.shape()));
    }
    if (channels != info.channels().size()) {
      throw new InvalidInputException(
          in.describe()
              + ": subject "
              + subject
              + ": X.npy has "
              + channels
              + " channels, info.json lists "
              + info.channels().size());
    }
    int[] labels;
    try {
      labels = y.ints();
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(
          in.describe() + ": subject " + subject + ": y.npy: " + e.getMessage());
    }
    Subject s = new Subject(subject, x.doubles(), trials, channels, times, labels);
    check(s, info, in.describe());
    return s;
  }

  /**
   * Checks labels (in [0, classes)), finiteness and the channel count of a subject against {@code
   * info}; the message names {@code where}, the subject, the trial (and channel).
   */
  public static void check(Subject s, Info info, String where) {
    String subject = s.name();
    if (s.channels() != info.channels().size()) {
      throw new InvalidInputException(
          where
              + ": subject "
              + subject
              + ": X has "
              + s.channels()
              + " channels, info lists "
              + info.channels().size());
    }
    int[] labels = s.y();
    int trials = s.trials();
    int times = s.times();
    for (int t = 0; t < trials; t++) {
      if (labels[t] < 0 || labels[t] >= info.classes().size()) {
        throw new InvalidInputException(
            where
                + ": subject "
                + subject
                + ", trial "
                + t
                + ": label "
                + labels[t]
                + " is not a class index (0.."
                + (info.classes().size() - 1)
                + ")");
      }
    }
    double[] data = s.x();
    int perTrial = s.channels() * times;
    for (int i = 0; i < data.length; i++) {
      if (!Double.isFinite(data[i])) {
        int trial = i / perTrial;
        int channel = (i % perTrial) / times;
        throw new InvalidInputException(
            where
                + ": subject "
                + subject
                + ", trial "
                + trial
                + ", channel "
                + info.channels().get(channel)
                + ": value "
                + data[i]
                + " is not finite");
      }
    }
  }

  /** Whether the subject's X.npy is stored as float32 (read from its header only). */
  public static boolean isFloat32(InputArtifacts in, String subject) {
    try (java.io.InputStream s = Files.newInputStream(in.path(subject + "/X.npy"))) {
      byte[] head = s.readNBytes(256);
      String text = new String(head, java.nio.charset.StandardCharsets.ISO_8859_1);
      return text.contains("'descr': '<f4'") || text.contains("'descr': '>f4'");
    } catch (IOException e) {
      throw new InvalidInputException(
          in.describe() + ": subject " + subject + ": " + e.getMessage(), e);
    }
  }

  public static void writeInfo(Path out, Info info) throws IOException {
    Files.createDirectories(out);
    Files.write(out.resolve("info.json"), JSON.writeValueAsBytes(info.toJson()));
  }

  /**
   * Writes {@code <subject>/X.npy} (float32 if asked, else float64) and {@code <subject>/y.npy}.
   */
  public static void writeSubject(Path out, Subject s, boolean float32) throws IOException {
    Path dir = Files.createDirectories(out.resolve(s.name()));
    NpyArray x =
        float32
            ? NpyArray.ofFloats(s.x(), s.trials(), s.channels(), s.times())
            : NpyArray.ofDoubles(s.x(), s.trials(), s.channels(), s.times());
    Npy.write(dir.resolve("X.npy"), x);
    Npy.write(dir.resolve("y.npy"), NpyArray.ofInts(s.y(), s.trials()));
  }
}

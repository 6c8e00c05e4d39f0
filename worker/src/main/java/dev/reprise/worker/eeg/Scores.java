package dev.reprise.worker.eeg;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import dev.reprise.core.method.InputArtifacts;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * A decoding result as {@code eeg.decode} writes it: {@code accuracy.npy} (subjects × times),
 * {@code times.npy} (seconds), {@code subjects.json} (row order) and, if present, {@code
 * classes.json} (class names, which give chance = 1 / number of classes).
 */
public record Scores(
    double[][] accuracy, double[] times, List<String> subjects, List<String> classes) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public int subjectCount() {
    return accuracy.length;
  }

  /**
   * Reads and checks the files; a missing file or a shape mismatch is an {@link
   * InvalidInputException}.
   */
  public static Scores read(InputArtifacts in) {
    for (String name : List.of("accuracy.npy", "times.npy", "subjects.json")) {
      if (!in.has(name)) {
        throw new InvalidInputException(
            in.describe() + ": no " + name + " (is it an eeg.decode stage?)");
      }
    }
    NpyArray acc = npy(in, "accuracy.npy");
    NpyArray times = npy(in, "times.npy");
    if (acc.ndim() != 2) {
      throw new InvalidInputException(
          in.describe()
              + ": accuracy.npy must be subjects × times, has shape "
              + Arrays.toString(acc.shape()));
    }
    if (times.ndim() != 1 || times.dim(0) != acc.dim(1)) {
      throw new InvalidInputException(
          in.describe()
              + ": times.npy has shape "
              + Arrays.toString(times.shape())
              + ", accuracy.npy has "
              + acc.dim(1)
              + " time points");
    }
    List<String> subjects = strings(in, "subjects.json");
    if (subjects.size() != acc.dim(0)) {
      throw new InvalidInputException(
          in.describe()
              + ": subjects.json lists "
              + subjects.size()
              + " subjects, accuracy.npy has "
              + acc.dim(0)
              + " rows");
    }
    List<String> classes = in.has("classes.json") ? strings(in, "classes.json") : null;
    double[] flat = acc.doubles();
    int n = acc.dim(0);
    int t = acc.dim(1);
    double[][] rows = new double[n][t];
    for (int s = 0; s < n; s++) {
      for (int j = 0; j < t; j++) {
        double v = flat[s * t + j];
        if (!(v >= 0 && v <= 1)) {
          throw new InvalidInputException(
              in.describe()
                  + ": accuracy.npy: subject "
                  + subjects.get(s)
                  + ", time "
                  + j
                  + ": "
                  + v
                  + " is not an accuracy in [0, 1]");
        }
        rows[s][j] = v;
      }
    }
    return new Scores(rows, times.doubles().clone(), subjects, classes);
  }

  static NpyArray npy(InputArtifacts in, String name) {
    try {
      return Npy.read(in.path(name));
    } catch (IOException e) {
      throw new InvalidInputException(in.describe() + ": " + name + ": " + e.getMessage(), e);
    }
  }

  static List<String> strings(InputArtifacts in, String name) {
    try {
      List<?> list = JSON.readValue(in.path(name).toFile(), List.class);
      for (Object o : list) {
        if (!(o instanceof String)) {
          throw new InvalidInputException(
              in.describe() + ": " + name + " must be a list of strings");
        }
      }
      @SuppressWarnings("unchecked")
      List<String> out = (List<String>) list;
      return out;
    } catch (IOException e) {
      throw new InvalidInputException(
          in.describe() + ": unreadable " + name + ": " + e.getMessage(), e);
    }
  }
}

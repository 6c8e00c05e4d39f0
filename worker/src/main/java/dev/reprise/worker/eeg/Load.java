package dev.reprise.worker.eeg;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.method.InputArtifacts;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodSpec;
import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.ParamType;
import dev.reprise.core.method.Params;
import dev.reprise.core.method.PhaseContext;
import dev.reprise.core.method.SliceRange;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.format.Mat5File;
import us.hebi.matlab.mat.types.MatlabType;
import us.hebi.matlab.mat.types.Matrix;

/**
 * {@code eeg.load}: reads and validates external epochs into an epochs folder; sliced by subject
 * (slice 0 writes info.json).
 *
 * <p>{@code path} is either an epochs folder ({@code info.json} + {@code <subject>/X.npy}, {@code
 * <subject>/y.npy}) or a folder of MATLAB v5/v7 {@code .mat} files (not v7.3/HDF5), one per subject
 * (the subject is the file name without {@code .mat}), each holding {@code X} (trials × channels ×
 * times, double or single) and {@code y} (a vector of class labels, one per trial). For .mat
 * folders, {@code y} is 1-based by default (MATLAB's convention; {@code labelBase: 0} for 0-based
 * labels), and sfreq, tmin, channel and class names come from an {@code info.json} next to the .mat
 * files if there is one, else from the parameters {@code sfreq} and {@code tmin} (required then),
 * channel names EEG001... and the {@code classes} parameter (or class1..classK, K = the largest
 * label over all subjects).
 */
public final class Load implements Method {
  @Override
  public MethodSpec spec() {
    return MethodSpec.builder("eeg.load")
        .description("Reads an epochs folder (.npy) or one .mat file per subject, and validates it")
        .output("info.json", "sampling rate, first sample time, channel and class names")
        .output("<subject>/X.npy", "trials × channels × times, float32 or float64 as read")
        .output("<subject>/y.npy", "0-based class index per trial")
        .param(
            ParamSpec.path("path")
                .doc("an epochs folder, or a folder of <subject>.mat files holding X and y"))
        .param(
            ParamSpec.of("sfreq", ParamType.NUMBER)
                .nullable()
                .range(1e-6, 1e7)
                .doc(".mat without info.json: sampling rate, Hz"))
        .param(
            ParamSpec.of("tmin", ParamType.NUMBER)
                .nullable()
                .doc(".mat without info.json: time of the first sample, s"))
        .param(
            ParamSpec.of("classes", ParamType.STRINGS)
                .nullable()
                .length(2, 100_000)
                .doc(".mat without info.json: class names in label order; null = class1..classK"))
        .param(
            ParamSpec.integer("labelBase", 1)
                .range(0, 1)
                .doc(".mat only: the label of the first class (1 = MATLAB style, 0 = 0-based)"))
        .defaultSlices(1)
        .build();
  }

  @Override
  public void analysis(PhaseContext ctx) throws Exception {
    Params p = ctx.params();
    // A local folder, or one on S3 whose files are fetched as they are read: eeg.load does not
    // mind, and a slice fetches only its subjects.
    InputArtifacts folder = ctx.dataFiles("path");
    List<String> npySubjects = Epochs.subjects(folder);
    List<String> matFiles = matFiles(folder);
    if (!npySubjects.isEmpty()) {
      loadNpy(ctx, folder, npySubjects);
    } else if (!matFiles.isEmpty()) {
      loadMat(ctx, p, folder, matFiles);
    } else {
      throw new InvalidInputException(
          "path: " + p.getPath("path") + " holds neither <subject>/X.npy files nor .mat files");
    }
  }

  private static void loadNpy(PhaseContext ctx, InputArtifacts folder, List<String> subjects)
      throws IOException {
    Epochs.Info info = Epochs.readInfo(folder);
    if (ctx.slice() == 0) {
      Epochs.writeInfo(ctx.out(), info);
    }
    SliceRange range = SliceRange.of(ctx.slice(), ctx.slices(), subjects.size());
    for (int i = range.start(); i < range.end(); i++) {
      String name = subjects.get(i);
      Epochs.writeSubject(
          ctx.out(), Epochs.readSubject(folder, name, info), Epochs.isFloat32(folder, name));
    }
  }

  /** The folder's top-level .mat files, by name, sorted. */
  private static List<String> matFiles(InputArtifacts folder) {
    return folder.names().stream().filter(n -> n.endsWith(".mat") && !n.contains("/")).toList();
  }

  private static String subjectOf(Path matFile) {
    String n = matFile.getFileName().toString();
    return n.substring(0, n.length() - ".mat".length());
  }

  private static void loadMat(PhaseContext ctx, Params p, InputArtifacts folder, List<String> files)
      throws IOException {
    int base = p.getInt("labelBase");
    Epochs.Info info;
    if (folder.has("info.json")) {
      for (String param : List.of("sfreq", "tmin", "classes")) {
        if (!p.isNull(param)) {
          throw new InvalidInputException(
              param
                  + ": "
                  + folder.describe()
                  + " has an info.json, which gives "
                  + param
                  + "; remove the parameter or the file");
        }
      }
      info = Epochs.readInfo(folder);
    } else {
      if (p.isNull("sfreq") || p.isNull("tmin")) {
        throw new InvalidInputException(
            (p.isNull("sfreq") ? "sfreq" : "tmin")
                + ": "
                + folder.describe()
                + " has .mat files and no info.json: set the parameters sfreq and tmin");
      }
      MatSubject first = readMat(folder.path(files.get(0)), base);
      List<String> channels = new ArrayList<>();
      for (int k = 0; k < first.subject().channels(); k++) {
        channels.add(String.format("EEG%03d", k + 1));
      }
      List<String> classes;
      if (!p.isNull("classes")) {
        classes = p.getStrings("classes");
      } else {
        int max = 0;
        for (String f : files) {
          for (int label : readMat(folder.path(f), base).subject().y()) {
            max = Math.max(max, label);
          }
        }
        classes = new ArrayList<>();
        for (int c = 0; c <= Math.max(max, 1); c++) {
          classes.add("class" + (c + 1));
        }
      }
      info = new Epochs.Info(p.getDouble("sfreq"), p.getDouble("tmin"), channels, classes);
    }
    if (ctx.slice() == 0) {
      Epochs.writeInfo(ctx.out(), info);
    }
    SliceRange range = SliceRange.of(ctx.slice(), ctx.slices(), files.size());
    for (int i = range.start(); i < range.end(); i++) {
      MatSubject m = readMat(folder.path(files.get(i)), base);
      Epochs.check(m.subject(), info, folder.describe() + " (" + files.get(i) + ")");
      Epochs.writeSubject(ctx.out(), m.subject(), m.float32());
    }
  }

  /** A subject read from a .mat file, labels already shifted to 0-based. */
  record MatSubject(Epochs.Subject subject, boolean float32) {}

  /**
   * Reads X (column-major trials × channels × times: X(r, k, t) is element r + T (k + C t)) and y;
   * checks shapes and that the labels are whole numbers.
   */
  static MatSubject readMat(Path file, int base) {
    String name = subjectOf(file);
    String where = file + ": subject " + name;
    try (Mat5File mat = Mat5.readFromFile(file.toFile())) {
      Matrix x = matrix(mat, "X", where);
      Matrix y = matrix(mat, "y", where);
      int[] dims = x.getDimensions();
      if (dims.length != 3) {
        throw new InvalidInputException(
            where + ": X must be trials × channels × times, has shape " + Arrays.toString(dims));
      }
      int trials = dims[0];
      int channels = dims[1];
      int times = dims[2];
      int[] ydims = y.getDimensions();
      long nonSingleton = Arrays.stream(ydims).filter(d -> d != 1).count();
      if (y.getNumElements() != trials || nonSingleton > 1) {
        throw new InvalidInputException(
            where
                + ": y must be a vector with one label per trial ("
                + trials
                + "), has shape "
                + Arrays.toString(ydims));
      }
      double[] data = new double[trials * channels * times];
      for (int r = 0; r < trials; r++) {
        for (int k = 0; k < channels; k++) {
          for (int t = 0; t < times; t++) {
            data[(r * channels + k) * times + t] = x.getDouble(r + trials * (k + channels * t));
          }
        }
      }
      int[] labels = new int[trials];
      for (int r = 0; r < trials; r++) {
        double v = y.getDouble(r);
        if (v != Math.rint(v)) {
          throw new InvalidInputException(
              where + ", trial " + r + ": label " + v + " is not a whole number");
        }
        labels[r] = (int) v - base;
        if (labels[r] < 0) {
          throw new InvalidInputException(
              where
                  + ", trial "
                  + r
                  + ": label "
                  + (long) v
                  + " is below labelBase "
                  + base
                  + (base == 1 ? " (0-based labels? set labelBase: 0)" : ""));
        }
      }
      boolean float32 = x.getType() == MatlabType.Single;
      return new MatSubject(
          new Epochs.Subject(name, data, trials, channels, times, labels), float32);
    } catch (IOException e) {
      throw new InvalidInputException(
          where + ": not a readable MATLAB v5/v7 file: " + e.getMessage(), e);
    }
  }

  private static Matrix matrix(Mat5File mat, String var, String where) {
    try {
      Matrix m = mat.getMatrix(var);
      if (m.isComplex()) {
        throw new InvalidInputException(where + ": " + var + " is complex");
      }
      return m;
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new InvalidInputException(
          where + ": no numeric variable '" + var + "' (" + e.getMessage() + ")", e);
    }
  }
}

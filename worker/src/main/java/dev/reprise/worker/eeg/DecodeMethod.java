package dev.reprise.worker.eeg;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.StageFailedException;
import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import dev.reprise.core.method.InputArtifacts;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodSpec;
import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.Phase;
import dev.reprise.core.method.PhaseContext;
import dev.reprise.core.method.SliceRange;
import java.nio.file.Files;
import java.util.List;

/**
 * {@code eeg.decode}: time-resolved decoding accuracy per subject (see {@link SubjectDecoder}).
 *
 * <p>Work units are (subject, time chunk) with {@code ceil(slices / subjects)} chunks per subject;
 * slice {@code i} computes the contiguous units {@link SliceRange#of} gives it and writes {@link
 * SliceParts}; the synthesis assembles {@code accuracy.npy} (subjects x times), {@code times.npy}
 * (seconds; with {@code window = w}, output time {@code t} averages samples {@code [t, t+w)} and is
 * reported at the window centre {@code tmin + (t + (w-1)/2) / sfreq}), {@code subjects.json},
 * {@code classes.json}, and with {@code generalize} {@code generalization.npy} (subjects x train
 * time x test time, whose diagonal is {@code accuracy.npy}). Subject {@code s} (index in sorted
 * name order) draws from the stream {@code DecodeSettings.stream(seed, s)}, so the result does not
 * depend on the slice count.
 */
public final class DecodeMethod implements Method {
  static final String NAME = "eeg.decode";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public MethodSpec spec() {
    MethodSpec.Builder b =
        MethodSpec.builder(NAME)
            .description(
                "Time-resolved decoding: per subject and time point, stratified k-fold x"
                    + " repeats cross-validated accuracy of shrinkage LDA or a linear SVM")
            .input("epochs", "an epochs folder (info.json, <subject>/X.npy, <subject>/y.npy)")
            .output("accuracy.npy", "subjects x times, float64: mean held-out accuracy")
            .output("times.npy", "seconds of each accuracy column (window centre), float64")
            .output("subjects.json", "subject names in row order")
            .output("classes.json", "class names (their number sets chance for eeg.stats)")
            .output("generalization.npy", "with generalize: subjects x train time x test time")
            .phases(Phase.ANALYSIS, Phase.SYNTHESIS)
            .defaultSlices(1);
    for (ParamSpec p : DecodeSettings.params(true)) {
      b.param(p);
    }
    return b.build();
  }

  @Override
  public void analysis(PhaseContext ctx) throws Exception {
    DecodeSettings settings = DecodeSettings.from(ctx.params(), true);
    InputArtifacts in = ctx.input("epochs");
    Epochs.Info info = Epochs.readInfo(in);
    List<String> subjects = subjects(in);
    int chunks = SliceParts.chunksPerSubject(ctx.slices(), subjects.size(), Integer.MAX_VALUE);
    SliceRange units = SliceRange.of(ctx.slice(), ctx.slices(), subjects.size() * chunks);
    SliceParts parts = new SliceParts();
    SubjectDecoder decoder = null;
    int current = -1;
    double[] acc = new double[0];
    double[] gen = null;
    for (int u = units.start(); u < units.end(); u++) {
      int s = u / chunks;
      if (s != current) {
        decoder = new SubjectDecoder(Epochs.readSubject(in, subjects.get(s), info), settings);
        current = s;
        acc = new double[decoder.times()];
        gen = settings.generalize() ? new double[decoder.times() * decoder.times()] : null;
      }
      SliceRange times = SliceRange.of(u % chunks, chunks, decoder.times());
      int[] y = decoder.labels();
      decoder.decode(
          y, DecodeSettings.stream(settings.seed(), s), times.start(), times.end(), acc, gen);
      parts.add(
          new SliceParts.Unit(s, subjects.get(s), times.start(), times.end(), decoder.times()),
          acc,
          times.size(),
          gen,
          times.size() * decoder.times());
      if (decoder.nonConverged() > 0) {
        ctx.log(
            "subject "
                + subjects.get(s)
                + ": "
                + decoder.nonConverged()
                + " SVM fits stopped at "
                + DecodeSettings.SVM_MAX_ITER
                + " Newton iterations");
      }
      ctx.progress((u - units.start() + 1.0) / units.size());
    }
    parts.write(ctx.out(), settings.generalize());
  }

  @Override
  public void synthesis(PhaseContext ctx) throws Exception {
    DecodeSettings settings = DecodeSettings.from(ctx.params(), true);
    InputArtifacts in = ctx.input("epochs");
    Epochs.Info info = Epochs.readInfo(in);
    List<String> subjects = subjects(in);
    int n = subjects.size();
    int times = -1;
    double[] acc = null;
    double[] gen = null;
    boolean[] done = null;
    for (int i = 0; i < ctx.slices(); i++) {
      SliceParts.Read part = SliceParts.read(ctx.slice(i), settings.generalize());
      int v = 0;
      int g = 0;
      for (SliceParts.Unit u : part.units()) {
        if (times < 0) {
          times = u.times();
          acc = new double[n * times];
          gen = settings.generalize() ? new double[n * times * times] : null;
          done = new boolean[n * times];
        }
        if (u.times() != times) {
          throw new InvalidInputException(
              "subject "
                  + u.name()
                  + " has "
                  + u.times()
                  + " output times, others have "
                  + times
                  + ": every subject needs the same epoch length");
        }
        for (int t = u.start(); t < u.end(); t++) {
          int at = u.subject() * times + t;
          if (done[at]) {
            throw new StageFailedException(
                ctx.slice(i).describe()
                    + ": subject "
                    + u.name()
                    + ", time "
                    + t
                    + " computed twice");
          }
          done[at] = true;
          acc[at] = part.values()[v++];
          if (gen != null) {
            System.arraycopy(part.generalization(), g, gen, at * times, times);
            g += times;
          }
        }
      }
    }
    if (times < 0) {
      throw new StageFailedException("no slice holds any result");
    }
    for (int i = 0; i < done.length; i++) {
      if (!done[i]) {
        throw new StageFailedException(
            "no slice holds subject " + subjects.get(i / times) + ", time " + (i % times));
      }
    }
    Npy.write(ctx.out().resolve("accuracy.npy"), NpyArray.ofDoubles(acc, n, times));
    Npy.write(
        ctx.out().resolve("times.npy"),
        NpyArray.ofDoubles(outputTimes(info, settings.window(), times), times));
    Files.write(ctx.out().resolve("subjects.json"), JSON.writeValueAsBytes(subjects));
    Files.write(ctx.out().resolve("classes.json"), JSON.writeValueAsBytes(info.classes()));
    if (gen != null) {
      Npy.write(ctx.out().resolve("generalization.npy"), NpyArray.ofDoubles(gen, n, times, times));
    }
  }

  /** Seconds of output time {@code t}: the centre of the window {@code [t, t+w)}. */
  static double[] outputTimes(Epochs.Info info, int window, int times) {
    double[] out = new double[times];
    for (int t = 0; t < times; t++) {
      out[t] = info.tmin() + (t + (window - 1) / 2.0) / info.sfreq();
    }
    return out;
  }

  static List<String> subjects(InputArtifacts in) {
    List<String> subjects = Epochs.subjects(in);
    if (subjects.isEmpty()) {
      throw new InvalidInputException(in.describe() + ": no subject folders with X.npy");
    }
    return subjects;
  }
}

package dev.reprise.worker.eeg;

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
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code eeg.permute}: the null distribution of {@code eeg.decode}'s accuracy curve. Permutation
 * {@code j} of subject {@code s} shuffles the subject's labels (Fisher–Yates) with the stream
 * {@code DecodeSettings.stream(seed, s, j, 0)} and decodes every time point exactly as {@code
 * eeg.decode} does, with folds and pseudo-trials from {@code stream(seed, s, j, 1)}. Output {@code
 * null.npy}: subjects x permutations x times (float64), subjects in sorted name order as {@code
 * eeg.decode}'s {@code subjects.json}. Work units are (subject, permutation chunk); slices write
 * {@link SliceParts}. No temporal generalisation.
 */
public final class PermuteMethod implements Method {
  static final String NAME = "eeg.permute";

  @Override
  public MethodSpec spec() {
    MethodSpec.Builder b =
        MethodSpec.builder(NAME)
            .description(
                "Decoding with shuffled labels: permutations x times null accuracies per"
                    + " subject")
            .input("epochs", "an epochs folder (info.json, <subject>/X.npy, <subject>/y.npy)")
            .output("null.npy", "subjects x permutations x times, float64")
            .phases(Phase.ANALYSIS, Phase.SYNTHESIS)
            .defaultSlices(1);
    for (ParamSpec p : DecodeSettings.params(false)) {
      b.param(p);
    }
    b.param(ParamSpec.integer("permutations", 100).min(1).doc("label shuffles per subject"));
    return b.build();
  }

  @Override
  public void analysis(PhaseContext ctx) throws Exception {
    DecodeSettings settings = DecodeSettings.from(ctx.params(), false);
    int permutations = ctx.params().getInt("permutations");
    InputArtifacts in = ctx.input("epochs");
    Epochs.Info info = Epochs.readInfo(in);
    List<String> subjects = DecodeMethod.subjects(in);
    int chunks = SliceParts.chunksPerSubject(ctx.slices(), subjects.size(), permutations);
    SliceRange units = SliceRange.of(ctx.slice(), ctx.slices(), subjects.size() * chunks);
    SliceParts parts = new SliceParts();
    SubjectDecoder decoder = null;
    int current = -1;
    double[] block = new double[0];
    int[] labels = new int[0];
    for (int u = units.start(); u < units.end(); u++) {
      int s = u / chunks;
      if (s != current) {
        decoder = new SubjectDecoder(Epochs.readSubject(in, subjects.get(s), info), settings);
        current = s;
      }
      int times = decoder.times();
      SliceRange perms = SliceRange.of(u % chunks, chunks, permutations);
      if (block.length < perms.size() * times) {
        block = new double[perms.size() * times];
      }
      double[] acc = new double[times];
      for (int j = perms.start(); j < perms.end(); j++) {
        labels = decoder.labels();
        SplittableRandom rng =
            new SplittableRandom(DecodeSettings.stream(settings.seed(), s, j, 0));
        Folds.shuffle(labels, labels.length, rng);
        decoder.decode(
            labels, DecodeSettings.stream(settings.seed(), s, j, 1), 0, times, acc, null);
        System.arraycopy(acc, 0, block, (j - perms.start()) * times, times);
      }
      parts.add(
          new SliceParts.Unit(s, subjects.get(s), perms.start(), perms.end(), times),
          block,
          perms.size() * times,
          null,
          0);
      ctx.progress((u - units.start() + 1.0) / units.size());
    }
    parts.write(ctx.out(), false);
  }

  @Override
  public void synthesis(PhaseContext ctx) throws Exception {
    int permutations = ctx.params().getInt("permutations");
    List<String> subjects = DecodeMethod.subjects(ctx.input("epochs"));
    int n = subjects.size();
    int times = -1;
    double[] out = null;
    boolean[] done = null;
    for (int i = 0; i < ctx.slices(); i++) {
      SliceParts.Read part = SliceParts.read(ctx.slice(i), false);
      int v = 0;
      for (SliceParts.Unit u : part.units()) {
        if (times < 0) {
          times = u.times();
          out = new double[n * permutations * times];
          done = new boolean[n * permutations];
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
        for (int j = u.start(); j < u.end(); j++) {
          int at = u.subject() * permutations + j;
          if (done[at]) {
            throw new StageFailedException(
                ctx.slice(i).describe()
                    + ": subject "
                    + u.name()
                    + ", permutation "
                    + j
                    + " computed twice");
          }
          done[at] = true;
          System.arraycopy(part.values(), v, out, at * times, times);
          v += times;
        }
      }
    }
    if (times < 0) {
      throw new StageFailedException("no slice holds any result");
    }
    for (int i = 0; i < done.length; i++) {
      if (!done[i]) {
        throw new StageFailedException(
            "no slice holds subject "
                + subjects.get(i / permutations)
                + ", permutation "
                + (i % permutations));
      }
    }
    Npy.write(ctx.out().resolve("null.npy"), NpyArray.ofDoubles(out, n, permutations, times));
  }
}

package dev.reprise.worker.eeg;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.method.InputArtifacts;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodSpec;
import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.ParamType;
import dev.reprise.core.method.Params;
import dev.reprise.core.method.PhaseContext;
import dev.reprise.core.method.SliceRange;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code eeg.preprocess}: per trial and channel, amplitude-based rejection, baseline correction and
 * anti-aliased decimation, in that order; sliced by subject.
 *
 * <ul>
 *   <li>reject: a trial is dropped when on any channel max − min over the whole epoch of the input
 *       exceeds the threshold (peak-to-peak does not change with baseline correction; it is
 *       measured before decimation so that filtering cannot hide an artefact).
 *   <li>baseline [a, b]: x[r, k, t] −= mean of x[r, k, t'] over samples with a ≤ time(t') ≤ b.
 *   <li>decimate q: {@link Decimator} (FIR low-pass at the new Nyquist frequency, zero phase), then
 *       samples 0, q, 2q, ...: sfreq becomes sfreq / q, tmin is unchanged.
 * </ul>
 *
 * <p>Each slice writes its subjects' folders (X.npy keeps the input's float32 or float64); slice 0
 * also writes info.json and rejected.json, for which it measures every subject's peak-to-peak
 * (cheap next to filtering), so both are written exactly once whatever the slice count.
 */
public final class Preprocess implements Method {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  @Override
  public MethodSpec spec() {
    return MethodSpec.builder("eeg.preprocess")
        .description("Trial rejection, baseline correction and decimation of an epochs folder")
        .input("epochs", "an epochs folder (eeg.synthesize, eeg.load)")
        .output("info.json", "as the input's, with sfreq divided by decimate")
        .output("<subject>/X.npy", "kept trials × channels × decimated times")
        .output("<subject>/y.npy", "class index per kept trial")
        .output("rejected.json", "per subject: trials in, trials kept, and each dropped trial")
        .param(
            ParamSpec.of("baseline", ParamType.NUMBERS)
                .nullable()
                .length(2, 2)
                .doc(
                    "[start, end] in s: subtract each channel's mean over this window, per trial; null = none"))
        .param(
            ParamSpec.integer("decimate", 1)
                .range(1, 1000)
                .doc("keep every k-th sample after an anti-alias FIR low-pass at the new Nyquist"))
        .param(
            ParamSpec.of("reject", ParamType.NUMBER)
                .nullable()
                .min(0)
                .doc(
                    "peak-to-peak threshold in data units: drop a trial exceeding it on any channel; null = none"))
        .defaultSlices(1)
        .build();
  }

  @Override
  public List<FieldProblem> validate(Params params) {
    double[] b = params.getDoubles("baseline");
    if (b != null && b[0] > b[1]) {
      return List.of(
          new FieldProblem(
              "baseline", "start (" + b[0] + ") must not be after end (" + b[1] + ")"));
    }
    return List.of();
  }

  /**
   * A dropped trial: its index in the input, the channel with the largest peak-to-peak, that value.
   */
  record Rejection(int trial, String channel, double peakToPeak) {}

  @Override
  public void analysis(PhaseContext ctx) throws Exception {
    InputArtifacts in = ctx.input("epochs");
    Params p = ctx.params();
    Epochs.Info info = Epochs.readInfo(in);
    List<String> subjects = Epochs.subjects(in);
    if (subjects.isEmpty()) {
      throw new InvalidInputException(in.describe() + ": no <subject>/X.npy files");
    }
    double[] baseline = p.getDoubles("baseline");
    Double reject = p.isNull("reject") ? null : p.getDouble("reject");
    Decimator decimator = new Decimator(p.getInt("decimate"));

    if (ctx.slice() == 0) {
      Epochs.writeInfo(
          ctx.out(),
          new Epochs.Info(
              info.sfreq() / decimator.factor(), info.tmin(), info.channels(), info.classes()));
      Map<String, Object> report = new LinkedHashMap<>();
      for (String name : subjects) {
        Epochs.Subject s = Epochs.readSubject(in, name, info);
        List<Rejection> dropped = rejections(s, info, reject);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("trials", s.trials());
        entry.put("kept", s.trials() - dropped.size());
        List<Map<String, Object>> list = new ArrayList<>();
        for (Rejection r : dropped) {
          list.add(
              Map.of("trial", r.trial(), "channel", r.channel(), "peakToPeak", r.peakToPeak()));
        }
        entry.put("rejected", list);
        report.put(name, entry);
      }
      Files.write(
          ctx.out().resolve("rejected.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
    }

    SliceRange range = SliceRange.of(ctx.slice(), ctx.slices(), subjects.size());
    for (int i = range.start(); i < range.end(); i++) {
      String name = subjects.get(i);
      Epochs.Subject s = Epochs.readSubject(in, name, info);
      List<Rejection> dropped = rejections(s, info, reject);
      Epochs.Subject out = process(s, info, baseline, decimator, dropped, in.describe());
      Epochs.writeSubject(ctx.out(), out, Epochs.isFloat32(in, name));
      ctx.progress((double) (i - range.start() + 1) / range.size());
    }
  }

  /** Trials whose peak-to-peak exceeds {@code threshold} on some channel, in trial order. */
  static List<Rejection> rejections(Epochs.Subject s, Epochs.Info info, Double threshold) {
    List<Rejection> out = new ArrayList<>();
    if (threshold == null) {
      return out;
    }
    for (int r = 0; r < s.trials(); r++) {
      double worst = -1;
      int worstChannel = -1;
      for (int k = 0; k < s.channels(); k++) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < s.times(); t++) {
          double v = s.at(r, k, t);
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        if (hi - lo > worst) {
          worst = hi - lo;
          worstChannel = k;
        }
      }
      if (worst > threshold) {
        out.add(new Rejection(r, info.channels().get(worstChannel), worst));
      }
    }
    return out;
  }

  /** The kept trials, baseline-corrected and decimated. */
  static Epochs.Subject process(
      Epochs.Subject s,
      Epochs.Info info,
      double[] baseline,
      Decimator decimator,
      List<Rejection> dropped,
      String where) {
    boolean[] drop = new boolean[s.trials()];
    for (Rejection r : dropped) {
      drop[r.trial()] = true;
    }
    int kept = s.trials() - dropped.size();
    if (kept == 0) {
      throw new InvalidInputException(
          where
              + ": subject "
              + s.name()
              + ": all "
              + s.trials()
              + " trials exceed the reject threshold; raise 'reject'");
    }
    int first = 0;
    int last = s.times() - 1;
    if (baseline != null) {
      first = -1;
      last = -1;
      for (int t = 0; t < s.times(); t++) {
        double time = info.time(t);
        if (time >= baseline[0] - 1e-9 && time <= baseline[1] + 1e-9) {
          first = first < 0 ? t : first;
          last = t;
        }
      }
      if (first < 0) {
        throw new InvalidInputException(
            "baseline ["
                + baseline[0]
                + ", "
                + baseline[1]
                + "] holds no sample of the epoch ["
                + info.time(0)
                + ", "
                + info.time(s.times() - 1)
                + "] s");
      }
    }
    int outTimes = decimator.outputLength(s.times());
    double[] x = new double[kept * s.channels() * outTimes];
    int[] y = new int[kept];
    double[] row = new double[s.times()];
    int r2 = 0;
    for (int r = 0; r < s.trials(); r++) {
      if (drop[r]) {
        continue;
      }
      y[r2] = s.y()[r];
      for (int k = 0; k < s.channels(); k++) {
        int base = (r * s.channels() + k) * s.times();
        System.arraycopy(s.x(), base, row, 0, s.times());
        if (baseline != null) {
          double mean = 0;
          for (int t = first; t <= last; t++) {
            mean += row[t];
          }
          mean /= last - first + 1;
          for (int t = 0; t < row.length; t++) {
            row[t] -= mean;
          }
        }
        decimator.apply(row, 0, row.length, x, (r2 * s.channels() + k) * outTimes);
      }
      r2++;
    }
    return new Epochs.Subject(s.name(), x, kept, s.channels(), outTimes, y);
  }
}

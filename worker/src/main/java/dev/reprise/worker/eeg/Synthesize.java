package dev.reprise.worker.eeg;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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
import java.util.Random;

/**
 * {@code eeg.synthesize}: reproducible synthetic epochs with class-specific spatial patterns
 * planted in known time windows, over pink or white noise; writes an epochs folder and {@code
 * truth.json}.
 *
 * <p>Model, per subject s, trial r of class c, channel k, sample time t:
 *
 * <pre>X[r, k, t] = g_s · Σ_w A_w · h_w(t) · P_{s,w,c}[k] + noise[r, k, t]</pre>
 *
 * with g_s ~ U[0.5, 1.5) the subject's gain, h_w(t) = sin²(π (t − start_w) / (end_w − start_w))
 * inside window w and 0 outside, P_{s,w,c} standard normal patterns centred over classes (so only
 * the differences between classes carry signal) and scaled to unit root-mean-square, and noise of
 * unit variance per channel: white, or pink as a sum of independent AR(1) processes with corner
 * frequencies 1, 2, 4, ... Hz (up to sfreq / 4), each of variance 1 / K, started in their
 * stationary state — equal power per octave, i.e. about 1/f between 1 Hz and sfreq / 4.
 *
 * <p>Sliced by subject: each subject's generator is seeded from (seed, subject index) only, so the
 * files do not depend on the slice count. Slice 0 writes info.json and truth.json.
 */
public final class Synthesize implements Method {
  static final double DEFAULT_AMPLITUDE = 0.3;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /** One planted window: [start, end] seconds, amplitude in noise standard deviations. */
  record Effect(double start, double end, double amplitude) {}

  @Override
  public MethodSpec spec() {
    return MethodSpec.builder("eeg.synthesize")
        .description(
            "Synthetic epochs with class effects planted in known time windows, and truth.json")
        .output("info.json", "sampling rate, first sample time, channel and class names")
        .output("<subject>/X.npy", "float32 trials × channels × times")
        .output("<subject>/y.npy", "class index per trial")
        .output("truth.json", "the planted windows and each subject's gain")
        .param(ParamSpec.integer("subjects", 12).range(1, 10_000).doc("number of subjects"))
        .param(
            ParamSpec.integer("trialsPerClass", 60)
                .range(1, 100_000)
                .doc("trials per class and subject"))
        .param(
            ParamSpec.of("classes", ParamType.STRINGS)
                .withDefault(List.of("face", "landmark", "object"))
                .length(2, 1000)
                .doc("class names"))
        .param(ParamSpec.integer("channels", 32).range(1, 4096).doc("number of channels"))
        .param(ParamSpec.number("sfreq", 250).range(1, 100_000).doc("sampling rate, Hz"))
        .param(ParamSpec.number("tmin", -0.2).doc("time of the first sample, s"))
        .param(ParamSpec.number("tmax", 0.8).doc("time of the last sample (included), s"))
        .param(
            ParamSpec.of("effects", ParamType.ANY)
                .withDefault(
                    List.of(Map.of("start", 0.1, "end", 0.35, "amplitude", DEFAULT_AMPLITUDE)))
                .doc(
                    "list of {start, end, amplitude?}: windows in s; amplitude in noise SDs (default "
                        + DEFAULT_AMPLITUDE
                        + ")"))
        .param(ParamSpec.string("noise", "pink").oneOf("pink", "white").doc("background noise"))
        .param(
            ParamSpec.integer("seed", 0)
                .doc("random seed; each subject's generator derives from it"))
        .defaultSlices(1)
        .build();
  }

  @Override
  public List<FieldProblem> validate(Params params) {
    List<FieldProblem> problems = new ArrayList<>();
    double tmin = params.getDouble("tmin");
    double tmax = params.getDouble("tmax");
    if (!(tmax > tmin)) {
      problems.add(
          new FieldProblem("tmax", "must be greater than tmin (" + tmin + "), got " + tmax));
    }
    List<String> classes = params.getStrings("classes");
    if (classes.stream().distinct().count() != classes.size()) {
      problems.add(new FieldProblem("classes", "class names must be distinct, got " + classes));
    }
    try {
      for (Effect e : effects(params)) {
        if (e.start() < tmin || e.end() > tmax) {
          problems.add(
              new FieldProblem(
                  "effects",
                  "window ["
                      + e.start()
                      + ", "
                      + e.end()
                      + "] lies outside the epoch ["
                      + tmin
                      + ", "
                      + tmax
                      + "]"));
        }
      }
    } catch (IllegalArgumentException ex) {
      problems.add(new FieldProblem("effects", ex.getMessage()));
    }
    return problems;
  }

  /** Parses the {@code effects} parameter; throws IllegalArgumentException saying what is wrong. */
  static List<Effect> effects(Params params) {
    if (!(params.get("effects") instanceof List<?> list)) {
      throw new IllegalArgumentException("expected a list of {start, end, amplitude}");
    }
    List<Effect> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException(
            "element " + i + ": expected a map {start, end, amplitude}");
      }
      for (Object key : m.keySet()) {
        if (!List.of("start", "end", "amplitude").contains(String.valueOf(key))) {
          throw new IllegalArgumentException(
              "element " + i + ": unknown field '" + key + "' (start, end, amplitude)");
        }
      }
      if (!(m.get("start") instanceof Number start) || !(m.get("end") instanceof Number end)) {
        throw new IllegalArgumentException(
            "element " + i + ": start and end must be numbers (seconds)");
      }
      Object a = m.containsKey("amplitude") ? m.get("amplitude") : DEFAULT_AMPLITUDE;
      if (!(a instanceof Number amplitude)
          || !(amplitude.doubleValue() >= 0)
          || Double.isInfinite(amplitude.doubleValue())) {
        throw new IllegalArgumentException("element " + i + ": amplitude must be a number >= 0");
      }
      if (!(end.doubleValue() > start.doubleValue())) {
        throw new IllegalArgumentException(
            "element " + i + ": end (" + end + ") must be after start (" + start + ")");
      }
      out.add(new Effect(start.doubleValue(), end.doubleValue(), amplitude.doubleValue()));
    }
    return out;
  }

  static int samples(double sfreq, double tmin, double tmax) {
    return (int) Math.floor((tmax - tmin) * sfreq + 1e-9) + 1;
  }

  static String subjectName(int index, int subjects) {
    int width = Math.max(2, Integer.toString(subjects).length());
    return String.format("sub-%0" + width + "d", index + 1);
  }

  /** SplitMix64's finaliser over (seed, subject): independent, well-mixed seeds per subject. */
  static long subjectSeed(long seed, int subject) {
    long z = seed * 0x9E3779B97F4A7C15L + (subject + 1L) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The subject's gain: the first draw of its generator. */
  static double gain(Random rng) {
    return 0.5 + rng.nextDouble();
  }

  @Override
  public void analysis(PhaseContext ctx) throws Exception {
    Params p = ctx.params();
    int subjects = p.getInt("subjects");
    int perClass = p.getInt("trialsPerClass");
    List<String> classes = p.getStrings("classes");
    int channels = p.getInt("channels");
    double sfreq = p.getDouble("sfreq");
    double tmin = p.getDouble("tmin");
    int times = samples(sfreq, tmin, p.getDouble("tmax"));
    List<Effect> effects = effects(p);
    boolean pink = p.getString("noise").equals("pink");
    long seed = p.getLong("seed");

    if (ctx.slice() == 0) {
      List<String> channelNames = new ArrayList<>();
      for (int k = 0; k < channels; k++) {
        channelNames.add(String.format("EEG%03d", k + 1));
      }
      Epochs.writeInfo(ctx.out(), new Epochs.Info(sfreq, tmin, channelNames, classes));
      Map<String, Object> truth = new LinkedHashMap<>();
      List<Map<String, Object>> windows = new ArrayList<>();
      for (Effect e : effects) {
        windows.add(Map.of("start", e.start(), "end", e.end(), "amplitude", e.amplitude()));
      }
      truth.put("effects", windows);
      Map<String, Object> gains = new LinkedHashMap<>();
      for (int s = 0; s < subjects; s++) {
        gains.put(subjectName(s, subjects), gain(new Random(subjectSeed(seed, s))));
      }
      truth.put("gains", gains);
      Files.write(
          ctx.out().resolve("truth.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(truth));
    }

    SliceRange range = SliceRange.of(ctx.slice(), ctx.slices(), subjects);
    for (int s = range.start(); s < range.end(); s++) {
      Random rng = new Random(subjectSeed(seed, s));
      Epochs.Subject subject =
          subject(
              subjectName(s, subjects),
              rng,
              classes.size(),
              perClass,
              channels,
              sfreq,
              tmin,
              times,
              effects,
              pink);
      Epochs.writeSubject(ctx.out(), subject, true);
      ctx.progress((double) (s - range.start() + 1) / range.size());
    }
  }

  /** One subject's trials; the draws from {@code rng} come in a fixed order (gain first). */
  static Epochs.Subject subject(
      String name,
      Random rng,
      int nClasses,
      int perClass,
      int channels,
      double sfreq,
      double tmin,
      int times,
      List<Effect> effects,
      boolean pink) {
    double g = gain(rng);
    // patterns[w][c][k], centred over classes, unit RMS over classes and channels.
    double[][][] patterns = new double[effects.size()][nClasses][channels];
    for (double[][] pw : patterns) {
      for (double[] pc : pw) {
        for (int k = 0; k < channels; k++) {
          pc[k] = rng.nextGaussian();
        }
      }
      double ss = 0;
      for (int k = 0; k < channels; k++) {
        double mean = 0;
        for (double[] pc : pw) {
          mean += pc[k] / nClasses;
        }
        for (double[] pc : pw) {
          pc[k] -= mean;
          ss += pc[k] * pc[k];
        }
      }
      double scale = ss > 0 ? 1 / Math.sqrt(ss / (nClasses * channels)) : 0;
      for (double[] pc : pw) {
        for (int k = 0; k < channels; k++) {
          pc[k] *= scale;
        }
      }
    }
    double[][] envelope = new double[effects.size()][times];
    for (int w = 0; w < effects.size(); w++) {
      Effect e = effects.get(w);
      for (int t = 0; t < times; t++) {
        double time = tmin + t / sfreq;
        if (time >= e.start() && time <= e.end()) {
          double s = Math.sin(Math.PI * (time - e.start()) / (e.end() - e.start()));
          envelope[w][t] = g * e.amplitude() * s * s;
        }
      }
    }
    int trials = nClasses * perClass;
    int[] y = new int[trials];
    for (int r = 0; r < trials; r++) {
      y[r] = r / perClass;
    }
    for (int r = trials - 1; r > 0; r--) {
      int j = rng.nextInt(r + 1);
      int tmp = y[r];
      y[r] = y[j];
      y[j] = tmp;
    }
    double[] rho = pink ? pinkPoles(sfreq) : new double[0];
    double[] state = new double[rho.length];
    double[] x = new double[trials * channels * times];
    for (int r = 0; r < trials; r++) {
      for (int k = 0; k < channels; k++) {
        int base = (r * channels + k) * times;
        noise(rng, rho, state, x, base, times);
        for (int w = 0; w < effects.size(); w++) {
          double amp = patterns[w][y[r]][k];
          for (int t = 0; t < times; t++) {
            x[base + t] += envelope[w][t] * amp;
          }
        }
      }
    }
    return new Epochs.Subject(name, x, trials, channels, times, y);
  }

  /** AR(1) coefficients exp(−2π f / sfreq) for corners f = 1, 2, 4, ... Hz up to sfreq / 4. */
  static double[] pinkPoles(double sfreq) {
    List<Double> poles = new ArrayList<>();
    for (double f = 1; f <= sfreq / 4; f *= 2) {
      poles.add(Math.exp(-2 * Math.PI * f / sfreq));
    }
    if (poles.isEmpty()) {
      poles.add(Math.exp(-2 * Math.PI / sfreq));
    }
    return poles.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** Unit-variance noise into {@code x[base .. base + times)}: white if {@code rho} is empty. */
  private static void noise(
      Random rng, double[] rho, double[] state, double[] x, int base, int times) {
    if (rho.length == 0) {
      for (int t = 0; t < times; t++) {
        x[base + t] = rng.nextGaussian();
      }
      return;
    }
    int k = rho.length;
    double sd = Math.sqrt(1.0 / k);
    for (int c = 0; c < k; c++) {
      state[c] = sd * rng.nextGaussian();
    }
    for (int t = 0; t < times; t++) {
      double v = 0;
      for (int c = 0; c < k; c++) {
        if (t > 0) {
          state[c] = rho[c] * state[c] + sd * Math.sqrt(1 - rho[c] * rho[c]) * rng.nextGaussian();
        }
        v += state[c];
      }
      x[base + t] = v;
    }
  }
}

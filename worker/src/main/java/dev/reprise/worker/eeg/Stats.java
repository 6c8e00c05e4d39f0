package dev.reprise.worker.eeg;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import dev.reprise.core.method.InputArtifacts;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodSpec;
import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.ParamType;
import dev.reprise.core.method.Params;
import dev.reprise.core.method.Phase;
import dev.reprise.core.method.PhaseContext;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code eeg.stats}: the group-level cluster-based sign-flip permutation test ({@link ClusterTest})
 * on accuracy − chance, with the cluster-forming threshold the Student t quantile with n − 1
 * degrees of freedom ({@link StudentT}): {@code t_{1−α}} for tail 1, {@code −t_{1−α}} for tail −1,
 * {@code ±t_{1−α/2}} for tail 0.
 *
 * <p>Chance, in order of precedence: with a {@code null} input (eeg.permute's {@code null.npy},
 * subjects × permutations × times), each subject's chance at each time is the mean of its null
 * accuracies there (which absorbs small-sample and imbalance biases of the classifier); else the
 * {@code chance} parameter; else 1 / the number of classes in the scores' {@code classes.json}.
 */
public final class Stats implements Method {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  @Override
  public MethodSpec spec() {
    return MethodSpec.builder("eeg.stats")
        .description("Cluster-based sign-flip permutation test of decoding accuracy against chance")
        .input(
            "scores", "an eeg.decode stage: accuracy.npy, times.npy, subjects.json (classes.json)")
        .optionalInput("null", "an eeg.permute stage: null.npy, subjects × permutations × times")
        .output(
            "stats.json",
            "chance, threshold, number of permutations, clusters with start/end (s), mass, p")
        .output("t.npy", "t statistic of accuracy − chance per time point")
        .output(
            "chance.npy", "only with a null input: chance per subject × time (mean of the null)")
        .param(
            ParamSpec.integer("tail", 1)
                .range(-1, 1)
                .doc("1: accuracy above chance; -1: below; 0: either"))
        .param(
            ParamSpec.number("clusterAlpha", 0.05)
                .range(1e-6, 0.5)
                .doc(
                    "cluster-forming threshold: the t quantile at 1 − clusterAlpha (1 − clusterAlpha/2 for tail 0)"))
        .param(
            ParamSpec.integer("permutations", 2048)
                .range(100, 10_000_000)
                .doc(
                    "size of the null distribution, the observed labelling included; exact enumeration "
                        + "when 2^subjects <= permutations"))
        .param(ParamSpec.integer("seed", 0).doc("seed of the random sign flips"))
        .param(
            ParamSpec.of("chance", ParamType.NUMBER)
                .nullable()
                .range(0, 1)
                .doc("chance accuracy; null = 1 / number of classes in the scores' classes.json"))
        .phases(Phase.SYNTHESIS)
        .defaultSlices(1)
        .build();
  }

  @Override
  public void synthesis(PhaseContext ctx) throws Exception {
    Params p = ctx.params();
    InputArtifacts scoresIn = ctx.input("scores");
    Scores scores = Scores.read(scoresIn);
    int n = scores.subjectCount();
    int times = scores.times().length;
    if (n < 2) {
      throw new InvalidInputException(
          scoresIn.describe() + ": a group test needs at least 2 subjects, got " + n);
    }
    double[][] chance = new double[n][times];
    String chanceFrom;
    InputArtifacts nullIn = ctx.input("null");
    if (nullIn != null) {
      if (!p.isNull("chance")) {
        throw new InvalidInputException(
            "parameter 'chance' and input 'null' both define chance; give one");
      }
      chance = nullChance(nullIn, scores);
      chanceFrom = "null";
    } else if (!p.isNull("chance")) {
      for (double[] row : chance) {
        Arrays.fill(row, p.getDouble("chance"));
      }
      chanceFrom = "parameter";
    } else if (scores.classes() != null) {
      if (scores.classes().size() < 2) {
        throw new InvalidInputException(
            scoresIn.describe() + ": classes.json lists fewer than 2 classes");
      }
      for (double[] row : chance) {
        Arrays.fill(row, 1.0 / scores.classes().size());
      }
      chanceFrom = "classes.json";
    } else {
      throw new InvalidInputException(
          scoresIn.describe()
              + " has no classes.json: set the parameter 'chance' (e.g. 0.5 for two classes) or bind a 'null' input");
    }

    double[][] x = new double[n][times];
    double meanChance = 0;
    for (int s = 0; s < n; s++) {
      for (int j = 0; j < times; j++) {
        x[s][j] = scores.accuracy()[s][j] - chance[s][j];
        meanChance += chance[s][j];
      }
    }
    meanChance /= (double) n * times;
    if (nullIn == null) {
      meanChance = chance[0][0]; // constant: report it without summation rounding
    }
    int tail = p.getInt("tail");
    double alpha = p.getDouble("clusterAlpha");
    double tCrit = StudentT.quantile(tail == 0 ? 1 - alpha / 2 : 1 - alpha, n - 1);
    double threshold = tail == -1 ? -tCrit : tCrit;
    ClusterTest.Result r =
        ClusterTest.run(x, threshold, tail, p.getInt("permutations"), p.getLong("seed"));

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("chance", meanChance);
    out.put("chanceFrom", chanceFrom);
    out.put("threshold", threshold);
    out.put("subjects", n);
    out.put("permutations", r.permutations());
    out.put("exact", r.exact());
    List<Map<String, Object>> clusters = new ArrayList<>();
    for (ClusterTest.Cluster c : r.clusters()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("start", scores.times()[c.first()]);
      m.put("end", scores.times()[c.last()]);
      m.put("first", c.first());
      m.put("last", c.last());
      m.put("mass", c.mass());
      m.put("p", c.p());
      clusters.add(m);
    }
    out.put("clusters", clusters);
    Files.write(
        ctx.out().resolve("stats.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(out));
    Npy.write(ctx.out().resolve("t.npy"), NpyArray.ofDoubles(r.t(), times));
    if (nullIn != null) {
      double[] flat = new double[n * times];
      for (int s = 0; s < n; s++) {
        System.arraycopy(chance[s], 0, flat, s * times, times);
      }
      Npy.write(ctx.out().resolve("chance.npy"), NpyArray.ofDoubles(flat, n, times));
    }
    ctx.log(
        String.format(
            "eeg.stats: %d clusters, %d permutations%s, threshold t = %.4f",
            clusters.size(), r.permutations(), r.exact() ? " (exact)" : "", threshold));
  }

  /** Mean over permutations of null.npy, per subject and time; checks it matches the scores. */
  static double[][] nullChance(InputArtifacts in, Scores scores) {
    if (!in.has("null.npy")) {
      throw new InvalidInputException(
          in.describe() + ": no null.npy (is it an eeg.permute stage?)");
    }
    NpyArray a = Scores.npy(in, "null.npy");
    int n = scores.subjectCount();
    int times = scores.times().length;
    if (a.ndim() != 3 || a.dim(0) != n || a.dim(2) != times || a.dim(1) < 1) {
      throw new InvalidInputException(
          in.describe()
              + ": null.npy must be subjects × permutations × times ("
              + n
              + " × P × "
              + times
              + " to match the scores), has shape "
              + Arrays.toString(a.shape()));
    }
    if (in.has("subjects.json") && !Scores.strings(in, "subjects.json").equals(scores.subjects())) {
      throw new InvalidInputException(
          in.describe() + ": subjects.json differs from the scores' subjects " + scores.subjects());
    }
    int perms = a.dim(1);
    double[] v = a.doubles();
    double[][] out = new double[n][times];
    for (int s = 0; s < n; s++) {
      for (int q = 0; q < perms; q++) {
        for (int j = 0; j < times; j++) {
          double acc = v[(s * perms + q) * times + j];
          if (!Double.isFinite(acc)) {
            throw new InvalidInputException(
                in.describe()
                    + ": null.npy: subject "
                    + scores.subjects().get(s)
                    + ", permutation "
                    + q
                    + ", time "
                    + j
                    + ": "
                    + acc
                    + " is not finite");
          }
          out[s][j] += acc / perms;
        }
      }
    }
    return out;
  }
}

package dev.reprise.worker.eeg;

import dev.reprise.core.StageFailedException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The one-sample cluster-based sign-flip permutation test over time, as MNE-Python's {@code
 * permutation_cluster_1samp_test(X, threshold, tail, n_permutations, out_type='mask')} with the
 * default t statistic and no adjacency other than neighbouring time points.
 */
public final class ClusterTest {
  /** Sign-flip patterns are bit masks, so an exact test is limited to this many observations. */
  private static final int MAX_EXACT_OBSERVATIONS = 30;

  private ClusterTest() {}

  /** A run of adjacent time points beyond the threshold; {@code last} is inclusive. */
  public record Cluster(int first, int last, double mass, double p) {}

  /**
   * @param t the observed t statistic per time point
   * @param permutations the size of the null distribution, the observed labelling included
   * @param exact whether every sign flip was enumerated
   */
  public record Result(
      double[] t, double threshold, List<Cluster> clusters, int permutations, boolean exact) {}

  /**
   * One-sample t per column of {@code x} (observations × times): {@code t = mean / (sd / sqrt(n))}
   * with the unbiased (n − 1) standard deviation. Throws {@link StageFailedException} when a column
   * has zero variance (t undefined).
   */
  public static double[] tStatistic(double[][] x) {
    int n = x.length;
    if (n < 2) {
      throw new IllegalArgumentException("need at least two observations, got " + n);
    }
    int times = x[0].length;
    double[] t = new double[times];
    for (int j = 0; j < times; j++) {
      double mean = 0;
      for (double[] row : x) {
        mean += row[j];
      }
      mean /= n;
      double ss = 0;
      for (double[] row : x) {
        double d = row[j] - mean;
        ss += d * d;
      }
      double var = ss / (n - 1);
      if (!(var > 0)) {
        throw new StageFailedException(
            "the t statistic is undefined at time index "
                + j
                + ": all "
                + n
                + " observations are equal ("
                + x[0][j]
                + ")");
      }
      t[j] = mean / Math.sqrt(var / n);
    }
    return t;
  }

  /**
   * Runs the test on {@code x} (observations × times, not modified).
   *
   * <p>Clusters are maximal runs of adjacent time points with {@code t > threshold} (tail 1),
   * {@code t < threshold} (tail −1; pass a negative threshold) or either {@code t > |threshold|} or
   * {@code t < −|threshold|} (tail 0, each sign clustered separately). A cluster's mass is the sum
   * of its t values. The null distribution holds, for each sign flip of the observations' rows, the
   * most extreme cluster mass (0 when a flip gives no cluster), plus the observed maximum. p = the
   * fraction of the null at least as extreme as the cluster's mass ({@code H0 >= mass}, {@code H0
   * <= mass}, {@code |H0| >= |mass|} for tails 1, −1, 0).
   *
   * <p>Sign patterns are MNE's: with {@code m = n − [tail = 0]} free observations, pattern {@code
   * k} in {@code 1 .. 2^m − 1} keeps observation i where bit i of k is 1 and flips it where it is 0
   * (for tail 0 the first observation is always flipped; a global flip maps |mass| to itself). When
   * {@code 2^m <= permutations} every pattern is used (an exact test, {@code 2^m} null values);
   * otherwise {@code permutations − 1} distinct patterns are drawn with {@code new Random(seed)}.
   * As in MNE 1.3, for tails ±1 the null therefore holds the observed labelling twice (pattern
   * {@code 2^n − 1} keeps everything) and never the all-flipped labelling; p is at most {@code
   * 1/2^n} larger than with each flip once.
   */
  public static Result run(double[][] x, double threshold, int tail, int permutations, long seed) {
    if (tail < -1 || tail > 1) {
      throw new IllegalArgumentException("tail must be -1, 0 or 1, got " + tail);
    }
    if (permutations < 1) {
      throw new IllegalArgumentException("permutations must be positive, got " + permutations);
    }
    int n = x.length;
    int times = x[0].length;
    for (double[] row : x) {
      if (row.length != times) {
        throw new IllegalArgumentException("rows of x differ in length");
      }
    }
    double[] t = tStatistic(x);
    List<int[]> runs = clusters(t, threshold, tail);
    if (runs.isEmpty()) {
      return new Result(t, threshold, List.of(), 0, false);
    }
    double[] masses = new double[runs.size()];
    double observed = 0;
    for (int c = 0; c < runs.size(); c++) {
      masses[c] = mass(t, runs.get(c));
      observed = c == 0 ? masses[c] : moreExtreme(observed, masses[c], tail);
    }

    int free = n - (tail == 0 ? 1 : 0);
    boolean exact = free <= MAX_EXACT_OBSERVATIONS && (1L << free) <= permutations;
    List<Double> nullMasses = new ArrayList<>();
    nullMasses.add(observed);
    boolean[] flip = new boolean[n];
    double[] tFlipped = new double[times];
    double[] meanFlipped = new double[times];
    double[] ssFlipped = new double[times];
    if (exact) {
      long count = 1L << free;
      for (long pattern = 1; pattern < count; pattern++) {
        setFlips(flip, pattern, tail);
        nullMasses.add(maxMass(x, flip, threshold, tail, tFlipped, meanFlipped, ssFlipped));
      }
    } else if (free <= 62) {
      Random rng = new Random(seed);
      long count = 1L << free;
      Set<Long> seen = new HashSet<>();
      while (nullMasses.size() < permutations) {
        long pattern = 1 + (rng.nextLong() >>> 1) % (count - 1);
        if (seen.add(pattern)) {
          setFlips(flip, pattern, tail);
          nullMasses.add(maxMass(x, flip, threshold, tail, tFlipped, meanFlipped, ssFlipped));
        }
      }
    } else {
      // 2^62 patterns: a repeat is too unlikely to check for.
      Random rng = new Random(seed);
      while (nullMasses.size() < permutations) {
        for (int i = 0; i < n; i++) {
          flip[i] = (tail == 0 && i == 0) || rng.nextBoolean();
        }
        nullMasses.add(maxMass(x, flip, threshold, tail, tFlipped, meanFlipped, ssFlipped));
      }
    }

    List<Cluster> out = new ArrayList<>();
    for (int c = 0; c < runs.size(); c++) {
      int atLeast = 0;
      for (double h : nullMasses) {
        boolean asExtreme =
            switch (tail) {
              case 1 -> h >= masses[c];
              case -1 -> h <= masses[c];
              default -> Math.abs(h) >= Math.abs(masses[c]);
            };
        if (asExtreme) {
          atLeast++;
        }
      }
      int[] r = runs.get(c);
      out.add(new Cluster(r[0], r[1], masses[c], (double) atLeast / nullMasses.size()));
    }
    return new Result(t, threshold, out, nullMasses.size(), exact);
  }

  /** Bit i of {@code pattern} (of the free observations) set means observation i keeps its sign. */
  private static void setFlips(boolean[] flip, long pattern, int tail) {
    int offset = tail == 0 ? 1 : 0;
    if (tail == 0) {
      flip[0] = true;
    }
    for (int i = offset; i < flip.length; i++) {
      flip[i] = ((pattern >> (i - offset)) & 1) == 0;
    }
  }

  /** Maximal runs [first, last] beyond the threshold, in time order. */
  static List<int[]> clusters(double[] t, double threshold, int tail) {
    List<int[]> runs = new ArrayList<>();
    int start = -1;
    int sign = 0;
    for (int j = 0; j <= t.length; j++) {
      int s = j < t.length ? side(t[j], threshold, tail) : 0;
      if (s != sign) {
        if (sign != 0) {
          runs.add(new int[] {start, j - 1});
        }
        start = j;
        sign = s;
      }
    }
    return runs;
  }

  /** +1 above the upper threshold, −1 below the lower one, 0 inside. */
  private static int side(double t, double threshold, int tail) {
    return switch (tail) {
      case 1 -> t > threshold ? 1 : 0;
      case -1 -> t < threshold ? -1 : 0;
      default -> t > Math.abs(threshold) ? 1 : t < -Math.abs(threshold) ? -1 : 0;
    };
  }

  private static double mass(double[] t, int[] run) {
    double m = 0;
    for (int j = run[0]; j <= run[1]; j++) {
      m += t[j];
    }
    return m;
  }

  private static double moreExtreme(double a, double b, int tail) {
    return switch (tail) {
      case 1 -> Math.max(a, b);
      case -1 -> Math.min(a, b);
      default -> Math.abs(b) > Math.abs(a) ? b : a;
    };
  }

  /**
   * The most extreme cluster mass after flipping the sign of the flagged rows; 0 if none. t is
   * computed with the same operations, in the same order, as {@link #tStatistic} (for each time
   * point, sums over the rows in row order; a flipped value is {@code -1.0 * x}, exactly {@code
   * -x}), so that the unflipped pattern reproduces the observed masses exactly (ties count in p).
   * The loops run over time points inside rows, which C2 vectorises. {@code t}, {@code mean} and
   * {@code ss} are scratch space, overwritten.
   */
  private static double maxMass(
      double[][] x,
      boolean[] flip,
      double threshold,
      int tail,
      double[] t,
      double[] mean,
      double[] ss) {
    int n = x.length;
    int times = t.length;
    java.util.Arrays.fill(mean, 0, times, 0.0);
    java.util.Arrays.fill(ss, 0, times, 0.0);
    for (int i = 0; i < n; i++) {
      double s = flip[i] ? -1.0 : 1.0;
      double[] xi = x[i];
      for (int j = 0; j < times; j++) {
        mean[j] += s * xi[j];
      }
    }
    for (int j = 0; j < times; j++) {
      mean[j] /= n;
    }
    for (int i = 0; i < n; i++) {
      double s = flip[i] ? -1.0 : 1.0;
      double[] xi = x[i];
      for (int j = 0; j < times; j++) {
        double d = s * xi[j] - mean[j];
        ss[j] += d * d;
      }
    }
    for (int j = 0; j < times; j++) {
      double var = ss[j] / (n - 1);
      t[j] = var > 0 ? mean[j] / Math.sqrt(var / n) : 0;
    }
    double best = 0;
    boolean found = false;
    for (int[] run : clusters(t, threshold, tail)) {
      double m = mass(t, run);
      best = found ? moreExtreme(best, m, tail) : m;
      found = true;
    }
    return best;
  }
}

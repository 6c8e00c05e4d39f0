package dev.reprise.bench;

import dev.reprise.worker.eeg.ThreadLessonDecoding;
import dev.reprise.worker.eeg.ThreadLessonDecoding.Variant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.ejml.concurrency.EjmlConcurrency;

/**
 * The thread lesson: the same LDA decoding stage (5 folds x 10 repeats, every time point) as
 * single-threaded slices on all cores (the Reprise way) versus EJML's concurrent operations ({@code
 * CommonOps_MT_DDRM}) inside each slice, oversubscribed (as many slices as workers, each also using
 * {@code ejmlThreads}) and as one slice using {@code ejmlThreads}. Data already in memory;
 * configurations are run round-robin so drift in the machine's load hits all alike. Prints every
 * run, the medians, ratios against the Reprise way, and the largest accuracy difference of each
 * variant from the method's own path (the sanity check: 0 expected up to rounding of the scatter's
 * summation order).
 *
 * <pre>java -cp ... dev.reprise.bench.ThreadLessonBench EPOCHS [RUNS=5] [WORKERS=cores]</pre>
 */
public final class ThreadLessonBench {
  private ThreadLessonBench() {}

  private record Config(String label, Variant variant, int slices, int workers, int ejmlThreads) {}

  public static void main(String[] args) throws Exception {
    Path epochs = Path.of(args[0]);
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int cores = Runtime.getRuntime().availableProcessors();
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : cores;
    ThreadLessonDecoding data = new ThreadLessonDecoding(epochs);
    int slices = Math.max(workers, data.subjects());
    List<Config> configs =
        List.of(
            new Config(
                "reprise: " + slices + " single-threaded slices on " + workers + " workers",
                Variant.METHOD,
                slices,
                workers,
                1),
            new Config("reprise: 1 single-threaded slice on 1 worker", Variant.METHOD, 1, 1, 1),
            new Config(
                "control: EJML single-threaded products, "
                    + slices
                    + " slices on "
                    + workers
                    + " workers",
                Variant.EJML_SINGLE,
                slices,
                workers,
                1),
            new Config(
                "EJML _MT ("
                    + workers
                    + " threads) inside "
                    + slices
                    + " slices on "
                    + workers
                    + " workers (oversubscribed)",
                Variant.EJML_CONCURRENT,
                slices,
                workers,
                workers),
            new Config(
                "EJML _MT (" + workers + " threads) inside 1 slice on 1 worker",
                Variant.EJML_CONCURRENT,
                1,
                1,
                workers));
    System.out.printf(
        "cores %d, workers %d, subjects %d, runs %d (+1 warm-up)%n",
        cores, workers, data.subjects(), runs);
    Map<Config, List<Double>> seconds = new LinkedHashMap<>();
    Map<Config, Double> worstDiff = new LinkedHashMap<>();
    double[][] reference = null;
    for (int r = -1; r < runs; r++) {
      for (Config c : configs) {
        EjmlConcurrency.setMaxThreads(c.ejmlThreads());
        ExecutorService pool = Executors.newFixedThreadPool(c.workers());
        try {
          long start = System.nanoTime();
          double[][] acc = data.decode(c.variant(), c.slices(), pool);
          double s = (System.nanoTime() - start) / 1e9;
          if (reference == null) {
            reference = acc;
          }
          worstDiff.merge(c, maxAbsDiff(reference, acc), Math::max);
          if (r >= 0) {
            seconds.computeIfAbsent(c, k -> new ArrayList<>()).add(s);
            System.out.printf("run %d  %-75s %.3f s%n", r, c.label(), s);
          }
        } finally {
          pool.shutdown();
        }
      }
    }
    double base = median(seconds.get(configs.get(0)));
    System.out.println();
    for (Config c : configs) {
      double m = median(seconds.get(c));
      System.out.printf(
          "median %-75s %.3f s  (%.2fx the reprise way's time; max |acc diff| %.2g)%n",
          c.label(), m, m / base, worstDiff.get(c));
    }
  }

  private static double maxAbsDiff(double[][] a, double[][] b) {
    double worst = 0.0;
    for (int s = 0; s < a.length; s++) {
      for (int t = 0; t < a[s].length; t++) {
        worst = Math.max(worst, Math.abs(a[s][t] - b[s][t]));
      }
    }
    return worst;
  }

  private static double median(List<Double> v) {
    double[] x = v.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(x);
    int n = x.length;
    return n % 2 == 1 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
  }
}

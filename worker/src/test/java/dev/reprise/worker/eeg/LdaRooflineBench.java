package dev.reprise.worker.eeg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.ejml.concurrency.EjmlConcurrency;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.CommonOps_MT_DDRM;

/**
 * The LDA fit against the machine's limit, one thread (not a test: {@code bench/run-roofline.sh}
 * runs it). Prints, as medians of several rounds of the thread's CPU time:
 *
 * <ol>
 *   <li>the double-precision peak one core reaches from Java: a loop of 8 dependent {@code
 *       Math.fma} per element over arrays in L1 (many elements in flight, so throughput-bound); run
 *       it once more with {@code -XX:-UseSuperWord} to see the scalar rate;
 *   <li>p x p scatter kernels at the fit's sizes: {@link Scatter#addUpper} (upper triangle, four
 *       rows at a time) and EJML's {@code multTransA} single-threaded and with its concurrent
 *       operations on all cores (the thread lesson at the kernel level);
 *   <li>the decoder's LDA per fit (through {@link SubjectDecoder#decode}, the engine of {@code
 *       eeg.decode}), its parts ({@link FoldedLda}'s per time point, per repeat and per fold work),
 *       and the per-fold path it replaced ({@link Standardizer} + {@link Lda#fit}), each with its
 *       floating-point operations per fit and share of the measured peak.
 * </ol>
 *
 * <pre>java -cp ... dev.reprise.worker.eeg.LdaRooflineBench [ROUNDS=7] [TRIALS_PER_CLASS=100]
 *     [CHANNELS=64] [CLASSES=3] [TIMES=40]</pre>
 */
final class LdaRooflineBench {
  private LdaRooflineBench() {}

  private static final java.lang.management.ThreadMXBean CPU =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private static volatile double sink;

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("peak")) {
      // for the benchmark scripts: the peak, and the operations of one decoder fit at a shape
      int perClass = Integer.parseInt(args[1]);
      int p = Integer.parseInt(args[2]);
      int classes = Integer.parseInt(args[3]);
      int n = perClass * classes;
      int nTrain = n - n / 5;
      System.out.printf("peak_gflops %.3f%n", peak(7));
      System.out.printf("flops_per_fit %.0f%n", fitFlops(n, nTrain, p, classes, 5 * 10));
      return;
    }
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int perClass = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int p = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    int classes = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int times = args.length > 4 ? Integer.parseInt(args[4]) : 40;
    int folds = 5;
    int repeats = 10;
    int n = perClass * classes;
    int nTrain = n - n / folds;

    System.out.printf(
        "shape: %d classes x %d trials, %d channels, %d folds x %d repeats; rounds %d%n",
        classes, perClass, p, folds, repeats, rounds);

    // 1. peak
    double peakGflops = peak(rounds);

    // 2. scatter kernels at n_train x p
    Random random = new Random(5);
    double[] x = new double[nTrain * p];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextGaussian();
    }
    int[] rows = new int[nTrain];
    for (int i = 0; i < nTrain; i++) {
      rows[i] = i;
    }
    double[][] g = new double[p][p];
    Scatter scatter = new Scatter(p);
    double upperFlops = 2.0 * nTrain * p * (p + 1) / 2.0;
    double fullFlops = 2.0 * nTrain * p * p;
    List<String> table = new ArrayList<>();
    table.add(
        row(
            "Scatter.addUpper " + nTrain + " x " + p,
            upperFlops,
            time(
                rounds,
                2000,
                () -> {
                  for (double[] gr : g) {
                    Arrays.fill(gr, 0.0);
                  }
                  scatter.addUpper(x, p, rows, 0, nTrain, g);
                }),
            peakGflops));
    DMatrixRMaj xm = new DMatrixRMaj(nTrain, p);
    System.arraycopy(x, 0, xm.data, 0, x.length);
    DMatrixRMaj gm = new DMatrixRMaj(p, p);
    table.add(
        row(
            "EJML multTransA " + nTrain + " x " + p + " (full p x p)",
            fullFlops,
            time(rounds, 2000, () -> CommonOps_DDRM.multTransA(xm, xm, gm)),
            peakGflops));
    int cores = Runtime.getRuntime().availableProcessors();
    EjmlConcurrency.setMaxThreads(cores);
    table.add(
        row(
            "EJML multTransA_MT, " + cores + " threads (full p x p; wall time)",
            fullFlops,
            wallTime(rounds, 2000, () -> CommonOps_MT_DDRM.multTransA(xm, xm, gm)),
            peakGflops));
    EjmlConcurrency.setMaxThreads(1);
    double[][] sym = new double[p][p];
    double[][] chol = new double[p][p];
    for (int a = 0; a < p; a++) {
      for (int b = a; b < p; b++) {
        sym[a][b] = g[a][b] / nTrain + (a == b ? 0.1 : 0.0);
      }
    }
    double[] v = new double[classes * p];
    table.add(
        row(
            "Scatter.cholesky " + p + " + " + classes + " solves",
            p * p * p / 3.0 + classes * 2.0 * p * p,
            time(
                rounds,
                5000,
                () -> {
                  if (!Scatter.cholesky(sym, p, 0.0, chol)) {
                    throw new IllegalStateException("not positive definite");
                  }
                  Arrays.fill(v, 1.0);
                  for (int k = 0; k < classes; k++) {
                    Scatter.solve(chol, p, v, k * p);
                  }
                }),
            peakGflops));

    // 3. the fit, by parts and whole
    int[] label = new int[n];
    double[] feat = new double[n * p];
    for (int i = 0; i < n; i++) {
      label[i] = i % classes;
      for (int j = 0; j < p; j++) {
        feat[i * p + j] = random.nextGaussian() + 0.3 * ((label[i] + j) % classes);
      }
    }
    int[] foldOf = new int[n];
    Folds.assign(label, classes, folds, new SplittableRandom(1), foldOf, "bench");
    FoldedLda folded = new FoldedLda(n, p, classes, folds);
    folded.time(feat, 0, label);
    folded.repeat(foldOf, folds);
    double fitsPerTime = folds * repeats;
    double timeFlops = 2.0 * n * p * (p + 1) / 2.0;
    double foldFlops = foldFlops(n, nTrain, p, classes);
    double perTime = time(rounds, 500, () -> folded.time(feat, 0, label));
    table.add(
        row(
            "FoldedLda.time (class scatters), per fit (/ " + (int) fitsPerTime + ")",
            timeFlops / fitsPerTime,
            perTime / fitsPerTime,
            peakGflops));
    double perRepeat = time(rounds, 5000, () -> folded.repeat(foldOf, folds));
    table.add(row("FoldedLda.repeat, per fit (/ " + folds + ")", 0, perRepeat / folds, peakGflops));
    double perFold =
        time(
                rounds,
                1000,
                () -> {
                  for (int f = 0; f < folds; f++) {
                    folded.fit(f);
                  }
                })
            / folds;
    table.add(row("FoldedLda.fit (one fold)", foldFlops, perFold, peakGflops));

    PerFoldLda reference = new PerFoldLda(n, p, classes);
    double perFoldOld =
        time(
                rounds,
                300,
                () -> {
                  for (int f = 0; f < folds; f++) {
                    reference.fit(feat, n, p, label, classes, foldOf, f);
                  }
                })
            / folds;
    double oldFlops = 2.0 * nTrain * p * (p + 1) / 2.0 + 12.0 * nTrain * p + p * p * p / 3.0;
    table.add(
        row("per-fold path: gather + Standardizer + Lda.fit", oldFlops, perFoldOld, peakGflops));

    // the decoder, end to end (scoring included)
    double[] xs = new double[n * p * times];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < p; c++) {
        for (int t = 0; t < times; t++) {
          xs[(i * p + c) * times + t] =
              random.nextGaussian() + (t > times / 2 ? 0.3 * ((label[i] + c) % classes) : 0.0);
        }
      }
    }
    SubjectDecoder decoder =
        new SubjectDecoder(
            new Epochs.Subject("S01", xs, n, p, times, label),
            new DecodeSettings("lda", 1.0, folds, repeats, 0, 1, 1, false));
    double[] acc = new double[times];
    double perFit =
        time(rounds, 1, () -> decoder.decode(label, 3L, 0, times, acc, null))
            / (times * fitsPerTime);
    table.add(
        row(
            "SubjectDecoder.decode, per fit (all of the above + scoring)",
            fitFlops(n, nTrain, p, classes, (int) fitsPerTime),
            perFit,
            peakGflops));

    System.out.println();
    System.out.println("| kernel | flops per fit | time per fit (us) | GFLOP/s | share of peak |");
    System.out.println("| --- | --- | --- | --- | --- |");
    table.forEach(System.out::println);
    System.out.printf("%nfit: %.4f ms (median over %d rounds)%n", perFit * 1e3, rounds);
  }

  /**
   * GFLOP/s of {@link #fmaLoop}: the best of {@code rounds} rounds (after two warm-ups) of the
   * thread's CPU time; prints the rounds and their median.
   */
  private static double peak(int rounds) {
    double[] peak = new double[rounds];
    double[] y = new double[256];
    Arrays.fill(y, 1.0);
    for (int r = -2; r < rounds; r++) {
      long reps = 200_000;
      long t = CPU.getCurrentThreadCpuTime();
      for (long i = 0; i < reps; i++) {
        fmaLoop(y, 0.999999, 1e-7);
      }
      double s = (CPU.getCurrentThreadCpuTime() - t) / 1e9;
      if (r >= 0) {
        peak[r] = reps * y.length * 8 * 2 / s / 1e9;
      }
    }
    sink = y[7];
    // the vCPU shares its physical core with other work (its SMT sibling), which halves the FMA
    // rate while the sibling is busy: the best round is this core's limit, the median what it gave
    double best = Arrays.stream(peak).max().orElse(0.0);
    System.out.printf(
        "peak: fma loop %.2f GFLOP/s (best round; median %.2f; rounds %s)%n",
        best, median(peak), fmt(peak));
    return best;
  }

  /**
   * Operations of one decoder fit: the class scatters of the time point shared by its {@code
   * fitsPerTime} fits, one {@link FoldedLda#fit}, and scoring the held-out rows.
   */
  static double fitFlops(int n, int nTrain, int p, int classes, int fitsPerTime) {
    return 2.0 * n * p * (p + 1) / 2.0 / fitsPerTime
        + foldFlops(n, nTrain, p, classes)
        + 2.0 * (n - nTrain) * classes * p;
  }

  /** Operations of {@link FoldedLda#fit} for one fold (the count the table's share is of). */
  private static double foldFlops(int n, int nTrain, int p, int classes) {
    double pp = p * (p + 1) / 2.0;
    double held = n - nTrain;
    return 2.0 * held * pp // scatter of the held-out rows
        + classes * 3.0 * pp // C_k = (G_all - G_f) / n_k - d d'
        + classes * 2.0 * pp // C'_k = C_k / (s_a s_b)
        + 3.0 * nTrain * p // sum |z_i|^4
        + classes * 5.0 * pp // Ledoit-Wolf sums and Sigma += ...
        + p * p * p / 3.0 // Cholesky
        + classes * 2.0 * p * p; // solves
  }

  /** 8 dependent fused multiply-adds on every element: 16 flops per element. */
  private static void fmaLoop(double[] y, double a, double b) {
    for (int i = 0; i < y.length; i++) {
      double v = y[i];
      v = Math.fma(v, a, b);
      v = Math.fma(v, a, b);
      v = Math.fma(v, a, b);
      v = Math.fma(v, a, b);
      v = Math.fma(v, a, b);
      v = Math.fma(v, a, b);
      v = Math.fma(v, a, b);
      v = Math.fma(v, a, b);
      y[i] = v;
    }
  }

  /**
   * Median seconds of one call of {@code body}, over {@code rounds} rounds of {@code reps}: the
   * thread's CPU time, so that time the shared machine gives to other processes is not counted.
   */
  private static double time(int rounds, int reps, Runnable body) {
    return time(rounds, reps, body, CPU::getCurrentThreadCpuTime);
  }

  /** As {@link #time} but wall-clock time: for work spread over other threads. */
  private static double wallTime(int rounds, int reps, Runnable body) {
    return time(rounds, reps, body, System::nanoTime);
  }

  private static double time(
      int rounds, int reps, Runnable body, java.util.function.LongSupplier clock) {
    double[] s = new double[rounds];
    for (int r = -2; r < rounds; r++) {
      long t = clock.getAsLong();
      for (int i = 0; i < reps; i++) {
        body.run();
      }
      if (r >= 0) {
        s[r] = (clock.getAsLong() - t) / 1e9 / reps;
      }
    }
    return median(s);
  }

  private static String row(String kernel, double flops, double seconds, double peak) {
    double gflops = flops / seconds / 1e9;
    return String.format(
        "| %s | %s | %.2f | %s | %s |",
        kernel,
        flops == 0 ? "-" : String.format("%.0f", flops),
        seconds * 1e6,
        flops == 0 ? "-" : String.format("%.2f", gflops),
        flops == 0 ? "-" : String.format("%.0f%%", 100 * gflops / peak));
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static String fmt(double[] xs) {
    StringBuilder sb = new StringBuilder();
    for (double v : xs) {
      sb.append(sb.length() == 0 ? "" : " ").append(String.format("%.2f", v));
    }
    return sb.toString();
  }
}

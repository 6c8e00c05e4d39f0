package dev.reprise.bench;

import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import dev.reprise.worker.eeg.ClusterTest;
import java.nio.file.Path;

/**
 * Times {@code eeg.stats}' test, {@link ClusterTest#run} (its public entry point), on a subjects x
 * times array of accuracy minus chance saved as {@code .npy}. Prints one line per run: {@code java
 * cluster <seconds>}, then the clusters of the last run (to compare with MNE's).
 *
 * <pre>java -cp ... dev.reprise.bench.StatsBench X.npy THRESHOLD PERMUTATIONS RUNS</pre>
 */
public final class StatsBench {
  private StatsBench() {}

  public static void main(String[] args) throws Exception {
    NpyArray a = Npy.read(Path.of(args[0]));
    double threshold = Double.parseDouble(args[1]);
    int permutations = Integer.parseInt(args[2]);
    int runs = Integer.parseInt(args[3]);
    int n = a.dim(0);
    int times = a.dim(1);
    double[] flat = a.doubles();
    double[][] x = new double[n][times];
    for (int i = 0; i < n; i++) {
      System.arraycopy(flat, i * times, x[i], 0, times);
    }
    ClusterTest.Result result = null;
    for (int r = -1; r < runs; r++) {
      long start = System.nanoTime();
      result = ClusterTest.run(x, threshold, 1, permutations, 0L);
      double seconds = (System.nanoTime() - start) / 1e9;
      if (r >= 0) {
        System.out.printf("java cluster %.4f%n", seconds);
      }
    }
    for (ClusterTest.Cluster c : result.clusters()) {
      System.out.printf(
          "cluster java [%d, %d] mass %.4f p %.4f%n", c.first(), c.last(), c.mass(), c.p());
    }
  }
}

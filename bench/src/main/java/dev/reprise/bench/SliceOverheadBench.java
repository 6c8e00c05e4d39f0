package dev.reprise.bench;

import dev.reprise.core.exec.RunSummary;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.FolderBlobStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Per-slice scheduling overhead: one stage of N trivial slices on one worker thread; the wall time
 * divided by N is what the engine costs per slice (scheduling, work folders, hashing, the slice's
 * commit and manifest). Target: under 2 ms.
 */
public final class SliceOverheadBench {
  private SliceOverheadBench() {}

  public static void main(String[] args) throws Exception {
    int slices = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path dir = Files.createTempDirectory("reprise-slice-bench");
    double[] perSlice = new double[reps];
    for (int r = -1; r < reps; r++) { // r = -1 warms the JIT up
      Path rep = Files.createDirectories(dir.resolve("rep" + r));
      ArtifactStore store =
          new ArtifactStore(new FolderBlobStore(rep.resolve("store")), rep.resolve("cache"));
      Pipeline p = BenchSupport.chain(rep, 1, slices);
      long t0 = System.nanoTime();
      RunSummary s = BenchSupport.run(store, p, rep, 1);
      double seconds = BenchSupport.seconds(System.nanoTime() - t0);
      if (s.exitCode() != 0 || s.stages().get(0).slicesRan() != slices) {
        throw new IllegalStateException("benchmark run failed: " + s.stages());
      }
      if (r >= 0) {
        perSlice[r] = seconds / slices * 1000;
      }
    }
    double median = BenchSupport.median(perSlice);
    System.out.println("| slices | workers | per-slice overhead (median ms) | target |");
    System.out.println("|---|---|---|---|");
    System.out.printf(
        "| %d | 1 | %.3f | < 2 ms: %s |%n", slices, median, median < 2 ? "met" : "MISSED");
  }
}

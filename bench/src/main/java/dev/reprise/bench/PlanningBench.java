package dev.reprise.bench;

import dev.reprise.core.exec.Planner;
import dev.reprise.core.exec.RunSummary;
import dev.reprise.core.exec.StageState;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.FolderBlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Planning and reuse-checking a 200-stage pipeline whose results are all stored: the time of {@code
 * reprise plan} (planner only) and of a fully cached {@code reprise run} (planning, verification of
 * every stored result, the run record). Targets: under 1 s on a folder store, under 3 s on S3 over
 * loopback.
 */
public final class PlanningBench {
  private PlanningBench() {}

  public static void main(String[] args) throws Exception {
    int stages = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    // A third argument keeps the folder (pipeline file and store) for timing the CLI on it.
    Path dir =
        args.length > 2
            ? Files.createDirectories(Path.of(args[2]))
            : Files.createTempDirectory("reprise-planning-bench");
    System.out.println("| store | stages | plan (median s) | cached run (median s) | target |");
    System.out.println("|---|---|---|---|---|");
    try (BlobStore folder = new FolderBlobStore(dir.resolve("store"))) {
      measure("folder", folder, dir.resolve("folder"), stages, reps, 1.0);
    }
    try (S3Bench.Server s3 = S3Bench.start(dir.resolve("s3"))) {
      measure("S3 (loopback)", s3.store(), dir.resolve("s3work"), stages, reps, 3.0);
    }
  }

  static void measure(String label, BlobStore blobs, Path dir, int stages, int reps, double target)
      throws Exception {
    Files.createDirectories(dir);
    ArtifactStore store = new ArtifactStore(blobs, dir.resolve("cache"));
    Pipeline p = BenchSupport.chain(dir, stages, 1);
    RunSummary first = BenchSupport.run(store, p, dir, 2);
    if (first.exitCode() != 0) {
      throw new IllegalStateException("populating run failed: " + first.stages());
    }
    double[] plan = new double[reps];
    double[] run = new double[reps];
    for (int r = 0; r < reps; r++) {
      long t0 = System.nanoTime();
      List<Planner.PlannedStage> planned = new Planner(store, BenchSupport.resolver(dir)).plan(p);
      plan[r] = BenchSupport.seconds(System.nanoTime() - t0);
      if (planned.stream().anyMatch(s -> s.state() != StageState.REUSED)) {
        throw new IllegalStateException("not everything was reused");
      }
      long t1 = System.nanoTime();
      RunSummary s = BenchSupport.run(store, p, dir, 2);
      run[r] = BenchSupport.seconds(System.nanoTime() - t1);
      if (s.stages().stream().anyMatch(o -> o.state() != StageState.REUSED)) {
        throw new IllegalStateException("cached run ran something");
      }
    }
    double pm = BenchSupport.median(plan);
    double rm = BenchSupport.median(run);
    System.out.printf(
        "| %s | %d | %.3f | %.3f | < %.0f s: %s |%n",
        label, stages, pm, rm, target, Math.max(pm, rm) < target ? "met" : "MISSED");
  }
}

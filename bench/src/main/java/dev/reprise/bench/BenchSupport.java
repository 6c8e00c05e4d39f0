package dev.reprise.bench;

import dev.reprise.core.exec.LocalExecutor;
import dev.reprise.core.exec.RunListener;
import dev.reprise.core.exec.RunSummary;
import dev.reprise.core.exec.StageResolver;
import dev.reprise.core.key.DataDigests;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.PipelineParser;
import dev.reprise.core.store.ArtifactStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/** What the benchmarks share: pipelines made on the fly, running them, medians. */
final class BenchSupport {
  static final MethodRegistry METHODS =
      MethodRegistry.discover(BenchSupport.class.getClassLoader());

  private BenchSupport() {}

  /** A chain of {@code n} noop stages, each reading the previous one. */
  static Pipeline chain(Path dir, int n, int slices) throws IOException {
    StringBuilder sb =
        new StringBuilder(
            "apiVersion: reprise.dev/v1alpha1\nkind: Pipeline\nmetadata: {name: chain-"
                + n
                + "}\nspec:\n  stages:\n");
    for (int i = 0; i < n; i++) {
      sb.append("    - {name: s")
          .append(i)
          .append(", method: bench.noop, params: {id: ")
          .append(i)
          .append("}, slices: ")
          .append(slices);
      if (i > 0) {
        sb.append(", inputs: {in: s").append(i - 1).append("}");
      }
      sb.append("}\n");
    }
    Path f = dir.resolve("chain-" + n + ".yaml");
    Files.writeString(f, sb);
    return new PipelineParser(METHODS).parse(f);
  }

  static StageResolver resolver(Path dir) {
    return new StageResolver(new DataDigests(dir.resolve("digests.tsv"), null));
  }

  static RunSummary run(ArtifactStore store, Pipeline p, Path dir, int workers) {
    return new LocalExecutor(store, METHODS, resolver(dir))
        .run(
            p,
            new LocalExecutor.Options(
                workers, RunListener.NONE, dir.resolve("work"), Duration.ofMillis(50)));
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }
}

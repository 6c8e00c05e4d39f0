package dev.reprise.bench;

import dev.reprise.core.method.DirectoryArtifacts;
import dev.reprise.core.method.InputArtifacts;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.ParamValues;
import dev.reprise.core.method.Params;
import dev.reprise.core.method.Phase;
import dev.reprise.core.method.PhaseContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Times {@code eeg.decode} on an epochs folder: the analysis phase of {@code slices} slices run on
 * {@code threads} threads (each slice on one thread), then the synthesis. Prints one line per run:
 * {@code java <classifier> slices=<n> threads=<t> <seconds>}.
 *
 * <pre>java -cp ... dev.reprise.bench.DecodeBench EPOCHS CLASSIFIER SLICES THREADS RUNS [WARMUP]
 * </pre>
 */
public final class DecodeBench {
  private DecodeBench() {}

  public static void main(String[] args) throws Exception {
    Path epochs = Path.of(args[0]);
    String classifier = args[1];
    int slices = Integer.parseInt(args[2]);
    int threads = Integer.parseInt(args[3]);
    int runs = Integer.parseInt(args[4]);
    int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 1;
    Method method = decodeMethod();
    Params params = params(method, epochs, classifier);
    for (int r = -warmup; r < runs; r++) {
      double seconds = run(method, params, epochs, slices, threads);
      if (r >= 0) {
        System.out.printf(
            "java %s slices=%d threads=%d %.3f%n", classifier, slices, threads, seconds);
      }
    }
  }

  /** {@code eeg.decode} as registered (the method a pipeline runs). */
  static Method decodeMethod() {
    for (Method m : java.util.ServiceLoader.load(Method.class)) {
      if (m.spec().name().equals("eeg.decode")) {
        return m;
      }
    }
    throw new IllegalStateException("eeg.decode is not registered");
  }

  /** The method's parameters: {@code classifier}, 5 folds x 10 repeats, defaults otherwise. */
  static Params params(Method method, Path epochs, String classifier) {
    Map<String, Object> given = new HashMap<>();
    given.put("classifier", classifier);
    given.put("folds", 5L);
    given.put("repeats", 10L);
    return new Params(ParamValues.withDefaults(method.spec(), given), epochs);
  }

  /**
   * Seconds (wall) of one run: the analysis phase of {@code slices} slices on {@code threads}
   * threads (each slice on one thread), then the synthesis.
   */
  static double run(Method method, Params params, Path epochs, int slices, int threads)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    Path root = Files.createTempDirectory("decode-bench");
    try {
      long start = System.nanoTime();
      List<Future<?>> pending = new ArrayList<>();
      for (int i = 0; i < slices; i++) {
        Context ctx = new Context(params, epochs, root, Phase.ANALYSIS, i, slices);
        pending.add(
            pool.submit(
                () -> {
                  method.analysis(ctx);
                  return null;
                }));
      }
      for (Future<?> f : pending) {
        f.get();
      }
      method.synthesis(new Context(params, epochs, root, Phase.SYNTHESIS, -1, slices));
      return (System.nanoTime() - start) / 1e9;
    } finally {
      pool.shutdown();
      deleteTree(root);
    }
  }

  private static void deleteTree(Path root) throws Exception {
    try (var walk = Files.walk(root)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** A phase context over local folders: slice i writes {@code root/slice-i}. */
  private record Context(Params params, Path epochs, Path root, Phase phase, int slice, int slices)
      implements PhaseContext {
    @Override
    public String pipelineName() {
      return "bench";
    }

    @Override
    public String stageName() {
      return "decode";
    }

    @Override
    public InputArtifacts input(String name) {
      return name.equals("epochs") ? new DirectoryArtifacts(epochs, "epochs") : null;
    }

    @Override
    public InputArtifacts prepared() {
      return null;
    }

    @Override
    public InputArtifacts slice(int i) {
      return new DirectoryArtifacts(root.resolve("slice-" + i), "slice " + i);
    }

    @Override
    public Path out() {
      try {
        return Files.createDirectories(
            phase == Phase.ANALYSIS ? root.resolve("slice-" + slice) : root.resolve("out"));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public Path scratch() {
      return root;
    }

    @Override
    public void log(String message) {}
  }
}

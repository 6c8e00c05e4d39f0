package dev.reprise.bench;

import dev.reprise.core.method.Method;
import dev.reprise.core.method.Params;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The thread lesson at the stage level: {@code eeg.decode} (LDA, 5 folds x 10 repeats) as
 * single-threaded slices on all cores against one single-threaded slice, through the method's own
 * entry point, round-robin so that drift in the machine's load hits both alike. The kernel-level
 * half (EJML's concurrent product inside a fit against the single-threaded kernels) is printed by
 * {@code bench/run-roofline.sh}.
 *
 * <pre>java -cp ... dev.reprise.bench.ThreadLessonBench EPOCHS [RUNS=5] [WORKERS=cores]</pre>
 */
public final class ThreadLessonBench {
  private ThreadLessonBench() {}

  public static void main(String[] args) throws Exception {
    Path epochs = Path.of(args[0]);
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int workers =
        args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
    Method method = DecodeBench.decodeMethod();
    Params params = DecodeBench.params(method, epochs, "lda");
    String many = workers + " single-threaded slices on " + workers + " workers";
    String one = "1 single-threaded slice on 1 worker";
    List<Double> manySeconds = new ArrayList<>();
    List<Double> oneSeconds = new ArrayList<>();
    for (int r = -1; r < runs; r++) {
      double m = DecodeBench.run(method, params, epochs, workers, workers);
      double o = DecodeBench.run(method, params, epochs, 1, 1);
      if (r >= 0) {
        manySeconds.add(m);
        oneSeconds.add(o);
        System.out.printf("run %d  %-45s %.3f s%n", r, many, m);
        System.out.printf("run %d  %-45s %.3f s%n", r, one, o);
      }
    }
    double tm =
        BenchSupport.median(manySeconds.stream().mapToDouble(Double::doubleValue).toArray());
    double to = BenchSupport.median(oneSeconds.stream().mapToDouble(Double::doubleValue).toArray());
    System.out.printf("median %-45s %.3f s%n", many, tm);
    System.out.printf("median %-45s %.3f s%n", one, to);
    System.out.printf(
        "speed-up %.2f on %d workers, parallel efficiency %.2f%n",
        to / tm, workers, to / (workers * tm));
  }
}

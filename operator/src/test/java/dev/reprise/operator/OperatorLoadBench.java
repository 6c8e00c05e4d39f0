package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reprise.operator.crd.Pipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Steady-state load on the store (run by bench/run-operator-load-bench.sh, not by the test suite):
 * {@value #FINISHED} finished pipelines and {@value #WAITING} pipelines whose Jobs wait (their pods
 * cannot pull an image), each re-checked every {@value #RECHECK_SECONDS} s, the store's requests
 * counted over {@value #WINDOW_SECONDS} s. Writes a Markdown table to
 * operator/target/operator-load-bench.md.
 */
class OperatorLoadBench {
  static final int FINISHED = 50;
  static final int WAITING = 10;
  static final int RECHECK_SECONDS = 5;
  static final int WINDOW_SECONDS = 60;

  @Test
  void idlePipelinesCostTheStoreNothingOnceFinished() throws Exception {
    List<String> rows = new ArrayList<>();
    // A node thread per waiting pod: a pod waiting for its image holds one.
    try (OperatorHarness h = new OperatorHarness(WAITING + 2)) {
      h.configure(Duration.ofSeconds(RECHECK_SECONDS), List.of());
      h.cluster.cannotPull("registry.example/never:1");
      h.startOperator();
      for (int i = 0; i < FINISHED; i++) {
        h.apply(PipelineOperatorIT.doc("done-" + i, "{offset: " + i + "}"));
      }
      for (int i = 0; i < FINISHED; i++) {
        h.await("done-" + i, "Succeeded", Duration.ofMinutes(5));
      }
      rows.add(measure(h, "finished pipelines (3 stages each)", FINISHED));

      for (int i = 0; i < WAITING; i++) {
        h.apply(
            PipelineLifecycleIT.waiting("waiting-" + i, "registry.example/never:1")
                .replace("'true'", "'exit " + i + "'"));
      }
      for (int i = 0; i < WAITING; i++) {
        h.awaitThat(
            "waiting-" + i,
            (Pipeline p) -> PipelineProgress.condition(p.getStatus(), "Stuck") != null,
            Duration.ofMinutes(2),
            "stuck");
      }
      rows.add(measure(h, "the same, plus waiting pipelines (1 running stage each)", WAITING));
    }
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "Re-check every %d s, requests counted over %d s.%n%n",
            RECHECK_SECONDS,
            WINDOW_SECONDS));
    md.append("| pipelines | count | store requests per minute | by kind |\n");
    md.append("| --- | --- | --- | --- |\n");
    rows.forEach(r -> md.append(r).append('\n'));
    Files.writeString(Path.of("target/operator-load-bench.md"), md.toString());
    System.out.println(md);
    assertEquals(2, rows.size());
  }

  private static String measure(OperatorHarness h, String what, int count) throws Exception {
    h.storeRequests.reset();
    Thread.sleep(WINDOW_SECONDS * 1000L);
    Map<String, Long> kinds = h.storeRequests.byKind();
    double perMinute = h.storeRequests.total() * 60.0 / WINDOW_SECONDS;
    return String.format(Locale.ROOT, "| %s | %d | %.1f | %s |", what, count, perMinute, kinds);
  }
}

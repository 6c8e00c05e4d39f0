package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.operator.crd.Pipeline;
import dev.reprise.operator.crd.StageStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's example, k8s/examples/eeg-decoding.yaml, applied as is: the real eeg.* methods in
 * Jobs. About 35 s on 2 cores, so bench/run-operator-bench.sh runs it, not the test suite.
 */
class ExamplePipelineOperatorRun {
  @Test
  void theExamplePipelineRunsAsJobsAndCommitsItsReport() throws Exception {
    try (OperatorHarness h = new OperatorHarness(Runtime.getRuntime().availableProcessors())) {
      h.startOperator();
      h.apply(Files.readString(Path.of("../k8s/examples/eeg-decoding.yaml")));
      Pipeline p = h.await("eeg-decoding", "Succeeded", Duration.ofMinutes(3));
      assertEquals(
          List.of("Succeeded", "Succeeded", "Succeeded", "Succeeded", "Succeeded"),
          p.getStatus().getStages().stream().map(StageStatus::getState).toList());
      StageStatus decode = p.getStatus().getStages().get(2);
      assertEquals("decode", decode.getName());
      assertEquals(24, decode.getSlicesDone());
      String report = p.getStatus().getStages().get(4).getKey();
      String summary = h.output(report, "summary.json").orElseThrow();
      assertTrue(summary.contains("cluster"), summary);
      // 24 decode slices ran one pod each, never two.
      String analysis = StageJobs.name(decode.getKey(), dev.reprise.core.method.Phase.ANALYSIS);
      for (int i = 0; i < 24; i++) {
        assertEquals(1, h.cluster.runsOf(analysis, i), "slice " + i);
      }
    }
  }
}

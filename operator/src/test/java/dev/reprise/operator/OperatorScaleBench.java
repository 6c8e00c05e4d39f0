package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reprise.operator.crd.Pipeline;
import dev.reprise.worker.cli.Reprise;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The operator at scale (run by bench/run-operator-bench.sh, not by the test suite): a fully stored
 * 200-stage pipeline applied under a new name, and 100 pipelines applied at once. Writes a Markdown
 * table to operator/target/operator-bench.md.
 */
class OperatorScaleBench {
  static final int STAGES = 200;
  static final int PIPELINES = 100;

  static String wide(String name, int stages) {
    StringBuilder sb =
        new StringBuilder(
            "apiVersion: reprise.dev/v1alpha1\nkind: Pipeline\nmetadata: {name: "
                + name
                + "}\nspec:\n  stages:\n");
    for (int i = 0; i < stages; i++) {
      String up = i == 0 ? "" : ", inputs: {in: s" + (i - 1) + "}";
      sb.append(
          i == 0
              ? "    - {name: s0, method: test.source, params: {count: 20}}\n"
              : "    - {name: s"
                  + i
                  + ", method: test.scale"
                  + up
                  + ", params: {cap: "
                  + (1_000_000_000L + i)
                  + "}}\n");
    }
    return sb.toString();
  }

  @Test
  void scale() throws Exception {
    List<String> rows = new ArrayList<>();
    try (OperatorHarness h = new OperatorHarness(Runtime.getRuntime().availableProcessors())) {
      // Fill the store with the 200-stage chain (200 distinct keys: each cap differs) using the
      // local executor, which computes the same keys.
      Path doc = Files.createTempFile("wide", ".yaml");
      Files.writeString(doc, wide("wide", STAGES));
      StringWriter log = new StringWriter();
      long t0 = System.nanoTime();
      int code =
          Reprise.execute(
              null,
              new PrintWriter(log),
              new PrintWriter(log),
              "run",
              doc.toString(),
              "--store",
              h.store,
              "--quiet",
              "--s3-endpoint",
              h.s3.endpoint(),
              "--s3-access-key",
              h.s3.accessKey(),
              "--s3-secret-key",
              h.s3.secretKey());
      assertEquals(0, code, log.toString());
      double fill = (System.nanoTime() - t0) / 1e9;
      h.startOperator();
      // Warm the operator's paths once with a small pipeline.
      h.apply(wide("warm-up", 3));
      h.await("warm-up", "Succeeded", Duration.ofSeconds(60));

      long start = System.nanoTime();
      h.apply(wide("wide-again", STAGES));
      Pipeline p = h.await("wide-again", "Succeeded", Duration.ofSeconds(60));
      double cached = (System.nanoTime() - start) / 1e9;
      assertEquals(STAGES, p.getStatus().getReused());
      int bytes =
          h.client
              .getKubernetesSerialization()
              .asJson(p.getStatus())
              .getBytes(StandardCharsets.UTF_8)
              .length;
      rows.add(
          row(
              "fully stored "
                  + STAGES
                  + "-stage chain applied under a new name: apply to Succeeded",
              cached,
              "< 2 s",
              cached < 2 ? "met" : "MISSED"));
      rows.add(
          "| status of that pipeline | "
              + bytes
              + " bytes | < 64 KiB | "
              + (bytes < 65536 ? "met" : "MISSED")
              + " |");
      rows.add(row("(filling the store with `reprise run`, for comparison)", fill, "", ""));

      int jobsBefore = h.cluster.created.size();
      start = System.nanoTime();
      for (int i = 0; i < PIPELINES; i++) {
        h.apply(
            """
            apiVersion: reprise.dev/v1alpha1
            kind: Pipeline
            metadata: {name: many-I}
            spec:
              stages:
                - {name: numbers, method: test.source, params: {start: I}}
                - {name: total, method: test.sum, inputs: {in: numbers}}
            """
                .replace("I", String.valueOf(i)));
      }
      for (int i = 0; i < PIPELINES; i++) {
        h.await("many-" + i, "Succeeded", Duration.ofMinutes(5));
      }
      double many = (System.nanoTime() - start) / 1e9;
      int jobs = h.cluster.created.size() - jobsBefore;
      rows.add(
          row(
              PIPELINES
                  + " two-stage pipelines applied at once, all Succeeded ("
                  + jobs
                  + " Jobs, "
                  + h.cluster.podRuns.size()
                  + " pods in all)",
              many,
              "all complete",
              "met"));
    }
    String table =
        "| measure | result | target | |\n|---|---|---|---|\n" + String.join("\n", rows) + "\n";
    System.out.println(table);
    Files.writeString(Path.of("target/operator-bench.md"), table);
  }

  private static String row(String what, double seconds, String target, String verdict) {
    return String.format(Locale.ROOT, "| %s | %.2f s | %s | %s |", what, seconds, target, verdict);
  }
}

package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.operator.crd.Pipeline;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The production path: the Quarkus application (Quarkus Operator SDK) starts, registers {@link
 * PipelineReconciler} and runs a pipeline to Succeeded against the mock API server, with its
 * metrics on /q/metrics and its health on /q/health.
 */
@QuarkusTest
@WithTestResource(TestingKubernetes.class)
class QuarkusOperatorIT {
  @Inject Operator operator;

  @TestHTTPResource("/q/metrics")
  URL metrics;

  @TestHTTPResource("/q/health/live")
  URL live;

  @TestHTTPResource("/q/health/ready")
  URL ready;

  @Test
  void theQuarkusApplicationReconcilesAPipelineToSucceededAndReportsIt() throws Exception {
    assertTrue(operator.getRegisteredController("pipeline").isPresent(), "controller registered");
    OperatorHarness h = TestingKubernetes.harness;

    h.apply(PipelineOperatorIT.doc("sums", "{}"));
    Pipeline p = h.await("sums", "Succeeded", PipelineOperatorIT.WAIT);
    assertEquals(List.of("Succeeded", "Succeeded", "Succeeded"), PipelineOperatorIT.states(p));
    assertEquals(
        Optional.of("110\n"), h.output(PipelineOperatorIT.stage(p, "total").getKey(), "sum.txt"));
    assertEquals(4, h.cluster.created.size(), h.cluster.created.toString());

    HttpResponse<String> m = get(metrics);
    assertEquals(200, m.statusCode());
    assertTrue(m.body().contains("reprise_stages_ran_total 3.0"), m.body());
    assertTrue(
        Pattern.compile("(?m)^reprise_pipelines\\{phase=\"Succeeded\",?} 1\\.0$")
            .matcher(m.body())
            .find(),
        m.body());
    assertTrue(m.body().contains("reprise_reconcile_seconds_count"), m.body());

    HttpResponse<String> l = get(live);
    assertEquals(200, l.statusCode(), l.body());
    HttpResponse<String> r = get(ready);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"UP\""), r.body());
  }

  private static HttpResponse<String> get(URL url) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url.toString())).build(),
            HttpResponse.BodyHandlers.ofString());
  }
}

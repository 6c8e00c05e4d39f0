package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.operator.crd.Pipeline;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
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
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The production path: the Quarkus application (Quarkus Operator SDK) starts, registers {@link
 * PipelineReconciler} and runs a pipeline to Succeeded against the mock API server, with its
 * metrics on /q/metrics and its health on /q/health.
 */
@QuarkusTest
@WithTestResource(TestingKubernetes.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the metrics count the first test's stages
class QuarkusOperatorIT {
  @Inject Operator operator;

  @TestHTTPResource("/q/metrics")
  URL metrics;

  @TestHTTPResource("/q/health/live")
  URL live;

  @TestHTTPResource("/q/health/ready")
  URL ready;

  @TestHTTPResource("/q/health/started")
  URL started;

  @Test
  @Order(1)
  void theQuarkusApplicationReconcilesAPipelineToSucceededAndReportsIt() throws Exception {
    assertTrue(operator.getRegisteredController("pipeline").isPresent(), "controller registered");
    OperatorHarness h = TestingKubernetes.harness;

    h.apply(PipelineOperatorIT.doc("sums", "{}"));
    Pipeline p = h.await("sums", "Succeeded", PipelineOperatorIT.WAIT);
    assertEquals(List.of("Succeeded", "Succeeded", "Succeeded"), PipelineOperatorIT.states(p));
    assertEquals(
        Optional.of("110\n"), h.output(PipelineOperatorIT.stage(p, "total").getKey(), "sum.txt"));
    assertEquals(4, h.cluster.created.size(), h.cluster.created.toString());

    // The gauge counts the operator's informer cache, which sees the Succeeded status a moment
    // after the API server (and this test) does.
    Pattern succeeded = Pattern.compile("(?m)^reprise_pipelines\\{phase=\"Succeeded\",?} 1\\.0$");
    HttpResponse<String> m = get(metrics);
    for (int i = 0; i < 100 && !succeeded.matcher(m.body()).find(); i++) {
      Thread.sleep(50);
      m = get(metrics);
    }
    assertEquals(200, m.statusCode());
    assertTrue(m.body().contains("reprise_stages_ran_total 3.0"), m.body());
    assertTrue(succeeded.matcher(m.body()).find(), m.body());
    assertTrue(m.body().contains("reprise_reconcile_seconds_count"), m.body());

    assertEquals(200, get(started).statusCode(), "the chart's startup probe");
    HttpResponse<String> l = get(live);
    assertEquals(200, l.statusCode(), l.body());
    HttpResponse<String> r = get(ready);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"UP\""), r.body());
  }

  /**
   * The chart's RBAC rules are exactly what the operator asks of the API server: every request it
   * made here (starting, running a pipeline, failing one, reporting why, retrying it, sharing a Job
   * and letting go of it, reading why a Job has no pods) is granted, and nothing is granted that it
   * never asks for.
   */
  @Test
  @Order(2)
  void theChartGrantsExactlyWhatTheOperatorUses() throws Exception {
    OperatorHarness h = TestingKubernetes.harness;
    PipelineOperatorIT.failOnInvalidData(h, "broken");
    h.apply(PipelineOperatorIT.doc("again", "{}"));
    h.await("again", "Succeeded", PipelineOperatorIT.WAIT);
    // A retry deletes the finished Jobs.
    h.client
        .resources(Pipeline.class)
        .inNamespace(h.namespace)
        .withName("broken")
        .edit(
            p -> {
              p.getMetadata()
                  .setAnnotations(java.util.Map.of(PipelineReconciler.RETRY_ANNOTATION, "1"));
              return p;
            });
    h.awaitThat(
        "broken",
        p -> p.getStatus() != null && "1".equals(p.getStatus().getRetry()),
        PipelineOperatorIT.WAIT,
        "the retry answered");
    // Two pipelines share a Job that cannot start: both own it (patch); one lets go.
    h.cluster.cannotPull("registry.example/stuck:1");
    h.apply(PipelineLifecycleIT.waiting("first", "registry.example/stuck:1"));
    h.apply(PipelineLifecycleIT.waiting("second", "registry.example/stuck:1"));
    h.awaitThat(
        "second",
        p -> PipelineProgress.condition(p.getStatus(), PipelineProgress.STUCK) != null,
        PipelineOperatorIT.WAIT,
        "stuck");
    h.apply(PipelineLifecycleIT.waiting("second", "registry.example/stuck:2"));
    h.awaitThat(
        "second",
        p -> p.getMetadata().getGeneration().equals(p.getStatus().getObservedGeneration()),
        PipelineOperatorIT.WAIT,
        "the new spec planned");
    // A Job that gets no pods: the operator reads the Job controller's events.
    h.cluster.refusePods("registry.example/quota:1", "exceeded quota");
    h.apply(PipelineLifecycleIT.waiting("limited", "registry.example/quota:1"));
    h.awaitThat(
        "limited",
        p -> {
          var c = PipelineProgress.condition(p.getStatus(), PipelineProgress.STUCK);
          return c != null && c.getMessage().contains("exceeded quota");
        },
        PipelineOperatorIT.WAIT,
        "stuck for want of pods");

    Set<String> used = h.usage.used();
    Set<String> granted =
        TestingHelm.grants(
            ChartTest.of(TestingHelm.render(ChartTest.DEFAULTS), ClusterRole.class)
                .get(0)
                .getRules());
    assertEquals(granted, used, "granted by charts/reprise (left) and used by the operator");
  }

  private static HttpResponse<String> get(URL url) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url.toString())).build(),
            HttpResponse.BodyHandlers.ofString());
  }
}

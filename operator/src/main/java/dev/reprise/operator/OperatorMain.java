package dev.reprise.operator;

import com.sun.net.httpserver.HttpServer;
import dev.reprise.core.method.MethodRegistry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * The operator's process: settings from the environment, the operator, and an HTTP endpoint with
 * {@code /metrics} (Prometheus) and {@code /healthz}.
 */
public final class OperatorMain {
  private OperatorMain() {}

  public static void main(String[] args) throws Exception {
    OperatorSettings settings = OperatorSettings.fromEnvironment(System.getenv());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    int port = Integer.parseInt(System.getenv().getOrDefault("REPRISE_METRICS_PORT", "8080"));
    HttpServer http = metricsServer(registry, new InetSocketAddress(port));
    KubernetesClient client = new KubernetesClientBuilder().build();
    PipelineOperator operator =
        PipelineOperator.start(client, settings, MethodRegistry.discover(), registry);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    operator.close();
                  } catch (Exception e) {
                    System.err.println("reprise-operator: stopping: " + e);
                  } finally {
                    http.stop(0);
                    client.close();
                    stopped.countDown();
                  }
                }));
    stopped.await();
  }

  /** Serves the registry's Prometheus text at /metrics and "ok" at /healthz. */
  public static HttpServer metricsServer(
      PrometheusMeterRegistry registry, InetSocketAddress address) throws IOException {
    HttpServer http = HttpServer.create(address, 0);
    http.createContext(
        "/metrics",
        exchange -> {
          byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
          exchange
              .getResponseHeaders()
              .set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    http.createContext(
        "/healthz",
        exchange -> {
          byte[] body = "ok\n".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    http.start();
    return http;
  }
}

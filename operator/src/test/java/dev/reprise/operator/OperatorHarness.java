package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.fail;

import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.store.S3Settings;
import dev.reprise.core.store.TestingS3Server;
import dev.reprise.operator.crd.Pipeline;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A Kubernetes API (Fabric8's mock server in CRUD mode, with the generated CRD applied), an S3
 * server on loopback, {@link TestingCluster} running the Jobs, and the operator.
 */
final class OperatorHarness implements AutoCloseable {
  static final String BUCKET = "reprise";
  static final String SECRET = "reprise-store";

  /** Held so the setting sticks: the mock server logs every request at INFO otherwise. */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  final TestingS3Server s3;
  final KubernetesMockServer server;

  /** What the client with {@link TestingApiUsage#OPERATOR_TOKEN} asked of the API server. */
  final TestingApiUsage usage = new TestingApiUsage();

  final KubernetesClient client;
  final TestingCluster cluster;

  /** The operator's settings; a test may change them before {@link #startOperator()}. */
  OperatorSettings settings;

  /** Every request the operator makes of its stores. */
  final CountingBlobStore.Counter storeRequests = new CountingBlobStore.Counter();

  final String namespace;
  final String store;
  PrometheusMeterRegistry registry;
  PipelineOperator operator;

  OperatorHarness(int cores) throws Exception {
    this(cores, DataVolumePolicy.NONE);
  }

  /** With the data volumes {@code volumes} allows (as the chart's data.* values set them). */
  OperatorHarness(int cores, DataVolumePolicy volumes) throws Exception {
    s3 = TestingS3Server.start();
    s3.createBucket(BUCKET);
    server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), usage, false);
    server.init(java.net.InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    try (FileInputStream crd = new FileInputStream("../k8s/crds/" + CrdDriftTest.FILE)) {
      client.apiextensions().v1().customResourceDefinitions().load(crd).create();
    }
    namespace = "test-" + UUID.randomUUID().toString().substring(0, 8);
    store = "s3://" + BUCKET + "/" + namespace;
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(SECRET)
                .endMetadata()
                .addToData(S3Settings.ACCESS_KEY_VAR, b64(s3.accessKey()))
                .addToData(S3Settings.SECRET_KEY_VAR, b64(s3.secretKey()))
                .build())
        .create();
    settings =
        new OperatorSettings(
            "reprise-worker:test",
            store,
            s3.settings(),
            SECRET,
            2,
            Duration.ofHours(1),
            Duration.ofSeconds(30),
            WorkerPods.DEFAULT,
            false,
            OperatorSettings.DEFAULT_TIMEOUT,
            List.of(),
            volumes,
            PodIdentity.NONE);
    cluster = new TestingCluster(client, cores).start();
  }

  /**
   * The operator's settings with another safety-net re-check and other allowed stores; before
   * {@link #startOperator()}.
   */
  void configure(Duration recheck, List<String> allowedStores) {
    OperatorSettings s = settings;
    settings =
        new OperatorSettings(
            s.image(),
            s.defaultStore(),
            s.s3(),
            s.credentialsSecret(),
            s.retriesPerSlice(),
            s.ttlAfterFinished(),
            recheck,
            s.pods(),
            s.createBucket(),
            s.stageTimeout(),
            allowedStores,
            s.volumes(),
            s.identity());
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  PipelineOperator startOperator() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    operator =
        PipelineOperator.start(
            client,
            settings,
            MethodRegistry.discover(),
            registry,
            b -> new CountingBlobStore(b, storeRequests),
            null);
    return operator;
  }

  Pipeline apply(String yaml) {
    Pipeline p = client.getKubernetesSerialization().unmarshal(yaml, Pipeline.class);
    if (get(p.getMetadata().getName()) == null) {
      return client.resources(Pipeline.class).inNamespace(namespace).resource(p).create();
    }
    // Like kubectl apply, a patch of the spec: it never conflicts with the status the operator
    // writes meanwhile (an update would, with 409). A JSON patch replacing the whole spec, as the
    // mock server merges lists in a merge patch where a real API server replaces them.
    String patch =
        "[{\"op\":\"replace\",\"path\":\"/spec\",\"value\":"
            + client.getKubernetesSerialization().asJson(p.getSpec())
            + "}]";
    return client
        .resources(Pipeline.class)
        .inNamespace(namespace)
        .withName(p.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON), patch);
  }

  Pipeline get(String name) {
    return client.resources(Pipeline.class).inNamespace(namespace).withName(name).get();
  }

  /**
   * Polls (every 20 ms) until the pipeline's phase is {@code phase} and describes its generation.
   */
  Pipeline await(String name, String phase, Duration timeout) throws InterruptedException {
    return awaitThat(name, inPhase(phase), timeout, "phase " + phase);
  }

  /** The pipeline's phase is {@code phase}, and its status describes its current generation. */
  static Predicate<Pipeline> inPhase(String phase) {
    return p ->
        p.getStatus() != null
            && phase.equals(p.getStatus().getPhase())
            && p.getMetadata().getGeneration().equals(p.getStatus().getObservedGeneration());
  }

  Pipeline awaitThat(String name, Predicate<Pipeline> ok, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Pipeline p = null;
    while (System.nanoTime() < deadline) {
      p = get(name);
      if (p != null && ok.test(p)) {
        return p;
      }
      Thread.sleep(20);
    }
    fail(
        "pipeline "
            + name
            + " did not reach "
            + what
            + " in "
            + timeout
            + "; status: "
            + (p == null ? null : client.getKubernetesSerialization().asJson(p.getStatus())));
    return null;
  }

  List<Event> events(String pipeline) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> pipeline.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  Optional<String> output(String key, String file) {
    try (var blobs = dev.reprise.core.store.Stores.open(store, s3.settings())) {
      return blobs
          .read("stages/" + key + "/outputs/" + file)
          .map(b -> new String(b, StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws Exception {
    if (operator != null) {
      operator.close();
    }
    cluster.close();
    client.close();
    server.destroy();
    s3.close();
  }
}

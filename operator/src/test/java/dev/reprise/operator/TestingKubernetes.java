package dev.reprise.operator;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * The {@link OperatorHarness} world (mock API server in CRUD mode with the CRD, S3 on loopback,
 * {@link TestingCluster}) for a {@code @QuarkusTest}, without an operator of its own: the Quarkus
 * application is the operator, configured to talk to these servers.
 */
public final class TestingKubernetes implements QuarkusTestResourceLifecycleManager {
  static OperatorHarness harness;

  /** Init argument: "true" to have the operator watch only the harness's namespace. */
  static final String NAMESPACED = "namespaced";

  private boolean namespaced;

  @Override
  public void init(Map<String, String> initArgs) {
    namespaced = Boolean.parseBoolean(initArgs.getOrDefault(NAMESPACED, "false"));
  }

  @Override
  public Map<String, String> start() {
    try {
      harness = new OperatorHarness(4);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the test cluster: " + e.getMessage(), e);
    }
    OperatorSettings s = harness.settings;
    Map<String, String> config = new java.util.HashMap<>();
    if (namespaced) {
      // As the chart sets QUARKUS_OPERATOR_SDK_NAMESPACES from operator.watchNamespaces.
      config.put("quarkus.operator-sdk.namespaces", harness.namespace);
    }
    config.putAll(
        Map.of(
            "quarkus.kubernetes-client.api-server-url", harness.client.getMasterUrl().toString(),
            "quarkus.kubernetes-client.token", TestingApiUsage.OPERATOR_TOKEN,
            "reprise.store", s.defaultStore(),
            "reprise.s3-endpoint", s.s3().endpoint(),
            "aws.access-key-id", s.s3().accessKey(),
            "aws.secret-access-key", s.s3().secretKey(),
            "reprise.worker-image", s.image(),
            "reprise.retries-per-slice", Integer.toString(s.retriesPerSlice())));
    return config;
  }

  @Override
  public void stop() {
    try {
      if (harness != null) {
        harness.close();
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      harness = null;
    }
  }
}

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

  @Override
  public Map<String, String> start() {
    try {
      harness = new OperatorHarness(4);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the test cluster: " + e.getMessage(), e);
    }
    OperatorSettings s = harness.settings;
    return Map.of(
        "quarkus.kubernetes-client.api-server-url", harness.client.getMasterUrl().toString(),
        "quarkus.kubernetes-client.token", TestingApiUsage.OPERATOR_TOKEN,
        "reprise.store", s.defaultStore(),
        "reprise.s3-endpoint", s.s3().endpoint(),
        "aws.access-key-id", s.s3().accessKey(),
        "aws.secret-access-key", s.s3().secretKey(),
        "reprise.worker-image", s.image(),
        "reprise.retries-per-slice", Integer.toString(s.retriesPerSlice()));
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

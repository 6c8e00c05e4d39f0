package dev.reprise.operator;

import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.store.BlobStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.function.UnaryOperator;

/**
 * The reconciler on a plain Java Operator SDK {@link Operator}, configured as
 * application.properties configures the Quarkus application, so tests can start one with their own
 * settings and registry inside one JVM. Production runs through Quarkus ({@link QuarkusOperatorIT}
 * checks that path; {@link OperatorRestartIT} restarts the real process).
 */
final class PipelineOperator implements AutoCloseable {
  private final Operator operator;
  private final StoreAccess stores;

  private PipelineOperator(Operator operator, StoreAccess stores) {
    this.operator = operator;
    this.stores = stores;
  }

  /** Starts watching Pipelines (and the operator's Jobs) in every namespace the client sees. */
  public static PipelineOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      MethodRegistry methods,
      MeterRegistry registry) {
    return start(client, settings, methods, registry, UnaryOperator.identity(), null);
  }

  /**
   * @param blobs wraps each store the operator opens (to count its requests)
   * @param leaderElection null for none (Quarkus activates it in the prod profile only)
   */
  public static PipelineOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      MethodRegistry methods,
      MeterRegistry registry,
      UnaryOperator<BlobStore> blobs,
      LeaderElectionConfiguration leaderElection) {
    StoreAccess stores = new StoreAccess(settings.s3(), settings.createBucket(), blobs);
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  // Merge patches: the status is ours alone, and the mock server lacks
                  // server-side apply.
                  .withUseSSAToPatchPrimaryResource(false)
                  .withStopOnInformerErrorDuringStartup(true);
              if (leaderElection != null) {
                o.withLeaderElectionConfiguration(leaderElection);
              }
            });
    PipelineReconciler reconciler =
        new PipelineReconciler(
            settings, methods, stores, new OperatorMetrics(registry), Clock.systemUTC());
    operator.register(reconciler, c -> c.withReconciliationMaxInterval(settings.recheck()));
    operator.start();
    return new PipelineOperator(operator, stores);
  }

  @Override
  public void close() throws Exception {
    operator.stop();
    stores.close();
  }
}

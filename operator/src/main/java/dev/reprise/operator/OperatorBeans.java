package dev.reprise.operator;

import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.store.S3Credentials;
import dev.reprise.core.store.S3Settings;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * What the Quarkus application hands {@link PipelineReconciler}: settings from the configuration
 * (application.properties, overridden by the Deployment's {@code REPRISE_*} variables), the store,
 * the methods, and the metrics on Quarkus' Prometheus registry.
 */
@Singleton
final class OperatorBeans {
  private static final Logger LOG = Logger.getLogger(OperatorBeans.class);

  /** The variables {@link OperatorSettings#fromEnvironment} reads. */
  static final List<String> VARIABLES =
      concat(
          "REPRISE_STORE",
          "REPRISE_WORKER_IMAGE",
          "REPRISE_CREDENTIALS_SECRET",
          "REPRISE_RETRIES_PER_SLICE",
          "REPRISE_JOB_TTL_SECONDS",
          "REPRISE_RECHECK_SECONDS",
          "REPRISE_WORKER_CPU",
          "REPRISE_WORKER_MEMORY",
          "REPRISE_METHODS_CONFIGMAP",
          "REPRISE_WORKER_NODE_SELECTOR",
          "REPRISE_WORKER_TOLERATIONS",
          "REPRISE_WORKER_PULL_SECRETS",
          "REPRISE_CREATE_BUCKET",
          "REPRISE_STAGE_TIMEOUT",
          "REPRISE_ALLOWED_STORES",
          "REPRISE_WORKER_EPHEMERAL_STORAGE",
          "REPRISE_WORKER_EPHEMERAL_STORAGE_LIMIT",
          "REPRISE_WORKER_SCRATCH_SIZE",
          "REPRISE_LEASE_NAME",
          "REPRISE_LEASE_NAMESPACE",
          "REPRISE_POD_NAME",
          DataVolumePolicy.CLAIMS_VAR,
          DataVolumePolicy.HOST_PATHS_VAR,
          "REPRISE_WORKER_SERVICE_ACCOUNT",
          "REPRISE_WEB_IDENTITY_ROLE_ARN",
          "REPRISE_WEB_IDENTITY_AUDIENCE",
          S3Settings.ENDPOINT_VAR,
          S3Settings.REGION_VAR);

  /** Variables whose empty value means something (no Secret), unlike a missing one. */
  private static final List<String> EMPTY_MEANS_NONE = List.of("REPRISE_CREDENTIALS_SECRET");

  /** The operator's own variables, then every variable the store's credential sources read. */
  private static List<String> concat(String... own) {
    List<String> all = new ArrayList<>(List.of(own));
    all.addAll(S3Credentials.VARIABLES);
    return List.copyOf(all);
  }

  /**
   * A variable's configuration property: {@code REPRISE_WORKER_IMAGE} is {@code
   * reprise.worker-image}, which the environment variable overrides by Quarkus' own mapping.
   */
  static String property(String variable) {
    return variable.toLowerCase(Locale.ROOT).replaceFirst("_", ".").replace('_', '-');
  }

  @Produces
  @Singleton
  OperatorSettings settings(Config config) {
    Map<String, String> values = new HashMap<>();
    for (String variable : VARIABLES) {
      config
          .getOptionalValue(property(variable), String.class)
          .ifPresent(v -> values.put(variable, v));
    }
    for (String variable : EMPTY_MEANS_NONE) {
      // getOptionalValue reads an empty value as missing, and a missing one takes the default.
      String raw = config.getConfigValue(property(variable)).getRawValue();
      if (raw != null && raw.isBlank()) {
        values.put(variable, "");
      }
    }
    return OperatorSettings.fromEnvironment(values);
  }

  @Produces
  @Singleton
  StoreAccess stores(OperatorSettings settings) {
    return new StoreAccess(settings.s3(), settings.createBucket());
  }

  void close(@Disposes StoreAccess stores) throws Exception {
    stores.close();
  }

  /**
   * The built-in methods plus users' jars: those in {@value OperatorSettings#METHODS_DIR} (where
   * the chart mounts {@code methods.configMap}) and those {@code REPRISE_CLASSPATH} names. The
   * operator computes keys from their code, so it needs the very jars the worker pods run.
   */
  @Produces
  @Singleton
  MethodRegistry methods(Config config) {
    List<Path> jars = new ArrayList<>();
    jars.add(
        Path.of(
            config
                .getOptionalValue("reprise.methods-dir", String.class)
                .orElse(OperatorSettings.METHODS_DIR)));
    config
        .getOptionalValue("reprise.classpath", String.class)
        .ifPresent(
            cp -> {
              for (String entry : cp.split(":")) {
                if (!entry.isBlank()) {
                  jars.add(Path.of(entry));
                }
              }
            });
    MethodRegistry methods = MethodRegistry.discover(jars);
    LOG.info("methods: " + String.join(", ", methods.names()));
    return methods;
  }

  /**
   * Leader election, active in the prod profile (Quarkus operator SDK's default): replicas compete
   * for the Lease {@code reprise.lease-name} in {@code reprise.lease-namespace} (the chart sets
   * both to the release's); only the holder reconciles. The identity is the pod's name plus a
   * random suffix, so two processes on one host never share one.
   */
  @Produces
  @Singleton
  LeaderElectionConfiguration leaderElection(Config config) {
    String name =
        config.getOptionalValue("reprise.lease-name", String.class).orElse("reprise-operator");
    String namespace =
        config.getOptionalValue("reprise.lease-namespace", String.class).orElse(null);
    String identity =
        config.getOptionalValue("reprise.pod-name", String.class).orElse("reprise-operator")
            + "-"
            + java.util.UUID.randomUUID().toString().substring(0, 8);
    LOG.infof(
        "leader election: Lease %s in %s as %s",
        name, namespace == null ? "the client's namespace" : namespace, identity);
    return new LeaderElectionConfiguration(
        name,
        namespace,
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        identity,
        null,
        true);
  }

  @Produces
  @Singleton
  OperatorMetrics metrics(MeterRegistry registry) {
    return new OperatorMetrics(registry);
  }

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }
}

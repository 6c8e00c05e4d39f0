package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.InvalidInputException;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {
  @Test
  void readsTheDeploymentsVariablesWithDefaults() {
    OperatorSettings s =
        OperatorSettings.fromEnvironment(
            Map.of(
                "REPRISE_STORE", "s3://reprise/artifacts",
                "REPRISE_S3_ENDPOINT", "http://minio.reprise:9000",
                "AWS_ACCESS_KEY_ID", "ak",
                "AWS_SECRET_ACCESS_KEY", "sk",
                "REPRISE_RETRIES_PER_SLICE", "5"));
    assertEquals("s3://reprise/artifacts", s.defaultStore());
    assertEquals("http://minio.reprise:9000", s.s3().endpoint());
    assertEquals(5, s.retriesPerSlice());
    assertEquals("reprise-store", s.credentialsSecret());
    assertEquals(Duration.ofHours(1), s.ttlAfterFinished());
    assertEquals(Duration.ofSeconds(60), s.recheck());
    assertEquals(WorkerPods.DEFAULT, s.pods());
    assertEquals(false, s.createBucket());

    OperatorSettings chart =
        OperatorSettings.fromEnvironment(
            Map.of(
                "REPRISE_STORE", "/data/store",
                "REPRISE_WORKER_CPU", "2",
                "REPRISE_WORKER_MEMORY", "4Gi",
                "REPRISE_METHODS_CONFIGMAP", "lab-methods",
                "REPRISE_WORKER_NODE_SELECTOR", "{\"pool\": \"batch\"}",
                "REPRISE_WORKER_TOLERATIONS",
                    "[{\"key\": \"spot\", \"operator\": \"Exists\", \"effect\": \"NoSchedule\"}]",
                "REPRISE_WORKER_PULL_SECRETS", "a, b",
                "REPRISE_CREATE_BUCKET", "true"));
    assertEquals("2", chart.pods().cpu());
    assertEquals("4Gi", chart.pods().memory());
    assertEquals("lab-methods", chart.pods().methodsConfigMap());
    assertEquals(Map.of("pool", "batch"), chart.pods().nodeSelector());
    assertEquals("NoSchedule", chart.pods().tolerations().get(0).getEffect());
    assertEquals(List.of("a", "b"), chart.pods().pullSecrets());
    assertTrue(chart.createBucket());

    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                OperatorSettings.fromEnvironment(
                    Map.of(
                        "REPRISE_STORE", "/data/store",
                        "REPRISE_WORKER_TOLERATIONS", "{\"key\": \"spot\"}")));
    assertTrue(e.getMessage().contains("REPRISE_WORKER_TOLERATIONS"), e.getMessage());
  }

  /** The operator's own store, and stores under an allowed prefix at a "/" boundary only. */
  @Test
  void onlyTheOwnStoreAndAllowedPrefixesMayBeOpened() {
    OperatorSettings own = OperatorSettings.fromEnvironment(s3("REPRISE_STORE", "s3://res/a"));
    assertNull(own.refusedStore("s3://res/a"));
    assertNull(own.refusedStore("s3://res/a/"));
    assertTrue(own.refusedStore("s3://res/b").contains("allowedStores"));
    assertTrue(own.refusedStore("s3://res/a/sub").contains("allowedStores"), "not even below it");
    OperatorSettings some =
        OperatorSettings.fromEnvironment(
            s3("REPRISE_STORE", "s3://res/a", "REPRISE_ALLOWED_STORES", "s3://lab/p, s3://xyz"));
    assertNull(some.refusedStore("s3://lab/p"));
    assertNull(some.refusedStore("s3://lab/p/q"));
    assertNull(some.refusedStore("s3://xyz/anything"));
    assertTrue(some.refusedStore("s3://lab/p2").contains("s3://lab/p, s3://xyz"));
    assertTrue(some.refusedStore("s3://lab/p/../q") != null);
    assertTrue(some.refusedStore("s3://lab").contains("not allowed"));
  }

  /** The variables given, and an S3 endpoint and keys. */
  static Map<String, String> s3(String... kv) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("REPRISE_S3_ENDPOINT", "http://minio:9000");
    env.put("AWS_ACCESS_KEY_ID", "ak");
    env.put("AWS_SECRET_ACCESS_KEY", "sk");
    for (int i = 0; i < kv.length; i += 2) {
      env.put(kv[i], kv[i + 1]);
    }
    return env;
  }

  @Test
  void theStageTimeoutIsADuration() {
    assertEquals(
        java.time.Duration.ofMinutes(90),
        OperatorSettings.fromEnvironment(
                s3("REPRISE_STORE", "s3://res/a", "REPRISE_STAGE_TIMEOUT", "1h30m"))
            .stageTimeout());
    assertEquals(
        OperatorSettings.DEFAULT_TIMEOUT,
        OperatorSettings.fromEnvironment(s3("REPRISE_STORE", "s3://res/a")).stageTimeout());
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            dev.reprise.core.InvalidInputException.class,
            () ->
                OperatorSettings.fromEnvironment(
                    s3("REPRISE_STORE", "s3://res/a", "REPRISE_STAGE_TIMEOUT", "soon")));
    assertTrue(e.getMessage().contains("REPRISE_STAGE_TIMEOUT"), e.getMessage());
  }

  @Test
  void aFolderStoreNeedsNoS3AndAMissingStoreIsNamed() {
    assertNull(OperatorSettings.fromEnvironment(Map.of("REPRISE_STORE", "/data/store")).s3());
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> OperatorSettings.fromEnvironment(Map.of()));
    assertTrue(e.getMessage().contains("REPRISE_STORE"), e.getMessage());
    e =
        assertThrows(
            InvalidInputException.class,
            () -> OperatorSettings.fromEnvironment(Map.of("REPRISE_STORE", "s3://b/p")));
    assertTrue(e.getMessage().contains("REPRISE_S3_ENDPOINT"), e.getMessage());
  }

  @Test
  void anEmptyCredentialsSecretMeansThePodsIdentityThroughQuarkusConfigToo() {
    // As the chart's ConfigMap sets it with store.credentialsSecret="" and a role for IRSA.
    Map<String, String> env =
        Map.of(
            "REPRISE_STORE", "s3://reprise/artifacts",
            "REPRISE_S3_ENDPOINT", "https://s3.eu-north-1.amazonaws.com",
            "REPRISE_CREDENTIALS_SECRET", "",
            "REPRISE_WORKER_SERVICE_ACCOUNT", "reprise-worker",
            "REPRISE_WEB_IDENTITY_ROLE_ARN", "arn:aws:iam::1:role/r",
            "AWS_ROLE_ARN", "arn:aws:iam::1:role/r",
            "AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token");
    // The operator reads its settings through Quarkus' configuration, where an empty value reads
    // as missing unless asked for raw; application.properties names a default Secret.
    SmallRyeConfig config =
        new SmallRyeConfigBuilder()
            .withSources(new EnvConfigSource(env, 300))
            .withSources(
                new PropertiesConfigSource(
                    Map.of("reprise.credentials-secret", "reprise-store"), "app", 250))
            .build();
    OperatorSettings s = new OperatorBeans().settings(config);
    assertNull(s.credentialsSecret(), "no keys Secret");
    assertEquals(new PodIdentity("reprise-worker", "arn:aws:iam::1:role/r", null), s.identity());
    assertEquals("sts.amazonaws.com", s.identity().audience());
    assertTrue(s.s3().credentials().configured().contains("web identity"), s.s3().toString());

    SmallRyeConfig defaults =
        new SmallRyeConfigBuilder()
            .withSources(
                new EnvConfigSource(
                    Map.of(
                        "REPRISE_STORE", "s3://reprise/artifacts",
                        "REPRISE_S3_ENDPOINT", "http://minio:9000"),
                    300))
            .withSources(
                new PropertiesConfigSource(
                    Map.of("reprise.credentials-secret", "reprise-store"), "app", 250))
            .build();
    OperatorSettings d = new OperatorBeans().settings(defaults);
    assertEquals("reprise-store", d.credentialsSecret());
    assertEquals(PodIdentity.NONE, d.identity());
  }
}

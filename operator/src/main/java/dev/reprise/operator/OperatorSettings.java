package dev.reprise.operator;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.pipeline.PipelineParser;
import dev.reprise.core.store.S3Settings;
import dev.reprise.core.store.Stores;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How the operator runs stages: the worker image, the default store, how pods reach it, and the
 * Jobs' retry and clean-up settings.
 *
 * @param image the worker image pods run ({@code reprise worker ...})
 * @param defaultStore store URI for pipelines without {@code spec.store}
 * @param s3 the endpoint and credentials the operator itself reads the store with; null for a
 *     folder store
 * @param credentialsSecret Secret holding {@code AWS_ACCESS_KEY_ID} and {@code
 *     AWS_SECRET_ACCESS_KEY} for the pods, in each pipeline's namespace; null when the pods' own
 *     identity gives the credentials (see {@code identity})
 * @param retriesPerSlice retries of one slice (or of the prepare or synthesis pod) before the stage
 *     fails
 * @param ttlAfterFinished how long finished Jobs are kept before Kubernetes deletes them
 * @param recheck the safety-net re-check of every pipeline; events are the mechanism
 * @param pods what every pod gets unless its stage says otherwise, and where pods may run
 * @param createBucket create the default store's bucket if it is missing (for a bundled MinIO);
 *     otherwise a missing bucket is an error
 * @param stageTimeout how long a stage's Job may run when the stage sets no {@code timeout}
 * @param allowedStores prefixes a Pipeline's {@code spec.store} may start with (at a path
 *     boundary); the default store is always allowed
 * @param volumes which data volumes pipelines may mount
 * @param identity the worker pods' ServiceAccount and web identity
 */
public record OperatorSettings(
    String image,
    String defaultStore,
    S3Settings s3,
    String credentialsSecret,
    int retriesPerSlice,
    Duration ttlAfterFinished,
    Duration recheck,
    WorkerPods pods,
    boolean createBucket,
    Duration stageTimeout,
    List<String> allowedStores,
    DataVolumePolicy volumes,
    PodIdentity identity) {

  public OperatorSettings {
    allowedStores = List.copyOf(allowedStores);
    credentialsSecret =
        credentialsSecret == null || credentialsSecret.isBlank() ? null : credentialsSecret;
    identity = identity == null ? PodIdentity.NONE : identity;
  }

  /**
   * With a day's timeout, no store but the default one allowed, no data volume, and the store's
   * keys from {@code credentialsSecret} only.
   */
  public OperatorSettings(
      String image,
      String defaultStore,
      S3Settings s3,
      String credentialsSecret,
      int retriesPerSlice,
      Duration ttlAfterFinished,
      Duration recheck,
      WorkerPods pods,
      boolean createBucket) {
    this(
        image,
        defaultStore,
        s3,
        credentialsSecret,
        retriesPerSlice,
        ttlAfterFinished,
        recheck,
        pods,
        createBucket,
        DEFAULT_TIMEOUT,
        List.of(),
        DataVolumePolicy.NONE,
        PodIdentity.NONE);
  }

  /** A stage's Jobs' deadline unless the stage or the chart says otherwise. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(24);

  /**
   * Why the operator will not open {@code store} for a Pipeline, or null if it may: the default
   * store and stores under an allowed prefix only, so that creating a Pipeline does not let anyone
   * write with the operator's credentials wherever they reach (a confused deputy).
   */
  public String refusedStore(String store) {
    String uri = Stores.normalise(store);
    if (uri.contains("/../") || uri.endsWith("/..")) {
      return "store " + store + " is not allowed: it names a parent folder (..)";
    }
    if (uri.equals(Stores.normalise(defaultStore))) {
      return null;
    }
    for (String prefix : allowedStores) {
      String p = Stores.normalise(prefix);
      if (uri.equals(p) || uri.startsWith(p.endsWith("/") ? p : p + "/")) {
        return null;
      }
    }
    return "store "
        + store
        + " is not allowed: the operator writes only to its own store ("
        + defaultStore
        + ")"
        + (allowedStores.isEmpty() ? "" : " and under " + String.join(", ", allowedStores))
        + ". Leave spec.store out, or ask the cluster's administrator to add it to the chart's"
        + " allowedStores";
  }

  /** Where the images look for users' method jars ({@code /opt/reprise/methods/*.jar}). */
  public static final String METHODS_DIR = "/opt/reprise/methods";

  /**
   * Reads {@code REPRISE_*} variables (and the S3 ones) as the operator's Deployment sets them. An
   * empty {@code REPRISE_CREDENTIALS_SECRET} means no Secret: the pods' identity gives the
   * credentials.
   */
  public static OperatorSettings fromEnvironment(Map<String, String> env) {
    String store = env.get("REPRISE_STORE");
    if (store == null || store.isBlank()) {
      throw new InvalidInputException(
          "REPRISE_STORE must name the store, e.g. s3://reprise/artifacts");
    }
    return new OperatorSettings(
        env.getOrDefault("REPRISE_WORKER_IMAGE", "ghcr.io/reprise-dev/reprise-worker:0.1.0"),
        store,
        store.startsWith("s3://") ? S3Settings.fromEnvironment(env) : null,
        env.getOrDefault("REPRISE_CREDENTIALS_SECRET", "reprise-store"),
        Integer.parseInt(env.getOrDefault("REPRISE_RETRIES_PER_SLICE", "3")),
        Duration.ofSeconds(Long.parseLong(env.getOrDefault("REPRISE_JOB_TTL_SECONDS", "3600"))),
        Duration.ofSeconds(Long.parseLong(env.getOrDefault("REPRISE_RECHECK_SECONDS", "60"))),
        WorkerPods.fromEnvironment(env),
        Boolean.parseBoolean(env.getOrDefault("REPRISE_CREATE_BUCKET", "false")),
        timeout(env.get("REPRISE_STAGE_TIMEOUT")),
        Arrays.stream(env.getOrDefault("REPRISE_ALLOWED_STORES", "").split(","))
            .map(String::strip)
            .filter(v -> !v.isEmpty())
            .toList(),
        DataVolumePolicy.fromEnvironment(env),
        PodIdentity.fromEnvironment(env));
  }

  private static Duration timeout(String text) {
    if (text == null || text.isBlank()) {
      return DEFAULT_TIMEOUT;
    }
    Duration d = PipelineParser.parseDuration(text.strip());
    if (d == null) {
      throw new InvalidInputException(
          "REPRISE_STAGE_TIMEOUT: expected a duration like 90s, 30m, 2h or 1h30m, got " + text);
    }
    return d;
  }
}

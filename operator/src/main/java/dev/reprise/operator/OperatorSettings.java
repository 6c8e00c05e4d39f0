package dev.reprise.operator;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.store.S3Settings;
import java.time.Duration;
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
    PodIdentity identity) {

  /** Where the images look for users' method jars ({@code /opt/reprise/methods/*.jar}). */
  public static final String METHODS_DIR = "/opt/reprise/methods";

  public OperatorSettings {
    credentialsSecret =
        credentialsSecret == null || credentialsSecret.isBlank() ? null : credentialsSecret;
    identity = identity == null ? PodIdentity.NONE : identity;
  }

  /** Settings whose pods get the store's keys from {@code credentialsSecret} only. */
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
        PodIdentity.NONE);
  }

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
        PodIdentity.fromEnvironment(env));
  }
}

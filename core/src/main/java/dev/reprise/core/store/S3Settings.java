package dev.reprise.core.store;

import dev.reprise.core.InvalidInputException;
import java.net.URI;
import java.util.Map;

/**
 * Where an S3-compatible server is and how to sign requests to it.
 *
 * @param credentials where the credentials come from: static keys, or the cloud's identity
 */
public record S3Settings(String endpoint, S3Credentials credentials, String region) {
  public static final String ENDPOINT_VAR = "REPRISE_S3_ENDPOINT";
  public static final String ACCESS_KEY_VAR = S3Credentials.ACCESS_KEY_VAR;
  public static final String SECRET_KEY_VAR = S3Credentials.SECRET_KEY_VAR;
  public static final String SESSION_TOKEN_VAR = S3Credentials.SESSION_TOKEN_VAR;
  public static final String REGION_VAR = "AWS_REGION";
  public static final String DEFAULT_REGION = "us-east-1";

  /** Settings with static keys. */
  public S3Settings(String endpoint, String accessKey, String secretKey, String region) {
    this(endpoint, S3Credentials.ofKeys(accessKey, secretKey, null), region);
  }

  public S3Settings {
    require(endpoint, ENDPOINT_VAR);
    if (credentials == null) {
      throw new IllegalArgumentException("credentials are required");
    }
    URI parsed;
    try {
      parsed = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(
          "S3 endpoint '" + endpoint + "' (" + ENDPOINT_VAR + ") is not a URL: " + e.getMessage(),
          e);
    }
    if (!("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme()))
        || parsed.getHost() == null) {
      throw new InvalidInputException(
          "S3 endpoint '"
              + endpoint
              + "' ("
              + ENDPOINT_VAR
              + ") must look like http://host:port or https://host");
    }
    region = region == null || region.isBlank() ? DEFAULT_REGION : region;
  }

  /**
   * Reads {@code REPRISE_S3_ENDPOINT}, the optional {@code AWS_REGION} (default us-east-1) and
   * where the credentials come from ({@link S3Credentials#fromEnvironment}).
   *
   * @throws InvalidInputException naming the first variable that is missing or empty
   */
  public static S3Settings fromEnvironment(Map<String, String> env) {
    require(env.get(ENDPOINT_VAR), ENDPOINT_VAR);
    return new S3Settings(
        env.get(ENDPOINT_VAR), S3Credentials.fromEnvironment(env), env.get(REGION_VAR));
  }

  /** The static access key ID, or null when the credentials come from the cloud's identity. */
  public String accessKey() {
    return credentials.accessKey();
  }

  /** The static secret key, or null when the credentials come from the cloud's identity. */
  public String secretKey() {
    return credentials.secretKey();
  }

  /** The settings from the environment, or null when no S3 endpoint is configured at all. */
  public static S3Settings fromEnvironmentIfSet(Map<String, String> env) {
    String endpoint = env.get(ENDPOINT_VAR);
    return endpoint == null || endpoint.isBlank() ? null : fromEnvironment(env);
  }

  private static void require(String value, String variable) {
    if (value == null || value.isBlank()) {
      throw new InvalidInputException(
          "S3 store needs " + variable + " to be set (" + describeVariables() + ")");
    }
  }

  /** The environment variables an S3 store reads, for error messages. */
  static String describeVariables() {
    return "set "
        + ENDPOINT_VAR
        + ", and "
        + ACCESS_KEY_VAR
        + " and "
        + SECRET_KEY_VAR
        + " (with "
        + SESSION_TOKEN_VAR
        + " for temporary keys) unless the credentials come from web identity, container"
        + " credentials or the instance profile; "
        + REGION_VAR
        + " is optional, default "
        + DEFAULT_REGION;
  }

  /** Never prints a secret: settings end up in logs and exception messages. */
  @Override
  public String toString() {
    return "S3Settings[endpoint="
        + endpoint
        + ", credentials="
        + credentials.configured()
        + ", region="
        + region
        + "]";
  }
}

package dev.reprise.core.store;

import dev.reprise.core.InvalidInputException;
import java.net.URI;
import java.util.Map;

/** Where an S3-compatible server is and how to sign requests to it. */
public record S3Settings(String endpoint, String accessKey, String secretKey, String region) {
  public static final String ENDPOINT_VAR = "REPRISE_S3_ENDPOINT";
  public static final String ACCESS_KEY_VAR = "AWS_ACCESS_KEY_ID";
  public static final String SECRET_KEY_VAR = "AWS_SECRET_ACCESS_KEY";
  public static final String REGION_VAR = "AWS_REGION";
  public static final String DEFAULT_REGION = "us-east-1";

  public S3Settings {
    require(endpoint, ENDPOINT_VAR);
    require(accessKey, ACCESS_KEY_VAR);
    require(secretKey, SECRET_KEY_VAR);
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
   * Reads {@code REPRISE_S3_ENDPOINT}, {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY} and
   * the optional {@code AWS_REGION} (default us-east-1).
   *
   * @throws InvalidInputException naming the first variable that is missing or empty
   */
  public static S3Settings fromEnvironment(Map<String, String> env) {
    return new S3Settings(
        env.get(ENDPOINT_VAR),
        env.get(ACCESS_KEY_VAR),
        env.get(SECRET_KEY_VAR),
        env.get(REGION_VAR));
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
        + ", "
        + ACCESS_KEY_VAR
        + " and "
        + SECRET_KEY_VAR
        + "; "
        + REGION_VAR
        + " is optional, default "
        + DEFAULT_REGION;
  }

  /** Never prints the secret key: settings end up in logs and exception messages. */
  @Override
  public String toString() {
    return "S3Settings[endpoint="
        + endpoint
        + ", accessKey="
        + accessKey
        + ", region="
        + region
        + "]";
  }
}

package dev.reprise.operator;

import java.util.Map;

/**
 * Who worker pods are to the cloud, when the store's credentials come from the pods' identity
 * rather than a keys Secret.
 *
 * @param serviceAccount the ServiceAccount worker pods run as, in each pipeline's namespace (IRSA
 *     and EKS Pod Identity attach the IAM role to it); null for the namespace's default
 * @param roleArn the IAM role pods assume with web identity: each worker container gets {@code
 *     AWS_ROLE_ARN} and {@code AWS_WEB_IDENTITY_TOKEN_FILE}, naming a projected ServiceAccount
 *     token bound to {@code audience}, and no API token; null for none
 * @param audience the audience of that token (AWS STS: {@value #STS_AUDIENCE})
 */
public record PodIdentity(String serviceAccount, String roleArn, String audience) {
  public static final String STS_AUDIENCE = "sts.amazonaws.com";

  /** The namespace's default ServiceAccount, no web identity. */
  public static final PodIdentity NONE = new PodIdentity(null, null, STS_AUDIENCE);

  public PodIdentity {
    serviceAccount = blankToNull(serviceAccount);
    roleArn = blankToNull(roleArn);
    audience = blankToNull(audience) == null ? STS_AUDIENCE : audience;
  }

  /**
   * From {@code REPRISE_WORKER_SERVICE_ACCOUNT}, {@code REPRISE_WEB_IDENTITY_ROLE_ARN} and {@code
   * REPRISE_WEB_IDENTITY_AUDIENCE}.
   */
  static PodIdentity fromEnvironment(Map<String, String> env) {
    return new PodIdentity(
        env.get("REPRISE_WORKER_SERVICE_ACCOUNT"),
        env.get("REPRISE_WEB_IDENTITY_ROLE_ARN"),
        env.get("REPRISE_WEB_IDENTITY_AUDIENCE"));
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}

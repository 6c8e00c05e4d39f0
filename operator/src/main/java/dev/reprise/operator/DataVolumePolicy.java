package dev.reprise.operator;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.pipeline.DataVolume;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Which data volumes pipelines may mount, as the chart allows them: a hostPath reaches the node's
 * file system, so nothing is allowed unless the operator's installer says so.
 *
 * @param allowedClaims claim names ({@code claim} in any namespace, or {@code namespace/claim})
 * @param allowedHostPaths clean absolute folders: a hostPath at or under one is allowed
 */
public record DataVolumePolicy(List<String> allowedClaims, List<String> allowedHostPaths) {
  public static final String CLAIMS_VAR = "REPRISE_ALLOWED_CLAIMS";
  public static final String HOST_PATHS_VAR = "REPRISE_ALLOWED_HOST_PATHS";

  /** No volume at all. */
  public static final DataVolumePolicy NONE = new DataVolumePolicy(List.of(), List.of());

  public DataVolumePolicy {
    allowedClaims = List.copyOf(allowedClaims);
    allowedHostPaths = allowedHostPaths.stream().map(DataVolumePolicy::clean).toList();
  }

  /** From {@value #CLAIMS_VAR} and {@value #HOST_PATHS_VAR}, comma-separated. */
  static DataVolumePolicy fromEnvironment(Map<String, String> env) {
    return new DataVolumePolicy(list(env.get(CLAIMS_VAR)), list(env.get(HOST_PATHS_VAR)));
  }

  /**
   * Why {@code volume} may not be mounted by a pipeline in {@code namespace}, naming the chart
   * value to set; null if it may.
   */
  String refusal(DataVolume volume, String namespace) {
    if (volume.claimName() != null) {
      String claim = volume.claimName();
      if (allowedClaims.contains(claim) || allowedClaims.contains(namespace + "/" + claim)) {
        return null;
      }
      return "persistentVolumeClaim "
          + claim
          + " is not allowed by the operator: add \""
          + claim
          + "\" (or \""
          + namespace
          + "/"
          + claim
          + "\") to the chart value data.allowedClaims (now: "
          + shown(allowedClaims)
          + ")";
    }
    // Compared as clean paths, component by component: no '..' and no /srv/data2 for /srv/data.
    Path host = Path.of(clean(volume.hostPath()));
    for (String prefix : allowedHostPaths) {
      if (host.startsWith(Path.of(prefix))) {
        return null;
      }
    }
    return "hostPath "
        + volume.hostPath()
        + " is not allowed by the operator: add it, or a folder above it, to the chart value"
        + " data.allowedHostPaths (now: "
        + shown(allowedHostPaths)
        + ")";
  }

  private static String shown(List<String> values) {
    return values.isEmpty() ? "none" : String.join(", ", values);
  }

  private static String clean(String path) {
    if (path == null || !path.startsWith("/")) {
      throw new InvalidInputException(
          "an allowed hostPath must be an absolute folder such as /srv/reprise-data, got '"
              + path
              + "' (chart value data.allowedHostPaths, variable "
              + HOST_PATHS_VAR
              + ")");
    }
    return Path.of(path).normalize().toString();
  }

  private static List<String> list(String text) {
    if (text == null || text.isBlank()) {
      return List.of();
    }
    return Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }
}

package dev.reprise.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A data volume the stages' pods mount read-only: a PersistentVolumeClaim or a folder on the node.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.persistentVolumeClaim) != has(self.hostPath)",
    message = "a volume has exactly one source: persistentVolumeClaim or hostPath")
public class DataVolumeSpec {
  @JsonPropertyDescription(
      "The volume's name, unique in the pipeline: at most 58 lower-case letters, digits and '-'.")
  @Required
  @Pattern(StageSpec.DNS_LABEL)
  @Size(min = 1, max = 58)
  private String name;

  @JsonPropertyDescription(
      "The absolute folder the volume is mounted at (read-only) in the stages' pods, e.g."
          + " /data/eeg. A path parameter at or under it names data on the volume; the operator has"
          + " its digest computed by a short Job that mounts the volume.")
  @Required
  @Pattern("^/.+")
  private String mountPath;

  @JsonPropertyDescription(
      "Mount a PersistentVolumeClaim of the pipeline's namespace; the operator's chart must allow"
          + " it (data.allowedClaims).")
  private ClaimSource persistentVolumeClaim;

  @JsonPropertyDescription(
      "Mount a folder of the node; the operator's chart must allow it (data.allowedHostPaths). On"
          + " a cluster of several nodes the folder must hold the same data on each.")
  private HostPathSource hostPath;

  /** {@code persistentVolumeClaim: {claimName}}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClaimSource {
    @JsonPropertyDescription("The PersistentVolumeClaim's name, in the pipeline's namespace.")
    @Required
    @Size(min = 1, max = 253)
    private String claimName;

    public String getClaimName() {
      return claimName;
    }

    public void setClaimName(String claimName) {
      this.claimName = claimName;
    }
  }

  /** {@code hostPath: {path}}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HostPathSource {
    @JsonPropertyDescription("The absolute folder on the node, e.g. /srv/reprise-data/eeg.")
    @Required
    @Pattern("^/.+")
    private String path;

    public String getPath() {
      return path;
    }

    public void setPath(String path) {
      this.path = path;
    }
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getMountPath() {
    return mountPath;
  }

  public void setMountPath(String mountPath) {
    this.mountPath = mountPath;
  }

  public ClaimSource getPersistentVolumeClaim() {
    return persistentVolumeClaim;
  }

  public void setPersistentVolumeClaim(ClaimSource persistentVolumeClaim) {
    this.persistentVolumeClaim = persistentVolumeClaim;
  }

  public HostPathSource getHostPath() {
    return hostPath;
  }

  public void setHostPath(HostPathSource hostPath) {
    this.hostPath = hostPath;
  }
}

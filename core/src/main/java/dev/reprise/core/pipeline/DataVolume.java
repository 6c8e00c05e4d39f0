package dev.reprise.core.pipeline;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A data volume a pipeline mounts read-only in its stages' pods on Kubernetes ({@code
 * spec.volumes}): a PersistentVolumeClaim or a folder on the node (hostPath). A {@code path}
 * parameter at or under {@code mountPath} names data on the volume; on Kubernetes its digest is
 * computed where the volume is, by a digest Job. Locally such a path is read as it is written.
 *
 * @param name the volume's name in the pod (a DNS label)
 * @param mountPath the absolute, clean folder the volume is mounted at
 * @param claimName the PersistentVolumeClaim, or null for a hostPath volume
 * @param hostPath the clean absolute folder on the node, or null for a claim
 */
public record DataVolume(String name, String mountPath, String claimName, String hostPath) {
  /**
   * What the volume is, independent of where a pod mounts it: {@code pvc:<namespace>/<claim>} or
   * {@code hostPath:<path>}. Digests of data on it are remembered under this identity.
   */
  public String identity(String namespace) {
    return claimName != null ? "pvc:" + namespace + "/" + claimName : "hostPath:" + hostPath;
  }

  /** The path of {@code location} inside the volume ("" for its root), if it is on the volume. */
  public Optional<String> relative(String location) {
    if (location == null || location.contains("://")) {
      return Optional.empty();
    }
    Path p = Path.of(location).normalize();
    Path mount = Path.of(mountPath);
    if (!p.isAbsolute() || !p.startsWith(mount)) {
      return Optional.empty();
    }
    return Optional.of(mount.relativize(p).toString());
  }

  /** "volume 'eeg' (hostPath /srv/eeg)" for messages. */
  public String describe() {
    return "volume '"
        + name
        + "' ("
        + (claimName != null ? "persistentVolumeClaim " + claimName : "hostPath " + hostPath)
        + ")";
  }
}

package dev.reprise.core.store;

import java.util.List;
import java.util.Map;

/**
 * The commit marker of a stage, slice or prepare phase, written last: a result exists only if its
 * manifest does. Records what was computed, from what, and the sha256 of every file.
 *
 * @param kind "stage", "prepare" or "slice"
 * @param slice the slice index for kind "slice", else null
 * @param inputs input name to the upstream result it read
 * @param outputs every committed file with its size and sha256
 * @param digest the {@link dev.reprise.core.key.OutputDigest} of {@code outputs}
 * @param seconds wall-clock seconds of the run that produced it
 * @param slicesRan for a stage: how many slices the committing run computed (others were reused)
 * @param ranOn host (and pod) it ran on
 */
public record Manifest(
    String key,
    String kind,
    Integer slice,
    String method,
    String code,
    Map<String, Object> params,
    Map<String, InputRef> inputs,
    List<FileEntry> outputs,
    String digest,
    String started,
    String ended,
    double seconds,
    Integer slices,
    Integer slicesRan,
    String ranOn) {

  /**
   * One committed file. {@code etag} is the remote store's version tag at commit time (null in a
   * folder store), so a planner can notice a replaced object without downloading it.
   */
  public record FileEntry(String name, long size, String sha256, String etag) {
    public FileEntry(String name, long size, String sha256) {
      this(name, size, sha256, null);
    }
  }

  /** The upstream result an input was bound to. */
  public record InputRef(String stage, String key, String digest) {}

  public Map<String, String> fileDigests() {
    Map<String, String> m = new java.util.TreeMap<>();
    outputs.forEach(f -> m.put(f.name(), f.sha256()));
    return m;
  }
}

package dev.reprise.core.gc;

import java.util.List;

/**
 * What one {@code reprise gc} pass keeps and deletes, decided from a {@link StoreInventory} by
 * {@link Retention#plan}.
 *
 * @param results one decision per key in the store
 * @param runs run records to delete (blob names)
 * @param files shipped files to delete (sha256)
 * @param used last-use records of keys that have no result left (older than the grace period)
 * @param claims claims of runs that died (blob names)
 * @param bytesBefore every blob in the store
 * @param maxBytes the size limit, or null
 */
public record GcPlan(
    List<Decision> results,
    List<RunToDelete> runs,
    List<String> files,
    long fileBytes,
    List<String> used,
    List<String> claims,
    long bytesBefore,
    Long maxBytes) {

  /**
   * One key's fate.
   *
   * @param reason why it is kept, or why it goes
   * @param lastUsed epoch millis of its last use (commit, reuse or run), 0 if unknown
   * @param pipeline the pipeline of the latest run record naming it, or null
   * @param stage that record's stage name, or null
   * @param committed whether the stage's manifest exists (else: slices of a run that never
   *     finished)
   */
  public record Decision(
      String key,
      boolean keep,
      String reason,
      long bytes,
      long lastUsed,
      String pipeline,
      String stage,
      boolean committed) {}

  /** A run record that goes, with its pipeline. */
  public record RunToDelete(String pipeline, String blob, String started, long bytes) {}

  public List<Decision> deleted() {
    return results.stream().filter(d -> !d.keep()).toList();
  }

  public List<Decision> kept() {
    return results.stream().filter(Decision::keep).toList();
  }

  public long bytesToFree() {
    return deleted().stream().mapToLong(Decision::bytes).sum()
        + runs.stream().mapToLong(RunToDelete::bytes).sum()
        + fileBytes;
  }

  /** Whether the store fits {@code maxBytes} after this pass (true without a limit). */
  public boolean fits() {
    return maxBytes == null || bytesBefore - bytesToFree() <= maxBytes;
  }
}

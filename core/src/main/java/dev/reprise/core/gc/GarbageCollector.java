package dev.reprise.core.gc;

import dev.reprise.core.store.BlobInfo;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.JsonCodec;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.RunClaim;
import dev.reprise.core.store.RunRecord;
import dev.reprise.core.store.Task;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Carries out a {@link GcPlan} without taking anything a run needs. Keys go in batches; for each
 * batch: take each key's lock (a key being computed is skipped), delete the stage manifests, then
 * read the claims, pins and new run records again. A key that turned out needed gets its manifest
 * back untouched; the others lose their slice and prepare manifests, then their files. A run claims
 * a key before it reads the manifest, so either it saw no manifest (and waits for the lock, then
 * finds the restored manifest or computes the result anew) or gc saw its claim.
 */
public final class GarbageCollector {
  /** Keys handled per batch: each batch lists claims, pins and run records once more. */
  public static final int BATCH = 100;

  /** What a pass did. */
  public record Outcome(
      List<GcPlan.Decision> deleted,
      List<String> skippedLocked,
      List<String> withdrawn,
      long bytesFreed,
      int runsDeleted,
      int filesDeleted) {}

  private final BlobStore blobs;
  private final Progress progress;

  public GarbageCollector(BlobStore blobs, Progress progress) {
    this.blobs = blobs;
    this.progress = progress;
  }

  /** Reads the store and plans a pass; changes nothing. */
  public GcPlan plan(RetentionPolicy policy, Instant now) {
    return plan(StoreInventory.scan(blobs, progress), policy, now);
  }

  public GcPlan plan(StoreInventory inventory, RetentionPolicy policy, Instant now) {
    return Retention.plan(inventory, policy, now, this::taskComponents);
  }

  private Optional<Map<String, Object>> taskComponents(String key) {
    return blobs
        .read(Location.stageDir(key) + "task.json")
        .map(b -> JsonCodec.read(b, Task.class, "task.json of " + key).components());
  }

  /** Deletes what the plan says may go, safely against runs in progress. */
  public Outcome collect(StoreInventory inventory, GcPlan plan) {
    Set<String> knownRuns = new HashSet<>();
    inventory.runs().values().forEach(l -> l.forEach(r -> knownRuns.add(r.blob())));
    List<GcPlan.Decision> doomed = plan.deleted();
    List<GcPlan.Decision> deleted = new ArrayList<>();
    List<String> locked = new ArrayList<>();
    List<String> withdrawn = new ArrayList<>();
    long freed = 0;
    progress.start("deleting results", doomed.size());
    for (int from = 0; from < doomed.size(); from += BATCH) {
      List<GcPlan.Decision> batch = doomed.subList(from, Math.min(doomed.size(), from + BATCH));
      Map<String, BlobStore.Lock> locks = new LinkedHashMap<>();
      Map<String, byte[]> manifests = new LinkedHashMap<>();
      try {
        for (GcPlan.Decision d : batch) {
          Optional<BlobStore.Lock> lock = blobs.tryLock("locks/" + d.key());
          if (lock.isEmpty()) {
            locked.add(d.key());
            continue;
          }
          locks.put(d.key(), lock.get());
          String manifest = Location.stage(d.key()).manifestName();
          Optional<byte[]> bytes = blobs.read(manifest);
          if (bytes.isPresent()) {
            manifests.put(d.key(), bytes.get());
            blobs.delete(manifest);
          }
        }
        Set<String> needed = neededNow(knownRuns);
        for (GcPlan.Decision d : batch) {
          if (!locks.containsKey(d.key())) {
            continue;
          }
          if (needed.contains(d.key())) {
            byte[] m = manifests.get(d.key());
            if (m != null) {
              blobs.write(Location.stage(d.key()).manifestName(), m);
            }
            withdrawn.add(d.key());
            continue;
          }
          deleteRest(inventory.results().get(d.key()));
          blobs.delete(RunClaim.usedName(d.key()));
          deleted.add(d);
          freed += d.bytes();
        }
      } finally {
        locks.values().forEach(BlobStore.Lock::close);
      }
      progress.step(Math.min(doomed.size(), from + BATCH));
    }
    progress.end();
    for (GcPlan.RunToDelete r : plan.runs()) {
      blobs.delete(r.blob());
      freed += r.bytes();
    }
    int files = 0;
    if (!plan.files().isEmpty() && !anyLiveClaim()) {
      // A run that started since the plan may have shipped one of these files again.
      for (String sha : plan.files()) {
        blobs.delete("files/" + sha);
        files++;
      }
      freed += plan.fileBytes();
    }
    for (String k : plan.used()) {
      blobs.delete(RunClaim.usedName(k));
    }
    for (String c : plan.claims()) {
      blobs.delete(c);
    }
    return new Outcome(deleted, locked, withdrawn, freed, plan.runs().size(), files);
  }

  /**
   * The stage manifest is gone: unit manifests next, so no slice reads as committed, then files.
   */
  private void deleteRest(StoreInventory.Result result) {
    String stageManifest = Location.stage(result.key()).manifestName();
    List<String> rest = new ArrayList<>();
    for (BlobInfo b : result.blobs()) {
      if (b.name().equals(stageManifest)) {
        continue;
      }
      if (b.name().endsWith("/manifest.json")) {
        blobs.delete(b.name());
      } else {
        rest.add(b.name());
      }
    }
    rest.forEach(blobs::delete);
  }

  /** Keys that live claims, pins and run records written since the scan name, read now. */
  private Set<String> neededNow(Set<String> knownRuns) {
    Set<String> keys = new HashSet<>();
    long now = System.currentTimeMillis();
    StoreInventory.readClaims(blobs, blobs.list(RunClaim.CLAIMS))
        .values()
        .forEach(
            c -> {
              if (c.live(now)) {
                keys.addAll(c.keys());
              }
            });
    StoreInventory.readPins(blobs, blobs.list(StoreInventory.PINS))
        .forEach(p -> keys.addAll(p.keys()));
    for (BlobInfo b : blobs.list("runs/")) {
      if (b.name().endsWith(".json") && !knownRuns.contains(b.name())) {
        blobs
            .read(b.name())
            .ifPresent(
                d ->
                    JsonCodec.read(d, RunRecord.class, b.name())
                        .stages()
                        .forEach(s -> keys.add(s.key())));
      }
    }
    return keys;
  }

  private boolean anyLiveClaim() {
    long now = System.currentTimeMillis();
    return StoreInventory.readClaims(blobs, blobs.list(RunClaim.CLAIMS)).values().stream()
        .anyMatch(c -> c.live(now));
  }
}

package dev.reprise.core.gc;

import dev.reprise.core.RepriseException;
import dev.reprise.core.store.BlobInfo;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.JsonCodec;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.RunClaim;
import dev.reprise.core.store.RunRecord;
import dev.reprise.core.store.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Carries out a {@link GcPlan} without taking anything a run needs. Keys go in batches; for each
 * batch gc announces the keys ({@link RunClaim#COLLECTING}), then reads the claims, pins and run
 * records written since the scan, and keeps every key they name. The others are deleted under their
 * lock (a key being computed is skipped): stage manifest first, then the slices' and prepare
 * phase's manifests, then the files, so a half-deleted result reads as absent. A run claims a key
 * before it reads the announcement, so either gc saw the claim or the run waits for gc.
 */
public final class GarbageCollector {
  /** Keys handled per batch: each batch lists claims, pins and run records once more. */
  public static final int BATCH = 100;

  /** Held while one gc collects a store. */
  static final String GC_LOCK = "locks/gc";

  /** How long an announcement of a batch counts if gc dies before it is done with it. */
  static final Duration COLLECTING_TTL = Duration.ofMinutes(5);

  private static final String OWNER =
      System.getenv("HOSTNAME") + "/" + ProcessHandle.current().pid();

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

  /**
   * Deletes what the plan says may go, safely against runs in progress. One gc at a time per store
   * ({@code locks/gc}); another one fails with a message.
   */
  public Outcome collect(StoreInventory inventory, GcPlan plan) {
    BlobStore.Lock gcLock =
        blobs
            .tryLock(GC_LOCK)
            .orElseThrow(
                () ->
                    new RepriseException(
                        "another reprise gc is collecting " + blobs.uri() + "; try again later"));
    try {
      return collectLocked(inventory, plan);
    } finally {
      try {
        blobs.delete(RunClaim.COLLECTING);
      } finally {
        gcLock.close();
      }
    }
  }

  private Outcome collectLocked(StoreInventory inventory, GcPlan plan) {
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
      // Announce, then read what runs claim: a run that claims a key later sees the announcement.
      blobs.write(
          RunClaim.COLLECTING,
          JsonCodec.write(
              new RunClaim.Collecting(
                  OWNER,
                  System.currentTimeMillis() + COLLECTING_TTL.toMillis(),
                  batch.stream().map(GcPlan.Decision::key).toList())));
      Set<String> needed = neededNow(knownRuns);
      for (GcPlan.Decision d : batch) {
        if (needed.contains(d.key())) {
          withdrawn.add(d.key());
          continue;
        }
        Optional<BlobStore.Lock> lock = blobs.tryLock("locks/" + d.key());
        if (lock.isEmpty()) {
          locked.add(d.key());
          continue;
        }
        try {
          blobs.delete(Location.stage(d.key()).manifestName());
          deleteRest(inventory.results().get(d.key()));
          if (inventory.used().containsKey(d.key())) {
            blobs.delete(RunClaim.usedName(d.key()));
          }
        } finally {
          lock.get().close();
        }
        deleted.add(d);
        freed += d.bytes();
      }
      progress.step(Math.min(doomed.size(), from + BATCH));
    }
    progress.end();
    blobs.delete(RunClaim.COLLECTING);
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

package dev.reprise.core.gc;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.store.BlobInfo;
import dev.reprise.core.store.RunClaim;
import dev.reprise.core.store.RunRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides what gc keeps: a pure function of the store's inventory, the policy and the time. A key
 * is kept when a kept run record names it (every stage key of the run: a rerun needs each to be
 * reused), a pin or a run in progress claims it, it was used within {@code keepDays}, or any of its
 * blobs is younger than the grace period. Keys a run record names stay whole: slices and the
 * prepare phase with the stage.
 */
public final class Retention {
  private static final long DAY = 86_400_000L;

  private Retention() {}

  /** Why a key is kept, strongest first; only the last two give way to {@code --max-size}. */
  private enum Hold {
    CLAIMED,
    PINNED,
    GRACE,
    LAST_RUNS,
    RECENT_RUN,
    RECENT_USE;

    boolean evictable() {
      return this == RECENT_RUN || this == RECENT_USE;
    }
  }

  private record Held(Hold hold, String reason) {}

  /**
   * @param taskComponents the key components of a key no run record describes (from its task.json),
   *     asked only when the store holds shipped files; empty if unknown
   */
  public static GcPlan plan(
      StoreInventory inv,
      RetentionPolicy policy,
      Instant now,
      Function<String, Optional<Map<String, Object>>> taskComponents) {
    long nowMs = now.toEpochMilli();
    long recent = nowMs - policy.keepDays() * DAY;
    long graceEnd = nowMs - policy.grace().toMillis();
    for (String p : policy.keepPipelines()) {
      if (!inv.runs().containsKey(p)) {
        throw new InvalidInputException(
            "--keep-pipeline: no pipeline '"
                + p
                + "' has runs in this store"
                + (inv.runs().isEmpty()
                    ? ""
                    : " (it has runs of: " + String.join(", ", inv.runs().keySet()) + ")"));
      }
    }

    Map<String, Held> held = new HashMap<>();
    Map<String, Long> lastUsed = new HashMap<>();
    Map<String, String[]> label = new HashMap<>();
    Map<String, Map<String, Object>> components = new HashMap<>();
    List<GcPlan.RunToDelete> runsToDelete = new ArrayList<>();

    for (Map.Entry<String, List<StoreInventory.Run>> e : inv.runs().entrySet()) {
      String pipeline = e.getKey();
      List<StoreInventory.Run> runs = e.getValue();
      boolean pinned = policy.keepPipelines().contains(pipeline);
      for (int i = 0; i < runs.size(); i++) {
        StoreInventory.Run run = runs.get(i);
        long started = millis(run.record().started());
        boolean last = i >= runs.size() - policy.keepLast();
        boolean recentRun = started >= recent;
        Held why =
            pinned
                ? new Held(Hold.PINNED, "pinned pipeline " + pipeline)
                : last
                    ? new Held(Hold.LAST_RUNS, "last " + policy.keepLast() + " runs of " + pipeline)
                    : recentRun
                        ? new Held(
                            Hold.RECENT_RUN,
                            "a run of " + pipeline + " in the last " + policy.keepDays() + " days")
                        : null;
        if (why == null) {
          runsToDelete.add(
              new GcPlan.RunToDelete(
                  pipeline, run.blob(), run.record().started(), run.info().size()));
        }
        for (RunRecord.StageRun s : run.record().stages()) {
          if (s.key() == null) {
            continue;
          }
          lastUsed.merge(s.key(), started, Math::max);
          label.put(s.key(), new String[] {pipeline, s.name()}); // runs are oldest first
          if (s.components() != null) {
            components.put(s.key(), s.components());
          }
          if (why != null) {
            hold(held, s.key(), why);
          }
        }
      }
    }
    for (StoreInventory.Pin pin : inv.pins()) {
      pin.keys().forEach(k -> hold(held, k, new Held(Hold.PINNED, "pinned by " + pin.name())));
    }
    boolean runInProgress = false;
    for (RunClaim.Record c : inv.claims().values()) {
      if (c.live(nowMs)) {
        runInProgress = true;
        c.keys()
            .forEach(
                k -> hold(held, k, new Held(Hold.CLAIMED, "in use by a run of " + c.pipeline())));
      }
    }
    for (Map.Entry<String, BlobInfo> u : inv.used().entrySet()) {
      lastUsed.merge(u.getKey(), u.getValue().modified(), Math::max);
    }

    List<GcPlan.Decision> decisions = new ArrayList<>();
    Map<String, Held> finalHold = new LinkedHashMap<>();
    for (StoreInventory.Result r : inv.results().values()) {
      long used = Math.max(lastUsed.getOrDefault(r.key(), 0L), r.committedAt());
      lastUsed.put(r.key(), used);
      Held h = held.get(r.key());
      if (r.newest() > graceEnd) {
        h =
            stronger(
                h, new Held(Hold.GRACE, "younger than the grace period (" + policy.grace() + ")"));
      }
      if (used >= recent && r.committed()) {
        h =
            stronger(
                h, new Held(Hold.RECENT_USE, "used in the last " + policy.keepDays() + " days"));
      }
      finalHold.put(r.key(), h);
    }

    // --max-size: results kept only by age go too, least recently used first, until it fits.
    Map<String, String> evicted = new HashMap<>();
    if (policy.maxBytes() != null) {
      long remaining = inv.totalBytes();
      for (StoreInventory.Result r : inv.results().values()) {
        if (finalHold.get(r.key()) == null) {
          remaining -= r.bytes();
        }
      }
      for (GcPlan.RunToDelete run : runsToDelete) {
        remaining -= run.bytes();
      }
      List<StoreInventory.Result> candidates =
          inv.results().values().stream()
              .filter(
                  r -> finalHold.get(r.key()) != null && finalHold.get(r.key()).hold().evictable())
              .sorted(Comparator.comparingLong(r -> lastUsed.get(r.key())))
              .toList();
      for (StoreInventory.Result r : candidates) {
        if (remaining <= policy.maxBytes()) {
          break;
        }
        evicted.put(r.key(), "least recently used while the store is over --max-size");
        remaining -= r.bytes();
      }
    }

    Set<String> keptKeys = new HashSet<>();
    for (StoreInventory.Result r : inv.results().values()) {
      Held h = finalHold.get(r.key());
      boolean keep = h != null && !evicted.containsKey(r.key());
      String reason =
          keep
              ? h.reason()
              : evicted.getOrDefault(
                  r.key(),
                  r.committed()
                      ? "no kept run, pin or recent use needs it"
                      : "slices of a run that never committed it");
      if (keep) {
        keptKeys.add(r.key());
      }
      String[] l = label.get(r.key());
      decisions.add(
          new GcPlan.Decision(
              r.key(),
              keep,
              reason,
              r.bytes(),
              lastUsed.get(r.key()),
              l == null ? null : l[0],
              l == null ? null : l[1],
              r.committed()));
    }

    // Shipped files: those a kept key's command names stay; while a run is in progress all stay
    // (it ships files before it writes the task that names them).
    List<String> files = new ArrayList<>();
    long fileBytes = 0;
    if (!inv.files().isEmpty() && !runInProgress) {
      Set<String> needed = new HashSet<>();
      for (String k : keptKeys) {
        Map<String, Object> c = components.get(k);
        if (c == null && inv.results().get(k).hasTask()) {
          c = taskComponents.apply(k).orElse(null);
        }
        needed.addAll(shippedFiles(c));
      }
      // Pinned or claimed keys with no result yet may be about to run: their tasks may name files.
      for (Map.Entry<String, Held> h : held.entrySet()) {
        if (!inv.results().containsKey(h.getKey())) {
          needed.addAll(shippedFiles(components.get(h.getKey())));
        }
      }
      for (Map.Entry<String, BlobInfo> f : inv.files().entrySet()) {
        if (!needed.contains(f.getKey()) && f.getValue().modified() <= graceEnd) {
          files.add(f.getKey());
          fileBytes += f.getValue().size();
        }
      }
    }

    List<String> used = new ArrayList<>();
    for (Map.Entry<String, BlobInfo> u : inv.used().entrySet()) {
      // Those of results that go are deleted with them (GarbageCollector), not here.
      boolean stale =
          !inv.results().containsKey(u.getKey())
              && !held.containsKey(u.getKey())
              && u.getValue().modified() <= graceEnd;
      if (stale) {
        used.add(u.getKey());
      }
    }
    List<String> deadClaims =
        inv.claims().entrySet().stream()
            .filter(c -> !c.getValue().live(nowMs))
            .map(Map.Entry::getKey)
            .toList();
    return new GcPlan(
        decisions,
        runsToDelete,
        files,
        fileBytes,
        used,
        deadClaims,
        inv.totalBytes(),
        policy.maxBytes());
  }

  /** The sha256 of every file a command stage's key components name. */
  @SuppressWarnings("unchecked")
  static Set<String> shippedFiles(Map<String, Object> components) {
    Set<String> out = new HashSet<>();
    if (components != null && components.get("files") instanceof Map<?, ?> files) {
      for (Object sha : ((Map<String, Object>) files).values()) {
        if (sha instanceof String s) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private static void hold(Map<String, Held> held, String key, Held why) {
    held.merge(key, why, Retention::stronger);
  }

  private static Held stronger(Held a, Held b) {
    if (a == null) {
      return b;
    }
    return b.hold().ordinal() < a.hold().ordinal() ? b : a;
  }

  private static long millis(String instant) {
    try {
      return Instant.parse(instant).toEpochMilli();
    } catch (RuntimeException e) {
      return 0; // an unreadable time counts as old; the record is still kept by last-N
    }
  }
}

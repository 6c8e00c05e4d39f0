package dev.reprise.core.gc;

import dev.reprise.core.StoreException;
import dev.reprise.core.store.BlobInfo;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.JsonCodec;
import dev.reprise.core.store.RunClaim;
import dev.reprise.core.store.RunRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a store holds, from one listing plus its small records: every key's blobs with sizes and
 * times, the run records, last-use records, claims of runs in progress, pins and shipped files. The
 * input of {@link Retention} and of {@code reprise store du/ls}.
 */
public final class StoreInventory {
  /** Where pins live: {@code pins/<name>.json} holding {@code {"keys": [...]}}. */
  public static final String PINS = "pins/";

  /** The blobs under {@code stages/<key>/}. */
  public record Result(String key, List<BlobInfo> blobs) {
    public long bytes() {
      return blobs.stream().mapToLong(BlobInfo::size).sum();
    }

    /** Whether the stage's own manifest exists: a committed result, not only slices. */
    public boolean committed() {
      String manifest = "stages/" + key + "/manifest.json";
      return blobs.stream().anyMatch(b -> b.name().equals(manifest));
    }

    /** When the stage's manifest was written (committed), else 0. */
    public long committedAt() {
      String manifest = "stages/" + key + "/manifest.json";
      return blobs.stream()
          .filter(b -> b.name().equals(manifest))
          .mapToLong(BlobInfo::modified)
          .findFirst()
          .orElse(0);
    }

    /** The newest write of any of its blobs. */
    public long newest() {
      return blobs.stream().mapToLong(BlobInfo::modified).max().orElse(0);
    }

    public boolean hasTask() {
      String task = "stages/" + key + "/task.json";
      return blobs.stream().anyMatch(b -> b.name().equals(task));
    }
  }

  /** One run record, with the blob it came from. */
  public record Run(String blob, BlobInfo info, RunRecord record) {}

  /** A pin: keys that {@code name} (a file under pins/) asks to keep. */
  public record Pin(String name, List<String> keys) {}

  private final Map<String, Result> results;
  private final Map<String, List<Run>> runs;
  private final Map<String, BlobInfo> used;
  private final Map<String, BlobInfo> files;
  private final Map<String, RunClaim.Record> claims;
  private final List<BlobInfo> claimBlobs;
  private final List<Pin> pins;
  private final List<BlobInfo> other;

  StoreInventory(
      Map<String, Result> results,
      Map<String, List<Run>> runs,
      Map<String, BlobInfo> used,
      Map<String, BlobInfo> files,
      Map<String, RunClaim.Record> claims,
      List<BlobInfo> claimBlobs,
      List<Pin> pins,
      List<BlobInfo> other) {
    this.results = results;
    this.runs = runs;
    this.used = used;
    this.files = files;
    this.claims = claims;
    this.claimBlobs = claimBlobs;
    this.pins = pins;
    this.other = other;
  }

  /** Lists the whole store once and reads its run records, claims and pins. */
  public static StoreInventory scan(BlobStore blobs, Progress progress) {
    progress.start("listing " + blobs.uri(), 0);
    List<BlobInfo> all = blobs.list("");
    progress.end();
    Map<String, List<BlobInfo>> byKey = new TreeMap<>();
    List<BlobInfo> runBlobs = new ArrayList<>();
    List<BlobInfo> claimBlobs = new ArrayList<>();
    List<BlobInfo> pinBlobs = new ArrayList<>();
    Map<String, BlobInfo> used = new TreeMap<>();
    Map<String, BlobInfo> files = new TreeMap<>();
    List<BlobInfo> other = new ArrayList<>();
    for (BlobInfo b : all) {
      String n = b.name();
      if (n.startsWith("stages/")) {
        int slash = n.indexOf('/', "stages/".length());
        if (slash > 0) {
          byKey
              .computeIfAbsent(n.substring("stages/".length(), slash), k -> new ArrayList<>())
              .add(b);
          continue;
        }
      } else if (n.startsWith("runs/") && n.endsWith(".json")) {
        runBlobs.add(b);
        continue;
      } else if (n.startsWith(RunClaim.CLAIMS) && n.endsWith(".json")) {
        claimBlobs.add(b);
        continue;
      } else if (n.startsWith(PINS) && n.endsWith(".json")) {
        pinBlobs.add(b);
        continue;
      } else if (n.startsWith(RunClaim.USED)) {
        used.put(n.substring(RunClaim.USED.length()), b);
        continue;
      } else if (n.startsWith("files/")) {
        files.put(n.substring("files/".length()), b);
        continue;
      }
      other.add(b);
    }
    Map<String, Result> results = new LinkedHashMap<>();
    byKey.forEach((k, v) -> results.put(k, new Result(k, List.copyOf(v))));
    Map<String, List<Run>> runs = readRuns(blobs, runBlobs, progress);
    Map<String, RunClaim.Record> claims = readClaims(blobs, claimBlobs);
    return new StoreInventory(
        results, runs, used, files, claims, claimBlobs, readPins(blobs, pinBlobs), other);
  }

  /** Readers of run records at once: on S3 each is one GET, so they are read side by side. */
  private static final int READERS = 8;

  static Map<String, List<Run>> readRuns(
      BlobStore blobs, List<BlobInfo> runBlobs, Progress progress) {
    progress.start("reading run records", runBlobs.size());
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(
            Math.max(1, Math.min(READERS, runBlobs.size())));
    List<java.util.concurrent.Future<Optional<Run>>> reads = new ArrayList<>();
    try {
      for (BlobInfo b : runBlobs) {
        reads.add(
            pool.submit(
                () ->
                    blobs
                        .read(b.name())
                        .map(
                            d ->
                                new Run(
                                    b.name(), b, JsonCodec.read(d, RunRecord.class, b.name())))));
      }
      Map<String, List<Run>> runs = new TreeMap<>();
      int done = 0;
      for (int i = 0; i < reads.size(); i++) {
        String rest = runBlobs.get(i).name().substring("runs/".length());
        int slash = rest.lastIndexOf('/');
        Optional<Run> run = join(reads.get(i));
        if (slash > 0 && run.isPresent()) {
          runs.computeIfAbsent(rest.substring(0, slash), p -> new ArrayList<>()).add(run.get());
        }
        progress.step(++done);
      }
      progress.end();
      runs.values()
          .forEach(l -> l.sort((a, c) -> a.record().started().compareTo(c.record().started())));
      return runs;
    } finally {
      pool.shutdownNow();
    }
  }

  private static <T> T join(java.util.concurrent.Future<T> f) {
    try {
      return f.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new StoreException("cannot read a run record: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while reading run records", e);
    }
  }

  /** Claim blob name to its record; a claim deleted since the listing belongs to a finished run. */
  static Map<String, RunClaim.Record> readClaims(BlobStore blobs, List<BlobInfo> claimBlobs) {
    Map<String, RunClaim.Record> claims = new TreeMap<>();
    for (BlobInfo b : claimBlobs) {
      blobs
          .read(b.name())
          .ifPresent(
              d ->
                  claims.put(
                      b.name(), JsonCodec.read(d, RunClaim.Record.class, "claim " + b.name())));
    }
    return claims;
  }

  /** The pins; an unreadable pin stops gc, since what it protects is unknown. */
  static List<Pin> readPins(BlobStore blobs, List<BlobInfo> pinBlobs) {
    List<Pin> pins = new ArrayList<>();
    for (BlobInfo b : pinBlobs) {
      byte[] data = blobs.read(b.name()).orElse(null);
      if (data == null) {
        continue;
      }
      PinFile p = JsonCodec.read(data, PinFile.class, "pin " + b.name());
      if (p.keys() == null) {
        throw new StoreException("unreadable pin " + b.name() + ": it has no \"keys\" list");
      }
      pins.add(new Pin(b.name(), List.copyOf(p.keys())));
    }
    return pins;
  }

  /** The JSON of a pin file. */
  public record PinFile(String writer, String written, List<String> keys) {}

  public Map<String, Result> results() {
    return Collections.unmodifiableMap(results);
  }

  /** Pipeline name to its run records, oldest first. */
  public Map<String, List<Run>> runs() {
    return Collections.unmodifiableMap(runs);
  }

  /** Key to its last-use record. */
  public Map<String, BlobInfo> used() {
    return Collections.unmodifiableMap(used);
  }

  /** Shipped files by sha256. */
  public Map<String, BlobInfo> files() {
    return Collections.unmodifiableMap(files);
  }

  /** Claim blob name to its record. */
  public Map<String, RunClaim.Record> claims() {
    return claims;
  }

  public List<BlobInfo> claimBlobs() {
    return claimBlobs;
  }

  public List<Pin> pins() {
    return pins;
  }

  /** Everything else: locks, and anything Reprise did not write. */
  public List<BlobInfo> other() {
    return other;
  }

  /** The keys of run records, claims and pins, as a set. */
  public Set<String> keysInRuns() {
    Set<String> keys = new HashSet<>();
    runs.values().forEach(l -> l.forEach(r -> r.record().stages().forEach(s -> keys.add(s.key()))));
    keys.remove(null);
    return keys;
  }

  /** Bytes of every blob in the store. */
  public long totalBytes() {
    long total = 0;
    for (Result r : results.values()) {
      total += r.bytes();
    }
    for (List<Run> l : runs.values()) {
      for (Run r : l) {
        total += r.info().size();
      }
    }
    for (BlobInfo b : used.values()) {
      total += b.size();
    }
    for (BlobInfo b : files.values()) {
      total += b.size();
    }
    for (BlobInfo b : claimBlobs) {
      total += b.size();
    }
    for (BlobInfo b : other) {
      total += b.size();
    }
    return total;
  }
}

package dev.reprise.bench;

import dev.reprise.core.gc.GarbageCollector;
import dev.reprise.core.gc.GcPlan;
import dev.reprise.core.gc.Progress;
import dev.reprise.core.gc.RetentionPolicy;
import dev.reprise.core.gc.StoreInventory;
import dev.reprise.core.store.BlobInfo;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.FolderBlobStore;
import dev.reprise.core.store.JsonCodec;
import dev.reprise.core.store.Manifest;
import dev.reprise.core.store.RunRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code reprise gc} over a store of N keys (folder, and S3 on loopback): 100 pipelines with 10
 * runs of N/1000 stages each, so every key is named by one run record; gc keeps the last 3 runs of
 * each pipeline and deletes the rest. Prints seconds and store requests of a dry run, of the
 * deleting pass, and of a pass with nothing to delete. Args: keys, work folder.
 */
public final class GcBench {
  private GcBench() {}

  public static void main(String[] args) throws Exception {
    int keys = Integer.parseInt(args[0]);
    Path work = Path.of(args[1]);
    System.out.println("| store | keys | pass | seconds | store requests | deleted |");
    System.out.println("|---|---|---|---|---|---|");
    measure("folder", new FolderBlobStore(work.resolve("gc-folder")), keys);
    try (S3Bench.Server s3 = S3Bench.start(work)) {
      measure("S3 (loopback)", s3.store(), keys);
    }
  }

  private static void measure(String kind, BlobStore store, int keys) throws Exception {
    populate(store, keys);
    CountingBlobStore counted = new CountingBlobStore(store);
    RetentionPolicy policy = new RetentionPolicy(3, 0, Set.of(), null, Duration.ZERO);
    GarbageCollector gc = new GarbageCollector(counted, Progress.NONE);
    for (String pass :
        List.of("dry run (scan + plan)", "--yes (deletes)", "--yes again (nothing to do)")) {
      counted.requests.set(0);
      long t0 = System.nanoTime();
      StoreInventory inv = StoreInventory.scan(counted, Progress.NONE);
      GcPlan plan = gc.plan(inv, policy, Instant.now());
      int deleted = 0;
      if (!pass.startsWith("dry")) {
        deleted = gc.collect(inv, plan).deleted().size();
      }
      double s = BenchSupport.seconds(System.nanoTime() - t0);
      System.out.printf(
          "| %s | %d | %s | %.2f | %d | %d |%n",
          kind, keys, pass, s, counted.requests.get(), deleted);
    }
  }

  /** N committed results named by run records: 100 pipelines x 10 runs x N/1000 stages. */
  private static void populate(BlobStore store, int keys) throws Exception {
    int perRun = keys / 1000;
    byte[] output = new byte[1024];
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> writes = new ArrayList<>();
    Instant now = Instant.now();
    for (int p = 0; p < 100; p++) {
      for (int r = 0; r < 10; r++) {
        List<RunRecord.StageRun> stages = new ArrayList<>();
        for (int s = 0; s < perRun; s++) {
          String key = String.format("%064x", ((long) p * 10 + r) * perRun + s);
          stages.add(new RunRecord.StageRun("s" + s, "m", key, "ran", 1, 1, 1, 0, null, null));
          writes.add(
              pool.submit(
                  () -> {
                    String dir = "stages/" + key + "/";
                    store.write(dir + "outputs/data.bin", output);
                    store.write(dir + "task.json", ("{\"key\":\"" + key + "\"}").getBytes());
                    Manifest m =
                        new Manifest(
                            key,
                            "stage",
                            null,
                            "m",
                            "c",
                            Map.of(),
                            Map.of(),
                            List.of(new Manifest.FileEntry("data.bin", 1024, "0".repeat(64))),
                            "d",
                            now.toString(),
                            now.toString(),
                            1,
                            1,
                            1,
                            "bench");
                    store.write(dir + "manifest.json", JsonCodec.write(m));
                  }));
        }
        RunRecord run =
            new RunRecord(
                "p" + p,
                null,
                store.uri(),
                now.minusSeconds(3600L * (10 - r)).toString(),
                1,
                1,
                stages);
        String name = String.format("runs/p%d/%02d.json", p, r);
        writes.add(pool.submit(() -> store.write(name, JsonCodec.write(run))));
      }
    }
    for (Future<?> f : writes) {
      f.get();
    }
    pool.shutdown();
  }

  /**
   * Counts what each store call costs on S3: one request per read, write, stat, delete and copy,
   * one per 1000 names listed, a PUT to take a lock and a DELETE to release it.
   */
  static final class CountingBlobStore implements BlobStore {
    final AtomicLong requests = new AtomicLong();
    private final BlobStore inner;

    CountingBlobStore(BlobStore inner) {
      this.inner = inner;
    }

    @Override
    public String uri() {
      return inner.uri();
    }

    @Override
    public Optional<byte[]> read(String name) {
      requests.incrementAndGet();
      return inner.read(name);
    }

    @Override
    public void write(String name, byte[] data) {
      requests.incrementAndGet();
      inner.write(name, data);
    }

    @Override
    public void upload(String name, Path source) {
      requests.incrementAndGet();
      inner.upload(name, source);
    }

    @Override
    public void download(String name, Path target) {
      requests.incrementAndGet();
      inner.download(name, target);
    }

    @Override
    public Optional<BlobInfo> stat(String name) {
      requests.incrementAndGet();
      return inner.stat(name);
    }

    @Override
    public List<BlobInfo> list(String prefix) {
      List<BlobInfo> out = inner.list(prefix);
      requests.addAndGet(Math.max(1, (out.size() + 999) / 1000));
      return out;
    }

    @Override
    public boolean createIfAbsent(String name, byte[] data) {
      requests.incrementAndGet();
      return inner.createIfAbsent(name, data);
    }

    @Override
    public void copy(String from, String to) {
      requests.incrementAndGet();
      inner.copy(from, to);
    }

    @Override
    public void delete(String name) {
      requests.incrementAndGet();
      inner.delete(name);
    }

    @Override
    public Optional<Lock> tryLock(String name) {
      requests.incrementAndGet();
      Optional<Lock> lock = inner.tryLock(name);
      return lock.map(
          l ->
              () -> {
                requests.incrementAndGet();
                l.close();
              });
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}

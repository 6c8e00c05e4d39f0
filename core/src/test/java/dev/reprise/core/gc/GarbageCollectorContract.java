package dev.reprise.core.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.exec.RunSummary;
import dev.reprise.core.exec.StageOutcome;
import dev.reprise.core.exec.TestingEngine;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.BlobInfo;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.JsonCodec;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code reprise gc} keeps and deletes, on both kinds of store. */
abstract class GarbageCollectorContract {
  @TempDir Path tmp;

  /** A fresh, empty store for one test. */
  abstract BlobStore newStore();

  static final Duration NO_GRACE = Duration.ZERO;

  static String pipeline(String name, int start) {
    return """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: %s}
        spec:
          stages:
            - name: source
              method: test.source
              params: {start: %d, count: 20}
            - name: scale
              method: test.scale
              inputs: {in: source}
              params: {factor: 2}
              slices: 2
            - name: sum
              method: test.sum
              inputs: {in: scale}
        """
        .formatted(name, start);
  }

  /** 2 * (start + ... + start + 19). */
  static long expectedSum(int start) {
    return 2L * (20L * start + 190);
  }

  static Set<String> keys(RunSummary s) {
    return s.stages().stream().map(StageOutcome::key).collect(Collectors.toSet());
  }

  static Map<String, String> states(RunSummary s) {
    return TestingEngine.states(s);
  }

  /**
   * Reads the sum the run's last stage committed, through the store's verified reads, at once: gc
   * announces a batch before it reads the claims and deletes only what nobody named, so a result a
   * run just reused or computed never reads as absent, not even for a moment.
   */
  static long committedSum(ArtifactStore store, RunSummary s) throws Exception {
    StageOutcome sum = TestingEngine.stage(s, "sum");
    Manifest m =
        store
            .manifest(Location.stage(sum.key()))
            .orElseThrow(() -> new AssertionError("result " + sum.key() + " is gone"));
    Path file = store.open(Location.stage(sum.key()), m, "sum").path("sum.txt");
    return Long.parseLong(Files.readString(file).trim());
  }

  static RetentionPolicy policy(
      int keepLast, int keepDays, Set<String> pipelines, Long max, Duration grace) {
    return new RetentionPolicy(keepLast, keepDays, pipelines, max, grace);
  }

  static GarbageCollector.Outcome collect(BlobStore blobs, RetentionPolicy policy) {
    GarbageCollector gc = new GarbageCollector(blobs, Progress.NONE);
    StoreInventory inv = StoreInventory.scan(blobs, Progress.NONE);
    return gc.collect(inv, gc.plan(inv, policy, Instant.now()));
  }

  static Set<String> names(BlobStore blobs) {
    return blobs.list("").stream().map(BlobInfo::name).collect(Collectors.toSet());
  }

  @Test
  void keepsTheLastRunsCollectsTheRestAndACollectedStageReruns() throws Exception {
    BlobStore blobs = newStore();
    TestingEngine engine = new TestingEngine(tmp, blobs);
    List<RunSummary> runs = new ArrayList<>();
    for (int start = 1; start <= 4; start++) {
      runs.add(engine.run(pipeline("p", start)));
    }
    RetentionPolicy policy = policy(2, 0, Set.of(), null, NO_GRACE);

    // A dry run decides, and changes nothing.
    Set<String> before = names(blobs);
    GarbageCollector gc = new GarbageCollector(blobs, Progress.NONE);
    GcPlan plan = gc.plan(policy, Instant.now());
    Set<String> doomed =
        plan.deleted().stream().map(GcPlan.Decision::key).collect(Collectors.toSet());
    Set<String> expected = new HashSet<>(keys(runs.get(0)));
    expected.addAll(keys(runs.get(1)));
    assertEquals(expected, doomed);
    assertEquals(2, plan.runs().size());
    assertEquals(before, names(blobs));

    GarbageCollector.Outcome out = collect(blobs, policy);
    assertEquals(6, out.deleted().size());
    assertEquals(2, out.runsDeleted());
    for (String k : expected) {
      assertTrue(blobs.list(Location.stageDir(k)).isEmpty(), "nothing of " + k + " is left");
      assertTrue(blobs.stat("used/" + k).isEmpty(), "last use of " + k + " is gone");
    }
    assertEquals(2, engine.store.runs("p").size());

    // What was kept is reused; what was collected is computed again, correctly.
    RunSummary kept = engine.run(pipeline("p", 4));
    assertEquals(Map.of("source", "reused", "scale", "reused", "sum", "reused"), states(kept));
    RunSummary again = engine.run(pipeline("p", 1));
    assertEquals(Map.of("source", "ran", "scale", "ran", "sum", "ran"), states(again));
    assertEquals(expectedSum(1), committedSum(engine.store, again));

    // The two reruns are now the last two runs: the third run's results go next, then nothing.
    assertEquals(
        keys(runs.get(2)),
        collect(blobs, policy).deleted().stream()
            .map(GcPlan.Decision::key)
            .collect(Collectors.toSet()));
    assertEquals(0, collect(blobs, policy).deleted().size());
  }

  @Test
  void pinnedPipelinesAndPinFilesAreKept() throws Exception {
    BlobStore blobs = newStore();
    TestingEngine engine = new TestingEngine(tmp, blobs);
    RunSummary a1 = engine.run(pipeline("a", 1));
    engine.run(pipeline("a", 2));
    RunSummary b1 = engine.run(pipeline("b", 3));
    engine.run(pipeline("b", 4));
    String pinned = TestingEngine.stage(b1, "sum").key();
    blobs.write(
        "pins/operator.json",
        JsonCodec.write(
            new StoreInventory.PinFile("test", Instant.now().toString(), List.of(pinned))));

    GarbageCollector.Outcome out = collect(blobs, policy(1, 0, Set.of("a"), null, NO_GRACE));
    Set<String> gone = out.deleted().stream().map(GcPlan.Decision::key).collect(Collectors.toSet());
    Set<String> expected = new HashSet<>(keys(b1));
    expected.remove(pinned);
    assertEquals(expected, gone);
    for (String k : keys(a1)) {
      assertTrue(
          engine.store.manifest(Location.stage(k)).isPresent(), "pinned pipeline a keeps " + k);
    }
    assertTrue(engine.store.manifest(Location.stage(pinned)).isPresent());
    assertEquals(2, engine.store.runs("a").size());
    assertEquals(1, engine.store.runs("b").size());
  }

  @Test
  void maxSizeDeletesLeastRecentlyUsedFirstButNeverTheLastRuns() throws Exception {
    BlobStore blobs = newStore();
    TestingEngine engine = new TestingEngine(tmp, blobs);
    RunSummary r1 = engine.run(pipeline("p", 1));
    RunSummary r2 = engine.run(pipeline("p", 2));
    RunSummary r3 = engine.run(pipeline("p", 3));
    GarbageCollector gc = new GarbageCollector(blobs, Progress.NONE);
    GcPlan all = gc.plan(policy(1, 30, Set.of(), null, NO_GRACE), Instant.now());
    assertEquals(0, all.deleted().size(), "every run is recent");

    long smallest = Long.MAX_VALUE;
    for (GcPlan.Decision d : all.results()) {
      smallest = Math.min(smallest, d.bytes());
    }
    // One byte over: the least recently used result goes, and it is one of the first run's.
    GcPlan oneOver =
        gc.plan(policy(1, 30, Set.of(), all.bytesBefore() - 1, NO_GRACE), Instant.now());
    assertEquals(1, oneOver.deleted().size(), oneOver.deleted().toString());
    assertTrue(keys(r1).contains(oneOver.deleted().get(0).key()));
    assertTrue(oneOver.fits());

    // Nothing fits in 0 bytes, but the last run stays.
    RetentionPolicy zero = policy(1, 30, Set.of(), 0L, NO_GRACE);
    GcPlan none = gc.plan(zero, Instant.now());
    assertFalse(none.fits());
    GarbageCollector.Outcome out = collect(blobs, zero);
    Set<String> gone = out.deleted().stream().map(GcPlan.Decision::key).collect(Collectors.toSet());
    Set<String> expected = new HashSet<>(keys(r1));
    expected.addAll(keys(r2));
    assertEquals(expected, gone);
    for (String k : keys(r3)) {
      assertTrue(engine.store.manifest(Location.stage(k)).isPresent(), "last run keeps " + k);
    }
    assertTrue(smallest > 0);
  }

  @Test
  void aCrashedRunsSlicesAreCollectedAfterTheGracePeriod() throws Exception {
    BlobStore blobs = newStore();
    TestingEngine engine = new TestingEngine(tmp, blobs);
    engine.run(pipeline("p", 1));
    // A run that committed one slice of a stage and died: no stage manifest, no run record.
    String key = "c".repeat(64);
    Path out = Files.createDirectories(tmp.resolve("slice-out"));
    Files.writeString(out.resolve("part.txt"), "1\n2\n");
    engine.store.commit(
        Location.slice(key, 0),
        out,
        new ArtifactStore.Draft(
            "test.scale", "code", Map.of(), Map.of(), Instant.now(), null, null));
    blobs.write(Location.stageDir(key) + "task.json", "{}".getBytes());

    GarbageCollector.Outcome young =
        collect(blobs, policy(1, 0, Set.of(), null, Duration.ofHours(1)));
    assertTrue(young.deleted().isEmpty(), "younger than the grace period: " + young.deleted());
    assertFalse(blobs.list(Location.stageDir(key)).isEmpty());

    GarbageCollector.Outcome old = collect(blobs, policy(1, 0, Set.of(), null, NO_GRACE));
    assertEquals(List.of(key), old.deleted().stream().map(GcPlan.Decision::key).toList());
    assertFalse(old.deleted().get(0).committed());
    assertTrue(blobs.list(Location.stageDir(key)).isEmpty());
  }

  /**
   * Runs pipelines on several threads while gc collects in a loop with no grace period and the
   * tightest retention: every run must succeed with the right result, and gc must really delete.
   */
  @Test
  void gcInALoopDuringConcurrentRunsLosesNothing() throws Exception {
    BlobStore blobs = newStore();
    int threads = 3;
    int runsEach = runsPerThread();
    RetentionPolicy tight = policy(1, 0, Set.of(), null, NO_GRACE);
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger collected = new AtomicInteger();
    AtomicInteger passes = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    CountDownLatch firstPass = new CountDownLatch(1);
    Thread collector =
        new Thread(
            () -> {
              try {
                while (!done.get()) {
                  collected.addAndGet(collect(blobs, tight).deleted().size());
                  passes.incrementAndGet();
                  firstPass.countDown();
                }
              } catch (RuntimeException e) {
                failures.add("gc: " + e);
                firstPass.countDown();
              }
            },
            "gc-loop");
    collector.start();
    firstPass.await();
    List<Thread> runners = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      TestingEngine engine =
          new TestingEngine(Files.createDirectories(tmp.resolve("r" + t)), blobs);
      Random random = new Random(42 + t);
      runners.add(
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < runsEach; i++) {
                    // Few distinct starts, shared by the threads: keys are reused and collected.
                    int start = 1 + random.nextInt(3);
                    RunSummary s = engine.run(pipeline("loop-" + id, start));
                    for (StageOutcome o : s.stages()) {
                      if (!o.succeeded()) {
                        failures.add(
                            "loop-"
                                + id
                                + " run "
                                + i
                                + ": "
                                + o.name()
                                + " "
                                + o.state()
                                + ": "
                                + o.message());
                      }
                    }
                    long sum = committedSum(engine.store, s);
                    if (sum != expectedSum(start)) {
                      failures.add("loop-" + id + " run " + i + ": sum " + sum);
                    }
                  }
                } catch (Exception | AssertionError e) {
                  failures.add("loop-" + id + ": " + e);
                }
              },
              "runner-" + t));
    }
    runners.forEach(Thread::start);
    for (Thread r : runners) {
      r.join();
    }
    done.set(true);
    collector.join();
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertTrue(passes.get() > 1, "gc ran " + passes.get() + " passes");
    assertTrue(collected.get() > 0, "gc collected nothing in " + passes.get() + " passes");
    // No run in progress is left claiming anything.
    assertTrue(blobs.list("claims/").isEmpty(), blobs.list("claims/").toString());
  }

  int runsPerThread() {
    return 8;
  }
}

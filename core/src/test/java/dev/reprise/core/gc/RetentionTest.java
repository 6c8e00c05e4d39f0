package dev.reprise.core.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.store.BlobInfo;
import dev.reprise.core.store.RunClaim;
import dev.reprise.core.store.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Retention decisions from a made-up inventory and an injected time. */
class RetentionTest {
  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final long DAY = 86_400_000L;

  final Map<String, StoreInventory.Result> results = new LinkedHashMap<>();
  final Map<String, List<StoreInventory.Run>> runs = new TreeMap<>();
  final Map<String, BlobInfo> used = new TreeMap<>();
  final Map<String, BlobInfo> files = new TreeMap<>();
  final Map<String, RunClaim.Record> claims = new TreeMap<>();

  static long daysAgo(double d) {
    return NOW.toEpochMilli() - (long) (d * DAY);
  }

  /** A committed result written {@code days} ago, of 100 bytes. */
  void result(String key, double days) {
    results.put(
        key,
        new StoreInventory.Result(
            key,
            List.of(
                new BlobInfo("stages/" + key + "/manifest.json", 10, "t", daysAgo(days)),
                new BlobInfo("stages/" + key + "/outputs/a", 90, "t", daysAgo(days)))));
  }

  void run(String pipeline, double days, Map<String, Object> components, String... keys) {
    List<RunRecord.StageRun> stages = new ArrayList<>();
    for (String k : keys) {
      stages.add(new RunRecord.StageRun("s-" + k, "m", k, "ran", 1, 1, 1, 0, null, components));
    }
    String started = Instant.ofEpochMilli(daysAgo(days)).toString();
    String blob = "runs/" + pipeline + "/" + started + ".json";
    runs.computeIfAbsent(pipeline, p -> new ArrayList<>())
        .add(
            new StoreInventory.Run(
                blob,
                new BlobInfo(blob, 5, "t", daysAgo(days)),
                new RunRecord(pipeline, null, null, started, 1, 1, stages)));
  }

  GcPlan plan(RetentionPolicy policy) {
    runs.values()
        .forEach(l -> l.sort((a, b) -> a.record().started().compareTo(b.record().started())));
    StoreInventory inv =
        new StoreInventory(results, runs, used, files, claims, List.of(), List.of(), List.of());
    return Retention.plan(inv, policy, NOW, k -> Optional.empty());
  }

  static Set<String> deleted(GcPlan p) {
    return p.deleted().stream().map(GcPlan.Decision::key).collect(Collectors.toSet());
  }

  static RetentionPolicy policy(int last, int days, Long max, Duration grace) {
    return new RetentionPolicy(last, days, Set.of(), max, grace);
  }

  @Test
  void keepDaysCountsLastUseNotCreation() {
    result("old-but-used", 90);
    result("old-unused", 90);
    result("recent-run", 90);
    run("p", 80, null, "old-but-used", "old-unused");
    run("p", 10, null, "recent-run");
    run("p", 1, null, "latest");
    used.put("old-but-used", new BlobInfo("used/old-but-used", 30, "t", daysAgo(2)));
    GcPlan p = plan(policy(1, 30, null, Duration.ofHours(1)));
    assertEquals(Set.of("old-unused"), deleted(p));
    // The 80-day-old record goes; the one from 10 days ago stays by --keep-days.
    assertEquals(1, p.runs().size());
    assertTrue(p.runs().get(0).started().startsWith("2026-09"), p.runs().toString());
    GcPlan.Decision kept =
        p.results().stream().filter(d -> d.key().equals("old-but-used")).findFirst().orElseThrow();
    assertEquals("used in the last 30 days", kept.reason());
    assertEquals(daysAgo(2), kept.lastUsed());
  }

  @Test
  void keepLastKeepsRecordsAndTheirKeysHoweverOld() {
    result("a", 400);
    result("b", 300);
    run("p", 400, null, "a");
    run("p", 300, null, "b");
    GcPlan p = plan(policy(1, 30, null, Duration.ZERO));
    assertEquals(Set.of("a"), deleted(p));
    assertEquals(1, p.runs().size());
    assertEquals(Set.of(), deleted(plan(policy(2, 30, null, Duration.ZERO))));
  }

  @Test
  void gracePeriodAndLiveClaimsProtectEvenUnreferencedResults() {
    result("fresh", 0.01); // about 15 minutes
    result("claimed", 50);
    result("dead-claim", 50);
    claims.put(
        "claims/a.json",
        new RunClaim.Record(
            "p", "h/1", NOW.toString(), NOW.toEpochMilli() + 60_000, 60_000, List.of("claimed")));
    claims.put(
        "claims/b.json",
        new RunClaim.Record("p", "h/2", "x", daysAgo(1), 60_000, List.of("dead-claim")));
    GcPlan p = plan(policy(3, 0, null, Duration.ofHours(1)));
    assertEquals(Set.of("dead-claim"), deleted(p));
    assertEquals(List.of("claims/b.json"), p.claims());
    // Fifteen minutes is past a ten-minute grace period.
    assertEquals(
        Set.of("fresh", "dead-claim"), deleted(plan(policy(3, 0, null, Duration.ofMinutes(10)))));
  }

  @Test
  void maxSizeEvictsRecentlyUsedResultsOldestFirstNeverLastRuns() {
    result("k1", 20);
    result("k2", 10);
    result("k3", 5);
    result("last", 25);
    run("p", 20, null, "k1");
    run("p", 10, null, "k2");
    run("p", 5, null, "k3");
    run("p", 25.5, null, "last"); // the oldest record: "last" was last used 25 days ago
    // The last run is the 5-day-old one (k3): it stays whatever the size.
    GcPlan fits = plan(policy(1, 30, 300L + 20, Duration.ZERO));
    // 4 results x 100 bytes + 4 records x 5 bytes = 420; must free 100: the least recently used.
    assertEquals(Set.of("last"), deleted(fits));
    assertTrue(fits.fits());
    GcPlan tiny = plan(policy(1, 30, 0L, Duration.ZERO));
    assertEquals(Set.of("last", "k1", "k2"), deleted(tiny));
    assertTrue(!tiny.fits());
  }

  @Test
  void shippedFilesStayWhileAKeptResultNamesThemOrARunIsInProgress() {
    result("cmd", 1);
    files.put("f1", new BlobInfo("files/f1", 7, "t", daysAgo(10)));
    files.put("f2", new BlobInfo("files/f2", 9, "t", daysAgo(10)));
    files.put("f3", new BlobInfo("files/f3", 9, "t", daysAgo(0.001)));
    run("p", 1, Map.of("kind", "command", "files", Map.of("script.py", "f1")), "cmd");
    GcPlan p = plan(policy(1, 30, null, Duration.ofHours(1)));
    assertEquals(List.of("f2"), p.files());
    assertEquals(9, p.fileBytes());
    claims.put(
        "claims/a.json",
        new RunClaim.Record(
            "p", "h/1", NOW.toString(), NOW.toEpochMilli() + 60_000, 60_000, List.of()));
    assertEquals(List.of(), plan(policy(1, 30, null, Duration.ofHours(1))).files());
  }

  @Test
  void anUnknownPinnedPipelineIsTheUsersMistake() {
    run("numbers", 1, null, "k");
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> plan(new RetentionPolicy(3, 30, Set.of("numbrs"), null, Duration.ZERO)));
    assertTrue(e.getMessage().contains("--keep-pipeline: no pipeline 'numbrs'"), e.getMessage());
    assertTrue(e.getMessage().contains("numbers"), e.getMessage());
  }

  @Test
  void sizesAndDurationsParseOrNameTheirOption() {
    assertEquals(500L << 30, RetentionPolicy.parseSize("500G", "--max-size"));
    assertEquals((long) (1.5 * (1L << 40)), RetentionPolicy.parseSize("1.5TiB", "--max-size"));
    assertEquals(1000, RetentionPolicy.parseSize("1000", "--max-size"));
    assertEquals(Duration.ofHours(1), RetentionPolicy.parseDuration("1h", "--grace"));
    assertEquals(Duration.ZERO, RetentionPolicy.parseDuration("0", "--grace"));
    assertEquals(Duration.ofMinutes(90), RetentionPolicy.parseDuration("PT1H30M", "--grace"));
    assertEquals(Duration.ofDays(2), RetentionPolicy.parseDuration("2d", "--grace"));
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> RetentionPolicy.parseSize("5X", "--max-size"));
    assertTrue(e.getMessage().startsWith("--max-size: '5X'"), e.getMessage());
    assertThrows(
        InvalidInputException.class, () -> RetentionPolicy.parseDuration("soon", "--grace"));
  }
}

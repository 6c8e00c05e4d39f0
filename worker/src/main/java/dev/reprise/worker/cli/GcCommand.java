package dev.reprise.worker.cli;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.gc.GarbageCollector;
import dev.reprise.core.gc.GcPlan;
import dev.reprise.core.gc.RetentionPolicy;
import dev.reprise.core.gc.StoreInventory;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.JsonCodec;
import dev.reprise.core.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code reprise gc}: deletes what no kept run, pin or recent use needs; a dry run by default. */
@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    description =
        "Deletes stored results that no recent run, pinned pipeline or live Pipeline needs."
            + " A dry run unless --yes.")
final class GcCommand implements Callable<Integer> {
  @Mixin StoreOptions storeOptions;

  @Option(
      names = "--keep-last",
      paramLabel = "N",
      defaultValue = "3",
      description = "Keep every result of the last N runs of each pipeline (default: 3).")
  int keepLast;

  @Option(
      names = "--keep-days",
      paramLabel = "D",
      defaultValue = "30",
      description = "Keep results of runs, and results used, in the last D days (default: 30).")
  int keepDays;

  @Option(
      names = "--keep-pipeline",
      paramLabel = "NAME",
      arity = "1..*",
      description = "Keep every result of every recorded run of these pipelines.")
  List<String> keepPipelines = new ArrayList<>();

  @Option(
      names = "--max-size",
      paramLabel = "SIZE",
      description =
          "Then delete results kept only by --keep-days, least recently used first, until the store"
              + " holds at most SIZE (500G, 1.5T, 200M; binary units).")
  String maxSize;

  @Option(
      names = "--grace",
      paramLabel = "DURATION",
      defaultValue = "1h",
      description = "Never delete anything written more recently (default: 1h; 0 for none).")
  String grace;

  @Option(names = "--yes", description = "Delete; without it, only print what would go.")
  boolean yes;

  @Option(names = "--json", paramLabel = "OUT", description = "Also write what went as JSON.")
  Path json;

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    RetentionPolicy policy =
        new RetentionPolicy(
            keepLast,
            keepDays,
            Set.copyOf(keepPipelines),
            maxSize == null ? null : RetentionPolicy.parseSize(maxSize, "--max-size"),
            RetentionPolicy.parseDuration(grace, "--grace"));
    try (BlobStore blobs = openExisting(storeOptions)) {
      ProgressBar progress = new ProgressBar(System.err, !quiet);
      GarbageCollector gc = new GarbageCollector(blobs, progress);
      StoreInventory inventory = StoreInventory.scan(blobs, progress);
      GcPlan plan = gc.plan(inventory, policy, Instant.now());
      GarbageCollector.Outcome outcome = yes ? gc.collect(inventory, plan) : null;
      List<GcPlan.Decision> gone = outcome == null ? plan.deleted() : outcome.deleted();
      print(blobs.uri(), plan, gone, outcome);
      if (json != null) {
        writeJson(blobs.uri(), policy, plan, gone, outcome);
      }
      return 0;
    }
  }

  /**
   * The store to look at or clean; a folder that does not exist is a mistake (a typo would
   * otherwise show an empty store), not a new store.
   */
  static BlobStore openExisting(StoreOptions options) {
    String uri = Stores.normalise(options.uri(null));
    if (uri.startsWith("file:") && !Files.isDirectory(Path.of(uri.substring("file:".length())))) {
      throw new InvalidInputException(
          "--store: there is no store at " + uri.substring("file:".length()));
    }
    return options.openBlobs(null);
  }

  private void print(
      String uri, GcPlan plan, List<GcPlan.Decision> gone, GarbageCollector.Outcome outcome) {
    boolean dry = outcome == null;
    Map<List<String>, long[]> groups =
        new TreeMap<>((a, b) -> String.join("\0", a).compareTo(String.join("\0", b)));
    for (GcPlan.Decision d : gone) {
      List<String> g =
          List.of(
              d.pipeline() == null ? "(no run record)" : d.pipeline(),
              d.stage() == null ? (d.committed() ? "-" : "(never committed)") : d.stage());
      long[] v = groups.computeIfAbsent(g, k -> new long[2]);
      v[0]++;
      v[1] += d.bytes();
    }
    List<List<String>> rows = new ArrayList<>();
    groups.forEach(
        (g, v) ->
            rows.add(
                List.of(
                    g.get(0), g.get(1), Long.toString(v[0]), RetentionPolicy.formatSize(v[1]))));
    System.out.println(
        (dry ? "Would delete from " : "Deleted from ")
            + uri
            + (gone.isEmpty() ? ": no results." : ":"));
    if (!gone.isEmpty()) {
      System.out.print(Tables.render(List.of("PIPELINE", "STAGE", "RESULTS", "SIZE"), rows));
    }
    long runBytes = plan.runs().stream().mapToLong(GcPlan.RunToDelete::bytes).sum();
    int files = dry ? plan.files().size() : outcome.filesDeleted();
    long resultBytes = gone.stream().mapToLong(GcPlan.Decision::bytes).sum();
    long total = resultBytes + runBytes + (files == 0 ? 0 : plan.fileBytes());
    System.out.println(
        "Total: "
            + gone.size()
            + " result"
            + (gone.size() == 1 ? "" : "s")
            + ", "
            + plan.runs().size()
            + " run record"
            + (plan.runs().size() == 1 ? "" : "s")
            + ", "
            + files
            + " shipped file"
            + (files == 1 ? "" : "s")
            + ": "
            + RetentionPolicy.formatSize(total)
            + " of "
            + RetentionPolicy.formatSize(plan.bytesBefore())
            + "; "
            + plan.kept().size()
            + " result"
            + (plan.kept().size() == 1 ? "" : "s")
            + " kept.");
    if (outcome != null && !outcome.skippedLocked().isEmpty()) {
      System.out.println(
          "Left " + outcome.skippedLocked().size() + " result(s) that a run is computing.");
    }
    if (outcome != null && !outcome.withdrawn().isEmpty()) {
      System.out.println(
          "Kept "
              + outcome.withdrawn().size()
              + " result(s) that a run or pin claimed while gc ran.");
    }
    if (!plan.fits()) {
      System.out.println(
          "The store stays over --max-size ("
              + RetentionPolicy.formatSize(plan.maxBytes())
              + "): the rest is kept by the last runs, pins, runs in progress or the grace period.");
    }
    if (dry) {
      System.out.println("Dry run: nothing was deleted. Run again with --yes to delete.");
    }
  }

  private void writeJson(
      String uri,
      RetentionPolicy policy,
      GcPlan plan,
      List<GcPlan.Decision> gone,
      GarbageCollector.Outcome outcome)
      throws java.io.IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("store", uri);
    out.put("dryRun", outcome == null);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("keepLast", policy.keepLast());
    p.put("keepDays", policy.keepDays());
    p.put("keepPipelines", new ArrayList<>(new java.util.TreeSet<>(policy.keepPipelines())));
    p.put("maxBytes", policy.maxBytes());
    p.put("graceSeconds", policy.grace().toSeconds());
    out.put("policy", p);
    out.put("bytesBefore", plan.bytesBefore());
    List<Map<String, Object>> results = new ArrayList<>();
    for (GcPlan.Decision d : gone) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("key", d.key());
      r.put("pipeline", d.pipeline());
      r.put("stage", d.stage());
      r.put("bytes", d.bytes());
      r.put("committed", d.committed());
      r.put("lastUsed", d.lastUsed() == 0 ? null : Instant.ofEpochMilli(d.lastUsed()).toString());
      r.put("reason", d.reason());
      results.add(r);
    }
    out.put("deleted", results);
    out.put("kept", plan.kept().size());
    out.put(
        "runs",
        plan.runs().stream()
            .map(r -> Map.of("pipeline", r.pipeline(), "record", r.blob(), "started", r.started()))
            .toList());
    out.put("files", outcome == null || outcome.filesDeleted() > 0 ? plan.files() : List.of());
    if (outcome != null) {
      out.put("bytesFreed", outcome.bytesFreed());
      out.put("skippedLocked", outcome.skippedLocked());
      out.put("withdrawn", outcome.withdrawn());
    } else {
      out.put("bytesToFree", plan.bytesToFree());
    }
    out.put("fits", plan.fits());
    Files.write(json, JsonCodec.write(out));
  }
}

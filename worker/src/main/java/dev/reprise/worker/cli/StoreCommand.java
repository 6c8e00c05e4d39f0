package dev.reprise.worker.cli;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.gc.GcPlan;
import dev.reprise.core.gc.Retention;
import dev.reprise.core.gc.RetentionPolicy;
import dev.reprise.core.gc.StoreInventory;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.Manifest;
import dev.reprise.core.store.RunRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code reprise store}: what the store holds ({@code ls}) and what it costs ({@code du}). */
@Command(
    name = "store",
    mixinStandardHelpOptions = true,
    description = "Shows what a store holds.",
    subcommands = {StoreCommand.Du.class, StoreCommand.Ls.class})
final class StoreCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Which pipelines and stages name each key in their run records (newest record last). */
  private static Map<String, Set<List<String>>> owners(StoreInventory inv) {
    Map<String, Set<List<String>>> owners = new HashMap<>();
    inv.runs()
        .forEach(
            (pipeline, runs) -> {
              for (StoreInventory.Run r : runs) {
                for (RunRecord.StageRun s : r.record().stages()) {
                  if (s.key() != null) {
                    owners
                        .computeIfAbsent(s.key(), k -> new LinkedHashSet<>())
                        .add(List.of(pipeline, s.name()));
                  }
                }
              }
            });
    return owners;
  }

  private static final List<String> NO_RECORD = List.of("(no run record)", "-");

  /** {@code reprise store du}: bytes by pipeline, stage or method. */
  @Command(
      name = "du",
      mixinStandardHelpOptions = true,
      description =
          "Sums the store's results by pipeline, stage or method. A result that several pipelines"
              + " share counts in each of them; the total counts it once.")
  static final class Du implements Callable<Integer> {
    @Mixin StoreOptions storeOptions;

    @Option(
        names = "--by",
        paramLabel = "pipeline|stage|method",
        defaultValue = "pipeline",
        description = "How to group results (default: pipeline).")
    String by;

    @Override
    public Integer call() {
      if (!List.of("pipeline", "stage", "method").contains(by)) {
        throw new InvalidInputException("--by: '" + by + "' is not one of pipeline, stage, method");
      }
      try (BlobStore blobs = GcCommand.openExisting(storeOptions)) {
        StoreInventory inv = StoreInventory.scan(blobs, new ProgressBar(System.err, true));
        Map<String, Set<List<String>>> owners = owners(inv);
        ArtifactStore artifacts = new ArtifactStore(blobs, null);
        Map<String, long[]> groups = new TreeMap<>();
        long resultBytes = 0;
        for (StoreInventory.Result r : inv.results().values()) {
          resultBytes += r.bytes();
          Set<String> names = new LinkedHashSet<>();
          if (by.equals("method")) {
            names.add(method(artifacts, r));
          } else {
            for (List<String> o : owners.getOrDefault(r.key(), Set.of(NO_RECORD))) {
              names.add(by.equals("pipeline") ? o.get(0) : o.get(0) + "/" + o.get(1));
            }
          }
          for (String n : names) {
            long[] v = groups.computeIfAbsent(n, k -> new long[2]);
            v[0]++;
            v[1] += r.bytes();
          }
        }
        List<List<String>> rows = new ArrayList<>();
        groups.forEach(
            (n, v) -> rows.add(List.of(n, Long.toString(v[0]), RetentionPolicy.formatSize(v[1]))));
        System.out.print(Tables.render(List.of(by.toUpperCase(), "RESULTS", "SIZE"), rows));
        long other = inv.totalBytes() - resultBytes;
        System.out.println(
            "Total: "
                + inv.results().size()
                + " results, "
                + RetentionPolicy.formatSize(resultBytes)
                + "; with run records, shipped files and other records "
                + RetentionPolicy.formatSize(resultBytes + other)
                + " in "
                + blobs.uri()
                + ".");
        return 0;
      }
    }

    private static String method(ArtifactStore store, StoreInventory.Result r) {
      Optional<Manifest> m = store.manifest(Location.stage(r.key()));
      if (m.isPresent() && m.get().method() != null) {
        return m.get().method();
      }
      return r.committed() ? "(unreadable manifest)" : "(never committed)";
    }
  }

  /** {@code reprise store ls}: one line per stored result. */
  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description =
          "Lists the store's results: key, pipeline and stage of the newest run that used it,"
              + " size, last use, and what gc would do with the default retention.")
  static final class Ls implements Callable<Integer> {
    @Mixin StoreOptions storeOptions;

    @Option(
        names = "--pipeline",
        paramLabel = "NAME",
        description = "Only this pipeline's results.")
    String pipeline;

    @Override
    public Integer call() {
      try (BlobStore blobs = GcCommand.openExisting(storeOptions)) {
        StoreInventory inv = StoreInventory.scan(blobs, new ProgressBar(System.err, true));
        if (pipeline != null && !inv.runs().containsKey(pipeline)) {
          throw new InvalidInputException(
              "--pipeline: no pipeline '"
                  + pipeline
                  + "' has runs in "
                  + blobs.uri()
                  + (inv.runs().isEmpty()
                      ? ""
                      : " (it has runs of: " + String.join(", ", inv.runs().keySet()) + ")"));
        }
        GcPlan plan =
            Retention.plan(inv, RetentionPolicy.defaults(), Instant.now(), k -> Optional.empty());
        Map<String, Set<List<String>>> owners = owners(inv);
        List<GcPlan.Decision> shown =
            plan.results().stream()
                .filter(
                    d ->
                        pipeline == null
                            || owners.getOrDefault(d.key(), Set.of()).stream()
                                .anyMatch(o -> o.get(0).equals(pipeline)))
                .sorted(Comparator.comparingLong(GcPlan.Decision::lastUsed).reversed())
                .toList();
        List<List<String>> rows = new ArrayList<>();
        for (GcPlan.Decision d : shown) {
          rows.add(
              List.of(
                  d.key().substring(0, 12),
                  d.pipeline() == null ? NO_RECORD.get(0) : d.pipeline(),
                  d.stage() == null ? "-" : d.stage(),
                  d.committed() ? "committed" : "partial",
                  RetentionPolicy.formatSize(d.bytes()),
                  d.lastUsed() == 0 ? "-" : Instant.ofEpochMilli(d.lastUsed()).toString(),
                  d.keep() ? "keep" : "collect"));
        }
        System.out.print(
            Tables.render(
                List.of("KEY", "PIPELINE", "STAGE", "STATE", "SIZE", "LAST USED", "GC (defaults)"),
                rows));
        long bytes = shown.stream().mapToLong(GcPlan.Decision::bytes).sum();
        System.out.println(
            shown.size()
                + " results, "
                + RetentionPolicy.formatSize(bytes)
                + " in "
                + blobs.uri()
                + ".");
        return 0;
      }
    }
  }
}

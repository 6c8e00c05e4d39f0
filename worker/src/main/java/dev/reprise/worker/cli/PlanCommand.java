package dev.reprise.worker.cli;

import dev.reprise.core.exec.Planner;
import dev.reprise.core.exec.StageResolver;
import dev.reprise.core.exec.StageState;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.store.ArtifactStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code reprise plan}: what a run would reuse and what it would compute; runs nothing. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = "Dry run: shows which stages would be reused and which would run.")
final class PlanCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "The pipeline document (YAML).")
  Path file;

  @Mixin StoreOptions storeOptions;

  @picocli.CommandLine.Option(
      names = "--json",
      paramLabel = "OUT",
      description =
          "Also write the plan as JSON to OUT ('-': standard output, instead of the table).")
  Path json;

  @Override
  public Integer call() throws Exception {
    MethodRegistry methods = Reprise.methods();
    Pipeline pipeline = Reprise.parse(file, methods);
    StageResolver resolver = new StageResolver(storeOptions.dataDigests());
    try (ArtifactStore store = storeOptions.open(pipeline.store())) {
      List<Planner.PlannedStage> plan = new Planner(store, resolver).plan(pipeline);
      resolver.data().save();
      List<List<String>> rows = new ArrayList<>();
      double saved = 0;
      for (Planner.PlannedStage p : plan) {
        String what =
            switch (p.state()) {
              case REUSED -> "reuse";
              case RUN -> "run";
              default -> "pending";
            };
        String note =
            switch (p.state()) {
              case REUSED -> "stored, ran in " + Tables.seconds(p.manifest().seconds());
              case RUN ->
                  p.damage() != null
                      ? "stored result is damaged (" + p.damage() + "): will recompute"
                      : p.slicesDone() > 0
                          ? p.slicesDone() + "/" + p.stage().slices() + " slices already stored"
                          : "not in the store";
              default ->
                  "after "
                      + String.join(", ", p.waitingOn())
                      + " (reused if their outputs are unchanged)";
            };
        if (p.state() == StageState.REUSED) {
          saved += p.manifest().seconds();
        }
        rows.add(
            List.of(
                p.stage().name(),
                p.stage().methodName(),
                what,
                p.key() == null ? "-" : p.key().substring(0, 12),
                note));
      }
      if (json != null) {
        List<Map<String, Object>> stages = new ArrayList<>();
        for (Planner.PlannedStage p : plan) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("name", p.stage().name());
          m.put("method", p.stage().methodName());
          m.put("plan", p.state().wireName());
          m.put("key", p.key());
          m.put("slices", p.stage().slices());
          m.put("slicesStored", p.slicesDone());
          m.put("waitingOn", p.waitingOn());
          m.put("damage", p.damage());
          m.put("storedSeconds", p.manifest() == null ? null : p.manifest().seconds());
          stages.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("pipeline", pipeline.name());
        doc.put("store", store.uri());
        doc.put("stages", stages);
        Tables.writeJson(json, doc);
        if ("-".equals(json.toString())) {
          return 0;
        }
      }
      System.out.print(Tables.render(List.of("STAGE", "METHOD", "PLAN", "KEY", "NOTE"), rows));
      for (String note : imageNotes(pipeline)) {
        System.out.println(note);
      }
      long reuse = plan.stream().filter(p -> p.state() == StageState.REUSED).count();
      System.out.printf(
          "%d of %d stages would be reused (%s of stored computation); store %s%n",
          reuse, plan.size(), Tables.seconds(saved), store.uri());
      return 0;
    }
  }

  /** One line per command stage whose image is a tag: the key names the tag, and a tag can move. */
  static List<String> imageNotes(Pipeline pipeline) {
    List<String> notes = new ArrayList<>();
    for (var s : pipeline.stages()) {
      if (s.isCommand() && s.command().image() != null && !s.command().pinned()) {
        notes.add(
            "note: stage '"
                + s.name()
                + "' names image "
                + s.command().image()
                + " by tag; the key covers the tag, not the image, and a tag can move: pin it as"
                + " "
                + s.command().image()
                + "@sha256:<digest> to key the image itself.");
      }
    }
    return notes;
  }
}

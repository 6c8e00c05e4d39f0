package dev.reprise.worker.cli;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.exec.KeyDiff;
import dev.reprise.core.exec.Planner;
import dev.reprise.core.exec.StageResolver;
import dev.reprise.core.key.KeyComponents;
import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.ParamType;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.Stage;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.RunRecord;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code reprise explain}: why a stage will rerun, component by component, against its last run.
 */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description =
        "Explains why a stage would rerun: which parts of its key changed since its last run.")
final class ExplainCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "The pipeline document (YAML).")
  Path file;

  @Option(
      names = "--stage",
      required = true,
      paramLabel = "S",
      description = "The stage to explain.")
  String stageName;

  @Mixin StoreOptions storeOptions;

  @Override
  public Integer call() throws Exception {
    Pipeline pipeline = Reprise.parse(file, Reprise.methods());
    Stage stage =
        pipeline
            .stage(stageName)
            .orElseThrow(
                () ->
                    new InvalidInputException(
                        pipeline.fileName()
                            + ": no stage named '"
                            + stageName
                            + "' (stages: "
                            + String.join(
                                ", ", pipeline.stages().stream().map(Stage::name).toList())
                            + ")"));
    StageResolver resolver = new StageResolver(storeOptions.dataDigests());
    try (ArtifactStore store = storeOptions.open(pipeline.store())) {
      List<Planner.PlannedStage> plan = new Planner(store, resolver).plan(pipeline);
      Planner.PlannedStage p =
          plan.stream().filter(x -> x.stage().name().equals(stageName)).findFirst().orElseThrow();
      Optional<RunRecord.StageRun> last = lastRun(store, pipeline.name(), stageName);
      for (String line : explain(p, stage, last, resolver)) {
        System.out.println(line);
      }
      return 0;
    }
  }

  static Optional<RunRecord.StageRun> lastRun(ArtifactStore store, String pipeline, String stage) {
    List<RunRecord> runs = store.runs(pipeline);
    for (int i = runs.size() - 1; i >= 0; i--) {
      for (RunRecord.StageRun s : runs.get(i).stages()) {
        if (s.name().equals(stage) && s.components() != null) {
          return Optional.of(s);
        }
      }
    }
    return Optional.empty();
  }

  static List<String> explain(
      Planner.PlannedStage p,
      Stage stage,
      Optional<RunRecord.StageRun> last,
      StageResolver resolver) {
    List<String> out = new java.util.ArrayList<>(explainKey(p, stage, last, resolver));
    out.addAll(remoteData(stage, resolver));
    if (stage.isCommand() && stage.command().image() != null && !stage.command().pinned()) {
      out.add(
          "Its image "
              + stage.command().image()
              + " is named by tag: the key covers the tag, not the image, and a tag can move. Pin"
              + " it as "
              + stage.command().image()
              + "@sha256:<digest> to key the image itself.");
    }
    return out;
  }

  /** How the key digested each S3 input: by content (SHA-256 recorded) or by ETag and size. */
  static List<String> remoteData(Stage stage, StageResolver resolver) {
    List<String> out = new java.util.ArrayList<>();
    if (stage.isCommand()) {
      return out;
    }
    for (ParamSpec param : stage.method().spec().params()) {
      if (param.type() != ParamType.PATH || stage.params().isNull(param.name())) {
        continue;
      }
      String location = stage.params().getPath(param.name());
      if (!location.contains("://")) {
        continue;
      }
      Optional<String> how = resolver.data().method(location);
      if (how.isEmpty()) {
        resolver.data().digest(location);
        how = resolver.data().method(location);
      }
      out.add(
          "Data '"
              + param.name()
              + "': "
              + location
              + " digested "
              + how.orElse("(unknown)")
              + ".");
    }
    return out;
  }

  private static List<String> explainKey(
      Planner.PlannedStage p,
      Stage stage,
      Optional<RunRecord.StageRun> last,
      StageResolver resolver) {
    List<String> out = new java.util.ArrayList<>();
    String name = stage.name();
    switch (p.state()) {
      case REUSED -> {
        out.add(
            "stage '"
                + name
                + "' will be reused: its result "
                + p.key().substring(0, 12)
                + " is in the store (it ran in "
                + Tables.seconds(p.manifest().seconds())
                + ", committed "
                + p.manifest().ended()
                + ").");
        return out;
      }
      case RUN -> {
        if (last.isEmpty()) {
          out.add("stage '" + name + "' will run: no earlier run of it is recorded in this store.");
          return out;
        }
        KeyComponents before = KeyComponents.fromJson(last.get().components());
        List<String> changes = KeyDiff.between(before, p.components(), stage.inputs());
        if (changes.isEmpty()) {
          out.add(
              "stage '"
                  + name
                  + "' will run: its key "
                  + p.key().substring(0, 12)
                  + " is the same as in its last run ("
                  + last.get().state()
                  + "), but no result is committed for it"
                  + (p.slicesDone() > 0
                      ? "; "
                          + p.slicesDone()
                          + " of "
                          + stage.slices()
                          + " slices are, and will be reused."
                      : "."));
        } else {
          out.add(
              "stage '"
                  + name
                  + "' will run because, since its last run ("
                  + last.get().state()
                  + ", key "
                  + last.get().key().substring(0, 12)
                  + "):");
          changes.forEach(c -> out.add("  - " + c));
        }
        return out;
      }
      default -> {
        out.add(
            "stage '"
                + name
                + "' will wait for "
                + String.join(", ", p.waitingOn())
                + ", which will run first; it is reused afterwards if their new outputs are byte-identical to the stored ones.");
        if (last.isPresent()) {
          KeyComponents before = KeyComponents.fromJson(last.get().components());
          // Compare everything but the inputs, whose digests are known only after upstream runs.
          Map<String, String> sameInputs = new HashMap<>(before.inputs());
          List<String> changes =
              KeyDiff.between(before, resolver.components(stage, sameInputs), stage.inputs());
          if (!changes.isEmpty()) {
            out.add("Its own key parts changed too, so it will run in any case:");
            changes.forEach(c -> out.add("  - " + c));
          }
        }
        return out;
      }
    }
  }
}

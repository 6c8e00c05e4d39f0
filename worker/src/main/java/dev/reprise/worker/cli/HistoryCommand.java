package dev.reprise.worker.cli;

import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.RunRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code reprise history}: the pipeline's recorded runs, oldest first. */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description = "Lists past runs of a pipeline recorded in the store.")
final class HistoryCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "The pipeline document (YAML).")
  Path file;

  @Option(
      names = "--stage",
      paramLabel = "S",
      description = "Show one stage's state and key in each run.")
  String stageName;

  @Mixin StoreOptions storeOptions;

  @Override
  public Integer call() throws Exception {
    Pipeline pipeline = Reprise.parse(file, Reprise.methods());
    try (ArtifactStore store = storeOptions.open(pipeline.store())) {
      List<RunRecord> runs = store.runs(pipeline.name());
      if (runs.isEmpty()) {
        System.out.println("No runs of " + pipeline.name() + " recorded in " + store.uri() + ".");
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (RunRecord r : runs) {
        long ran = r.stages().stream().filter(s -> s.state().equals("ran")).count();
        long reused = r.stages().stream().filter(s -> s.state().equals("reused")).count();
        long failed = r.stages().stream().filter(s -> s.state().equals("failed")).count();
        double saved = r.stages().stream().mapToDouble(RunRecord.StageRun::savedSeconds).sum();
        List<String> row =
            new ArrayList<>(
                List.of(
                    r.started(),
                    String.format("%.2f", r.seconds()),
                    Long.toString(ran),
                    Long.toString(reused),
                    Long.toString(failed),
                    Tables.seconds(saved)));
        if (stageName != null) {
          RunRecord.StageRun s =
              r.stages().stream().filter(x -> x.name().equals(stageName)).findFirst().orElse(null);
          row.add(s == null ? "-" : s.state());
          row.add(s == null || s.key() == null ? "-" : s.key().substring(0, 12));
        }
        rows.add(row);
      }
      List<String> header =
          new ArrayList<>(List.of("STARTED", "SECONDS", "RAN", "REUSED", "FAILED", "SAVED"));
      if (stageName != null) {
        header.add(stageName.toUpperCase());
        header.add("KEY");
      }
      System.out.print(Tables.render(header, rows));
      return 0;
    }
  }
}

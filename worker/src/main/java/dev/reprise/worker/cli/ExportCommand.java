package dev.reprise.worker.cli;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.RepriseException;
import dev.reprise.core.exec.Planner;
import dev.reprise.core.exec.StageResolver;
import dev.reprise.core.exec.StageState;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.Location;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code reprise export}: copies a stage's committed outputs (for its current key) into a folder.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Copies a stage's committed outputs into a folder, verifying each file.")
final class ExportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "The pipeline document (YAML).")
  Path file;

  @Option(
      names = "--stage",
      required = true,
      paramLabel = "S",
      description = "The stage whose outputs to copy.")
  String stageName;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "DIR",
      description = "Folder to copy them into (created if needed).")
  Path to;

  @Option(names = "--force", description = "Export into a folder that is not empty.")
  boolean force;

  @Mixin StoreOptions storeOptions;

  @Override
  public Integer call() throws Exception {
    Pipeline pipeline = Reprise.parse(file, Reprise.methods());
    if (pipeline.stage(stageName).isEmpty()) {
      throw new InvalidInputException(pipeline.fileName() + ": no stage named '" + stageName + "'");
    }
    try (ArtifactStore store = storeOptions.open(pipeline.store())) {
      Planner.PlannedStage p =
          new Planner(store, new StageResolver(storeOptions.dataDigests()))
              .plan(pipeline).stream()
                  .filter(x -> x.stage().name().equals(stageName))
                  .findFirst()
                  .orElseThrow();
      if (p.state() == StageState.RUN && p.damage() != null) {
        throw new RepriseException(
            "stage '"
                + stageName
                + "': its stored result "
                + p.key().substring(0, 12)
                + " in "
                + store.uri()
                + " is damaged ("
                + p.damage()
                + "); run the pipeline to recompute it");
      }
      if (p.state() != StageState.REUSED) {
        throw new RepriseException(
            "stage '"
                + stageName
                + "' has no committed result for its current parameters, code and inputs"
                + " in "
                + store.uri()
                + ": run the pipeline first ('reprise plan' shows what would run)");
      }
      if (!force && Files.isDirectory(to)) {
        try (var entries = Files.list(to)) {
          if (entries.findAny().isPresent()) {
            throw new InvalidInputException(
                "--to "
                    + to
                    + " is not empty: export into an empty or new folder, or add --force to"
                    + " overwrite files of the same names");
          }
        }
      } else if (Files.exists(to) && !Files.isDirectory(to)) {
        throw new InvalidInputException("--to " + to + " is a file, not a folder");
      }
      store.export(Location.stage(p.key()), p.manifest(), to);
      System.out.println(
          "Copied "
              + p.manifest().outputs().size()
              + " files of stage '"
              + stageName
              + "' ("
              + p.key().substring(0, 12)
              + ") into "
              + to.toAbsolutePath());
      return 0;
    }
  }
}

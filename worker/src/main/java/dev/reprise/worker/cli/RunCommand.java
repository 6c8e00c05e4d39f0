package dev.reprise.worker.cli;

import dev.reprise.core.command.CommandMethod;
import dev.reprise.core.data.ExternalData;
import dev.reprise.core.exec.LocalExecutor;
import dev.reprise.core.exec.RunSummary;
import dev.reprise.core.exec.StageOutcome;
import dev.reprise.core.exec.StageResolver;
import dev.reprise.core.exec.StageState;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.store.ArtifactStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code reprise run}: plan, reuse what the store has, run the rest, print a summary. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Runs a pipeline, reusing every stage whose result is stored.")
final class RunCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "The pipeline document (YAML).")
  Path file;

  @Mixin StoreOptions storeOptions;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = "Worker threads, one slice each (default: one per core).")
  Integer workers;

  @Option(
      names = "--json",
      paramLabel = "OUT",
      description = "Also write the run's summary as JSON to OUT ('-': standard output).")
  Path json;

  @Option(names = "--quiet", description = "Print only the final table.")
  boolean quiet;

  @Option(
      names = "--runtime",
      paramLabel = "R",
      defaultValue = "host",
      description =
          "Where command stages run: host (default: a child process here; the image is not used),"
              + " docker or podman (in the stage's image, with the same folders mounted).")
  String runtime;

  @Override
  public Integer call() throws Exception {
    MethodRegistry methods = Reprise.methods();
    Pipeline pipeline = Reprise.parse(file, methods);
    CommandMethod.CommandRuntime where = CommandMethod.CommandRuntime.of(runtime);
    int n = workers != null ? workers : Runtime.getRuntime().availableProcessors();
    if (n < 1) {
      throw new dev.reprise.core.InvalidInputException("--workers must be at least 1, got " + n);
    }
    PrintStream out = System.out;
    try (ArtifactStore store = storeOptions.open(pipeline.store())) {
      boolean terminal = System.console() != null && !quiet;
      RunSummary summary;
      try (ProgressPrinter progress =
              new ProgressPrinter(
                  quiet ? nullStream() : System.err, terminal, pipeline.stages().size());
          ExternalData data = storeOptions.externalData()) {
        if (!quiet) {
          System.err.println(
              "reprise: running "
                  + pipeline.name()
                  + " ("
                  + pipeline.stages().size()
                  + " stages) with "
                  + n
                  + " worker"
                  + (n == 1 ? "" : "s")
                  + " on "
                  + store.uri());
        }
        if (where.onHost()
            && pipeline.stages().stream()
                .anyMatch(s -> s.isCommand() && s.command().image() != null)) {
          System.err.println(
              "reprise: command stages run on this machine; their images are not used here"
                  + " (--runtime docker runs them in their images)");
        }
        LocalExecutor executor =
            new LocalExecutor(store, methods, new StageResolver(storeOptions.dataDigests()), data);
        summary =
            executor.run(
                pipeline,
                new LocalExecutor.Options(
                    n, progress, StoreOptions.workRoot(), Duration.ofMillis(250), where));
      }
      // With --json -, standard output carries the JSON alone and the table goes to stderr.
      PrintStream tableOut = "-".equals(String.valueOf(json)) ? System.err : out;
      tableOut.print(table(summary));
      tableOut.println(savedLine(summary));
      if (json != null) {
        Tables.writeJson(json, summary.toJson());
      }
      return summary.exitCode();
    }
  }

  static String table(RunSummary s) {
    List<List<String>> rows = new ArrayList<>();
    for (StageOutcome o : s.stages()) {
      rows.add(
          List.of(
              o.name(),
              o.state().wireName(),
              o.state() == StageState.REUSED ? "-" : o.slicesRan() + "/" + o.slices(),
              o.state() == StageState.REUSED ? "-" : String.format("%.2f", o.seconds()),
              o.key() == null ? "-" : o.key().substring(0, 12)));
    }
    StringBuilder sb =
        new StringBuilder(
            Tables.render(List.of("STAGE", "STATE", "SLICES", "SECONDS", "KEY"), rows));
    for (StageOutcome o : s.stages()) {
      if (o.state() == StageState.FAILED) {
        sb.append("\n").append(o.name()).append(" failed: ").append(o.message()).append('\n');
      }
    }
    return sb.toString();
  }

  static String savedLine(RunSummary s) {
    long reused = s.stages().stream().filter(o -> o.state() == StageState.REUSED).count();
    return String.format(
        "%s in %s; %d of %d stages reused, saving %s of computation.",
        s.exitCode() == 0 ? "Done" : "Failed",
        Tables.seconds(s.seconds()),
        reused,
        s.stages().size(),
        Tables.seconds(s.savedSeconds()));
  }

  private static PrintStream nullStream() {
    return new PrintStream(java.io.OutputStream.nullOutputStream());
  }
}

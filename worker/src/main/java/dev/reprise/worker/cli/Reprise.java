package dev.reprise.worker.cli;

import dev.reprise.core.RepriseException;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.pipeline.InvalidPipelineException;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.PipelineParser;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code reprise} command line. Exit codes: 0 success, 1 a stage failed, 2 invalid input. */
@Command(
    name = "reprise",
    mixinStandardHelpOptions = true,
    versionProvider = Reprise.Version.class,
    description = "Runs pipelines whose stages are stored under the hash of everything that can change them, so reruns reuse what is stored.",
    subcommands = {
      RunCommand.class,
      PlanCommand.class,
      ExplainCommand.class,
      ExportCommand.class,
      HistoryCommand.class,
      WorkerCommand.class,
      MethodsCommand.class
    })
public final class Reprise implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code (tests call this in-process). */
  public static int execute(String... args) {
    System.setProperty("java.awt.headless", "true");
    CommandLine cl = new CommandLine(new Reprise());
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          if (e instanceof InvalidPipelineException ip) {
            err.println("invalid pipeline (" + ip.problems().size() + " problem" + (ip.problems().size() == 1 ? "" : "s") + "):");
            ip.problems().forEach(p -> err.println("  " + p));
          } else if (e instanceof RepriseException re) {
            err.println("reprise: " + re.getMessage());
          } else {
            err.println("reprise: internal error: " + e);
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
              err.println("  caused by: " + c);
            }
          }
          err.flush();
          return e instanceof RepriseException re ? re.exitCode() : 1;
        });
    return cl.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static MethodRegistry methods() {
    return MethodRegistry.discover(Reprise.class.getClassLoader());
  }

  static Pipeline parse(Path file, MethodRegistry methods) {
    return new PipelineParser(methods).parse(file);
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Reprise.class.getPackage().getImplementationVersion();
      return new String[] {"reprise " + (v == null ? "development build" : v)};
    }
  }
}

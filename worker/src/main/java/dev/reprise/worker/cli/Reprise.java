package dev.reprise.worker.cli;

import dev.reprise.core.RepriseException;
import dev.reprise.core.key.CodeDigest;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.pipeline.InvalidPipelineException;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.PipelineParser;
import dev.reprise.core.store.JsonCodec;
import dev.reprise.core.store.Manifest;
import dev.reprise.core.store.RunRecord;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code reprise} command line. Exit codes: 0 success, 1 a stage failed, 2 invalid input. */
@Command(
    name = "reprise",
    mixinStandardHelpOptions = true,
    versionProvider = Reprise.Version.class,
    description =
        "Runs pipelines whose stages are stored under the hash of everything that can change them, so reruns reuse what is stored.",
    subcommands = {
      RunCommand.class,
      PlanCommand.class,
      ExplainCommand.class,
      ExportCommand.class,
      HistoryCommand.class,
      GcCommand.class,
      StoreCommand.class,
      PushCommand.class,
      RetryCommand.class,
      DataCommand.class,
      WorkerCommand.class,
      VolumeDigestCommand.class,
      MethodsCommand.class
    })
public final class Reprise implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Code digests of an unchanged jar are remembered, so a no-change rerun reads no class file.
    dev.reprise.core.key.CodeDigest.remember(StoreOptions.cacheDir().resolve("code-digests.tsv"));
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code (tests call this in-process). */
  public static int execute(String... args) {
    return execute(null, null, null, args);
  }

  /**
   * Runs the command line as a pod would: {@code reprise worker} reads its settings from {@code
   * env} instead of this process's environment, and the command prints to {@code out} and {@code
   * err}. Lets a test stand in for a Kubernetes node and run many pods in one JVM.
   *
   * @param env the pod's environment, or null for this process's
   * @param stdout standard output, or null for System.out
   * @param stderr standard error, or null for System.err
   */
  public static int execute(
      Map<String, String> env, PrintWriter stdout, PrintWriter stderr, String... args) {
    System.setProperty("java.awt.headless", "true");
    warmUp();
    CommandLine cl = commandLine(args);
    if (stdout != null) {
      cl.setOut(stdout);
    }
    if (stderr != null) {
      cl.setErr(stderr);
    }
    if (env != null) {
      for (CommandLine sub : cl.getSubcommands().values()) {
        if (sub.getCommand() instanceof WorkerCommand worker) {
          worker.useEnvironment(env);
        } else if (sub.getCommand() instanceof VolumeDigestCommand digest) {
          digest.useEnvironment(env);
        }
      }
    }
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          if (e instanceof InvalidPipelineException ip) {
            err.println(
                "invalid pipeline ("
                    + ip.problems().size()
                    + " problem"
                    + (ip.problems().size() == 1 ? "" : "s")
                    + "):");
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

  /**
   * Starts, on another core, the one-off work every command needs next (JSON and YAML mappers,
   * method discovery and code digests) while picocli reads the arguments: a no-change rerun is
   * mostly start-up, so this is a sizeable share of it.
   */
  private static void warmUp() {
    Thread t =
        new Thread(
            () -> {
              try {
                JsonCodec.MAPPER.readValue(
                    "{\"key\":\"k\",\"outputs\":[{\"name\":\"a\",\"size\":1,\"sha256\":\"s\"}],\"inputs\":{}}",
                    Manifest.class);
                JsonCodec.write(new RunRecord("p", null, null, "t", 0, 1, java.util.List.of()));
                for (dev.reprise.core.method.Method m : methods().all()) {
                  CodeDigest.of(m);
                }
                PipelineParser.readTree("metadata: {name: warm-up}\nspec: {stages: [{name: a}]}\n");
                new PipelineParser(new MethodRegistry()).fromTree(null, null, null);
              } catch (Exception | LinkageError expected) {
                // Only warming caches: the real call reports any real problem.
              }
            },
            "reprise-warm-up");
    t.setDaemon(true);
    t.start();
  }

  /**
   * The command line for these arguments. Building picocli's model of every subcommand costs tens
   * of milliseconds of a no-change rerun, so a known subcommand is built alone, under the top-level
   * command so usage and errors still read "reprise run ...".
   */
  private static CommandLine commandLine(String[] args) {
    if (args.length > 0) {
      for (Class<?> sub : Reprise.class.getAnnotation(Command.class).subcommands()) {
        if (sub.getAnnotation(Command.class).name().equals(args[0])) {
          try {
            java.lang.reflect.Constructor<?> c = sub.getDeclaredConstructor();
            c.setAccessible(true);
            CommandLine top =
                new CommandLine(CommandLine.Model.CommandSpec.create().name("reprise"));
            top.addSubcommand(args[0], new CommandLine(c.newInstance()));
            return top;
          } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create command " + args[0], e);
          }
        }
      }
    }
    return new CommandLine(new Reprise());
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

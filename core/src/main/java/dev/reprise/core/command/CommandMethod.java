package dev.reprise.core.command;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.StageFailedException;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodSpec;
import dev.reprise.core.method.Phase;
import dev.reprise.core.method.PhaseContext;
import dev.reprise.core.store.ArtifactStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a command stage's program as its analysis phase, one run per slice: lays out the workspace,
 * runs the program (on the host, or in its image with a container runtime), and leaves its outputs
 * to the engine to commit. The slices' outputs are the stage's, merged by path.
 *
 * <p>Exit 0 is success; exit 2 is the user's mistake ({@link InvalidInputException}, never
 * retried); any other exit is a failure. Both messages end with the last lines of the program's
 * stderr.
 */
public final class CommandMethod implements Method {
  /** Where the contract's folders are inside a container. */
  public static final String CONTAINER_ROOT = "/reprise";

  static final MethodSpec SPEC =
      MethodSpec.builder(CommandSpec.KIND)
          .description("Runs a program: image, command, files, env (a command stage)")
          .phases(Phase.ANALYSIS)
          .build();

  private final CommandSpec command;
  private final Set<String> inputNames;
  private final ArtifactStore store;
  private final CommandRuntime runtime;

  /**
   * @param inputNames the stage's input names
   * @param store where shipped files are read from; null for a stage that is only planned
   */
  public CommandMethod(
      CommandSpec command, Set<String> inputNames, ArtifactStore store, CommandRuntime runtime) {
    this.command = command;
    this.inputNames = Set.copyOf(inputNames);
    this.store = store;
    this.runtime = runtime;
  }

  /** A command stage as the parser sees it: planned, not run. */
  public static CommandMethod planned(CommandSpec command, Set<String> inputNames) {
    return new CommandMethod(command, inputNames, null, CommandRuntime.HOST);
  }

  @Override
  public MethodSpec spec() {
    return SPEC;
  }

  public CommandSpec command() {
    return command;
  }

  @Override
  public void analysis(PhaseContext ctx) throws Exception {
    if (store == null) {
      throw new IllegalStateException("a planned command stage cannot run");
    }
    CommandWorkspace ws = new CommandWorkspace(ctx.scratch(), ctx.out());
    ws.stage(ctx, inputNames, command, store);
    List<String> argv;
    Map<String, String> env;
    if (runtime.onHost()) {
      argv = command.command();
      env = new LinkedHashMap<>(System.getenv());
      env.putAll(programEnvironment(ws.contract(ctx.slice(), ctx.slices())));
    } else {
      if (command.image() == null) {
        throw new InvalidInputException(
            "stage '"
                + ctx.stageName()
                + "': image: required to run with --runtime "
                + runtime.name());
      }
      Map<String, String> inside =
          programEnvironment(
              CommandWorkspace.contract(
                  CONTAINER_ROOT + "/inputs",
                  CONTAINER_ROOT + "/outputs",
                  CONTAINER_ROOT + "/params.json",
                  ctx.slice(),
                  ctx.slices()));
      argv = runtime.argv(ws, command.image(), inside, command.command());
      env = new LinkedHashMap<>(System.getenv());
    }
    CommandProcess.Exit exit;
    try {
      exit = CommandProcess.run(argv, ws.work(), env, ctx::log);
    } catch (IOException e) {
      throw new InvalidInputException(
          where(ctx)
              + ": cannot start "
              + argv.get(0)
              + " ("
              + e.getMessage()
              + ")"
              + (runtime.onHost()
                  ? "; locally a command stage runs on this machine, so the program must be"
                      + " installed here (or use --runtime docker)"
                  : ""),
          e);
    }
    check(where(ctx), command.commandLine(), exit);
  }

  /** Throws for a non-zero exit: 2 is the user's mistake, anything else a failure. */
  public static void check(String where, String commandLine, CommandProcess.Exit exit) {
    if (exit.code() == 0) {
      return;
    }
    String what = where + ": `" + commandLine + "` exited with code " + exit.code();
    if (exit.code() == 2) {
      throw new InvalidInputException(what + " (invalid input: not retried)" + exit.tailText());
    }
    if (exit.code() > 128 && exit.code() < 160) {
      what += " (killed by signal " + (exit.code() - 128) + ")";
    }
    throw new StageFailedException(what + exit.tailText());
  }

  /** The contract's variables, the stage's env, and one thread per slice unless env says more. */
  private Map<String, String> programEnvironment(Map<String, String> contract) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String v : CommandWorkspace.THREAD_VARS) {
      env.put(v, "1");
    }
    env.putAll(command.env());
    env.putAll(contract);
    return env;
  }

  private static String where(PhaseContext ctx) {
    return "stage '" + ctx.stageName() + "' (command, slice " + ctx.slice() + ")";
  }

  /** Where a command stage runs locally: on the host, or in its image with docker or podman. */
  public record CommandRuntime(String name) {
    public static final CommandRuntime HOST = new CommandRuntime("host");

    public static CommandRuntime of(String name) {
      if (!List.of("host", "docker", "podman").contains(name)) {
        throw new InvalidInputException(
            "--runtime: expected host, docker or podman, got '" + name + "'");
      }
      return new CommandRuntime(name);
    }

    public boolean onHost() {
      return "host".equals(name);
    }

    /** {@code docker run} with the workspace's folders mounted where the contract says. */
    List<String> argv(
        CommandWorkspace ws, String image, Map<String, String> env, List<String> command) {
      List<String> argv = new ArrayList<>(List.of(name, "run", "--rm"));
      argv.addAll(List.of("-v", ws.inputs() + ":" + CONTAINER_ROOT + "/inputs:ro"));
      argv.addAll(List.of("-v", ws.outputs() + ":" + CONTAINER_ROOT + "/outputs"));
      argv.addAll(List.of("-v", ws.params() + ":" + CONTAINER_ROOT + "/params.json:ro"));
      argv.addAll(List.of("-v", ws.work() + ":" + CONTAINER_ROOT + "/work"));
      argv.addAll(List.of("-w", CONTAINER_ROOT + "/work"));
      env.forEach((k, v) -> argv.addAll(List.of("-e", k + "=" + v)));
      argv.add(image);
      argv.addAll(command);
      return argv;
    }
  }
}

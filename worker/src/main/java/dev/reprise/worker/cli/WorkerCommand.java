package dev.reprise.worker.cli;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.exec.PhaseRunner;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.method.Phase;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.Manifest;
import dev.reprise.core.store.Task;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reprise worker}: a Kubernetes pod's entry point. Reads {@code task.json} for the key, runs
 * one phase (one slice of the analysis, from {@code JOB_COMPLETION_INDEX}) and commits it. A unit
 * that is already committed is not run again, so a retried pod is harmless. Exit code 2 marks the
 * user's mistake (do not retry), 1 a passing fault (retry).
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description =
        "Runs one phase (or one slice) of a stored task: the entry point of a Kubernetes Job's pod.")
final class WorkerCommand implements Callable<Integer> {
  @Mixin StoreOptions storeOptions;

  @Spec CommandSpec spec;

  /**
   * The pod's environment: the process's, unless {@link Reprise#execute(Map, PrintWriter,
   * PrintWriter, String...)} gives one.
   */
  private Map<String, String> environment = System.getenv();

  void useEnvironment(Map<String, String> env) {
    this.environment = Map.copyOf(env);
    storeOptions.useEnvironment(env);
  }

  @Option(
      names = "--key",
      required = true,
      paramLabel = "K",
      description = "The stage key whose task.json to run.")
  String key;

  @Option(
      names = "--phase",
      required = true,
      paramLabel = "P",
      description = "prepare, analysis or synthesis.")
  String phaseName;

  @Option(
      names = "--slice",
      paramLabel = "I",
      description = "Slice index for the analysis (default: $JOB_COMPLETION_INDEX).")
  Integer slice;

  @Override
  public Integer call() throws Exception {
    Phase phase;
    try {
      phase = Phase.fromWireName(phaseName);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    int index = -1;
    if (phase == Phase.ANALYSIS) {
      index = slice != null ? slice : indexFromEnvironment();
    }
    if (storeOptions.store == null) {
      throw new InvalidInputException("--store is required for reprise worker");
    }
    MethodRegistry methods = Reprise.methods();
    try (ArtifactStore store = storeOptions.open(null)) {
      Task task =
          store
              .readTask(key)
              .orElseThrow(
                  () ->
                      new InvalidInputException(
                          "no task.json for key " + key + " in " + store.uri()));
      PhaseRunner runner = new PhaseRunner(store, methods, StoreOptions.workRoot());
      Method method = runner.method(task);
      Location loc =
          switch (phase) {
            case PREPARE -> Location.prepare(key);
            case ANALYSIS -> Location.slice(key, index);
            case SYNTHESIS -> Location.stage(key);
          };
      String what =
          "stage '" + task.stage() + "' (" + method.spec().name() + "), " + loc.describe();
      Optional<Manifest> done = store.manifest(loc);
      if (done.isPresent() && store.verify(loc, done.get()).isEmpty()) {
        out.println("reprise worker: " + what + " is already committed; nothing to do");
      } else {
        Instant started = Instant.now();
        out.println("reprise worker: running " + what);
        Manifest m =
            runner.run(task, phase, index, (where, message) -> out.println(where + ": " + message));
        out.printf(
            "reprise worker: committed %s (%d files) in %.2f s%n",
            what,
            m.outputs().size(),
            (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0);
      }
      if (phase == Phase.ANALYSIS && !method.spec().has(Phase.SYNTHESIS)) {
        runner
            .finishWithoutSynthesis(task, Instant.now(), null)
            .ifPresent(
                m ->
                    out.println(
                        "reprise worker: all slices committed; stage "
                            + key.substring(0, 12)
                            + " committed"));
      }
      out.flush();
      return 0;
    }
  }

  private int indexFromEnvironment() {
    String env = environment.get("JOB_COMPLETION_INDEX");
    if (env == null || env.isBlank()) {
      throw new InvalidInputException(
          "--phase analysis needs --slice or the JOB_COMPLETION_INDEX environment variable");
    }
    try {
      return Integer.parseInt(env.trim());
    } catch (NumberFormatException e) {
      throw new InvalidInputException("JOB_COMPLETION_INDEX is not a number: " + env);
    }
  }
}

package dev.reprise.worker.cli;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.command.CommandMethod;
import dev.reprise.core.command.CommandProcess;
import dev.reprise.core.command.CommandWorkspace;
import dev.reprise.core.data.ExternalData;
import dev.reprise.core.exec.PhaseRunner;
import dev.reprise.core.key.KeyComponents;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.method.Phase;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.Manifest;
import dev.reprise.core.store.Task;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

  @Option(
      names = "--stage-in",
      paramLabel = "DIR",
      description =
          "Command stages in a pod: lay out the slice's inputs, params and files in DIR and copy"
              + " reprise-launcher to DIR/bin, for the user's container (init container).")
  Path stageIn;

  @Option(
      names = "--commit",
      paramLabel = "DIR",
      description =
          "Command stages in a pod: wait for the program in the user's container to exit, then"
              + " commit DIR/outputs as the slice (exit 2 if it exited 2, 1 for other failures).")
  Path commit;

  /** Where reprise-launcher is in the worker image. */
  static final Path IMAGE_LAUNCHER = Path.of("/opt/reprise/bin/reprise-launcher");

  @Override
  public Integer call() throws Exception {
    if (!key.matches("[0-9a-f]{64}")) {
      throw new InvalidInputException(
          "--key: expected a stage key (64 hex digits), got '" + key + "'");
    }
    if (stageIn != null || commit != null) {
      return command();
    }
    return phase();
  }

  /**
   * One slice of a command stage in a pod: the staging before, or the commit after, its program.
   */
  private int command() throws Exception {
    if (stageIn != null && commit != null) {
      throw new InvalidInputException("--stage-in and --commit are two steps: give one");
    }
    if (!"analysis".equals(phaseName)) {
      throw new InvalidInputException("a command stage has only the analysis phase");
    }
    int index = slice != null ? slice : indexFromEnvironment();
    if (storeOptions.store == null) {
      throw new InvalidInputException("--store is required for reprise worker");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (ArtifactStore store = storeOptions.open(null)) {
      Task task = readTask(store);
      PhaseRunner runner = new PhaseRunner(store, Reprise.methods(), StoreOptions.workRoot());
      Location loc = Location.slice(key, index);
      String what = "stage '" + task.stage() + "' (command), " + loc.describe();
      CommandWorkspace ws = CommandWorkspace.at(stageIn != null ? stageIn : commit);
      boolean committed = store.committed(loc).intact();
      if (stageIn != null) {
        Files.createDirectories(ws.status());
        if (committed) {
          Files.writeString(ws.status().resolve("skip"), "");
          out.println("reprise worker: " + what + " is already committed; nothing to stage");
        } else {
          runner.stageCommand(task, index, ws);
          out.println("reprise worker: staged " + what + " in " + ws.root());
        }
        Path launcher = ws.root().resolve("bin/reprise-launcher");
        Files.createDirectories(launcher.getParent());
        Files.copy(launcher(), launcher, StandardCopyOption.REPLACE_EXISTING);
        launcher.toFile().setExecutable(true, false);
        out.flush();
        return 0;
      }
      Path exitFile = ws.status().resolve("exit");
      out.println("reprise worker: waiting for the command of " + what);
      out.flush();
      while (!Files.exists(exitFile)) {
        Thread.sleep(200);
      }
      int code = Integer.parseInt(Files.readString(exitFile).trim());
      List<String> tail =
          Files.exists(ws.status().resolve("stderr"))
              ? Files.readAllLines(ws.status().resolve("stderr")).stream()
                  .filter(l -> !l.isBlank())
                  .toList()
              : List.of();
      if (!Files.exists(ws.status().resolve("skip"))) {
        KeyComponents c = KeyComponents.fromJson(task.components());
        CommandMethod.check(
            "stage '" + task.stage() + "' (command, slice " + index + ")",
            c.command().commandLine(),
            new CommandProcess.Exit(code, tail));
        Instant started = Files.getLastModifiedTime(ws.params()).toInstant();
        Manifest m = runner.commitCommand(task, index, ws, started);
        out.printf("reprise worker: committed %s (%d files)%n", what, m.outputs().size());
      }
      finishIfLast(runner, task, out);
      out.flush();
      return 0;
    }
  }

  /** After a slice of a stage without synthesis: the last slice's pod commits the stage. */
  private void finishIfLast(PhaseRunner runner, Task task, PrintWriter out) {
    runner
        .finishWithoutSynthesis(task, Instant.now(), null)
        .ifPresent(
            m ->
                out.println(
                    "reprise worker: all slices committed; stage "
                        + key.substring(0, 12)
                        + " committed"));
  }

  /** reprise-launcher: $REPRISE_LAUNCHER, else where the worker image keeps it. */
  private Path launcher() {
    String given = environment.get("REPRISE_LAUNCHER");
    Path p = given != null && !given.isBlank() ? Path.of(given) : IMAGE_LAUNCHER;
    if (!Files.isRegularFile(p)) {
      throw new dev.reprise.core.StageFailedException(
          "reprise-launcher is not at "
              + p
              + ": run the worker image built with -Pimages, or set REPRISE_LAUNCHER");
    }
    return p;
  }

  private Task readTask(ArtifactStore store) {
    return store
        .readTask(key)
        .orElseThrow(
            () -> new InvalidInputException("no task.json for key " + key + " in " + store.uri()));
  }

  private int phase() throws Exception {
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
    try (ArtifactStore store = storeOptions.open(null);
        ExternalData data = storeOptions.externalData()) {
      Task task =
          store
              .readTask(key)
              .orElseThrow(
                  () ->
                      new InvalidInputException(
                          "no task.json for key " + key + " in " + store.uri()));
      PhaseRunner runner =
          new PhaseRunner(
              store, methods, StoreOptions.workRoot(), CommandMethod.CommandRuntime.HOST, data);
      Method method = runner.method(task);
      Location loc =
          switch (phase) {
            case PREPARE -> Location.prepare(key);
            case ANALYSIS -> Location.slice(key, index);
            case SYNTHESIS -> Location.stage(key);
          };
      String what =
          "stage '" + task.stage() + "' (" + method.spec().name() + "), " + loc.describe();
      if (store.committed(loc).intact()) {
        out.println("reprise worker: " + what + " is already committed; nothing to do");
      } else {
        try (BlobStore.Lock lease = lease(store, unitLock(phase, index), loc, what, out)) {
          if (lease == null) {
            out.println(
                "reprise worker: "
                    + what
                    + " was committed by another pod meanwhile; nothing to do");
          } else {
            Instant started = Instant.now();
            out.println("reprise worker: running " + what);
            Manifest m =
                runner.run(
                    task, phase, index, (where, message) -> out.println(where + ": " + message));
            out.printf(
                "reprise worker: committed %s (%d files) in %.2f s%n",
                what,
                m.outputs().size(),
                (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0);
          }
        }
      }
      if (phase == Phase.ANALYSIS && !method.spec().has(Phase.SYNTHESIS)) {
        finishIfLast(runner, task, out);
      }
      out.flush();
      return 0;
    }
  }

  /** How often a pod waiting for another pod's unit looks again. */
  static final Duration LEASE_POLL = Duration.ofSeconds(2);

  /**
   * The store lease of one unit: the stage's key itself for its synthesis (the lease a local run
   * takes), the key with {@code .prepare} or {@code .slice-N} otherwise. Two Jobs for one key (two
   * namespaces, two clusters, a local run and a pod) compute each unit once.
   */
  static String unitLock(Phase phase, int index) {
    return switch (phase) {
      case SYNTHESIS -> "";
      case PREPARE -> ".prepare";
      case ANALYSIS -> ".slice-" + index;
    };
  }

  /**
   * Waits for the unit's lease; null when the holder committed the unit meanwhile (nothing left to
   * do). Time spent here is not the unit's computing time: it is measured after.
   */
  private BlobStore.Lock lease(
      ArtifactStore store, String suffix, Location loc, String what, PrintWriter out)
      throws InterruptedException {
    boolean told = false;
    while (true) {
      Optional<BlobStore.Lock> lock = store.tryLock(key + suffix);
      if (lock.isPresent()) {
        if (store.committed(loc).intact()) {
          lock.get().close();
          return null;
        }
        return lock.get();
      }
      if (store.committed(loc).intact()) {
        return null;
      }
      if (!told) {
        out.println(
            "reprise worker: "
                + what
                + " is being computed elsewhere"
                + store.lockHolder(key + suffix).map(h -> " (" + h + ")").orElse("")
                + "; waiting for it");
        out.flush();
        told = true;
      }
      Thread.sleep(LEASE_POLL.toMillis());
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

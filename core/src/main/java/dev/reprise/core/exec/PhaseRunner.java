package dev.reprise.core.exec;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.RepriseException;
import dev.reprise.core.StageFailedException;
import dev.reprise.core.StoreException;
import dev.reprise.core.command.CommandMethod;
import dev.reprise.core.command.CommandWorkspace;
import dev.reprise.core.data.ExternalData;
import dev.reprise.core.key.CodeDigest;
import dev.reprise.core.key.KeyComponents;
import dev.reprise.core.method.InputArtifacts;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.method.ParamValues;
import dev.reprise.core.method.Params;
import dev.reprise.core.method.Phase;
import dev.reprise.core.method.PhaseContext;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.Manifest;
import dev.reprise.core.store.Task;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * Runs one phase of one task and commits what it wrote: the same code for a local run's worker
 * thread and for a Kubernetes pod ({@code reprise worker}).
 */
public final class PhaseRunner {
  private final ArtifactStore store;
  private final MethodRegistry methods;
  private final Path workRoot;
  private final CommandMethod.CommandRuntime runtime;
  private final ExternalData data;

  /**
   * @param workRoot local folder for phases' output and scratch folders (emptied after each phase)
   */
  public PhaseRunner(ArtifactStore store, MethodRegistry methods, Path workRoot) {
    this(store, methods, workRoot, CommandMethod.CommandRuntime.HOST);
  }

  /**
   * @param runtime where command stages run: on the host, or in their image (docker, podman)
   */
  public PhaseRunner(
      ArtifactStore store,
      MethodRegistry methods,
      Path workRoot,
      CommandMethod.CommandRuntime runtime) {
    this(store, methods, workRoot, runtime, ExternalData.localOnly());
  }

  /**
   * @param data how methods' PATH parameters reach local files ({@link PhaseContext#data})
   */
  public PhaseRunner(
      ArtifactStore store,
      MethodRegistry methods,
      Path workRoot,
      CommandMethod.CommandRuntime runtime,
      ExternalData data) {
    this.store = store;
    this.methods = methods;
    this.workRoot = workRoot;
    this.runtime = runtime;
    this.data = data;
  }

  public ArtifactStore store() {
    return store;
  }

  /**
   * The method a task names, checked to be the same code the task was planned with; for a command
   * stage, the {@link CommandMethod} that runs its command.
   */
  public Method method(Task task) {
    KeyComponents c = KeyComponents.fromJson(task.components());
    if (c.isCommand()) {
      return new CommandMethod(c.command(), task.inputs().keySet(), store, runtime);
    }
    Method m = methods.get(c.method());
    if (m == null) {
      throw new InvalidInputException(
          "task "
              + task.key()
              + " needs method "
              + c.method()
              + ", which this worker does not have (it has "
              + String.join(", ", methods.names())
              + ")");
    }
    String code = CodeDigest.of(m);
    if (!code.equals(c.code())) {
      throw new InvalidInputException(
          "task "
              + task.key()
              + " was planned with other code for "
              + c.method()
              + " (code digest "
              + c.code().substring(0, 12)
              + ", this worker has "
              + code.substring(0, 12)
              + "): run the worker image that matches the planner");
    }
    return m;
  }

  /**
   * Runs {@code phase} (and {@code slice} for the analysis) of the task and commits its files.
   *
   * @param log receives the method's log lines with the phase's description
   */
  public Manifest run(Task task, Phase phase, int slice, BiConsumer<String, String> log) {
    return run(task, phase, slice, null, null, log);
  }

  /**
   * As {@link #run(Task, Phase, int, BiConsumer)}, for the synthesis: {@code slicesRan} (how many
   * slices this run computed) and {@code stageStarted} (when the stage began, so the stage's
   * recorded seconds cover all its phases) go into the stage's manifest; null when unknown.
   */
  public Manifest run(
      Task task,
      Phase phase,
      int slice,
      Integer slicesRan,
      Instant stageStarted,
      BiConsumer<String, String> log) {
    Method method = method(task);
    KeyComponents c = KeyComponents.fromJson(task.components());
    if (!method.spec().has(phase)) {
      throw new InvalidInputException(c.method() + " has no " + phase.wireName() + " phase");
    }
    if (phase == Phase.ANALYSIS && (slice < 0 || slice >= c.slices())) {
      throw new InvalidInputException(
          "slice " + slice + " is out of range: the stage has " + c.slices() + " slices");
    }
    Location loc =
        switch (phase) {
          case PREPARE -> Location.prepare(task.key());
          case ANALYSIS -> Location.slice(task.key(), slice);
          case SYNTHESIS -> Location.stage(task.key());
        };
    Path work = newWorkDir(loc);
    Instant started = Instant.now();
    try {
      Context ctx = new Context(task, c, method, phase, slice, work, log, loc.describe());
      try {
        switch (phase) {
          case PREPARE -> method.prepare(ctx);
          case ANALYSIS -> method.analysis(ctx);
          case SYNTHESIS -> method.synthesis(ctx);
        }
      } catch (RepriseException e) {
        throw e; // InvalidInputException is the only way a method says "the user's mistake"
      } catch (Exception e) {
        // Anything else is a failure, retried; an Error (out of memory) is not caught at all.
        throw new StageFailedException(describe(task, loc) + " failed: " + e, e);
      }
      boolean stage = phase == Phase.SYNTHESIS;
      Instant since = stage ? stageStart(task, stageStarted, started) : started;
      return store.commit(
          loc,
          ctx.out(),
          draft(task, c, since, stage ? c.slices() : null, stage ? slicesRan : null));
    } finally {
      deleteTree(work);
    }
  }

  /**
   * Lays out one slice of a command stage in {@code ws} (inputs, params, shipped files), for a
   * program that runs elsewhere: the user's container in a pod.
   */
  public void stageCommand(Task task, int slice, CommandWorkspace ws) {
    KeyComponents c = commandComponents(task, slice);
    Location loc = Location.slice(task.key(), slice);
    Path work = newWorkDir(loc);
    try {
      Method method = method(task);
      Context ctx =
          new Context(task, c, method, Phase.ANALYSIS, slice, work, (w, m) -> {}, loc.describe());
      ws.stage(ctx, task.inputs().keySet(), c.command(), store);
    } finally {
      deleteTree(work);
    }
  }

  /**
   * Commits what a command stage's program left in {@code ws}'s outputs as the slice, once it has
   * exited 0 ({@link CommandMethod#check} first).
   *
   * @param started when the slice began (the workspace was laid out)
   */
  public Manifest commitCommand(Task task, int slice, CommandWorkspace ws, Instant started) {
    KeyComponents c = commandComponents(task, slice);
    return store.commit(
        Location.slice(task.key(), slice), ws.outputs(), draft(task, c, started, null, null));
  }

  private static KeyComponents commandComponents(Task task, int slice) {
    KeyComponents c = KeyComponents.fromJson(task.components());
    if (!c.isCommand()) {
      throw new InvalidInputException(
          "task " + task.key() + " runs method " + c.method() + ", not a command");
    }
    if (slice < 0 || slice >= c.slices()) {
      throw new InvalidInputException(
          "slice " + slice + " is out of range: the stage has " + c.slices() + " slices");
    }
    return c;
  }

  /**
   * Completes a stage whose method has no synthesis phase once all its slices are committed: its
   * outputs are the union of the slices' files. Safe to call more than once or from several
   * workers; returns empty while slices are missing.
   *
   * @param slicesRan how many slices this run computed, or null when unknown (a pod)
   */
  public Optional<Manifest> finishWithoutSynthesis(Task task, Instant started, Integer slicesRan) {
    Method method = method(task);
    KeyComponents c = KeyComponents.fromJson(task.components());
    if (method.spec().has(Phase.SYNTHESIS)) {
      throw new IllegalStateException(c.method() + " has a synthesis phase");
    }
    ArtifactStore.Committed existing = store.committed(Location.stage(task.key()));
    if (existing.intact()) {
      return Optional.of(existing.manifest());
    }
    if (existing.damaged()) {
      store.withdraw(Location.stage(task.key()));
    }
    List<Manifest> parts = new ArrayList<>();
    for (int i = 0; i < c.slices(); i++) {
      Optional<Manifest> m = store.manifest(Location.slice(task.key(), i));
      if (m.isEmpty()) {
        return Optional.empty();
      }
      parts.add(m.get());
    }
    return Optional.of(
        store.commitMerged(
            Location.stage(task.key()), parts, draft(task, c, started, c.slices(), slicesRan)));
  }

  /**
   * When the stage began: as given, else (a pod, which saw only its own phase) the earliest start
   * recorded by the stage's committed prepare and slice manifests.
   */
  private Instant stageStart(Task task, Instant given, Instant fallback) {
    if (given != null) {
      return given;
    }
    Instant earliest = fallback;
    int slices = KeyComponents.fromJson(task.components()).slices();
    List<Location> parts = new ArrayList<>();
    parts.add(Location.prepare(task.key()));
    for (int i = 0; i < slices; i++) {
      parts.add(Location.slice(task.key(), i));
    }
    for (Location loc : parts) {
      Optional<Manifest> m = store.manifest(loc);
      if (m.isPresent() && m.get().started() != null) {
        Instant s = Instant.parse(m.get().started());
        if (s.isBefore(earliest)) {
          earliest = s;
        }
      }
    }
    return earliest;
  }

  private ArtifactStore.Draft draft(
      Task task, KeyComponents c, Instant started, Integer slices, Integer slicesRan) {
    return new ArtifactStore.Draft(
        c.method(), c.code(), c.params(), task.inputs(), started, slices, slicesRan);
  }

  private static String describe(Task task, Location loc) {
    return "stage '"
        + task.stage()
        + "' ("
        + KeyComponents.fromJson(task.components()).method()
        + ", "
        + loc.describe()
        + ")";
  }

  private Path newWorkDir(Location loc) {
    try {
      Files.createDirectories(workRoot);
      return Files.createTempDirectory(workRoot, loc.key().substring(0, 12) + "-");
    } catch (IOException e) {
      throw new StoreException(
          "cannot create a work folder in " + workRoot + ": " + e.getMessage(), e);
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException | UncheckedIOException e) {
      // A leftover work folder wastes space in the temp folder but cannot be mistaken for a result.
    }
  }

  /** The context a method's phase sees, backed by the store. */
  private final class Context implements PhaseContext {
    private final Task task;
    private final KeyComponents components;
    private final Phase phase;
    private final int slice;
    private final Path out;
    private final Path scratch;
    private final Params params;
    private final BiConsumer<String, String> log;
    private final String where;
    private final Path work;

    Context(
        Task task,
        KeyComponents c,
        Method method,
        Phase phase,
        int slice,
        Path work,
        BiConsumer<String, String> log,
        String where) {
      this.task = task;
      this.components = c;
      this.phase = phase;
      this.slice = phase == Phase.ANALYSIS ? slice : -1;
      this.log = log;
      this.where = where;
      this.work = work;
      try {
        this.out = Files.createDirectories(work.resolve("out"));
        this.scratch = Files.createDirectories(work.resolve("scratch"));
      } catch (IOException e) {
        throw new StoreException("cannot create work folders in " + work, e);
      }
      // A command's params are free-form: they reach the program as they entered the key.
      Map<String, Object> normalised =
          c.isCommand() ? c.params() : ParamValues.withDefaults(method.spec(), c.params());
      this.params = new Params(normalised, task.baseDir() == null ? null : Path.of(task.baseDir()));
    }

    @Override
    public String pipelineName() {
      return task.pipeline();
    }

    @Override
    public String stageName() {
      return task.stage();
    }

    @Override
    public Phase phase() {
      return phase;
    }

    @Override
    public int slice() {
      return slice;
    }

    @Override
    public int slices() {
      return components.slices();
    }

    @Override
    public Params params() {
      return params;
    }

    @Override
    public InputArtifacts input(String name) {
      Manifest.InputRef ref = task.inputs().get(name);
      if (ref == null) {
        return null;
      }
      Location loc = Location.stage(ref.key());
      Manifest m =
          store
              .manifest(loc)
              .orElseThrow(
                  () ->
                      new StoreException(
                          "input '"
                              + name
                              + "' (stage '"
                              + ref.stage()
                              + "', "
                              + loc.describe()
                              + ") is not committed in "
                              + store.uri()));
      return store.open(loc, m, "input '" + name + "' (stage '" + ref.stage() + "')");
    }

    @Override
    public InputArtifacts prepared() {
      Location loc = Location.prepare(task.key());
      Manifest m =
          store
              .manifest(loc)
              .orElseThrow(() -> new StoreException(loc.describe() + " is not committed"));
      return store.open(loc, m, "prepare phase");
    }

    @Override
    public InputArtifacts slice(int i) {
      if (phase != Phase.SYNTHESIS) {
        throw new IllegalStateException("slices are readable in the synthesis phase only");
      }
      Location loc = Location.slice(task.key(), i);
      Manifest m =
          store
              .manifest(loc)
              .orElseThrow(() -> new StoreException(loc.describe() + " is not committed"));
      return store.open(loc, m, "slice " + i);
    }

    @Override
    public Path data(String param) {
      String location = params.getPath(param);
      if (location == null) {
        return null;
      }
      try {
        ExternalData.Local local =
            data.local(location, components.data().get(param), work.resolve("data").resolve(param));
        if (local.objects() > 0) {
          log(
              "read "
                  + local.objects()
                  + (local.objects() == 1 ? " object of " : " objects of ")
                  + location
                  + ": fetched "
                  + local.fetched()
                  + " ("
                  + local.bytesFetched()
                  + " bytes), the rest from this machine's data cache");
        }
        return local.path();
      } catch (InvalidInputException e) {
        throw new InvalidInputException(param + ": " + e.getMessage(), e);
      }
    }

    @Override
    public InputArtifacts dataFiles(String param) {
      String location = params.getPath(param);
      if (location == null) {
        throw new InvalidInputException(param + ": no path given");
      }
      try {
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        InputArtifacts files =
            data.files(
                location,
                components.data().get(param),
                work.resolve("data").resolve(param),
                bytes::addAndGet);
        if (location.contains("://")) {
          log(
              location
                  + ": "
                  + files.names().size()
                  + " objects, each fetched into this machine's data cache when first read");
        }
        return files;
      } catch (InvalidInputException e) {
        throw new InvalidInputException(param + ": " + e.getMessage(), e);
      }
    }

    @Override
    public Path out() {
      return out;
    }

    @Override
    public Path scratch() {
      return scratch;
    }

    @Override
    public void log(String message) {
      log.accept(where, message);
    }
  }
}

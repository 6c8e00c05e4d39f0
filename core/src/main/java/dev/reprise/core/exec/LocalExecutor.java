package dev.reprise.core.exec;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.RepriseException;
import dev.reprise.core.command.CommandMethod;
import dev.reprise.core.command.ShippedFiles;
import dev.reprise.core.data.ExternalData;
import dev.reprise.core.key.KeyComponents;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.method.Phase;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.Stage;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.Manifest;
import dev.reprise.core.store.RunClaim;
import dev.reprise.core.store.RunRecord;
import dev.reprise.core.store.Task;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a pipeline on this machine. A stage starts as soon as its inputs are committed; its key
 * decides whether it is reused; otherwise its phases run, slices on a pool of worker threads (one
 * thread per slice, never nested parallelism), each committed as it finishes. A per-key lock in the
 * store keeps two runs from computing the same result at once.
 */
public final class LocalExecutor {
  /**
   * @param workers threads for phases and slices
   * @param workRoot local folder for phases' temporary output folders
   * @param lockPoll how often to look again while another process computes a key
   */
  public record Options(
      int workers,
      RunListener listener,
      Path workRoot,
      Duration lockPoll,
      CommandMethod.CommandRuntime runtime) {
    public Options {
      if (workers < 1) {
        throw new InvalidInputException("--workers must be at least 1, got " + workers);
      }
    }

    /** Command stages on the host. */
    public Options(int workers, RunListener listener, Path workRoot, Duration lockPoll) {
      this(workers, listener, workRoot, lockPoll, CommandMethod.CommandRuntime.HOST);
    }
  }

  private final ArtifactStore store;
  private final MethodRegistry methods;
  private final StageResolver resolver;
  private final Planner planner;
  private final ExternalData data;

  /** Methods read local data only ({@link ExternalData#localOnly}). */
  public LocalExecutor(ArtifactStore store, MethodRegistry methods, StageResolver resolver) {
    this(store, methods, resolver, ExternalData.localOnly());
  }

  /**
   * @param data how methods' PATH parameters reach local files (fetching S3 data)
   */
  public LocalExecutor(
      ArtifactStore store, MethodRegistry methods, StageResolver resolver, ExternalData data) {
    this.store = store;
    this.methods = methods;
    this.resolver = resolver;
    this.planner = new Planner(store, resolver, false);
    this.data = data;
  }

  public RunSummary run(Pipeline pipeline, Options options) {
    Instant started = Instant.now();
    int threads =
        pipeline.parallelism() == null
            ? options.workers()
            : Math.min(options.workers(), pipeline.parallelism());
    ExecutorService pool = Executors.newFixedThreadPool(threads, daemonThreads("reprise-worker"));
    ExecutorService coordinators = Executors.newCachedThreadPool(daemonThreads("reprise-stage"));
    PhaseRunner runner =
        new PhaseRunner(store, methods, options.workRoot(), options.runtime(), data);
    Map<String, CompletableFuture<StageOutcome>> futures = new LinkedHashMap<>();
    // Keys this run uses are claimed until its record (which keeps them from gc) is written.
    RunClaim claim = RunClaim.open(store.blobs(), pipeline.name());
    try {
      for (Stage stage : pipeline.stages()) {
        List<CompletableFuture<StageOutcome>> ups =
            stage.inputs().values().stream().distinct().map(futures::get).toList();
        CompletableFuture<StageOutcome> f =
            CompletableFuture.allOf(ups.toArray(CompletableFuture[]::new))
                .thenApplyAsync(
                    v -> {
                      Map<String, StageOutcome> upstream = new TreeMap<>();
                      for (CompletableFuture<StageOutcome> u : ups) {
                        StageOutcome o = u.join();
                        upstream.put(o.name(), o);
                      }
                      StageOutcome o =
                          new StageRun(pipeline, stage, upstream, runner, pool, options, claim)
                              .run();
                      options.listener().stageDone(o);
                      return o;
                    },
                    coordinators);
        futures.put(stage.name(), f);
      }
      List<StageOutcome> outcomes = new ArrayList<>();
      for (CompletableFuture<StageOutcome> f : futures.values()) {
        outcomes.add(f.join());
      }
      double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
      RunSummary summary = new RunSummary(pipeline.name(), store.uri(), seconds, outcomes);
      try {
        store.writeRun(record(pipeline, summary, started, threads));
      } catch (RepriseException e) {
        // The results are committed; only 'history' and 'explain' lose this run.
        options.listener().warn("this run is not recorded in the store: " + e.getMessage());
      }
      // The claim goes only now: until the run record is written, it is what keeps gc away.
      claim.close();
      claim
          .problem()
          .ifPresent(
              p ->
                  options
                      .listener()
                      .warn(
                          "this run's claims and last-use records are not in the store (gc may"
                              + " not see what it used): "
                              + p));
      resolver.data().save();
      store.saveChecks();
      return summary;
    } finally {
      pool.shutdownNow();
      coordinators.shutdownNow();
      claim.close();
    }
  }

  private static RunRecord record(Pipeline p, RunSummary s, Instant started, int workers) {
    List<RunRecord.StageRun> stages = new ArrayList<>();
    for (StageOutcome o : s.stages()) {
      stages.add(
          new RunRecord.StageRun(
              o.name(),
              o.method(),
              o.key(),
              o.state().wireName(),
              o.slices(),
              o.slicesRan(),
              o.seconds(),
              o.savedSeconds(),
              o.message(),
              o.components() == null ? null : o.components().toJson()));
    }
    return new RunRecord(
        p.name(),
        p.file() == null ? null : p.file().toAbsolutePath().toString(),
        s.store(),
        started.toString(),
        s.seconds(),
        workers,
        stages);
  }

  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** One stage's journey through a run: resolve its key, reuse or compute it, commit. */
  private final class StageRun {
    private final Pipeline pipeline;
    private final Stage stage;
    private final Map<String, StageOutcome> upstream;
    private final PhaseRunner runner;
    private final ExecutorService pool;
    private final Options options;
    private final RunListener listener;
    private final RunClaim claim;
    private KeyComponents components;
    private String key;
    private double savedSeconds;

    StageRun(
        Pipeline pipeline,
        Stage stage,
        Map<String, StageOutcome> upstream,
        PhaseRunner runner,
        ExecutorService pool,
        Options options,
        RunClaim claim) {
      this.pipeline = pipeline;
      this.claim = claim;
      this.stage = stage;
      this.upstream = upstream;
      this.runner = runner;
      this.pool = pool;
      this.options = options;
      this.listener = options.listener();
    }

    StageOutcome run() {
      Map<String, String> digests = new TreeMap<>();
      Map<String, Manifest.InputRef> refs = new TreeMap<>();
      for (Map.Entry<String, String> in : stage.inputs().entrySet()) {
        StageOutcome up = upstream.get(in.getValue());
        if (!up.succeeded()) {
          return outcome(
              StageState.SKIPPED,
              0,
              0,
              "upstream stage '" + up.name() + "' " + up.state().wireName(),
              false,
              null);
        }
        digests.put(in.getKey(), up.manifest().digest());
        refs.put(in.getKey(), new Manifest.InputRef(up.name(), up.key(), up.manifest().digest()));
      }
      Instant started = Instant.now();
      try {
        components = resolver.components(stage, digests);
        key = components.key();
        claim.claim(key); // before the manifest is read: see RunClaim
        Planner.PlannedStage decision = planner.decide(stage, components);
        if (decision.state() == StageState.REUSED) {
          return reused(decision.manifest());
        }
        if (decision.damage() != null) {
          withdraw(Location.stage(key), decision.damage());
        }
        Optional<Manifest> committed;
        try (BlobStore.Lock lock = acquire()) {
          // Time spent waiting for another run's lock is not this stage's computing time.
          Instant computing = Instant.now();
          if (lock == null) {
            return reused(committed(Location.stage(key)).orElseThrow());
          }
          committed = committed(Location.stage(key));
          if (committed.isPresent()) {
            return reused(committed.get());
          }
          Task task =
              new Task(
                  key,
                  components.toJson(),
                  refs,
                  pipeline.baseDir() == null ? null : pipeline.baseDir().toString(),
                  pipeline.name(),
                  stage.name());
          if (stage.isCommand()) {
            ShippedFiles.ship(store, pipeline, stage);
          }
          store.writeTask(task);
          return compute(task, computing);
        }
      } catch (RepriseException e) {
        double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
        return outcome(StageState.FAILED, 0, seconds, e.getMessage(), e.exitCode() == 2, null);
      } catch (RuntimeException e) {
        double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
        return outcome(StageState.FAILED, 0, seconds, "internal error: " + e, false, null);
      }
    }

    /** Waits for the key's lock; null if another process committed the result meanwhile. */
    private BlobStore.Lock acquire() {
      boolean told = false;
      while (true) {
        Optional<BlobStore.Lock> lock = store.tryLock(key);
        if (lock.isPresent()) {
          return lock.get();
        }
        if (committed(Location.stage(key)).isPresent()) {
          return null;
        }
        if (!told) {
          listener.warn(
              "stage '"
                  + stage.name()
                  + "': another run is computing "
                  + key.substring(0, 12)
                  + store.lockHolder(key).map(h -> " (" + h + ")").orElse("")
                  + "; waiting for it");
          told = true;
        }
        try {
          Thread.sleep(options.lockPoll().toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new RepriseException("interrupted while waiting for " + key);
        }
      }
    }

    /** A committed unit whose files check out; a damaged one is withdrawn so it is recomputed. */
    private Optional<Manifest> committed(Location loc) {
      ArtifactStore.Committed verdict = store.committed(loc);
      if (verdict.damaged()) {
        withdraw(loc, verdict.damage());
      }
      return verdict.intact() ? Optional.of(verdict.manifest()) : Optional.empty();
    }

    private void withdraw(Location loc, String damage) {
      listener.warn(
          "stage '"
              + stage.name()
              + "': "
              + loc.describe()
              + " is damaged ("
              + damage
              + "); recomputing it");
      store.withdraw(loc);
    }

    private StageOutcome reused(Manifest m) {
      return outcome(StageState.REUSED, 0, 0, null, false, m, m.seconds());
    }

    private StageOutcome compute(Task task, Instant started) {
      Method method = runner.method(task);
      int slices = stage.slices();
      if (method.spec().has(Phase.PREPARE)) {
        Optional<Manifest> prepared = committed(Location.prepare(key));
        if (prepared.isPresent()) {
          savedSeconds += prepared.get().seconds();
        } else {
          await(
              List.of(
                  CompletableFuture.runAsync(
                      () -> runner.run(task, Phase.PREPARE, -1, this::log), pool)));
        }
      }
      int ran = 0;
      if (method.spec().has(Phase.ANALYSIS)) {
        List<Integer> todo = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
          Optional<Manifest> done = committed(Location.slice(key, i));
          if (done.isPresent()) {
            savedSeconds += done.get().seconds();
          } else {
            todo.add(i);
          }
        }
        listener.stageStarted(stage.name(), key, slices, slices - todo.size());
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        AtomicInteger emptySlices = new AtomicInteger();
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int i : todo) {
          running.add(
              CompletableFuture.runAsync(
                  () -> {
                    if (failure.get() != null) {
                      return; // the stage already failed: leave the rest for the rerun
                    }
                    try {
                      Manifest m = runner.run(task, Phase.ANALYSIS, i, this::log);
                      if (m.outputs().isEmpty()) {
                        emptySlices.incrementAndGet();
                      }
                      listener.sliceDone(stage.name(), i, m.seconds());
                    } catch (RuntimeException e) {
                      failure.compareAndSet(null, e);
                      throw e;
                    }
                  },
                  pool));
        }
        await(running);
        ran = todo.size();
        if (emptySlices.get() > 0 && slices > 1) {
          listener.warn(
              "stage '"
                  + stage.name()
                  + "': "
                  + emptySlices.get()
                  + " of its "
                  + slices
                  + " slices had nothing to do (no files); fewer slices would do the same work"
                  + " with less overhead");
        }
      } else {
        listener.stageStarted(stage.name(), key, slices, 0);
        ran = 1; // a method without slices runs as one unit
      }
      int slicesRan = ran;
      Manifest m;
      if (method.spec().has(Phase.SYNTHESIS)) {
        m = supply(() -> runner.run(task, Phase.SYNTHESIS, -1, slicesRan, started, this::log));
      } else {
        m =
            runner
                .finishWithoutSynthesis(task, started, slicesRan)
                .orElseThrow(
                    () -> new RepriseException("slices of " + key + " are missing after they ran"));
      }
      double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
      return outcome(StageState.RAN, slicesRan, seconds, null, false, m, savedSeconds);
    }

    private <T> T supply(java.util.function.Supplier<T> work) {
      try {
        return CompletableFuture.supplyAsync(work, pool).join();
      } catch (CompletionException e) {
        throw unwrap(e);
      }
    }

    private void await(List<? extends CompletableFuture<?>> running) {
      try {
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
      } catch (CompletionException e) {
        throw unwrap(e);
      }
    }

    private RuntimeException unwrap(CompletionException e) {
      Throwable c = e.getCause();
      if (c instanceof Error error) {
        throw error; // out of memory and the like end the run; they are not a stage's failure
      }
      return c instanceof RuntimeException r ? r : new RepriseException(String.valueOf(c), c);
    }

    private void log(String where, String message) {
      listener.log(stage.name(), where, message);
    }

    private StageOutcome outcome(
        StageState state,
        int slicesRan,
        double seconds,
        String message,
        boolean invalid,
        Manifest m) {
      return outcome(state, slicesRan, seconds, message, invalid, m, 0);
    }

    private StageOutcome outcome(
        StageState state,
        int slicesRan,
        double seconds,
        String message,
        boolean invalid,
        Manifest m,
        double saved) {
      return new StageOutcome(
          stage.name(),
          stage.methodName(),
          key,
          state,
          stage.slices(),
          slicesRan,
          seconds,
          saved,
          message,
          invalid,
          components,
          m);
    }
  }
}

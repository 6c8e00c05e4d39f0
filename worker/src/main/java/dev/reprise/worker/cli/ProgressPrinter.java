package dev.reprise.worker.cli;

import dev.reprise.core.exec.RunListener;
import dev.reprise.core.exec.StageOutcome;
import dev.reprise.core.exec.StageState;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shows a run's progress: on a terminal one status line redrawn in place (stages and slices done,
 * elapsed, an estimate for the running stages); elsewhere plain lines, one per event, with slice
 * progress every tenth of a stage so logs stay readable.
 */
final class ProgressPrinter implements RunListener, AutoCloseable {
  private final PrintStream out;
  private final boolean terminal;
  private final int totalStages;
  private final long startNanos = System.nanoTime();
  private final AtomicInteger stagesDone = new AtomicInteger();
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final ScheduledExecutorService ticker;

  /** A stage being computed: slices done of total, and when it started. */
  private static final class Running {
    final int total;
    final int alreadyCommitted;
    final AtomicInteger done;
    final long startNanos = System.nanoTime();

    Running(int total, int alreadyCommitted) {
      this.total = total;
      this.alreadyCommitted = alreadyCommitted;
      this.done = new AtomicInteger(alreadyCommitted);
    }
  }

  ProgressPrinter(PrintStream out, boolean terminal, int totalStages) {
    this.out = out;
    this.terminal = terminal;
    this.totalStages = totalStages;
    if (terminal) {
      ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "reprise-progress");
                t.setDaemon(true);
                return t;
              });
      ticker.scheduleAtFixedRate(this::redraw, 200, 200, TimeUnit.MILLISECONDS);
    } else {
      ticker = null;
    }
  }

  @Override
  public void stageStarted(String stage, String key, int slices, int slicesDone) {
    running.put(stage, new Running(slices, slicesDone));
    line(
        stage
            + ": running "
            + key.substring(0, 12)
            + " ("
            + slices
            + " slice"
            + (slices == 1 ? "" : "s")
            + (slicesDone > 0 ? ", " + slicesDone + " already committed" : "")
            + ")");
  }

  @Override
  public void sliceDone(String stage, int slice, double seconds) {
    Running r = running.get(stage);
    if (r == null) {
      return;
    }
    int done = r.done.incrementAndGet();
    int step = Math.max(1, r.total / 10);
    if (!terminal && (done % step == 0 || done == r.total)) {
      line(
          stage
              + ": "
              + done
              + "/"
              + r.total
              + " slices"
              + eta(r).map(e -> ", about " + e + " left").orElse(""));
    }
  }

  @Override
  public void stageDone(StageOutcome o) {
    running.remove(o.name());
    stagesDone.incrementAndGet();
    String what =
        switch (o.state()) {
          case REUSED ->
              "reused " + shortKey(o.key()) + " (saves " + Tables.seconds(o.savedSeconds()) + ")";
          case RAN ->
              "ran in "
                  + Tables.seconds(o.seconds())
                  + (o.slices() > 1 ? " (" + o.slicesRan() + "/" + o.slices() + " slices)" : "");
          case FAILED -> "FAILED: " + o.message();
          case SKIPPED -> "skipped: " + o.message();
          default -> o.state().wireName();
        };
    if (o.state() != StageState.REUSED || !terminal) {
      line(o.name() + ": " + what);
    }
  }

  @Override
  public void warn(String message) {
    line("warning: " + message);
  }

  @Override
  public void log(String stage, String where, String message) {
    line(stage + " [" + where + "]: " + message);
  }

  private static String shortKey(String key) {
    return key == null ? "-" : key.substring(0, 12);
  }

  private java.util.Optional<String> eta(Running r) {
    int ranNow = r.done.get() - r.alreadyCommitted;
    int left = r.total - r.done.get();
    if (ranNow <= 0 || left <= 0) {
      return java.util.Optional.empty();
    }
    double perSlice = (System.nanoTime() - r.startNanos) / 1e9 / ranNow;
    return java.util.Optional.of(Tables.seconds(perSlice * left));
  }

  private synchronized void redraw() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "[%6.1fs] stages %d/%d",
            (System.nanoTime() - startNanos) / 1e9, stagesDone.get(), totalStages));
    running.forEach(
        (name, r) -> {
          sb.append(" | ")
              .append(name)
              .append(' ')
              .append(r.done.get())
              .append('/')
              .append(r.total);
          eta(r).ifPresent(e -> sb.append(" ~").append(e));
        });
    String text = sb.length() > 150 ? sb.substring(0, 147) + "..." : sb.toString();
    out.print("\r\033[K" + text);
    out.flush();
  }

  private synchronized void line(String text) {
    if (terminal) {
      out.print("\r\033[K");
    }
    out.println(text);
    out.flush();
  }

  @Override
  public synchronized void close() {
    if (ticker != null) {
      ticker.shutdownNow();
      out.print("\r\033[K");
      out.flush();
    }
  }
}

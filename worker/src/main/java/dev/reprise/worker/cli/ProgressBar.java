package dev.reprise.worker.cli;

import dev.reprise.core.gc.Progress;
import java.io.PrintStream;

/**
 * A progress bar on standard error for long store operations; phases of fewer than {@link
 * #SHOWN_FROM} units print nothing, so small stores stay quiet.
 */
final class ProgressBar implements Progress {
  static final int SHOWN_FROM = 1000;
  private static final int WIDTH = 30;
  private final PrintStream err;
  private final boolean enabled;
  private final int shownFrom;
  private String what;
  private int total;
  private int shownPercent = -1;

  ProgressBar(PrintStream err, boolean enabled) {
    this(err, enabled, SHOWN_FROM);
  }

  /**
   * @param shownFrom the smallest total that shows a bar
   */
  ProgressBar(PrintStream err, boolean enabled, int shownFrom) {
    this.err = err;
    this.enabled = enabled;
    this.shownFrom = shownFrom;
  }

  @Override
  public void start(String what, int total) {
    this.what = what;
    this.total = total;
    this.shownPercent = -1;
    step(0);
  }

  @Override
  public void step(int done) {
    if (!enabled || total < shownFrom) {
      return;
    }
    int percent = (int) (100L * done / total);
    if (percent == shownPercent) {
      return;
    }
    shownPercent = percent;
    int filled = WIDTH * percent / 100;
    err.print(
        "\r"
            + what
            + " ["
            + "#".repeat(filled)
            + " ".repeat(WIDTH - filled)
            + "] "
            + done
            + "/"
            + total);
    err.flush();
  }

  @Override
  public void end() {
    if (enabled && total >= shownFrom) {
      err.println();
    }
  }
}

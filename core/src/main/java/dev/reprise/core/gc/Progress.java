package dev.reprise.core.gc;

/** Where a long store operation reports how far it got (a progress bar, or nothing). */
public interface Progress {
  Progress NONE =
      new Progress() {
        @Override
        public void start(String what, int total) {}

        @Override
        public void step(int done) {}

        @Override
        public void end() {}
      };

  /** A new phase; {@code total} units, or 0 when unknown. */
  void start(String what, int total);

  /** {@code done} units of the current phase are done. */
  void step(int done);

  void end();
}

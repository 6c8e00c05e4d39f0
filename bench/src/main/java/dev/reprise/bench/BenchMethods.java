package dev.reprise.bench;

import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodSpec;
import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.Phase;
import dev.reprise.core.method.PhaseContext;
import java.io.IOException;
import java.nio.file.Files;

/** Trivial methods whose cost is the engine's own: they write a few bytes and return. */
public final class BenchMethods {
  private BenchMethods() {}

  /** {@code bench.noop}: sliced; each slice writes its index (and its input's size, if any). */
  public static final class Noop implements Method {
    @Override
    public MethodSpec spec() {
      return MethodSpec.builder("bench.noop")
          .description("does nothing measurable: for scheduling and planning benchmarks")
          .phases(Phase.ANALYSIS)
          .optionalInput("in", "anything")
          .param(ParamSpec.integer("id", 0))
          .build();
    }

    @Override
    public void analysis(PhaseContext ctx) throws IOException {
      String text = ctx.params().getLong("id") + ":" + ctx.slice() + "\n";
      Files.writeString(ctx.out().resolve("slice-" + ctx.slice() + ".txt"), text);
    }
  }
}

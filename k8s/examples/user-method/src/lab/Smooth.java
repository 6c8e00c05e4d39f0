package lab;

import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodSpec;
import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.Phase;
import dev.reprise.core.method.PhaseContext;
import java.io.IOException;

/**
 * lab.smooth: a centred moving average of each subject's accuracy curve, an example of a method
 * of one's own. Its code, its parameter and the content of its input make its key, as for the
 * built-in methods.
 */
public final class Smooth implements Method {
  @Override
  public MethodSpec spec() {
    return MethodSpec.builder("lab.smooth")
        .description("centred moving average of each subject's accuracy curve")
        .input("scores", "an eeg.decode stage (accuracy.npy: subjects x times)")
        .output("smoothed.npy", "subjects x times, float64")
        .param(ParamSpec.integer("width", 5).range(1, 101).doc("samples in the window (odd)"))
        .phases(Phase.SYNTHESIS)
        .build();
  }

  @Override
  public void synthesis(PhaseContext ctx) throws IOException {
    NpyArray acc = Npy.read(ctx.input("scores").path("accuracy.npy"));
    int subjects = acc.dim(0);
    int times = acc.dim(1);
    int half = ctx.params().getInt("width") / 2;
    double[] in = acc.doubles();
    double[] out = new double[in.length];
    for (int s = 0; s < subjects; s++) {
      for (int t = 0; t < times; t++) {
        int from = Math.max(0, t - half);
        int to = Math.min(times - 1, t + half);
        double sum = 0;
        for (int u = from; u <= to; u++) {
          sum += in[s * times + u];
        }
        out[s * times + t] = sum / (to - from + 1);
      }
    }
    Npy.write(ctx.out().resolve("smoothed.npy"), NpyArray.ofDoubles(out, subjects, times));
  }
}

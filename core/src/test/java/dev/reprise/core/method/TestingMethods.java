package dev.reprise.core.method;

import dev.reprise.core.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Small methods for engine tests. Each counts its phase calls in {@link #CALLS} so tests can tell
 * "no method code ran" from "reused". Data are lines of integers in {@code numbers.txt}.
 */
public final class TestingMethods {
  /** Method name + phase → calls. */
  public static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();

  /** Slices that fail on purpose ({@code test.scale} slice index), set by tests. */
  public static final java.util.Set<Integer> FAIL_SLICES = ConcurrentHashMap.newKeySet();

  private TestingMethods() {}

  public static int calls(String method) {
    return CALLS.entrySet().stream()
        .filter(e -> e.getKey().startsWith(method + "/"))
        .mapToInt(e -> e.getValue().get())
        .sum();
  }

  static void count(PhaseContext ctx, String method) {
    CALLS
        .computeIfAbsent(method + "/" + ctx.phase().wireName(), k -> new AtomicInteger())
        .incrementAndGet();
  }

  static List<Long> readNumbers(InputArtifacts in) throws IOException {
    List<Long> out = new ArrayList<>();
    for (String line : Files.readAllLines(in.path("numbers.txt"))) {
      out.add(Long.parseLong(line.trim()));
    }
    return out;
  }

  static void writeNumbers(Path file, List<Long> numbers) throws IOException {
    StringBuilder sb = new StringBuilder();
    numbers.forEach(n -> sb.append(n).append('\n'));
    Files.createDirectories(file.getParent());
    Files.writeString(file, sb, StandardCharsets.UTF_8);
  }

  /** {@code test.source}: writes {@code count} numbers start, start+1, ... */
  public static final class Source implements Method {
    @Override
    public MethodSpec spec() {
      return MethodSpec.builder("test.source")
          .phases(Phase.SYNTHESIS)
          .output("numbers.txt", "the numbers")
          .param(ParamSpec.integer("start", 1).doc("first number"))
          .param(ParamSpec.integer("count", 10).range(1, 1_000_000))
          .param(ParamSpec.string("label", "plain").oneOf("plain", "fancy"))
          .build();
    }

    @Override
    public void synthesis(PhaseContext ctx) throws IOException {
      count(ctx, "test.source");
      List<Long> n = new ArrayList<>();
      for (long i = 0; i < ctx.params().getLong("count"); i++) {
        n.add(ctx.params().getLong("start") + i);
      }
      writeNumbers(ctx.out().resolve("numbers.txt"), n);
    }
  }

  /**
   * {@code test.scale}: multiplies by {@code factor}, sliced over lines; {@code cap} clips the
   * results (so a cap above every value changes nothing: early cutoff); {@code sleepMillis} makes
   * slices slow (interruption tests).
   */
  public static final class Scale implements Method {
    @Override
    public MethodSpec spec() {
      return MethodSpec.builder("test.scale")
          .phases(Phase.ANALYSIS, Phase.SYNTHESIS)
          .input("in", "numbers")
          .output("numbers.txt", "the scaled numbers")
          .param(ParamSpec.integer("factor", 2))
          .param(ParamSpec.integer("cap", 1_000_000_000L))
          .param(ParamSpec.integer("sleepMillis", 0).range(0, 60_000))
          .build();
    }

    @Override
    public void analysis(PhaseContext ctx) throws Exception {
      count(ctx, "test.scale");
      if (FAIL_SLICES.contains(ctx.slice())) {
        throw new IllegalStateException("slice " + ctx.slice() + " fails on purpose");
      }
      List<Long> in = readNumbers(ctx.input("in"));
      SliceRange r = SliceRange.of(ctx.slice(), ctx.slices(), in.size());
      List<Long> out = new ArrayList<>();
      for (int i = r.start(); i < r.end(); i++) {
        out.add(Math.min(in.get(i) * ctx.params().getLong("factor"), ctx.params().getLong("cap")));
      }
      Thread.sleep(ctx.params().getLong("sleepMillis"));
      String markers = System.getProperty("reprise.test.markers");
      if (markers != null) {
        // One file per execution, so tests can count executions across processes.
        Files.createDirectories(Path.of(markers));
        Files.createFile(Path.of(markers, ctx.slice() + "-" + java.util.UUID.randomUUID()));
      }
      writeNumbers(ctx.out().resolve("part.txt"), out);
      ctx.log("slice " + ctx.slice() + " scaled " + out.size() + " numbers");
    }

    @Override
    public void synthesis(PhaseContext ctx) throws IOException {
      count(ctx, "test.scale");
      List<Long> all = new ArrayList<>();
      for (int i = 0; i < ctx.slices(); i++) {
        for (String line : Files.readAllLines(ctx.slice(i).path("part.txt"))) {
          all.add(Long.parseLong(line));
        }
      }
      writeNumbers(ctx.out().resolve("numbers.txt"), all);
    }
  }

  /** {@code test.sum}: the sum of its input's numbers (one phase). */
  public static final class Sum implements Method {
    @Override
    public MethodSpec spec() {
      return MethodSpec.builder("test.sum")
          .phases(Phase.SYNTHESIS)
          .input("in", "numbers")
          .output("sum.txt", "their sum")
          .param(ParamSpec.integer("offset", 0))
          .build();
    }

    @Override
    public void synthesis(PhaseContext ctx) throws IOException {
      count(ctx, "test.sum");
      long sum = ctx.params().getLong("offset");
      for (long n : readNumbers(ctx.input("in"))) {
        sum += n;
      }
      Files.writeString(ctx.out().resolve("sum.txt"), sum + "\n");
    }
  }

  /** {@code test.split}: analysis only; each slice writes its own {@code part-<i>.txt}. */
  public static final class Split implements Method {
    @Override
    public MethodSpec spec() {
      return MethodSpec.builder("test.split").phases(Phase.ANALYSIS).input("in", "numbers").build();
    }

    @Override
    public void analysis(PhaseContext ctx) throws IOException {
      count(ctx, "test.split");
      List<Long> in = readNumbers(ctx.input("in"));
      SliceRange r = SliceRange.of(ctx.slice(), ctx.slices(), in.size());
      writeNumbers(
          ctx.out().resolve("part-" + ctx.slice() + ".txt"), in.subList(r.start(), r.end()));
    }
  }

  /** {@code test.fail}: fails as a bug, or as invalid input data. */
  public static final class Fail implements Method {
    @Override
    public MethodSpec spec() {
      return MethodSpec.builder("test.fail")
          .phases(Phase.SYNTHESIS)
          .optionalInput("in", "anything")
          .param(ParamSpec.string("how", "bug").oneOf("bug", "invalid", "argument"))
          .build();
    }

    @Override
    public void synthesis(PhaseContext ctx) {
      count(ctx, "test.fail");
      if (ctx.params().getString("how").equals("invalid")) {
        throw new InvalidInputException("subject s07, trial 3: value NaN is not finite");
      }
      if (ctx.params().getString("how").equals("argument")) {
        // A bug that happens to be an IllegalArgumentException: still a failure, not the user's.
        throw new IllegalArgumentException("index -1 out of bounds");
      }
      throw new IllegalStateException("division by zero in the middle of the night");
    }
  }

  /** {@code test.data}: copies an external file named by a PATH parameter. */
  public static final class Data implements Method {
    @Override
    public MethodSpec spec() {
      return MethodSpec.builder("test.data")
          .phases(Phase.SYNTHESIS)
          .param(ParamSpec.path("path").doc("a file of numbers"))
          .param(ParamSpec.of("window", ParamType.NUMBERS).nullable().length(2, 2))
          .build();
    }

    @Override
    public List<FieldProblem> validate(Params params) {
      double[] w = params.getDoubles("window");
      if (w != null && w[0] >= w[1]) {
        return List.of(new FieldProblem("window", "start " + w[0] + " must be before end " + w[1]));
      }
      return List.of();
    }

    @Override
    public void synthesis(PhaseContext ctx) throws IOException {
      count(ctx, "test.data");
      Files.copy(Path.of(ctx.params().getPath("path")), ctx.out().resolve("numbers.txt"));
    }
  }
}

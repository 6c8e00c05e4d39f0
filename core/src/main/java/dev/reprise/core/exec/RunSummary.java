package dev.reprise.core.exec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The outcome of a whole run, in stage order. */
public record RunSummary(String pipeline, String store, double seconds, List<StageOutcome> stages) {
  /** 0 all stages succeeded, 2 a stage failed on invalid input data, 1 another failure. */
  public int exitCode() {
    if (stages.stream().anyMatch(s -> s.state() == StageState.FAILED && s.invalidInput())) {
      return 2;
    }
    return stages.stream().allMatch(StageOutcome::succeeded) ? 0 : 1;
  }

  public double savedSeconds() {
    return stages.stream().mapToDouble(StageOutcome::savedSeconds).sum();
  }

  /** The {@code --json} summary of DESIGN.md. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pipeline", pipeline);
    m.put("store", store);
    m.put("seconds", round(seconds));
    m.put("savedSeconds", round(savedSeconds()));
    m.put(
        "stages",
        stages.stream()
            .map(
                s -> {
                  Map<String, Object> e = new LinkedHashMap<>();
                  e.put("name", s.name());
                  e.put("method", s.method());
                  e.put("key", s.key());
                  e.put("state", s.state().wireName());
                  e.put("slices", s.slices());
                  e.put("slicesRan", s.slicesRan());
                  e.put("seconds", round(s.seconds()));
                  if (s.message() != null) {
                    e.put("message", s.message());
                  }
                  return e;
                })
            .toList());
    return m;
  }

  private static double round(double seconds) {
    return Math.round(seconds * 1000) / 1000.0;
  }
}

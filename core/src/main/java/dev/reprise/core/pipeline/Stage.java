package dev.reprise.core.pipeline;

import dev.reprise.core.method.Method;
import dev.reprise.core.method.Params;
import java.util.Map;

/**
 * A validated stage: its method, its inputs (input name to upstream stage name), its parameters
 * with defaults filled in and normalised, its slice count, and its resource requests (which, like
 * its name, are not part of its key).
 */
public record Stage(
    String name,
    Method method,
    Map<String, String> inputs,
    Params params,
    int slices,
    Map<String, String> resources) {
  public String methodName() {
    return method.spec().name();
  }
}

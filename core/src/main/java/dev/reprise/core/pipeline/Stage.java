package dev.reprise.core.pipeline;

import dev.reprise.core.command.CommandSpec;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.Params;
import java.util.Map;

/**
 * A validated stage: its method, its inputs (input name to upstream stage name), its parameters
 * with defaults filled in and normalised, its slice count, and its resource requests (which, like
 * its name, are not part of its key). A command stage also has its {@link CommandSpec}; its method
 * is then the {@link dev.reprise.core.command.CommandMethod} that runs it.
 */
public record Stage(
    String name,
    Method method,
    Map<String, String> inputs,
    Params params,
    int slices,
    Map<String, String> resources,
    CommandSpec command) {
  /** A method stage. */
  public Stage(
      String name,
      Method method,
      Map<String, String> inputs,
      Params params,
      int slices,
      Map<String, String> resources) {
    this(name, method, inputs, params, slices, resources, null);
  }

  public boolean isCommand() {
    return command != null;
  }

  /** The method's name, or {@code command} for a command stage. */
  public String methodName() {
    return method.spec().name();
  }
}

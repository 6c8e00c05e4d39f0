package dev.reprise.core.pipeline;

import dev.reprise.core.command.CommandSpec;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.Params;
import java.time.Duration;
import java.util.Map;

/**
 * A validated stage: its method, its inputs (input name to upstream stage name), its parameters
 * with defaults filled in and normalised, its slice count, and its resource requests (which, like
 * its name, are not part of its key). A command stage also has its {@link CommandSpec}; its method
 * is then the {@link dev.reprise.core.command.CommandMethod} that runs it. {@code timeout}, like
 * the resources, is not part of the key: how long a cluster lets the stage run (null: the
 * operator's default).
 */
public record Stage(
    String name,
    Method method,
    Map<String, String> inputs,
    Params params,
    int slices,
    Map<String, String> resources,
    CommandSpec command,
    Duration timeout) {
  /** A stage without a timeout of its own. */
  public Stage(
      String name,
      Method method,
      Map<String, String> inputs,
      Params params,
      int slices,
      Map<String, String> resources,
      CommandSpec command) {
    this(name, method, inputs, params, slices, resources, command, null);
  }

  /** A method stage. */
  public Stage(
      String name,
      Method method,
      Map<String, String> inputs,
      Params params,
      int slices,
      Map<String, String> resources) {
    this(name, method, inputs, params, slices, resources, null, null);
  }

  public boolean isCommand() {
    return command != null;
  }

  /** The method's name, or {@code command} for a command stage. */
  public String methodName() {
    return method.spec().name();
  }
}

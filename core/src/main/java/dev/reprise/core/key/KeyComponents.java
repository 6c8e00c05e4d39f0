package dev.reprise.core.key;

import dev.reprise.core.command.CommandSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything that names a stage's result: its key is the SHA-256 of these components in canonical
 * JSON. Stage and pipeline names, parallelism and resources are deliberately absent.
 *
 * @param method the method's name
 * @param code the method's {@link CodeDigest}
 * @param params parameters with defaults filled in
 * @param slices the stage's slice count
 * @param inputs input name to the upstream result's {@link OutputDigest}
 * @param data PATH parameter name to the digest of the external data it names
 * @param command what a command stage runs (image, argv, env, shipped files); null for a method
 *     stage, whose {@code method} and {@code code} say what runs
 */
public record KeyComponents(
    String method,
    String code,
    Map<String, Object> params,
    int slices,
    Map<String, String> inputs,
    Map<String, String> data,
    CommandSpec command) {
  public static final int VERSION = 1;

  public KeyComponents {
    params = new TreeMap<>(params);
    inputs = new TreeMap<>(inputs);
    data = new TreeMap<>(data);
  }

  /** A method stage's components. */
  public KeyComponents(
      String method,
      String code,
      Map<String, Object> params,
      int slices,
      Map<String, String> inputs,
      Map<String, String> data) {
    this(method, code, params, slices, inputs, data, null);
  }

  /** A command stage's components: what runs is the command itself, so there is no code digest. */
  public static KeyComponents ofCommand(
      CommandSpec command, Map<String, Object> params, int slices, Map<String, String> inputs) {
    return new KeyComponents(CommandSpec.KIND, null, params, slices, inputs, Map.of(), command);
  }

  public boolean isCommand() {
    return command != null;
  }

  /**
   * The JSON object the key is computed from (also stored in run records for {@code explain}):
   * {@code {v, method, code, params, slices, inputs, data}} for a method stage, {@code {v, kind:
   * command, image, command, env, files, params, slices, inputs}} for a command stage.
   */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("v", VERSION);
    if (command != null) {
      m.put("kind", CommandSpec.KIND);
      m.put("image", command.image());
      m.put("command", command.command());
      m.put("env", command.env());
      m.put("files", command.files());
    } else {
      m.put("method", method);
      m.put("code", code);
    }
    m.put("params", params);
    m.put("slices", slices);
    m.put("inputs", inputs);
    if (command == null) {
      m.put("data", data);
    }
    return m;
  }

  @SuppressWarnings("unchecked")
  public static KeyComponents fromJson(Map<String, Object> m) {
    Map<String, Object> params = (Map<String, Object>) m.getOrDefault("params", Map.of());
    int slices = ((Number) m.getOrDefault("slices", 1)).intValue();
    Map<String, String> inputs = (Map<String, String>) m.getOrDefault("inputs", Map.of());
    if (CommandSpec.KIND.equals(m.get("kind"))) {
      CommandSpec command =
          new CommandSpec(
              (String) m.get("image"),
              (List<String>) m.getOrDefault("command", List.of()),
              (Map<String, String>) m.getOrDefault("env", Map.of()),
              (Map<String, String>) m.getOrDefault("files", Map.of()));
      return ofCommand(command, params, slices, inputs);
    }
    return new KeyComponents(
        (String) m.get("method"),
        (String) m.get("code"),
        params,
        slices,
        inputs,
        (Map<String, String>) m.getOrDefault("data", Map.of()));
  }

  public String key() {
    return Sha256.hex(CanonicalJson.write(toJson()));
  }
}

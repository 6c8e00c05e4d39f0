package dev.reprise.core.key;

import java.util.LinkedHashMap;
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
 */
public record KeyComponents(
    String method,
    String code,
    Map<String, Object> params,
    int slices,
    Map<String, String> inputs,
    Map<String, String> data) {
  public static final int VERSION = 1;

  public KeyComponents {
    params = new TreeMap<>(params);
    inputs = new TreeMap<>(inputs);
    data = new TreeMap<>(data);
  }

  /** The JSON object the key is computed from (also stored in run records for {@code explain}). */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("v", VERSION);
    m.put("method", method);
    m.put("code", code);
    m.put("params", params);
    m.put("slices", slices);
    m.put("inputs", inputs);
    m.put("data", data);
    return m;
  }

  @SuppressWarnings("unchecked")
  public static KeyComponents fromJson(Map<String, Object> m) {
    return new KeyComponents(
        (String) m.get("method"),
        (String) m.get("code"),
        (Map<String, Object>) m.getOrDefault("params", Map.of()),
        ((Number) m.getOrDefault("slices", 1)).intValue(),
        (Map<String, String>) m.getOrDefault("inputs", Map.of()),
        (Map<String, String>) m.getOrDefault("data", Map.of()));
  }

  public String key() {
    return Sha256.hex(CanonicalJson.write(toJson()));
  }
}

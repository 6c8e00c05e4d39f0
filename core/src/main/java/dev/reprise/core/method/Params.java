package dev.reprise.core.method;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A stage's parameters with defaults filled in, as the method sees them. Getters throw {@link
 * IllegalArgumentException} for a name the method did not declare, so typos fail fast.
 */
public final class Params {
  private final Map<String, Object> values;
  private final Path baseDir;

  /**
   * @param values normalised values (see {@link ParamValues#coerce})
   * @param baseDir folder that relative PATH parameters are resolved against
   */
  public Params(Map<String, Object> values, Path baseDir) {
    this.values = Collections.unmodifiableMap(values);
    this.baseDir = baseDir;
  }

  public Map<String, Object> asMap() {
    return values;
  }

  public Object get(String name) {
    if (!values.containsKey(name)) {
      throw new IllegalArgumentException("no parameter '" + name + "'; known: " + values.keySet());
    }
    return values.get(name);
  }

  public boolean isNull(String name) {
    return get(name) == null;
  }

  public int getInt(String name) {
    return Math.toIntExact(((Number) get(name)).longValue());
  }

  public long getLong(String name) {
    return ((Number) get(name)).longValue();
  }

  public double getDouble(String name) {
    return ((Number) get(name)).doubleValue();
  }

  public String getString(String name) {
    return (String) get(name);
  }

  public boolean getBool(String name) {
    return (Boolean) get(name);
  }

  /** A NUMBERS parameter as an array, or null if the parameter is null. */
  public double[] getDoubles(String name) {
    Object v = get(name);
    if (v == null) {
      return null;
    }
    List<?> list = (List<?>) v;
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) list.get(i)).doubleValue();
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  public List<String> getStrings(String name) {
    return (List<String>) get(name);
  }

  /** A PATH parameter resolved against the pipeline file's folder (URIs returned unchanged). */
  public String getPath(String name) {
    String p = getString(name);
    if (p == null || p.contains("://") || baseDir == null) {
      return p;
    }
    return baseDir.resolve(p).normalize().toString();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}

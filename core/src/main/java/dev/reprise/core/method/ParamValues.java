package dev.reprise.core.method;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Checks and normalises raw YAML values against a {@link ParamSpec}. */
public final class ParamValues {
  private ParamValues() {}

  /** A normalised value, or an error message saying what was expected. */
  public record Result(Object value, String error) {
    static Result ok(Object v) {
      return new Result(v, null);
    }

    static Result fail(String e) {
      return new Result(null, e);
    }
  }

  /**
   * Normalises {@code raw} to the spec's type (INT → Long, NUMBER → Double, NUMBERS →
   * List&lt;Double&gt;, ANY → maps sorted by key with Long/Double numbers) and checks its range.
   */
  public static Result coerce(ParamSpec spec, Object raw) {
    if (raw == null) {
      return spec.isNullable() ? Result.ok(null) : Result.fail("must not be null");
    }
    switch (spec.type()) {
      case INT -> {
        Long v = asLong(raw);
        if (v == null) {
          return Result.fail("expected an integer, got " + describe(raw));
        }
        return checkRange(spec, v.doubleValue(), v);
      }
      case NUMBER -> {
        Double v = asDouble(raw);
        if (v == null) {
          return Result.fail("expected a number, got " + describe(raw));
        }
        if (!Double.isFinite(v)) {
          return Result.fail("expected a finite number, got " + v);
        }
        return checkRange(spec, v, v);
      }
      case STRING, PATH -> {
        if (!(raw instanceof String s)) {
          return Result.fail("expected " + spec.type().description() + ", got " + describe(raw));
        }
        if (spec.type() == ParamType.PATH && s.isBlank()) {
          return Result.fail("expected a path, got an empty string");
        }
        if (!spec.allowed().isEmpty() && !spec.allowed().contains(s)) {
          return Result.fail("expected one of " + spec.allowed() + ", got '" + s + "'");
        }
        return Result.ok(s);
      }
      case BOOL -> {
        if (!(raw instanceof Boolean b)) {
          return Result.fail("expected true or false, got " + describe(raw));
        }
        return Result.ok(b);
      }
      case NUMBERS -> {
        if (!(raw instanceof List<?> list)) {
          return Result.fail("expected a list of numbers, got " + describe(raw));
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          Double d = asDouble(list.get(i));
          if (d == null || !Double.isFinite(d)) {
            return Result.fail(
                "element " + i + ": expected a number, got " + describe(list.get(i)));
          }
          if (outOfRange(spec, d)) {
            return Result.fail("element " + i + ": " + rangeText(spec) + ", got " + d);
          }
          out.add(d);
        }
        return checkLength(spec, out);
      }
      case STRINGS -> {
        if (!(raw instanceof List<?> list)) {
          return Result.fail("expected a list of strings, got " + describe(raw));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          if (!(list.get(i) instanceof String s)) {
            return Result.fail(
                "element " + i + ": expected a string, got " + describe(list.get(i)));
          }
          out.add(s);
        }
        return checkLength(spec, out);
      }
      case ANY -> {
        return Result.ok(normaliseAny(raw));
      }
      default -> throw new IllegalStateException("unhandled type " + spec.type());
    }
  }

  /**
   * Maps sorted by key, integral numbers as Long, other numbers as Double; lists and scalars kept.
   */
  public static Object normaliseAny(Object raw) {
    if (raw instanceof Map<?, ?> map) {
      Map<String, Object> out = new TreeMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), normaliseAny(v)));
      return out;
    }
    if (raw instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      list.forEach(v -> out.add(normaliseAny(v)));
      return out;
    }
    if (raw instanceof Number n) {
      Long l = asLong(n);
      return l != null ? l : n.doubleValue();
    }
    return raw;
  }

  private static Result checkRange(ParamSpec spec, double v, Object value) {
    if (outOfRange(spec, v)) {
      return Result.fail(rangeText(spec) + ", got " + value);
    }
    return Result.ok(value);
  }

  private static boolean outOfRange(ParamSpec spec, double v) {
    return (spec.minValue() != null && v < spec.minValue())
        || (spec.maxValue() != null && v > spec.maxValue());
  }

  private static String rangeText(ParamSpec spec) {
    if (spec.minValue() != null && spec.maxValue() != null) {
      return "must be between " + fmt(spec.minValue()) + " and " + fmt(spec.maxValue());
    }
    if (spec.minValue() != null) {
      return "must be at least " + fmt(spec.minValue());
    }
    return "must be at most " + fmt(spec.maxValue());
  }

  private static Result checkLength(ParamSpec spec, List<?> out) {
    Integer lo = spec.minLength();
    Integer hi = spec.maxLength();
    if ((lo != null && out.size() < lo) || (hi != null && out.size() > hi)) {
      String want = lo != null && lo.equals(hi) ? "exactly " + lo : "between " + lo + " and " + hi;
      return Result.fail("expected " + want + " elements, got " + out.size());
    }
    return Result.ok(out);
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  static Long asLong(Object raw) {
    if (raw instanceof Integer
        || raw instanceof Long
        || raw instanceof Short
        || raw instanceof Byte) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof java.math.BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    if (raw instanceof Double || raw instanceof Float || raw instanceof java.math.BigDecimal) {
      double d = ((Number) raw).doubleValue();
      if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.0e15) {
        return (long) d;
      }
    }
    return null;
  }

  static Double asDouble(Object raw) {
    if (raw instanceof Number n) {
      return n.doubleValue();
    }
    return null;
  }

  private static String describe(Object raw) {
    if (raw instanceof String s) {
      return "'" + s + "'";
    }
    if (raw instanceof Map<?, ?>) {
      return "a map";
    }
    if (raw instanceof List<?>) {
      return "a list";
    }
    return String.valueOf(raw);
  }

  /** Fills defaults and normalises: the params that enter the key. Unknown names are kept out. */
  public static Map<String, Object> withDefaults(MethodSpec spec, Map<String, Object> given) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (ParamSpec p : spec.params()) {
      if (given.containsKey(p.name())) {
        out.put(p.name(), coerce(p, given.get(p.name())).value());
      } else {
        out.put(p.name(), p.defaultValue());
      }
    }
    return out;
  }
}

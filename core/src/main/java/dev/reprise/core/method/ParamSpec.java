package dev.reprise.core.method;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One declared parameter of a method: name, type, default, range. Immutable; the fluent methods
 * return copies.
 */
public final class ParamSpec {
  private final String name;
  private final ParamType type;
  private final Object defaultValue;
  private final boolean required;
  private final boolean nullable;
  private final Double min;
  private final Double max;
  private final Integer minLength;
  private final Integer maxLength;
  private final List<String> allowed;
  private final String doc;

  private ParamSpec(
      String name,
      ParamType type,
      Object defaultValue,
      boolean required,
      boolean nullable,
      Double min,
      Double max,
      Integer minLength,
      Integer maxLength,
      List<String> allowed,
      String doc) {
    this.name = Objects.requireNonNull(name);
    this.type = Objects.requireNonNull(type);
    this.defaultValue = defaultValue;
    this.required = required;
    this.nullable = nullable;
    this.min = min;
    this.max = max;
    this.minLength = minLength;
    this.maxLength = maxLength;
    this.allowed = allowed;
    this.doc = doc;
  }

  public static ParamSpec of(String name, ParamType type) {
    return new ParamSpec(name, type, null, true, false, null, null, null, null, null, "");
  }

  public static ParamSpec integer(String name, long defaultValue) {
    return of(name, ParamType.INT).withDefault(defaultValue);
  }

  public static ParamSpec number(String name, double defaultValue) {
    return of(name, ParamType.NUMBER).withDefault(defaultValue);
  }

  public static ParamSpec string(String name, String defaultValue) {
    return of(name, ParamType.STRING).withDefault(defaultValue);
  }

  public static ParamSpec bool(String name, boolean defaultValue) {
    return of(name, ParamType.BOOL).withDefault(defaultValue);
  }

  /** A required path to external data; its content digest enters the stage key. */
  public static ParamSpec path(String name) {
    return of(name, ParamType.PATH);
  }

  /** Sets the default (which makes the parameter optional); {@code null} is allowed if nullable. */
  public ParamSpec withDefault(Object value) {
    Object normalised = value;
    if (value != null) {
      ParamValues.Result r = ParamValues.coerce(this, value);
      if (r.error() != null) {
        throw new IllegalArgumentException("default of " + name + ": " + r.error());
      }
      normalised = r.value();
    } else if (!nullable) {
      return new ParamSpec(
          name, type, null, false, true, min, max, minLength, maxLength, allowed, doc);
    }
    return new ParamSpec(
        name, type, normalised, false, nullable, min, max, minLength, maxLength, allowed, doc);
  }

  /**
   * Allows {@code null} (for example "no baseline"); with no other default, null is the default.
   */
  public ParamSpec nullable() {
    return new ParamSpec(
        name,
        type,
        defaultValue,
        required && defaultValue != null,
        true,
        min,
        max,
        minLength,
        maxLength,
        allowed,
        doc);
  }

  /** Inclusive numeric range for INT, NUMBER and every element of NUMBERS. */
  public ParamSpec range(double min, double max) {
    return new ParamSpec(
        name, type, defaultValue, required, nullable, min, max, minLength, maxLength, allowed, doc);
  }

  public ParamSpec min(double min) {
    return new ParamSpec(
        name, type, defaultValue, required, nullable, min, max, minLength, maxLength, allowed, doc);
  }

  /** Inclusive bounds on the number of elements of NUMBERS and STRINGS. */
  public ParamSpec length(int minLength, int maxLength) {
    return new ParamSpec(
        name, type, defaultValue, required, nullable, min, max, minLength, maxLength, allowed, doc);
  }

  /** The allowed values of a STRING parameter. */
  public ParamSpec oneOf(String... values) {
    return new ParamSpec(
        name,
        type,
        defaultValue,
        required,
        nullable,
        min,
        max,
        minLength,
        maxLength,
        List.of(values),
        doc);
  }

  public ParamSpec doc(String text) {
    return new ParamSpec(
        name,
        type,
        defaultValue,
        required,
        nullable,
        min,
        max,
        minLength,
        maxLength,
        allowed,
        text);
  }

  public String name() {
    return name;
  }

  public ParamType type() {
    return type;
  }

  public Object defaultValue() {
    return defaultValue;
  }

  public boolean required() {
    return required;
  }

  public boolean isNullable() {
    return nullable;
  }

  public Double minValue() {
    return min;
  }

  public Double maxValue() {
    return max;
  }

  public Integer minLength() {
    return minLength;
  }

  public Integer maxLength() {
    return maxLength;
  }

  public List<String> allowed() {
    return allowed == null ? List.of() : Collections.unmodifiableList(allowed);
  }

  public String doc() {
    return doc;
  }

  /** A description for the method reference: type, default, range. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("type", type.name().toLowerCase());
    m.put("required", required);
    if (!required) {
      m.put("default", defaultValue);
    }
    if (min != null || max != null) {
      List<Object> r = new ArrayList<>();
      r.add(min);
      r.add(max);
      m.put("range", r);
    }
    if (allowed != null) {
      m.put("oneOf", allowed);
    }
    m.put("doc", doc);
    return m;
  }
}

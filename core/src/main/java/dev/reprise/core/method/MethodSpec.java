package dev.reprise.core.method;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a method declares about itself: name, inputs, outputs, parameters, phases, and a version to
 * bump by hand (its code digest is derived from its classes: {@link
 * dev.reprise.core.key.CodeDigest}).
 */
public final class MethodSpec {
  /** A named input: an upstream stage's outputs. */
  public record InputSpec(String name, boolean required, String doc) {}

  /** A named output artifact (a file or, with a trailing slash, a folder of files). */
  public record OutputSpec(String name, String doc) {}

  private final String name;
  private final String description;
  private final List<InputSpec> inputs;
  private final List<OutputSpec> outputs;
  private final List<ParamSpec> params;
  private final Set<Phase> phases;
  private final String version;
  private final int defaultSlices;

  private MethodSpec(Builder b) {
    this.name = b.name;
    this.description = b.description;
    this.inputs = List.copyOf(b.inputs);
    this.outputs = List.copyOf(b.outputs);
    this.params = List.copyOf(b.params.values());
    this.phases = b.phases.isEmpty() ? EnumSet.of(Phase.ANALYSIS) : EnumSet.copyOf(b.phases);
    this.version = b.version;
    this.defaultSlices = b.defaultSlices;
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  public String description() {
    return description;
  }

  public List<InputSpec> inputs() {
    return inputs;
  }

  public InputSpec input(String inputName) {
    return inputs.stream().filter(i -> i.name().equals(inputName)).findFirst().orElse(null);
  }

  public List<OutputSpec> outputs() {
    return outputs;
  }

  public List<ParamSpec> params() {
    return params;
  }

  public ParamSpec param(String paramName) {
    return params.stream().filter(p -> p.name().equals(paramName)).findFirst().orElse(null);
  }

  public Set<Phase> phases() {
    return EnumSet.copyOf(phases);
  }

  public boolean has(Phase phase) {
    return phases.contains(phase);
  }

  /** Whether a stage of this method may have more than one slice. */
  public boolean sliced() {
    return phases.contains(Phase.ANALYSIS);
  }

  public String version() {
    return version;
  }

  public int defaultSlices() {
    return defaultSlices;
  }

  /** Fluent builder; {@link #build()} checks the declaration is coherent. */
  public static final class Builder {
    private final String name;
    private String description = "";
    private final List<InputSpec> inputs = new ArrayList<>();
    private final List<OutputSpec> outputs = new ArrayList<>();
    private final Map<String, ParamSpec> params = new LinkedHashMap<>();
    private final Set<Phase> phases = EnumSet.noneOf(Phase.class);
    private String version = "1";
    private int defaultSlices = 1;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name);
    }

    public Builder description(String text) {
      this.description = text;
      return this;
    }

    public Builder input(String inputName, String doc) {
      inputs.add(new InputSpec(inputName, true, doc));
      return this;
    }

    public Builder optionalInput(String inputName, String doc) {
      inputs.add(new InputSpec(inputName, false, doc));
      return this;
    }

    public Builder output(String outputName, String doc) {
      outputs.add(new OutputSpec(outputName, doc));
      return this;
    }

    public Builder param(ParamSpec p) {
      if (params.put(p.name(), p) != null) {
        throw new IllegalArgumentException(name + ": parameter " + p.name() + " declared twice");
      }
      return this;
    }

    /** The phases the method implements; default: analysis only. */
    public Builder phases(Phase... ps) {
      phases.clear();
      phases.addAll(List.of(ps));
      return this;
    }

    /** Bump by hand to invalidate stored results when something outside the digest changed. */
    public Builder version(String v) {
      this.version = Objects.requireNonNull(v);
      return this;
    }

    public Builder defaultSlices(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("defaultSlices must be >= 1");
      }
      this.defaultSlices = n;
      return this;
    }

    public MethodSpec build() {
      if (!phases.isEmpty()
          && !phases.contains(Phase.ANALYSIS)
          && !phases.contains(Phase.SYNTHESIS)) {
        throw new IllegalArgumentException(
            name + ": a method needs an analysis or a synthesis phase");
      }
      return new MethodSpec(this);
    }
  }
}

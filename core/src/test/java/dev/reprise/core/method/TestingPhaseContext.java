package dev.reprise.core.method;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A phase context for unit tests of methods: inputs are local folders, outputs go to a folder the
 * test reads back. Runs a method's phases without the engine or a store.
 */
public final class TestingPhaseContext implements PhaseContext {
  private final Method method;
  private final Map<String, Object> params;
  private final Map<String, Path> inputs = new HashMap<>();
  private final Path root;
  private Phase phase = Phase.ANALYSIS;
  private int slice = -1;
  private int slices = 1;
  private Path out;
  private Path scratch;
  public final List<String> logs = new ArrayList<>();

  /**
   * @param params the stage's params as written in a document (defaults are filled in here)
   * @param root an empty folder for this test's outputs
   */
  public TestingPhaseContext(Method method, Map<String, Object> params, Path root) {
    this.method = method;
    Map<String, Object> given = new HashMap<>(params);
    for (ParamSpec p : method.spec().params()) {
      if (given.containsKey(p.name())) {
        ParamValues.Result r = ParamValues.coerce(p, given.get(p.name()));
        if (r.error() != null) {
          throw new IllegalArgumentException(p.name() + ": " + r.error());
        }
      }
    }
    this.params = ParamValues.withDefaults(method.spec(), given);
    this.root = root;
  }

  public TestingPhaseContext input(String name, Path folder) {
    inputs.put(name, folder);
    return this;
  }

  public TestingPhaseContext slices(int n) {
    this.slices = n;
    return this;
  }

  /**
   * Runs every phase the method declares (prepare, each slice, synthesis) and returns the folder
   * holding the stage's outputs (the last phase's files; slices merged when analysis is last).
   */
  public Path runAll() throws Exception {
    MethodSpec spec = method.spec();
    if (spec.has(Phase.PREPARE)) {
      enter(Phase.PREPARE, -1);
      method.prepare(this);
    }
    if (spec.has(Phase.ANALYSIS)) {
      for (int i = 0; i < slices; i++) {
        enter(Phase.ANALYSIS, i);
        method.analysis(this);
      }
    }
    if (spec.has(Phase.SYNTHESIS)) {
      enter(Phase.SYNTHESIS, -1);
      method.synthesis(this);
      return out;
    }
    if (spec.has(Phase.ANALYSIS)) {
      Path merged = Files.createDirectories(root.resolve("merged"));
      for (int i = 0; i < slices; i++) {
        Path dir = root.resolve("analysis-" + i);
        for (String name : DirectoryArtifacts.listFiles(dir)) {
          Path target = merged.resolve(name);
          Files.createDirectories(target.getParent());
          Files.copy(dir.resolve(name), target);
        }
      }
      return merged;
    }
    return out;
  }

  /** Points the context at one phase (and slice); {@link #out()} becomes that phase's folder. */
  public TestingPhaseContext enter(Phase p, int sliceIndex) {
    this.phase = p;
    this.slice = sliceIndex;
    String dirName = p.wireName() + (p == Phase.ANALYSIS ? "-" + sliceIndex : "");
    try {
      this.out = Files.createDirectories(root.resolve(dirName));
      this.scratch = Files.createDirectories(root.resolve("scratch-" + dirName));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  @Override
  public String pipelineName() {
    return "test-pipeline";
  }

  @Override
  public String stageName() {
    return "test-stage";
  }

  @Override
  public Phase phase() {
    return phase;
  }

  @Override
  public int slice() {
    return slice;
  }

  @Override
  public int slices() {
    return slices;
  }

  @Override
  public Params params() {
    return new Params(params, root);
  }

  @Override
  public InputArtifacts input(String name) {
    Path p = inputs.get(name);
    return p == null ? null : new DirectoryArtifacts(p, "input '" + name + "'");
  }

  @Override
  public InputArtifacts prepared() {
    return new DirectoryArtifacts(root.resolve("prepare"), "prepare");
  }

  @Override
  public InputArtifacts slice(int i) {
    return new DirectoryArtifacts(root.resolve("analysis-" + i), "slice " + i);
  }

  @Override
  public Path out() {
    return out;
  }

  @Override
  public Path scratch() {
    return scratch;
  }

  @Override
  public void log(String message) {
    logs.add(message);
  }
}

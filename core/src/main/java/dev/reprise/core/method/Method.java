package dev.reprise.core.method;

import java.util.List;

/**
 * A pipeline step's code. Implementations are discovered with {@link java.util.ServiceLoader} (list
 * them in {@code META-INF/services/dev.reprise.core.method.Method}); each must have a public
 * no-argument constructor and keep no state between calls: a phase may run in another process.
 *
 * <p>Each phase writes its files under {@link PhaseContext#out()}; the engine commits them. The
 * stage's outputs are the files of its last phase; when the last phase is the analysis, the slices'
 * files are merged by name (names must not collide between slices).
 */
public interface Method {
  MethodSpec spec();

  /** Runs once, before the slices. Called only if the spec declares {@link Phase#PREPARE}. */
  default void prepare(PhaseContext ctx) throws Exception {
    throw new UnsupportedOperationException(spec().name() + " has no prepare phase");
  }

  /**
   * Runs once per slice, on one thread. Called only if the spec declares {@link Phase#ANALYSIS}.
   */
  default void analysis(PhaseContext ctx) throws Exception {
    throw new UnsupportedOperationException(spec().name() + " has no analysis phase");
  }

  /**
   * Merges the slices into the outputs. Called only if the spec declares {@link Phase#SYNTHESIS}.
   */
  default void synthesis(PhaseContext ctx) throws Exception {
    throw new UnsupportedOperationException(spec().name() + " has no synthesis phase");
  }

  /**
   * Checks that relate several parameters (each parameter's own type and range are checked from its
   * {@link ParamSpec}). Returns one problem per bad field; empty when all is well.
   */
  default List<FieldProblem> validate(Params params) {
    return List.of();
  }

  /** A problem with one parameter, found by {@link #validate}. */
  record FieldProblem(String param, String message) {}
}

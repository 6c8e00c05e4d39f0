package dev.reprise.core.method;

/** The types a method parameter can have in a pipeline document. */
public enum ParamType {
  /** A whole number; stored as {@link Long}. */
  INT("an integer"),
  /** A real number; stored as {@link Double} (an integer written in YAML is accepted). */
  NUMBER("a number"),
  STRING("a string"),
  BOOL("true or false"),
  /** A list of numbers; stored as {@code List<Double>}. */
  NUMBERS("a list of numbers"),
  /** A list of strings. */
  STRINGS("a list of strings"),
  /**
   * A path to an external file or folder (relative to the pipeline file), or an {@code s3://} URI.
   * Its content digest is part of the stage key.
   */
  PATH("a path to a file or folder"),
  /** Any YAML structure (maps, lists, scalars); the method checks it in {@link Method#validate}. */
  ANY("any value");

  private final String description;

  ParamType(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }
}

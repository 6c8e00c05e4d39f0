package dev.reprise.core.store;

/**
 * Where one committed unit lives in the store: a stage's outputs, its prepare phase's files, or one
 * slice's files. Each has {@code <prefix>outputs/...} and a {@code <prefix>manifest.json}.
 */
public record Location(String key, Kind kind, int slice) {
  /** What a location holds. */
  public enum Kind {
    STAGE,
    PREPARE,
    SLICE
  }

  public static Location stage(String key) {
    return new Location(key, Kind.STAGE, -1);
  }

  public static Location prepare(String key) {
    return new Location(key, Kind.PREPARE, -1);
  }

  public static Location slice(String key, int slice) {
    return new Location(key, Kind.SLICE, slice);
  }

  public static String stageDir(String key) {
    return "stages/" + key + "/";
  }

  /** The folder of this unit, with a trailing '/'. */
  public String prefix() {
    return switch (kind) {
      case STAGE -> stageDir(key);
      case PREPARE -> stageDir(key) + "prepare/";
      case SLICE -> stageDir(key) + "slices/" + slice + "/";
    };
  }

  public String manifestName() {
    return prefix() + "manifest.json";
  }

  public String outputsPrefix() {
    return prefix() + "outputs/";
  }

  public String describe() {
    return switch (kind) {
      case STAGE -> "result " + key.substring(0, 12);
      case PREPARE -> "prepare phase of " + key.substring(0, 12);
      case SLICE -> "slice " + slice + " of " + key.substring(0, 12);
    };
  }
}

package dev.reprise.core.store;

import java.util.List;
import java.util.Map;

/**
 * One run of a pipeline, as {@code runs/<pipeline>/<timestamp>.json} keeps it: what each stage's
 * key was made of, and whether it was reused, ran or failed. {@code explain} and {@code history}
 * read these.
 */
public record RunRecord(
    String pipeline,
    String file,
    String store,
    String started,
    double seconds,
    int workers,
    List<StageRun> stages) {

  /** One stage's part in a run. */
  public record StageRun(
      String name,
      String method,
      String key,
      String state,
      int slices,
      int slicesRan,
      double seconds,
      double savedSeconds,
      String message,
      Map<String, Object> components) {}
}

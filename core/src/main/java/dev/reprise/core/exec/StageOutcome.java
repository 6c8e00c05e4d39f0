package dev.reprise.core.exec;

import dev.reprise.core.key.KeyComponents;
import dev.reprise.core.store.Manifest;

/**
 * One stage's result in a run.
 *
 * @param savedSeconds seconds of computation that reuse avoided (recorded seconds of reused results
 *     and slices)
 * @param invalidInput true when it failed because of the user's data (exit code 2)
 * @param manifest the committed manifest when the stage is reused or ran; null otherwise
 */
public record StageOutcome(
    String name,
    String method,
    String key,
    StageState state,
    int slices,
    int slicesRan,
    double seconds,
    double savedSeconds,
    String message,
    boolean invalidInput,
    KeyComponents components,
    Manifest manifest) {
  public boolean succeeded() {
    return state == StageState.REUSED || state == StageState.RAN;
  }
}

package dev.reprise.core.store;

import java.util.Map;

/**
 * A resolved stage as {@code task.json} holds it: everything a worker needs to run one of its
 * phases, in this process or in a pod.
 *
 * @param components the key components (see {@link dev.reprise.core.key.KeyComponents#toJson})
 * @param inputs input name to the upstream result to read
 * @param baseDir folder relative PATH parameters are resolved against
 * @param pipeline the pipeline that first asked for this key (titles and logs only)
 * @param stage the stage name in that pipeline
 */
public record Task(
    String key,
    Map<String, Object> components,
    Map<String, Manifest.InputRef> inputs,
    String baseDir,
    String pipeline,
    String stage) {}

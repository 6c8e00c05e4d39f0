package dev.reprise.core.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A validated pipeline: stages in a topological order (every stage after its inputs).
 *
 * @param file the document it came from (for messages), or null
 * @param baseDir folder relative PATH parameters are resolved against
 * @param store the document's {@code spec.store}, or null
 * @param parallelism the most slices running at once, or null for "as many as workers"
 * @param volumes data volumes the stages' pods mount on Kubernetes ({@code spec.volumes})
 */
public record Pipeline(
    String name,
    Path file,
    Path baseDir,
    String store,
    Integer parallelism,
    List<Stage> stages,
    List<DataVolume> volumes) {
  public Pipeline(
      String name, Path file, Path baseDir, String store, Integer parallelism, List<Stage> stages) {
    this(name, file, baseDir, store, parallelism, stages, List.of());
  }

  /** The volume {@code location} is on, if any. */
  public Optional<DataVolume> volumeOf(String location) {
    return volumes.stream().filter(v -> v.relative(location).isPresent()).findFirst();
  }

  public Optional<Stage> stage(String stageName) {
    return stages.stream().filter(s -> s.name().equals(stageName)).findFirst();
  }

  public String fileName() {
    return file == null ? "<pipeline>" : file.toString();
  }
}

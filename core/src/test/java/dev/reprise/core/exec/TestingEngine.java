package dev.reprise.core.exec;

import dev.reprise.core.key.DataDigests;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.PipelineParser;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.FolderBlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Runs pipelines written as YAML text against a store, as {@code reprise run} would. */
public final class TestingEngine {
  public final Path dir;
  public final ArtifactStore store;
  public final MethodRegistry methods = MethodRegistry.discover();
  public final List<String> warnings = new CopyOnWriteArrayList<>();
  private int files;

  public TestingEngine(Path dir) {
    this(dir, new FolderBlobStore(dir.resolve("store")));
  }

  public TestingEngine(Path dir, BlobStore blobs) {
    this.dir = dir;
    this.store = new ArtifactStore(blobs, dir.resolve("cache"));
  }

  public Path write(String yaml) {
    try {
      Path f = dir.resolve("pipeline-" + (++files) + ".yaml");
      Files.writeString(f, yaml);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Pipeline parse(String yaml) {
    return new PipelineParser(methods).parse(write(yaml));
  }

  public StageResolver resolver() {
    return new StageResolver(new DataDigests(dir.resolve("digests.tsv"), null));
  }

  public RunSummary run(String yaml) {
    return run(yaml, 2);
  }

  public RunSummary run(String yaml, int workers) {
    return run(parse(yaml), workers);
  }

  public RunSummary run(Pipeline p, int workers) {
    RunListener listener =
        new RunListener() {
          @Override
          public void warn(String message) {
            warnings.add(message);
          }
        };
    return new LocalExecutor(store, methods, resolver())
        .run(
            p,
            new LocalExecutor.Options(
                workers, listener, dir.resolve("work"), Duration.ofMillis(20)));
  }

  /** Stage name → state, e.g. {source=reused, scale=ran}. */
  public static Map<String, String> states(RunSummary s) {
    return s.stages().stream()
        .collect(
            Collectors.toMap(
                StageOutcome::name,
                o -> o.state().wireName(),
                (a, b) -> a,
                java.util.LinkedHashMap::new));
  }

  public static StageOutcome stage(RunSummary s, String name) {
    return s.stages().stream().filter(o -> o.name().equals(name)).findFirst().orElseThrow();
  }
}

package dev.reprise.core.command;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.Stage;
import dev.reprise.core.store.ArtifactStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Ships a command stage's files into the store ({@code files/<sha256>}), where its slices read
 * them, on this machine or in a pod. Each content is uploaded once.
 */
public final class ShippedFiles {
  private ShippedFiles() {}

  /** Ships every file of {@code stage} that the store lacks, from next to the document. */
  public static void ship(ArtifactStore store, Pipeline pipeline, Stage stage) {
    for (Map.Entry<String, String> f : stage.command().files().entrySet()) {
      Path local = pipeline.baseDir() == null ? null : pipeline.baseDir().resolve(f.getKey());
      if (local != null && Files.isRegularFile(local)) {
        store.shipFile(local, f.getValue()); // uploads only what the store lacks
        continue;
      }
      if (!store.hasFile(f.getValue())) {
        throw new InvalidInputException(
            pipeline.fileName()
                + ": stage '"
                + stage.name()
                + "': files: "
                + f.getKey()
                + " (sha256 "
                + f.getValue().substring(0, 12)
                + ") is neither in "
                + store.uri()
                + " nor next to the document");
      }
    }
  }
}

package dev.reprise.worker.data;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodSpec;
import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.Phase;
import dev.reprise.core.method.PhaseContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code data.import}: external data (a local or {@code s3://} file or folder) as a stage's
 * outputs, so that stages which read data only through their inputs can use it: command stages
 * above all, whose programs then need no S3 credentials. Keyed by the data's content like any PATH
 * parameter, so its dependants rerun only when the data's bytes change.
 */
public final class ImportMethod implements Method {
  @Override
  public MethodSpec spec() {
    return MethodSpec.builder("data.import")
        .description(
            "Copies external data (a local or s3:// file or folder) into the store as this stage's"
                + " outputs, for stages that take it as an input (command stages)")
        .output("<file>", "the data's files, laid out as under path (one file: under its name)")
        .param(
            ParamSpec.path("path")
                .doc("a file or folder: a local path or s3://bucket/prefix; its content is keyed"))
        .phases(Phase.SYNTHESIS)
        .build();
  }

  @Override
  public void synthesis(PhaseContext ctx) throws IOException {
    Path data = ctx.data("path");
    if (Files.isRegularFile(data)) {
      Files.copy(data, ctx.out().resolve(data.getFileName().toString()));
      return;
    }
    if (!Files.isDirectory(data)) {
      throw new InvalidInputException("path: no file or folder at " + data);
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(data)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    if (files.isEmpty()) {
      throw new InvalidInputException("path: " + data + " holds no files");
    }
    for (Path f : files) {
      Path target = ctx.out().resolve(data.relativize(f).toString());
      Files.createDirectories(target.getParent());
      Files.copy(f, target);
    }
    ctx.log("imported " + files.size() + " files from " + ctx.params().getPath("path"));
  }
}

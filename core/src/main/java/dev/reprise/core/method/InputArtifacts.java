package dev.reprise.core.method;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedSet;

/**
 * A committed set of files a phase reads: an upstream stage's outputs, the prepare phase's files,
 * or one slice's files. Every file is checked against the sha256 its manifest recorded before it is
 * handed out; a mismatch throws {@link dev.reprise.core.CorruptArtifactException}.
 */
public interface InputArtifacts {
  /** What this is, for messages: "stage 'clean'", "prepare", "slice 3". */
  String describe();

  /** Artifact names, relative paths with '/' separators, sorted. */
  SortedSet<String> names();

  default boolean has(String name) {
    return names().contains(name);
  }

  /** A local, verified copy (or the committed file itself) of the named artifact. */
  Path path(String name);

  default byte[] bytes(String name) {
    try {
      return Files.readAllBytes(path(name));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  default String string(String name) {
    return new String(bytes(name), StandardCharsets.UTF_8);
  }
}

package dev.reprise.core.method;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/** The files under a local folder, as artifacts. No checksums: for work folders and tests. */
public final class DirectoryArtifacts implements InputArtifacts {
  private final Path dir;
  private final String description;
  private final SortedSet<String> names;

  public DirectoryArtifacts(Path dir, String description) {
    this.dir = dir;
    this.description = description;
    this.names = Collections.unmodifiableSortedSet(listFiles(dir));
  }

  /** Relative, '/'-separated names of the regular files under {@code dir}, sorted. */
  public static SortedSet<String> listFiles(Path dir) {
    TreeSet<String> out = new TreeSet<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isRegularFile)
          .forEach(p -> out.add(dir.relativize(p).toString().replace('\\', '/')));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public SortedSet<String> names() {
    return names;
  }

  @Override
  public Path path(String name) {
    if (!names.contains(name)) {
      throw new IllegalArgumentException(description + " has no artifact '" + name + "'");
    }
    return dir.resolve(name);
  }
}

package dev.reprise.core.key;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a file or folder holds, without reading it: the names, sizes and modification times of the
 * files {@link DataDigests} would hash (the same walk), and their SHA-256. Equal listings mean the
 * data is taken as unchanged, as {@link FileDigestMemo} takes one file.
 *
 * @param sha256 SHA-256 of the sorted lines {@code name TAB size TAB mtime-millis}
 * @param files how many files
 * @param bytes their total size
 */
public record DataListing(String sha256, int files, long bytes) {
  /**
   * Lists {@code path}: a file is one line with an empty name; a folder, its regular files by
   * relative name.
   *
   * @throws InvalidInputException if nothing is at {@code path}
   */
  public static DataListing of(Path path) {
    Path p = path.toAbsolutePath().normalize();
    Map<String, BasicFileAttributes> files = new TreeMap<>();
    try {
      if (Files.isRegularFile(p)) {
        files.put("", Files.readAttributes(p, BasicFileAttributes.class));
      } else if (Files.isDirectory(p)) {
        try (Stream<Path> walk = Files.walk(p)) {
          for (Path f : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
            files.put(
                p.relativize(f).toString().replace('\\', '/'),
                Files.readAttributes(f, BasicFileAttributes.class));
          }
        }
      } else {
        throw new InvalidInputException("no file or folder at " + p);
      }
    } catch (IOException | UncheckedIOException e) {
      IOException io = e instanceof IOException i ? i : ((UncheckedIOException) e).getCause();
      throw new StoreException("cannot list " + p + ": " + StoreException.reason(io), e);
    }
    StringBuilder lines = new StringBuilder();
    long bytes = 0;
    for (Map.Entry<String, BasicFileAttributes> e : files.entrySet()) {
      BasicFileAttributes a = e.getValue();
      bytes += a.size();
      lines
          .append(e.getKey())
          .append('\t')
          .append(a.size())
          .append('\t')
          .append(a.lastModifiedTime().toMillis())
          .append('\n');
    }
    return new DataListing(
        Sha256.hex(lines.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        files.size(),
        bytes);
  }
}

package dev.reprise.core.key;

import dev.reprise.core.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Digests of external data named by PATH parameters. A local file's digest is its sha256; a
 * folder's is the {@link OutputDigest} of its files by relative name. File hashes are memoised by
 * absolute path, size and modification time in a small cache file, so large inputs are read once,
 * not on every run. Remote URIs ({@code s3://}) are delegated.
 */
public final class DataDigests {
  private final Path memoFile;
  private final Function<String, String> remote;
  private final Map<String, String> memo = new ConcurrentHashMap<>();
  private volatile boolean dirty;

  /**
   * @param memoFile the memo cache (created if absent), or null for none
   * @param remote digests a URI such as {@code s3://bucket/data}; null when none is configured
   */
  public DataDigests(Path memoFile, Function<String, String> remote) {
    this.memoFile = memoFile;
    this.remote = remote;
    load();
  }

  /** The digest of the file or folder at {@code location} (absolute path or URI). */
  public String digest(String location) {
    if (location.contains("://")) {
      if (remote == null) {
        throw new InvalidInputException(
            "cannot read " + location + ": no remote store is configured for data URIs"
                + " (set REPRISE_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
      }
      return remote.apply(location);
    }
    Path p = Path.of(location).toAbsolutePath().normalize();
    if (Files.isRegularFile(p)) {
      return fileDigest(p);
    }
    if (Files.isDirectory(p)) {
      Map<String, String> files = new TreeMap<>();
      try (Stream<Path> walk = Files.walk(p)) {
        walk.filter(Files::isRegularFile)
            .forEach(f -> files.put(p.relativize(f).toString().replace('\\', '/'), fileDigest(f)));
      } catch (IOException | UncheckedIOException e) {
        throw new InvalidInputException("cannot read data folder " + p + ": " + e.getMessage(), e);
      }
      return OutputDigest.of(files);
    }
    throw new InvalidInputException("no file or folder at " + p);
  }

  private String fileDigest(Path f) {
    try {
      BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
      String memoKey = f + "\t" + a.size() + "\t" + a.lastModifiedTime().toMillis();
      String known = memo.get(memoKey);
      if (known != null) {
        return known;
      }
      String sha = Sha256.hex(f);
      memo.put(memoKey, sha);
      dirty = true;
      return sha;
    } catch (IOException e) {
      throw new InvalidInputException("cannot read data file " + f + ": " + e.getMessage(), e);
    }
  }

  private void load() {
    if (memoFile == null || !Files.isRegularFile(memoFile)) {
      return;
    }
    try {
      for (String line : Files.readAllLines(memoFile, StandardCharsets.UTF_8)) {
        int tab = line.lastIndexOf('\t');
        if (tab > 0) {
          memo.put(line.substring(0, tab), line.substring(tab + 1));
        }
      }
    } catch (IOException e) {
      memo.clear(); // a damaged memo only costs re-reading the data
    }
  }

  /** Writes the memo back (atomically); entries of files that no longer exist are dropped. */
  public void save() {
    if (memoFile == null || !dirty) {
      return;
    }
    List<String> lines = new ArrayList<>();
    new TreeMap<>(memo)
        .forEach(
            (k, v) -> {
              if (Files.exists(Path.of(k.substring(0, k.indexOf('\t'))))) {
                lines.add(k + "\t" + v);
              }
            });
    try {
      Files.createDirectories(memoFile.toAbsolutePath().getParent());
      Path tmp = memoFile.resolveSibling(memoFile.getFileName() + "." + UUID.randomUUID());
      Files.write(tmp, lines, StandardCharsets.UTF_8);
      Files.move(tmp, memoFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      dirty = false;
    } catch (IOException e) {
      // The memo is an optimisation; failing to save it costs a re-read next run, nothing more.
    }
  }
}

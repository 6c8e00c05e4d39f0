package dev.reprise.core.key;

import dev.reprise.core.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Digests of external data named by PATH parameters. A local file's digest is its sha256; a
 * folder's is the {@link OutputDigest} of its files by relative name. File hashes are memoised by
 * absolute path, size and modification time in a small cache file, so large inputs are read once,
 * not on every run. Remote URIs ({@code s3://}) are delegated, and how each was digested is kept
 * for {@code reprise explain}.
 */
public final class DataDigests {
  private final FileDigestMemo memo;
  private final Function<String, DataDigest> remote;
  private final Map<String, String> known;

  /** How each remote location was digested, shared with the digests {@link #withKnown} makes. */
  private final Map<String, String> methods;

  /**
   * @param memoFile the memo cache (created if absent), or null for none
   * @param remote digests a URI such as {@code s3://bucket/data}; null when none is configured
   */
  public DataDigests(Path memoFile, Function<String, DataDigest> remote) {
    this(new FileDigestMemo(memoFile), remote, Map.of(), new ConcurrentHashMap<>());
  }

  private DataDigests(
      FileDigestMemo memo,
      Function<String, DataDigest> remote,
      Map<String, String> known,
      Map<String, String> methods) {
    this.memo = memo;
    this.methods = methods;
    this.remote = remote;
    this.known = known;
  }

  /**
   * These digests, plus digests computed elsewhere for some absolute paths (data on a cluster
   * volume, digested where the volume is mounted): a path listed here is not read.
   *
   * @param known clean absolute path to its digest
   */
  public DataDigests withKnown(Map<String, String> known) {
    Map<String, String> all = new TreeMap<>(this.known);
    all.putAll(known);
    return new DataDigests(memo, remote, Map.copyOf(all), methods);
  }

  /**
   * How the remote data at {@code location} was digested when this object last did it (e.g. "by
   * sha256 metadata (200 objects)"); empty for local data and locations not digested yet.
   */
  public Optional<String> method(String location) {
    return Optional.ofNullable(methods.get(location));
  }

  /** The digest of the file or folder at {@code location} (absolute path or URI). */
  public String digest(String location) {
    if (!known.isEmpty() && !location.contains("://")) {
      String digest = known.get(Path.of(location).toAbsolutePath().normalize().toString());
      if (digest != null) {
        return digest;
      }
    }
    if (location.contains("://")) {
      if (remote == null) {
        throw new InvalidInputException(
            "cannot read "
                + location
                + ": no remote store is configured for data URIs"
                + " (set REPRISE_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
      }
      DataDigest d = remote.apply(location);
      methods.put(location, d.method());
      return d.value();
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
      return memo.sha256(f);
    } catch (IOException e) {
      throw new InvalidInputException("cannot read data file " + f + ": " + e.getMessage(), e);
    }
  }

  /** Writes the memo back (atomically); entries of files that no longer exist are dropped. */
  public void save() {
    memo.save();
  }
}

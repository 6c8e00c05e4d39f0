package dev.reprise.core.data;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.StoreException;
import dev.reprise.core.gc.RetentionPolicy;
import dev.reprise.core.key.Sha256;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A bounded, verified cache of fetched data objects on this machine (a laptop's cache folder, a
 * pod's temporary folder). An object is filed under its SHA-256 when S3 records one, else under its
 * location, ETag and size; next to it a {@code .sha256} file records the SHA-256 of the bytes as
 * fetched. The first use of an entry in a process re-reads and checks it, so a corrupted file is
 * fetched again, never used. When the cache outgrows its bound, the least recently used entries go.
 */
public final class DataCache {
  /** The bound when none is configured. */
  public static final long DEFAULT_MAX_BYTES = 10L * 1024 * 1024 * 1024;

  /** The variable that sets the bound, e.g. {@code 50G} or {@code 500M}. */
  public static final String SIZE_VAR = "REPRISE_DATA_CACHE_SIZE";

  private static final System.Logger LOG = System.getLogger(DataCache.class.getName());
  private static final String SHA_SUFFIX = ".sha256";
  private static final String TMP_PREFIX = ".tmp-";

  /** Fetches an object's bytes into a file. */
  @FunctionalInterface
  public interface Fetch {
    void into(Path target);
  }

  /** Uses a cached file while the cache holds it (e.g. links or copies it elsewhere). */
  @FunctionalInterface
  public interface Use {
    void file(Path cached) throws IOException;
  }

  private final Path root;
  private final long maxBytes;
  private final Set<String> verified = ConcurrentHashMap.newKeySet();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final Object evicting = new Object();

  /**
   * @param root the cache folder (created when first used)
   * @param maxBytes the bound on the objects' total size
   */
  public DataCache(Path root, long maxBytes) {
    if (maxBytes < 1) {
      throw new InvalidInputException(SIZE_VAR + ": the data cache needs a positive size");
    }
    this.root = root;
    this.maxBytes = maxBytes;
  }

  /** The bound from {@code REPRISE_DATA_CACHE_SIZE}, else {@link #DEFAULT_MAX_BYTES}. */
  public static long maxBytes(Map<String, String> env) {
    String v = env.get(SIZE_VAR);
    return v == null || v.isBlank() ? DEFAULT_MAX_BYTES : RetentionPolicy.parseSize(v, SIZE_VAR);
  }

  public Path root() {
    return root;
  }

  /** What {@link #get} did for one object. */
  public record Entry(Path file, boolean fetched) {}

  /**
   * The cached file for an object, fetched unless a verified copy is here.
   *
   * @param id names the content: {@code sha256-<hex>} or another stable name of one version
   * @param size the object's size
   * @param sha256 the content's SHA-256 if the object records one, else null
   * @param what the object's URI, for messages
   * @param use runs with the verified file before this call returns, while no eviction can remove
   *     it
   * @throws InvalidInputException if the bytes fetched twice do not match the recorded SHA-256
   */
  public Entry get(String id, long size, String sha256, String what, Fetch fetch, Use use) {
    Path file = root.resolve(id);
    synchronized (locks.computeIfAbsent(id, k -> new Object())) {
      if (intact(id, file, size, sha256)) {
        touch(file);
        use(use, file, what);
        return new Entry(file, false);
      }
      for (int attempt = 1; ; attempt++) {
        Path tmp = root.resolve(TMP_PREFIX + id + "-" + UUID.randomUUID());
        try {
          Files.createDirectories(root);
          fetch.into(tmp);
          String actual = Sha256.hex(tmp);
          long actualSize = Files.size(tmp);
          boolean matches = actualSize == size && (sha256 == null || sha256.equals(actual));
          if (!matches) {
            if (attempt < 2) {
              continue; // bytes damaged on the way: fetch once more
            }
            throw new InvalidInputException(
                what
                    + ": fetched "
                    + actualSize
                    + " bytes with SHA-256 "
                    + actual
                    + ", but the object records "
                    + size
                    + " bytes"
                    + (sha256 == null ? "" : " and SHA-256 " + sha256)
                    + ": upload it again (reprise data push)");
          }
          Path shaTmp = root.resolve(TMP_PREFIX + id + SHA_SUFFIX + "-" + UUID.randomUUID());
          Files.writeString(shaTmp, actual + "\n");
          move(shaTmp, root.resolve(id + SHA_SUFFIX));
          move(tmp, file);
          verified.add(id);
          use(use, file, what);
          break;
        } catch (IOException e) {
          throw new StoreException(
              "cannot cache " + what + " in " + root + ": " + StoreException.reason(e), e);
        } finally {
          deleteQuietly(tmp);
        }
      }
    }
    evict(id);
    return new Entry(file, true);
  }

  private static void use(Use use, Path file, String what) {
    try {
      use.file(file);
    } catch (IOException e) {
      throw new StoreException(
          "cannot use cached " + what + " (" + file + "): " + StoreException.reason(e), e);
    }
  }

  /**
   * True if the entry is here with the right size and, the first time this process uses it, bytes
   * that hash to the recorded SHA-256 (and to {@code sha256} when known).
   */
  private boolean intact(String id, Path file, long size, String sha256) {
    try {
      if (!Files.isRegularFile(file) || Files.size(file) != size) {
        return false;
      }
      if (verified.contains(id)) {
        return true;
      }
      Path shaFile = root.resolve(id + SHA_SUFFIX);
      if (!Files.isRegularFile(shaFile)) {
        return false;
      }
      String recorded = Files.readString(shaFile).trim();
      String actual = Sha256.hex(file);
      if (!actual.equals(recorded) || (sha256 != null && !sha256.equals(actual))) {
        LOG.log(Level.WARNING, "cached data {0} is damaged; fetching it again", file);
        return false;
      }
      verified.add(id);
      return true;
    } catch (NoSuchFileException e) {
      return false; // evicted by another process meanwhile
    } catch (IOException e) {
      throw new StoreException(
          "cannot read cached data " + file + ": " + StoreException.reason(e), e);
    }
  }

  /** Deletes the least recently used entries (never {@code keep}) until the cache fits. */
  private void evict(String keep) {
    synchronized (evicting) {
      record Cached(String id, Path file, long size, FileTime used) {}
      List<Cached> entries = new ArrayList<>();
      long total = 0;
      try (Stream<Path> list = Files.list(root)) {
        for (Path p : list.toList()) {
          String n = p.getFileName().toString();
          if (n.startsWith(TMP_PREFIX) || n.endsWith(SHA_SUFFIX) || !Files.isRegularFile(p)) {
            continue;
          }
          long size = Files.size(p);
          total += size;
          entries.add(new Cached(n, p, size, Files.getLastModifiedTime(p)));
        }
      } catch (IOException e) {
        LOG.log(Level.WARNING, "cannot list the data cache " + root + ": " + e.getMessage(), e);
        return;
      }
      if (total <= maxBytes) {
        return;
      }
      entries.sort(Comparator.comparing(Cached::used));
      for (Cached c : entries) {
        if (total <= maxBytes) {
          break;
        }
        if (c.id().equals(keep)) {
          continue;
        }
        synchronized (locks.computeIfAbsent(c.id(), k -> new Object())) {
          deleteQuietly(c.file());
          deleteQuietly(root.resolve(c.id() + SHA_SUFFIX));
          verified.remove(c.id());
        }
        total -= c.size();
      }
    }
  }

  private static void touch(Path file) {
    try {
      Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
    } catch (IOException e) {
      // Only the eviction order suffers.
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot delete " + p + ": " + e.getMessage(), e);
    }
  }
}

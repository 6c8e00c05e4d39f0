package dev.reprise.core.store;

import dev.reprise.core.CorruptArtifactException;
import dev.reprise.core.StoreException;
import dev.reprise.core.key.Sha256;
import dev.reprise.core.method.InputArtifacts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A committed unit's files as a phase reads them. A folder store hands out the committed files
 * after checking their sha256 once per process (per path, size and mtime); a remote store's files
 * are downloaded into a content-addressed local cache and checked as they arrive.
 */
final class StoredArtifacts implements InputArtifacts {
  /** path|size|mtime of local files already verified in this process, to the sha256 they had. */
  private static final Map<String, String> VERIFIED = new ConcurrentHashMap<>();

  private final BlobStore blobs;
  private final Location location;
  private final Map<String, Manifest.FileEntry> files = new TreeMap<>();
  private final String description;
  private final Path cacheDir;

  StoredArtifacts(
      BlobStore blobs, Location location, Manifest manifest, String description, Path cacheDir) {
    this.blobs = blobs;
    this.location = location;
    this.description = description;
    this.cacheDir = cacheDir;
    manifest.outputs().forEach(f -> files.put(f.name(), f));
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public SortedSet<String> names() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(files.keySet()));
  }

  @Override
  public Path path(String name) {
    Manifest.FileEntry entry = files.get(name);
    if (entry == null) {
      throw new IllegalArgumentException(
          description + " has no artifact '" + name + "' (has: " + files.keySet() + ")");
    }
    String blob = location.outputsPrefix() + name;
    Path local = blobs.localFile(blob).orElse(null);
    if (local != null) {
      verifyLocal(local, entry);
      return local;
    }
    return cached(blob, entry);
  }

  private void verifyLocal(Path file, Manifest.FileEntry entry) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      String memo = file + "|" + a.size() + "|" + a.lastModifiedTime().toMillis();
      if (entry.sha256().equals(VERIFIED.get(memo))) {
        return;
      }
      String actual = a.size() == entry.size() ? Sha256.hex(file) : "size " + a.size();
      if (!actual.equals(entry.sha256())) {
        throw new CorruptArtifactException(
            description
                + ": "
                + entry.name()
                + " does not match its manifest (expected sha256 "
                + entry.sha256()
                + ", size "
                + entry.size()
                + "; found "
                + actual
                + ")");
      }
      VERIFIED.put(memo, actual);
    } catch (IOException e) {
      throw new CorruptArtifactException(
          description + ": cannot read " + entry.name() + ": " + e.getMessage());
    }
  }

  private Path cached(String blob, Manifest.FileEntry entry) {
    String sha = entry.sha256();
    Path target = cacheDir.resolve(sha.substring(0, 2)).resolve(sha);
    try {
      if (Files.isRegularFile(target) && Files.size(target) == entry.size()) {
        return target;
      }
      Files.createDirectories(target.getParent());
      Path tmp = target.resolveSibling(".tmp-" + sha + "-" + UUID.randomUUID());
      try {
        blobs.download(blob, tmp);
        String actual = Sha256.hex(tmp);
        if (!actual.equals(sha)) {
          throw new CorruptArtifactException(
              description
                  + ": "
                  + entry.name()
                  + " does not match its manifest (expected sha256 "
                  + sha
                  + ", downloaded "
                  + actual
                  + ")");
        }
        Files.move(
            tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
      return target;
    } catch (IOException e) {
      throw new StoreException(
          "cannot cache " + blob + " in " + cacheDir + ": " + e.getMessage(), e);
    }
  }
}

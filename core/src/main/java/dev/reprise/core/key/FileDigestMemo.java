package dev.reprise.core.key;

import java.io.IOException;
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

/**
 * SHA-256s of local files, remembered by absolute path, size and modification time in a small
 * tab-separated file, so a file that has not changed is not read again in the next run. A file
 * rewritten in place gets a new mtime and is read again. Thread-safe.
 */
public final class FileDigestMemo {
  private final Path memoFile;
  private final Map<String, String> memo = new ConcurrentHashMap<>();
  private volatile boolean dirty;

  /**
   * @param memoFile where the memo is kept (created if absent), or null to keep it in memory
   */
  public FileDigestMemo(Path memoFile) {
    this.memoFile = memoFile;
    if (memoFile != null && Files.isRegularFile(memoFile)) {
      try {
        for (String line : Files.readAllLines(memoFile, StandardCharsets.UTF_8)) {
          int tab = line.lastIndexOf('\t');
          if (tab > 0) {
            memo.put(line.substring(0, tab), line.substring(tab + 1));
          }
        }
      } catch (IOException e) {
        memo.clear(); // a damaged memo only costs reading the files again
      }
    }
  }

  /** The file's sha256: remembered if its path, size and mtime are unchanged, else computed. */
  public String sha256(Path file) throws IOException {
    Path f = file.toAbsolutePath().normalize();
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
  }

  /** Writes the memo back atomically, dropping files that no longer exist. Best effort. */
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
      Files.move(
          tmp, memoFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      dirty = false;
    } catch (IOException e) {
      // The memo is an optimisation: failing to save it costs a re-read next run, nothing more.
    }
  }
}

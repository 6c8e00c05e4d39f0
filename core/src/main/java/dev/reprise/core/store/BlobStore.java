package dev.reprise.core.store;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Named blobs in a folder or an S3 bucket: the only place where store I/O happens. Names are
 * relative, '/'-separated ({@code stages/<key>/outputs/accuracy.npy}). Every write is atomic: a
 * reader sees the old blob, the new blob, or none, never a part. Implementations are thread-safe.
 * Failures throw {@link dev.reprise.core.StoreException}.
 */
public interface BlobStore extends AutoCloseable {
  /** The store's URI as users write it: {@code file:/abs/path} or {@code s3://bucket/prefix}. */
  String uri();

  /** The whole blob, or empty if absent. For small blobs (manifests, task and run records). */
  Optional<byte[]> read(String name);

  /** Writes (or replaces) a blob atomically. */
  void write(String name, byte[] data);

  /** Uploads a local file as a blob, atomically. */
  void upload(String name, Path source);

  /** Copies a blob into a local file (replacing it). Throws if the blob is absent. */
  void download(String name, Path target);

  /** The blob's file itself when the store is a local folder, so reads need no copy. */
  default Optional<Path> localFile(String name) {
    return Optional.empty();
  }

  /** Size and version tag, or empty if absent. */
  Optional<BlobInfo> stat(String name);

  /** Every blob whose name starts with {@code prefix}, sorted by name. */
  List<BlobInfo> list(String prefix);

  /**
   * Creates the blob only if no blob has that name; returns false (and writes nothing) otherwise.
   */
  boolean createIfAbsent(String name, byte[] data);

  /** Copies one blob to another name within the store. */
  void copy(String from, String to);

  /** Deletes a blob; absent blobs are ignored. */
  void delete(String name);

  /**
   * Tries to take an exclusive lock that other processes (and other threads) sharing this store
   * respect; empty if someone else holds it. A holder that dies (even by {@code kill -9}) releases
   * it: the OS does so for a folder, a lease expires for S3.
   */
  Optional<Lock> tryLock(String name);

  /**
   * Who holds the lock {@code name} and until when, in words for a user who waits for it; empty
   * when nobody does or the store cannot tell (a folder's locks are the OS's, released when their
   * holder dies).
   */
  default Optional<String> lockHolder(String name) {
    return Optional.empty();
  }

  /** A held lock; closing releases it. */
  interface Lock extends AutoCloseable {
    @Override
    void close();
  }

  @Override
  default void close() {}
}

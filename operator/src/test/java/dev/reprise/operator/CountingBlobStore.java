package dev.reprise.operator;

import dev.reprise.core.store.BlobInfo;
import dev.reprise.core.store.BlobStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** A store that counts the requests made of it, by kind: what steady-state load tests measure. */
final class CountingBlobStore implements BlobStore {
  /** Requests by kind ("read", "stat", "list", ...), shared by every store of one operator. */
  static final class Counter {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    void add(String kind) {
      counts.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    long total() {
      return counts.values().stream().mapToLong(AtomicLong::get).sum();
    }

    Map<String, Long> byKind() {
      Map<String, Long> out = new TreeMap<>();
      counts.forEach((k, v) -> out.put(k, v.get()));
      return out;
    }

    void reset() {
      counts.clear();
    }
  }

  private final BlobStore blobs;
  private final Counter counter;

  CountingBlobStore(BlobStore blobs, Counter counter) {
    this.blobs = blobs;
    this.counter = counter;
  }

  @Override
  public String uri() {
    return blobs.uri();
  }

  @Override
  public Optional<byte[]> read(String name) {
    counter.add("read");
    return blobs.read(name);
  }

  @Override
  public void write(String name, byte[] data) {
    counter.add("write");
    blobs.write(name, data);
  }

  @Override
  public void upload(String name, Path source) {
    counter.add("upload");
    blobs.upload(name, source);
  }

  @Override
  public void download(String name, Path target) {
    counter.add("download");
    blobs.download(name, target);
  }

  @Override
  public Optional<BlobInfo> stat(String name) {
    counter.add("stat");
    return blobs.stat(name);
  }

  @Override
  public List<BlobInfo> list(String prefix) {
    counter.add("list");
    return blobs.list(prefix);
  }

  @Override
  public boolean createIfAbsent(String name, byte[] data) {
    counter.add("createIfAbsent");
    return blobs.createIfAbsent(name, data);
  }

  @Override
  public void copy(String from, String to) {
    counter.add("copy");
    blobs.copy(from, to);
  }

  @Override
  public void delete(String name) {
    counter.add("delete");
    blobs.delete(name);
  }

  @Override
  public Optional<Lock> tryLock(String name) {
    counter.add("lock");
    return blobs.tryLock(name);
  }

  @Override
  public Optional<String> lockHolder(String name) {
    counter.add("lockHolder");
    return blobs.lockHolder(name);
  }

  @Override
  public void close() {
    blobs.close();
  }
}

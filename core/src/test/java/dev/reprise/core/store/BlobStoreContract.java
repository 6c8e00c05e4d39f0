package dev.reprise.core.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.StoreException;
import dev.reprise.core.key.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link BlobStore} must do. A subclass supplies a fresh, empty store per test; other
 * modules extend it for their own stores through core's test-jar.
 */
public abstract class BlobStoreContract {
  protected BlobStore store;
  @TempDir protected Path scratch;

  /** A new, empty store; closed after each test. */
  protected abstract BlobStore openStore() throws Exception;

  @BeforeEach
  void openIt() throws Exception {
    store = openStore();
  }

  @AfterEach
  void closeIt() throws Exception {
    store.close();
  }

  @Test
  void writeThenReadReturnsTheSameBytes() {
    byte[] data = "{\"key\":\"ab12\"}".getBytes(UTF_8);
    store.write("stages/ab12/manifest.json", data);
    assertArrayEquals(data, store.read("stages/ab12/manifest.json").orElseThrow());
  }

  @Test
  void readOfAMissingBlobIsEmpty() {
    assertEquals(Optional.empty(), store.read("stages/none/manifest.json"));
  }

  @Test
  void writeReplacesTheOldBlob() {
    store.write("runs/p/1.json", "old and longer".getBytes(UTF_8));
    store.write("runs/p/1.json", "new".getBytes(UTF_8));
    assertEquals("new", new String(store.read("runs/p/1.json").orElseThrow(), UTF_8));
    assertEquals(3, store.stat("runs/p/1.json").orElseThrow().size());
  }

  @Test
  void uploadAndDownloadOfALargeFileRoundTripByteForByte() throws IOException {
    byte[] data = new byte[20 << 20];
    new Random(42).nextBytes(data);
    Path source = scratch.resolve("big.npy");
    Files.write(source, data);
    store.upload("stages/k/outputs/big.npy", source);

    Path target = scratch.resolve("back/big.npy");
    store.download("stages/k/outputs/big.npy", target);

    assertEquals(Sha256.hex(data), Sha256.hex(target));
    assertEquals(data.length, store.stat("stages/k/outputs/big.npy").orElseThrow().size());
    try (Stream<Path> files = Files.list(target.getParent())) {
      assertEquals(List.of(target), files.toList(), "no temporary file left beside the target");
    }
  }

  @Test
  void downloadReplacesAnExistingFileAndFailsForAMissingBlob() throws IOException {
    store.write("a/x.txt", "fresh".getBytes(UTF_8));
    Path target = scratch.resolve("x.txt");
    Files.writeString(target, "stale content");
    store.download("a/x.txt", target);
    assertEquals("fresh", Files.readString(target));

    StoreException e = assertThrows(StoreException.class, () -> store.download("a/none", target));
    assertTrue(e.getMessage().contains("a/none"), e.getMessage());
  }

  @Test
  void listReturnsExactlyTheBlobsUnderThePrefixSortedWithSizes() {
    store.write("stages/ab/outputs/b.npy", new byte[3]);
    store.write("stages/ab/outputs/a.npy", new byte[5]);
    store.write("stages/ab/manifest.json", new byte[7]);
    store.write("stages/abc/manifest.json", new byte[11]);
    store.write("runs/p/1.json", new byte[13]);

    List<BlobInfo> listed = store.list("stages/ab/");

    assertEquals(
        List.of("stages/ab/manifest.json", "stages/ab/outputs/a.npy", "stages/ab/outputs/b.npy"),
        listed.stream().map(BlobInfo::name).toList());
    assertEquals(List.of(7L, 5L, 3L), listed.stream().map(BlobInfo::size).toList());
    assertEquals(5, store.list("").size());
    assertEquals(List.of(), store.list("stages/zz/"));
  }

  @Test
  void statGivesSizeAndATagThatChangesWithTheContent() throws InterruptedException {
    assertEquals(Optional.empty(), store.stat("a/b.json"));
    store.write("a/b.json", "12345".getBytes(UTF_8));
    BlobInfo first = store.stat("a/b.json").orElseThrow();
    assertEquals("a/b.json", first.name());
    assertEquals(5, first.size());

    // A folder's tag is the modification time: make sure the clock has moved on.
    Thread.sleep(20);
    store.write("a/b.json", "54321".getBytes(UTF_8));
    assertNotEquals(first.tag(), store.stat("a/b.json").orElseThrow().tag());
  }

  @Test
  void createIfAbsentCreatesOnceAndLeavesTheFirstContent() {
    assertTrue(store.createIfAbsent("locks/k", "first".getBytes(UTF_8)));
    assertFalse(store.createIfAbsent("locks/k", "second".getBytes(UTF_8)));
    assertEquals("first", new String(store.read("locks/k").orElseThrow(), UTF_8));
  }

  @Test
  void copyDuplicatesABlobAndFailsForAMissingOne() {
    store.write("stages/a/outputs/x.npy", "payload".getBytes(UTF_8));
    store.copy("stages/a/outputs/x.npy", "stages/b/outputs/x.npy");
    assertEquals("payload", new String(store.read("stages/b/outputs/x.npy").orElseThrow(), UTF_8));
    assertTrue(store.read("stages/a/outputs/x.npy").isPresent());

    assertThrows(StoreException.class, () -> store.copy("stages/none", "stages/c"));
  }

  @Test
  void deleteRemovesABlobAndIgnoresAMissingOne() {
    store.write("a/b", new byte[] {1});
    store.delete("a/b");
    assertEquals(Optional.empty(), store.read("a/b"));
    assertEquals(List.of(), store.list("a/"));
    store.delete("a/b");
    store.delete("never/was");
  }

  @Test
  void tryLockIsExclusiveUntilClosed() {
    Optional<BlobStore.Lock> first = store.tryLock("locks/stage-k");
    assertTrue(first.isPresent());
    assertEquals(Optional.empty(), store.tryLock("locks/stage-k"));
    assertTrue(store.tryLock("locks/other").isPresent(), "locks of other names are independent");

    first.get().close();
    Optional<BlobStore.Lock> again = store.tryLock("locks/stage-k");
    assertTrue(again.isPresent());
    again.get().close();
  }

  @Test
  void concurrentWritersOfOneNameLeaveOneCompleteValue() throws Exception {
    int writers = 4;
    int size = 256 << 10;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        byte[] value = new byte[size];
        Arrays.fill(value, (byte) ('A' + w));
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 5; i++) {
                    store.write("stages/k/manifest.json", value);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    byte[] result = store.read("stages/k/manifest.json").orElseThrow();
    assertEquals(size, result.length);
    byte first = result[0];
    assertTrue(first >= 'A' && first < 'A' + writers);
    for (byte b : result) {
      if (b != first) {
        throw new AssertionError("blob mixes the values of two writers");
      }
    }
    assertEquals(1, store.list("stages/k/").size(), "no temporary blobs are listed");
  }
}

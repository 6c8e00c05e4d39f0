package dev.reprise.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.gc.Progress;
import dev.reprise.core.key.DataDigests;
import dev.reprise.core.method.InputArtifacts;
import dev.reprise.core.store.DataPush;
import dev.reprise.core.store.S3BlobStore;
import dev.reprise.core.store.S3Data;
import dev.reprise.core.store.TestingS3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pushing a dataset to S3, digesting it, and fetching it through the data cache. */
class S3DataIT {
  private static final String BUCKET = "data-it";
  private static TestingS3Server server;
  @TempDir Path tmp;

  @BeforeAll
  static void startServer() {
    server = TestingS3Server.start();
    server.createBucket(BUCKET);
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  private static String freshUri() {
    return "s3://" + BUCKET + "/d-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** {@code n} files of {@code size} seeded random bytes, spread over subfolders. */
  static Path dataset(Path dir, int n, int size) throws IOException {
    Random random = new Random(42);
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[size];
      random.nextBytes(b);
      Path f = dir.resolve(String.format("S%02d/part-%03d.bin", i % 7, i));
      Files.createDirectories(f.getParent());
      Files.write(f, b);
    }
    return dir;
  }

  private static String localDigest(Path dir) {
    return new DataDigests(null, null).digest(dir.toString());
  }

  /** A push interrupted after some uploads, as a killed process leaves it. */
  static final class Interrupted extends RuntimeException {}

  @Test
  void anInterruptedPushResumesUploadingOnlyWhatIsMissing() throws Exception {
    Path dir = dataset(tmp.resolve("data"), 200, 512);
    String uri = freshUri();
    S3Data s3 = new S3Data(server.settings());
    AtomicInteger uploads = new AtomicInteger();
    assertThrows(
        Interrupted.class,
        () ->
            new DataPush(s3, 4, false)
                .push(
                    dir,
                    uri,
                    Progress.NONE,
                    name -> {
                      if (uploads.incrementAndGet() == 50) {
                        throw new Interrupted();
                      }
                    }));
    int present = s3.objects(uri).size();
    assertTrue(present >= 50 && present < 200, present + " objects after the interruption");

    // An object of the right size but other bytes and no SHA-256 (a foreign upload) is replaced.
    String victim = "S00/part-000.bin";
    boolean victimWasThere;
    try (S3BlobStore bucket = new S3BlobStore(server.settings(), uri)) {
      victimWasThere = bucket.stat(victim).isPresent();
      bucket.write(victim, new byte[512]);
    }

    Set<String> uploaded = ConcurrentHashMap.newKeySet();
    DataPush.Result r = new DataPush(s3, 4, false).push(dir, uri, Progress.NONE, uploaded::add);
    int missing = 200 - present + (victimWasThere ? 1 : 0);
    assertEquals(missing, r.uploaded(), "only missing and different objects are uploaded");
    assertEquals(200 - missing, r.skipped());
    assertTrue(uploaded.contains(victim));
    assertEquals(localDigest(dir), r.digest());
    assertEquals(localDigest(dir), s3.digest(uri).value(), "S3 digests as the local folder");
    assertEquals("by sha256 metadata (200 objects)", s3.digest(uri).method());
    assertEquals(uri, r.uri());

    DataPush.Result again = new DataPush(s3, 4, false).push(dir, uri, Progress.NONE, n -> {});
    assertEquals(0, again.uploaded());
    assertEquals(200, again.skipped());
  }

  @Test
  void dataIsFetchedOnceVerifiedAndKeptWithinTheCacheBound() throws Exception {
    Path dir = dataset(tmp.resolve("data"), 10, 1000);
    String uri = freshUri();
    S3Data s3 = new S3Data(server.settings());
    new DataPush(s3, 2, false).push(dir, uri, Progress.NONE, n -> {});
    String digest = s3.digest(uri).value();
    Path cacheDir = tmp.resolve("cache");

    ExternalData first = new ExternalData(s3, new DataCache(cacheDir, 1 << 20));
    ExternalData.Local a = first.local(uri, digest, tmp.resolve("view-a"));
    assertEquals(10, a.fetched());
    assertEquals(localDigest(dir), localDigest(a.path()), "laid out as on S3, same bytes");
    ExternalData.Local b = first.local(uri, digest, tmp.resolve("view-b"));
    assertEquals(0, b.fetched(), "once per process");

    // A new process finds the cache; one cached file was damaged meanwhile: only it is fetched.
    Path damaged;
    try (Stream<Path> files = Files.list(cacheDir)) {
      damaged =
          files.filter(f -> !f.getFileName().toString().endsWith(".sha256")).findFirst().get();
    }
    byte[] bytes = Files.readAllBytes(damaged);
    bytes[0] ^= 1;
    Files.delete(damaged); // the views' hard links keep their own (good) copy
    Files.write(damaged, bytes);
    ExternalData second = new ExternalData(s3, new DataCache(cacheDir, 1 << 20));
    ExternalData.Local c = second.local(uri, digest, tmp.resolve("view-c"));
    assertEquals(1, c.fetched(), "the damaged file is fetched again, never used");
    assertEquals(localDigest(dir), localDigest(c.path()));

    // Bounded to 3 objects' worth: each use still lays out all ten; the cache stays in its bound.
    Path small = tmp.resolve("small-cache");
    ExternalData bounded = new ExternalData(s3, new DataCache(small, 3000));
    ExternalData.Local d = bounded.local(uri, digest, tmp.resolve("view-d"));
    assertEquals(10, d.fetched());
    assertEquals(localDigest(dir), localDigest(d.path()));
    long cached;
    try (Stream<Path> files = Files.list(small)) {
      cached =
          files
              .filter(f -> !f.getFileName().toString().endsWith(".sha256"))
              .mapToLong(f -> f.toFile().length())
              .sum();
    }
    assertTrue(cached > 0 && cached <= 3000, cached + " bytes cached, bound 3000");

    // Read as files: only what is read is fetched.
    AtomicLong fetchedBytes = new AtomicLong();
    InputArtifacts files =
        new ExternalData(s3, new DataCache(tmp.resolve("lazy-cache"), 1 << 20))
            .files(uri, digest, tmp.resolve("view-e"), fetchedBytes::addAndGet);
    assertEquals(10, files.names().size());
    assertArrayEquals(
        Files.readAllBytes(dir.resolve("S03/part-003.bin")),
        Files.readAllBytes(files.path("S03/part-003.bin")));
    assertEquals(1000, fetchedBytes.get(), "one object of ten fetched");
  }

  @Test
  void dataChangedAfterPlanningIsRefusedAndOneObjectIsAFile() throws Exception {
    Path dir = dataset(tmp.resolve("data"), 3, 100);
    String uri = freshUri();
    S3Data s3 = new S3Data(server.settings());
    new DataPush(s3, 2, false).push(dir, uri, Progress.NONE, n -> {});
    String planned = s3.digest(uri).value();
    try (S3BlobStore bucket = new S3BlobStore(server.settings(), uri)) {
      bucket.write("S01/part-001.bin", new byte[] {1, 2, 3});
    }
    ExternalData data = new ExternalData(s3, new DataCache(tmp.resolve("cache"), 1 << 20));
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> data.local(uri, planned, tmp.resolve("view")));
    assertTrue(e.getMessage().contains("changed after the stage was planned"), e.getMessage());

    String object = uri + "/S00/part-000.bin";
    ExternalData.Local file = data.local(object, null, tmp.resolve("one"));
    assertEquals("part-000.bin", file.path().getFileName().toString());
    assertArrayEquals(
        Files.readAllBytes(dir.resolve("S00/part-000.bin")), Files.readAllBytes(file.path()));
    assertEquals(
        localDigest(dir.resolve("S00/part-000.bin")), s3.digest(object).value(), "as a file's");

    assertEquals(dir, ExternalData.localOnly().local(dir.toString(), null, tmp).path());
    InvalidInputException noS3 =
        assertThrows(
            InvalidInputException.class,
            () -> ExternalData.localOnly().local(uri, null, tmp.resolve("x")));
    assertTrue(noS3.getMessage().contains("REPRISE_S3_ENDPOINT"), noS3.getMessage());
  }
}

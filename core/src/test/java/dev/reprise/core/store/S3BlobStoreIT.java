package dev.reprise.core.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class S3BlobStoreIT extends BlobStoreContract {
  private static final String BUCKET = "reprise-it";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TestingS3Server server;
  private String uri;

  @BeforeAll
  static void startServer() {
    server = TestingS3Server.start();
    server.createBucket(BUCKET);
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected BlobStore openStore() {
    // One bucket for the class, a fresh prefix per test: tests cannot see each other's blobs.
    uri = "s3://" + BUCKET + "/t-" + UUID.randomUUID();
    return new S3BlobStore(server.settings(), uri);
  }

  private S3BlobStore storeWithLockTtl(Duration ttl) {
    return new S3BlobStore(server.settings(), uri, false, ttl);
  }

  @Test
  void uriIsTheNormalisedBucketAndPrefix() {
    assertEquals(uri, store.uri());
    assertEquals(uri, new S3BlobStore(server.settings(), uri + "/").uri());
  }

  @Test
  void aWrongSecretFailsWithAMessageAboutTheCredentials() {
    S3Settings wrong =
        new S3Settings(server.endpoint(), server.accessKey(), "not-the-secret", "us-east-1");
    try (S3BlobStore bad = new S3BlobStore(wrong, uri)) {
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> bad.write("a.json", new byte[] {1}));
      assertEquals(2, e.exitCode());
      assertTrue(e.getMessage().contains("AWS_SECRET_ACCESS_KEY"), e.getMessage());
      assertTrue(e.getMessage().contains(uri + "/a.json"), e.getMessage());
      assertThrows(InvalidInputException.class, () -> bad.read("a.json"));
    }
  }

  @Test
  void aMissingBucketIsNamedInTheErrorAndCreatedOnlyOnRequest() {
    String missing = "s3://no-such-bucket-" + UUID.randomUUID().toString().substring(0, 8) + "/p";
    try (S3BlobStore s = new S3BlobStore(server.settings(), missing)) {
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> s.write("x", new byte[] {1}));
      assertTrue(
          e.getMessage().contains("does not exist at endpoint " + server.endpoint()),
          e.getMessage());
    }
    try (S3BlobStore s =
        new S3BlobStore(server.settings(), missing, true, Duration.ofSeconds(30))) {
      s.write("x", new byte[] {1});
      assertEquals(1, s.list("").size());
    }
    // As the operator opens its default store on a bundled MinIO.
    String other = "s3://made-by-stores-" + UUID.randomUUID().toString().substring(0, 8) + "/p";
    try (BlobStore s = Stores.open(other, server.settings(), true)) {
      s.write("y", new byte[] {2});
      assertEquals(1, s.list("").size());
    }
  }

  @Test
  void theStorePrefixHidesBlobsOfASiblingPrefix() {
    store.write("stages/k/manifest.json", new byte[] {1});
    try (S3BlobStore sibling = new S3BlobStore(server.settings(), uri + "x")) {
      sibling.write("stages/k/manifest.json", new byte[] {2, 2});
      assertEquals(
          List.of("stages/k/manifest.json"), store.list("").stream().map(BlobInfo::name).toList());
      assertEquals(1, store.stat("stages/k/manifest.json").orElseThrow().size());
    }
  }

  @Test
  void theLeaseOfADeadHolderIsTakenOver() throws Exception {
    long longAgo = System.currentTimeMillis() - Duration.ofMinutes(10).toMillis();
    store.write("locks/k", lease("dead-host/4242/x", longAgo));
    try (S3BlobStore s = storeWithLockTtl(Duration.ofSeconds(5))) {
      Optional<BlobStore.Lock> lock = s.tryLock("locks/k");
      assertTrue(lock.isPresent(), "an expired lease does not block");
      String owner = JSON.readTree(s.read("locks/k").orElseThrow()).get("owner").asText();
      assertNotEquals("dead-host/4242/x", owner);
      lock.get().close();
      assertEquals(Optional.empty(), s.read("locks/k"), "closing deletes our lease");
    }
  }

  @Test
  void aLiveForeignLeaseBlocksAndIsNotDeletedByOurClose() throws Exception {
    byte[] foreign = lease("other-host/1/y", System.currentTimeMillis());
    store.write("locks/k", foreign);
    try (S3BlobStore s = storeWithLockTtl(Duration.ofSeconds(5))) {
      assertEquals(Optional.empty(), s.tryLock("locks/k"));
    }
    assertEquals(
        new String(foreign, UTF_8), new String(store.read("locks/k").orElseThrow(), UTF_8));
  }

  @Test
  void aHeldLockIsRenewedSoItOutlivesItsTtl() throws Exception {
    Duration ttl = Duration.ofMillis(300);
    try (S3BlobStore holder = storeWithLockTtl(ttl);
        S3BlobStore other = storeWithLockTtl(ttl)) {
      BlobStore.Lock lock = holder.tryLock("locks/k").orElseThrow();
      long firstExpiry =
          JSON.readTree(holder.read("locks/k").orElseThrow()).get("expires").asLong();
      // Without renewal the lease would be stale (expired by more than the TTL) after 600 ms.
      Thread.sleep(1200);
      assertEquals(Optional.empty(), other.tryLock("locks/k"));
      long laterExpiry =
          JSON.readTree(holder.read("locks/k").orElseThrow()).get("expires").asLong();
      assertTrue(
          laterExpiry > firstExpiry + 600, "lease renewed: " + firstExpiry + " -> " + laterExpiry);
      lock.close();
      Optional<BlobStore.Lock> taken = other.tryLock("locks/k");
      assertTrue(taken.isPresent());
      taken.get().close();
    }
  }

  @Test
  void aHolderWhoseLeaseWasTakenOverNeitherRenewsNorDeletesIt() throws Exception {
    try (S3BlobStore holder = storeWithLockTtl(Duration.ofMillis(300))) {
      BlobStore.Lock lock = holder.tryLock("locks/k").orElseThrow();
      byte[] usurper = lease("other-host/2/z", System.currentTimeMillis() + 60_000);
      store.write("locks/k", usurper);
      Thread.sleep(500);
      lock.close();
    }
    String owner = JSON.readTree(store.read("locks/k").orElseThrow()).get("owner").asText();
    assertEquals("other-host/2/z", owner, "the new holder's lease survives");
  }

  @Test
  void dataDigestFollowsETagsAndSizesOfAnObjectOrAFolder() {
    S3Data s3 = new S3Data(server.settings());
    store.write("data/subject1/X.npy", "xx".getBytes(UTF_8));
    store.write("data/subject1/y.npy", "yy".getBytes(UTF_8));
    String folder = uri + "/data";
    String object = uri + "/data/subject1/X.npy";

    String folderDigest = s3.digest(folder).value();
    String objectDigest = s3.digest(object).value();
    assertEquals(folderDigest, s3.digest(folder + "/").value());
    assertEquals(objectDigest, s3.digest(object).value());
    assertNotEquals(folderDigest, objectDigest);
    assertEquals(
        "by ETag and size (2 objects; no SHA-256 recorded: upload with reprise data push to key by"
            + " content)",
        s3.digest(folder).method());

    store.write("data/subject1/y.npy", "y2".getBytes(UTF_8));
    assertNotEquals(folderDigest, s3.digest(folder).value());
    assertEquals(objectDigest, s3.digest(object).value(), "X.npy did not change");

    store.write("data/subject1/X.npy", "x2".getBytes(UTF_8));
    assertNotEquals(objectDigest, s3.digest(object).value());

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> s3.digest(uri + "/nothing").value());
    assertTrue(
        e.getMessage().contains("no object or folder at " + uri + "/nothing"), e.getMessage());
    assertThrows(InvalidInputException.class, () -> s3.digest("s3://no-such-bucket-zz/x").value());
  }

  @Test
  void storesOpensEachKindOfUri(@org.junit.jupiter.api.io.TempDir Path dir) {
    try (BlobStore s3 = Stores.open(uri, server.settings())) {
      assertInstanceOf(S3BlobStore.class, s3);
      s3.write("via/stores", new byte[] {7});
      assertEquals(1, store.stat("via/stores").orElseThrow().size());
    }
    try (BlobStore folder = Stores.open("file:" + dir, null)) {
      assertInstanceOf(FolderBlobStore.class, folder);
      assertEquals("file:" + dir, folder.uri());
    }
    try (BlobStore folder = Stores.open(dir.resolve("plain").toString(), null)) {
      assertEquals("file:" + dir.resolve("plain"), folder.uri());
    }
    InvalidInputException noSettings =
        assertThrows(InvalidInputException.class, () -> Stores.open(uri, null));
    assertTrue(noSettings.getMessage().contains("REPRISE_S3_ENDPOINT"), noSettings.getMessage());
    InvalidInputException other =
        assertThrows(
            InvalidInputException.class, () -> Stores.open("gs://bucket/p", server.settings()));
    assertTrue(other.getMessage().contains("unsupported store URI"), other.getMessage());
  }

  @Test
  void settingsFromTheEnvironmentReachTheServer() {
    S3Settings s3 =
        S3Settings.fromEnvironment(
            Map.of(
                "REPRISE_S3_ENDPOINT", server.endpoint(),
                "AWS_ACCESS_KEY_ID", server.accessKey(),
                "AWS_SECRET_ACCESS_KEY", server.secretKey()));
    assertEquals("us-east-1", s3.region());
    try (BlobStore s = Stores.open(uri, s3)) {
      s.write("env", new byte[] {1});
    }
    assertTrue(store.read("env").isPresent());
  }

  private static byte[] lease(String owner, long expires) throws Exception {
    return JSON.writeValueAsBytes(Map.of("owner", owner, "expires", expires));
  }
}

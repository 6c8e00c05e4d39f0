package dev.reprise.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.key.DataDigest;
import dev.reprise.core.key.OutputDigest;
import dev.reprise.core.key.Sha256;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How an S3 object's recorded SHA-256 is read, and how a list of objects becomes the key's digest.
 */
class S3DataDigestTest {
  private static final String A = Sha256.hex("a");
  private static final String B = Sha256.hex("b");

  @Test
  void metadataWinsOverTheChecksumAndAMalformedValueIsIgnored() {
    String checksum = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(B));
    DataObject meta = S3BlobStore.dataObject("x", 1, "e", Map.of("sha256", A), checksum, null);
    assertEquals(A, meta.sha256());
    assertEquals(DataObject.METADATA, meta.sha256From());

    DataObject upper =
        S3BlobStore.dataObject(
            "x", 1, "e", Map.of("X-Amz-Meta-Sha256", A.toUpperCase()), null, null);
    assertEquals(A, upper.sha256(), "header case and hex case do not matter");

    DataObject bad = S3BlobStore.dataObject("x", 1, "e", Map.of("sha256", "abc"), checksum, null);
    assertEquals(B, bad.sha256(), "a malformed metadata value falls back to the checksum");
    assertEquals(DataObject.CHECKSUM, bad.sha256From());
  }

  @Test
  void onlyAFullObjectChecksumCounts() {
    String checksum = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(B));
    assertEquals(
        B, S3BlobStore.dataObject("x", 1, "e", Map.of(), checksum, "FULL_OBJECT").sha256());
    assertNull(S3BlobStore.dataObject("x", 1, "e", Map.of(), checksum + "-3", null).sha256());
    assertNull(S3BlobStore.dataObject("x", 1, "e", Map.of(), checksum, "COMPOSITE").sha256());
    assertNull(S3BlobStore.dataObject("x", 1, "e", Map.of(), "not base64!", null).sha256());
    assertNull(S3BlobStore.dataObject("x", 1, "e", Map.of(), null, null).sha256());
  }

  @Test
  void objectsWithSha256DigestAsTheSameLocalFilesAndIgnoreETags() {
    List<DataObject> pushed =
        List.of(
            new DataObject("S01/X.npy", 1, "etag-1", A, DataObject.METADATA),
            new DataObject("info.json", 1, "etag-2", B, DataObject.METADATA));
    DataDigest d = S3Data.digest(pushed);
    assertEquals(OutputDigest.of(Map.of("S01/X.npy", A, "info.json", B)), d.value());
    assertEquals("by sha256 metadata (2 objects)", d.method());

    // The same bytes uploaded again (another ETag, e.g. as a multipart upload): same digest.
    List<DataObject> again =
        List.of(
            new DataObject("S01/X.npy", 1, "other-etag-2", A, DataObject.METADATA),
            new DataObject("info.json", 1, "etag-2", B, DataObject.METADATA));
    assertEquals(d.value(), S3Data.digest(again).value());

    DataObject one = new DataObject("", 1, "e", A, DataObject.CHECKSUM);
    assertEquals(A, S3Data.digest(List.of(one)).value(), "one object: its SHA-256, as a file's");
    assertEquals("by S3 SHA-256 checksum (1 object)", S3Data.digest(List.of(one)).method());
  }

  @Test
  void oneObjectWithoutSha256MakesTheWholeDigestFollowETags() {
    List<DataObject> mixed =
        List.of(
            new DataObject("a", 1, "etag-1", A, DataObject.METADATA),
            new DataObject("b", 1, "etag-2", null, null));
    DataDigest d = S3Data.digest(mixed);
    assertTrue(
        d.method().startsWith("by ETag and size (2 objects; 1 of 2 objects have no SHA-256"),
        d.method());
    List<DataObject> rewritten =
        List.of(
            new DataObject("a", 1, "etag-1", A, DataObject.METADATA),
            new DataObject("b", 1, "etag-3", null, null));
    assertNotEquals(d.value(), S3Data.digest(rewritten).value(), "a new ETag is a change");
  }
}

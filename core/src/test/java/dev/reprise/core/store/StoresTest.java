package dev.reprise.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.InvalidInputException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoresTest {
  private static final String CWD = Path.of("").toAbsolutePath().toString();

  @Test
  void normaliseGivesOneSpellingPerStore() {
    assertEquals("file:/data/store", Stores.normalise("/data/store"));
    assertEquals("file:/data/store", Stores.normalise("file:/data/store/"));
    assertEquals("file:/data/store", Stores.normalise("file:///data/store"));
    assertEquals("file:/data/store", Stores.normalise("/data/x/../store"));
    assertEquals("file:" + CWD + "/.reprise/store", Stores.normalise(".reprise/store"));
    assertEquals("file:" + CWD + "/rel", Stores.normalise("file:rel"));
    assertEquals("s3://reprise/artifacts", Stores.normalise("s3://reprise/artifacts/"));
    assertEquals("s3://reprise/a/b", Stores.normalise("s3://reprise//a/b"));
    assertEquals("s3://reprise", Stores.normalise("s3://reprise/"));
  }

  @Test
  void badUrisAreTheUsersMistake() {
    InvalidInputException other =
        assertThrows(InvalidInputException.class, () -> Stores.normalise("gs://bucket/p"));
    assertTrue(other.getMessage().contains("unsupported store URI 'gs://bucket/p'"));
    assertThrows(InvalidInputException.class, () -> Stores.normalise("https://host/p"));
    assertThrows(InvalidInputException.class, () -> Stores.normalise(""));
    assertThrows(InvalidInputException.class, () -> Stores.normalise("file:"));
    assertThrows(InvalidInputException.class, () -> Stores.normalise("s3://Bad_Bucket/p"));
    assertThrows(InvalidInputException.class, () -> Stores.normalise("s3://reprise/a//b"));
  }

  @Test
  void s3SettingsNameTheMissingVariable() {
    Map<String, String> env =
        Map.of("REPRISE_S3_ENDPOINT", "http://minio:9000", "AWS_ACCESS_KEY_ID", "k");
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> S3Settings.fromEnvironment(env));
    assertTrue(e.getMessage().contains("AWS_SECRET_ACCESS_KEY"), e.getMessage());
    e = assertThrows(InvalidInputException.class, () -> S3Settings.fromEnvironment(Map.of()));
    assertTrue(e.getMessage().contains("REPRISE_S3_ENDPOINT"), e.getMessage());
    assertEquals(null, S3Settings.fromEnvironmentIfSet(Map.of()));
  }

  @Test
  void s3SettingsReadTheRegionAndHideTheSecret() {
    S3Settings s =
        S3Settings.fromEnvironment(
            Map.of(
                "REPRISE_S3_ENDPOINT", "http://minio:9000",
                "AWS_ACCESS_KEY_ID", "k",
                "AWS_SECRET_ACCESS_KEY", "very-secret",
                "AWS_REGION", "eu-north-1"));
    assertEquals("eu-north-1", s.region());
    assertFalse(s.toString().contains("very-secret"), s.toString());
    assertThrows(InvalidInputException.class, () -> new S3Settings("minio:9000", "k", "s", null));
  }
}

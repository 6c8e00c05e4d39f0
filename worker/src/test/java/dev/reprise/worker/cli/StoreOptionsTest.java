package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.store.S3Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Which S3 credentials the command line's options and environment give. */
class StoreOptionsTest {
  private static final Map<String, String> ENV =
      Map.of(
          "REPRISE_S3_ENDPOINT", "http://127.0.0.1:9000",
          "AWS_ACCESS_KEY_ID", "env-key",
          "AWS_SECRET_ACCESS_KEY", "env-secret",
          "AWS_SESSION_TOKEN", "env-token");

  private static S3Settings s3(String... args) {
    StoreOptions options = new StoreOptions();
    new CommandLine(options).parseArgs(args);
    options.useEnvironment(ENV);
    return options.s3();
  }

  @Test
  void theEnvironmentsSessionTokenGoesWithTheEnvironmentsKeys() {
    S3Settings s3 = s3();
    assertEquals("env-key", s3.accessKey());
    assertTrue(s3.credentials().configured().contains("with a session token"), s3.toString());
  }

  @Test
  void keysGivenAsOptionsDoNotInheritTheEnvironmentsToken() {
    S3Settings s3 = s3("--s3-access-key", "flag-key", "--s3-secret-key", "flag-secret");
    assertEquals("flag-key", s3.accessKey());
    assertFalse(s3.credentials().configured().contains("session token"), s3.toString());
    S3Settings withToken =
        s3(
            "--s3-access-key", "flag-key",
            "--s3-secret-key", "flag-secret",
            "--s3-session-token", "flag-token");
    assertTrue(
        withToken.credentials().configured().contains("with a session token"),
        withToken.toString());
  }
}

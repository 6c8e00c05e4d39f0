package dev.reprise.core.store;

import dev.reprise.core.StoreException;
import java.net.URI;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * An S3-compatible server for tests: S3Proxy on 127.0.0.1 with an ephemeral port, an in-memory blob
 * store and SigV4 credentials. Start one per test class; {@link #close()} stops it.
 */
public final class TestingS3Server implements AutoCloseable {
  private static final String ACCESS_KEY = "reprise-test";
  private static final String SECRET_KEY = "reprise-test-secret-key";

  private final S3Proxy proxy;
  private final String endpoint;

  private TestingS3Server(S3Proxy proxy) {
    this.proxy = proxy;
    this.endpoint = "http://127.0.0.1:" + proxy.getPort();
  }

  /** Starts a server with an empty in-memory store. */
  public static TestingS3Server start() {
    return start(false);
  }

  /**
   * Starts a server that accepts requests signed with temporary credentials. S3Proxy answers 501 to
   * headers it does not know, {@code X-Amz-Security-Token} among them; this one ignores them, so
   * the token is signed and sent but not checked (a test checks it on the wire).
   */
  public static TestingS3Server startAcceptingSessionTokens() {
    return start(true);
  }

  private static TestingS3Server start(boolean ignoreUnknownHeaders) {
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(BlobStores.create("transient-nio2", new Properties()))
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .ignoreUnknownHeaders(ignoreUnknownHeaders)
            .build();
    try {
      proxy.start();
      // start() returns before Jetty has bound the port on some versions.
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not start: state " + proxy.getState());
        }
        Thread.sleep(5);
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot start S3Proxy: " + e.getMessage(), e);
    }
    return new TestingS3Server(proxy);
  }

  public String endpoint() {
    return endpoint;
  }

  public String accessKey() {
    return ACCESS_KEY;
  }

  public String secretKey() {
    return SECRET_KEY;
  }

  /** Settings that reach this server with valid credentials. */
  public S3Settings settings() {
    return new S3Settings(endpoint, ACCESS_KEY, SECRET_KEY, S3Settings.DEFAULT_REGION);
  }

  /** Creates the bucket if it does not exist yet. */
  public void createBucket(String name) {
    S3BlobStore.ensureBucket(settings(), name);
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new StoreException("cannot stop S3Proxy at " + endpoint + ": " + e.getMessage(), e);
    }
  }
}

package dev.reprise.core.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.StoreException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which S3 failures are retried: a scripted HTTP server answers in place of S3. */
class S3BlobStoreRetryIT {
  private final AtomicInteger requests = new AtomicInteger();
  private HttpServer server;

  /**
   * Answers each request with {@code status} and an S3 error body until {@code failures} ran out.
   */
  private S3Settings serve(int failures, int status, String code) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          if (requests.incrementAndGet() <= failures) {
            String body =
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                    + code
                    + "</Code><Message>scripted failure</Message></Error>";
            reply(exchange, status, "application/xml", body.getBytes(UTF_8));
          } else {
            reply(exchange, 200, "application/octet-stream", "hello".getBytes(UTF_8));
          }
        });
    server.start();
    return settings(server.getAddress().getPort());
  }

  private static S3Settings settings(int port) {
    return new S3Settings("http://127.0.0.1:" + port, "key", "secret", "us-east-1");
  }

  private static void reply(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getRequestBody().readAllBytes();
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void slowDownIsRetriedUntilItSucceeds() throws IOException {
    try (S3BlobStore store = new S3BlobStore(serve(2, 503, "SlowDown"), "s3://bucket/p")) {
      assertEquals("hello", new String(store.read("a.json").orElseThrow(), UTF_8));
    }
    assertEquals(3, requests.get());
  }

  @Test
  void aServerErrorThatPersistsFailsAfterFourAttempts() throws IOException {
    try (S3BlobStore store = new S3BlobStore(serve(100, 500, "InternalError"), "s3://bucket/p")) {
      StoreException e = assertThrows(StoreException.class, () -> store.read("a.json"));
      assertTrue(e.getMessage().contains("s3://bucket/p/a.json"), e.getMessage());
      assertTrue(e.getMessage().contains("after 4 attempts"), e.getMessage());
      assertTrue(e.getMessage().contains("InternalError"), e.getMessage());
    }
    assertEquals(4, requests.get());
  }

  @Test
  void accessDeniedIsNotRetriedAndPointsAtTheCredentials() throws IOException {
    try (S3BlobStore store = new S3BlobStore(serve(100, 403, "AccessDenied"), "s3://bucket/p")) {
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> store.read("a.json"));
      assertEquals(2, e.exitCode(), "a credentials problem is the user's to fix: not retried");
      assertTrue(e.getMessage().contains("AWS_ACCESS_KEY_ID"), e.getMessage());
      assertTrue(e.getMessage().contains("AWS_SECRET_ACCESS_KEY"), e.getMessage());
    }
    assertEquals(1, requests.get());
  }

  @Test
  void aRefusedConnectionIsRetriedThenReported() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    long start = System.nanoTime();
    try (S3BlobStore store = new S3BlobStore(settings(port), "s3://bucket/p")) {
      StoreException e =
          assertThrows(StoreException.class, () -> store.write("a.json", new byte[] {1}));
      assertTrue(e.getMessage().contains("after 4 attempts"), e.getMessage());
      assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }
    // 100 + 400 + 1600 ms of backoff.
    assertTrue(System.nanoTime() - start >= 2_000_000_000L);
  }
}

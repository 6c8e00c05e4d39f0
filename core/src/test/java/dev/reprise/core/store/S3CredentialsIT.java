package dev.reprise.core.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.StoreException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials as the cloud provides them reach the store: temporary keys with a session token, web
 * identity exchanged at an STS this test serves on loopback, container credentials from a loopback
 * endpoint; and with none of them the message names every source tried.
 */
class S3CredentialsIT {
  private static final String BUCKET = "creds";
  private static final String ROLE = "arn:aws:iam::123456789012:role/reprise-store";

  private static TestingS3Server server;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private Relay relay;

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    server = TestingS3Server.startAcceptingSessionTokens();
    server.createBucket(BUCKET);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @AfterEach
  void stopServers() throws IOException {
    servers.forEach(s -> s.stop(0));
    if (relay != null) {
      relay.close();
    }
  }

  @Test
  void aSessionTokenIsSentWithEveryRequest() throws IOException {
    relay = new Relay(server.endpoint());
    Map<String, String> env = new HashMap<>(noMetadataService());
    env.put("REPRISE_S3_ENDPOINT", relay.endpoint());
    env.put("AWS_ACCESS_KEY_ID", server.accessKey());
    env.put("AWS_SECRET_ACCESS_KEY", server.secretKey());
    env.put("AWS_SESSION_TOKEN", "session-token-1");

    try (S3BlobStore store = new S3BlobStore(S3Settings.fromEnvironment(env), "s3://creds/st")) {
      store.write("a.json", "{}".getBytes(UTF_8));
      assertEquals("{}", new String(store.read("a.json").orElseThrow(), UTF_8));
    }
    relay.assertEveryRequestCarries("session-token-1");
  }

  @Test
  void aWebIdentityIsExchangedAtStsAndRefreshedWhenItExpires() throws IOException {
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, "jwt-1\n");
    List<Map<String, String>> calls = new CopyOnWriteArrayList<>();
    // Credentials that expire in 5 s count as expired already (the SDK keeps a 10 s margin), so
    // every request asks STS again: the refresh path, without waiting.
    HttpServer sts = sts(calls, 200, Instant.now().plusSeconds(5));
    relay = new Relay(server.endpoint());
    Map<String, String> env = new HashMap<>(noMetadataService());
    env.put("REPRISE_S3_ENDPOINT", relay.endpoint());
    env.put("AWS_ROLE_ARN", ROLE);
    env.put("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile.toString());
    env.put("AWS_STS_ENDPOINT", "http://127.0.0.1:" + sts.getAddress().getPort() + "/");

    try (S3BlobStore store = new S3BlobStore(S3Settings.fromEnvironment(env), "s3://creds/wi")) {
      store.write("a.json", "{\"n\":1}".getBytes(UTF_8));
      assertEquals(1, calls.size(), "one exchange at STS: " + calls);
      // The kubelet rotates the projected token: the next refresh must send the new one.
      Files.writeString(tokenFile, "jwt-2\n");
      assertEquals("{\"n\":1}", new String(store.read("a.json").orElseThrow(), UTF_8));
    }
    assertEquals(2, calls.size(), "a refresh per request: " + calls);
    Map<String, String> first = calls.get(0);
    assertEquals("POST", first.get("method"));
    assertEquals("AssumeRoleWithWebIdentity", first.get("Action"));
    assertEquals("jwt-1", first.get("WebIdentityToken"));
    assertEquals(ROLE, first.get("RoleArn"));
    assertEquals("jwt-2", calls.get(1).get("WebIdentityToken"));
    relay.assertEveryRequestCarries("sts-session");
  }

  @Test
  void credentialsThatStillLastAreReusedNotFetchedPerRequest() throws IOException {
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, "jwt");
    List<Map<String, String>> calls = new CopyOnWriteArrayList<>();
    HttpServer sts = sts(calls, 200, Instant.now().plus(1, ChronoUnit.HOURS));
    Map<String, String> env = new HashMap<>(noMetadataService());
    env.put("REPRISE_S3_ENDPOINT", server.endpoint());
    env.put("AWS_ROLE_ARN", ROLE);
    env.put("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile.toString());
    env.put("AWS_STS_ENDPOINT", "http://127.0.0.1:" + sts.getAddress().getPort());
    S3Settings settings = S3Settings.fromEnvironment(env);

    try (S3BlobStore one = new S3BlobStore(settings, "s3://creds/a");
        S3BlobStore two = new S3BlobStore(settings, "s3://creds/b")) {
      for (int i = 0; i < 3; i++) {
        one.write("x" + i, new byte[] {1});
        two.write("x" + i, new byte[] {2});
      }
    }
    assertEquals(1, calls.size(), "STS is asked once for both stores: " + calls);
  }

  @Test
  void staticKeysComeBeforeWebIdentity() throws IOException {
    List<Map<String, String>> calls = new CopyOnWriteArrayList<>();
    HttpServer sts = sts(calls, 200, Instant.now().plusSeconds(3600));
    Path tokenFile = Files.writeString(tmp.resolve("token"), "jwt");
    Map<String, String> env = new HashMap<>(noMetadataService());
    env.put("REPRISE_S3_ENDPOINT", server.endpoint());
    env.put("AWS_ACCESS_KEY_ID", server.accessKey());
    env.put("AWS_SECRET_ACCESS_KEY", server.secretKey());
    env.put("AWS_ROLE_ARN", ROLE);
    env.put("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile.toString());
    env.put("AWS_STS_ENDPOINT", "http://127.0.0.1:" + sts.getAddress().getPort());
    try (S3BlobStore store = new S3BlobStore(S3Settings.fromEnvironment(env), "s3://creds/s")) {
      store.write("a", new byte[] {1});
    }
    assertEquals(List.of(), calls);
  }

  @Test
  void aRoleStsRefusesIsTheUsersToFixAndSaysWhichSource() throws IOException {
    List<Map<String, String>> calls = new CopyOnWriteArrayList<>();
    HttpServer sts = sts(calls, 403, Instant.now());
    Path tokenFile = Files.writeString(tmp.resolve("token"), "jwt");
    Map<String, String> env = new HashMap<>(noMetadataService());
    env.put("REPRISE_S3_ENDPOINT", server.endpoint());
    env.put("AWS_ROLE_ARN", ROLE);
    env.put("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile.toString());
    env.put("AWS_STS_ENDPOINT", "http://127.0.0.1:" + sts.getAddress().getPort());
    try (S3BlobStore store = new S3BlobStore(S3Settings.fromEnvironment(env), "s3://creds/r")) {
      InvalidInputException e = assertThrows(InvalidInputException.class, () -> store.read("a"));
      assertTrue(e.getMessage().contains("web identity"), e.getMessage());
      assertTrue(e.getMessage().contains("403"), e.getMessage());
    }
  }

  @Test
  void credentialsThatCannotBeRefreshedFailThePassingWaySayingFromWhere() throws IOException {
    AtomicInteger status = new AtomicInteger(200);
    List<Map<String, String>> calls = new CopyOnWriteArrayList<>();
    HttpServer sts = sts(calls, status::get, Instant.now().plusSeconds(5));
    Path tokenFile = Files.writeString(tmp.resolve("token"), "jwt");
    Map<String, String> env = new HashMap<>(noMetadataService());
    env.put("REPRISE_S3_ENDPOINT", server.endpoint());
    env.put("AWS_ROLE_ARN", ROLE);
    env.put("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile.toString());
    env.put("AWS_STS_ENDPOINT", "http://127.0.0.1:" + sts.getAddress().getPort());
    try (S3BlobStore store = new S3BlobStore(S3Settings.fromEnvironment(env), "s3://creds/f")) {
      store.write("a", new byte[] {1});
      status.set(503);
      StoreException e = assertThrows(StoreException.class, () -> store.read("a"));
      assertEquals(1, e.exitCode(), "STS being down is a passing fault: the pod is retried");
      assertTrue(
          e.getMessage().startsWith("cannot refresh the S3 credentials from web identity"),
          e.getMessage());
      assertTrue(e.getMessage().contains("503"), e.getMessage());
    }
  }

  @Test
  void containerCredentialsComeFromTheEndpointWithTheTokenFromItsFile() throws IOException {
    Path tokenFile = Files.writeString(tmp.resolve("pod-identity-token"), "pod-token\n");
    List<String> authorizations = new CopyOnWriteArrayList<>();
    HttpServer agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    servers.add(agent);
    String expiration = Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.SECONDS).toString();
    agent.createContext(
        "/v1/credentials",
        exchange -> {
          authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
          String body =
              "{\"AccessKeyId\":\""
                  + server.accessKey()
                  + "\",\"SecretAccessKey\":\""
                  + server.secretKey()
                  + "\",\"Token\":\"pod-session\",\"Expiration\":\""
                  + expiration
                  + "\"}";
          reply(exchange, 200, "application/json", body);
        });
    agent.start();
    relay = new Relay(server.endpoint());
    Map<String, String> env = new HashMap<>(noMetadataService());
    env.put("REPRISE_S3_ENDPOINT", relay.endpoint());
    env.put(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://127.0.0.1:" + agent.getAddress().getPort() + "/v1/credentials");
    env.put("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokenFile.toString());

    try (S3BlobStore store = new S3BlobStore(S3Settings.fromEnvironment(env), "s3://creds/pi")) {
      store.write("a.json", "{}".getBytes(UTF_8));
      assertEquals("{}", new String(store.read("a.json").orElseThrow(), UTF_8));
    }
    assertEquals(List.of("pod-token"), authorizations, "asked once, with the file's token");
    relay.assertEveryRequestCarries("pod-session");
  }

  @Test
  void withNoCredentialsAtAllTheMessageNamesEverySourceTried() throws IOException {
    Map<String, String> env = new HashMap<>(noMetadataService());
    env.put("REPRISE_S3_ENDPOINT", server.endpoint());
    String metadata = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    try (S3BlobStore store = new S3BlobStore(S3Settings.fromEnvironment(env), "s3://creds/n")) {
      InvalidInputException e = assertThrows(InvalidInputException.class, () -> store.read("a"));
      String m = e.getMessage();
      assertTrue(m.startsWith("no S3 credentials; tried static keys"), m);
      for (String named :
          List.of(
              "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set",
              "web identity",
              "AWS_WEB_IDENTITY_TOKEN_FILE not set",
              "container credentials",
              "AWS_CONTAINER_CREDENTIALS_FULL_URI",
              "instance profile from the instance metadata service at " + metadata)) {
        assertTrue(m.contains(named), "missing '" + named + "' in: " + m);
      }
    }
  }

  @Test
  void aHalfSetUpSourceIsAnErrorBeforeAnyRequest() {
    Map<String, String> env =
        Map.of("REPRISE_S3_ENDPOINT", server.endpoint(), "AWS_WEB_IDENTITY_TOKEN_FILE", "/t");
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> S3Settings.fromEnvironment(env));
    assertTrue(e.getMessage().contains("AWS_ROLE_ARN"), e.getMessage());
  }

  /** The instance metadata service moved to a loopback port nobody listens on. */
  private static Map<String, String> noMetadataService() throws IOException {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    return Map.of("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + port);
  }

  /**
   * An STS that answers AssumeRoleWithWebIdentity with the test server's keys as temporary
   * credentials, recording each call's method and query parameters.
   */
  private HttpServer sts(List<Map<String, String>> calls, int status, Instant expiration)
      throws IOException {
    return sts(calls, () -> status, expiration);
  }

  private HttpServer sts(List<Map<String, String>> calls, IntSupplier status, Instant expiration)
      throws IOException {
    HttpServer sts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    servers.add(sts);
    sts.createContext(
        "/",
        exchange -> {
          Map<String, String> call = new HashMap<>();
          call.put("method", exchange.getRequestMethod());
          String query = exchange.getRequestURI().getRawQuery();
          for (String pair : query == null ? new String[0] : query.split("&")) {
            String[] kv = pair.split("=", 2);
            call.put(
                URLDecoder.decode(kv[0], UTF_8),
                kv.length > 1 ? URLDecoder.decode(kv[1], UTF_8) : "");
          }
          calls.add(call);
          if (status.getAsInt() != 200) {
            reply(
                exchange,
                status.getAsInt(),
                "text/xml",
                "<ErrorResponse><Error><Code>AccessDenied</Code>"
                    + "<Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message>"
                    + "</Error></ErrorResponse>");
            return;
          }
          String body =
              "<AssumeRoleWithWebIdentityResponse"
                  + " xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                  + "<AssumeRoleWithWebIdentityResult>"
                  + "<SubjectFromWebIdentityToken>system:serviceaccount:ns:reprise</SubjectFromWebIdentityToken>"
                  + "<Credentials>"
                  + "<AccessKeyId>"
                  + server.accessKey()
                  + "</AccessKeyId>"
                  + "<SecretAccessKey>"
                  + server.secretKey()
                  + "</SecretAccessKey>"
                  + "<SessionToken>sts-session</SessionToken>"
                  + "<Expiration>"
                  + expiration.truncatedTo(ChronoUnit.SECONDS)
                  + "</Expiration>"
                  + "</Credentials>"
                  + "</AssumeRoleWithWebIdentityResult>"
                  + "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
                  + "</AssumeRoleWithWebIdentityResponse>";
          reply(exchange, 200, "text/xml", body);
        });
    sts.start();
    return sts;
  }

  private static void reply(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    exchange.getRequestBody().readAllBytes();
    byte[] bytes = body.getBytes(UTF_8);
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /**
   * A TCP relay in front of the S3 server that keeps the bytes clients send, so a test sees the
   * headers S3 received: signatures stay valid because nothing is changed.
   */
  private static final class Relay implements AutoCloseable {
    private static final Pattern REQUEST_LINE =
        Pattern.compile("(GET|PUT|POST|HEAD|DELETE) \\S+ HTTP/1\\.1\r\n");
    private final ServerSocket socket;
    private final int target;
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    Relay(String endpoint) throws IOException {
      this.target = Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
      this.socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
      Thread accept = new Thread(this::accept, "relay-accept");
      accept.setDaemon(true);
      accept.start();
    }

    String endpoint() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    /** The header blocks of the requests relayed so far, one string each. */
    List<String> requests() {
      String all;
      synchronized (sent) {
        all = sent.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
      }
      List<String> out = new java.util.ArrayList<>();
      Matcher m = REQUEST_LINE.matcher(all);
      while (m.find()) {
        int end = all.indexOf("\r\n\r\n", m.start());
        out.add(all.substring(m.start(), end < 0 ? all.length() : end + 2));
      }
      return out;
    }

    /** At least a write and a read went through, each signed with this session token. */
    void assertEveryRequestCarries(String token) {
      List<String> requests = requests();
      assertTrue(requests.size() >= 2, "requests seen: " + requests);
      for (String request : requests) {
        assertTrue(
            request.toLowerCase().contains("\r\nx-amz-security-token: " + token + "\r\n"),
            "a request without the session token " + token + ": " + request);
      }
    }

    private void accept() {
      while (!socket.isClosed()) {
        try {
          Socket client = socket.accept();
          Socket upstream = new Socket("127.0.0.1", target);
          open.add(client);
          open.add(upstream);
          pump(client.getInputStream(), upstream.getOutputStream(), true);
          pump(upstream.getInputStream(), client.getOutputStream(), false);
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    private void pump(InputStream in, OutputStream out, boolean record) {
      Thread t =
          new Thread(
              () -> {
                byte[] buffer = new byte[8192];
                try {
                  for (int n; (n = in.read(buffer)) > 0; ) {
                    if (record) {
                      synchronized (sent) {
                        sent.write(buffer, 0, n);
                      }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                  }
                  out.close();
                } catch (IOException e) {
                  // the other side closed
                }
              },
              "relay-pump");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : open) {
        s.close();
      }
    }
  }
}

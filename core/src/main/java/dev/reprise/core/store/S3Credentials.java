package dev.reprise.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.RepriseException;
import dev.reprise.core.StoreException;
import io.minio.credentials.Credentials;
import io.minio.credentials.IamAwsProvider;
import io.minio.credentials.Jwt;
import io.minio.credentials.Provider;
import io.minio.credentials.StaticProvider;
import io.minio.credentials.WebIdentityProvider;
import io.minio.messages.ResponseDate;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Where an S3 store's credentials come from, as the cloud provides them. The sources are tried in
 * this order, and the first that gives credentials is used from then on:
 *
 * <ol>
 *   <li>static keys: {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY}, with {@code
 *       AWS_SESSION_TOKEN} for temporary keys;
 *   <li>web identity (IRSA on EKS): {@code AWS_ROLE_ARN} and the token in {@code
 *       AWS_WEB_IDENTITY_TOKEN_FILE}, exchanged at STS ({@code AWS_STS_ENDPOINT} or {@code
 *       AWS_ENDPOINT_URL_STS}, else the region's STS endpoint) by AssumeRoleWithWebIdentity;
 *   <li>container credentials (EKS Pod Identity, ECS): {@code AWS_CONTAINER_CREDENTIALS_FULL_URI}
 *       or {@code AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}, with the token in {@code
 *       AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE} or {@code AWS_CONTAINER_AUTHORIZATION_TOKEN};
 *   <li>the instance profile, from the EC2 instance metadata service ({@code
 *       AWS_EC2_METADATA_SERVICE_ENDPOINT} moves it, {@code AWS_EC2_METADATA_DISABLED=true} skips
 *       it).
 * </ol>
 *
 * <p>Temporary credentials expire: the MinIO client asks {@link #provider()} before every request,
 * and the providers keep credentials until shortly before they expire, then fetch new ones (the
 * token files are read again, so a rotated token is used). One instance is shared by every store
 * opened with the same {@link S3Settings}, so STS is asked once, not once per store.
 */
public final class S3Credentials {
  public static final String ACCESS_KEY_VAR = "AWS_ACCESS_KEY_ID";
  public static final String SECRET_KEY_VAR = "AWS_SECRET_ACCESS_KEY";
  public static final String SESSION_TOKEN_VAR = "AWS_SESSION_TOKEN";
  public static final String ROLE_ARN_VAR = "AWS_ROLE_ARN";
  public static final String TOKEN_FILE_VAR = "AWS_WEB_IDENTITY_TOKEN_FILE";
  public static final String ROLE_SESSION_NAME_VAR = "AWS_ROLE_SESSION_NAME";
  public static final String STS_ENDPOINT_VAR = "AWS_STS_ENDPOINT";
  public static final String STS_ENDPOINT_URL_VAR = "AWS_ENDPOINT_URL_STS";
  public static final String CONTAINER_FULL_URI_VAR = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
  public static final String CONTAINER_RELATIVE_URI_VAR = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
  public static final String CONTAINER_TOKEN_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
  public static final String CONTAINER_TOKEN_FILE_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
  public static final String METADATA_ENDPOINT_VAR = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
  public static final String METADATA_DISABLED_VAR = "AWS_EC2_METADATA_DISABLED";

  /** Every variable the sources read, in the order of the sources. */
  public static final List<String> VARIABLES =
      List.of(
          ACCESS_KEY_VAR,
          SECRET_KEY_VAR,
          SESSION_TOKEN_VAR,
          ROLE_ARN_VAR,
          TOKEN_FILE_VAR,
          ROLE_SESSION_NAME_VAR,
          STS_ENDPOINT_VAR,
          STS_ENDPOINT_URL_VAR,
          CONTAINER_FULL_URI_VAR,
          CONTAINER_RELATIVE_URI_VAR,
          CONTAINER_TOKEN_VAR,
          CONTAINER_TOKEN_FILE_VAR,
          METADATA_ENDPOINT_VAR,
          METADATA_DISABLED_VAR);

  /** ECS's credentials host, which AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is relative to. */
  private static final String ECS_HOST = "http://169.254.170.2";

  private static final String DEFAULT_METADATA_ENDPOINT = "http://169.254.169.254";

  /** Plain-HTTP container endpoints AWS accepts besides loopback: ECS and EKS Pod Identity. */
  private static final Set<String> CONTAINER_HOSTS =
      Set.of("169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]");

  private static final Pattern STATUS = Pattern.compile("status code (\\d+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, String> variables;
  private Chain chain;

  private S3Credentials(Map<String, String> variables) {
    this.variables = variables;
  }

  /**
   * The sources the environment configures. Nothing is fetched yet; a source that is half set up (a
   * key without its secret, a token file without a role) is an error now.
   *
   * @throws InvalidInputException naming the variable that is missing
   */
  public static S3Credentials fromEnvironment(Map<String, String> env) {
    Map<String, String> variables = new TreeMap<>();
    for (String name : VARIABLES) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        variables.put(name, value.strip());
      }
    }
    pair(variables, ACCESS_KEY_VAR, SECRET_KEY_VAR);
    pair(variables, SECRET_KEY_VAR, ACCESS_KEY_VAR);
    if (variables.containsKey(SESSION_TOKEN_VAR) && !variables.containsKey(ACCESS_KEY_VAR)) {
      throw new InvalidInputException(
          SESSION_TOKEN_VAR
              + " is set but "
              + ACCESS_KEY_VAR
              + " and "
              + SECRET_KEY_VAR
              + " are not: a session token belongs to the temporary keys it came with");
    }
    pair(variables, TOKEN_FILE_VAR, ROLE_ARN_VAR);
    return new S3Credentials(variables);
  }

  /** Static keys; {@code sessionToken} may be null (long-lived keys). */
  public static S3Credentials ofKeys(String accessKey, String secretKey, String sessionToken) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(ACCESS_KEY_VAR, accessKey);
    env.put(SECRET_KEY_VAR, secretKey);
    if (sessionToken != null) {
      env.put(SESSION_TOKEN_VAR, sessionToken);
    }
    S3Credentials credentials = fromEnvironment(env);
    if (!credentials.variables.containsKey(ACCESS_KEY_VAR)) {
      throw new InvalidInputException(
          "S3 store needs " + ACCESS_KEY_VAR + " and " + SECRET_KEY_VAR + " to be set");
    }
    return credentials;
  }

  private static void pair(Map<String, String> variables, String given, String needed) {
    if (variables.containsKey(given) && !variables.containsKey(needed)) {
      throw new InvalidInputException(
          "S3 store needs " + needed + " to be set: " + given + " is set without it");
    }
  }

  /** The static access key ID, or null when the keys come from elsewhere. */
  public String accessKey() {
    return variables.get(ACCESS_KEY_VAR);
  }

  String secretKey() {
    return variables.get(SECRET_KEY_VAR);
  }

  /** Which sources are configured, by variable names; never a secret. */
  public String configured() {
    List<String> out = new ArrayList<>();
    if (accessKey() != null) {
      out.add(
          "static keys (access key "
              + accessKey()
              + (variables.containsKey(SESSION_TOKEN_VAR) ? ", with a session token)" : ")"));
    }
    if (variables.containsKey(TOKEN_FILE_VAR)) {
      out.add("web identity (role " + variables.get(ROLE_ARN_VAR) + ")");
    }
    if (containerUri() != null) {
      out.add("container credentials (" + containerUri() + ")");
    }
    if (metadataEnabled()) {
      out.add("instance profile");
    }
    return String.join(", ", out);
  }

  /**
   * The credentials MinIO signs with: the chain of sources, built once and shared.
   *
   * @param region the store's region, for the default STS endpoint
   */
  synchronized Provider provider(String region) {
    if (chain == null) {
      chain = new Chain(sources(region));
    }
    return chain;
  }

  /** Where the credentials in use came from, for an access-denied message. */
  synchronized String inUse() {
    if (chain == null || chain.current == null) {
      return "no credentials fetched yet; configured: " + configured();
    }
    return chain.current.name() + ", access key " + chain.currentAccessKey;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof S3Credentials other && variables.equals(other.variables);
  }

  @Override
  public int hashCode() {
    return variables.hashCode();
  }

  @Override
  public String toString() {
    return "S3Credentials[" + configured() + "]";
  }

  // ---- the sources

  /** One place credentials may come from; {@code provider} is null when it is not set up. */
  private record Source(String name, Provider provider, String absence) {}

  private List<Source> sources(String region) {
    List<Source> sources = new ArrayList<>();
    sources.add(
        new Source(
            "static keys from " + ACCESS_KEY_VAR + " and " + SECRET_KEY_VAR,
            accessKey() == null
                ? null
                : new StaticProvider(accessKey(), secretKey(), variables.get(SESSION_TOKEN_VAR)),
            ACCESS_KEY_VAR + " and " + SECRET_KEY_VAR + " not set"));
    String stsEndpoint = stsEndpoint(region);
    sources.add(
        new Source(
            "web identity from "
                + ROLE_ARN_VAR
                + " and "
                + TOKEN_FILE_VAR
                + " (STS at "
                + stsEndpoint
                + ")",
            variables.containsKey(TOKEN_FILE_VAR) ? webIdentity(stsEndpoint) : null,
            TOKEN_FILE_VAR + " not set"));
    String containerUri = containerUri();
    sources.add(
        new Source(
            containerUri == null
                ? "container credentials"
                : "container credentials from " + containerUri,
            containerUri == null ? null : new ContainerProvider(containerUri),
            CONTAINER_FULL_URI_VAR + " and " + CONTAINER_RELATIVE_URI_VAR + " not set"));
    String metadata = variables.getOrDefault(METADATA_ENDPOINT_VAR, DEFAULT_METADATA_ENDPOINT);
    sources.add(
        new Source(
            "instance profile from the instance metadata service at " + metadata,
            metadataEnabled() ? new InstanceProfileProvider(metadata) : null,
            METADATA_DISABLED_VAR + " is true"));
    return sources;
  }

  private String stsEndpoint(String region) {
    String explicit = variables.get(STS_ENDPOINT_VAR);
    if (explicit == null) {
      explicit = variables.get(STS_ENDPOINT_URL_VAR);
    }
    if (explicit != null) {
      return explicit;
    }
    return region == null || region.isBlank()
        ? "https://sts.amazonaws.com"
        : "https://sts." + region + ".amazonaws.com";
  }

  private Provider webIdentity(String stsEndpoint) {
    Path tokenFile = Path.of(variables.get(TOKEN_FILE_VAR));
    // Read at every refresh: the kubelet rotates a projected token long before it expires.
    Supplier<Jwt> token = () -> new Jwt(readToken(tokenFile, TOKEN_FILE_VAR), 0);
    String session =
        variables.getOrDefault(ROLE_SESSION_NAME_VAR, "reprise-" + System.currentTimeMillis());
    return new WebIdentityProvider(
        token,
        stsEndpoint,
        null,
        null,
        variables.get(ROLE_ARN_VAR),
        session,
        http(Duration.ofSeconds(5), Duration.ofSeconds(10)));
  }

  private String containerUri() {
    String full = variables.get(CONTAINER_FULL_URI_VAR);
    if (full != null) {
      return full;
    }
    String relative = variables.get(CONTAINER_RELATIVE_URI_VAR);
    if (relative == null) {
      return null;
    }
    return ECS_HOST + (relative.startsWith("/") ? relative : "/" + relative);
  }

  private boolean metadataEnabled() {
    return !"true".equalsIgnoreCase(variables.get(METADATA_DISABLED_VAR));
  }

  private static String readToken(Path file, String variable) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new InvalidInputException(
          "cannot read the token file " + file + " (" + variable + "): " + StoreException.reason(e),
          e);
    }
  }

  private static OkHttpClient http(Duration connect, Duration read) {
    return new OkHttpClient.Builder()
        // HTTP/2 keeps OkHttp's threads alive for minutes after the last request.
        .protocols(List.of(Protocol.HTTP_1_1))
        .connectTimeout(connect)
        .readTimeout(read)
        .callTimeout(connect.plus(read))
        .build();
  }

  /**
   * The sources in order; the first that gives credentials is kept. A source that is not set up is
   * skipped, one that fails is reported; when none gives credentials the message names every source
   * tried and why it gave none.
   */
  private static final class Chain implements Provider {
    private final List<Source> sources;
    private volatile Source current;
    private volatile String currentAccessKey;

    Chain(List<Source> sources) {
      this.sources = sources;
    }

    @Override
    public synchronized Credentials fetch() {
      if (current != null) {
        try {
          return remember(current.provider().fetch());
        } catch (RuntimeException e) {
          // The source that worked fails to refresh: say so rather than switch identities. No
          // cause, as below.
          throw new StoreException(
              "cannot refresh the S3 credentials from " + current.name() + ": " + reason(e));
        }
      }
      List<String> tried = new ArrayList<>();
      boolean userFault = true;
      for (Source source : sources) {
        if (source.provider() == null) {
          tried.add(source.name() + ": " + source.absence());
          continue;
        }
        try {
          Credentials credentials = source.provider().fetch();
          if (credentials == null || credentials.accessKey() == null) {
            throw new IllegalStateException("no credentials in the answer");
          }
          current = source;
          return remember(credentials);
        } catch (RuntimeException e) {
          tried.add(source.name() + ": " + reason(e));
          // An endpoint that refused us (4xx) or a missing token file wants the user's fix; an
          // unreachable or failing STS or container endpoint may work on the next attempt. The
          // instance profile is the fallback of last resort: no metadata service is no fault.
          if (!(source.provider() instanceof InstanceProfileProvider) && !isUserFault(e)) {
            userFault = false;
          }
        }
      }
      String message = "no S3 credentials; tried " + String.join("; ", tried);
      // No cause: the SDK replaces an exception from an asynchronous request by its cause, and
      // this message is the one to keep (it already gives each source's reason).
      throw userFault ? new InvalidInputException(message) : new StoreException(message);
    }

    private Credentials remember(Credentials credentials) {
      currentAccessKey = credentials.accessKey();
      return credentials;
    }
  }

  private static boolean isUserFault(RuntimeException e) {
    if (e instanceof InvalidInputException) {
      return true;
    }
    if (e instanceof RepriseException) {
      return false;
    }
    Matcher m = STATUS.matcher(String.valueOf(e.getMessage()));
    if (m.find()) {
      int status = Integer.parseInt(m.group(1));
      return status >= 400 && status < 500 && status != 429;
    }
    return false;
  }

  /** A failure in a few words: the exception's message and its root cause's. */
  private static String reason(Throwable e) {
    StringBuilder out = new StringBuilder(String.valueOf(e.getMessage()));
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e) {
      out.append(" (")
          .append(root.getClass().getSimpleName())
          .append(": ")
          .append(root.getMessage())
          .append(")");
    }
    return out.toString();
  }

  /**
   * EKS Pod Identity's and ECS's credentials endpoint: a GET with the authorization token that
   * answers {@code {AccessKeyId, SecretAccessKey, Token, Expiration}}. The SDK's own provider in
   * this MinIO version accepts loopback hosts only and no token file, which rules out EKS Pod
   * Identity (169.254.170.23, {@code AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE}).
   */
  private final class ContainerProvider implements Provider {
    private final String uri;
    private final OkHttpClient http = http(Duration.ofSeconds(2), Duration.ofSeconds(5));
    private Credentials credentials;

    ContainerProvider(String uri) {
      this.uri = uri;
    }

    @Override
    public synchronized Credentials fetch() {
      if (credentials != null && !credentials.isExpired()) {
        return credentials;
      }
      checkHost();
      Request.Builder request = new Request.Builder().url(uri).get();
      String token = token();
      if (token != null && !token.isEmpty()) {
        request.header("Authorization", token);
      }
      String body;
      try (Response response = http.newCall(request.build()).execute()) {
        body = response.body().string();
        if (!response.isSuccessful()) {
          throw new IllegalStateException(
              uri + " failed with HTTP status code " + response.code() + ": " + body.strip());
        }
      } catch (IOException e) {
        throw new StoreException("cannot reach " + uri + ": " + e.getMessage(), e);
      }
      try {
        JsonNode answer = JSON.readTree(body);
        String expiration = answer.path("Expiration").asText(null);
        credentials =
            new Credentials(
                answer.path("AccessKeyId").asText(null),
                answer.path("SecretAccessKey").asText(null),
                answer.path("Token").asText(null),
                expiration == null
                    ? null
                    : new ResponseDate(Instant.parse(expiration).atZone(ZoneOffset.UTC)));
        return credentials;
      } catch (IOException | RuntimeException e) {
        throw new StoreException("unreadable answer from " + uri + ": " + e.getMessage(), e);
      }
    }

    private String token() {
      String file = variables.get(CONTAINER_TOKEN_FILE_VAR);
      if (file != null) {
        // Read at every refresh: EKS rotates the token.
        return readToken(Path.of(file), CONTAINER_TOKEN_FILE_VAR);
      }
      return variables.get(CONTAINER_TOKEN_VAR);
    }

    /** As the AWS SDKs: HTTPS, a loopback host, or ECS's and EKS's link-local hosts. */
    private void checkHost() {
      URI parsed = URI.create(uri);
      if ("https".equals(parsed.getScheme())) {
        return;
      }
      String host = parsed.getHost();
      if (host != null && CONTAINER_HOSTS.contains(host)) {
        return;
      }
      try {
        InetAddress[] addresses = InetAddress.getAllByName(host);
        for (InetAddress address : addresses) {
          if (!address.isLoopbackAddress()) {
            throw new InvalidInputException(
                "container credentials endpoint "
                    + uri
                    + " must use https, a loopback host or the ECS or EKS Pod Identity agent");
          }
        }
      } catch (UnknownHostException e) {
        throw new StoreException("cannot resolve " + host + " in " + uri, e);
      }
    }
  }

  /**
   * The instance profile through the metadata service (IMDSv2 token first, as the SDK does), with
   * short timeouts: off EC2 there is no metadata service and the chain must not hang on it.
   */
  private static final class InstanceProfileProvider extends IamAwsProvider {
    InstanceProfileProvider(String endpoint) {
      super(endpoint, http(Duration.ofSeconds(1), Duration.ofSeconds(2)));
    }

    /** The other sources are the chain's: here only the metadata service is asked. */
    @Override
    protected String getProperty(String name) {
      return null;
    }
  }
}

package dev.reprise.operator;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The mock API server's dispatcher (CRUD mode) that also notes what one client does, in RBAC's
 * words: {@code group/resource:verb}, e.g. {@code batch/jobs:create} ({@code /pods:list} for the
 * core group). The client is told apart by its bearer token.
 */
final class TestingApiUsage extends KubernetesCrudDispatcher {
  /** The token the operator under test presents; nothing checks it but this recorder. */
  static final String OPERATOR_TOKEN = "reprise-operator-under-test";

  private final Set<String> used = new ConcurrentSkipListSet<>();
  private final Set<String> nonResource = new ConcurrentSkipListSet<>();
  private final Set<String> clusterWide = new ConcurrentSkipListSet<>();

  /** "METHOD path" to the refusal the API server answers with instead of doing the request. */
  private final java.util.Map<String, MockResponse> refusals =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * From now on, answers {@code method path} (path without query) with {@code code} and a Status
   * carrying {@code message}, as a quota or an admission webhook would; code 0 stops refusing.
   */
  void refuse(String method, String path, int code, String message) {
    if (code == 0) {
      refusals.remove(method + " " + path);
      return;
    }
    String status =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
            + "\""
            + new String(
                com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance()
                    .quoteAsString(message))
            + "\",\"reason\":\"Forbidden\",\"code\":"
            + code
            + "}";
    refusals.put(method + " " + path, new MockResponse().setResponseCode(code).setBody(status));
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    if ("POST".equals(request.getMethod())
        && request.getPath().startsWith("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
      // The mock server cannot review access; leader election asks before it starts. As a real
      // API server would for an account holding the chart's Lease role.
      return new MockResponse()
          .setResponseCode(201)
          .setBody(
              "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\","
                  + "\"metadata\":{},\"spec\":{},\"status\":{\"incomplete\":false,"
                  + "\"nonResourceRules\":[],\"resourceRules\":[{\"apiGroups\":"
                  + "[\"coordination.k8s.io\"],\"resources\":[\"leases\"],"
                  + "\"verbs\":[\"create\",\"get\",\"update\"]}]}}");
    }
    MockResponse refused =
        refusals.get(request.getMethod() + " " + URI.create(request.getPath()).getPath());
    if (refused != null) {
      return refused;
    }
    String auth = request.getHeader("Authorization");
    if (auth != null && auth.equals("Bearer " + OPERATOR_TOKEN)) {
      String rule = rule(request.getMethod(), request.getPath());
      if (rule == null) {
        nonResource.add(request.getPath());
      } else {
        used.add(rule);
        if (!request.getPath().contains("/namespaces/")) {
          clusterWide.add(rule);
        }
      }
    }
    return super.dispatch(withoutUnsupportedFieldSelector(request));
  }

  /**
   * The mock server matches field selectors on metadata only, and answers nothing for others (such
   * as events' {@code involvedObject.name}). Such a selector is dropped here, so the list holds
   * every event of the namespace; the operator checks each event's object itself as well.
   */
  private static RecordedRequest withoutUnsupportedFieldSelector(RecordedRequest request) {
    String path = request.getPath();
    if (!"GET".equals(request.getMethod()) || !path.contains("fieldSelector=involvedObject.")) {
      return request;
    }
    String stripped = path.replaceAll("fieldSelector=involvedObject\\.[^&]*&?", "");
    stripped = stripped.replaceAll("[?&]$", "");
    return new RecordedRequest(
        request.getHttpVersion(),
        request.method(),
        stripped,
        request.getHeaders(),
        request.getBody());
  }

  /** What the operator did: {@code group/resource:verb}, sorted. */
  Set<String> used() {
    return new TreeSet<>(used);
  }

  /** What the operator did across all namespaces at once (which only a ClusterRole grants). */
  Set<String> clusterWide() {
    return new TreeSet<>(clusterWide);
  }

  /** Paths outside the resource API (discovery, /version), which RBAC grants every account. */
  Set<String> nonResourcePaths() {
    return new TreeSet<>(nonResource);
  }

  /**
   * The RBAC rule a request needs, or null for a non-resource path: {@code
   * /api/v1[/namespaces/ns]/resource[/name[/sub]]} or {@code /apis/group/version/...}.
   */
  static String rule(String method, String pathAndQuery) {
    URI uri = URI.create(pathAndQuery);
    String[] p = uri.getPath().replaceAll("^/+|/+$", "").split("/");
    int i;
    String group;
    if (p.length >= 3 && p[0].equals("api")) {
      group = "";
      i = 2;
    } else if (p.length >= 4 && p[0].equals("apis")) {
      group = p[1];
      i = 3;
    } else {
      return null;
    }
    if (p.length > i + 1 && p[i].equals("namespaces") && p.length > i + 2) {
      i += 2; // a namespaced resource (not the namespaces resource itself)
    }
    String resource = p[i];
    boolean named = p.length > i + 1;
    if (p.length > i + 2) {
      resource += "/" + p[i + 2];
    }
    String query = uri.getQuery() == null ? "" : uri.getQuery();
    String verb =
        switch (method) {
          case "GET" -> named ? "get" : query.contains("watch=true") ? "watch" : "list";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> named ? "delete" : "deletecollection";
          default -> method.toLowerCase(java.util.Locale.ROOT);
        };
    return group + "/" + resource + ":" + verb;
  }
}

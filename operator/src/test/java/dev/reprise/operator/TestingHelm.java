package dev.reprise.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The chart rendered by real Helm (helm-java embeds it), as Fabric8 objects. */
final class TestingHelm {
  static final Path CHART = Path.of("../charts/reprise");
  static final String RELEASE = "reprise";
  static final String NAMESPACE = "reprise";

  /** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion). */
  static final String KUBE_VERSION = "1.29.0";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private TestingHelm() {}

  /**
   * {@code helm template reprise charts/reprise -n reprise -f values.yaml}: YAML text.
   *
   * @param values dotted paths ({@code minio.enabled}) to values, lists included
   */
  static String template(Map<String, ?> values) {
    Map<String, Object> tree = new LinkedHashMap<>();
    values.forEach(
        (path, value) -> {
          Map<String, Object> at = tree;
          String[] keys = path.split("\\.");
          for (int i = 0; i < keys.length - 1; i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> next =
                (Map<String, Object>) at.computeIfAbsent(keys[i], k -> new LinkedHashMap<>());
            at = next;
          }
          at.put(keys[keys.length - 1], value);
        });
    try {
      Path file = Files.createTempFile("values", ".yaml");
      try {
        YAML.writeValue(file.toFile(), tree);
        return new Helm(CHART)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION)
            .withValuesFile(file)
            .call();
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rendered objects (Helm leaves out the CRD in crds/). */
  static List<HasMetadata> render(Map<String, ?> values) {
    return parse(template(values));
  }

  /** Every document of a multi-document YAML text as a Kubernetes object. */
  static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    try {
      for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll()) {
        if (doc != null && !doc.isNull() && !doc.isEmpty()) {
          objects.add(SERIALIZATION.convertValue(doc, HasMetadata.class));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return objects;
  }

  /** A role's rules in the words of {@link TestingApiUsage}: {@code group/resource:verb}. */
  static Set<String> grants(List<PolicyRule> rules) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule r : rules) {
      for (String g : r.getApiGroups()) {
        for (String res : r.getResources()) {
          for (String v : r.getVerbs()) {
            out.add(g + "/" + res + ":" + v);
          }
        }
      }
    }
    return out;
  }
}

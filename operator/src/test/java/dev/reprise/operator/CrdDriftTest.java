package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.reprise.operator.crd.Pipeline;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRD comes from the Java classes; the copies in k8s/crds and the chart must be what the
 * classes generate. To refresh them: {@code mvn -pl operator test -Dtest=CrdDriftTest
 * -Dreprise.crd.update=true}.
 */
class CrdDriftTest {
  static final String FILE = "pipelines.reprise.dev-v1.yml";
  static final List<Path> COPIES =
      List.of(Path.of("../k8s/crds", FILE), Path.of("../charts/reprise/crds", FILE));

  @TempDir Path tmp;

  static String generate(Path dir) throws Exception {
    new CRDGenerator()
        .inOutputDir(dir.toFile())
        .forCRDVersions("v1")
        .withPostProcessor(
            new CRDPostProcessor() {
              @Override
              public HasMetadata process(HasMetadata crd, String version) {
                return ageLast(crd);
              }
            })
        .customResourceClasses(Pipeline.class)
        .generate();
    return Files.readString(dir.resolve(FILE));
  }

  /** The generator sorts printer columns by JSON path; kubectl users expect Age last. */
  private static HasMetadata ageLast(HasMetadata crd) {
    for (CustomResourceDefinitionVersion v :
        ((CustomResourceDefinition) crd).getSpec().getVersions()) {
      List<CustomResourceColumnDefinition> columns =
          new ArrayList<>(v.getAdditionalPrinterColumns());
      columns.sort(Comparator.comparing(c -> c.getName().equals("Age")));
      v.setAdditionalPrinterColumns(columns);
    }
    return crd;
  }

  @Test
  void committedCopiesMatchTheGeneratedCrd() throws Exception {
    String generated = generate(tmp);
    if (Boolean.getBoolean("reprise.crd.update")) {
      for (Path copy : COPIES) {
        Files.createDirectories(copy.getParent());
        Files.writeString(copy, generated);
      }
    }
    for (Path copy : COPIES) {
      assertTrue(Files.exists(copy), copy + " is missing: run with -Dreprise.crd.update=true");
      assertEquals(
          generated,
          Files.readString(copy),
          copy + " drifted from the Java classes: run with -Dreprise.crd.update=true");
    }
  }

  @Test
  void schemaValidatesAndDescribesEveryField() throws Exception {
    JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(generate(tmp));
    assertEquals("reprise.dev", crd.at("/spec/group").asText());
    assertEquals("Namespaced", crd.at("/spec/scope").asText());
    JsonNode version = crd.at("/spec/versions/0");
    assertEquals("v1alpha1", version.get("name").asText());
    assertTrue(version.at("/subresources/status").isObject(), "status subresource");
    List<String> columns = new ArrayList<>();
    version.get("additionalPrinterColumns").forEach(c -> columns.add(c.get("name").asText()));
    assertEquals(List.of("Phase", "Stages", "Reused", "Age"), columns);

    assertEquals("[\"spec\"]", sorted(version.at("/schema/openAPIV3Schema/required")));
    JsonNode spec = version.at("/schema/openAPIV3Schema/properties/spec");
    assertTrue(spec.get("required").toString().contains("stages"));
    JsonNode stage = spec.at("/properties/stages/items");
    assertEquals("[\"name\"]", sorted(stage.get("required")));
    // method or command, and an image for a command: rules the API server checks at admission.
    assertTrue(
        stage
            .at("/x-kubernetes-validations")
            .toString()
            .contains("has(self.method) != has(self.command)"),
        stage.toString());
    assertEquals(
        "^[0-9a-f]{64}$", stage.at("/properties/files/items/properties/sha256/pattern").asText());
    assertEquals(1, stage.at("/properties/slices/minimum").asInt());
    assertEquals(1, spec.at("/properties/parallelism/minimum").asInt());
    assertEquals("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", stage.at("/properties/name/pattern").asText());
    assertEquals(63, stage.at("/properties/name/maxLength").asInt());
    assertTrue(stage.at("/properties/params/x-kubernetes-preserve-unknown-fields").asBoolean());

    List<String> undescribed = new ArrayList<>();
    undescribed(version.at("/schema/openAPIV3Schema/properties/spec"), "spec", undescribed);
    undescribed(version.at("/schema/openAPIV3Schema/properties/status"), "status", undescribed);
    assertEquals(List.of(), undescribed, "fields without a description");
  }

  private static String sorted(JsonNode array) {
    List<String> l = new ArrayList<>();
    array.forEach(n -> l.add("\"" + n.asText() + "\""));
    l.sort(null);
    return "[" + String.join(",", l) + "]";
  }

  private static void undescribed(JsonNode schema, String path, List<String> out) {
    JsonNode props = schema.get("properties");
    if (props != null) {
      for (Map.Entry<String, JsonNode> e : props.properties()) {
        if (!e.getValue().hasNonNull("description")) {
          out.add(path + "." + e.getKey());
        }
        undescribed(e.getValue(), path + "." + e.getKey(), out);
      }
    }
    if (schema.has("items")) {
      undescribed(schema.get("items"), path + "[]", out);
    }
  }
}

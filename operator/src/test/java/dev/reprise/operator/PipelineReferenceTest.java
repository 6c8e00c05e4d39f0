package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.reprise.operator.PipelineReference.Row;
import dev.reprise.operator.crd.Pipeline;
import dev.reprise.operator.crd.PipelineSpec;
import dev.reprise.operator.crd.PipelineStatus;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/pipeline-reference.md must be what {@link PipelineReference} writes from the Java classes
 * now, and must show every field with its description. To refresh it: {@value
 * PipelineReference#REGENERATE}.
 */
class PipelineReferenceTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path tmp;

  @Test
  void committedReferenceMatchesTheJavaClasses() throws Exception {
    String generated = PipelineReference.generate(tmp);
    if (Boolean.getBoolean("reprise.reference.update")) {
      PipelineReference.write(generated);
    }
    Path doc = PipelineReference.DOCUMENT;
    assertTrue(Files.exists(doc), doc + " is missing: run " + PipelineReference.REGENERATE);
    assertEquals(
        generated,
        Files.readString(doc),
        doc
            + " differs from what the CRD classes and "
            + PipelineReference.EXAMPLE
            + " make: run "
            + PipelineReference.REGENERATE);
  }

  @Test
  void everyPropertyOfTheSchemaHasARow() throws Exception {
    JsonNode crd = YAML.readTree(CrdDriftTest.generate(tmp));
    JsonNode root = crd.at("/spec/versions/0/schema/openAPIV3Schema");
    List<String> properties = new ArrayList<>();
    for (Map.Entry<String, JsonNode> top : root.path("properties").properties()) {
      properties(top.getValue(), top.getKey(), properties);
    }
    assertTrue(properties.contains("spec.stages[].resources.cpu"), properties.toString());

    Map<String, List<String>> rows = rows(PipelineReference.generate(tmp));
    List<String> missing = properties.stream().filter(p -> !rows.containsKey(p)).toList();
    assertEquals(List.of(), missing, "schema properties without a row in the reference");
    assertEquals(properties.size(), rows.size(), "rows for fields the schema does not have");
  }

  @Test
  void everyDescribedJavaFieldHasItsDescriptionInItsRow() throws Exception {
    Map<String, String> fields = new LinkedHashMap<>();
    javaFields(PipelineSpec.class, "spec", fields);
    javaFields(PipelineStatus.class, "status", fields);
    assertTrue(fields.containsKey("status.conditions[].lastTransitionTime"), fields.toString());

    String document = PipelineReference.generate(tmp);
    Map<String, List<String>> rows = rows(document);
    List<String> problems = new ArrayList<>();
    fields.forEach(
        (path, description) -> {
          List<String> row = rows.get(path);
          if (description == null || description.isBlank()) {
            problems.add(path + ": no @JsonPropertyDescription on the Java field");
          } else if (row == null) {
            problems.add(path + ": no row");
          } else if (!row.get(row.size() - 1).equals(oneLine(description))) {
            problems.add(path + ": row says '" + row.get(row.size() - 1) + "'");
          }
        });
    assertEquals(List.of(), problems);

    for (String getter : List.of("getSpec", "getStatus")) {
      String description =
          Pipeline.class.getMethod(getter).getAnnotation(JsonPropertyDescription.class).value();
      assertTrue(document.contains(description), getter + "'s description is not in the document");
    }
  }

  @Test
  void printerColumnsAndExampleAreShown() throws Exception {
    String document = PipelineReference.generate(tmp);
    assertTrue(
        document.contains("| Phase | string | `.status.phase` | Pending, Running,"), document);
    assertTrue(
        document.contains("| Age | date | `.metadata.creationTimestamp` | Time since"), document);
    String example = Files.readString(Path.of("..", PipelineReference.EXAMPLE));
    assertTrue(document.contains("```yaml\n" + example + "```\n"), "the example, verbatim");
    assertTrue(document.contains("- **Short names:** `rpl`"), document);
    assertTrue(document.contains("- **Scope:** Namespaced"), document);
  }

  @Test
  void spellsOutMapsArraysFreeFormFieldsValidationAndDefaults() throws Exception {
    JsonNode schema =
        YAML.readTree(
            """
            type: object
            required: [ports]
            properties:
              labels:
                type: object
                description: "Text with a | pipe."
                additionalProperties: {type: string}
                maxProperties: 10
              ports:
                type: array
                minItems: 1
                items:
                  type: object
                  required: [port]
                  properties:
                    port: {type: integer, minimum: 1.0, maximum: 65535.0, default: 80}
                    protocol: {type: string, enum: [TCP, UDP]}
                    name: {type: string, minLength: 3, maxLength: 3}
              targets:
                type: object
                additionalProperties:
                  type: object
                  properties:
                    weight: {type: number, exclusiveMinimum: true, minimum: 0.0}
              matrix: {type: array, items: {type: array, items: {type: integer}}}
              extra: {x-kubernetes-preserve-unknown-fields: true}
              size: {x-kubernetes-int-or-string: true}
            """);
    assertEquals(
        List.of(
            new Row(
                "s.labels",
                "map of string",
                false,
                "at most 10 entries",
                "",
                "Text with a | pipe."),
            new Row("s.ports", "array of object", true, "at least 1 item", "", ""),
            new Row("s.ports[].port", "integer", true, "between 1 and 65535", "`80`", ""),
            new Row("s.ports[].protocol", "string", false, "one of `TCP`, `UDP`", "", ""),
            new Row("s.ports[].name", "string", false, "exactly 3 characters", "", ""),
            new Row("s.targets", "map of object", false, "", "", ""),
            new Row("s.targets.<key>.weight", "number", false, "> 0", "", ""),
            new Row("s.matrix", "array of array of integer", false, "", "", ""),
            new Row("s.extra", "any", false, "fields not checked by the API server", "", ""),
            new Row("s.size", "integer or string", false, "", "", "")),
        PipelineReference.rows(schema, "s"));
    assertEquals("Text with a \\| pipe.", PipelineReference.cell("Text with a | pipe."));
  }

  @Test
  void aDefaultColumnAppearsOnlyWhenTheSchemaHasDefaults() throws Exception {
    String crd =
        """
        spec:
          group: example.dev
          names: {kind: Thing, plural: things, singular: thing}
          scope: Cluster
          versions:
          - name: v1
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      size: {type: integer, default: 3, description: How big.}
        """;
    String document = PipelineReference.render(YAML.readTree(crd), "x.yaml", "a: 1\n");
    assertTrue(
        document.contains(
            "| Field | Type | Required | Validation | Default | Description |\n"
                + "|---|---|---|---|---|---|\n"
                + "| `spec.size` | integer | no |  | `3` | How big. |\n"),
        document);
    assertFalse(PipelineReference.generate(tmp).contains("| Default |"), "no defaults in the CRD");
  }

  /** Dotted paths of every property below {@code schema}, found independently of the generator. */
  private static void properties(JsonNode schema, String path, List<String> out) {
    for (Map.Entry<String, JsonNode> p : schema.path("properties").properties()) {
      out.add(path + "." + p.getKey());
      properties(p.getValue(), path + "." + p.getKey(), out);
    }
    if (schema.has("items")) {
      properties(schema.get("items"), path + "[]", out);
    }
    if (schema.path("additionalProperties").isObject()) {
      properties(schema.get("additionalProperties"), path + "." + PipelineReference.MAP_KEY, out);
    }
  }

  /** Every non-static field of the CRD classes below {@code type}, with its description. */
  private static void javaFields(Class<?> type, String path, Map<String, String> out) {
    for (Field f : type.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      String fieldPath = path + "." + f.getName();
      JsonPropertyDescription d = f.getAnnotation(JsonPropertyDescription.class);
      out.put(fieldPath, d == null ? null : d.value());
      nested(f.getGenericType(), fieldPath, out);
    }
  }

  private static void nested(Type type, String path, Map<String, String> out) {
    if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
      Type[] args = p.getActualTypeArguments();
      if (List.class.isAssignableFrom(raw)) {
        nested(args[0], path + "[]", out);
      } else if (Map.class.isAssignableFrom(raw)) {
        nested(args[1], path + "." + PipelineReference.MAP_KEY, out);
      }
    } else if (type instanceof Class<?> c && c.getPackage() == PipelineSpec.class.getPackage()) {
      javaFields(c, path, out);
    }
  }

  /** The field tables' rows as a reader sees them: the path, then the other cells, unescaped. */
  private static Map<String, List<String>> rows(String markdown) {
    Map<String, List<String>> rows = new LinkedHashMap<>();
    for (String line : markdown.split("\n")) {
      if (!line.startsWith("| `")) {
        continue;
      }
      List<String> cells = new ArrayList<>();
      for (String cell : line.substring(2, line.length() - 2).split(" (?<!\\\\)\\| ", -1)) {
        cells.add(cell.strip().replace("\\|", "|"));
      }
      String path = cells.remove(0);
      rows.put(path.substring(1, path.length() - 1), cells);
    }
    return rows;
  }

  private static String oneLine(String text) {
    return text.strip().replaceAll("\\s+", " ");
  }
}

package dev.reprise.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes docs/pipeline-reference.md, the reference of the Pipeline resource, from the CRD the Java
 * classes generate: every field of spec and status with its type, validation and description, so
 * the reference and the CRD the API server enforces cannot disagree.
 */
final class PipelineReference {
  /** Paths are relative to the operator module, where Maven runs its tests. */
  static final Path DOCUMENT = Path.of("../docs/pipeline-reference.md");

  static final String EXAMPLE = "k8s/examples/eeg-decoding.yaml";

  static final String REGENERATE =
      "mvn -B -pl operator -am test -Dtest=CrdDriftTest,PipelineReferenceTest"
          + " -Dsurefire.failIfNoSpecifiedTests=false -Dreprise.crd.update=true"
          + " -Dreprise.reference.update=true";

  /** Stands for any key of a map (a schema with additionalProperties) in a field's path. */
  static final String MAP_KEY = "<key>";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private PipelineReference() {}

  /** The document as the Java classes and the example file make it now. */
  static String generate(Path tmp) throws Exception {
    JsonNode crd = YAML.readTree(CrdDriftTest.generate(tmp));
    return render(crd, EXAMPLE, Files.readString(Path.of("..").resolve(EXAMPLE)));
  }

  /** One row of a field table. */
  record Row(
      String path,
      String type,
      boolean required,
      String validation,
      String defaultValue,
      String description) {}

  /**
   * The Markdown reference of a CRD.
   *
   * @param crd the CustomResourceDefinition (apiextensions.k8s.io/v1) as a tree
   * @param exampleName the example's path from the repository's root
   * @param example the example's content, included verbatim
   */
  static String render(JsonNode crd, String exampleName, String example) {
    JsonNode spec = crd.path("spec");
    JsonNode names = spec.path("names");
    String kind = names.path("kind").asText();
    StringBuilder md = new StringBuilder();
    md.append("# The ").append(kind).append(" resource\n\n");
    md.append("This reference is generated from the CRD that the Java classes in\n")
        .append("`operator/src/main/java/dev/reprise/operator/crd` produce (committed as\n")
        .append("`k8s/crds/")
        .append(CrdDriftTest.FILE)
        .append("` and copied into `charts/reprise/crds/`); do not edit\n")
        .append(
            "it by hand. After changing those classes, refresh the CRD copies and this file:\n\n")
        .append("```sh\n")
        .append(REGENERATE)
        .append("\n```\n\n");

    md.append("## Resource\n\n");
    md.append("- **Group:** `").append(spec.path("group").asText()).append("`\n");
    List<String> versions = new ArrayList<>();
    spec.path("versions").forEach(v -> versions.add(v.path("name").asText()));
    md.append("- **Version")
        .append(versions.size() == 1 ? "" : "s")
        .append(":** ")
        .append(String.join(", ", versions.stream().map(PipelineReference::code).toList()))
        .append(" (`apiVersion: ")
        .append(spec.path("group").asText())
        .append('/')
        .append(versions.get(0))
        .append("`)\n");
    md.append("- **Kind:** `")
        .append(kind)
        .append("` (plural `")
        .append(names.path("plural").asText())
        .append("`, singular `")
        .append(names.path("singular").asText())
        .append("`)\n");
    md.append("- **Scope:** ").append(spec.path("scope").asText()).append('\n');
    List<String> shortNames = new ArrayList<>();
    names.path("shortNames").forEach(n -> shortNames.add(n.asText()));
    if (!shortNames.isEmpty()) {
      md.append("- **Short names:** ")
          .append(String.join(", ", shortNames.stream().map(PipelineReference::code).toList()))
          .append(" (as in `kubectl get ")
          .append(shortNames.get(0))
          .append("`)\n");
    }
    md.append('\n');

    for (JsonNode version : spec.path("versions")) {
      String suffix = versions.size() == 1 ? "" : " (" + version.path("name").asText() + ")";
      List<String> subresources = new ArrayList<>();
      version.path("subresources").fieldNames().forEachRemaining(subresources::add);
      if (!subresources.isEmpty()) {
        md.append("Subresources")
            .append(suffix)
            .append(": ")
            .append(String.join(", ", subresources.stream().map(PipelineReference::code).toList()))
            .append(
                subresources.contains("status")
                    ? " (only the operator writes `status`; what `kubectl apply` sends there is"
                        + " ignored).\n\n"
                    : ".\n\n");
      }
      printerColumns(md, version, names.path("plural").asText(), suffix);
      JsonNode root = version.path("schema").path("openAPIV3Schema");
      Set<String> required = required(root);
      for (Map.Entry<String, JsonNode> top : root.path("properties").properties()) {
        fields(md, top.getKey(), top.getValue(), required.contains(top.getKey()), suffix);
      }
    }

    md.append("## Example\n\n")
        .append("[`")
        .append(exampleName)
        .append("`](../")
        .append(exampleName)
        .append("):\n\n");
    String fence = fence(example);
    md.append(fence).append("yaml\n").append(example);
    if (!example.endsWith("\n")) {
      md.append('\n');
    }
    md.append(fence).append('\n');
    return md.toString();
  }

  private static void printerColumns(StringBuilder md, JsonNode version, String plural, String s) {
    JsonNode columns = version.path("additionalPrinterColumns");
    if (columns.isEmpty()) {
      return;
    }
    md.append("## Printer columns").append(s).append("\n\n");
    md.append("`kubectl get ").append(plural).append("` shows, after NAME:\n\n");
    md.append("| Column | Type | JSON path | Description |\n");
    md.append("|---|---|---|---|\n");
    for (JsonNode c : columns) {
      String description = c.path("description").asText("");
      if (c.path("priority").asInt(0) > 0) {
        description = (description + " Shown with `-o wide`.").strip();
      }
      md.append("| ")
          .append(cell(c.path("name").asText()))
          .append(" | ")
          .append(cell(c.path("type").asText()))
          .append(" | ")
          .append(cell(code(c.path("jsonPath").asText())))
          .append(" | ")
          .append(cell(description))
          .append(" |\n");
    }
    md.append('\n');
  }

  /** A section for one top-level property (spec, status): its description, then its fields. */
  private static void fields(
      StringBuilder md, String name, JsonNode schema, boolean required, String suffix) {
    md.append("## `").append(name).append('`').append(suffix).append("\n\n");
    md.append(type(schema)).append(required ? ", required" : ", optional");
    String description = schema.path("description").asText("").strip();
    md.append(description.isEmpty() ? "." : ". " + description).append("\n\n");
    List<Row> rows = rows(schema, name);
    if (rows.isEmpty()) {
      return;
    }
    boolean defaults = rows.stream().anyMatch(r -> !r.defaultValue().isEmpty());
    md.append("| Field | Type | Required | Validation |")
        .append(defaults ? " Default |" : "")
        .append(" Description |\n");
    md.append("|---|---|---|---|").append(defaults ? "---|" : "").append("---|\n");
    for (Row r : rows) {
      md.append("| ")
          .append(cell(code(r.path())))
          .append(" | ")
          .append(cell(r.type()))
          .append(" | ")
          .append(r.required() ? "yes" : "no")
          .append(" | ")
          .append(cell(r.validation()))
          .append(" |");
      if (defaults) {
        md.append(' ').append(cell(r.defaultValue())).append(" |");
      }
      md.append(' ').append(cell(r.description())).append(" |\n");
    }
    md.append('\n');
  }

  /**
   * One row per field below {@code schema}, depth first: an object's properties, an array's items
   * ({@code path[]}) and a map's values ({@code path.<key>}) when those have fields.
   */
  static List<Row> rows(JsonNode schema, String path) {
    List<Row> out = new ArrayList<>();
    below(schema, path, out);
    return out;
  }

  private static void below(JsonNode schema, String path, List<Row> out) {
    Set<String> required = required(schema);
    for (Map.Entry<String, JsonNode> p : schema.path("properties").properties()) {
      JsonNode field = p.getValue();
      String fieldPath = path + "." + p.getKey();
      out.add(
          new Row(
              fieldPath,
              type(field),
              required.contains(p.getKey()),
              validation(field),
              field.has("default") ? code(field.get("default").toString()) : "",
              field.path("description").asText("").strip()));
      below(field, fieldPath, out);
    }
    if (schema.path("items").isObject()) {
      below(schema.get("items"), path + "[]", out);
    }
    if (schema.path("additionalProperties").isObject()) {
      below(schema.get("additionalProperties"), path + "." + MAP_KEY, out);
    }
  }

  /** string, integer, object, array of X, map of X, integer or string, any. */
  static String type(JsonNode s) {
    if (s.path("x-kubernetes-int-or-string").asBoolean()) {
      return "integer or string";
    }
    boolean freeForm = s.path("x-kubernetes-preserve-unknown-fields").asBoolean();
    String type = s.path("type").asText("");
    return switch (type) {
      case "array" -> s.path("items").isObject() ? "array of " + type(s.get("items")) : "array";
      case "object" -> {
        JsonNode values = s.path("additionalProperties");
        if (values.isObject()) {
          yield "map of " + type(values);
        } else if (values.asBoolean(false)) {
          yield "map of any";
        }
        yield freeForm && !s.has("properties") ? "object (free-form)" : "object";
      }
      case "" -> "any";
      default -> s.has("format") ? type + " (" + s.get("format").asText() + ")" : type;
    };
  }

  /** What the API server checks beyond the type, in words. */
  static String validation(JsonNode s) {
    List<String> v = new ArrayList<>();
    if (s.has("enum")) {
      List<String> values = new ArrayList<>();
      s.get("enum").forEach(e -> values.add(code(e.isTextual() ? e.asText() : e.toString())));
      v.add("one of " + String.join(", ", values));
    }
    if (s.has("pattern")) {
      v.add("matches " + code(s.get("pattern").asText()));
    }
    range(v, s, "minLength", "maxLength", "character");
    boolean exclusive =
        s.path("exclusiveMinimum").asBoolean() || s.path("exclusiveMaximum").asBoolean();
    if (s.has("minimum") && s.has("maximum") && !exclusive) {
      v.add("between " + number(s.get("minimum")) + " and " + number(s.get("maximum")));
    } else {
      if (s.has("minimum")) {
        v.add((s.path("exclusiveMinimum").asBoolean() ? "> " : "≥ ") + number(s.get("minimum")));
      }
      if (s.has("maximum")) {
        v.add((s.path("exclusiveMaximum").asBoolean() ? "< " : "≤ ") + number(s.get("maximum")));
      }
    }
    if (s.has("multipleOf")) {
      v.add("multiple of " + number(s.get("multipleOf")));
    }
    range(v, s, "minItems", "maxItems", "item");
    if (s.path("uniqueItems").asBoolean()) {
      v.add("items unique");
    }
    range(v, s, "minProperties", "maxProperties", "entry");
    if (s.has("x-kubernetes-list-type")) {
      String listType = "list type " + code(s.get("x-kubernetes-list-type").asText());
      List<String> keys = new ArrayList<>();
      s.path("x-kubernetes-list-map-keys").forEach(k -> keys.add(code(k.asText())));
      v.add(keys.isEmpty() ? listType : listType + " keyed by " + String.join(", ", keys));
    }
    for (JsonNode rule : s.path("x-kubernetes-validations")) {
      String message = rule.path("message").asText("");
      v.add(code(rule.path("rule").asText()) + (message.isEmpty() ? "" : " (" + message + ")"));
    }
    if (s.path("nullable").asBoolean()) {
      v.add("may be null");
    }
    if (s.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
      v.add("fields not checked by the API server");
    }
    return String.join("; ", v);
  }

  private static void range(List<String> v, JsonNode s, String min, String max, String unit) {
    if (s.has(min) && s.has(max) && s.get(min).asLong() == s.get(max).asLong()) {
      v.add("exactly " + number(s.get(min)) + " " + plural(unit, s.get(min).asLong()));
    } else if (s.has(min) && s.has(max)) {
      v.add(number(s.get(min)) + "–" + number(s.get(max)) + " " + plural(unit, 2));
    } else if (s.has(min)) {
      v.add("at least " + number(s.get(min)) + " " + plural(unit, s.get(min).asLong()));
    } else if (s.has(max)) {
      v.add("at most " + number(s.get(max)) + " " + plural(unit, s.get(max).asLong()));
    }
  }

  private static String plural(String unit, long n) {
    if (n == 1) {
      return unit;
    }
    return unit.endsWith("y") ? unit.substring(0, unit.length() - 1) + "ies" : unit + "s";
  }

  /** 1 rather than 1.0: the generator writes every bound as a double. */
  private static String number(JsonNode n) {
    return n.decimalValue().stripTrailingZeros().toPlainString();
  }

  private static Set<String> required(JsonNode schema) {
    Set<String> out = new HashSet<>();
    schema.path("required").forEach(r -> out.add(r.asText()));
    return out;
  }

  /** A code span that survives backticks in its text. */
  static String code(String text) {
    return text.contains("`") ? "`` " + text + " ``" : "`" + text + "`";
  }

  /** A table cell: one line, pipes escaped (GitHub unescapes them even inside code spans). */
  static String cell(String text) {
    return text.strip().replaceAll("\\s*\\n\\s*", " ").replace("|", "\\|");
  }

  /** A code fence longer than any run of backticks in the text. */
  private static String fence(String text) {
    int longest = 0;
    int run = 0;
    for (char c : text.toCharArray()) {
      run = c == '`' ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    return "`".repeat(Math.max(3, longest + 1));
  }

  /** Writes the document where the repository keeps it. */
  static void write(String document) throws IOException {
    Files.createDirectories(DOCUMENT.getParent());
    Files.writeString(DOCUMENT, document);
  }
}

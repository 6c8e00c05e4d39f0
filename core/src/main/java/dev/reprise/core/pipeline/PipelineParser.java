package dev.reprise.core.pipeline;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.reprise.core.command.CommandMethod;
import dev.reprise.core.command.CommandSpec;
import dev.reprise.core.key.Sha256;
import dev.reprise.core.method.DirectoryArtifacts;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.method.MethodSpec;
import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.ParamType;
import dev.reprise.core.method.ParamValues;
import dev.reprise.core.method.Params;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads a pipeline document and validates all of it before anything runs: every problem is
 * collected (not just the first), each naming the file, the stage and the field.
 */
public final class PipelineParser {
  public static final String API_VERSION = "reprise.dev/v1alpha1";
  public static final String KIND = "Pipeline";

  /** Kubernetes DNS-1123 label: stage names become parts of Job names and labels. */
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  private static final Set<String> STAGE_FIELDS =
      Set.of(
          "name",
          "method",
          "inputs",
          "params",
          "slices",
          "resources",
          "timeout",
          "image",
          "command",
          "files",
          "env");

  /** Fields only a command stage has. */
  private static final List<String> COMMAND_FIELDS = List.of("image", "files", "env");

  /** Input names of a command stage become folder names under REPRISE_INPUTS. */
  private static final Pattern INPUT_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}");

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Set<String> SPEC_FIELDS =
      Set.of("store", "parallelism", "stages", "volumes");

  private static final List<String> VOLUME_FIELDS =
      List.of("name", "mountPath", "persistentVolumeClaim", "hostPath");

  /**
   * Folders of the worker and user images (and of Reprise's own mounts) a data volume must not
   * hide, nor be mounted inside of.
   */
  private static final List<String> RESERVED_MOUNTS =
      List.of(
          "/tmp",
          "/opt/reprise",
          CommandMethod.CONTAINER_ROOT,
          "/bin",
          "/sbin",
          "/usr",
          "/lib",
          "/lib64",
          "/etc",
          "/dev",
          "/proc",
          "/sys",
          "/run",
          "/var/run");

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(
              com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS
                  .mappedFeature());

  /** A pipeline document is a page or two: anything larger is refused before it is parsed. */
  public static final long MAX_DOCUMENT_BYTES = 1 << 20;

  /** The most slices a stage may have: each is a Job index, a folder and a manifest. */
  public static final int MAX_SLICES = 100_000;

  private static final List<String> TOP_LEVEL = List.of("apiVersion", "kind", "metadata", "spec");

  private final MethodRegistry methods;
  private final boolean cluster;

  public PipelineParser(MethodRegistry methods) {
    this(methods, false);
  }

  /**
   * @param cluster whether the document runs on Kubernetes, read by the operator: command stages
   *     then need an image, and their files must be shipped (named by sha256), since the operator
   *     cannot read the user's machine
   */
  public PipelineParser(MethodRegistry methods, boolean cluster) {
    this.methods = methods;
    this.cluster = cluster;
  }

  /**
   * Reads and validates a pipeline file; throws {@link InvalidPipelineException} listing problems.
   */
  public Pipeline parse(Path file) {
    String label = file.toString();
    JsonNode root;
    try {
      long size = Files.size(file);
      if (size > MAX_DOCUMENT_BYTES) {
        throw new InvalidPipelineException(
            List.of(
                new Problem(
                    label,
                    null,
                    null,
                    "the document has "
                        + size
                        + " bytes; a pipeline document has at most "
                        + MAX_DOCUMENT_BYTES
                        + " (put data in files that a stage reads, not in the document)")));
      }
      root = readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new InvalidPipelineException(List.of(new Problem(label, null, null, "no such file")));
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")";
      throw new InvalidPipelineException(
          List.of(
              new Problem(
                  label, null, null, "not valid YAML" + where + ": " + e.getOriginalMessage())));
    } catch (IOException e) {
      throw new InvalidPipelineException(
          List.of(new Problem(label, null, null, "cannot read: " + e.getMessage())));
    }
    Path base = file.toAbsolutePath().getParent();
    return fromTree(root, file, base);
  }

  /**
   * Parses YAML text into a tree, strictly: a duplicate key, an alias or a second document is an
   * error with its line, never a silent guess; {@code .nan} and {@code .inf} are numbers (which
   * parameters then refuse by name).
   */
  public static JsonNode readTree(String yaml) throws JsonProcessingException {
    try (YAMLParser p = (YAMLParser) YAML.getFactory().createParser(yaml)) {
      if (p.nextToken() == null) {
        return null;
      }
      JsonNode root = value(p);
      if (p.nextToken() != null) {
        throw new JsonParseException(
            p, "a second YAML document ('---'): a file holds one pipeline");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw e;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static JsonNode value(YAMLParser p) throws IOException {
    if (p.isCurrentAlias()) {
      throw new JsonParseException(
          p, "alias *" + p.getText() + " is not supported: write the value out where it is used");
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    switch (p.currentToken()) {
      case START_OBJECT -> {
        ObjectNode o = f.objectNode();
        while (p.nextToken() != JsonToken.END_OBJECT) {
          String name = p.currentName();
          if (o.has(name)) {
            throw new JsonParseException(p, "Duplicate field '" + name + "'");
          }
          p.nextToken();
          o.set(name, value(p));
        }
        return o;
      }
      case START_ARRAY -> {
        ArrayNode a = f.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          a.add(value(p));
        }
        return a;
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> f.numberNode(p.getIntValue());
          case LONG -> f.numberNode(p.getLongValue());
          default -> f.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        String text = p.getText().toLowerCase(java.util.Locale.ROOT);
        if (text.equals(".nan")) {
          return f.numberNode(Double.NaN);
        } else if (text.matches("[+]?\\.inf")) {
          return f.numberNode(Double.POSITIVE_INFINITY);
        } else if (text.equals("-.inf")) {
          return f.numberNode(Double.NEGATIVE_INFINITY);
        }
        return f.numberNode(p.getDoubleValue());
      }
      case VALUE_STRING -> {
        return f.textNode(p.getText());
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return f.booleanNode(p.getBooleanValue());
      }
      case VALUE_NULL -> {
        return f.nullNode();
      }
      default -> throw new JsonParseException(p, "unexpected " + p.currentToken());
    }
  }

  /** Validates a parsed document (from YAML, or a Kubernetes resource converted to a tree). */
  public Pipeline fromTree(JsonNode root, Path file, Path baseDir) {
    String label = file == null ? "<pipeline>" : file.toString();
    List<Problem> problems = new ArrayList<>();
    if (root == null || !root.isObject()) {
      throw new InvalidPipelineException(
          List.of(new Problem(label, null, null, "expected a Pipeline document (a YAML map)")));
    }
    root.fieldNames()
        .forEachRemaining(
            f -> {
              if (!TOP_LEVEL.contains(f)) {
                problems.add(
                    new Problem(
                        label,
                        null,
                        f,
                        "unknown field"
                            + suggest(f, TOP_LEVEL)
                            + " (known: "
                            + String.join(", ", TOP_LEVEL)
                            + ")"));
              }
            });
    JsonNode api = root.get("apiVersion");
    if (api == null) {
      problems.add(new Problem(label, null, "apiVersion", "required: " + API_VERSION));
    } else if (!API_VERSION.equals(api.asText())) {
      problems.add(
          new Problem(
              label, null, "apiVersion", "expected " + API_VERSION + ", got " + api.asText()));
    }
    JsonNode kind = root.get("kind");
    if (kind != null && !KIND.equals(kind.asText())) {
      problems.add(new Problem(label, null, "kind", "expected " + KIND + ", got " + kind.asText()));
    }
    String name = root.path("metadata").path("name").asText("");
    if (name.isEmpty()) {
      problems.add(new Problem(label, null, "metadata.name", "required: the pipeline's name"));
    } else if (!DNS_SUBDOMAIN.matcher(name).matches()) {
      problems.add(
          new Problem(
              label,
              null,
              "metadata.name",
              "'"
                  + name
                  + "' must be lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"));
    }
    JsonNode spec = root.get("spec");
    if (spec == null || !spec.isObject()) {
      problems.add(new Problem(label, null, "spec", "required: a map with 'stages'"));
      throw new InvalidPipelineException(problems);
    }
    spec.fieldNames()
        .forEachRemaining(
            f -> {
              if (!SPEC_FIELDS.contains(f)) {
                problems.add(
                    new Problem(
                        label,
                        null,
                        "spec." + f,
                        "unknown field (known: store, parallelism, stages, volumes)"));
              }
            });
    String store = null;
    if (spec.hasNonNull("store")) {
      if (spec.get("store").isTextual() && !spec.get("store").asText().isBlank()) {
        store = spec.get("store").asText();
      } else {
        problems.add(
            new Problem(
                label,
                null,
                "spec.store",
                "expected a store URI (a path, file:/..., or s3://bucket/prefix)"));
      }
    }
    Integer parallelism = null;
    if (spec.hasNonNull("parallelism")) {
      JsonNode p = spec.get("parallelism");
      if (!p.canConvertToInt() || !p.isIntegralNumber() || p.asInt() < 1) {
        problems.add(
            new Problem(label, null, "spec.parallelism", "expected an integer >= 1, got " + p));
      } else {
        parallelism = p.asInt();
      }
    }
    List<DataVolume> volumes = volumes(spec.get("volumes"), label, problems);
    JsonNode stagesNode = spec.get("stages");
    if (stagesNode == null || !stagesNode.isArray() || stagesNode.isEmpty()) {
      problems.add(new Problem(label, null, "spec.stages", "required: a non-empty list of stages"));
      throw new InvalidPipelineException(problems);
    }

    Map<String, Stage> stages = new LinkedHashMap<>();
    Map<String, Map<String, String>> edges = new LinkedHashMap<>();
    Set<String> seen = new LinkedHashSet<>();
    List<JsonNode> stageNodes = new ArrayList<>();
    stagesNode.forEach(stageNodes::add);
    for (int i = 0; i < stageNodes.size(); i++) {
      JsonNode s = stageNodes.get(i);
      String sName = s.path("name").asText("");
      if (sName.isEmpty()) {
        problems.add(
            new Problem(label, "#" + (i + 1), "name", "required: every stage needs a name"));
        continue;
      }
      if (!seen.add(sName)) {
        problems.add(new Problem(label, sName, "name", "duplicate stage name"));
        continue;
      }
      if (!DNS_LABEL.matcher(sName).matches()) {
        problems.add(
            new Problem(
                label,
                sName,
                "name",
                "must be at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"));
      }
      edges.put(sName, new LinkedHashMap<>());
    }
    for (int i = 0; i < stageNodes.size(); i++) {
      JsonNode s = stageNodes.get(i);
      String sName = s.path("name").asText("");
      if (sName.isEmpty() || !edges.containsKey(sName) || stages.containsKey(sName)) {
        continue;
      }
      Stage st = parseStage(s, sName, label, baseDir, volumes, seen, problems, edges.get(sName));
      if (st != null) {
        stages.put(sName, st);
      }
    }
    List<String> order = topologicalOrder(edges, label, problems);
    if (!problems.isEmpty()) {
      throw new InvalidPipelineException(problems);
    }
    List<Stage> ordered = new ArrayList<>();
    for (String s : order) {
      ordered.add(stages.get(s));
    }
    return new Pipeline(name, file, baseDir, store, parallelism, List.copyOf(ordered), volumes);
  }

  private Stage parseStage(
      JsonNode s,
      String name,
      String file,
      Path baseDir,
      List<DataVolume> volumes,
      Set<String> stageNames,
      List<Problem> problems,
      Map<String, String> edgesOut) {
    int before = problems.size();
    s.fieldNames()
        .forEachRemaining(
            f -> {
              if (!STAGE_FIELDS.contains(f)) {
                problems.add(
                    new Problem(
                        file,
                        name,
                        f,
                        "unknown field"
                            + suggest(f, STAGE_FIELDS)
                            + " (known: name, method, command, image, files, env, inputs,"
                            + " params, slices, resources, timeout)"));
              }
            });
    boolean isCommand = s.has("command");
    String methodName = s.path("method").asText("");
    Method method = methodName.isEmpty() || isCommand ? null : methods.get(methodName);
    if (isCommand && s.has("method")) {
      problems.add(
          new Problem(
              file,
              name,
              "command",
              "a stage runs either a method or a command, not both: remove 'method' or 'command'"));
    } else if (!isCommand) {
      for (String f : COMMAND_FIELDS) {
        if (s.has(f)) {
          problems.add(
              new Problem(
                  file,
                  name,
                  f,
                  "only a command stage has '"
                      + f
                      + "': add 'command' (the program's argv), or remove '"
                      + f
                      + "'"));
        }
      }
    }
    if (isCommand) {
      // checked below, with the command's other fields
    } else if (methodName.isEmpty()) {
      problems.add(
          new Problem(
              file,
              name,
              "method",
              "required: the method this stage runs (or 'command', to run a program)"));
    } else if (method == null) {
      problems.add(
          new Problem(
              file,
              name,
              "method",
              "unknown method '"
                  + methodName
                  + "'"
                  + suggest(methodName, methods.names())
                  + " (known: "
                  + String.join(", ", methods.names())
                  + ")"));
    }

    Map<String, String> inputs = new TreeMap<>();
    JsonNode in = s.get("inputs");
    if (in != null && !in.isNull()) {
      if (!in.isObject()) {
        problems.add(
            new Problem(
                file, name, "inputs", "expected a map of input name to upstream stage name"));
      } else {
        in.properties()
            .forEach(
                e -> {
                  String inputName = e.getKey();
                  String field = "inputs." + inputName;
                  if (!e.getValue().isTextual()) {
                    problems.add(
                        new Problem(
                            file,
                            name,
                            field,
                            "expected an upstream stage name, got " + e.getValue()));
                    return;
                  }
                  String upstream = e.getValue().asText();
                  if (isCommand && !INPUT_NAME.matcher(inputName).matches()) {
                    problems.add(
                        new Problem(
                            file,
                            name,
                            field,
                            "a command stage's input name is a folder name under REPRISE_INPUTS:"
                                + " letters, digits, '_', '.' and '-', not starting with '.' or"
                                + " '-'"));
                  }
                  if (method != null && method.spec().input(inputName) == null) {
                    List<String> known =
                        method.spec().inputs().stream().map(MethodSpec.InputSpec::name).toList();
                    problems.add(
                        new Problem(
                            file,
                            name,
                            field,
                            "method "
                                + methodName
                                + " has no input '"
                                + inputName
                                + "'"
                                + suggest(inputName, known)
                                + (known.isEmpty()
                                    ? " (it takes no inputs)"
                                    : " (its inputs: " + String.join(", ", known) + ")")));
                  }
                  if (upstream.equals(name)) {
                    problems.add(
                        new Problem(
                            file, name, field, "a stage cannot take its own output as input"));
                  } else if (!stageNames.contains(upstream)) {
                    problems.add(
                        new Problem(
                            file,
                            name,
                            field,
                            "no stage named '" + upstream + "'" + suggest(upstream, stageNames)));
                  } else {
                    edgesOut.put(inputName, upstream);
                  }
                  inputs.put(inputName, upstream);
                });
      }
    }
    if (method != null) {
      for (MethodSpec.InputSpec spec : method.spec().inputs()) {
        if (spec.required() && !inputs.containsKey(spec.name())) {
          problems.add(
              new Problem(
                  file,
                  name,
                  "inputs." + spec.name(),
                  "required by " + methodName + " (" + spec.doc() + "): name the upstream stage"));
        }
      }
    }

    int slices = method == null ? 1 : method.spec().defaultSlices();
    JsonNode sl = s.get("slices");
    if (sl != null && !sl.isNull()) {
      if (!sl.isIntegralNumber() || !sl.canConvertToInt() || sl.asInt() < 1) {
        problems.add(new Problem(file, name, "slices", "expected an integer >= 1, got " + sl));
      } else if (sl.asInt() > MAX_SLICES) {
        problems.add(
            new Problem(
                file,
                name,
                "slices",
                "at most " + MAX_SLICES + " (each slice is a pod and a folder), got " + sl));
      } else {
        slices = sl.asInt();
        if (method != null && !method.spec().sliced() && slices != 1) {
          problems.add(
              new Problem(
                  file,
                  name,
                  "slices",
                  "method "
                      + methodName
                      + " has no analysis phase, so it cannot be sliced: remove 'slices' or set it to 1"));
        }
      }
    }

    Map<String, String> resources = new TreeMap<>();
    JsonNode res = s.get("resources");
    if (res != null && !res.isNull()) {
      if (!res.isObject()) {
        problems.add(
            new Problem(file, name, "resources", "expected a map like {cpu: \"1\", memory: 2Gi}"));
      } else {
        res.properties()
            .forEach(
                e -> {
                  if (!Set.of("cpu", "memory").contains(e.getKey())) {
                    problems.add(
                        new Problem(
                            file,
                            name,
                            "resources." + e.getKey(),
                            "unknown resource (known: cpu, memory)"));
                  } else if (!e.getValue().isValueNode() || e.getValue().asText().isBlank()) {
                    problems.add(
                        new Problem(
                            file,
                            name,
                            "resources." + e.getKey(),
                            "expected a quantity like \"2\" or 2Gi"));
                  } else if (!Quantities.valid(e.getKey(), e.getValue().asText())) {
                    problems.add(
                        new Problem(
                            file,
                            name,
                            "resources." + e.getKey(),
                            "'"
                                + e.getValue().asText()
                                + "' is not a Kubernetes quantity (e.g. cpu: \"1\" or 500m, memory: 2Gi)"));
                  } else {
                    resources.put(e.getKey(), e.getValue().asText());
                  }
                });
      }
    }

    Duration timeout = null;
    JsonNode to = s.get("timeout");
    if (to != null && !to.isNull()) {
      timeout = to.isTextual() ? parseDuration(to.asText()) : null;
      if (timeout == null) {
        problems.add(
            new Problem(
                file,
                name,
                "timeout",
                "expected a duration like 90s, 30m, 2h or 1h30m, got " + to));
      }
    }

    Map<String, Object> given = new HashMap<>();
    JsonNode ps = s.get("params");
    if (ps != null && !ps.isNull()) {
      if (!ps.isObject()) {
        problems.add(
            new Problem(file, name, "params", "expected a map of parameter name to value"));
      } else {
        given.putAll(YAML.convertValue(ps, Map.class));
      }
    }
    Map<String, Object> values = new LinkedHashMap<>();
    if (method != null) {
      MethodSpec spec = method.spec();
      List<String> known = spec.params().stream().map(ParamSpec::name).toList();
      for (String p : new TreeMap<>(given).keySet()) {
        if (spec.param(p) == null) {
          problems.add(
              new Problem(
                  file,
                  name,
                  "params." + p,
                  "unknown parameter of "
                      + methodName
                      + suggest(p, known)
                      + (known.isEmpty()
                          ? " (it takes none)"
                          : " (known: " + String.join(", ", known) + ")")));
        }
      }
      for (ParamSpec p : spec.params()) {
        String field = "params." + p.name();
        if (!given.containsKey(p.name())) {
          if (p.required()) {
            problems.add(
                new Problem(
                    file,
                    name,
                    field,
                    "required by "
                        + methodName
                        + ": "
                        + p.type().description()
                        + (p.doc().isEmpty() ? "" : " (" + p.doc() + ")")));
          }
          values.put(p.name(), p.defaultValue());
          continue;
        }
        ParamValues.Result r = ParamValues.coerce(p, given.get(p.name()));
        if (r.error() != null) {
          problems.add(new Problem(file, name, field, r.error()));
          continue;
        }
        values.put(p.name(), r.value());
        if (p.type() == ParamType.PATH && r.value() != null) {
          checkLocalPath((String) r.value(), baseDir, volumes, file, name, field, problems);
        }
      }
    }
    if (isCommand) {
      for (Map.Entry<String, Object> e : new TreeMap<>(given).entrySet()) {
        values.put(e.getKey(), ParamValues.normaliseAny(e.getValue()));
      }
      CommandSpec command = parseCommand(s, name, file, baseDir, problems);
      if (problems.size() > before || command == null) {
        return null;
      }
      return new Stage(
          name,
          CommandMethod.planned(command, inputs.keySet()),
          inputs,
          new Params(values, baseDir),
          slices,
          resources,
          command,
          timeout);
    }
    if (problems.size() > before || method == null) {
      return null;
    }
    Params params = new Params(values, baseDir);
    for (Method.FieldProblem fp : method.validate(params)) {
      problems.add(new Problem(file, name, "params." + fp.param(), fp.message()));
    }
    return new Stage(name, method, inputs, params, slices, resources, null, timeout);
  }

  private static final Pattern DURATION = Pattern.compile("(?:([0-9]{1,9})([smhd]))+");
  private static final Pattern DURATION_PART = Pattern.compile("([0-9]{1,9})([smhd])");

  /**
   * A duration as Kubernetes users write one: {@code 90s}, {@code 30m}, {@code 2h}, {@code 1d},
   * {@code 1h30m}; at least one second. Null when malformed.
   */
  public static Duration parseDuration(String text) {
    if (!DURATION.matcher(text).matches()) {
      return null;
    }
    Duration d = Duration.ZERO;
    var m = DURATION_PART.matcher(text);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      d =
          d.plus(
              switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
              });
    }
    return d.isZero() ? null : d;
  }

  /** A command stage's image, command, env and files; null (with problems) when invalid. */
  private CommandSpec parseCommand(
      JsonNode s, String name, String file, Path baseDir, List<Problem> problems) {
    int before = problems.size();
    List<String> argv = new ArrayList<>();
    JsonNode cmd = s.get("command");
    if (cmd == null || !cmd.isArray() || cmd.isEmpty()) {
      problems.add(
          new Problem(
              file,
              name,
              "command",
              "expected the program's argv as a non-empty list, e.g. [python3, features.py]"
                  + (cmd != null && cmd.isTextual()
                      ? " (a string is not split: write [sh, -c, '...'] for a shell line)"
                      : "")));
    } else {
      for (int i = 0; i < cmd.size(); i++) {
        JsonNode a = cmd.get(i);
        if (!a.isValueNode() || a.isNull()) {
          problems.add(
              new Problem(file, name, "command[" + i + "]", "expected a string, got " + a));
        } else {
          argv.add(a.asText());
        }
      }
    }
    String image = null;
    JsonNode img = s.get("image");
    if (img != null && !img.isNull()) {
      if (!img.isTextual() || img.asText().isBlank() || img.asText().matches(".*\\s.*")) {
        problems.add(
            new Problem(file, name, "image", "expected an image reference like python:3.12-slim"));
      } else {
        image = img.asText();
      }
    } else if (cluster) {
      problems.add(
          new Problem(
              file,
              name,
              "image",
              "required on Kubernetes: the container image the command runs in, e.g."
                  + " python:3.12-slim"));
    }
    Map<String, String> env = new TreeMap<>();
    JsonNode envNode = s.get("env");
    if (envNode != null && !envNode.isNull()) {
      if (!envNode.isObject()) {
        problems.add(new Problem(file, name, "env", "expected a map of variable name to value"));
      } else {
        envNode
            .properties()
            .forEach(
                e -> {
                  String field = "env." + e.getKey();
                  if (!ENV_NAME.matcher(e.getKey()).matches()) {
                    problems.add(
                        new Problem(
                            file, name, field, "not a variable name (letters, digits and '_')"));
                  } else if (e.getKey().startsWith("REPRISE_")) {
                    problems.add(
                        new Problem(
                            file,
                            name,
                            field,
                            "REPRISE_ variables are set by Reprise (the program's contract)"));
                  } else if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    problems.add(
                        new Problem(file, name, field, "expected a string, got " + e.getValue()));
                  } else {
                    env.put(e.getKey(), e.getValue().asText());
                  }
                });
      }
    }
    Map<String, String> files = new TreeMap<>();
    JsonNode filesNode = s.get("files");
    if (filesNode != null && !filesNode.isNull()) {
      if (!filesNode.isArray()) {
        problems.add(
            new Problem(
                file,
                name,
                "files",
                "expected a list of files and folders next to the document, e.g. [features.py,"
                    + " lib/]"));
      } else {
        for (int i = 0; i < filesNode.size(); i++) {
          shippedFile(filesNode.get(i), "files[" + i + "]", name, file, baseDir, files, problems);
        }
      }
    }
    return problems.size() > before ? null : new CommandSpec(image, argv, env, files);
  }

  /**
   * One entry of {@code files}: a path next to the document (read and digested here; a folder
   * brings all its files), or, as {@code reprise push} writes it, {@code {path, sha256}} of a file
   * already shipped into the store.
   */
  private void shippedFile(
      JsonNode entry,
      String field,
      String stage,
      String file,
      Path baseDir,
      Map<String, String> out,
      List<Problem> problems) {
    if (entry.isObject()) {
      String path = entry.path("path").asText("");
      String sha = entry.path("sha256").asText("");
      String bad = relativePathProblem(path);
      if (bad != null) {
        problems.add(new Problem(file, stage, field + ".path", bad));
      } else if (!SHA256.matcher(sha).matches()) {
        problems.add(
            new Problem(file, stage, field + ".sha256", "expected 64 lower-case hex digits"));
      } else {
        out.put(path, sha);
      }
      return;
    }
    if (!entry.isTextual()) {
      problems.add(
          new Problem(
              file, stage, field, "expected a path next to the document, or {path, sha256}"));
      return;
    }
    String path = entry.asText();
    String bad =
        relativePathProblem(path.endsWith("/") ? path.substring(0, path.length() - 1) : path);
    if (bad != null) {
      problems.add(new Problem(file, stage, field, bad));
      return;
    }
    if (cluster || baseDir == null) {
      problems.add(
          new Problem(
              file,
              stage,
              field,
              "'"
                  + path
                  + "' is a file on your machine, which the cluster cannot read: ship it with"
                  + " 'reprise push FILE --store URI' and apply the document it prints"));
      return;
    }
    Path p = baseDir.resolve(path).normalize();
    try {
      if (Files.isRegularFile(p)) {
        out.put(baseDir.relativize(p).toString().replace('\\', '/'), Sha256.hex(p));
      } else if (Files.isDirectory(p)) {
        for (String f : DirectoryArtifacts.listFiles(p)) {
          Path each = p.resolve(f);
          out.put(baseDir.relativize(each).toString().replace('\\', '/'), Sha256.hex(each));
        }
      } else {
        problems.add(new Problem(file, stage, field, "no file or folder at " + p));
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      problems.add(new Problem(file, stage, field, "cannot read " + p + ": " + e.getMessage()));
    }
  }

  /** Why a shipped file's path is not a plain relative path below the document, or null. */
  private static String relativePathProblem(String path) {
    if (path.isBlank()) {
      return "expected a path relative to the document's folder";
    }
    if (path.startsWith("/") || path.contains("\\")) {
      return "'" + path + "' must be relative to the document's folder, with '/' separators";
    }
    for (String part : path.split("/")) {
      if (part.equals("..") || part.equals(".") || part.isEmpty()) {
        return "'" + path + "' must stay below the document's folder (no '..', '.' or '//')";
      }
    }
    return null;
  }

  private void checkLocalPath(
      String path,
      Path baseDir,
      List<DataVolume> volumes,
      String file,
      String stage,
      String field,
      List<Problem> problems) {
    if (path.contains("://")) {
      return; // remote data is checked when its digest is computed
    }
    Path p = baseDir == null ? Path.of(path) : baseDir.resolve(path).normalize();
    DataVolume volume =
        volumes.stream().filter(v -> v.relative(p.toString()).isPresent()).findFirst().orElse(null);
    if (cluster && volume != null) {
      return; // on a volume the operator cannot see: its digest Job checks it
    }
    if (!Files.exists(p)) {
      problems.add(
          new Problem(
              file,
              stage,
              field,
              "no file or folder at "
                  + p
                  + (volume == null
                      ? ""
                      : " (it is on "
                          + volume.describe()
                          + ", which only Kubernetes mounts: run here, the path is read from this machine as"
                          + " written)")));
    } else if (!Files.isReadable(p)) {
      problems.add(new Problem(file, stage, field, "cannot read " + p));
    }
  }

  /**
   * {@code spec.volumes}: each a name, an absolute clean mountPath and exactly one source (a
   * persistentVolumeClaim or a hostPath); names and mountPaths are unique and mountPaths do not
   * nest.
   */
  private static List<DataVolume> volumes(JsonNode node, String file, List<Problem> problems) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      problems.add(
          new Problem(
              file,
              null,
              "spec.volumes",
              "expected a list of volumes, each {name, mountPath, persistentVolumeClaim:"
                  + " {claimName}} or {name, mountPath, hostPath: {path}}"));
      return List.of();
    }
    List<DataVolume> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode v = node.get(i);
      String where = "spec.volumes[" + i + "]";
      if (!v.isObject()) {
        problems.add(new Problem(file, null, where, "expected a map with name and mountPath"));
        continue;
      }
      int before = problems.size();
      v.fieldNames()
          .forEachRemaining(
              f -> {
                if (!VOLUME_FIELDS.contains(f)) {
                  problems.add(
                      new Problem(
                          file,
                          null,
                          where + "." + f,
                          "unknown field"
                              + suggest(f, VOLUME_FIELDS)
                              + " (known: "
                              + String.join(", ", VOLUME_FIELDS)
                              + ")"));
                }
              });
      String name = v.path("name").asText("");
      if (name.length() > 58 || !DNS_LABEL.matcher(name).matches()) {
        problems.add(
            new Problem(
                file,
                null,
                where + ".name",
                "expected at most 58 lower-case letters, digits and '-', starting and ending with"
                    + " a letter or digit, got '"
                    + name
                    + "'"));
      } else if (out.stream().anyMatch(o -> o.name().equals(name))) {
        problems.add(
            new Problem(file, null, where + ".name", "duplicate volume name '" + name + "'"));
      }
      String mount = v.path("mountPath").asText("");
      String mountProblem = absoluteCleanProblem(mount);
      if (mountProblem == null) {
        for (String reserved : RESERVED_MOUNTS) {
          if (nested(mount, reserved)) {
            mountProblem =
                "'"
                    + mount
                    + "' would hide or sit inside "
                    + reserved
                    + ", which the pods need: mount data elsewhere, e.g. /data/"
                    + (name.isEmpty() ? "<name>" : name);
            break;
          }
        }
      }
      if (mountProblem == null) {
        for (DataVolume o : out) {
          if (nested(mount, o.mountPath())) {
            mountProblem =
                "'"
                    + mount
                    + "' overlaps the mountPath "
                    + o.mountPath()
                    + " of volume "
                    + o.name();
          }
        }
      }
      if (mountProblem != null) {
        problems.add(new Problem(file, null, where + ".mountPath", mountProblem));
      }
      JsonNode pvc = v.get("persistentVolumeClaim");
      JsonNode host = v.get("hostPath");
      String claim = null;
      String hostPath = null;
      if ((pvc == null) == (host == null)) {
        problems.add(
            new Problem(
                file,
                null,
                where,
                "give exactly one source: persistentVolumeClaim: {claimName: ...} or hostPath:"
                    + " {path: ...}"));
      } else if (pvc != null) {
        claim = pvc.path("claimName").asText("");
        if (!pvc.isObject()
            || pvc.size() != 1
            || claim.length() > 253
            || !DNS_SUBDOMAIN.matcher(claim).matches()) {
          problems.add(
              new Problem(
                  file,
                  null,
                  where + ".persistentVolumeClaim",
                  "expected {claimName: <the claim's name>}, got " + pvc));
        }
      } else {
        hostPath = host.path("path").asText("");
        String hostProblem = absoluteCleanProblem(hostPath);
        if (!host.isObject() || host.size() != 1) {
          problems.add(
              new Problem(
                  file,
                  null,
                  where + ".hostPath",
                  "expected {path: /folder/on/the/node}, got " + host));
        } else if (hostProblem != null) {
          problems.add(new Problem(file, null, where + ".hostPath.path", hostProblem));
        }
      }
      if (problems.size() == before) {
        out.add(new DataVolume(name, mount, claim, hostPath));
      }
    }
    return List.copyOf(out);
  }

  /** Why {@code path} is not an absolute, clean folder path, or null if it is one. */
  private static String absoluteCleanProblem(String path) {
    if (path.isEmpty()) {
      return "required: an absolute path such as /data/eeg";
    }
    if (!path.startsWith("/")) {
      return "'" + path + "' is not absolute: write it from /, such as /data/eeg";
    }
    String clean = Path.of(path).normalize().toString();
    if (!clean.equals(path) || path.contains("\\")) {
      return "'"
          + path
          + "' is not a clean path (no '.', '..', '//' or trailing '/'): write "
          + clean;
    }
    if (path.equals("/")) {
      return "'/' is the whole file system: name a folder, such as /data/eeg";
    }
    return null;
  }

  /** Whether one of the two clean absolute paths is the other or inside it. */
  private static boolean nested(String a, String b) {
    Path pa = Path.of(a);
    Path pb = Path.of(b);
    return pa.startsWith(pb) || pb.startsWith(pa);
  }

  /** Kahn's algorithm in document order; a cycle is reported with its stages in order. */
  private static List<String> topologicalOrder(
      Map<String, Map<String, String>> edges, String file, List<Problem> problems) {
    Map<String, Integer> pending = new LinkedHashMap<>();
    Map<String, List<String>> dependants = new HashMap<>();
    edges.forEach(
        (stage, ins) -> {
          Set<String> ups = new LinkedHashSet<>(ins.values());
          pending.put(stage, ups.size());
          ups.forEach(u -> dependants.computeIfAbsent(u, k -> new ArrayList<>()).add(stage));
        });
    List<String> order = new ArrayList<>();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (Map.Entry<String, Integer> e : pending.entrySet()) {
        if (e.getValue() == 0 && !order.contains(e.getKey())) {
          order.add(e.getKey());
          for (String d : dependants.getOrDefault(e.getKey(), List.of())) {
            pending.merge(d, -1, Integer::sum);
          }
          progress = true;
        }
      }
    }
    if (order.size() < edges.size()) {
      List<String> cycle = findCycle(edges, order);
      problems.add(
          new Problem(
              file,
              cycle.get(0),
              "inputs",
              "the stages form a cycle: " + String.join(" -> ", cycle)));
    }
    return order;
  }

  private static List<String> findCycle(Map<String, Map<String, String>> edges, List<String> done) {
    for (String start : edges.keySet()) {
      if (done.contains(start)) {
        continue;
      }
      List<String> path = new ArrayList<>();
      String cur = start;
      while (!path.contains(cur)) {
        path.add(cur);
        String next = null;
        for (String up : edges.get(cur).values()) {
          if (!done.contains(up)) {
            next = up;
            break;
          }
        }
        if (next == null) {
          break;
        }
        cur = next;
      }
      if (path.contains(cur)) {
        List<String> cycle = new ArrayList<>(path.subList(path.indexOf(cur), path.size()));
        java.util.Collections.reverse(cycle); // report in data-flow order: upstream -> downstream
        cycle.add(cycle.get(0));
        return cycle;
      }
    }
    return List.of("?");
  }

  /** " (did you mean 'x'?)" for a close known name, else "". */
  static String suggest(String given, java.util.Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(given.toLowerCase(), k.toLowerCase());
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best != null && bestDistance <= Math.max(1, given.length() / 3)
        ? " (did you mean '" + best + "'?)"
        : "";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}

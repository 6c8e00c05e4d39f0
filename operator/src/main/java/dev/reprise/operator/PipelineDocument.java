package dev.reprise.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reprise.core.pipeline.InvalidPipelineException;
import dev.reprise.core.pipeline.PipelineParser;
import dev.reprise.operator.crd.Pipeline;
import java.nio.file.Path;

/**
 * A Pipeline resource read as the document {@code reprise run} takes: the same parser validates
 * both, so the command line and the operator accept and reject the same pipelines.
 */
public final class PipelineDocument {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PipelineDocument() {}

  /** The resource as a document tree: apiVersion, kind, metadata.name and spec. */
  public static JsonNode tree(Pipeline resource) {
    ObjectNode root = JSON.createObjectNode();
    root.put("apiVersion", Pipeline.API_VERSION);
    root.put("kind", "Pipeline");
    root.putObject("metadata").put("name", resource.getMetadata().getName());
    if (resource.getSpec() != null) {
      root.set("spec", JSON.valueToTree(resource.getSpec()));
    }
    return root;
  }

  /**
   * Validates the resource; problems are located as {@code <namespace>/<name>: stage 's': field}.
   *
   * @throws InvalidPipelineException listing every problem
   */
  public static dev.reprise.core.pipeline.Pipeline validate(
      Pipeline resource, PipelineParser parser) {
    String ns = resource.getMetadata().getNamespace();
    Path label = Path.of(ns == null ? "default" : ns, resource.getMetadata().getName());
    return parser.fromTree(tree(resource), label, null);
  }
}

package dev.reprise.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.reprise.core.command.ShippedFiles;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.PipelineParser;
import dev.reprise.core.pipeline.Stage;
import dev.reprise.core.store.ArtifactStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code reprise push}: ships command stages' files into the store and prints the document with
 * each file named by its content, ready for {@code kubectl apply}: the operator cannot read the
 * user's machine, only the store.
 */
@Command(
    name = "push",
    mixinStandardHelpOptions = true,
    description =
        "Ships command stages' files into the store and prints the document to kubectl apply,"
            + " with every file named by its sha256.")
final class PushCommand implements Callable<Integer> {
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  @Parameters(paramLabel = "FILE", description = "The pipeline document (YAML).")
  Path file;

  @Mixin StoreOptions storeOptions;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "OUT",
      description = "Write the document to OUT instead of standard output.")
  Path output;

  @Override
  public Integer call() throws Exception {
    MethodRegistry methods = Reprise.methods();
    Pipeline pipeline = Reprise.parse(file, methods);
    JsonNode tree = PipelineParser.readTree(Files.readString(file));
    int shipped = 0;
    try (ArtifactStore store = storeOptions.open(pipeline.store())) {
      ArrayNode stages = (ArrayNode) tree.path("spec").path("stages");
      for (JsonNode node : stages) {
        Stage stage = pipeline.stage(node.path("name").asText()).orElseThrow();
        if (!stage.isCommand() || stage.command().files().isEmpty()) {
          continue;
        }
        ShippedFiles.ship(store, pipeline, stage);
        ArrayNode files = ((ObjectNode) node).putArray("files");
        for (Map.Entry<String, String> f : stage.command().files().entrySet()) {
          files.addObject().put("path", f.getKey()).put("sha256", f.getValue());
          shipped++;
        }
      }
      String doc = YAML.writeValueAsString(tree);
      doc = doc.endsWith("\n") ? doc : doc + "\n";
      if (output != null) {
        Files.writeString(output, doc);
      } else {
        System.out.print(doc);
      }
      System.err.println(
          "reprise push: "
              + shipped
              + " file"
              + (shipped == 1 ? "" : "s")
              + " in "
              + store.uri()
              + "; apply the document"
              + (output == null ? " above" : " in " + output)
              + " to a cluster whose operator uses this store (kubectl apply -f ...)");
      return 0;
    }
  }
}

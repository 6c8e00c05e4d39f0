package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.PipelineParser;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example of a user's own method (k8s/examples/user-method) as the operator meets it: a jar in
 * the methods folder, whose method the example pipeline can use.
 */
class UserMethodExampleTest {
  static final Path EXAMPLE = Path.of("../k8s/examples/user-method");

  @TempDir Path tmp;

  @Test
  void theOperatorFindsTheExampleJarsMethodAndTheExamplePipelineValidates() throws Exception {
    Path methods = Files.createDirectories(tmp.resolve("methods"));
    buildJar(methods.resolve("lab-methods.jar"));

    MethodRegistry registry = MethodRegistry.discover(List.of(methods));
    assertTrue(registry.names().contains("lab.smooth"), registry.names().toString());
    assertTrue(registry.names().contains("eeg.decode"), "the built-in methods stay");

    Pipeline p =
        new PipelineParser(registry)
            .fromTree(
                new ObjectMapper(new YAMLFactory())
                    .readTree(EXAMPLE.resolve("smoothed-decoding.yaml").toFile()),
                null,
                null);
    assertEquals("lab.smooth", p.stage("smooth").orElseThrow().method().spec().name());

    // Without the jar, the document names the missing method.
    var e =
        assertThrows(
            Exception.class,
            () ->
                new PipelineParser(MethodRegistry.discover(List.of(tmp.resolve("none"))))
                    .fromTree(
                        new ObjectMapper(new YAMLFactory())
                            .readTree(EXAMPLE.resolve("smoothed-decoding.yaml").toFile()),
                        null,
                        null));
    assertTrue(e.getMessage().contains("lab.smooth"), e.getMessage());
  }

  @Test
  void aNamedJarThatIsMissingIsAnError() {
    var e =
        assertThrows(
            InvalidInputException.class,
            () -> MethodRegistry.discover(List.of(tmp.resolve("gone.jar"))));
    assertTrue(e.getMessage().contains("gone.jar"), e.getMessage());
  }

  /** What the example's build.sh does: javac against Reprise, then a jar with the services file. */
  private void buildJar(Path jar) throws IOException {
    Path classes = Files.createDirectories(tmp.resolve("classes"));
    List<String> sources;
    try (Stream<Path> s = Files.walk(EXAMPLE.resolve("src"))) {
      sources = s.filter(f -> f.toString().endsWith(".java")).map(Path::toString).toList();
    }
    List<String> args =
        Stream.concat(
                Stream.of(
                    "--release",
                    "17",
                    "-d",
                    classes.toString(),
                    "-cp",
                    System.getProperty("java.class.path")),
                sources.stream())
            .toList();
    assertEquals(
        0, ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new)));
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out)) {
      for (Path root : List.of(classes, EXAMPLE.resolve("src"))) {
        try (Stream<Path> files = Files.walk(root)) {
          for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
            String name = root.relativize(f).toString().replace('\\', '/');
            if (name.endsWith(".java")) {
              continue;
            }
            j.putNextEntry(new JarEntry(name));
            Files.copy(f, j);
            j.closeEntry();
          }
        }
      }
    }
  }
}

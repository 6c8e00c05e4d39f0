package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.key.CodeDigest;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The method SDK snippet in docs/methods.md compiles as written, imports included. */
class MethodsDocTest {
  @TempDir Path tmp;

  @Test
  void theSnippetCompilesAndItsHelperIsInItsDigest() throws Exception {
    String doc = Files.readString(Path.of("../docs/methods.md"));
    int section = doc.indexOf("## Writing your own method");
    int start = doc.indexOf("```java\n", section) + "```java\n".length();
    String source = doc.substring(start, doc.indexOf("```", start));
    Path src = Files.createDirectories(tmp.resolve("src/lab"));
    Files.writeString(src.resolve("Smooth.java"), source);
    Path classes = Files.createDirectories(tmp.resolve("classes"));
    int rc =
        ToolProvider.getSystemJavaCompiler()
            .run(
                null,
                null,
                null,
                "-d",
                classes.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                src.resolve("Smooth.java").toString());
    assertEquals(0, rc, "docs/methods.md's snippet does not compile");
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      Map<String, String> covered = CodeDigest.classes(loader.loadClass("lab.Smooth"));
      assertTrue(covered.containsKey("lab/MovingAverage"), covered.keySet().toString());
      assertTrue(covered.containsKey("dev/reprise/core/io/Npy"), covered.keySet().toString());
    }
  }
}

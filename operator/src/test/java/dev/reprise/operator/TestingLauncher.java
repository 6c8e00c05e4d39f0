package dev.reprise.operator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * reprise-launcher built from this repository (worker/src/main/go), as the worker image carries it
 * at /opt/reprise/bin: the fixtures that play a node run command stages' pods through it.
 */
final class TestingLauncher {
  private static Path built;

  private TestingLauncher() {}

  static synchronized Path path() throws IOException, InterruptedException {
    if (built != null) {
      return built;
    }
    Path root = Path.of("..").toAbsolutePath().normalize();
    Path out = root.resolve("operator/target/testing-launcher/reprise-launcher");
    Process p =
        new ProcessBuilder(
                "bash",
                root.resolve("worker/src/main/go/build-launcher.sh").toString(),
                out.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0 || !Files.isExecutable(out)) {
      throw new IllegalStateException("building reprise-launcher failed (Go is needed):\n" + log);
    }
    built = out;
    return built;
  }
}

package dev.reprise.worker.eeg;

import dev.reprise.core.method.DirectoryArtifacts;
import dev.reprise.core.method.Method;
import dev.reprise.core.method.ParamValues;
import dev.reprise.core.method.Params;
import dev.reprise.core.method.TestingPhaseContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** Shared helpers for the eeg.* method tests. */
final class EegTesting {
  private EegTesting() {}

  static Path run(
      Method m, Map<String, Object> params, Path root, int slices, Map<String, Path> inputs)
      throws Exception {
    TestingPhaseContext ctx =
        new TestingPhaseContext(m, params, Files.createDirectories(root)).slices(slices);
    inputs.forEach(ctx::input);
    return ctx.runAll();
  }

  static Params params(Method m, Map<String, Object> given) {
    return new Params(ParamValues.withDefaults(m.spec(), new HashMap<>(given)), null);
  }

  static DirectoryArtifacts folder(Path p) {
    return new DirectoryArtifacts(p, "test folder");
  }

  /** Asserts two folders hold the same file names with byte-identical content. */
  static void assertSameFiles(Path a, Path b) throws IOException {
    var names = DirectoryArtifacts.listFiles(a);
    org.junit.jupiter.api.Assertions.assertEquals(names, DirectoryArtifacts.listFiles(b));
    for (String n : names) {
      org.junit.jupiter.api.Assertions.assertTrue(
          Arrays.equals(Files.readAllBytes(a.resolve(n)), Files.readAllBytes(b.resolve(n))),
          n + " differs");
    }
  }
}

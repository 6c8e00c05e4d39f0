package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Interpreters that command-stage tests run on this host. {@code .ci/run} installs them and sets
 * {@code REPRISE_REQUIRE_TOOLS=true}, so that in CI a missing one fails the test instead of
 * skipping it; on a developer's machine without them, the test is skipped with the reason.
 */
final class TestingTools {
  private TestingTools() {}

  /** A python3 that imports numpy: $REPRISE_TEST_PYTHON, Debian's, or the first on PATH. */
  static String pythonWithNumpy() {
    List<String> candidates = new ArrayList<>();
    String given = System.getenv("REPRISE_TEST_PYTHON");
    if (given != null && !given.isBlank()) {
      candidates.add(given);
    }
    candidates.addAll(List.of("/usr/bin/python3", "python3"));
    for (String python : candidates) {
      if (works(python, "-c", "import numpy")) {
        return python;
      }
    }
    return missing("a python3 with numpy (tried " + candidates + ")");
  }

  /** Rscript (Debian's r-base-core). */
  static String rscript() {
    return works("Rscript", "--version") ? "Rscript" : missing("Rscript (r-base-core)");
  }

  private static boolean works(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  private static String missing(String what) {
    if (Boolean.parseBoolean(System.getenv("REPRISE_REQUIRE_TOOLS"))) {
      fail(what + " is required here (REPRISE_REQUIRE_TOOLS=true) but not installed");
    }
    assumeTrue(false, what + " is not installed: skipped");
    return null;
  }
}

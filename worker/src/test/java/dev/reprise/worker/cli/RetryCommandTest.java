package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reprise retry}: the kubectl it runs, and what it says when kubectl fails or is missing.
 */
class RetryCommandTest {
  /** A kubectl that records its arguments, one per line, and exits with {@code code}. */
  static Path fakeKubectl(Path dir, int code) throws Exception {
    Path k = dir.resolve("kubectl");
    Files.writeString(
        k,
        "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > \""
            + dir.resolve("args")
            + "\"\n[ "
            + code
            + " -eq 0 ] || echo 'Error from server (NotFound): pipelines.reprise.dev \"eeg\" not found' >&2\nexit "
            + code
            + "\n");
    Files.setPosixFilePermissions(k, PosixFilePermissions.fromString("rwxr-xr-x"));
    return k;
  }

  @Test
  void setsANewRetryAnnotationWithKubectl(@TempDir Path dir) throws Exception {
    Path kubectl = fakeKubectl(dir, 0);
    TestingCli.Result r =
        TestingCli.run("retry", "eeg", "-n", "lab", "--kubectl", kubectl.toString());
    assertEquals(0, r.exitCode(), r.err());
    List<String> args = Files.readAllLines(dir.resolve("args"));
    assertEquals(
        List.of("--namespace", "lab", "annotate", "pipelines.reprise.dev", "eeg"),
        args.subList(0, 5));
    assertTrue(args.get(5).startsWith("reprise.dev/retry=20"), args.get(5));
    assertEquals("--overwrite", args.get(6));
    assertTrue(r.out().contains("kubectl get pipeline eeg -n lab -w"), r.out());
  }

  @Test
  void saysWhatKubectlSaidOrHowToDoItWithout(@TempDir Path dir) throws Exception {
    TestingCli.Result failed =
        TestingCli.run("retry", "eeg", "--kubectl", fakeKubectl(dir, 1).toString());
    assertTrue(failed.exitCode() != 0);
    assertTrue(failed.err().contains("NotFound"), failed.err());

    TestingCli.Result missing =
        TestingCli.run("retry", "eeg", "--kubectl", dir.resolve("no-such-kubectl").toString());
    assertEquals(2, missing.exitCode(), missing.err());
    assertTrue(missing.err().contains("kubectl annotate pipelines.reprise.dev eeg"), missing.err());
  }
}

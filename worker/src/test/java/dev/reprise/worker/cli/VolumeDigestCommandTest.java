package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.key.DataDigests;
import dev.reprise.core.store.FolderBlobStore;
import dev.reprise.core.store.VolumeDigests;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reprise volume-digest}, as a digest Job's pod runs it. */
class VolumeDigestCommandTest {
  @TempDir Path tmp;

  private int run(StringWriter out, String path, String request) {
    PrintWriter w = new PrintWriter(out, true);
    return Reprise.execute(
        Map.of("REPRISE_CACHE_DIR", tmp.resolve("cache").toString()),
        w,
        w,
        "volume-digest",
        "--store",
        tmp.resolve("store").toString(),
        "--volume",
        "hostPath:/srv/eeg",
        "--mount",
        tmp.resolve("volume").toString(),
        "--path",
        path,
        "--request",
        request);
  }

  @Test
  void answersInTheStoreReusesAnUnchangedListingAndExits2ForMissingData() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("volume/study"));
    Files.writeString(data.resolve("a.txt"), "1 2 3");
    StringWriter first = new StringWriter();
    assertEquals(0, run(first, "study", "1".repeat(64)), first.toString());
    assertTrue(first.toString().contains("1 files, 5 bytes"), first.toString());
    assertTrue(first.toString().contains("content hashed"), first.toString());
    VolumeDigests.Result r =
        new VolumeDigests(new FolderBlobStore(tmp.resolve("store")))
            .result("1".repeat(64))
            .orElseThrow();
    assertEquals(new DataDigests(null, null).digest(data.toString()), r.digest());

    StringWriter second = new StringWriter();
    assertEquals(0, run(second, "study", "2".repeat(64)), second.toString());
    assertTrue(second.toString().contains("listing unchanged: reused"), second.toString());

    StringWriter missing = new StringWriter();
    assertEquals(2, run(missing, "stduy", "3".repeat(64)));
    assertTrue(
        missing.toString().contains("no file or folder at " + tmp.resolve("volume/stduy")),
        missing.toString());
    StringWriter bad = new StringWriter();
    assertEquals(2, run(bad, "study", "not-a-request"));
  }
}

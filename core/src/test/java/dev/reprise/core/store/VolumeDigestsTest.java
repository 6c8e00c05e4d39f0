package dev.reprise.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.key.DataDigests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeDigestsTest {
  @TempDir Path tmp;

  private static String request(String n) {
    return VolumeDigests.request(Map.of("n", n));
  }

  @Test
  void anUnchangedListingReusesTheDigestAndAChangedFileChangesIt() throws Exception {
    Path mount = Files.createDirectories(tmp.resolve("volume"));
    Path data = Files.createDirectories(mount.resolve("eeg/s01"));
    Files.writeString(data.resolve("X.npy"), "one");
    Files.writeString(mount.resolve("eeg/info.json"), "{}");
    VolumeDigests digests = new VolumeDigests(new FolderBlobStore(tmp.resolve("store")));

    VolumeDigests.Result first =
        digests.compute("hostPath:/srv", mount, "eeg", request("1"), Clock.systemUTC());
    assertFalse(first.reused());
    assertEquals(2, first.files());
    // The same digest as the data read locally: a key does not depend on where data is mounted.
    assertEquals(
        new DataDigests(null, null).digest(mount.resolve("eeg").toString()), first.digest());
    assertEquals(first, digests.result(request("1")).orElseThrow());

    VolumeDigests.Result second =
        digests.compute("hostPath:/srv", mount, "eeg", request("2"), Clock.systemUTC());
    assertTrue(second.reused(), "an unchanged listing is not hashed again");
    assertEquals(first.digest(), second.digest());

    // Another volume with the same listing is another memo entry: it is hashed.
    assertFalse(
        digests.compute("pvc:ns/c", mount, "eeg", request("3"), Clock.systemUTC()).reused());

    Path x = data.resolve("X.npy");
    FileTime before = Files.getLastModifiedTime(x);
    Files.writeString(x, "two");
    Files.setLastModifiedTime(x, FileTime.fromMillis(before.toMillis() + 2000));
    VolumeDigests.Result changed =
        digests.compute("hostPath:/srv", mount, "eeg", request("4"), Clock.systemUTC());
    assertFalse(changed.reused());
    assertNotEquals(first.digest(), changed.digest());
  }

  @Test
  void missingDataIsTheUsersMistakeAndLeavesNoAnswer() throws Exception {
    Path mount = Files.createDirectories(tmp.resolve("volume"));
    VolumeDigests digests = new VolumeDigests(new FolderBlobStore(tmp.resolve("store")));
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                digests.compute(
                    "hostPath:/srv", mount, "nothing", request("1"), Clock.systemUTC()));
    assertEquals(2, e.exitCode());
    assertTrue(
        e.getMessage().contains("no file or folder at " + mount.resolve("nothing")),
        e.getMessage());
    assertTrue(digests.result(request("1")).isEmpty());
    assertThrows(
        InvalidInputException.class,
        () ->
            digests.compute("hostPath:/srv", mount, "../outside", request("2"), Clock.systemUTC()));
  }

  @Test
  void knownDigestsStandInForPathsThatCannotBeRead() {
    DataDigests d = new DataDigests(null, null).withKnown(Map.of("/data/eeg", "abc"));
    assertEquals("abc", d.digest("/data/eeg"));
    assertEquals("abc", d.digest("/data/x/../eeg"));
    assertThrows(InvalidInputException.class, () -> d.digest("/data/other"));
  }
}

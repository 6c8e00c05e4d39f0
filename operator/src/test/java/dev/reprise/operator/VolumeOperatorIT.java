package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import dev.reprise.core.key.DataDigests;
import dev.reprise.core.store.BlobInfo;
import dev.reprise.core.store.JsonCodec;
import dev.reprise.core.store.Stores;
import dev.reprise.core.store.VolumeDigests;
import dev.reprise.operator.crd.Pipeline;
import dev.reprise.operator.crd.StageStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Data on a hostPath volume, end to end: the operator has its digest computed by a digest Job
 * ({@link TestingCluster} runs it on this host, where the hostPath is), keys eeg.load with it, and
 * the stage's pod reads the data at the volume's mountPath.
 */
class VolumeOperatorIT {
  static final Duration WAIT = Duration.ofSeconds(60);

  OperatorHarness h;

  /** The folder holding the test's volumes: the chart's data.allowedHostPaths allows it. */
  Path allowed;

  /**
   * The hostPath volume, mounted at its own path (the fixture's pods are this host's processes).
   */
  Path volume;

  @BeforeEach
  void start() throws Exception {
    // Under target, not /tmp: a volume may not hide or sit inside the pods' /tmp.
    // (A clone of the repository may itself be under /tmp: then /var/tmp.)
    Path target = Path.of("target").toAbsolutePath();
    allowed =
        Files.createTempDirectory(
            target.startsWith("/tmp") ? Path.of("/var/tmp") : target, "volumes-");
    volume = Files.createDirectories(allowed.resolve("eeg"));
    epochs(volume.resolve("study"), 0.5);
    h =
        new OperatorHarness(
            2, new DataVolumePolicy(List.of("recordings"), List.of(allowed.toString())));
    h.startOperator();
  }

  @AfterEach
  void stop() throws Exception {
    h.close();
    TestingCluster.deleteTree(allowed);
  }

  /** An epochs folder: info.json and one subject of 4 trials, 2 channels, 5 times. */
  static void epochs(Path dir, double offset) throws Exception {
    Files.createDirectories(dir.resolve("s01"));
    Files.writeString(
        dir.resolve("info.json"),
        "{\"sfreq\": 100.0, \"tmin\": 0.0, \"channels\": [\"C1\", \"C2\"], \"classes\": [\"a\", \"b\"]}");
    double[] x = new double[4 * 2 * 5];
    for (int i = 0; i < x.length; i++) {
      x[i] = offset + i;
    }
    Npy.write(dir.resolve("s01/X.npy"), NpyArray.ofDoubles(x, 4, 2, 5));
    Npy.write(dir.resolve("s01/y.npy"), NpyArray.ofLongs(new long[] {0, 1, 0, 1}, 4));
  }

  String doc(String name, String volumes, String path) {
    return """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: NAME}
        spec:
          volumes: VOLUMES
          stages:
            - {name: load, method: eeg.load, params: {path: "PATH"}}
        """
        .replace("NAME", name)
        .replace("VOLUMES", volumes)
        .replace("PATH", path);
  }

  String hostVolume() {
    return "[{name: eeg, mountPath: " + volume + ", hostPath: {path: " + volume + "}}]";
  }

  static StageStatus stage(Pipeline p, String name) {
    return p.getStatus().getStages().stream()
        .filter(s -> s.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  List<String> digestJobs() {
    return h.cluster.created.stream().filter(n -> n.startsWith("reprise-digest-")).toList();
  }

  /** The digest Jobs' answers in the store, in the order they were written. */
  List<VolumeDigests.Result> answers() throws Exception {
    List<VolumeDigests.Result> out = new ArrayList<>();
    try (var blobs = Stores.open(h.store, h.s3.settings())) {
      for (BlobInfo b : blobs.list(VolumeDigests.REQUESTS)) {
        out.add(
            JsonCodec.read(
                blobs.read(b.name()).orElseThrow(), VolumeDigests.Result.class, b.name()));
      }
    }
    out.sort(java.util.Comparator.comparing(VolumeDigests.Result::finished));
    return out;
  }

  @Test
  void aDigestJobKeysTheStageWhichReadsTheVolumeAndUnchangedDataIsNotHashedAgain()
      throws Exception {
    String data = volume.resolve("study").toString();
    Pipeline a = h.await(apply("first", data), "Succeeded", WAIT);
    StageStatus loadA = stage(a, "load");
    assertEquals("Succeeded", loadA.getState(), "eeg.load ran in a pod, reading the volume");
    assertTrue(
        h.output(loadA.getKey(), "s01/X.npy").isPresent(), "the data was read and committed");
    assertEquals(1, digestJobs().size(), h.cluster.created.toString());
    List<VolumeDigests.Result> answers = answers();
    assertEquals(1, answers.size());
    assertFalse(answers.get(0).reused(), "the first digest hashes the content");
    assertEquals(3, answers.get(0).files());
    // The same digest a local run computes for the same files: the key does not depend on where
    // the data is mounted.
    assertEquals(new DataDigests(null, null).digest(data), answers.get(0).digest());

    // A second pipeline on the same, unchanged data: its digest Job lists the data and reuses the
    // stored digest (no content read), and eeg.load is reused.
    Pipeline b = h.await(apply("second", data), "Succeeded", WAIT);
    assertEquals("Reused", stage(b, "load").getState());
    assertEquals(loadA.getKey(), stage(b, "load").getKey());
    assertEquals(2, digestJobs().size());
    answers = answers();
    assertTrue(answers.get(1).reused(), "an unchanged listing is not hashed again: " + answers);
    assertEquals(answers.get(0).digest(), answers.get(1).digest());
    long loadJobs = h.cluster.created.stream().filter(n -> n.endsWith("-analysis")).count();
    assertEquals(1, loadJobs, "eeg.load ran once: " + h.cluster.created);

    // Reapplying the first pipeline unchanged asks for nothing: same generation, same answer.
    apply("first", data);
    h.await("first", "Succeeded", WAIT);

    // A file changed in place (same size, new content and mtime): a new key, and the stage reruns.
    Path x = volume.resolve("study/s01/X.npy");
    FileTime before = Files.getLastModifiedTime(x);
    epochs(volume.resolve("study"), 100.0);
    Files.setLastModifiedTime(x, FileTime.fromMillis(before.toMillis() + 5000));
    Pipeline c = h.await(apply("third", data), "Succeeded", WAIT);
    assertEquals("Succeeded", stage(c, "load").getState());
    assertNotEquals(loadA.getKey(), stage(c, "load").getKey());
    answers = answers();
    assertEquals(3, answers.size());
    assertFalse(answers.get(2).reused(), "a changed listing is hashed");
    assertNotEquals(answers.get(0).digest(), answers.get(2).digest());
    assertEquals(3, digestJobs().size());
  }

  String apply(String name, String data) {
    h.apply(doc(name, hostVolume(), data));
    return name;
  }

  @Test
  void volumesTheChartDoesNotAllowMakeThePipelineInvalidSayingWhichValueToSet() throws Exception {
    h.apply(
        doc(
            "refused",
            "[{name: eeg, mountPath: /data/eeg, hostPath: {path: /srv/elsewhere}},"
                + " {name: more, mountPath: /data/more, persistentVolumeClaim: {claimName: other}},"
                + " {name: ok, mountPath: /data/ok, persistentVolumeClaim: {claimName: recordings}}]",
            "/data/eeg/study"));
    Pipeline p = h.await("refused", "Invalid", WAIT);
    String m = p.getStatus().getMessage();
    assertTrue(
        m.contains("spec.volumes[0] (eeg): hostPath /srv/elsewhere is not allowed by the operator")
            && m.contains("data.allowedHostPaths (now: " + allowed + ")"),
        m);
    assertTrue(
        m.contains("spec.volumes[1] (more): persistentVolumeClaim other is not allowed")
            && m.contains("data.allowedClaims (now: recordings)"),
        m);
    assertFalse(m.contains("(ok)"), m);
    // A '..' cannot reach outside the allowed folder: the path must be clean.
    h.apply(
        doc(
            "dots",
            "[{name: eeg, mountPath: /data/eeg, hostPath: {path: " + allowed + "/../../etc}}]",
            "/data/eeg/study"));
    assertTrue(
        h.await("dots", "Invalid", WAIT).getStatus().getMessage().contains("not a clean path"));
    assertTrue(digestJobs().isEmpty(), "no Job for a refused pipeline: " + h.cluster.created);
  }

  @Test
  void missingDataOnTheVolumeMakesThePipelineInvalidWithTheDigestJobsWords() throws Exception {
    h.apply(doc("missing", hostVolume(), volume.resolve("nothing-here").toString()));
    Pipeline p = h.await("missing", "Invalid", WAIT);
    String m = p.getStatus().getMessage();
    assertTrue(
        m.contains("stage 'load': params.path: the digest of " + volume.resolve("nothing-here"))
            && m.contains("no file or folder at " + volume.resolve("nothing-here")),
        m);
    assertEquals(1, digestJobs().size());
    assertTrue(
        h.cluster.created.stream().noneMatch(n -> n.endsWith("-analysis")),
        "no stage ran: " + h.cluster.created);
  }
}

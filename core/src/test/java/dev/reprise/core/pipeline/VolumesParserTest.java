package dev.reprise.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.method.MethodRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spec.volumes}: what a valid one gives, and every mistake said by field. */
class VolumesParserTest {
  @TempDir Path tmp;

  private Pipeline parse(String volumes, String dataPath, boolean cluster) throws Exception {
    Path f = tmp.resolve("p.yaml");
    Files.writeString(
        f,
        """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: vols}
        spec:
          volumes:
        %s
          stages:
            - {name: d, method: test.data, params: {path: "%s"}}
        """
            .formatted(volumes.indent(4).stripTrailing(), dataPath));
    return new PipelineParser(MethodRegistry.discover(), cluster).parse(f);
  }

  private List<String> problems(String volumes, String dataPath, boolean cluster) {
    InvalidPipelineException e =
        assertThrows(InvalidPipelineException.class, () -> parse(volumes, dataPath, cluster));
    return e.problems().stream().map(Problem::toString).toList();
  }

  private static void assertHas(List<String> problems, String... fragments) {
    assertTrue(
        problems.stream().anyMatch(p -> List.of(fragments).stream().allMatch(p::contains)),
        "expected a problem containing " + List.of(fragments) + " in " + problems);
  }

  @Test
  void onTheClusterAPathOnAVolumeIsNotLookedForOnThisMachine() throws Exception {
    Pipeline p =
        parse(
            """
            - {name: eeg, mountPath: /data/eeg, hostPath: {path: /srv/eeg}}
            - {name: more, mountPath: /data/more, persistentVolumeClaim: {claimName: recordings}}
            """,
            "/data/eeg/subject-01",
            true);
    assertEquals(
        List.of(
            new DataVolume("eeg", "/data/eeg", null, "/srv/eeg"),
            new DataVolume("more", "/data/more", "recordings", null)),
        p.volumes());
    assertEquals("eeg", p.volumeOf("/data/eeg/subject-01").orElseThrow().name());
    assertEquals("subject-01", p.volumes().get(0).relative("/data/eeg/subject-01").orElseThrow());
    assertEquals("", p.volumes().get(0).relative("/data/eeg").orElseThrow());
    // No '..' trick takes a path off the volume, nor a sibling with the same prefix onto it.
    assertTrue(p.volumeOf("/data/eeg/../more/x").orElseThrow().name().equals("more"));
    assertTrue(p.volumeOf("/data/eeg2").isEmpty());
    assertEquals("hostPath:/srv/eeg", p.volumes().get(0).identity("ns"));
    assertEquals("pvc:ns/recordings", p.volumes().get(1).identity("ns"));
  }

  @Test
  void runHereAPathOnAVolumeIsReadAsWrittenAndAMissingOneSaysWhy() throws Exception {
    // Not under /tmp, which a volume may not hide (a clone of the repository may be there).
    Path target = Path.of("target").toAbsolutePath();
    Path data =
        Files.createTempDirectory(target.startsWith("/tmp") ? Path.of("/var/tmp") : target, "eeg");
    try {
      Pipeline p =
          parse(
              "- {name: eeg, mountPath: " + data + ", hostPath: {path: /srv/eeg}}",
              data.toString(),
              false);
      assertEquals(1, p.volumes().size());
    } finally {
      Files.delete(data);
    }
    assertHas(
        problems(
            "- {name: eeg, mountPath: /data/eeg, hostPath: {path: /srv/eeg}}",
            "/data/eeg/x",
            false),
        "params.path",
        "no file or folder at /data/eeg/x",
        "volume 'eeg' (hostPath /srv/eeg), which only Kubernetes mounts");
  }

  @Test
  void eachVolumeNeedsExactlyOneSourceAndAnAbsoluteCleanMountPath() {
    List<String> ps =
        problems(
            """
            - {name: both, mountPath: /data/a, hostPath: {path: /srv/a}, persistentVolumeClaim: {claimName: c}}
            - {name: none, mountPath: /data/b}
            - {name: rel, mountPath: data/c, hostPath: {path: /srv/c}}
            - {name: dots, mountPath: /data/../etc/x, hostPath: {path: /srv/d}}
            - {name: hides, mountPath: /opt, hostPath: {path: /srv/e}}
            - {name: inside, mountPath: /data/a/inner, hostPath: {path: /srv/f}}
            - {name: Bad_Name, mountPath: /data/g, hostPath: {path: /srv/g}}
            - {name: hostrel, mountPath: /data/h, hostPath: {path: srv/h}}
            - {name: hostdots, mountPath: /data/i, hostPath: {path: /srv/../etc}}
            - {name: claim, mountPath: /data/j, persistentVolumeClaim: {claimName: Not_A_Name}}
            - {name: dup, mountPath: /data/k, hostPath: {path: /srv/k}}
            - {name: dup, mountPath: /data/l, hostPath: {path: /srv/l}}
            - {name: extra, mountPath: /data/m, hostPath: {path: /srv/m}, readOnly: false}
            """,
            "/data/k/x",
            true);
    assertHas(ps, "spec.volumes[0]", "exactly one source");
    assertHas(ps, "spec.volumes[1]", "exactly one source");
    assertHas(ps, "spec.volumes[2].mountPath", "'data/c' is not absolute");
    assertHas(ps, "spec.volumes[3].mountPath", "not a clean path", "write /etc/x");
    assertHas(ps, "spec.volumes[4].mountPath", "would hide or sit inside /opt/reprise");
    assertHas(ps, "spec.volumes[6].name", "'Bad_Name'");
    assertHas(ps, "spec.volumes[7].hostPath.path", "'srv/h' is not absolute");
    assertHas(ps, "spec.volumes[8].hostPath.path", "not a clean path", "write /etc");
    assertHas(ps, "spec.volumes[9].persistentVolumeClaim", "expected {claimName");
    assertHas(ps, "spec.volumes[11].name", "duplicate volume name 'dup'");
    assertHas(ps, "spec.volumes[12].readOnly", "unknown field");
  }

  @Test
  void mountPathsDoNotNest() {
    assertHas(
        problems(
            """
            - {name: a, mountPath: /data, hostPath: {path: /srv/a}}
            - {name: b, mountPath: /data/b, hostPath: {path: /srv/b}}
            """,
            "/data/x",
            true),
        "spec.volumes[1].mountPath",
        "overlaps the mountPath /data of volume a");
  }
}

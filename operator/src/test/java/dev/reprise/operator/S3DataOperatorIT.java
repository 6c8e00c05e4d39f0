package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.gc.Progress;
import dev.reprise.core.key.DataDigests;
import dev.reprise.core.key.KeyComponents;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.DataPush;
import dev.reprise.core.store.S3Data;
import dev.reprise.core.store.Stores;
import dev.reprise.operator.crd.Pipeline;
import dev.reprise.worker.cli.Reprise;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eeg.load} from {@code s3://} on the cluster: the operator digests the data on S3 for the
 * key, and the worker pods fetch it.
 */
class S3DataOperatorIT {
  OperatorHarness h;
  @TempDir Path tmp;

  @BeforeEach
  void start() throws Exception {
    h = new OperatorHarness(4);
    h.s3.createBucket("data");
    h.startOperator();
  }

  @AfterEach
  void stop() throws Exception {
    h.close();
  }

  @Test
  void aPipelineLoadingEpochsFromS3Succeeds() throws Exception {
    Path synth =
        Files.writeString(
            tmp.resolve("synth.yaml"),
            """
            apiVersion: reprise.dev/v1alpha1
            kind: Pipeline
            metadata: {name: synth}
            spec:
              stages:
                - name: epochs
                  method: eeg.synthesize
                  params: {subjects: 2, trialsPerClass: 5, channels: 3, sfreq: 50, tmin: -0.1, tmax: 0.5, seed: 9}
            """);
    String local = tmp.resolve("local").toString();
    Path epochs = tmp.resolve("epochs");
    assertEquals(0, Reprise.execute("run", synth.toString(), "--store", local, "--quiet"));
    assertEquals(
        0,
        Reprise.execute(
            "export",
            synth.toString(),
            "--stage",
            "epochs",
            "--to",
            epochs.toString(),
            "--store",
            local));
    try (S3Data data = new S3Data(h.s3.settings())) {
      new DataPush(data, 4, false).push(epochs, "s3://data/eeg", Progress.NONE, n -> {});
    }

    h.apply(
        """
        apiVersion: reprise.dev/v1alpha1
        kind: Pipeline
        metadata: {name: from-s3}
        spec:
          stages:
            - {name: load, method: eeg.load, params: {path: "s3://data/eeg"}, slices: 2}
            - {name: clean, method: eeg.preprocess, inputs: {epochs: load}, params: {decimate: 2}}
        """);
    Pipeline p = h.await("from-s3", "Succeeded", PipelineOperatorIT.WAIT);
    assertEquals(List.of("Succeeded", "Succeeded"), PipelineOperatorIT.states(p));

    String key = PipelineOperatorIT.stage(p, "load").getKey();
    try (BlobStore blobs = Stores.open(h.store, h.s3.settings());
        ArtifactStore store = new ArtifactStore(blobs, tmp.resolve("blobs"))) {
      // The operator keyed the data by content: as the local folder it was pushed from.
      KeyComponents c = KeyComponents.fromJson(store.readTask(key).orElseThrow().components());
      assertEquals(new DataDigests(null, null).digest(epochs.toString()), c.data().get("path"));
      for (String f : List.of("info.json", "sub-01/X.npy", "sub-02/y.npy")) {
        assertArrayEquals(
            Files.readAllBytes(epochs.resolve(f)),
            blobs.read("stages/" + key + "/outputs/" + f).orElseThrow(),
            f);
      }
    }
    assertTrue(
        h.cluster.podLogs.stream()
            .anyMatch(l -> l.contains("s3://data/eeg: 6 objects, each fetched")),
        String.join("\n---\n", h.cluster.podLogs));
  }
}

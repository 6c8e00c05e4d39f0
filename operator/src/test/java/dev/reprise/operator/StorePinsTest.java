package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.gc.GarbageCollector;
import dev.reprise.core.gc.Progress;
import dev.reprise.core.gc.RetentionPolicy;
import dev.reprise.core.gc.StoreInventory;
import dev.reprise.core.store.JsonCodec;
import dev.reprise.operator.crd.Pipeline;
import dev.reprise.operator.crd.PipelineSpec;
import dev.reprise.operator.crd.PipelineStatus;
import dev.reprise.operator.crd.StageStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live Pipelines' keys pinned in their store, and gc keeping them. */
class StorePinsTest {
  @TempDir Path tmp;

  static Pipeline pipeline(String store, String... keys) {
    Pipeline p = new Pipeline();
    PipelineSpec spec = new PipelineSpec();
    spec.setStore(store);
    p.setSpec(spec);
    PipelineStatus status = new PipelineStatus();
    status.setStages(
        java.util.Arrays.stream(keys)
            .map(
                k -> {
                  StageStatus s = new StageStatus();
                  s.setKey(k);
                  return s;
                })
            .toList());
    p.setStatus(status);
    return p;
  }

  @Test
  void everyLivePipelinesKeysArePinnedInItsStoreAndGcKeepsThem() throws Exception {
    String a = "file:" + tmp.resolve("a");
    String b = "file:" + tmp.resolve("b");
    String k1 = "1".repeat(64);
    String k2 = "2".repeat(64);
    String k3 = "3".repeat(64);
    Map<String, Set<String>> keys =
        StorePins.keysByStore(
            List.of(pipeline(null, k1), pipeline(b, k2), pipeline("", k3)), a, a, List.of());
    // The one with an empty store names none and is left out (it is Invalid).
    assertEquals(Map.of(a, Set.of(k1), b, Set.of(k2)), keys);

    try (StoreAccess stores = new StoreAccess(null, false)) {
      StorePins pins = new StorePins();
      pins.update(stores, keys);
      var blobs = stores.store(a).blobs();
      StoreInventory.PinFile written =
          JsonCodec.read(
              blobs.read(StorePins.NAME).orElseThrow(), StoreInventory.PinFile.class, "pin");
      assertEquals(List.of(k1), written.keys());

      // A committed result under k1 and one under k3: gc with nothing else to keep keeps k1.
      for (String k : List.of(k1, k3)) {
        blobs.write("stages/" + k + "/manifest.json", "{}".getBytes());
        blobs.write("stages/" + k + "/outputs/x", "x".getBytes());
      }
      GarbageCollector gc = new GarbageCollector(blobs, Progress.NONE);
      StoreInventory inv = StoreInventory.scan(blobs, Progress.NONE);
      GarbageCollector.Outcome out =
          gc.collect(
              inv,
              gc.plan(
                  inv, new RetentionPolicy(0, 0, Set.of(), null, Duration.ZERO), Instant.now()));
      assertEquals(List.of(k3), out.deleted().stream().map(d -> d.key()).toList());
      assertTrue(blobs.read("stages/" + k1 + "/manifest.json").isPresent());

      // The Pipeline is deleted: store a keeps nothing pinned any more.
      pins.update(stores, Map.of(b, Set.of(k2)));
      written =
          JsonCodec.read(
              blobs.read(StorePins.NAME).orElseThrow(), StoreInventory.PinFile.class, "pin");
      assertEquals(List.of(), written.keys());
    }
  }
}

package dev.reprise.operator;

import dev.reprise.core.RepriseException;
import dev.reprise.core.exec.Planner.PlannedStage;
import dev.reprise.core.gc.StoreInventory;
import dev.reprise.core.store.JsonCodec;
import dev.reprise.core.store.Stores;
import dev.reprise.operator.crd.Pipeline;
import dev.reprise.operator.crd.StageStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Pins the keys of every Pipeline in the cluster in its store ({@code pins/operator.json}), so that
 * {@code reprise gc} keeps what live Pipelines use. Rewritten only when the set changes.
 */
final class StorePins {
  static final String NAME = StoreInventory.PINS + "operator.json";

  /** Store URI to the keys last written there. */
  private final Map<String, Set<String>> written = new HashMap<>();

  /**
   * The keys each store must keep: every key in the status of every live Pipeline, plus the keys
   * just planned for one of them (which its status does not show yet).
   */
  static Map<String, Set<String>> keysByStore(
      Collection<Pipeline> live,
      String defaultStore,
      String plannedStore,
      List<PlannedStage> planned) {
    Map<String, Set<String>> keys = new TreeMap<>();
    for (Pipeline p : live) {
      String store =
          p.getSpec() != null && p.getSpec().getStore() != null
              ? p.getSpec().getStore()
              : defaultStore;
      String uri;
      try {
        uri = Stores.normalise(store);
      } catch (RepriseException e) {
        continue; // no store, or one it cannot name: that Pipeline is Invalid and uses none
      }
      Set<String> set = keys.computeIfAbsent(uri, s -> new TreeSet<>());
      if (p.getStatus() != null && p.getStatus().getStages() != null) {
        for (StageStatus s : p.getStatus().getStages()) {
          if (s.getKey() != null) {
            set.add(s.getKey());
          }
        }
      }
    }
    Set<String> set = keys.computeIfAbsent(Stores.normalise(plannedStore), s -> new TreeSet<>());
    for (PlannedStage p : planned) {
      if (p.key() != null) {
        set.add(p.key());
      }
    }
    return keys;
  }

  /** Writes the pins of every store whose set changed; before Jobs that read them are created. */
  synchronized void update(StoreAccess stores, Map<String, Set<String>> keysByStore) {
    for (Map.Entry<String, Set<String>> e : keysByStore.entrySet()) {
      if (!e.getValue().equals(written.get(e.getKey()))) {
        StoreInventory.PinFile pin =
            new StoreInventory.PinFile(
                "reprise-operator", Instant.now().toString(), new ArrayList<>(e.getValue()));
        stores.store(e.getKey()).blobs().write(NAME, JsonCodec.write(pin));
        written.put(e.getKey(), Set.copyOf(e.getValue()));
      }
    }
    // A store no live Pipeline uses any more keeps nothing pinned.
    for (String uri : new ArrayList<>(written.keySet())) {
      if (!keysByStore.containsKey(uri) && !written.get(uri).isEmpty()) {
        stores
            .store(uri)
            .blobs()
            .write(
                NAME,
                JsonCodec.write(
                    new StoreInventory.PinFile(
                        "reprise-operator", Instant.now().toString(), List.of())));
        written.put(uri, Set.of());
      }
    }
  }
}

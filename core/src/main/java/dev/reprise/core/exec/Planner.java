package dev.reprise.core.exec;

import dev.reprise.core.key.KeyComponents;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.Stage;
import dev.reprise.core.store.ArtifactStore;
import dev.reprise.core.store.Location;
import dev.reprise.core.store.Manifest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A dry run: which stages the store already holds and which would run. A stage downstream of one
 * that runs is {@link StageState#PENDING}: its key depends on what its upstream will produce (if
 * the upstream output comes out byte-identical, it will still be reused).
 */
public final class Planner {
  /**
   * @param key null when PENDING
   * @param components null when PENDING
   * @param manifest the committed result when REUSED
   * @param slicesDone committed slices of a stage that will RUN (they will be reused)
   * @param waitingOn the upstream stages a PENDING stage waits for
   */
  public record PlannedStage(
      Stage stage,
      StageState state,
      String key,
      KeyComponents components,
      Manifest manifest,
      int slicesDone,
      List<String> waitingOn,
      String damage) {
    public PlannedStage(
        Stage stage,
        StageState state,
        String key,
        KeyComponents components,
        Manifest manifest,
        int slicesDone,
        List<String> waitingOn) {
      this(stage, state, key, components, manifest, slicesDone, waitingOn, null);
    }
  }

  private final ArtifactStore store;
  private final StageResolver resolver;
  private final boolean countSlices;

  public Planner(ArtifactStore store, StageResolver resolver) {
    this(store, resolver, true);
  }

  /**
   * @param countSlices whether to read the manifest of every slice of a stage that will run; a
   *     caller that learns slice progress elsewhere (the operator, from its Jobs) skips those reads
   *     and gets {@code slicesDone} 0
   */
  public Planner(ArtifactStore store, StageResolver resolver, boolean countSlices) {
    this.store = store;
    this.resolver = resolver;
    this.countSlices = countSlices;
  }

  public List<PlannedStage> plan(Pipeline pipeline) {
    Map<String, PlannedStage> planned = new TreeMap<>();
    List<PlannedStage> out = new ArrayList<>();
    for (Stage stage : pipeline.stages()) {
      Map<String, String> digests = new TreeMap<>();
      List<String> waiting = new ArrayList<>();
      for (Map.Entry<String, String> in : stage.inputs().entrySet()) {
        PlannedStage up = planned.get(in.getValue());
        if (up.state() == StageState.REUSED) {
          digests.put(in.getKey(), up.manifest().digest());
        } else if (!waiting.contains(up.stage().name())) {
          waiting.add(up.stage().name());
        }
      }
      PlannedStage p =
          waiting.isEmpty()
              ? decide(stage, digests)
              : new PlannedStage(stage, StageState.PENDING, null, null, null, 0, waiting);
      planned.put(stage.name(), p);
      out.add(p);
    }
    return out;
  }

  /**
   * The decision for one stage whose inputs are committed: its key, and whether the store holds its
   * result intact (REUSED) or it must run (RUN; {@code damage} says why a stored result cannot be
   * used). The local executor asks this too, so {@code plan} and {@code run} cannot drift.
   *
   * @param inputDigests input name to the upstream result's output digest
   */
  public PlannedStage decide(Stage stage, Map<String, String> inputDigests) {
    return decide(stage, resolver.components(stage, inputDigests));
  }

  /** As above, for a stage whose key components are already computed. */
  public PlannedStage decide(Stage stage, KeyComponents c) {
    String key = c.key();
    ArtifactStore.Committed verdict = store.committed(Location.stage(key));
    if (verdict.intact()) {
      return new PlannedStage(
          stage, StageState.REUSED, key, c, verdict.manifest(), stage.slices(), List.of());
    }
    int done = 0;
    for (int i = 0; countSlices && i < stage.slices(); i++) {
      if (store.manifest(Location.slice(key, i)).isPresent()) {
        done++;
      }
    }
    return new PlannedStage(stage, StageState.RUN, key, c, null, done, List.of(), verdict.damage());
  }
}

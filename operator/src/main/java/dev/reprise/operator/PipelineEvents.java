package dev.reprise.operator;

import dev.reprise.operator.crd.Pipeline;
import dev.reprise.operator.crd.PipelineStatus;
import dev.reprise.operator.crd.StageStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/** The events a status change deserves (decided purely), and their recording. */
public final class PipelineEvents {
  private static final Logger LOG = Logger.getLogger(PipelineEvents.class);

  /** One event to record on the pipeline. */
  public record Notice(String type, String reason, String message) {}

  private PipelineEvents() {}

  /** Phase changes, and stages that failed since the previous status. */
  public static List<Notice> between(PipelineStatus previous, PipelineStatus next) {
    List<Notice> out = new ArrayList<>();
    Map<String, StageStatus> before = new HashMap<>();
    if (previous != null && previous.getStages() != null) {
      previous.getStages().forEach(s -> before.put(s.getName(), s));
    }
    for (StageStatus s : next.getStages()) {
      StageStatus b = before.get(s.getName());
      boolean wasFailed =
          b != null
              && PipelineProgress.FAILED.equals(b.getState())
              && s.getKey() != null
              && s.getKey().equals(b.getKey());
      if (PipelineProgress.FAILED.equals(s.getState()) && !wasFailed) {
        out.add(
            new Notice(
                "Warning", "StageFailed", "stage '" + s.getName() + "' failed: " + s.getMessage()));
      }
    }
    var stuck = PipelineProgress.condition(next, PipelineProgress.STUCK);
    var wasStuck = PipelineProgress.condition(previous, PipelineProgress.STUCK);
    if (stuck != null && (wasStuck == null || !stuck.getMessage().equals(wasStuck.getMessage()))) {
      out.add(new Notice("Warning", "StageStuck", stuck.getMessage()));
    }
    if (PipelineProgress.cannotPlan(next)
        && !(PipelineProgress.cannotPlan(previous)
            && next.getMessage().equals(previous.getMessage()))) {
      out.add(new Notice("Warning", PipelineProgress.CANNOT_PLAN, next.getMessage()));
    }
    String was = previous == null ? null : previous.getPhase();
    boolean newGeneration =
        previous == null || !next.getObservedGeneration().equals(previous.getObservedGeneration());
    if (!next.getPhase().equals(was)
        || (newGeneration && PipelineProgress.INVALID.equals(next.getPhase()))) {
      boolean bad =
          PipelineProgress.FAILED.equals(next.getPhase())
              || PipelineProgress.INVALID.equals(next.getPhase());
      out.add(
          new Notice(bad ? "Warning" : "Normal", next.getPhase(), PipelineProgress.summary(next)));
    }
    return out;
  }

  /**
   * Records the event, best-effort: an event the API server refuses (a quota on events, a namespace
   * being deleted) is logged and never stops the reconcile.
   */
  static void record(KubernetesClient client, Pipeline p, Notice n, Instant now) {
    try {
      create(client, p, n, now);
    } catch (KubernetesClientException e) {
      LOG.warnf(
          "event %s on pipeline %s/%s not recorded: %s",
          n.reason(), p.getMetadata().getNamespace(), p.getMetadata().getName(), e.getMessage());
    }
  }

  private static void create(KubernetesClient client, Pipeline p, Notice n, Instant now) {
    Event e =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                p.getMetadata().getName()
                    + "."
                    + UUID.randomUUID().toString().substring(0, 13).replace("-", ""))
            .withNamespace(p.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(Pipeline.API_VERSION)
            .withKind("Pipeline")
            .withName(p.getMetadata().getName())
            .withNamespace(p.getMetadata().getNamespace())
            .withUid(p.getMetadata().getUid())
            .withResourceVersion(p.getMetadata().getResourceVersion())
            .endInvolvedObject()
            .withType(n.type())
            .withReason(n.reason())
            .withMessage(n.message())
            .withCount(1)
            .withFirstTimestamp(now.toString())
            .withLastTimestamp(now.toString())
            .withNewSource()
            .withComponent(StageJobs.OPERATOR)
            .endSource()
            .build();
    client.v1().events().inNamespace(p.getMetadata().getNamespace()).resource(e).create();
  }
}

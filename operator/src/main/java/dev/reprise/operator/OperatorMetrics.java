package dev.reprise.operator;

import dev.reprise.operator.crd.Pipeline;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** What the operator counts: pipelines by phase, stages reused and ran, time saved, reconciles. */
public final class OperatorMetrics {
  private final MeterRegistry registry;
  private final Counter reused;
  private final Counter ran;
  private final Counter saved;
  private final Timer reconcile;

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.reused =
        Counter.builder("reprise.stages.reused")
            .description("Stages found in the store instead of run")
            .register(registry);
    this.ran =
        Counter.builder("reprise.stages.ran")
            .description("Stages computed by Jobs")
            .register(registry);
    this.saved =
        Counter.builder("reprise.reuse.saved.seconds")
            .description("Computation seconds not repeated thanks to reuse")
            .register(registry);
    this.reconcile =
        Timer.builder("reprise.reconcile")
            .description("Time to reconcile one pipeline")
            .register(registry);
  }

  /** Counts pipelines by {@code status.phase} from the operator's cache whenever scraped. */
  void countPipelines(Supplier<Stream<Pipeline>> pipelines) {
    // A gauge keeps the function it was first registered with. Quarkus hands out a registry that
    // outlives the application (a second start in one JVM, as in tests, would read the first
    // one's stopped cache), so a new cache replaces any earlier gauge.
    registry.find("reprise.pipelines").gauges().forEach(registry::remove);
    for (String phase :
        List.of(
            PipelineProgress.PENDING,
            PipelineProgress.RUNNING,
            PipelineProgress.SUCCEEDED,
            PipelineProgress.FAILED,
            PipelineProgress.INVALID)) {
      Gauge.builder(
              "reprise.pipelines",
              () ->
                  pipelines
                      .get()
                      .filter(p -> p.getStatus() != null && phase.equals(p.getStatus().getPhase()))
                      .count())
          .description("Pipelines by phase")
          .tag("phase", phase)
          .register(registry);
    }
  }

  void stages(int newlyReused, int newlyRan, double savedSeconds) {
    reused.increment(newlyReused);
    ran.increment(newlyRan);
    saved.increment(savedSeconds);
  }

  Timer reconcileTimer() {
    return reconcile;
  }
}

package dev.reprise.operator;

import dev.reprise.core.exec.Planner.PlannedStage;
import dev.reprise.core.method.Phase;
import dev.reprise.core.pipeline.Problem;
import dev.reprise.operator.crd.PipelineCondition;
import dev.reprise.operator.crd.PipelineStatus;
import dev.reprise.operator.crd.StageStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where a pipeline stands and what to start next, computed from what was observed: the plan (what
 * the store holds), the Jobs that exist, and the previous status. A pure function of its inputs;
 * the reconciler does the reading and the writing.
 */
public final class PipelineProgress {
  public static final String PENDING = "Pending";
  public static final String RUNNING = "Running";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";
  public static final String INVALID = "Invalid";
  public static final String REUSED = "Reused";
  public static final String READY = "Ready";
  public static final String STALLED = "Stalled";

  /** Condition: a running stage's pods cannot start (true only; absent otherwise). */
  public static final String STUCK = "Stuck";

  /** Reason of the {@value #STUCK} condition. */
  public static final String PODS_STUCK = "PodsStuck";

  /** Reason of the conditions (and the event) while the operator cannot plan. */
  public static final String CANNOT_PLAN = "CannotPlan";

  /** A stage message holds at most this many characters (the end of a log is what matters). */
  static final int MESSAGE_CHARS = 1024;

  /**
   * All stage messages together hold at most this many characters; later ones are cut to {@link
   * #SHORT_MESSAGE_CHARS}, so 200 stages with 63-character names stay well under 64 KiB.
   */
  static final int MESSAGES_BUDGET = 12 * 1024;

  static final int SHORT_MESSAGE_CHARS = 80;

  /** A Job to create: one phase of a stage that must run. */
  public record NextJob(PlannedStage stage, Phase phase) {}

  /**
   * @param status the new status (compare with the old one before patching)
   * @param toCreate Jobs that do not exist yet and are needed now
   * @param newlyReused stages found in the store for the first time in this generation
   * @param newlyRan stages whose Jobs finished and committed since the last status
   * @param newlySavedSeconds computation the newly reused stages did not repeat
   */
  public record Result(
      PipelineStatus status,
      List<NextJob> toCreate,
      int newlyReused,
      int newlyRan,
      double newlySavedSeconds) {}

  private PipelineProgress() {}

  /**
   * @param generation the resource's metadata.generation
   * @param plan the core planner's verdict per stage, in run order
   * @param jobs the operator's Jobs in the pipeline's namespace, by name
   * @param preparedKeys keys whose prepare phase is committed although its Job is gone
   * @param previous the status as last written, or null
   * @param failureDetail what a failed Job's pods said (called only for a newly failed stage)
   * @param now the time for conditions that change
   */
  public static Result compute(
      long generation,
      List<PlannedStage> plan,
      Map<String, Job> jobs,
      Set<String> preparedKeys,
      PipelineStatus previous,
      Function<Job, String> failureDetail,
      Instant now) {
    return compute(generation, plan, jobs, preparedKeys, previous, failureDetail, job -> null, now);
  }

  /**
   * As above; {@code waitingDetail} says why a running Job's pods do not start (an image that
   * cannot be pulled, a missing Secret, no node with room), or null when nothing is stuck: it
   * becomes the running stage's message.
   */
  public static Result compute(
      long generation,
      List<PlannedStage> plan,
      Map<String, Job> jobs,
      Set<String> preparedKeys,
      PipelineStatus previous,
      Function<Job, String> failureDetail,
      Function<Job, String> waitingDetail,
      Instant now) {
    boolean sameGeneration =
        previous != null
            && previous.getObservedGeneration() != null
            && previous.getObservedGeneration() == generation;
    Map<String, StageStatus> before = new HashMap<>();
    if (previous != null && previous.getStages() != null) {
      previous.getStages().forEach(s -> before.put(s.getName(), s));
    }
    List<StageStatus> stages = new ArrayList<>();
    Map<String, String> states = new HashMap<>();
    List<NextJob> toCreate = new ArrayList<>();
    List<String> stuck = new ArrayList<>();
    int newlyReused = 0;
    int newlyRan = 0;
    double saved = 0;
    double newlySaved = 0;
    for (PlannedStage p : plan) {
      String name = p.stage().name();
      StageStatus prev = before.get(name);
      boolean sameKey = prev != null && p.key() != null && p.key().equals(prev.getKey());
      StageStatus s = new StageStatus(name, PENDING);
      s.setKey(p.key());
      s.setSlices(p.stage().slices());
      s.setSlicesDone(0);
      switch (p.state()) {
        case PENDING -> {
          List<String> failed =
              p.waitingOn().stream().filter(u -> FAILED.equals(states.get(u))).toList();
          s.setMessage(
              failed.isEmpty()
                  ? "waiting for " + String.join(", ", p.waitingOn())
                  : "upstream stage "
                      + failed.stream().map(f -> "'" + f + "'").collect(Collectors.joining(", "))
                      + " failed");
        }
        case REUSED -> {
          s.setSlicesDone(p.stage().slices());
          boolean ranForUs =
              sameKey
                  && (RUNNING.equals(prev.getState())
                      || (SUCCEEDED.equals(prev.getState()) && sameGeneration));
          if (ranForUs) {
            s.setState(SUCCEEDED);
            s.setSeconds(
                SUCCEEDED.equals(prev.getState()) && prev.getSeconds() != null
                    ? prev.getSeconds()
                    : seconds(jobs, p));
            if (!SUCCEEDED.equals(prev.getState())) {
              newlyRan++;
            }
          } else {
            s.setState(REUSED);
            saved += p.manifest().seconds();
            if (!(sameGeneration && sameKey && REUSED.equals(prev.getState()))) {
              newlyReused++;
              newlySaved += p.manifest().seconds();
            }
          }
        }
        case RUN ->
            running(
                p,
                s,
                prev,
                sameKey,
                sameGeneration,
                jobs,
                preparedKeys,
                failureDetail,
                waitingDetail,
                toCreate,
                stuck);
        default -> throw new IllegalStateException("the planner does not return " + p.state());
      }
      s.setMessage(clip(s.getMessage()));
      states.put(name, s.getState());
      stages.add(s);
    }
    int budget = MESSAGES_BUDGET;
    for (StageStatus s : stages) {
      if (s.getMessage() != null) {
        if (s.getMessage().length() > budget) {
          s.setMessage(
              s.getMessage().substring(0, Math.min(s.getMessage().length(), SHORT_MESSAGE_CHARS)));
        }
        budget = Math.max(0, budget - s.getMessage().length());
      }
    }

    PipelineStatus status = new PipelineStatus();
    status.setObservedGeneration(generation);
    status.setStages(stages);
    long done =
        stages.stream()
            .filter(s -> REUSED.equals(s.getState()) || SUCCEEDED.equals(s.getState()))
            .count();
    status.setProgress(done + "/" + stages.size());
    status.setReused((int) stages.stream().filter(s -> REUSED.equals(s.getState())).count());
    status.setRan((int) stages.stream().filter(s -> SUCCEEDED.equals(s.getState())).count());
    status.setSavedSeconds(Math.round(saved * 1000) / 1000.0);
    List<StageStatus> failed = stages.stream().filter(s -> FAILED.equals(s.getState())).toList();
    boolean running = stages.stream().anyMatch(s -> RUNNING.equals(s.getState()));
    String phase;
    if (!failed.isEmpty()) {
      // Stages already running go on (their results are reused by a retry); Failed, which is
      // final, waits for them.
      phase = running ? RUNNING : FAILED;
      status.setMessage(
          clip(
              failed.stream()
                  .map(f -> "stage '" + f.getName() + "' failed: " + f.getMessage())
                  .collect(Collectors.joining("\n"))));
    } else if (done == stages.size()) {
      phase = SUCCEEDED;
    } else if (running) {
      phase = RUNNING;
    } else {
      phase = PENDING;
    }
    status.setPhase(phase);
    List<PipelineCondition> conditions =
        conditions(phase, summary(status), generation, previous, now);
    if (!stuck.isEmpty()) {
      conditions.add(
          condition(STUCK, true, PODS_STUCK, String.join("\n", stuck), generation, previous, now));
    }
    status.setConditions(conditions);
    return new Result(status, toCreate, newlyReused, newlyRan, newlySaved);
  }

  /** A stage the store does not hold: follow its phases' Jobs, in order. */
  private static void running(
      PlannedStage p,
      StageStatus s,
      StageStatus prev,
      boolean sameKey,
      boolean sameGeneration,
      Map<String, Job> jobs,
      Set<String> preparedKeys,
      Function<Job, String> failureDetail,
      Function<Job, String> waitingDetail,
      List<NextJob> toCreate,
      List<String> stuck) {
    s.setState(RUNNING);
    // Failed is final for this generation: its Jobs are deleted after their TTL (and may be
    // deleted by hand), and that must not start the stage again; a spec change does.
    boolean failedBefore = sameGeneration && sameKey && FAILED.equals(prev.getState());
    for (Phase phase : Phase.values()) {
      if (!p.stage().method().spec().has(phase)) {
        continue;
      }
      Job job = jobs.get(StageJobs.name(p.key(), phase));
      if (job == null) {
        if (phase == Phase.PREPARE && preparedKeys.contains(p.key())) {
          continue;
        }
        if (failedBefore) {
          s.setState(FAILED);
          s.setMessage(prev.getMessage());
          s.setJob(prev.getJob());
          s.setJobUid(prev.getJobUid());
          return;
        }
        toCreate.add(new NextJob(p, phase));
        return;
      }
      if (phase == Phase.ANALYSIS) {
        int succeeded =
            job.getStatus() == null || job.getStatus().getSucceeded() == null
                ? 0
                : job.getStatus().getSucceeded();
        s.setSlicesDone(Math.min(p.stage().slices(), succeeded));
      }
      if (hasCondition(job, "Failed")) {
        s.setState(FAILED);
        s.setJob(job.getMetadata().getName());
        s.setJobUid(job.getMetadata().getUid());
        s.setMessage(
            sameKey && FAILED.equals(prev.getState()) && prev.getMessage() != null
                ? prev.getMessage()
                : phase.wireName() + " failed: " + failureDetail.apply(job));
        return;
      }
      if (!hasCondition(job, "Complete")) {
        String why = waitingDetail.apply(job);
        s.setMessage(why);
        if (why != null) {
          stuck.add("stage '" + p.stage().name() + "': " + why);
        }
        return;
      }
    }
    // Every Job completed, yet the store (read after the Jobs) has no result: say so, do not loop.
    s.setState(FAILED);
    s.setMessage(
        "its Jobs completed but result " + p.key().substring(0, 12) + " is not in the store");
  }

  /** The status of a pipeline whose document is invalid: the problems, no stages, no Jobs. */
  public static PipelineStatus invalid(
      long generation,
      int stageCount,
      List<Problem> problems,
      PipelineStatus previous,
      Instant now) {
    PipelineStatus status = new PipelineStatus();
    status.setObservedGeneration(generation);
    status.setPhase(INVALID);
    status.setProgress("0/" + stageCount);
    status.setReused(0);
    status.setRan(0);
    status.setSavedSeconds(0.0);
    status.setMessage(
        clip(problems.stream().map(PipelineProgress::describe).collect(Collectors.joining("\n"))));
    status.setConditions(conditions(INVALID, status.getMessage(), generation, previous, now));
    return status;
  }

  /**
   * The status while the operator cannot plan (the store refuses or is out of reach, an input's
   * data cannot be read): the previous status, whose stages are still true, with the reason in the
   * message and a Stalled condition (reason {@value #CANNOT_PLAN}) until planning works again.
   */
  public static PipelineStatus cannotPlan(
      long generation, int stageCount, String why, PipelineStatus previous, Instant now) {
    PipelineStatus status = new PipelineStatus();
    if (previous != null) {
      status.setPhase(previous.getPhase());
      status.setStages(previous.getStages());
      status.setProgress(previous.getProgress());
      status.setReused(previous.getReused());
      status.setRan(previous.getRan());
      status.setSavedSeconds(previous.getSavedSeconds());
    }
    if (status.getPhase() == null || status.getPhase().equals(INVALID)) {
      status.setPhase(PENDING);
      status.setStages(List.of());
      status.setProgress("0/" + stageCount);
      status.setReused(0);
      status.setRan(0);
      status.setSavedSeconds(0.0);
    }
    status.setObservedGeneration(generation);
    status.setMessage(clip("cannot plan: " + why));
    List<PipelineCondition> conditions = new ArrayList<>();
    conditions.add(
        condition(READY, false, CANNOT_PLAN, status.getMessage(), generation, previous, now));
    conditions.add(
        condition(STALLED, true, CANNOT_PLAN, status.getMessage(), generation, previous, now));
    status.setConditions(conditions);
    return status;
  }

  /**
   * True if the status is final for {@code generation}: Succeeded, Failed or Invalid, with nothing
   * left running. Such a pipeline is not planned again (its store is not read, its stages' code not
   * re-keyed) until its spec changes or a retry is asked for.
   */
  public static boolean isFinal(PipelineStatus s, long generation) {
    return s != null
        && s.getObservedGeneration() != null
        && s.getObservedGeneration() == generation
        && (SUCCEEDED.equals(s.getPhase())
            || FAILED.equals(s.getPhase())
            || INVALID.equals(s.getPhase()))
        && !cannotPlan(s);
  }

  /** The condition of {@code type} in the status, or null. */
  static PipelineCondition condition(PipelineStatus s, String type) {
    if (s == null || s.getConditions() == null) {
      return null;
    }
    return s.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  /** True if the status says the operator could not plan. */
  static boolean cannotPlan(PipelineStatus s) {
    return s != null
        && s.getConditions() != null
        && s.getConditions().stream()
            .anyMatch(c -> STALLED.equals(c.getType()) && CANNOT_PLAN.equals(c.getReason()));
  }

  /** "stage 'decode': params.folds: ..." (the file is the resource itself, so it is left out). */
  public static String describe(Problem p) {
    StringBuilder sb = new StringBuilder();
    if (p.stage() != null) {
      sb.append("stage '").append(p.stage()).append("': ");
    }
    if (p.field() != null) {
      sb.append(p.field()).append(": ");
    }
    return sb.append(p.message()).toString();
  }

  /** One line for events and the Ready condition. */
  public static String summary(PipelineStatus s) {
    if (s.getMessage() != null) {
      return s.getMessage();
    }
    return s.getProgress()
        + " stages done: "
        + s.getReused()
        + " reused, "
        + s.getRan()
        + " ran; "
        + String.format(java.util.Locale.ROOT, "%.1f", s.getSavedSeconds())
        + " s saved by reuse";
  }

  static boolean hasCondition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return false;
    }
    for (JobCondition c : job.getStatus().getConditions()) {
      if (type.equals(c.getType()) && "True".equals(c.getStatus())) {
        return true;
      }
    }
    return false;
  }

  /**
   * From the first of the stage's Jobs starting to the last finishing, when they are still there.
   */
  private static Double seconds(Map<String, Job> jobs, PlannedStage p) {
    Instant first = null;
    Instant last = null;
    for (Phase phase : Phase.values()) {
      Job j = jobs.get(StageJobs.name(p.key(), phase));
      if (j == null
          || j.getStatus() == null
          || j.getStatus().getStartTime() == null
          || j.getStatus().getCompletionTime() == null) {
        continue;
      }
      Instant start = Instant.parse(j.getStatus().getStartTime());
      Instant end = Instant.parse(j.getStatus().getCompletionTime());
      first = first == null || start.isBefore(first) ? start : first;
      last = last == null || end.isAfter(last) ? end : last;
    }
    return first == null ? null : Duration.between(first, last).toMillis() / 1000.0;
  }

  static List<PipelineCondition> conditions(
      String phase, String message, long generation, PipelineStatus previous, Instant now) {
    List<PipelineCondition> out = new ArrayList<>();
    out.add(condition(READY, SUCCEEDED.equals(phase), phase, message, generation, previous, now));
    out.add(
        condition(
            STALLED,
            FAILED.equals(phase) || INVALID.equals(phase),
            phase,
            message,
            generation,
            previous,
            now));
    return out;
  }

  private static PipelineCondition condition(
      String type,
      boolean value,
      String reason,
      String message,
      long generation,
      PipelineStatus previous,
      Instant now) {
    PipelineCondition c =
        new PipelineCondition(type, value ? "True" : "False", reason, clip(message));
    c.setObservedGeneration(generation);
    c.setLastTransitionTime(now.toString());
    if (previous != null && previous.getConditions() != null) {
      for (PipelineCondition old : previous.getConditions()) {
        if (type.equals(old.getType())
            && c.getStatus().equals(old.getStatus())
            && old.getLastTransitionTime() != null) {
          c.setLastTransitionTime(old.getLastTransitionTime());
        }
      }
    }
    return c;
  }

  /** Keeps the end of a long message: the last log lines say why a pod failed. */
  static String clip(String message) {
    if (message == null || message.length() <= MESSAGE_CHARS) {
      return message;
    }
    int cut = message.indexOf('\n');
    String head = cut > 0 && cut < 200 ? message.substring(0, cut + 1) : "";
    return head + "..." + message.substring(message.length() - (MESSAGE_CHARS - head.length() - 3));
  }
}

package dev.reprise.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** The operator's account of a pipeline: small on purpose (per-slice detail stays in the store). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PipelineStatus {
  @JsonPropertyDescription(
      "The metadata.generation this status describes; older than metadata.generation while the"
          + " operator has not yet looked at a change to spec.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Pending, Running, Succeeded (every stage reused or computed), Failed (a stage failed; see"
          + " message) or Invalid (the spec was rejected; see message).")
  private String phase;

  @JsonPropertyDescription("Finished stages (reused or succeeded) out of all, e.g. 3/5.")
  private String progress;

  @JsonPropertyDescription(
      "Stages whose results were already in the store when this generation was planned.")
  private Integer reused;

  @JsonPropertyDescription("Stages computed by Jobs for this generation.")
  private Integer ran;

  @JsonPropertyDescription(
      "Seconds of computation the reused stages did not have to repeat: their recorded run times"
          + " added up.")
  private Double savedSeconds;

  @JsonPropertyDescription(
      "Why the pipeline is Invalid (every problem, with its stage and field) or Failed (the failed"
          + " stages); absent otherwise.")
  private String message;

  @JsonPropertyDescription(
      "One entry per stage, upstream stages before the stages reading them; empty while the"
          + " pipeline is Invalid.")
  private List<StageStatus> stages = new ArrayList<>();

  @JsonPropertyDescription(
      "For kubectl wait and other tools: Ready (the pipeline succeeded), Stalled (it cannot"
          + " progress: Invalid or Failed) and, while a stage's pods cannot start, Stuck (which"
          + " stage, which pod, and why).")
  private List<PipelineCondition> conditions = new ArrayList<>();

  @JsonPropertyDescription(
      "The value of the annotation reprise.dev/retry this status answers. Setting the annotation"
          + " to a new value retries a finished pipeline: its failed Jobs are deleted and it is"
          + " planned again.")
  private String retry;

  public String getRetry() {
    return retry;
  }

  public void setRetry(String retry) {
    this.retry = retry;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public String getProgress() {
    return progress;
  }

  public void setProgress(String progress) {
    this.progress = progress;
  }

  public Integer getReused() {
    return reused;
  }

  public void setReused(Integer reused) {
    this.reused = reused;
  }

  public Integer getRan() {
    return ran;
  }

  public void setRan(Integer ran) {
    this.ran = ran;
  }

  public Double getSavedSeconds() {
    return savedSeconds;
  }

  public void setSavedSeconds(Double savedSeconds) {
    this.savedSeconds = savedSeconds;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public List<StageStatus> getStages() {
    return stages;
  }

  public void setStages(List<StageStatus> stages) {
    this.stages = stages;
  }

  public List<PipelineCondition> getConditions() {
    return conditions;
  }

  public void setConditions(List<PipelineCondition> conditions) {
    this.conditions = conditions;
  }
}

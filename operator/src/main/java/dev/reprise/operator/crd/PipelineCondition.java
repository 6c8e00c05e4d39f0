package dev.reprise.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A Kubernetes-style condition whose lastTransitionTime moves only when its status does. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PipelineCondition {
  @JsonPropertyDescription("The condition: Ready or Stalled.")
  private String type;

  @JsonPropertyDescription("Whether the condition holds: True, False or Unknown.")
  private String status;

  @JsonPropertyDescription("When this condition's status last changed (RFC 3339).")
  private String lastTransitionTime;

  @JsonPropertyDescription("The metadata.generation the condition was computed for.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "A one-word reason: the pipeline's phase (e.g. Running), or CannotPlan while the store or an"
          + " input's data cannot be read.")
  private String reason;

  @JsonPropertyDescription(
      "For people: a summary of progress and reuse, or why the pipeline is Invalid, Failed or"
          + " cannot be planned.")
  private String message;

  public PipelineCondition() {}

  public PipelineCondition(String type, String status, String reason, String message) {
    this.type = type;
    this.status = status;
    this.reason = reason;
    this.message = message;
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}

package dev.reprise.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Where one stage stands. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StageStatus {
  @JsonPropertyDescription("The stage's name, as in spec.stages[].name.")
  private String name;

  @JsonPropertyDescription(
      "Pending (waiting for upstream stages), Reused (the result was already in the store),"
          + " Running, Succeeded (computed by Jobs) or Failed (see message).")
  private String state;

  @JsonPropertyDescription(
      "The stage's key (SHA-256) in the store; absent while an upstream stage has not finished.")
  private String key;

  @JsonPropertyDescription("Slices of the analysis phase committed to the store so far.")
  private Integer slicesDone;

  @JsonPropertyDescription("How many slices the analysis phase has in all.")
  private Integer slices;

  @JsonPropertyDescription(
      "Wall-clock seconds from the stage's first Job starting to its last finishing; set once the"
          + " stage has been computed, absent for a reused stage.")
  private Double seconds;

  @JsonPropertyDescription(
      "What the stage waits for, or why it failed (with the failing pod's last log lines).")
  private String message;

  @JsonPropertyDescription("The Job that failed, when the stage failed.")
  private String job;

  @JsonPropertyDescription("The uid of the Job that failed (Jobs of a later retry have others).")
  private String jobUid;

  public String getJob() {
    return job;
  }

  public void setJob(String job) {
    this.job = job;
  }

  public String getJobUid() {
    return jobUid;
  }

  public void setJobUid(String jobUid) {
    this.jobUid = jobUid;
  }

  public StageStatus() {}

  public StageStatus(String name, String state) {
    this.name = name;
    this.state = state;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getState() {
    return state;
  }

  public void setState(String state) {
    this.state = state;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public Integer getSlicesDone() {
    return slicesDone;
  }

  public void setSlicesDone(Integer slicesDone) {
    this.slicesDone = slicesDone;
  }

  public Integer getSlices() {
    return slices;
  }

  public void setSlices(Integer slices) {
    this.slices = slices;
  }

  public Double getSeconds() {
    return seconds;
  }

  public void setSeconds(Double seconds) {
    this.seconds = seconds;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}

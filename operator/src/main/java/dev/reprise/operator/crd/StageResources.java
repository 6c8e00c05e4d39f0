package dev.reprise.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What each pod of a stage requests. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StageResources {
  @JsonPropertyDescription(
      "CPU per pod as a Kubernetes quantity (default \"1\"); the maths libraries' thread counts are set to it.")
  private String cpu;

  @JsonPropertyDescription(
      "Memory per pod as a Kubernetes quantity, e.g. 2Gi; also the pod's memory limit.")
  private String memory;

  public String getCpu() {
    return cpu;
  }

  public void setCpu(String cpu) {
    this.cpu = cpu;
  }

  public String getMemory() {
    return memory;
  }

  public void setMemory(String memory) {
    this.memory = memory;
  }
}

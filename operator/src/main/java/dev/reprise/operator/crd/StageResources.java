package dev.reprise.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What each pod of a stage requests. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StageResources {
  @JsonPropertyDescription(
      "CPU requested by each pod, as a Kubernetes quantity such as \"2\" or 500m. Default: \"1\"."
          + " The maths libraries run one thread per whole CPU requested (at least one).")
  private String cpu;

  @JsonPropertyDescription(
      "Memory requested by each pod, as a Kubernetes quantity such as 2Gi; also the pod's memory"
          + " limit. Default: no request and no limit.")
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

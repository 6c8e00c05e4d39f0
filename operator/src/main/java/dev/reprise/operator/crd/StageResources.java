package dev.reprise.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What each pod of a stage requests. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StageResources {
  @JsonPropertyDescription(
      "CPU requested by each pod, as a Kubernetes quantity such as \"2\" or 500m. Default: the"
          + " operator's worker CPU (the chart's worker.cpu, \"1\"). The maths libraries run one"
          + " thread per whole CPU requested (at least one).")
  private String cpu;

  @JsonPropertyDescription(
      "Memory requested by each pod, as a Kubernetes quantity such as 2Gi; also the pod's memory"
          + " limit, of which the JVM takes 75% as heap. Default: the operator's worker memory (the"
          + " chart's worker.memory, 1Gi; none when the operator runs without the chart).")
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

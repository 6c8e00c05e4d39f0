package dev.reprise.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** What a pipeline computes: its stages, where results go and how many slices run at once. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PipelineSpec {
  @JsonPropertyDescription(
      "Where stage results are stored, as a URI such as s3://bucket/prefix. Default: the operator's"
          + " store (its REPRISE_STORE setting).")
  private String store;

  @JsonPropertyDescription(
      "At most this many slices of one stage run at once (the parallelism of its analysis Job)."
          + " Default: all of a stage's slices at once. Changing it changes no key.")
  @Min(1)
  private Integer parallelism;

  @JsonPropertyDescription(
      "The stages, listed in any order: each runs once the stages its inputs name have finished.")
  @Required
  @Size(min = 1)
  private List<StageSpec> stages;

  @JsonPropertyDescription(
      "Data volumes mounted read-only in the stages' pods (a PersistentVolumeClaim or a hostPath"
          + " folder), each at its mountPath; path parameters under a mountPath name data on the"
          + " volume. Run locally, such paths are read as written.")
  private List<DataVolumeSpec> volumes;

  public String getStore() {
    return store;
  }

  public void setStore(String store) {
    this.store = store;
  }

  public Integer getParallelism() {
    return parallelism;
  }

  public void setParallelism(Integer parallelism) {
    this.parallelism = parallelism;
  }

  public List<StageSpec> getStages() {
    return stages;
  }

  public void setStages(List<StageSpec> stages) {
    this.stages = stages;
  }

  public List<DataVolumeSpec> getVolumes() {
    return volumes;
  }

  public void setVolumes(List<DataVolumeSpec> volumes) {
    this.volumes = volumes;
  }
}

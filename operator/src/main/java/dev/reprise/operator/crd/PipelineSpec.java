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
      "Store URI for results, e.g. s3://bucket/prefix; default: the operator's configured store.")
  private String store;

  @JsonPropertyDescription(
      "Most slices of one stage running at once (the analysis Job's parallelism); not part of any key.")
  @Min(1)
  private Integer parallelism;

  @JsonPropertyDescription("The stages, in any order; a stage's inputs name upstream stages.")
  @Required
  @Size(min = 1)
  private List<StageSpec> stages;

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
}

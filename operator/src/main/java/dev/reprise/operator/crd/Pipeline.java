package dev.reprise.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The {@code Pipeline} custom resource: the same document {@code reprise run} takes locally, with
 * the operator's account of it in {@code status}.
 */
@Group("reprise.dev")
@Version("v1alpha1")
@ShortNames("rpl")
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING,
    getDescription = "Pending, Running, Succeeded, Failed or Invalid.")
@AdditionalPrinterColumn(
    name = "Stages",
    jsonPath = ".status.progress",
    type = AdditionalPrinterColumn.Type.STRING,
    getDescription = "Finished stages (reused or succeeded) out of all, e.g. 3/5.")
@AdditionalPrinterColumn(
    name = "Reused",
    jsonPath = ".status.reused",
    type = AdditionalPrinterColumn.Type.INTEGER,
    getDescription = "Stages taken from the store instead of being computed again.")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE,
    getDescription = "Time since the pipeline was created.")
public class Pipeline extends CustomResource<PipelineSpec, PipelineStatus> implements Namespaced {
  public static final String GROUP = "reprise.dev";
  public static final String API_VERSION = "reprise.dev/v1alpha1";

  // Overridden only to describe spec and status in the CRD (kubectl explain, the reference), and
  // to have the API server reject a Pipeline without spec, as the operator would.
  @Override
  @Required
  @JsonPropertyDescription(
      "What the pipeline computes: its stages, where results go and how many slices run at once;"
          + " the same document 'reprise run' takes on the command line.")
  public PipelineSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "Written by the operator: where the pipeline and each stage stand, and what was reused.")
  public PipelineStatus getStatus() {
    return super.getStatus();
  }
}

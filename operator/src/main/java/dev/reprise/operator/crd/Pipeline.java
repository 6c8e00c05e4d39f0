package dev.reprise.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
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
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Stages",
    jsonPath = ".status.progress",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Reused",
    jsonPath = ".status.reused",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class Pipeline extends CustomResource<PipelineSpec, PipelineStatus> implements Namespaced {
  public static final String GROUP = "reprise.dev";
  public static final String API_VERSION = "reprise.dev/v1alpha1";
}

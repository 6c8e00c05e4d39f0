package dev.reprise.operator;

import static dev.reprise.operator.PipelineOperatorIT.states;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.operator.crd.Pipeline;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The plain manifests ({@code kubectl apply -k k8s}) on a real control plane of their own: the
 * server accepts every object, and the operator, holding a token of the manifests' ServiceAccount,
 * runs a pipeline to Succeeded with exactly the RBAC they grant.
 */
@Tag(TestingControlPlane.TAG)
class KustomizeInstallIT {
  @Test
  void kubectlApplyKInstallsAnOperatorThatRunsAPipeline() {
    try (TestingControlPlane cluster =
        TestingControlPlane.start("kustomize", Map.of("REPRISE_INSTALL", "kustomize"))) {
      String applied =
          TestingControlPlane.tail(cluster.dir.resolve("logs/kubectl-apply-k.log"), 50);
      for (String object :
          List.of(
              "customresourcedefinition.apiextensions.k8s.io/pipelines.reprise.dev created",
              "serviceaccount/reprise-operator created",
              "clusterrole.rbac.authorization.k8s.io/reprise-operator created",
              "clusterrolebinding.rbac.authorization.k8s.io/reprise-operator created",
              "deployment.apps/reprise-operator created")) {
        assertTrue(applied.contains(object), object + " in:\n" + applied);
      }
      String ns = cluster.namespace();
      cluster.apply(ns, PipelineOperatorIT.doc("sums", "{}"));
      Pipeline p = cluster.await(ns, "sums", "Succeeded", RealClusterIT.WAIT);
      assertEquals(List.of("Succeeded", "Succeeded", "Succeeded"), states(p));
    }
  }
}

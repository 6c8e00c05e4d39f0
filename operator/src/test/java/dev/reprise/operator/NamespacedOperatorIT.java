package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The operator installed for given namespaces ({@code operator.watchNamespaces}): it runs and fails
 * pipelines there with nothing but the chart's namespaced Role, and asks nothing of the cluster as
 * a whole.
 */
@QuarkusTest
@WithTestResource(
    value = TestingKubernetes.class,
    initArgs = @ResourceArg(name = TestingKubernetes.NAMESPACED, value = "true"))
class NamespacedOperatorIT {
  @Test
  void theOperatorWatchingOneNamespaceNeedsOnlyTheRoleTheChartGrantsThere() throws Exception {
    OperatorHarness h = TestingKubernetes.harness;
    h.apply(PipelineOperatorIT.doc("sums", "{}"));
    h.await("sums", "Succeeded", PipelineOperatorIT.WAIT);
    PipelineOperatorIT.failOnInvalidData(h, "broken");

    assertEquals(Set.of(), h.usage.clusterWide(), "requests outside the watched namespace");
    var rendered = TestingHelm.render(Map.of("operator.watchNamespaces", List.of(h.namespace)));
    assertEquals(List.of(), ChartTest.of(rendered, ClusterRole.class));
    List<Role> roles = ChartTest.of(rendered, Role.class);
    assertEquals(1, roles.size());
    assertEquals(h.namespace, roles.get(0).getMetadata().getNamespace());
    assertEquals(
        TestingHelm.grants(roles.get(0).getRules()),
        h.usage.used(),
        "granted in the namespace by charts/reprise (left) and used by the operator");
  }
}

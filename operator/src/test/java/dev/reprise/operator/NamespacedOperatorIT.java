package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    List<Role> roles =
        ChartTest.of(rendered, Role.class).stream()
            .filter(r -> !r.getMetadata().getName().endsWith("-leader"))
            .toList();
    assertEquals(1, roles.size());
    assertEquals(h.namespace, roles.get(0).getMetadata().getNamespace());
    // Every request is granted there; QuarkusOperatorIT shows that every grant is used (these
    // rules are the ClusterRole's, ChartTest checks).
    Set<String> granted = TestingHelm.grants(roles.get(0).getRules());
    assertTrue(
        granted.containsAll(h.usage.used()),
        "used by the operator " + h.usage.used() + ", granted in the namespace " + granted);
  }
}

package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart as Helm renders it: lint-clean, objects Kubernetes can read, least privilege, no
 * root, the generated CRD, images from the build, and plain manifests under k8s/ that say the same.
 * With {@code -Dreprise.manifests.update=true} it rewrites those manifests from the chart.
 */
class ChartTest {
  static final Map<String, Object> DEFAULTS = Map.of();

  /** Every option on: bundled MinIO, two watched namespaces, a ServiceMonitor, users' jars. */
  static final Map<String, Object> EVERYTHING =
      Map.of(
          "minio.enabled",
          true,
          "operator.watchNamespaces",
          List.of("lab-a", "lab-b"),
          "metrics.serviceMonitor.enabled",
          true,
          "methods.configMap",
          "lab-methods",
          "minio.rootPassword",
          "a-password-for-tests");

  static final String ROLE = "arn:aws:iam::111122223333:role/reprise-store";

  /** The store reached through the pods' identity: no keys Secret, IRSA, a worker account. */
  static final Map<String, Object> IDENTITY =
      Map.of(
          "store.credentialsSecret",
          "",
          "serviceAccount.annotations",
          Map.of("eks.amazonaws.com/role-arn", ROLE),
          "worker.serviceAccount",
          "reprise-worker",
          "store.webIdentity.roleArn",
          ROLE,
          "operator.watchNamespaces",
          List.of("lab-a"),
          "gc.enabled",
          true);

  /** The values k8s/minio is rendered with. */
  static final Map<String, Object> MINIO =
      Map.of("minio.enabled", true, "minio.rootPassword", "change-me-reprise");

  static final Path MANIFESTS = Path.of("../k8s");
  static final boolean UPDATE = Boolean.getBoolean("reprise.manifests.update");

  /** Labels only Helm's rendering has; the plain manifests leave them out. */
  static final Set<String> HELM_LABELS = Set.of("helm.sh/chart", "app.kubernetes.io/managed-by");

  @Test
  void helmLintFindsNothingToWarnAbout() {
    LintResult lint = new Helm(TestingHelm.CHART).lint().strict().call();
    assertFalse(lint.isFailed(), lint.getMessages().toString());
    for (String m : lint.getMessages()) {
      assertFalse(m.contains("[WARNING]") || m.contains("[ERROR]"), m);
    }
  }

  @Test
  void everyRenderedObjectIsAKubernetesObjectWithNoFieldKubernetesWouldNotKnow() {
    for (Map<String, Object> values : List.of(DEFAULTS, EVERYTHING, IDENTITY)) {
      List<HasMetadata> objects = TestingHelm.render(values);
      assertFalse(objects.isEmpty());
      for (HasMetadata o : objects) {
        String what = o.getKind() + " " + o.getMetadata().getName() + " with " + values;
        assertNotNull(o.getMetadata().getName(), what);
        if (o instanceof GenericKubernetesResource) {
          // Only the Prometheus Operator's kind is outside Fabric8's model.
          assertEquals("ServiceMonitor", o.getKind(), what);
          continue;
        }
        List<String> unknown = new ArrayList<>();
        unknownFields(o, o.getKind(), unknown, new IdentityHashMap<>());
        assertEquals(List.of(), unknown, what + " has fields Kubernetes does not define");
      }
    }
  }

  @Test
  void everyContainerRunsAsNonRootOnAReadOnlyRootFileSystemWithResourceRequests() {
    for (Map<String, Object> values : List.of(DEFAULTS, EVERYTHING)) {
      List<Deployment> deployments = of(TestingHelm.render(values), Deployment.class);
      assertEquals(values.containsKey("minio.enabled") ? 2 : 1, deployments.size());
      for (Deployment d : deployments) {
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        PodSecurityContext psc = pod.getSecurityContext();
        for (Container c : pod.getContainers()) {
          String what = d.getMetadata().getName() + "/" + c.getName();
          var sc = c.getSecurityContext();
          boolean nonRoot =
              Boolean.TRUE.equals(sc != null ? sc.getRunAsNonRoot() : null)
                  || (psc != null && Boolean.TRUE.equals(psc.getRunAsNonRoot()));
          assertTrue(nonRoot, what + " must run as non-root");
          Long uid =
              sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser() : psc.getRunAsUser();
          assertTrue(uid != null && uid != 0, what + " runs as uid " + uid);
          assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), what);
          assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), what);
          assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), what);
          var requests = c.getResources().getRequests();
          assertTrue(
              requests != null && requests.containsKey("cpu") && requests.containsKey("memory"),
              what + " requests " + requests);
          assertTrue(
              c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")),
              what + " needs a writable /tmp on a read-only root");
        }
      }
    }
  }

  @Test
  void theOperatorIsProbedOnQuarkusHealthAndRunsOnceAtATime() {
    Deployment d = operatorDeployment(TestingHelm.render(DEFAULTS));
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath());
    assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath());
    assertEquals("/q/health/started", c.getStartupProbe().getHttpGet().getPath());
    assertEquals(8080, c.getPorts().get(0).getContainerPort());
    assertEquals(1, d.getSpec().getReplicas());
    assertEquals("Recreate", d.getSpec().getStrategy().getType());
  }

  @Test
  void aClusterRoleOnlyWhenWatchingEveryNamespaceAndRolesInEachWatchedOneOtherwise() {
    List<HasMetadata> all = TestingHelm.render(DEFAULTS);
    List<ClusterRole> clusterRoles = of(all, ClusterRole.class);
    assertEquals(1, clusterRoles.size());
    assertEquals(List.of(), pipelineRoles(all));
    ClusterRoleBinding binding = of(all, ClusterRoleBinding.class).get(0);
    assertEquals(clusterRoles.get(0).getMetadata().getName(), binding.getRoleRef().getName());
    assertEquals("ServiceAccount", binding.getSubjects().get(0).getKind());
    assertEquals(
        operatorDeployment(all).getSpec().getTemplate().getSpec().getServiceAccountName(),
        binding.getSubjects().get(0).getName());
    assertEquals(TestingHelm.NAMESPACE, binding.getSubjects().get(0).getNamespace());
    assertEquals(
        "JOSDK_ALL_NAMESPACES", config(all).getData().get("QUARKUS_OPERATOR_SDK_NAMESPACES"));
    Set<String> clusterWide = TestingHelm.grants(clusterRoles.get(0).getRules());
    assertNoWildcards(clusterWide);

    List<HasMetadata> some = TestingHelm.render(EVERYTHING);
    assertEquals(List.of(), of(some, ClusterRole.class));
    assertEquals(List.of(), of(some, ClusterRoleBinding.class));
    List<Role> roles = pipelineRoles(some);
    assertEquals(
        List.of("lab-a", "lab-b"),
        roles.stream().map(r -> r.getMetadata().getNamespace()).toList());
    for (Role r : roles) {
      assertEquals(clusterWide, TestingHelm.grants(r.getRules()), "the same rules, narrower");
    }
    List<RoleBinding> bindings =
        of(some, RoleBinding.class).stream()
            .filter(b -> !b.getMetadata().getName().endsWith("-leader"))
            .toList();
    assertEquals(2, bindings.size());
    for (RoleBinding b : bindings) {
      assertEquals(TestingHelm.NAMESPACE, b.getSubjects().get(0).getNamespace());
    }
    assertEquals("lab-a,lab-b", config(some).getData().get("QUARKUS_OPERATOR_SDK_NAMESPACES"));
  }

  /** Roles for Pipelines and Jobs: all but the leader election's. */
  private static List<Role> pipelineRoles(List<HasMetadata> all) {
    return of(all, Role.class).stream()
        .filter(r -> !r.getMetadata().getName().endsWith("-leader"))
        .toList();
  }

  /**
   * Leader election: one Lease, in the release namespace only, named as the operator looks for it;
   * several replicas replace one another one at a time, one replica is recreated.
   */
  @Test
  void replicasElectALeaderThroughOneLeaseInTheReleaseNamespace() {
    List<HasMetadata> all = TestingHelm.render(DEFAULTS);
    List<Role> leader =
        of(all, Role.class).stream()
            .filter(r -> r.getMetadata().getName().endsWith("-leader"))
            .toList();
    assertEquals(1, leader.size());
    assertEquals(TestingHelm.NAMESPACE, leader.get(0).getMetadata().getNamespace());
    String lease = config(all).getData().get("REPRISE_LEASE_NAME");
    assertEquals(
        Set.of(
            "coordination.k8s.io/leases/" + lease + " get",
            "coordination.k8s.io/leases/" + lease + " update",
            "coordination.k8s.io/leases/" + lease + " patch",
            "coordination.k8s.io/leases create"),
        leader.get(0).getRules().stream()
            .flatMap(
                r ->
                    r.getVerbs().stream()
                        .map(
                            v ->
                                r.getApiGroups().get(0)
                                    + "/"
                                    + r.getResources().get(0)
                                    + (r.getResourceNames().isEmpty()
                                        ? ""
                                        : "/" + r.getResourceNames().get(0))
                                    + " "
                                    + v))
            .collect(java.util.stream.Collectors.toSet()));
    RoleBinding binding =
        of(all, RoleBinding.class).stream()
            .filter(b -> b.getRoleRef().getName().equals(leader.get(0).getMetadata().getName()))
            .findFirst()
            .orElseThrow();
    assertEquals(
        operatorDeployment(all).getSpec().getTemplate().getSpec().getServiceAccountName(),
        binding.getSubjects().get(0).getName());
    assertEquals("Recreate", operatorDeployment(all).getSpec().getStrategy().getType());

    List<HasMetadata> two = TestingHelm.render(Map.of("operator", Map.of("replicas", 2)));
    assertEquals(2, operatorDeployment(two).getSpec().getReplicas());
    assertEquals("RollingUpdate", operatorDeployment(two).getSpec().getStrategy().getType());
    assertEquals(
        0,
        operatorDeployment(two)
            .getSpec()
            .getStrategy()
            .getRollingUpdate()
            .getMaxSurge()
            .getIntVal());
  }

  @Test
  void dataVolumesAreAllowedOnlyAsTheDataValuesSay() {
    Map<String, String> none = new LinkedHashMap<>(config(TestingHelm.render(DEFAULTS)).getData());
    none.put("AWS_ACCESS_KEY_ID", "ak");
    none.put("AWS_SECRET_ACCESS_KEY", "sk");
    assertEquals(DataVolumePolicy.NONE, OperatorSettings.fromEnvironment(none).volumes());
    Map<String, String> some =
        new LinkedHashMap<>(
            config(
                    TestingHelm.render(
                        Map.of(
                            "data.allowedClaims",
                            List.of("recordings", "lab-a/shared"),
                            "data.allowedHostPaths",
                            List.of("/srv/reprise-data"))))
                .getData());
    some.put("AWS_ACCESS_KEY_ID", "ak");
    some.put("AWS_SECRET_ACCESS_KEY", "sk");
    assertEquals(
        new DataVolumePolicy(List.of("recordings", "lab-a/shared"), List.of("/srv/reprise-data")),
        OperatorSettings.fromEnvironment(some).volumes());
  }

  @Test
  void theChartSetsOnlySettingsTheOperatorReads() {
    for (Map<String, Object> values : List.of(DEFAULTS, EVERYTHING, IDENTITY)) {
      List<HasMetadata> all = TestingHelm.render(values);
      Set<String> known = new HashSet<>(OperatorBeans.VARIABLES);
      known.addAll(Set.of("QUARKUS_OPERATOR_SDK_NAMESPACES", "QUARKUS_LOG_LEVEL"));
      Set<String> set = new TreeSet<>(config(all).getData().keySet());
      Container c =
          operatorDeployment(all).getSpec().getTemplate().getSpec().getContainers().get(0);
      c.getEnv().forEach(e -> set.add(e.getName()));
      for (String name : set) {
        assertTrue(known.contains(name), name + " is not a setting of the operator");
      }
      // And the settings parse as the operator parses them.
      Map<String, String> env = new LinkedHashMap<>(config(all).getData());
      env.put("AWS_ACCESS_KEY_ID", "ak");
      env.put("AWS_SECRET_ACCESS_KEY", "sk");
      OperatorSettings s = OperatorSettings.fromEnvironment(env);
      assertEquals("s3://reprise/artifacts", s.defaultStore());
      assertEquals("1", s.pods().cpu());
      assertEquals("1Gi", s.pods().memory());
    }
  }

  @Test
  void workerPodsArePlacedAsTheValuesSay() {
    Map<String, String> config =
        config(
                TestingHelm.render(
                    Map.of(
                        "worker.nodeSelector", Map.of("pool", "batch"),
                        "worker.tolerations",
                            List.of(
                                Map.of(
                                    "key", "spot", "operator", "Exists", "effect", "NoSchedule")),
                        "worker.imagePullSecrets", List.of("registry-login"))))
            .getData();
    Map<String, String> env = new LinkedHashMap<>(config);
    env.put("AWS_ACCESS_KEY_ID", "ak");
    env.put("AWS_SECRET_ACCESS_KEY", "sk");
    WorkerPods pods = OperatorSettings.fromEnvironment(env).pods();
    assertEquals(Map.of("pool", "batch"), pods.nodeSelector());
    assertEquals("spot", pods.tolerations().get(0).getKey());
    assertEquals("NoSchedule", pods.tolerations().get(0).getEffect());
    assertEquals(List.of("registry-login"), pods.pullSecrets());
  }

  @Test
  void theBundledMinioIsTheStoreWithOneSecretForItsAccountAndTheStoresKeys() {
    List<HasMetadata> all = TestingHelm.render(EVERYTHING);
    Map<String, String> config = config(all).getData();
    assertEquals("http://reprise-minio.reprise.svc:9000", config.get("REPRISE_S3_ENDPOINT"));
    assertEquals("true", config.get("REPRISE_CREATE_BUCKET"));
    assertEquals("lab-methods", config.get("REPRISE_METHODS_CONFIGMAP"));
    List<Secret> secrets = of(all, Secret.class);
    assertEquals(
        List.of("reprise", "lab-a", "lab-b"),
        secrets.stream().map(s -> s.getMetadata().getNamespace()).toList(),
        "the operator's namespace and every namespace whose pods read the store");
    String password = "a-password-for-tests";
    for (Secret s : secrets) {
      assertEquals(config.get("REPRISE_CREDENTIALS_SECRET"), s.getMetadata().getName());
      assertEquals("reprise", decode(s.getData().get("AWS_ACCESS_KEY_ID")));
      assertEquals(password, decode(s.getData().get("AWS_SECRET_ACCESS_KEY")));
    }
    Deployment minio =
        of(all, Deployment.class).stream()
            .filter(d -> d.getMetadata().getName().equals("reprise-minio"))
            .findFirst()
            .orElseThrow();
    for (EnvVar e : minio.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
      if (e.getValueFrom() != null) {
        assertEquals(
            config.get("REPRISE_CREDENTIALS_SECRET"), e.getValueFrom().getSecretKeyRef().getName());
      }
    }
    PersistentVolumeClaim pvc = of(all, PersistentVolumeClaim.class).get(0);
    assertEquals("keep", pvc.getMetadata().getAnnotations().get("helm.sh/resource-policy"));
    assertTrue(
        of(all, GenericKubernetesResource.class).stream()
            .anyMatch(o -> o.getKind().equals("ServiceMonitor")));

    // Without MinIO and without keys, the chart creates no Secret: the user does.
    assertEquals(List.of(), of(TestingHelm.render(DEFAULTS), Secret.class));
  }

  @Test
  void givenKeysBecomeTheStoresSecretAndMissingOnesAreNamed() {
    List<Secret> secrets =
        of(
            TestingHelm.render(
                Map.of(
                    "store.createSecret", true,
                    "store.accessKeyId", "AKIA-EXAMPLE",
                    "store.secretAccessKey", "s3cr3t")),
            Secret.class);
    assertEquals(1, secrets.size());
    assertEquals("AKIA-EXAMPLE", decode(secrets.get(0).getData().get("AWS_ACCESS_KEY_ID")));
    assertEquals("s3cr3t", decode(secrets.get(0).getData().get("AWS_SECRET_ACCESS_KEY")));

    var noKeys =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class,
            () -> TestingHelm.render(Map.of("store.createSecret", true)));
    assertTrue(noKeys.getMessage().contains("store.accessKeyId"), noKeys.getMessage());
    var noPassword =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class, () -> TestingHelm.render(Map.of("minio.enabled", true)));
    assertTrue(noPassword.getMessage().contains("minio.rootPassword"), noPassword.getMessage());
  }

  @Test
  void withoutAKeysSecretThePodsIdentityReachesTheStoreAndOnlyAnStsTokenIsMounted() {
    List<HasMetadata> all = TestingHelm.render(IDENTITY);
    assertEquals(List.of(), of(all, Secret.class), "no keys anywhere");

    List<ServiceAccount> accounts = of(all, ServiceAccount.class);
    assertEquals(
        List.of("reprise/reprise-operator", "reprise/reprise-worker", "lab-a/reprise-worker"),
        accounts.stream()
            .map(a -> a.getMetadata().getNamespace() + "/" + a.getMetadata().getName())
            .toList(),
        "the workers' account wherever their pods run, gc's namespace included");
    for (ServiceAccount a : accounts) {
      assertEquals(
          Map.of("eks.amazonaws.com/role-arn", ROLE),
          a.getMetadata().getAnnotations(),
          a.getMetadata().getName());
      if (a.getMetadata().getName().equals("reprise-worker")) {
        assertEquals(Boolean.FALSE, a.getAutomountServiceAccountToken());
      }
    }

    Map<String, String> env = new LinkedHashMap<>(config(all).getData());
    assertEquals("", env.get("REPRISE_CREDENTIALS_SECRET"));
    OperatorSettings settings = OperatorSettings.fromEnvironment(env);
    assertEquals(null, settings.credentialsSecret());
    assertEquals(new PodIdentity("reprise-worker", ROLE, "sts.amazonaws.com"), settings.identity());

    PodSpec operator = operatorDeployment(all).getSpec().getTemplate().getSpec();
    assertWebIdentityOnly(operator, operator.getContainers().get(0));
    PodSpec gc =
        of(all, io.fabric8.kubernetes.api.model.batch.v1.CronJob.class)
            .get(0)
            .getSpec()
            .getJobTemplate()
            .getSpec()
            .getTemplate()
            .getSpec();
    assertEquals("reprise-worker", gc.getServiceAccountName());
    assertEquals(Boolean.FALSE, gc.getAutomountServiceAccountToken(), "no API token for gc");
    assertWebIdentityOnly(gc, gc.getContainers().get(0));

    // On EKS the webhook mounts the token for annotated accounts: the chart then mounts none.
    List<HasMetadata> eks =
        TestingHelm.render(
            Map.of(
                "store.credentialsSecret",
                "",
                "serviceAccount.annotations",
                Map.of("eks.amazonaws.com/role-arn", ROLE)));
    PodSpec plain = operatorDeployment(eks).getSpec().getTemplate().getSpec();
    assertTrue(plain.getVolumes().stream().allMatch(v -> v.getProjected() == null));
    assertEquals(
        List.of("REPRISE_LEASE_NAMESPACE", "REPRISE_POD_NAME"),
        plain.getContainers().get(0).getEnv().stream().map(e -> e.getName()).toList(),
        "neither keys nor a role: only the leader election's variables");
    assertFalse(config(eks).getData().containsKey("REPRISE_WEB_IDENTITY_ROLE_ARN"));
  }

  @Test
  void aSecretToCreateNeedsAName() {
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class,
            () ->
                TestingHelm.render(
                    Map.of(
                        "store.credentialsSecret", "",
                        "minio.enabled", true,
                        "minio.rootPassword", "a-password-for-tests")));
    assertTrue(e.getMessage().contains("store.credentialsSecret"), e.getMessage());
  }

  /** Web identity's variables and its STS-bound token, and no keys. */
  private static void assertWebIdentityOnly(PodSpec pod, Container c) {
    Map<String, EnvVar> env = new LinkedHashMap<>();
    c.getEnv().forEach(e -> env.put(e.getName(), e));
    assertFalse(env.containsKey("AWS_ACCESS_KEY_ID"), env.keySet().toString());
    assertEquals(ROLE, env.get("AWS_ROLE_ARN").getValue());
    assertEquals(StageJobs.TOKEN_DIR + "/token", env.get("AWS_WEB_IDENTITY_TOKEN_FILE").getValue());
    var token =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals(StageJobs.TOKEN_VOLUME))
            .findFirst()
            .orElseThrow()
            .getProjected()
            .getSources();
    assertEquals(1, token.size());
    assertEquals("sts.amazonaws.com", token.get(0).getServiceAccountToken().getAudience());
    assertEquals("token", token.get(0).getServiceAccountToken().getPath());
    var mount =
        c.getVolumeMounts().stream()
            .filter(m -> m.getName().equals(StageJobs.TOKEN_VOLUME))
            .findFirst()
            .orElseThrow();
    assertEquals(StageJobs.TOKEN_DIR, mount.getMountPath());
    assertTrue(mount.getReadOnly());
  }

  @Test
  void theChartsCrdIsTheGeneratedOne(@TempDir Path tmp) throws Exception {
    try (var files = Files.list(TestingHelm.CHART.resolve("crds"))) {
      assertEquals(
          List.of(CrdDriftTest.FILE),
          files.map(f -> f.getFileName().toString()).toList(),
          "Helm installs every file in crds/");
    }
    CustomResourceDefinition generated =
        TestingHelm.SERIALIZATION.unmarshal(
            CrdDriftTest.generate(tmp), CustomResourceDefinition.class);
    for (Path copy :
        List.of(
            TestingHelm.CHART.resolve("crds").resolve(CrdDriftTest.FILE),
            MANIFESTS.resolve("crds").resolve(CrdDriftTest.FILE))) {
      assertEquals(
          generated,
          TestingHelm.SERIALIZATION.unmarshal(
              Files.readString(copy), CustomResourceDefinition.class),
          copy + " (regenerate it as CrdDriftTest says)");
    }
  }

  @Test
  void imagesComeFromTheBuildsOnePlace() throws Exception {
    String registry = System.getProperty("reprise.image.registry");
    String tag = System.getProperty("reprise.image.tag");
    assertNotNull(registry, "surefire passes the root pom's reprise.image.registry");
    assertNotNull(tag, "surefire passes the root pom's reprise.image.tag");
    Map<?, ?> chart =
        new ObjectMapper(new YAMLFactory())
            .readValue(TestingHelm.CHART.resolve("Chart.yaml").toFile(), Map.class);
    assertEquals(tag, chart.get("appVersion"), "Chart.yaml's appVersion");
    List<HasMetadata> all = TestingHelm.render(DEFAULTS);
    assertEquals(
        registry + "/reprise-operator:" + tag,
        operatorDeployment(all)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getImage());
    assertEquals(
        registry + "/reprise-worker:" + tag, config(all).getData().get("REPRISE_WORKER_IMAGE"));
  }

  @Test
  void thePlainManifestsSayWhatTheChartRendersWithItsDefaults() throws Exception {
    List<HasMetadata> base = plain(TestingHelm.render(DEFAULTS));
    List<HasMetadata> minio = plain(TestingHelm.render(MINIO));
    Set<String> inBase = base.stream().map(ChartTest::id).collect(Collectors.toSet());
    List<HasMetadata> minioOnly =
        minio.stream().filter(o -> !inBase.contains(id(o))).collect(Collectors.toList());
    List<HasMetadata> minioConfig = List.of(config(minio));

    Map<Path, List<HasMetadata>> files = new LinkedHashMap<>();
    files.put(MANIFESTS.resolve("operator/operator.yaml"), base);
    files.put(MANIFESTS.resolve("minio/minio.yaml"), minioOnly);
    files.put(MANIFESTS.resolve("minio/operator-config.yaml"), minioConfig);
    List<String> drifted = new ArrayList<>();
    for (var f : files.entrySet()) {
      String expected = manifest(f.getValue());
      if (UPDATE) {
        Files.createDirectories(f.getKey().getParent());
        Files.writeString(f.getKey(), expected);
      } else if (!Files.exists(f.getKey())
          || !TestingHelm.parse(Files.readString(f.getKey())).equals(f.getValue())) {
        drifted.add(f.getKey().toString());
      }
    }
    assertEquals(
        List.of(),
        drifted,
        "the plain manifests differ from the chart; after changing the chart, regenerate them: "
            + "mvn -pl operator -am verify -Dtest=ChartTest -Dreprise.manifests.update=true "
            + "-Dsurefire.failIfNoSpecifiedTests=false");
    assertTrue(
        Files.readString(MANIFESTS.resolve("operator/kustomization.yaml"))
            .contains("operator.yaml"),
        "k8s/operator/kustomization.yaml lists operator.yaml");
  }

  /** The objects as the plain manifests hold them: without the labels only Helm sets. */
  private static List<HasMetadata> plain(List<HasMetadata> objects) {
    for (HasMetadata o : objects) {
      if (o.getMetadata().getLabels() != null) {
        HELM_LABELS.forEach(o.getMetadata().getLabels()::remove);
      }
    }
    return new ArrayList<>(objects);
  }

  private static String manifest(List<HasMetadata> objects) {
    StringBuilder out =
        new StringBuilder(
            "# Generated from charts/reprise by ChartTest (-Dreprise.manifests.update=true): edit\n"
                + "# the chart, then regenerate. Apply with kubectl apply -k k8s (or k8s/minio).\n");
    for (HasMetadata o : objects) {
      String yaml = TestingHelm.SERIALIZATION.asYaml(o);
      out.append(yaml.startsWith("---") ? yaml : "---\n" + yaml);
    }
    return out.toString();
  }

  private static String id(HasMetadata o) {
    return o.getKind() + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  @Test
  void theGcCronJobIsOffByDefaultAndRunsGcOnTheStoreAsNonRootWithoutAToken() {
    assertEquals(
        List.of(),
        of(TestingHelm.render(DEFAULTS), io.fabric8.kubernetes.api.model.batch.v1.CronJob.class));
    Map<String, Object> values =
        Map.of(
            "gc.enabled",
            true,
            "gc.keepLast",
            5,
            "gc.keepPipelines",
            List.of("eeg-decoding", "nightly"),
            "gc.maxSize",
            "200G",
            "minio.enabled",
            true,
            "minio.rootPassword",
            "a-password-for-tests");
    List<HasMetadata> objects = TestingHelm.render(values);
    List<io.fabric8.kubernetes.api.model.batch.v1.CronJob> cronJobs =
        of(objects, io.fabric8.kubernetes.api.model.batch.v1.CronJob.class);
    assertEquals(1, cronJobs.size());
    var cron = cronJobs.get(0);
    List<String> unknown = new ArrayList<>();
    unknownFields(cron, "CronJob", unknown, new IdentityHashMap<>());
    assertEquals(List.of(), unknown);
    assertEquals("Forbid", cron.getSpec().getConcurrencyPolicy());
    PodSpec pod = cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken());
    assertEquals(null, pod.getServiceAccountName(), "gc needs no account of its own");
    assertEquals(65532L, pod.getSecurityContext().getRunAsUser());
    Container c = pod.getContainers().get(0);
    assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem());
    assertTrue(c.getImage().contains("/reprise-worker:"), c.getImage());
    assertEquals(
        List.of(
            "gc",
            "--store",
            "s3://reprise/artifacts",
            "--keep-last",
            "5",
            "--keep-days",
            "30",
            "--keep-pipeline",
            "eeg-decoding",
            "--keep-pipeline",
            "nightly",
            "--max-size",
            "200G",
            "--grace",
            "1h",
            "--quiet",
            "--yes"),
        c.getArgs());
    Map<String, EnvVar> env = new LinkedHashMap<>();
    c.getEnv().forEach(e -> env.put(e.getName(), e));
    assertEquals(
        "http://reprise-minio." + TestingHelm.NAMESPACE + ".svc:9000",
        env.get("REPRISE_S3_ENDPOINT").getValue());
    assertEquals(
        "reprise-store",
        env.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getName());
    assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")));

    var dry =
        of(
                TestingHelm.render(Map.of("gc.enabled", true, "gc.dryRun", true)),
                io.fabric8.kubernetes.api.model.batch.v1.CronJob.class)
            .get(0);
    List<String> args =
        dry.getSpec()
            .getJobTemplate()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getArgs();
    assertFalse(args.contains("--yes"), args.toString());
  }

  private static void assertNoWildcards(Set<String> grants) {
    for (String g : grants) {
      assertFalse(g.contains("*"), g);
    }
  }

  private static String decode(String b64) {
    return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
  }

  static <T> List<T> of(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static Deployment operatorDeployment(List<HasMetadata> objects) {
    return of(objects, Deployment.class).stream()
        .filter(d -> d.getMetadata().getName().equals("reprise-operator"))
        .findFirst()
        .orElseThrow();
  }

  static ConfigMap config(List<HasMetadata> objects) {
    return of(objects, ConfigMap.class).stream()
        .filter(d -> d.getMetadata().getName().equals("reprise-operator"))
        .findFirst()
        .orElseThrow();
  }

  /**
   * Fields Fabric8's model did not recognise land in {@code additionalProperties}: a typo such as
   * {@code readOnlyRootFileSystem} would, and Kubernetes would drop it without a word.
   */
  private static void unknownFields(
      Object o, String path, List<String> out, IdentityHashMap<Object, Boolean> seen) {
    if (o == null || seen.put(o, true) != null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        unknownFields(e, path + "[" + i++ + "]", out, seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> unknownFields(v, path + "." + k, out, seen));
      return;
    }
    if (!(o instanceof KubernetesResource)) {
      return;
    }
    for (Method g : o.getClass().getMethods()) {
      if (g.getParameterCount() != 0 || !g.getName().startsWith("get") || g.isBridge()) {
        continue;
      }
      Object v;
      try {
        v = g.invoke(o);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
      if (g.getName().equals("getAdditionalProperties")) {
        if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
          out.add(path + " " + extra.keySet());
        }
      } else if (!g.getName().equals("getClass")) {
        unknownFields(v, path + "." + g.getName().substring(3), out, seen);
      }
    }
  }
}

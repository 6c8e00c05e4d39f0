package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.method.Phase;
import dev.reprise.core.pipeline.Pipeline;
import dev.reprise.core.pipeline.PipelineParser;
import dev.reprise.core.store.S3Settings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StageJobsTest {
  static final String KEY = "ab".repeat(32);
  static final OperatorSettings SETTINGS =
      new OperatorSettings(
          "reprise-worker:test",
          "s3://reprise/a",
          new S3Settings("http://minio:9000", "ak", "sk", null),
          "store-creds",
          3,
          Duration.ofMinutes(10),
          Duration.ofSeconds(60),
          WorkerPods.DEFAULT,
          false);

  /** The analysis Job of stage "scaled" in namespace ns, with no parallelism cap. */
  static Job scaledAnalysis(Pipeline p, OperatorSettings settings) {
    return StageJobs.desired(
        "ns",
        "s3://reprise/a",
        KEY,
        Phase.ANALYSIS,
        p.stage("scaled").orElseThrow(),
        null,
        "p/scaled",
        settings);
  }

  static Pipeline pipeline(String yaml) throws Exception {
    return new PipelineParser(MethodRegistry.discover())
        .fromTree(new ObjectMapper(new YAMLFactory()).readTree(yaml), null, null);
  }

  static final String DOC =
      """
      apiVersion: reprise.dev/v1alpha1
      kind: Pipeline
      metadata: {name: p}
      spec:
        parallelism: 4
        stages:
          - {name: numbers, method: test.source}
          - {name: scaled, method: test.scale, inputs: {in: numbers}, slices: 10, resources: {cpu: "2", memory: 3Gi}}
      """;

  @Test
  void analysisIsAnIndexedJobWithPerIndexRetriesAndAFailurePolicy() throws Exception {
    Pipeline p = pipeline(DOC);
    Job job =
        StageJobs.desired(
            "team-a",
            "s3://reprise/a",
            KEY,
            Phase.ANALYSIS,
            p.stage("scaled").orElseThrow(),
            4,
            "p/scaled",
            SETTINGS);
    assertEquals("reprise-" + "ab".repeat(16) + "-analysis", job.getMetadata().getName());
    assertTrue(job.getMetadata().getName().length() <= 63);
    assertEquals("team-a", job.getMetadata().getNamespace());
    assertEquals(KEY, StageJobs.keyOf(job));
    assertEquals("reprise-operator", job.getMetadata().getLabels().get(StageJobs.MANAGED_BY));
    JobSpec spec = job.getSpec();
    assertEquals("Indexed", spec.getCompletionMode());
    assertEquals(10, spec.getCompletions());
    assertEquals(4, spec.getParallelism());
    assertEquals(3, spec.getBackoffLimitPerIndex());
    assertEquals(0, spec.getMaxFailedIndexes());
    assertEquals("Failed", spec.getPodReplacementPolicy());
    assertEquals(600, spec.getTtlSecondsAfterFinished());
    List<PodFailurePolicyRule> rules = spec.getPodFailurePolicy().getRules();
    assertEquals("FailIndex", rules.get(0).getAction());
    assertEquals(List.of(2), rules.get(0).getOnExitCodes().getValues());
    assertEquals("In", rules.get(0).getOnExitCodes().getOperator());
    assertEquals("Ignore", rules.get(1).getAction());
    assertEquals("DisruptionTarget", rules.get(1).getOnPodConditions().get(0).getType());

    Container c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals(
        List.of(
            "reprise", "worker", "--store", "s3://reprise/a", "--key", KEY, "--phase", "analysis"),
        c.getCommand());
    assertEquals("reprise-worker:test", c.getImage());
    assertEquals("2", c.getResources().getRequests().get("cpu").toString());
    assertEquals("3Gi", c.getResources().getRequests().get("memory").toString());
    assertEquals("3Gi", c.getResources().getLimits().get("memory").toString());
    Map<String, EnvVar> env =
        c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    for (String v : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")) {
      assertEquals("2", env.get(v).getValue(), v);
    }
    assertEquals("http://minio:9000", env.get("REPRISE_S3_ENDPOINT").getValue());
    assertEquals(
        "store-creds", env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getName());
    assertEquals(
        "AWS_SECRET_ACCESS_KEY",
        env.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getKey());
    assertNull(env.get("AWS_SECRET_ACCESS_KEY").getValue(), "the secret never appears in the Job");
  }

  @Test
  void workerPodsHaveNoTokenRunAsNonRootOnAReadOnlyRootFileSystem() throws Exception {
    Pipeline p = pipeline(DOC);
    Job job =
        StageJobs.desired(
            "ns",
            "s3://reprise/a",
            KEY,
            Phase.SYNTHESIS,
            p.stage("scaled").orElseThrow(),
            null,
            "p/scaled",
            SETTINGS);
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertFalse(pod.getAutomountServiceAccountToken());
    assertNull(pod.getServiceAccountName(), "the namespace's default ServiceAccount");
    assertTrue(pod.getVolumes().stream().allMatch(v -> v.getProjected() == null), "no token");
    assertEquals("Never", pod.getRestartPolicy());
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
    Container c = pod.getContainers().get(0);
    assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
    assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals("/tmp", c.getVolumeMounts().get(0).getMountPath());
    assertTrue(pod.getVolumes().get(0).getEmptyDir() != null);
    assertEquals("FallbackToLogsOnError", c.getTerminationMessagePolicy());
    // prepare and synthesis are one pod; the invalid-input code fails the Job at once
    assertEquals("NonIndexed", job.getSpec().getCompletionMode());
    assertEquals(1, job.getSpec().getCompletions());
    assertEquals(3, job.getSpec().getBackoffLimit());
    assertEquals("FailJob", job.getSpec().getPodFailurePolicy().getRules().get(0).getAction());
  }

  @Test
  void defaultsToOneCpuPerSliceAndAllSlicesAtOnce() throws Exception {
    Pipeline p =
        pipeline(
            DOC.replace("parallelism: 4", "parallelism: 1000")
                .replace(", resources: {cpu: \"2\", memory: 3Gi}", ""));
    Job job = scaledAnalysis(p, SETTINGS);
    Container c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("1", c.getResources().getRequests().get("cpu").toString());
    assertNull(c.getResources().getLimits());
    assertEquals(10, job.getSpec().getParallelism());
    assertEquals(
        "1",
        c.getEnv().stream()
            .filter(e -> e.getName().equals("OMP_NUM_THREADS"))
            .findFirst()
            .orElseThrow()
            .getValue());
  }

  /**
   * A stage's timeout (else the chart's) is each Job's deadline; the chart bounds the pods' disk:
   * an ephemeral-storage request and limit, and a sizeLimit on every scratch volume.
   */
  @Test
  void jobsHaveADeadlineAndPodsBoundedDisks() throws Exception {
    OperatorSettings settings =
        new OperatorSettings(
            SETTINGS.image(),
            SETTINGS.defaultStore(),
            SETTINGS.s3(),
            SETTINGS.credentialsSecret(),
            SETTINGS.retriesPerSlice(),
            SETTINGS.ttlAfterFinished(),
            SETTINGS.recheck(),
            new WorkerPods("1", "1Gi", null, Map.of(), List.of(), List.of(), "2Gi", "20Gi", "16Gi"),
            false,
            Duration.ofHours(6),
            List.of(),
            DataVolumePolicy.NONE,
            PodIdentity.NONE);
    Pipeline p = pipeline(DOC);
    Job job = scaledAnalysis(p, settings);
    assertEquals(6 * 3600L, job.getSpec().getActiveDeadlineSeconds(), "the chart's default");
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertEquals("2Gi", c.getResources().getRequests().get("ephemeral-storage").toString());
    assertEquals("20Gi", c.getResources().getLimits().get("ephemeral-storage").toString());
    for (var v : pod.getVolumes()) {
      if (v.getEmptyDir() != null) {
        assertEquals("16Gi", v.getEmptyDir().getSizeLimit().toString(), v.getName());
      }
    }
    Pipeline timed = pipeline(DOC.replace("slices: 10,", "slices: 10, timeout: 1h30m,"));
    assertEquals(5400L, scaledAnalysis(timed, settings).getSpec().getActiveDeadlineSeconds());
    assertEquals(
        OperatorSettings.DEFAULT_TIMEOUT.toSeconds(),
        scaledAnalysis(p, SETTINGS).getSpec().getActiveDeadlineSeconds());
  }

  @Test
  void theOperatorsDefaultsFillWhatAStageLeavesOutUsersJarsAreMountedAndPodsArePlaced()
      throws Exception {
    Pipeline p = pipeline(DOC.replace(", resources: {cpu: \"2\", memory: 3Gi}", ""));
    OperatorSettings settings =
        new OperatorSettings(
            SETTINGS.image(),
            SETTINGS.defaultStore(),
            SETTINGS.s3(),
            SETTINGS.credentialsSecret(),
            SETTINGS.retriesPerSlice(),
            SETTINGS.ttlAfterFinished(),
            SETTINGS.recheck(),
            new WorkerPods(
                "2",
                "1Gi",
                "my-methods",
                Map.of("pool", "batch"),
                List.of(
                    new io.fabric8.kubernetes.api.model.TolerationBuilder()
                        .withKey("spot")
                        .withOperator("Exists")
                        .withEffect("NoSchedule")
                        .build()),
                List.of("registry-login")),
            false);
    PodSpec pod = scaledAnalysis(p, settings).getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertEquals("2", c.getResources().getRequests().get("cpu").toString());
    assertEquals("1Gi", c.getResources().getRequests().get("memory").toString());
    assertEquals("1Gi", c.getResources().getLimits().get("memory").toString());
    var mount =
        c.getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals(OperatorSettings.METHODS_DIR))
            .findFirst()
            .orElseThrow();
    assertTrue(mount.getReadOnly());
    var volume =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals(mount.getName()))
            .findFirst()
            .orElseThrow();
    assertEquals("my-methods", volume.getConfigMap().getName());
    assertEquals(Map.of("pool", "batch"), pod.getNodeSelector());
    assertEquals("spot", pod.getTolerations().get(0).getKey());
    assertEquals("registry-login", pod.getImagePullSecrets().get(0).getName());
    // Without a ConfigMap, no such volume.
    assertTrue(
        scaledAnalysis(p, SETTINGS).getSpec().getTemplate().getSpec().getVolumes().stream()
            .noneMatch(v -> v.getConfigMap() != null));
  }

  @Test
  void withWebIdentityWorkersGetOnlyAnStsBoundTokenAndTheUsersProgramNone() throws Exception {
    String role = "arn:aws:iam::123456789012:role/reprise-store";
    OperatorSettings settings =
        new OperatorSettings(
            SETTINGS.image(),
            SETTINGS.defaultStore(),
            SETTINGS.s3(),
            "",
            SETTINGS.retriesPerSlice(),
            SETTINGS.ttlAfterFinished(),
            SETTINGS.recheck(),
            WorkerPods.DEFAULT,
            false,
            OperatorSettings.DEFAULT_TIMEOUT,
            List.of(),
            DataVolumePolicy.NONE,
            new PodIdentity("reprise-worker", role, null));
    Pipeline p =
        pipeline(
            DOC
                + "    - name: table\n"
                + "      image: registry.example/tools:1.0\n"
                + "      command: [sh, -c, 'echo hi > $REPRISE_OUTPUTS/t.txt']\n"
                + "      inputs: {in: scaled}\n");
    PodSpec pod = scaledAnalysis(p, settings).getSpec().getTemplate().getSpec();
    assertEquals("reprise-worker", pod.getServiceAccountName());
    assertFalse(pod.getAutomountServiceAccountToken(), "no API token");
    var token =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals(StageJobs.TOKEN_VOLUME))
            .findFirst()
            .orElseThrow()
            .getProjected()
            .getSources();
    assertEquals(1, token.size(), "the token and nothing else: " + token);
    assertEquals("sts.amazonaws.com", token.get(0).getServiceAccountToken().getAudience());
    assertEquals("token", token.get(0).getServiceAccountToken().getPath());
    assertWebIdentity(pod.getContainers().get(0), role);

    Job commandJob =
        StageJobs.desired(
            "ns",
            "s3://reprise/a",
            KEY,
            Phase.ANALYSIS,
            p.stage("table").orElseThrow(),
            null,
            "p/table",
            settings);
    PodSpec command = commandJob.getSpec().getTemplate().getSpec();
    assertEquals(
        StageJobs.COMMAND_CONTAINER,
        commandJob
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get(StageJobs.SKIP_IDENTITY_ANNOTATION),
        "EKS's webhook must not give the user's program the role either");
    for (Container c : command.getInitContainers()) {
      assertWebIdentity(c, role);
    }
    for (Container c : command.getContainers()) {
      if (c.getName().equals(StageJobs.COMMAND_CONTAINER)) {
        assertTrue(
            c.getEnv().stream().noneMatch(e -> e.getName().startsWith("AWS_")),
            c.getEnv().toString());
        assertTrue(
            c.getVolumeMounts().stream().noneMatch(m -> m.getName().equals(StageJobs.TOKEN_VOLUME)),
            "the user's program gets no credentials");
      } else {
        assertWebIdentity(c, role);
      }
    }
  }

  private static void assertWebIdentity(Container c, String role) {
    Map<String, EnvVar> env =
        c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    assertEquals(role, env.get("AWS_ROLE_ARN").getValue(), c.getName());
    assertEquals(StageJobs.TOKEN_DIR + "/token", env.get("AWS_WEB_IDENTITY_TOKEN_FILE").getValue());
    assertFalse(env.containsKey("AWS_ACCESS_KEY_ID"), "no keys Secret: " + env.keySet());
    var mount =
        c.getVolumeMounts().stream()
            .filter(m -> m.getName().equals(StageJobs.TOKEN_VOLUME))
            .findFirst()
            .orElseThrow();
    assertEquals(StageJobs.TOKEN_DIR, mount.getMountPath());
    assertTrue(mount.getReadOnly());
  }

  @Test
  void theSameKeyAlwaysNamesTheSameJob() {
    assertEquals(StageJobs.name(KEY, Phase.PREPARE), StageJobs.name(KEY, Phase.PREPARE));
    assertFalse(
        StageJobs.name(KEY, Phase.PREPARE).equals(StageJobs.name("cd".repeat(32), Phase.PREPARE)));
    assertFalse(StageJobs.name(KEY, Phase.PREPARE).equals(StageJobs.name(KEY, Phase.SYNTHESIS)));
  }

  @Test
  void threadsAreWholeCpusAtLeastOne() {
    assertEquals(1, StageJobs.threads("500m"));
    assertEquals(1, StageJobs.threads("1"));
    assertEquals(2, StageJobs.threads("2500m"));
    assertEquals(16, StageJobs.threads("16"));
  }
}

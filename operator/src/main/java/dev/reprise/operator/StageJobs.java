package dev.reprise.operator;

import dev.reprise.core.command.CommandMethod;
import dev.reprise.core.command.CommandSpec;
import dev.reprise.core.command.CommandWorkspace;
import dev.reprise.core.method.Phase;
import dev.reprise.core.pipeline.DataVolume;
import dev.reprise.core.pipeline.Stage;
import dev.reprise.core.store.S3Credentials;
import dev.reprise.core.store.S3Settings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Jobs a stage becomes, as plain Fabric8 objects: a pure factory, no API calls. A Job is named
 * from the stage's key and phase, so two pipelines needing the same result find one Job, and a
 * restarted operator finds the Jobs it created. A Job is never changed once created, except for its
 * ownerReferences: the pipelines that need it (see PipelineReconciler).
 */
public final class StageJobs {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String OPERATOR = "reprise-operator";

  /** The label selector of the operator's Job informer. */
  public static final String SELECTOR = MANAGED_BY + "=" + OPERATOR;

  /**
   * Label: the first {@value #KEY_CHARS} hex digits of the key (a label value holds at most 63).
   */
  public static final String KEY_LABEL = "reprise.dev/key";

  /** Annotation: the whole key. */
  public static final String KEY_ANNOTATION = "reprise.dev/key";

  public static final String PHASE_LABEL = "reprise.dev/phase";

  /** Annotation: the pipeline and stage that first asked for the key (for people reading Jobs). */
  public static final String REQUESTED_BY_ANNOTATION = "reprise.dev/requested-by";

  /** The worker's container; in a command stage's pod, the one that commits. */
  public static final String CONTAINER = "worker";

  /** A command stage's container: the user's image running the command. */
  public static final String COMMAND_CONTAINER = "command";

  /** A command stage's init container: the worker staging inputs and the launcher. */
  public static final String STAGE_IN_CONTAINER = "stage-in";

  /** What the worker containers beside a command request. */
  static final String HELPER_CPU = "100m";

  static final String HELPER_MEMORY = "384Mi";

  /** The exit code of {@code reprise worker} for the user's mistake: never retried. */
  public static final int INVALID_INPUT_EXIT = 2;

  /**
   * 128 bits of the key: collisions are out of reach, and names stay short enough for pod names.
   */
  static final int KEY_CHARS = 32;

  private static final String TMP_VOLUME = "tmp";

  /** A data volume's name in a pod: the prefix keeps it apart from the pod's own volumes. */
  static final String DATA_VOLUME_PREFIX = "data-";

  private static final String METHODS_VOLUME = "methods";
  private static final String WORKSPACE_VOLUME = "reprise";

  /**
   * The web identity token's volume and folder: the names the EKS Pod Identity webhook uses, so
   * that it sees the token is there already.
   */
  static final String TOKEN_VOLUME = "aws-iam-token";

  static final String TOKEN_DIR = "/var/run/secrets/eks.amazonaws.com/serviceaccount";

  /** The containers EKS's pod identity webhook leaves alone (comma-separated names). */
  static final String SKIP_IDENTITY_ANNOTATION = "eks.amazonaws.com/skip-containers";

  /** How long a projected token lasts; the kubelet renews it after 80% of that. */
  private static final long TOKEN_SECONDS = 86400;

  private static final long USER_ID = 65532;

  private StageJobs() {}

  /** {@code reprise-<first 32 hex digits of the key>-<phase>}: at most 50 characters. */
  public static String name(String key, Phase phase) {
    return "reprise-" + key.substring(0, KEY_CHARS) + "-" + phase.wireName();
  }

  /** The key a Job works on, from its annotation; null for a Job the operator did not make. */
  public static String keyOf(Job job) {
    Map<String, String> a = job.getMetadata().getAnnotations();
    return a == null ? null : a.get(KEY_ANNOTATION);
  }

  /**
   * The Job that runs one phase of a stage.
   *
   * @param namespace the pipeline's namespace
   * @param store the store URI the worker reads task.json from and commits to
   * @param key the stage's key (its task.json must be in the store before the Job is created)
   * @param phase prepare and synthesis are one pod; analysis is an Indexed Job, one index a slice
   * @param stage the validated stage: slices and resource requests
   * @param parallelism the pipeline's {@code spec.parallelism}, or null for all slices at once
   * @param requestedBy "pipeline/stage" that asked first
   */
  public static Job desired(
      String namespace,
      String store,
      String key,
      Phase phase,
      Stage stage,
      Integer parallelism,
      String requestedBy,
      OperatorSettings settings) {
    return desired(
        namespace, store, key, phase, stage, parallelism, requestedBy, settings, List.of());
  }

  /**
   * As above, with the pipeline's data volumes mounted read-only in the containers that read data:
   * the worker, and in a command stage's pod also the stage-in and command containers.
   */
  public static Job desired(
      String namespace,
      String store,
      String key,
      Phase phase,
      Stage stage,
      Integer parallelism,
      String requestedBy,
      OperatorSettings settings,
      List<DataVolume> volumes) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, OPERATOR);
    labels.put(KEY_LABEL, key.substring(0, KEY_CHARS));
    labels.put(PHASE_LABEL, phase.wireName());
    boolean indexed = phase == Phase.ANALYSIS;
    int completions = indexed ? stage.slices() : 1;
    int running =
        indexed ? Math.min(completions, parallelism == null ? completions : parallelism) : 1;
    JobBuilder job =
        new JobBuilder()
            .withNewMetadata()
            .withName(name(key, phase))
            .withNamespace(namespace)
            .withLabels(labels)
            .addToAnnotations(KEY_ANNOTATION, key)
            .addToAnnotations(REQUESTED_BY_ANNOTATION, requestedBy)
            .endMetadata()
            .withNewSpec()
            .withCompletions(completions)
            .withParallelism(running)
            .withCompletionMode(indexed ? "Indexed" : "NonIndexed")
            .withTtlSecondsAfterFinished((int) settings.ttlAfterFinished().toSeconds())
            // Bounds a stuck or runaway stage, retries and evictions included: past it the Job
            // fails with DeadlineExceeded and the stage with it.
            .withActiveDeadlineSeconds(
                (stage.timeout() != null ? stage.timeout() : settings.stageTimeout()).toSeconds())
            .withPodReplacementPolicy("Failed")
            .withPodFailurePolicy(podFailurePolicy(indexed))
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(labels)
            .withAnnotations(
                stage.isCommand()
                    ? Map.of(
                        "kubectl.kubernetes.io/default-container",
                        COMMAND_CONTAINER,
                        // EKS's identity webhook injects the role into every container of a pod
                        // whose account has one: never into the user's program.
                        SKIP_IDENTITY_ANNOTATION,
                        COMMAND_CONTAINER)
                    : null)
            .endMetadata()
            .withSpec(withDataVolumes(podSpec(store, key, phase, stage, settings), volumes))
            .endTemplate()
            .endSpec();
    if (indexed) {
      // A slice is retried on its own; one slice failing for good fails the stage at once.
      job.editSpec()
          .withBackoffLimitPerIndex(settings.retriesPerSlice())
          .withMaxFailedIndexes(0)
          .endSpec();
    } else {
      job.editSpec().withBackoffLimit(settings.retriesPerSlice()).endSpec();
    }
    return job.build();
  }

  /**
   * Exit code 2 (the user's mistake) fails at once; a pod evicted or preempted (DisruptionTarget)
   * is replaced without counting against the retries.
   */
  static PodFailurePolicy podFailurePolicy(boolean indexed) {
    return new PodFailurePolicyBuilder()
        .addNewRule()
        .withAction(indexed ? "FailIndex" : "FailJob")
        .withNewOnExitCodes()
        .withContainerName(CONTAINER)
        .withOperator("In")
        .withValues(INVALID_INPUT_EXIT)
        .endOnExitCodes()
        .endRule()
        .addNewRule()
        .withAction("Ignore")
        .addNewOnPodCondition()
        .withType("DisruptionTarget")
        .withStatus("True")
        .endOnPodCondition()
        .endRule()
        .build();
  }

  private static PodSpec podSpec(
      String store, String key, Phase phase, Stage stage, OperatorSettings settings) {
    if (stage.isCommand()) {
      return commandPodSpec(store, key, stage, settings);
    }
    String cpu = stage.resources().getOrDefault("cpu", settings.pods().cpu());
    List<EnvVar> env = workerEnv(settings);
    env.addAll(threadEnv(cpu));
    PodSpecBuilder pod =
        pod(settings)
            .addNewContainer()
            .withName(CONTAINER)
            .withImage(settings.image())
            .withCommand(
                "reprise", "worker", "--store", store, "--key", key, "--phase", phase.wireName())
            .withEnv(env)
            .withResources(resources(stage, settings))
            .withSecurityContext(containerSecurity())
            .addNewVolumeMount()
            .withName(TMP_VOLUME)
            .withMountPath("/tmp")
            .endVolumeMount()
            .addAllToVolumeMounts(tokenMounts(settings))
            // The kubelet copies the last log lines of a failed pod here; the operator reports
            // them.
            .withTerminationMessagePolicy("FallbackToLogsOnError")
            .endContainer();
    WorkerPods pods = settings.pods();
    if (pods.methodsConfigMap() != null) {
      // Users' method jars, where the image's `reprise` looks for them; the operator has the same.
      pod.editFirstContainer()
          .addNewVolumeMount()
          .withName(METHODS_VOLUME)
          .withMountPath(OperatorSettings.METHODS_DIR)
          .withReadOnly(true)
          .endVolumeMount()
          .endContainer()
          .addNewVolume()
          .withName(METHODS_VOLUME)
          .withNewConfigMap()
          .withName(pods.methodsConfigMap())
          .endConfigMap()
          .endVolume();
    }
    return pod.build();
  }

  /**
   * A command stage's slice: the worker image stages the inputs into a shared volume and copies
   * reprise-launcher there (init container); the user's image runs the command through the launcher
   * ({@value #COMMAND_CONTAINER}, the pod's default container, so {@code kubectl logs} shows the
   * program); beside it the worker waits for the launcher's exit code and commits the outputs
   * ({@value #CONTAINER}, whose exit code the pod failure policy reads). The user's program gets no
   * credentials: only the worker containers see the store's Secret.
   */
  private static PodSpec commandPodSpec(
      String store, String key, Stage stage, OperatorSettings settings) {
    CommandSpec command = stage.command();
    String cpu = stage.resources().getOrDefault("cpu", settings.pods().cpu());
    String root = CommandMethod.CONTAINER_ROOT;
    List<String> worker =
        List.of("reprise", "worker", "--store", store, "--key", key, "--phase", "analysis");
    List<EnvVar> programEnv = new ArrayList<>(threadEnv(cpu));
    command.env().forEach((k, v) -> programEnv.add(new EnvVar(k, v, null)));
    CommandWorkspace.contract(
            root + "/inputs", root + "/outputs", root + "/params.json", 0, stage.slices())
        .forEach(
            (k, v) -> {
              if (!k.equals(CommandWorkspace.SLICE)) { // the launcher sets it from the Job index
                programEnv.add(new EnvVar(k, v, null));
              }
            });
    programEnv.add(new EnvVar("HOME", "/tmp", null));
    List<String> argv = new ArrayList<>(List.of(root + "/bin/reprise-launcher", root, "--"));
    argv.addAll(command.command());
    return pod(settings)
        .addToInitContainers(
            helper(STAGE_IN_CONTAINER, concat(worker, "--stage-in", root), root, settings))
        .addNewContainer()
        .withName(COMMAND_CONTAINER)
        .withImage(command.image())
        .withCommand(argv)
        .withWorkingDir(root + "/work")
        .withEnv(programEnv)
        .withResources(resources(stage, settings))
        .withSecurityContext(containerSecurity())
        .withVolumeMounts(mount(TMP_VOLUME, "/tmp"), mount(WORKSPACE_VOLUME, root))
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .endContainer()
        .addToContainers(helper(CONTAINER, concat(worker, "--commit", root), root, settings))
        .addNewVolume()
        .withName(WORKSPACE_VOLUME)
        .withEmptyDir(scratch(settings))
        .endVolume()
        .build();
  }

  /**
   * A worker container beside a command (staging before it, committing after it): the worker image,
   * the store's credentials, little CPU and memory, the shared workspace.
   */
  private static Container helper(
      String name, List<String> command, String root, OperatorSettings settings) {
    return new ContainerBuilder()
        .withName(name)
        .withImage(settings.image())
        .withCommand(command)
        .withEnv(workerEnv(settings))
        .withResources(helperResources())
        .withSecurityContext(containerSecurity())
        .withVolumeMounts(mount(TMP_VOLUME, "/tmp"), mount(WORKSPACE_VOLUME, root))
        .addAllToVolumeMounts(tokenMounts(settings))
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .build();
  }

  /** The pod with {@code volumes} added and mounted read-only where data is read. */
  private static PodSpec withDataVolumes(PodSpec pod, List<DataVolume> volumes) {
    if (volumes.isEmpty()) {
      return pod;
    }
    PodSpecBuilder b = new PodSpecBuilder(pod);
    for (DataVolume v : volumes) {
      b.addToVolumes(dataVolume(v));
    }
    PodSpec out = b.build();
    List<io.fabric8.kubernetes.api.model.Container> readers = new ArrayList<>(out.getContainers());
    if (out.getInitContainers() != null) {
      readers.addAll(out.getInitContainers());
    }
    for (var c : readers) {
      if (List.of(CONTAINER, STAGE_IN_CONTAINER, COMMAND_CONTAINER).contains(c.getName())) {
        List<VolumeMount> mounts = new ArrayList<>(c.getVolumeMounts());
        volumes.forEach(v -> mounts.add(dataMount(v)));
        c.setVolumeMounts(mounts);
      }
    }
    return out;
  }

  /** A data volume in a pod: "data-" and its name, read-only; a hostPath must be a folder. */
  static io.fabric8.kubernetes.api.model.Volume dataVolume(DataVolume v) {
    io.fabric8.kubernetes.api.model.VolumeBuilder b =
        new io.fabric8.kubernetes.api.model.VolumeBuilder().withName(DATA_VOLUME_PREFIX + v.name());
    if (v.claimName() != null) {
      b.withNewPersistentVolumeClaim(v.claimName(), true);
    } else {
      b.withNewHostPath(v.hostPath(), "Directory");
    }
    return b.build();
  }

  static VolumeMount dataMount(DataVolume v) {
    return new VolumeMountBuilder()
        .withName(DATA_VOLUME_PREFIX + v.name())
        .withMountPath(v.mountPath())
        .withReadOnly(true)
        .build();
  }

  /**
   * The pod-level settings every stage's pod shares: no API token, non-root, placement, /tmp; the
   * ServiceAccount and web identity token when the store's credentials come from the pod's
   * identity.
   */
  static PodSpecBuilder pod(OperatorSettings settings) {
    PodIdentity identity = settings.identity();
    PodSpecBuilder pod =
        new PodSpecBuilder()
            .withRestartPolicy("Never")
            .withServiceAccountName(identity.serviceAccount())
            .withAutomountServiceAccountToken(false)
            .withEnableServiceLinks(false)
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withRunAsUser(USER_ID)
            .withRunAsGroup(USER_ID)
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext()
            .addNewVolume()
            .withName(TMP_VOLUME)
            .withEmptyDir(scratch(settings))
            .endVolume();
    if (identity.roleArn() != null) {
      // A token only STS accepts (its audience), not the API server's: the pod gets no API access.
      pod.addNewVolume()
          .withName(TOKEN_VOLUME)
          .withNewProjected()
          .addNewSource()
          .withNewServiceAccountToken()
          .withAudience(identity.audience())
          .withExpirationSeconds(TOKEN_SECONDS)
          .withPath("token")
          .endServiceAccountToken()
          .endSource()
          .endProjected()
          .endVolume();
    }
    WorkerPods pods = settings.pods();
    pod.withNodeSelector(pods.nodeSelector().isEmpty() ? null : pods.nodeSelector())
        .withTolerations(pods.tolerations().isEmpty() ? null : pods.tolerations());
    for (String secret : pods.pullSecrets()) {
      pod.addNewImagePullSecret(secret);
    }
    return pod;
  }

  /** A pod's scratch volume, bounded by the chart's worker.scratchSize: past it, eviction. */
  private static EmptyDirVolumeSource scratch(OperatorSettings settings) {
    String size = settings.pods().scratchSize();
    return new EmptyDirVolumeSource(null, size == null ? null : new Quantity(size));
  }

  /**
   * What the worker needs to reach the store: endpoint, keys from the Secret or the web identity
   * token's variables, a cache.
   */
  static List<EnvVar> workerEnv(OperatorSettings settings) {
    List<EnvVar> env = new ArrayList<>();
    S3Settings s3 = settings.s3();
    if (s3 != null) {
      env.add(new EnvVar(S3Settings.ENDPOINT_VAR, s3.endpoint(), null));
      env.add(new EnvVar(S3Settings.REGION_VAR, s3.region(), null));
      if (settings.credentialsSecret() != null) {
        env.add(secret(S3Settings.ACCESS_KEY_VAR, settings.credentialsSecret()));
        env.add(secret(S3Settings.SECRET_KEY_VAR, settings.credentialsSecret()));
      }
      if (settings.identity().roleArn() != null) {
        env.add(new EnvVar(S3Credentials.ROLE_ARN_VAR, settings.identity().roleArn(), null));
        env.add(new EnvVar(S3Credentials.TOKEN_FILE_VAR, TOKEN_DIR + "/token", null));
      }
    }
    env.add(new EnvVar("REPRISE_CACHE_DIR", "/tmp/reprise-cache", null));
    env.add(
        new EnvVarBuilder()
            .withName("POD_NAME")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.name")
            .endFieldRef()
            .endValueFrom()
            .build());
    return env;
  }

  /** One thread per CPU requested: BLAS/OpenMP threading beyond the pod's share only slows it. */
  private static List<EnvVar> threadEnv(String cpu) {
    String threads = String.valueOf(threads(cpu));
    List<EnvVar> env = new ArrayList<>();
    for (String v : CommandWorkspace.THREAD_VARS) {
      env.add(new EnvVar(v, threads, null));
    }
    return env;
  }

  private static ResourceRequirements resources(Stage stage, OperatorSettings settings) {
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    requests.put("cpu", new Quantity(stage.resources().getOrDefault("cpu", settings.pods().cpu())));
    String memory = stage.resources().getOrDefault("memory", settings.pods().memory());
    if (memory != null) {
      requests.put("memory", new Quantity(memory));
      limits.put("memory", new Quantity(memory));
    }
    disk(settings, requests, limits);
    return new ResourceRequirementsBuilder()
        .withRequests(requests)
        .withLimits(limits.isEmpty() ? null : limits)
        .build();
  }

  /** The chart's ephemeral-storage request and limit (the kubelet evicts a pod above it). */
  private static void disk(
      OperatorSettings settings, Map<String, Quantity> requests, Map<String, Quantity> limits) {
    WorkerPods pods = settings.pods();
    if (pods.ephemeralStorage() != null) {
      requests.put("ephemeral-storage", new Quantity(pods.ephemeralStorage()));
    }
    if (pods.ephemeralStorageLimit() != null) {
      limits.put("ephemeral-storage", new Quantity(pods.ephemeralStorageLimit()));
    }
  }

  /** The worker beside a command: it only copies files, so it asks for little. */
  static ResourceRequirements helperResources() {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity(HELPER_CPU))
        .addToRequests("memory", new Quantity(HELPER_MEMORY))
        .addToLimits("memory", new Quantity(HELPER_MEMORY))
        .build();
  }

  static SecurityContext containerSecurity() {
    return new SecurityContextBuilder()
        .withReadOnlyRootFilesystem(true)
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }

  /** The web identity token, for the worker's containers only: the user's program gets none. */
  private static List<VolumeMount> tokenMounts(OperatorSettings settings) {
    if (settings.s3() == null || settings.identity().roleArn() == null) {
      return List.of();
    }
    return List.of(
        new VolumeMountBuilder()
            .withName(TOKEN_VOLUME)
            .withMountPath(TOKEN_DIR)
            .withReadOnly(true)
            .build());
  }

  private static VolumeMount mount(String volume, String path) {
    return new VolumeMountBuilder().withName(volume).withMountPath(path).build();
  }

  private static List<String> concat(List<String> head, String... tail) {
    List<String> out = new ArrayList<>(head);
    out.addAll(List.of(tail));
    return out;
  }

  private static EnvVar secret(String name, String secret) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(secret)
        .withKey(name)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  /** Whole CPUs of a request, at least one: "500m" and "1" give 1, "2" gives 2, "2500m" gives 2. */
  static int threads(String cpu) {
    BigDecimal cores = Quantity.getAmountInBytes(new Quantity(cpu));
    return Math.max(1, cores.setScale(0, RoundingMode.FLOOR).intValueExact());
  }
}

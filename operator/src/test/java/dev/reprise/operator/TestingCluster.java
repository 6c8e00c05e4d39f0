package dev.reprise.operator;

import dev.reprise.worker.cli.Reprise;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays the cluster's part for the operator's Jobs, as the Job controller and a kubelet would: it
 * watches Jobs, creates a Pod for every index to run, runs the pod's real command line ({@code
 * reprise worker ...}) in this JVM with the pod's environment (Secrets and the downward API
 * resolved, {@code JOB_COMPLETION_INDEX} set), records the pod's exit code and last log lines
 * (terminationMessagePolicy FallbackToLogsOnError), applies the Job's retry limits and pod failure
 * policy, and writes Job status: succeeded and failed counts, completed and failed indexes, and the
 * Complete or Failed condition.
 */
final class TestingCluster implements AutoCloseable {
  /** One pod run: which Job, which index, which attempt. */
  record PodRun(String job, int index, int attempt, int exitCode) {}

  private final KubernetesClient client;
  private final ExecutorService controllers =
      Executors.newCachedThreadPool(r -> daemon(r, "testing-job-controller"));
  private final ExecutorService nodes;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  /** Every Job the operator created, in order (a name twice would be a duplicate). */
  final List<String> created = new CopyOnWriteArrayList<>();

  final List<PodRun> podRuns = new CopyOnWriteArrayList<>();

  /** The log of every worker pod that ran, in the order they ended. */
  final List<String> podLogs = new CopyOnWriteArrayList<>();

  /** What the user's programs of command stages printed, one entry per pod. */
  final List<String> programLogs = new CopyOnWriteArrayList<>();

  /**
   * "phase/index" → exit code of that pod's first attempt, instead of running it (a lost node, a
   * crash).
   */
  private final Map<String, Integer> firstAttemptExits = new ConcurrentHashMap<>();

  private final AtomicInteger podNames = new AtomicInteger();
  private Watch watch;

  TestingCluster(KubernetesClient client, int cores) {
    this.client = client;
    this.nodes = Executors.newFixedThreadPool(cores, r -> daemon(r, "testing-node"));
  }

  TestingCluster start() {
    watch =
        client
            .batch()
            .v1()
            .jobs()
            .inAnyNamespace()
            .withLabel(StageJobs.MANAGED_BY, StageJobs.OPERATOR)
            .watch(
                new Watcher<Job>() {
                  @Override
                  public void eventReceived(Action action, Job job) {
                    // By uid: a Job deleted (by its TTL, a retry) and created again runs again.
                    if (action == Action.ADDED && seen.add(job.getMetadata().getUid())) {
                      created.add(job.getMetadata().getName());
                      controllers.submit(() -> runJob(job));
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    return this;
  }

  /** Images no pod can pull: their pods wait in ImagePullBackOff, as a kubelet leaves them. */
  private final Set<String> unpullable = ConcurrentHashMap.newKeySet();

  void cannotPull(String image) {
    unpullable.add(image);
  }

  /**
   * Images whose Jobs get no pods, as under a ResourceQuota that wants limits: the Job controller
   * records a FailedCreate event with {@code message} on the Job instead.
   */
  private final Map<String, String> refusedPods = new ConcurrentHashMap<>();

  void refusePods(String image, String message) {
    refusedPods.put(image, message);
  }

  /** The first pod of this phase and index exits with {@code exitCode} instead of running. */
  void failFirstAttempt(String phase, int index, int exitCode) {
    firstAttemptExits.put(phase + "/" + index, exitCode);
  }

  long runsOf(String jobName, int index) {
    return podRuns.stream().filter(r -> r.job().equals(jobName) && r.index() == index).count();
  }

  /** The Job controller's loop for one Job. */
  private void runJob(Job job) {
    try {
      new JobRun(job).run();
    } catch (Exception e) {
      // A fixture error must not look like a passing test: make it visible in the Job.
      e.printStackTrace(System.err);
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(job.getMetadata().getNamespace())
          .withName(job.getMetadata().getName())
          .editStatus(
              j -> {
                j.getStatus()
                    .getConditions()
                    .add(condition("Failed", "TestingClusterError", String.valueOf(e)));
                return j;
              });
    }
  }

  private final class JobRun {
    final Job job;
    final String ns;
    final String name;
    final boolean indexed;
    final int completions;
    final int retries;
    final Integer maxFailedIndexes;
    final Set<Integer> succeeded = new TreeSet<>();
    final Set<Integer> failedIndexes = new TreeSet<>();
    int failedPods;
    volatile String failure;

    JobRun(Job job) {
      this.job = job;
      this.ns = job.getMetadata().getNamespace();
      this.name = job.getMetadata().getName();
      this.indexed = "Indexed".equals(job.getSpec().getCompletionMode());
      this.completions = job.getSpec().getCompletions();
      this.retries =
          indexed ? job.getSpec().getBackoffLimitPerIndex() : job.getSpec().getBackoffLimit();
      this.maxFailedIndexes = job.getSpec().getMaxFailedIndexes();
    }

    void run() throws Exception {
      for (Container k : job.getSpec().getTemplate().getSpec().getContainers()) {
        String refused = refusedPods.get(k.getImage());
        if (refused != null) {
          client
              .v1()
              .events()
              .inNamespace(ns)
              .resource(
                  new io.fabric8.kubernetes.api.model.EventBuilder()
                      .withNewMetadata()
                      .withName(name + ".failedcreate")
                      .withNamespace(ns)
                      .endMetadata()
                      .withNewInvolvedObject()
                      .withKind("Job")
                      .withApiVersion("batch/v1")
                      .withName(name)
                      .withNamespace(ns)
                      .withUid(job.getMetadata().getUid())
                      .endInvolvedObject()
                      .withType("Warning")
                      .withReason("FailedCreate")
                      .withMessage("Error creating: " + refused)
                      .withLastTimestamp(Instant.now().toString())
                      .build())
              .create();
          // The Job controller's sync after the refusal writes the Job's status.
          status(j -> j.getStatus().setActive(0));
          return; // the Job stays without pods, active 0, as long as the quota says no
        }
      }
      String start = Instant.now().toString();
      status(j -> j.getStatus().setStartTime(start));
      Semaphore parallelism = new Semaphore(job.getSpec().getParallelism());
      List<Future<?>> running = new ArrayList<>();
      for (int i = 0; i < completions; i++) {
        int index = i;
        parallelism.acquire();
        if (failure != null) {
          parallelism.release();
          break;
        }
        running.add(
            nodes.submit(
                () -> {
                  try {
                    runIndex(index);
                  } finally {
                    parallelism.release();
                  }
                  return null;
                }));
      }
      for (Future<?> f : running) {
        f.get();
      }
      String end = Instant.now().toString();
      status(
          j -> {
            if (failure != null) {
              j.getStatus().getConditions().add(condition("FailureTarget", failure, null));
              j.getStatus().getConditions().add(condition("Failed", failure, null));
            } else {
              j.getStatus()
                  .getConditions()
                  .add(condition("SuccessCriteriaMet", "CompletionsReached", null));
              j.getStatus().getConditions().add(condition("Complete", "CompletionsReached", null));
              j.getStatus().setCompletionTime(end);
            }
          });
    }

    void runIndex(int index) {
      for (int attempt = 1; failure == null; attempt++) {
        int exit = runPod(index, attempt);
        String action = exit == 0 ? null : action(exit);
        synchronized (this) {
          if (exit == 0) {
            succeeded.add(index);
          } else {
            failedPods++;
          }
          boolean indexFailed =
              exit != 0
                  && ("FailIndex".equals(action) || "FailJob".equals(action) || attempt > retries);
          if (indexFailed) {
            failedIndexes.add(index);
            if ("FailJob".equals(action)) {
              failure = "PodFailurePolicy";
            } else if (!indexed) {
              failure = "BackoffLimitExceeded";
            } else if (maxFailedIndexes != null && failedIndexes.size() > maxFailedIndexes) {
              failure = "MaxFailedIndexesExceeded";
            }
          }
          status(
              j -> {
                j.getStatus().setSucceeded(succeeded.size());
                j.getStatus().setFailed(failedPods);
                if (indexed) {
                  j.getStatus().setCompletedIndexes(ranges(succeeded));
                  j.getStatus().setFailedIndexes(ranges(failedIndexes));
                }
              });
          if (exit == 0 || indexFailed) {
            return;
          }
        }
      }
    }

    /** The pod failure policy's verdict on an exit code (null: count it against the retries). */
    String action(int exit) {
      for (PodFailurePolicyRule r : job.getSpec().getPodFailurePolicy().getRules()) {
        if (r.getOnExitCodes() != null
            && "In".equals(r.getOnExitCodes().getOperator())
            && r.getOnExitCodes().getValues().contains(exit)) {
          return r.getAction();
        }
      }
      return null;
    }

    int runPod(int index, int attempt) {
      Container c =
          job.getSpec().getTemplate().getSpec().getContainers().stream()
              .filter(k -> StageJobs.CONTAINER.equals(k.getName()))
              .findFirst()
              .orElseThrow();
      String podName =
          name
              + "-"
              + (indexed ? index + "-" : "")
              + Integer.toString(podNames.incrementAndGet(), 36);
      Map<String, String> labels =
          new HashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
      labels.put("batch.kubernetes.io/job-name", name);
      labels.put("job-name", name);
      if (indexed) {
        labels.put("batch.kubernetes.io/job-completion-index", String.valueOf(index));
      }
      Pod pod =
          new PodBuilder()
              .withNewMetadata()
              .withName(podName)
              .withNamespace(ns)
              .withLabels(labels)
              .withCreationTimestamp(Instant.now().toString())
              .endMetadata()
              .withSpec(job.getSpec().getTemplate().getSpec())
              .withNewStatus()
              .withPhase("Running")
              .endStatus()
              .build();
      client.pods().inNamespace(ns).resource(pod).create();

      Map<String, String> env = environment(c, podName);
      if (indexed) {
        env.put("JOB_COMPLETION_INDEX", String.valueOf(index));
      }
      String phase = job.getMetadata().getLabels().get(StageJobs.PHASE_LABEL);
      Integer injected = attempt == 1 ? firstAttemptExits.remove(phase + "/" + index) : null;
      int exit;
      StringWriter log = new StringWriter();
      if (injected != null) {
        exit = injected;
        log.write("the node running this pod was lost\n");
      } else if (job.getSpec().getTemplate().getSpec().getInitContainers() != null
          && !job.getSpec().getTemplate().getSpec().getInitContainers().isEmpty()) {
        exit = runCommandPod(podName, index, log);
      } else {
        // A hostPath volume is the host's folder: paths under its mount are rewritten to it.
        Map<String, java.nio.file.Path> hostPaths =
            hostPaths(job.getSpec().getTemplate().getSpec());
        exit = runWorker(mappedCommand(c, hostPaths), mapped(c, env, hostPaths, index), log);
      }
      podRuns.add(new PodRun(name, index, attempt, exit));
      podLogs.add(log.toString());
      String message = exit == 0 ? null : lastLines(log.toString());
      podStatus(
          podName,
          exit == 0 ? "Succeeded" : "Failed",
          new ContainerStatusBuilder()
              .withName(c.getName())
              .withNewState()
              .withNewTerminated()
              .withExitCode(exit)
              .withReason(exit == 0 ? "Completed" : "Error")
              .withMessage(message)
              .endTerminated()
              .endState()
              .build());
      return exit;
    }

    /** Writes a pod's phase and its one container status, as the kubelet reports them. */
    private void podStatus(String podName, String phase, ContainerStatus container) {
      client
          .pods()
          .inNamespace(ns)
          .withName(podName)
          .editStatus(
              p ->
                  new PodBuilder(p)
                      .editStatus()
                      .withPhase(phase)
                      .withContainerStatuses(container)
                      .endStatus()
                      .build());
    }

    /** The worker image's {@code reprise}, run in this JVM. */
    private int runWorker(Container c, Map<String, String> env, StringWriter log) {
      List<String> command = c.getCommand();
      if (!"reprise".equals(command.get(0))) {
        throw new IllegalStateException("worker containers run reprise, not " + command);
      }
      PrintWriter out = new PrintWriter(log, true);
      int exit =
          Reprise.execute(env, out, out, command.subList(1, command.size()).toArray(String[]::new));
      out.flush();
      return exit;
    }

    /**
     * A command stage's pod, as a kubelet runs it: the init container, then the user's container
     * (its command as a host process, through the real reprise-launcher) and the worker beside it.
     * The pod's emptyDir volumes are host folders: every path under a mount is rewritten to its
     * folder. The worker image's reprise-launcher is the one built from this repository. Returns
     * the worker container's exit code (the one the pod failure policy reads).
     */
    private int runCommandPod(String podName, int index, StringWriter log) {
      var spec = job.getSpec().getTemplate().getSpec();
      for (Container k : spec.getContainers()) {
        if (unpullable.contains(k.getImage())) {
          return waitForever(podName, k);
        }
      }
      Map<String, java.nio.file.Path> volumes = new HashMap<>();
      Map<String, java.nio.file.Path> hostPaths = hostPaths(spec);
      try {
        for (var v : spec.getVolumes()) {
          if (!hostPaths.containsKey(v.getName())) {
            volumes.put(v.getName(), java.nio.file.Files.createTempDirectory("testing-pod-"));
          }
        }
        volumes.putAll(hostPaths);
        Container init = spec.getInitContainers().get(0);
        Map<String, String> initEnv = mapped(init, environment(init, podName), volumes, index);
        initEnv.put("REPRISE_LAUNCHER", TestingLauncher.path().toString());
        int staged = runWorker(mappedCommand(init, volumes), initEnv, log);
        if (staged != 0) {
          return staged;
        }
        Container program =
            spec.getContainers().stream()
                .filter(k -> StageJobs.COMMAND_CONTAINER.equals(k.getName()))
                .findFirst()
                .orElseThrow();
        Container worker =
            spec.getContainers().stream()
                .filter(k -> StageJobs.CONTAINER.equals(k.getName()))
                .findFirst()
                .orElseThrow();
        Map<String, String> programEnv = new HashMap<>(System.getenv());
        programEnv.putAll(mapped(program, environment(program, podName), volumes, index));
        ProcessBuilder pb =
            new ProcessBuilder(mappedCommand(program, volumes).getCommand())
                .directory(new java.io.File(rewrite(program.getWorkingDir(), program, volumes)))
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(programEnv);
        Process p = pb.start();
        Future<Integer> commit =
            controllers.submit(
                () ->
                    runWorker(
                        mappedCommand(worker, volumes),
                        mapped(worker, environment(worker, podName), volumes, index),
                        log));
        programLogs.add(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        p.waitFor();
        return commit.get();
      } catch (Exception e) {
        throw new IllegalStateException("the fixture could not run pod " + podName, e);
      } finally {
        volumes.entrySet().stream()
            .filter(e -> !hostPaths.containsKey(e.getKey())) // the host's data is never deleted
            .forEach(e -> deleteTree(e.getValue()));
      }
    }

    /** The pod stays Pending with the kubelet's pull back-off; the Job shows it active. */
    private int waitForever(String podName, Container k) {
      podStatus(
          podName,
          "Pending",
          new ContainerStatusBuilder()
              .withName(k.getName())
              .withImage(k.getImage())
              .withNewState()
              .withNewWaiting()
              .withReason("ImagePullBackOff")
              .withMessage("Back-off pulling image \"" + k.getImage() + "\"")
              .endWaiting()
              .endState()
              .build());
      status(j -> j.getStatus().setActive(1));
      try {
        new java.util.concurrent.CountDownLatch(1).await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("the cluster closed while " + podName + " waited");
    }

    private Map<String, String> mapped(
        Container c, Map<String, String> env, Map<String, java.nio.file.Path> volumes, int index) {
      Map<String, String> out = new HashMap<>();
      env.forEach((k, v) -> out.put(k, rewrite(v, c, volumes)));
      if (indexed) {
        out.put("JOB_COMPLETION_INDEX", String.valueOf(index));
      }
      return out;
    }

    private Container mappedCommand(Container c, Map<String, java.nio.file.Path> volumes) {
      Container copy = new io.fabric8.kubernetes.api.model.ContainerBuilder(c).build();
      copy.setCommand(c.getCommand().stream().map(a -> rewrite(a, c, volumes)).toList());
      return copy;
    }

    /**
     * The pod's hostPath volumes, by name, as host folders (which must exist, as for type
     * Directory). The fixture has no PersistentVolumes: a pod with a claim cannot run here.
     */
    private Map<String, java.nio.file.Path> hostPaths(
        io.fabric8.kubernetes.api.model.PodSpec spec) {
      Map<String, java.nio.file.Path> out = new HashMap<>();
      for (var v : spec.getVolumes()) {
        if (v.getPersistentVolumeClaim() != null) {
          throw new IllegalStateException(
              "the fixture cannot mount claim " + v.getPersistentVolumeClaim().getClaimName());
        }
        if (v.getHostPath() != null) {
          java.nio.file.Path host = java.nio.file.Path.of(v.getHostPath().getPath());
          if (!java.nio.file.Files.isDirectory(host)) {
            throw new IllegalStateException("hostPath " + host + " is not a folder on this host");
          }
          out.put(v.getName(), host);
        }
      }
      return out;
    }

    /** A path under one of the container's mounts, as the host folder of that volume. */
    private String rewrite(String value, Container c, Map<String, java.nio.file.Path> volumes) {
      for (var m : c.getVolumeMounts()) {
        String mount = m.getMountPath();
        if (!volumes.containsKey(m.getName())) {
          continue;
        }
        if (value.equals(mount) || value.startsWith(mount + "/")) {
          return volumes.get(m.getName()) + value.substring(mount.length());
        }
      }
      return value;
    }

    private Map<String, String> environment(Container c, String podName) {
      Map<String, String> env = new HashMap<>();
      for (EnvVar v : c.getEnv()) {
        if (v.getValue() != null) {
          env.put(v.getName(), v.getValue());
        } else if (v.getValueFrom().getSecretKeyRef() != null) {
          Secret s =
              client
                  .secrets()
                  .inNamespace(ns)
                  .withName(v.getValueFrom().getSecretKeyRef().getName())
                  .get();
          if (s == null) {
            throw new IllegalStateException(
                "pod " + podName + " needs Secret " + v.getValueFrom().getSecretKeyRef().getName());
          }
          String data = s.getData().get(v.getValueFrom().getSecretKeyRef().getKey());
          env.put(
              v.getName(), new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8));
        } else if ("metadata.name".equals(v.getValueFrom().getFieldRef().getFieldPath())) {
          env.put(v.getName(), podName);
        } else {
          throw new IllegalStateException("the fixture cannot resolve " + v);
        }
      }
      return env;
    }

    private synchronized void status(java.util.function.Consumer<Job> change) {
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(ns)
          .withName(name)
          .editStatus(
              j -> {
                if (j.getStatus() == null) {
                  j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatus());
                }
                if (j.getStatus().getConditions() == null) {
                  j.getStatus().setConditions(new ArrayList<>());
                }
                change.accept(j);
                return j;
              });
    }
  }

  /** What the kubelet keeps of a failed pod's log: at most the last 80 lines and 2048 bytes. */
  static String lastLines(String log) {
    String[] lines = log.split("\n");
    String tail =
        String.join(
            "\n",
            java.util.Arrays.asList(lines).subList(Math.max(0, lines.length - 80), lines.length));
    return tail.length() <= 2048 ? tail : tail.substring(tail.length() - 2048);
  }

  static void deleteTree(java.nio.file.Path dir) {
    try (var walk = java.nio.file.Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // a leftover temporary folder of a test pod
    }
  }

  static String ranges(Set<Integer> indexes) {
    return indexes.isEmpty()
        ? null
        : String.join(",", indexes.stream().map(String::valueOf).toList());
  }

  static JobCondition condition(String type, String reason, String message) {
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(Instant.now().toString())
        .build();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    if (watch != null) {
      watch.close();
    }
    controllers.shutdownNow();
    nodes.shutdownNow();
  }
}

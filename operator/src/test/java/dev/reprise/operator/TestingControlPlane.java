package dev.reprise.operator;

import static org.junit.jupiter.api.Assertions.fail;

import dev.reprise.operator.crd.Pipeline;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Kubernetes control plane on loopback, started by {@code k8s/dev/cluster.sh up}: etcd,
 * kube-apiserver, kube-controller-manager (the real Job, TTL and garbage-collection controllers),
 * the host kubelet, S3Proxy, Reprise installed with real Helm (or {@code kubectl apply -k k8s}),
 * and the operator's production build as a process holding a token of the chart's ServiceAccount.
 *
 * <p>The test methods ({@code test.*}, core's test jar) reach the operator and the pods as users'
 * methods do: a ConfigMap named in the chart's {@code methods.configMap}.
 *
 * <p>Without the binaries (k8s/dev/build-control-plane.sh) or root, the tests are skipped, unless
 * {@value #REQUIRED} is set (as .ci/run does): then that is a failure.
 */
final class TestingControlPlane implements AutoCloseable {
  /** The JUnit tag of tests on this cluster: failsafe runs them, after the operator is packaged. */
  static final String TAG = "control-plane";

  /** Environment variable: set (to anything) to fail instead of skipping without the binaries. */
  static final String REQUIRED = "REPRISE_CONTROL_PLANE_REQUIRED";

  /** The operator's release namespace. */
  static final String OPERATOR_NAMESPACE = "reprise";

  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path SCRIPT = REPO.resolve("k8s/dev/cluster.sh");
  private static TestingControlPlane shared;

  /** The node folder the shared cluster's chart allows as a hostPath (data.allowedHostPaths). */
  static final Path DATA = REPO.resolve("operator/target/control-plane-data");

  final Path dir;
  final Map<String, String> env;
  final KubernetesClient client;

  private TestingControlPlane(Path dir, Map<String, String> env, KubernetesClient client) {
    this.dir = dir;
    this.env = env;
    this.client = client;
  }

  /**
   * The cluster the test JVM shares (installed with Helm): started on first use, stopped when the
   * JVM exits. Finished Jobs live 20 s (the TTL controller's work is part of what is tested) and a
   * failing slice is retried once.
   */
  static synchronized TestingControlPlane shared() {
    if (shared == null) {
      shared =
          start(
              "shared",
              Map.of(
                  "REPRISE_HELM_ARGS",
                  "--set worker.jobTtlSeconds=20 --set worker.retriesPerSlice=1"
                      + " --set operator.recheckSeconds=10"
                      + " --set data.allowedHostPaths={"
                      + DATA
                      + "}"));
      TestingControlPlane c = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(c::close, "control-plane-down"));
    }
    return shared;
  }

  /**
   * Starts a cluster of its own: {@code settings} are cluster.sh's variables (REPRISE_INSTALL,
   * REPRISE_HELM_ARGS, ...).
   */
  static TestingControlPlane start(String name, Map<String, String> settings) {
    available();
    int port = freePorts();
    Path dir = REPO.resolve("operator/target/control-plane-" + name);
    Map<String, String> vars = new LinkedHashMap<>(settings);
    vars.put("REPRISE_DEV_DIR", dir.toString());
    vars.put("REPRISE_DEV_PORT", Integer.toString(port));
    vars.put("REPRISE_METHODS_JAR", testMethodsJar().toString());
    String out = run(vars, Duration.ofMinutes(5), SCRIPT.toString(), "up");
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("export ")) {
        String[] kv = line.substring("export ".length()).split("=", 2);
        env.put(kv[0], kv[1].replace("$PATH", System.getenv("PATH")));
      }
    }
    env.put("REPRISE_DEV_DIR", dir.toString());
    env.put("REPRISE_DEV_PORT", Integer.toString(port));
    env.putAll(settings);
    try {
      Config config = Config.fromKubeconfig(Files.readString(Path.of(env.get("KUBECONFIG"))));
      return new TestingControlPlane(
          dir, env, new KubernetesClientBuilder().withConfig(config).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Skips (or, with {@value #REQUIRED}, fails) when this machine cannot run the cluster. */
  private static void available() {
    String why = null;
    if (!"root".equals(System.getProperty("user.name"))) {
      why = "the host kubelet bind-mounts pods' volumes, which needs root";
    } else {
      try {
        Process p =
            new ProcessBuilder(REPO.resolve("k8s/dev/build-control-plane.sh").toString(), "--check")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
          why = out.strip();
        }
      } catch (IOException e) {
        why = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        why = e.toString();
      }
    }
    if (why != null) {
      if (System.getenv(REQUIRED) != null) {
        fail("the real control plane is required (" + REQUIRED + ") but: " + why);
      }
      Assumptions.abort("no real control plane here: " + why);
    }
  }

  /** The first of seven free loopback ports in a row (cluster.sh's REPRISE_DEV_PORT). */
  private static int freePorts() {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20000 + 10 * ThreadLocalRandom.current().nextInt(2000);
      List<ServerSocket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 7; i++) {
          held.add(new ServerSocket(base + i, 1, java.net.InetAddress.getLoopbackAddress()));
        }
        return base;
      } catch (IOException taken) {
        // try another range
      } finally {
        for (ServerSocket s : held) {
          try {
            s.close();
          } catch (IOException ignored) {
            // closing a probe socket
          }
        }
      }
    }
    throw new IllegalStateException("no six free loopback ports in a row");
  }

  /**
   * core's test methods as a users' method jar: the {@code test.*} classes and their service file
   * from core's test classes.
   */
  private static Path testMethodsJar() {
    Path classes = REPO.resolve("core/target/test-classes");
    Path jar = REPO.resolve("operator/target/reprise-test-methods.jar");
    String services = "META-INF/services/dev.reprise.core.method.Method";
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      List<Path> files = new ArrayList<>();
      try (var walk = Files.walk(classes.resolve("dev/reprise/core/method"))) {
        walk.filter(f -> f.getFileName().toString().startsWith("TestingMethods"))
            .sorted()
            .forEach(files::add);
      }
      files.add(classes.resolve(services));
      for (Path f : files) {
        JarEntry e = new JarEntry(classes.relativize(f).toString().replace('\\', '/'));
        e.setTime(0); // the same bytes every build: the methods' code digest stays put
        out.putNextEntry(e);
        out.write(Files.readAllBytes(f));
        out.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot make the test methods' jar (build core's tests first): " + e.getMessage(), e);
    }
    try (JarFile check = new JarFile(jar.toFile())) {
      if (check.getEntry(services) == null) {
        throw new IllegalStateException(jar + " has no " + services);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return jar;
  }

  /** Runs a command with cluster.sh's variables; its stdout, or a failure with its output. */
  static String run(Map<String, String> vars, Duration timeout, String... command) {
    try {
      Path log = Files.createTempFile("control-plane", ".log");
      ProcessBuilder pb =
          new ProcessBuilder(command).redirectError(log.toFile()).directory(REPO.toFile());
      pb.environment().putAll(vars);
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(
            String.join(" ", command)
                + " took more than "
                + timeout
                + ": "
                + Files.readString(log));
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        fail(
            String.join(" ", command)
                + " exited with "
                + p.exitValue()
                + ":\n"
                + text
                + Files.readString(log));
      }
      Files.delete(log);
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A committed output file of {@code key}, read from the cluster's store. */
  String output(String key, String file) throws Exception {
    dev.reprise.core.store.S3Settings s3 =
        new dev.reprise.core.store.S3Settings(
            env.get("REPRISE_S3_ENDPOINT"),
            env.get("AWS_ACCESS_KEY_ID"),
            env.get("AWS_SECRET_ACCESS_KEY"),
            dev.reprise.core.store.S3Settings.DEFAULT_REGION);
    try (var blobs = dev.reprise.core.store.Stores.open(env.get("REPRISE_STORE"), s3)) {
      return new String(
          blobs.read("stages/" + key + "/outputs/" + file).orElseThrow(),
          java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** kubectl (the one cluster.sh put on the PATH) against this cluster; its output. */
  String kubectl(String... args) {
    return tool("kubectl", args);
  }

  /** helm against this cluster; its output. */
  String helm(String... args) {
    return tool("helm", args);
  }

  private String tool(String name, String... args) {
    String path = env.get("PATH").split(":")[0] + "/" + name;
    List<String> command = new ArrayList<>(List.of(path));
    command.addAll(List.of(args));
    return run(env, Duration.ofMinutes(2), command.toArray(String[]::new));
  }

  /** {@code cluster.sh operator stop|start|restart}: the operator process alone. */
  void operator(String action) {
    run(env, Duration.ofMinutes(3), SCRIPT.toString(), "operator", action);
  }

  /** {@code cluster.sh operator stop|start|restart standby}: a second replica of the operator. */
  void standby(String action) {
    run(env, Duration.ofMinutes(3), SCRIPT.toString(), "operator", action, "standby");
  }

  /**
   * A fresh namespace for one test's pipelines, with the store's Secret and the methods' ConfigMap
   * the pods need there (copied from namespace default, where cluster.sh put them).
   */
  String namespace() {
    String ns = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    Secret secret = client.secrets().inNamespace("default").withName("reprise-store").get();
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(secret.getMetadata().getName())
                .endMetadata()
                .withData(secret.getData())
                .build())
        .create();
    ConfigMap methods =
        client.configMaps().inNamespace("default").withName("reprise-methods").get();
    client
        .configMaps()
        .inNamespace(ns)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(methods.getMetadata().getName())
                .endMetadata()
                .withBinaryData(methods.getBinaryData())
                .build())
        .create();
    return ns;
  }

  Pipeline apply(String namespace, String yaml) {
    Pipeline p = client.getKubernetesSerialization().unmarshal(yaml, Pipeline.class);
    return client.resources(Pipeline.class).inNamespace(namespace).resource(p).create();
  }

  /** Waits (watching the API server) until the pipeline's status satisfies {@code ok}. */
  Pipeline await(
      String namespace, String name, Predicate<Pipeline> ok, Duration timeout, String what) {
    try {
      return client
          .resources(Pipeline.class)
          .inNamespace(namespace)
          .withName(name)
          .waitUntilCondition(
              p -> p != null && ok.test(p), timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (io.fabric8.kubernetes.client.KubernetesClientTimeoutException e) {
      Pipeline p = client.resources(Pipeline.class).inNamespace(namespace).withName(name).get();
      fail(
          "pipeline "
              + namespace
              + "/"
              + name
              + " did not reach "
              + what
              + " in "
              + timeout
              + "; status: "
              + (p == null ? null : client.getKubernetesSerialization().asJson(p.getStatus()))
              + "\noperator log tail:\n"
              + tail(dir.resolve("logs/operator.log"), 30));
      return null;
    }
  }

  /** Waits until the pipeline's phase is {@code phase} for its current generation. */
  Pipeline await(String namespace, String name, String phase, Duration timeout) {
    return await(namespace, name, OperatorHarness.inPhase(phase), timeout, "phase " + phase);
  }

  /** Waits (watching) until the Job named so, or null once it is gone, satisfies {@code ok}. */
  Job awaitJob(String namespace, String name, Predicate<Job> ok, Duration timeout, String what) {
    try {
      return client
          .batch()
          .v1()
          .jobs()
          .inNamespace(namespace)
          .withName(name)
          .waitUntilCondition(ok, timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (io.fabric8.kubernetes.client.KubernetesClientTimeoutException e) {
      fail("Job " + namespace + "/" + name + " not " + what + " in " + timeout);
      return null;
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(" + e + ")";
    }
  }

  @Override
  public void close() {
    client.close();
    run(env, Duration.ofMinutes(1), SCRIPT.toString(), "down");
  }
}

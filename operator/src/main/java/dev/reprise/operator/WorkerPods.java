package dev.reprise.operator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.core.InvalidInputException;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What every stage's pods get unless the stage says otherwise, and where they may run.
 *
 * @param cpu CPU request of each pod when the stage does not set {@code resources.cpu}
 * @param memory memory request and limit of each pod when the stage does not set {@code
 *     resources.memory}; null for none
 * @param methodsConfigMap a ConfigMap of users' method jars, mounted at {@value
 *     OperatorSettings#METHODS_DIR} in every pod (the operator mounts it there too); null for none
 * @param nodeSelector node labels the pods need (a node pool for batch work, say)
 * @param tolerations taints the pods tolerate (spot or dedicated nodes)
 * @param pullSecrets Secrets, in each pipeline's namespace, for pulling the worker image
 * @param ephemeralStorage ephemeral-storage request of each pod (its /tmp, the input cache and a
 *     command's workspace live there); null for none
 * @param ephemeralStorageLimit ephemeral-storage limit of each pod: above it the kubelet evicts the
 *     pod; null for none
 * @param scratchSize sizeLimit of each emptyDir volume (/tmp and a command's workspace); null for
 *     none
 */
public record WorkerPods(
    String cpu,
    String memory,
    String methodsConfigMap,
    Map<String, String> nodeSelector,
    List<Toleration> tolerations,
    List<String> pullSecrets,
    String ephemeralStorage,
    String ephemeralStorageLimit,
    String scratchSize) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One CPU, no memory request, built-in methods only, anywhere, no disk bounds. */
  public static final WorkerPods DEFAULT =
      new WorkerPods("1", null, null, Map.of(), List.of(), List.of());

  /** Without disk requests or bounds. */
  public WorkerPods(
      String cpu,
      String memory,
      String methodsConfigMap,
      Map<String, String> nodeSelector,
      List<Toleration> tolerations,
      List<String> pullSecrets) {
    this(cpu, memory, methodsConfigMap, nodeSelector, tolerations, pullSecrets, null, null, null);
  }

  public WorkerPods {
    nodeSelector = Map.copyOf(nodeSelector);
    tolerations = List.copyOf(tolerations);
    pullSecrets = List.copyOf(pullSecrets);
  }

  /**
   * From the Deployment's variables: {@code REPRISE_WORKER_CPU}, {@code REPRISE_WORKER_MEMORY},
   * {@code REPRISE_METHODS_CONFIGMAP}, {@code REPRISE_WORKER_NODE_SELECTOR} (a JSON object), {@code
   * REPRISE_WORKER_TOLERATIONS} (a JSON array of tolerations) and {@code
   * REPRISE_WORKER_PULL_SECRETS} (comma-separated names), {@code REPRISE_WORKER_EPHEMERAL_STORAGE},
   * {@code REPRISE_WORKER_EPHEMERAL_STORAGE_LIMIT} and {@code REPRISE_WORKER_SCRATCH_SIZE}.
   */
  static WorkerPods fromEnvironment(Map<String, String> env) {
    return new WorkerPods(
        env.getOrDefault("REPRISE_WORKER_CPU", "1"),
        blankToNull(env.get("REPRISE_WORKER_MEMORY")),
        blankToNull(env.get("REPRISE_METHODS_CONFIGMAP")),
        json(
            env, "REPRISE_WORKER_NODE_SELECTOR", new TypeReference<Map<String, String>>() {}, "{}"),
        json(env, "REPRISE_WORKER_TOLERATIONS", new TypeReference<List<Toleration>>() {}, "[]"),
        Arrays.stream(env.getOrDefault("REPRISE_WORKER_PULL_SECRETS", "").split(","))
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .toList(),
        blankToNull(env.get("REPRISE_WORKER_EPHEMERAL_STORAGE")),
        blankToNull(env.get("REPRISE_WORKER_EPHEMERAL_STORAGE_LIMIT")),
        blankToNull(env.get("REPRISE_WORKER_SCRATCH_SIZE")));
  }

  private static <T> T json(
      Map<String, String> env, String variable, TypeReference<T> type, String empty) {
    String text = blankToNull(env.get(variable));
    try {
      return JSON.readValue(text == null ? empty : text, type);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(
          variable + " is not valid JSON of the expected shape: " + e.getOriginalMessage(), e);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}

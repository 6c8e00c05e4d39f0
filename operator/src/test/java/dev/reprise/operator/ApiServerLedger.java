package dev.reprise.operator;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the API server reports being created in one namespace, from its own watch streams: every Job
 * and every pod, with uids, and each pod's last state. A Job created twice under one name shows as
 * two uids, whatever deleted the first.
 */
final class ApiServerLedger implements AutoCloseable {
  /** Job name to the uid of each Job created under it, in order. */
  final Map<String, List<String>> jobs = new ConcurrentHashMap<>();

  /** Pod uid to the pod as last seen (deleted pods included). */
  final Map<String, Pod> pods = new ConcurrentHashMap<>();

  private final Watch jobWatch;
  private final Watch podWatch;

  ApiServerLedger(KubernetesClient client, String namespace) {
    jobWatch =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace)
            .watch(
                new Watcher<Job>() {
                  @Override
                  public void eventReceived(Action action, Job job) {
                    List<String> uids =
                        jobs.computeIfAbsent(
                            job.getMetadata().getName(), n -> new CopyOnWriteArrayList<>());
                    synchronized (uids) {
                      if (!uids.contains(job.getMetadata().getUid())) {
                        uids.add(job.getMetadata().getUid());
                      }
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    podWatch =
        client
            .pods()
            .inNamespace(namespace)
            .watch(
                new Watcher<Pod>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    pods.put(pod.getMetadata().getUid(), pod);
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
  }

  /** Pods of one Job (and one completion index, or any with null). */
  List<Pod> podsOf(String job, Integer index) {
    return pods.values().stream()
        .filter(p -> job.equals(p.getMetadata().getLabels().get("batch.kubernetes.io/job-name")))
        .filter(
            p ->
                index == null
                    || index
                        .toString()
                        .equals(
                            p.getMetadata()
                                .getLabels()
                                .get("batch.kubernetes.io/job-completion-index")))
        .toList();
  }

  /** Names created more than once. */
  List<String> createdTwice() {
    return jobs.entrySet().stream()
        .filter(e -> e.getValue().size() > 1)
        .map(Map.Entry::getKey)
        .toList();
  }

  @Override
  public void close() {
    jobWatch.close();
    podWatch.close();
  }
}

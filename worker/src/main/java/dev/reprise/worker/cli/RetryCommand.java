package dev.reprise.worker.cli;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.RepriseException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code reprise retry NAME}: asks the operator to retry a finished Pipeline by setting its {@code
 * reprise.dev/retry} annotation to a new value, through {@code kubectl} (so the user's kubeconfig,
 * context and credentials apply as they do for everything else they run against the cluster).
 */
@Command(
    name = "retry",
    mixinStandardHelpOptions = true,
    description =
        "Retries a finished Pipeline on Kubernetes: sets its reprise.dev/retry annotation to a new"
            + " value (with kubectl). The operator deletes its finished Jobs and plans it afresh.")
final class RetryCommand implements Callable<Integer> {
  /** The annotation the operator watches (PipelineReconciler.RETRY_ANNOTATION). */
  static final String ANNOTATION = "reprise.dev/retry";

  @Parameters(paramLabel = "NAME", description = "The Pipeline's name.")
  String name;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description = "The Pipeline's namespace (default: kubectl's current one).")
  String namespace;

  @Option(
      names = "--kubectl",
      paramLabel = "PATH",
      defaultValue = "kubectl",
      description = "The kubectl to run (default: kubectl on PATH).")
  String kubectl;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String value = Instant.now().toString();
    List<String> argv = new ArrayList<>(List.of(kubectl));
    if (namespace != null) {
      argv.addAll(List.of("--namespace", namespace));
    }
    argv.addAll(
        List.of(
            "annotate", "pipelines.reprise.dev", name, ANNOTATION + "=" + value, "--overwrite"));
    Process p;
    try {
      p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new InvalidInputException(
          "reprise retry runs "
              + kubectl
              + ", which cannot be started ("
              + e.getMessage()
              + "). Set the annotation yourself: kubectl annotate pipelines.reprise.dev "
              + name
              + " "
              + ANNOTATION
              + "="
              + value
              + " --overwrite");
    }
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    int code = p.waitFor();
    PrintWriter out = spec.commandLine().getOut();
    if (code != 0) {
      throw new RepriseException(
          "kubectl could not annotate pipeline " + name + " (exit " + code + "): " + said);
    }
    out.println(
        "retry asked for pipeline "
            + name
            + " ("
            + ANNOTATION
            + "="
            + value
            + "); follow it with: kubectl get pipeline "
            + name
            + (namespace == null ? "" : " -n " + namespace)
            + " -w");
    out.flush();
    return 0;
  }
}

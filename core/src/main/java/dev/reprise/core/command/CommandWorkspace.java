package dev.reprise.core.command;

import dev.reprise.core.StoreException;
import dev.reprise.core.key.CanonicalJson;
import dev.reprise.core.method.InputArtifacts;
import dev.reprise.core.method.PhaseContext;
import dev.reprise.core.store.ArtifactStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The folders a command stage's program sees, laid out the same way on the host and in a pod:
 *
 * <pre>
 * inputs/&lt;input&gt;/...   REPRISE_INPUTS: each upstream stage's committed outputs (read-only)
 * outputs/               REPRISE_OUTPUTS: empty; what the program leaves here is the output
 * params.json            REPRISE_PARAMS: the stage's params
 * work/                  the working directory: the shipped files, laid out as next to the document
 * status/                (in a pod) the launcher's exit code and the tail of the program's stderr
 * </pre>
 */
public final class CommandWorkspace {
  public static final String INPUTS = "REPRISE_INPUTS";
  public static final String OUTPUTS = "REPRISE_OUTPUTS";
  public static final String PARAMS = "REPRISE_PARAMS";
  public static final String SLICE = "REPRISE_SLICE";
  public static final String SLICES = "REPRISE_SLICES";

  /** Thread variables set to the CPUs a slice has, so numpy, MATLAB and R do not oversubscribe. */
  public static final java.util.List<String> THREAD_VARS =
      java.util.List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS");

  private final Path root;
  private final Path outputs;

  /**
   * @param root the workspace folder
   * @param outputs where the program's outputs go (a phase's out folder locally)
   */
  public CommandWorkspace(Path root, Path outputs) {
    this.root = root;
    this.outputs = outputs;
  }

  /** A workspace whose outputs folder is inside it (a pod's shared volume). */
  public static CommandWorkspace at(Path root) {
    return new CommandWorkspace(root, root.resolve("outputs"));
  }

  public Path root() {
    return root;
  }

  public Path inputs() {
    return root.resolve("inputs");
  }

  public Path outputs() {
    return outputs;
  }

  public Path params() {
    return root.resolve("params.json");
  }

  public Path work() {
    return root.resolve("work");
  }

  public Path status() {
    return root.resolve("status");
  }

  /**
   * Lays out inputs, params and shipped files for one slice.
   *
   * @param inputNames the stage's input names; each is read from {@code ctx}
   */
  public void stage(
      PhaseContext ctx, Collection<String> inputNames, CommandSpec spec, ArtifactStore store) {
    try {
      Files.createDirectories(inputs());
      Files.createDirectories(outputs);
      Files.createDirectories(work());
      Files.createDirectories(status());
      for (String name : inputNames) {
        InputArtifacts in = ctx.input(name);
        Path dir = Files.createDirectories(inputs().resolve(name));
        for (String artifact : in.names()) {
          Path target = dir.resolve(artifact);
          Files.createDirectories(target.getParent());
          // A copy, not a link: a program that writes to its input must not reach the store.
          Files.copy(in.path(artifact), target);
          target.toFile().setReadOnly();
        }
      }
      Files.writeString(
          params(), CanonicalJson.write(ctx.params().asMap()), StandardCharsets.UTF_8);
      for (Map.Entry<String, String> f : spec.files().entrySet()) {
        store.fetchFile(f.getValue(), work().resolve(f.getKey()));
      }
    } catch (IOException e) {
      throw new StoreException(
          "cannot lay out the command's folders in " + root + ": " + e.getMessage(), e);
    }
  }

  /** The variables of the program's contract, with the paths the program sees. */
  public static Map<String, String> contract(
      String inputs, String outputs, String params, int slice, int slices) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(INPUTS, inputs);
    env.put(OUTPUTS, outputs);
    env.put(PARAMS, params);
    env.put(SLICE, String.valueOf(slice));
    env.put(SLICES, String.valueOf(slices));
    return env;
  }

  /** The contract's variables for a program that sees this workspace where it is. */
  public Map<String, String> contract(int slice, int slices) {
    return contract(inputs().toString(), outputs.toString(), params().toString(), slice, slices);
  }
}

package dev.reprise.core.command;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a command stage runs, as its key sees it: the image (by the reference the user wrote), the
 * argv, the extra environment, and the content of every shipped file by its path relative to the
 * document.
 *
 * @param image the container image, or null when the stage runs only on the host
 * @param command argv; no shell unless the user writes one
 * @param env extra environment variables
 * @param files path (relative, '/'-separated, folders expanded) to the file's SHA-256
 */
public record CommandSpec(
    String image, List<String> command, Map<String, String> env, Map<String, String> files) {
  /** The name a command stage shows where a method stage shows its method. */
  public static final String KIND = "command";

  public CommandSpec {
    Objects.requireNonNull(command, "command");
    command = List.copyOf(command);
    env = new TreeMap<>(env);
    files = new TreeMap<>(files);
  }

  /** Whether the image is pinned by digest ({@code name@sha256:...}) rather than by a tag. */
  public boolean pinned() {
    return image != null && image.contains("@sha256:");
  }

  /** The argv as a user would type it, for messages. */
  public String commandLine() {
    return String.join(" ", command);
  }
}

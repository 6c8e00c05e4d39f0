package dev.reprise.core.command;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs a program as a child process: its output lines go to the log, the last lines of its stderr
 * are kept for the failure message. Interrupting the waiting thread kills the program and its
 * children.
 */
public final class CommandProcess {
  /** How many stderr lines a failure message quotes. */
  public static final int TAIL_LINES = 20;

  private static final int LINE_CHARS = 500;

  /** How a run ended: the exit code and the last lines of stderr. */
  public record Exit(int code, List<String> stderrTail) {
    /** The stderr tail as an indented block, or "" when the program printed nothing there. */
    public String tailText() {
      return stderrTail.isEmpty()
          ? ""
          : "; the last lines of its stderr:\n  " + String.join("\n  ", stderrTail);
    }
  }

  private CommandProcess() {}

  /**
   * @param argv the program and its arguments
   * @param dir the working directory
   * @param env the whole environment of the program
   * @param log receives each line the program prints, stdout and stderr
   * @throws IOException when the program cannot be started (not found, not executable)
   */
  public static Exit run(List<String> argv, Path dir, Map<String, String> env, Consumer<String> log)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    Deque<String> tail = new ArrayDeque<>();
    Thread out = pump(p.getInputStream(), log, null);
    Thread err = pump(p.getErrorStream(), log, tail);
    try {
      int code = p.waitFor();
      out.join();
      err.join();
      synchronized (tail) {
        return new Exit(code, List.copyOf(tail));
      }
    } catch (InterruptedException e) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw e;
    }
  }

  private static Thread pump(InputStream in, Consumer<String> log, Deque<String> tail) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  log.accept(line);
                  if (tail != null) {
                    synchronized (tail) {
                      tail.addLast(
                          line.length() > LINE_CHARS
                              ? line.substring(0, LINE_CHARS) + "..."
                              : line);
                      if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                      }
                    }
                  }
                }
              } catch (IOException e) {
                // The program closed its end; what it printed so far is kept.
              }
            },
            "reprise-command-output");
    t.setDaemon(true);
    t.start();
    return t;
  }
}

package dev.reprise.worker.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the command line in this JVM or in a child JVM and captures what it prints. */
final class TestingCli {
  record Result(int exitCode, String out, String err) {}

  private TestingCli() {}

  /** In this JVM (stdout and stderr captured; callers must not run these in parallel). */
  static synchronized Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Reprise.execute(args);
      return new Result(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /**
   * A child JVM running {@code reprise} with this test's class path; output goes to {@code log}.
   */
  static Process spawn(Path log, List<String> jvmArgs, String... args) throws Exception {
    return spawn(log, jvmArgs, java.util.Map.of(), args);
  }

  /**
   * As {@link #spawn(Path, List, String...)}, with {@code env} added to the child's environment.
   */
  static Process spawn(
      Path log, List<String> jvmArgs, java.util.Map<String, String> env, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Reprise.class.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }
}

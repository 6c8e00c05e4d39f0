package dev.reprise.worker.cli;

import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodSpec;
import dev.reprise.core.method.ParamSpec;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code reprise methods}: the methods this build knows, with their inputs and parameters. */
@Command(
    name = "methods",
    mixinStandardHelpOptions = true,
    description = "Lists the available methods, their inputs and parameters.")
final class MethodsCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    for (Method m : Reprise.methods().all()) {
      MethodSpec s = m.spec();
      System.out.println(s.name() + (s.description().isEmpty() ? "" : ": " + s.description()));
      s.inputs()
          .forEach(
              i ->
                  System.out.println(
                      "  input "
                          + i.name()
                          + (i.required() ? "" : " (optional)")
                          + ": "
                          + i.doc()));
      for (ParamSpec p : s.params()) {
        String def = p.required() ? "required" : "default " + p.defaultValue();
        System.out.println(
            "  param "
                + p.name()
                + " ("
                + p.type().name().toLowerCase()
                + ", "
                + def
                + ")"
                + (p.doc().isEmpty() ? "" : ": " + p.doc()));
      }
    }
    return 0;
  }
}

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
  @picocli.CommandLine.Option(
      names = "--json",
      description =
          "Print the methods as JSON: inputs, outputs, phases and parameters with defaults.")
  boolean json;

  @Override
  public Integer call() {
    if (json) {
      java.util.List<java.util.Map<String, Object>> out = new java.util.ArrayList<>();
      for (Method m : Reprise.methods().all()) {
        MethodSpec s = m.spec();
        java.util.Map<String, Object> j = new java.util.LinkedHashMap<>();
        j.put("name", s.name());
        j.put("description", s.description());
        j.put("phases", s.phases().stream().map(ph -> ph.wireName()).toList());
        j.put("inputs", s.inputs());
        j.put("outputs", s.outputs());
        java.util.List<java.util.Map<String, Object>> params = new java.util.ArrayList<>();
        for (ParamSpec p : s.params()) {
          java.util.Map<String, Object> pj = new java.util.LinkedHashMap<>();
          pj.put("name", p.name());
          pj.put("type", p.type().name().toLowerCase());
          pj.put("required", p.required());
          pj.put("default", p.defaultValue());
          pj.put("doc", p.doc());
          params.add(pj);
        }
        j.put("params", params);
        out.add(j);
      }
      Tables.writeJson(java.nio.file.Path.of("-"), out);
      return 0;
    }
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
        // Defaults as JSON, as they are written in a document: "baseline" [-0.2, 0.0], not a
        // Java list.
        String def =
            p.required()
                ? "required"
                : "default " + dev.reprise.core.key.CanonicalJson.write(p.defaultValue());
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

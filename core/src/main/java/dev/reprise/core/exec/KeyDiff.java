package dev.reprise.core.exec;

import dev.reprise.core.command.CommandSpec;
import dev.reprise.core.key.CanonicalJson;
import dev.reprise.core.key.KeyComponents;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/** Which key components differ between a stage's last run and now, in words a user can act on. */
public final class KeyDiff {
  private KeyDiff() {}

  /**
   * @param inputStages input name to the upstream stage name (to say where a digest came from)
   */
  public static List<String> between(
      KeyComponents before, KeyComponents now, Map<String, String> inputStages) {
    List<String> out = new ArrayList<>();
    if (!Objects.equals(before.method(), now.method())) {
      out.add("method: " + before.method() + " -> " + now.method());
    }
    if (before.isCommand() && now.isCommand()) {
      commandChanges(before.command(), now.command(), out);
    }
    if (!before.isCommand() && !now.isCommand() && !Objects.equals(before.code(), now.code())) {
      out.add(
          "method code of "
              + now.method()
              + " changed (code digest "
              + shortDigest(before.code())
              + " -> "
              + shortDigest(now.code())
              + ")");
    }
    for (String p : new TreeSet<>(union(before.params(), now.params()))) {
      boolean had = before.params().containsKey(p);
      boolean has = now.params().containsKey(p);
      String was = had ? CanonicalJson.write(before.params().get(p)) : null;
      String is = has ? CanonicalJson.write(now.params().get(p)) : null;
      if (!had) {
        out.add("parameter " + p + ": new parameter, = " + is);
      } else if (!has) {
        out.add("parameter " + p + ": no longer exists (was " + was + ")");
      } else if (!was.equals(is)) {
        out.add("parameter " + p + ": " + was + " -> " + is);
      }
    }
    if (before.slices() != now.slices()) {
      out.add("slices: " + before.slices() + " -> " + now.slices());
    }
    for (String in : new TreeSet<>(union(before.inputs(), now.inputs()))) {
      String was = before.inputs().get(in);
      String is = now.inputs().get(in);
      String from =
          inputStages.containsKey(in) ? " (from stage '" + inputStages.get(in) + "')" : "";
      if (!Objects.equals(was, is)) {
        out.add(
            "input "
                + in
                + from
                + ": content changed (output digest "
                + shortDigest(was)
                + " -> "
                + shortDigest(is)
                + ")");
      }
    }
    for (String d : new TreeSet<>(union(before.data(), now.data()))) {
      String was = before.data().get(d);
      String is = now.data().get(d);
      if (!Objects.equals(was, is)) {
        out.add(
            "data file of parameter "
                + d
                + ": content changed (digest "
                + shortDigest(was)
                + " -> "
                + shortDigest(is)
                + ")");
      }
    }
    return out;
  }

  /** What differs in what a command stage runs: image, argv, env, and which shipped files. */
  private static void commandChanges(CommandSpec was, CommandSpec is, List<String> out) {
    if (!Objects.equals(was.image(), is.image())) {
      out.add("image: " + was.image() + " -> " + is.image());
    }
    if (!was.command().equals(is.command())) {
      out.add(
          "command: "
              + CanonicalJson.write(was.command())
              + " -> "
              + CanonicalJson.write(is.command()));
    }
    for (String v : new TreeSet<>(union(was.env(), is.env()))) {
      if (!Objects.equals(was.env().get(v), is.env().get(v))) {
        out.add("env " + v + ": " + was.env().get(v) + " -> " + is.env().get(v));
      }
    }
    for (String f : new TreeSet<>(union(was.files(), is.files()))) {
      String a = was.files().get(f);
      String b = is.files().get(f);
      if (a == null) {
        out.add("file " + f + ": new");
      } else if (b == null) {
        out.add("file " + f + ": no longer shipped");
      } else if (!a.equals(b)) {
        out.add(
            "file "
                + f
                + ": content changed (sha256 "
                + shortDigest(a)
                + " -> "
                + shortDigest(b)
                + ")");
      }
    }
  }

  private static java.util.Set<String> union(Map<String, ?> a, Map<String, ?> b) {
    java.util.Set<String> s = new TreeSet<>(a.keySet());
    s.addAll(b.keySet());
    return s;
  }

  private static String shortDigest(String d) {
    return d == null ? "none" : d.substring(0, Math.min(12, d.length()));
  }
}

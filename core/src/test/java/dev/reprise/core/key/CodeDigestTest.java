package dev.reprise.core.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.method.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code digest follows the code: a method compiled with a local class, a helper nobody lists, a
 * project class in {@code dev.reprise} and a library class; each variant compiled into its own
 * folder and loaded like a user's jar.
 */
class CodeDigestTest {
  @TempDir Path tmp;

  static final String METHOD_A =
      """
      package lab;
      import dev.reprise.core.method.*;
      public class MethodA implements Method {
        public MethodSpec spec() { return MethodSpec.builder("lab.a").build(); }
        public void analysis(PhaseContext ctx) throws Exception {
          class Local { int f(int x) { return LOCAL; } }
          int y = new Local().f(1) + Unlisted.twice(2) + dev.reprise.testing.Shared.three();
          new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(y);
        }
      }
      """;

  static final String UNLISTED =
      "package lab; public class Unlisted { static int twice(int x) { return HELPER; } }";

  static final String SHARED =
      "package dev.reprise.testing; public class Shared { public static int three() { return CORE; } }";

  static final String METHOD_B =
      """
      package lab;
      import dev.reprise.core.method.*;
      public class MethodB implements Method {
        public MethodSpec spec() { return MethodSpec.builder("lab.b").build(); }
        public void analysis(PhaseContext ctx) { int z = OTHER; }
      }
      """;

  private Map<String, String> variant(
      String name, String local, String helper, String core, String other) throws Exception {
    Path src = Files.createDirectories(tmp.resolve(name + "/src"));
    Path out = Files.createDirectories(tmp.resolve(name + "/classes"));
    Path a = Files.writeString(src.resolve("MethodA.java"), METHOD_A.replace("LOCAL", local));
    Path u = Files.writeString(src.resolve("Unlisted.java"), UNLISTED.replace("HELPER", helper));
    Path s = Files.writeString(src.resolve("Shared.java"), SHARED.replace("CORE", core));
    Path b = Files.writeString(src.resolve("MethodB.java"), METHOD_B.replace("OTHER", other));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    String cp = System.getProperty("java.class.path");
    assertEquals(
        0,
        javac.run(
            null,
            null,
            null,
            "-d",
            out.toString(),
            "-cp",
            cp,
            a.toString(),
            u.toString(),
            s.toString(),
            b.toString()));
    URLClassLoader loader =
        new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader());
    Method ma = (Method) loader.loadClass("lab.MethodA").getDeclaredConstructor().newInstance();
    Method mb = (Method) loader.loadClass("lab.MethodB").getDeclaredConstructor().newInstance();
    return Map.of("a", CodeDigest.of(ma), "b", CodeDigest.of(mb));
  }

  @Test
  void aMethodsDigestFollowsEveryClassItReachesAndNoOtherMethods() throws Exception {
    Map<String, String> base = variant("base", "x", "2 * x", "3", "1");
    assertEquals(base, variant("same", "x", "2 * x", "3", "1"), "same code, same digests");

    Map<String, String> local = variant("local", "x + 1", "2 * x", "3", "1");
    assertNotEquals(base.get("a"), local.get("a"), "a local class's body");
    assertEquals(base.get("b"), local.get("b"));

    Map<String, String> helper = variant("helper", "x", "3 * x", "3", "1");
    assertNotEquals(base.get("a"), helper.get("a"), "a helper nobody listed");
    assertEquals(base.get("b"), helper.get("b"));

    Map<String, String> core = variant("core", "x", "2 * x", "4", "1");
    assertNotEquals(base.get("a"), core.get("a"), "a project class in dev.reprise");
    assertEquals(base.get("b"), core.get("b"));

    Map<String, String> other = variant("other", "x", "2 * x", "3", "2");
    assertEquals(base.get("a"), other.get("a"), "another method's code is not A's");
    assertNotEquals(base.get("b"), other.get("b"));
  }

  @Test
  void librariesCountByTheClassesUsedWithoutFollowingThem() throws Exception {
    variant("lib", "x", "2 * x", "3", "1");
    URLClassLoader loader =
        new URLClassLoader(
            new URL[] {tmp.resolve("lib/classes").toUri().toURL()}, getClass().getClassLoader());
    Map<String, String> classes = CodeDigest.classes(loader.loadClass("lab.MethodA"));
    assertTrue(classes.containsKey("lab/MethodA$1Local"), classes.keySet().toString());
    assertTrue(classes.containsKey("lab/Unlisted"));
    assertTrue(classes.containsKey("dev/reprise/testing/Shared"));
    assertTrue(
        classes.containsKey("dev/reprise/core/method/MethodSpec"), "core classes are followed");
    assertTrue(
        classes.containsKey("com/fasterxml/jackson/databind/ObjectMapper"), "a library class used");
    assertFalse(
        classes.keySet().stream()
            .anyMatch(c -> c.startsWith("com/fasterxml/jackson/databind/cfg/")),
        "the library's own classes are not followed");
    assertFalse(
        classes.keySet().stream().anyMatch(c -> c.startsWith("java/")),
        "the JDK counts by version");
  }
}

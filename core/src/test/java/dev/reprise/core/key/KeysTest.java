package dev.reprise.core.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.method.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysTest {
  @TempDir Path tmp;

  @Test
  void canonicalJsonSortsKeysAndWritesNumbersInShortestForm() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("b", List.of(1.0, 0.1, 1e-7, 2.5e21, -3L));
    m.put("a", Map.of("z", true, "y", "q\"\n"));
    m.put("c", null);
    assertEquals(
        "{\"a\":{\"y\":\"q\\\"\\n\",\"z\":true},\"b\":[1,0.1,1e-7,2.5e+21,-3],\"c\":null}",
        CanonicalJson.write(m));
    assertEquals(CanonicalJson.write(Map.of("x", 2L)), CanonicalJson.write(Map.of("x", 2.0)));
  }

  @Test
  void theKeyIsTheSha256OfTheCanonicalComponents() {
    KeyComponents c =
        new KeyComponents("m", "code", Map.of("b", 1L, "a", 0.5), 2, Map.of("in", "d1"), Map.of());
    String json =
        "{\"code\":\"code\",\"data\":{},\"inputs\":{\"in\":\"d1\"},\"method\":\"m\",\"params\":{\"a\":0.5,\"b\":1},\"slices\":2,\"v\":1}";
    assertEquals(json, CanonicalJson.write(c.toJson()));
    assertEquals(Sha256.hex(json), c.key());
    assertEquals(c.key(), KeyComponents.fromJson(c.toJson()).key());
  }

  @Test
  void outputDigestDependsOnNamesAndContentNotOrder() {
    String a = OutputDigest.of(Map.of("x.npy", "11", "y.npy", "22"));
    assertEquals(a, OutputDigest.of(new java.util.TreeMap<>(Map.of("y.npy", "22", "x.npy", "11"))));
    assertNotEquals(a, OutputDigest.of(Map.of("x.npy", "22", "y.npy", "11")));
    assertNotEquals(a, OutputDigest.of(Map.of("z.npy", "11", "y.npy", "22")));
  }

  private static final String METHOD =
      """
      package demo;
      import dev.reprise.core.method.*;
      public class %s implements Method {
        public MethodSpec spec() { return MethodSpec.builder("%s").phases(Phase.SYNTHESIS).build(); }
        public void synthesis(PhaseContext ctx) { Runnable r = new Runnable() { public void run() { %s } }; r.run(); }
        static class Helper { int twice(int x) { return 2 * x; } }
      }
      """;

  private Class<?>[] compile(String name, String bodyA) throws Exception {
    Path src = Files.createDirectories(tmp.resolve(name + "/src/demo"));
    Path out = Files.createDirectories(tmp.resolve(name + "/classes"));
    Files.writeString(src.resolve("MethodA.java"), METHOD.formatted("MethodA", "demo.a", bodyA));
    Files.writeString(
        src.resolve("MethodB.java"), METHOD.formatted("MethodB", "demo.b", "int x = 1;"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc =
        javac.run(
            null,
            null,
            null,
            "-d",
            out.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            src.resolve("MethodA.java").toString(),
            src.resolve("MethodB.java").toString());
    assertEquals(0, rc);
    URLClassLoader loader =
        new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader());
    return new Class<?>[] {loader.loadClass("demo.MethodA"), loader.loadClass("demo.MethodB")};
  }

  @Test
  void changingOneMethodsCodeChangesItsDigestAndNoOtherMethods() throws Exception {
    Class<?>[] v1 = compile("v1", "int x = 1;");
    Class<?>[] v2 = compile("v2", "int x = 2;"); // the change is inside an anonymous nested class
    String a1 = CodeDigest.of((Method) v1[0].getDeclaredConstructor().newInstance());
    String a2 = CodeDigest.of((Method) v2[0].getDeclaredConstructor().newInstance());
    String b1 = CodeDigest.of((Method) v1[1].getDeclaredConstructor().newInstance());
    String b2 = CodeDigest.of((Method) v2[1].getDeclaredConstructor().newInstance());
    assertNotEquals(a1, a2, "method A's code changed");
    assertEquals(b1, b2, "method B's code did not");
    assertEquals(
        a1,
        CodeDigest.of(
            (Method) compile("v1again", "int x = 1;")[0].getDeclaredConstructor().newInstance()));
  }

  @Test
  void dataDigestsAreMemoisedByPathSizeAndMtime() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Path f = data.resolve("a.bin");
    Files.write(f, new byte[] {1, 2, 3});
    Path memo = tmp.resolve("memo.tsv");
    DataDigests d = new DataDigests(memo, null);
    String file = d.digest(f.toString());
    String folder = d.digest(data.toString());
    assertEquals(Sha256.hex(new byte[] {1, 2, 3}), file);
    d.save();
    assertTrue(Files.readString(memo).contains(file));

    // Same size and mtime: the memo answers without reading (so it cannot see this change).
    FileTime mtime = Files.getLastModifiedTime(f);
    Files.write(f, new byte[] {9, 9, 9});
    Files.setLastModifiedTime(f, mtime);
    assertEquals(file, new DataDigests(memo, null).digest(f.toString()));

    // A new mtime makes it read the file again.
    Files.setLastModifiedTime(f, FileTime.fromMillis(mtime.toMillis() + 5000));
    DataDigests fresh = new DataDigests(memo, null);
    assertEquals(Sha256.hex(new byte[] {9, 9, 9}), fresh.digest(f.toString()));
    assertNotEquals(folder, fresh.digest(data.toString()));
  }
}

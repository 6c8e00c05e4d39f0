package dev.reprise.core.key;

import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodSpec;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The digest of a method's code: the bytes of its own class file and its nested classes (member,
 * local, anonymous), of each helper class it declares and their nested classes, and its version.
 * Changing one method's code changes its digest and no other method's.
 */
public final class CodeDigest {
  private static final Map<Class<?>, String> CACHE = new ConcurrentHashMap<>();

  private CodeDigest() {}

  public static String of(Method method) {
    return CACHE.computeIfAbsent(method.getClass(), c -> compute(method));
  }

  private static String compute(Method method) {
    MethodSpec spec = method.spec();
    TreeMap<String, String> classes = new TreeMap<>();
    addWithNested(method.getClass(), classes);
    for (Class<?> helper : spec.helpers()) {
      addWithNested(helper, classes);
    }
    StringBuilder sb = new StringBuilder("version=").append(spec.version()).append('\n');
    classes.forEach((name, sha) -> sb.append(name).append('=').append(sha).append('\n'));
    return Sha256.hex(sb.toString());
  }

  private static void addWithNested(Class<?> c, TreeMap<String, String> out) {
    // Nested classes are compiled to Outer$Name.class, Outer$1.class, Outer$1Local.class: probe
    // the declared member classes and the numbered anonymous/local ones.
    addClass(c, c.getName(), out);
    for (Class<?> member : c.getDeclaredClasses()) {
      addWithNested(member, out);
    }
    for (int i = 1; ; i++) {
      boolean any = addClass(c, c.getName() + "$" + i, out);
      for (Class<?> member : c.getDeclaredClasses()) {
        any |= addClass(c, c.getName() + "$" + i + member.getSimpleName(), out);
      }
      if (!any) {
        break;
      }
    }
  }

  private static boolean addClass(Class<?> anchor, String binaryName, TreeMap<String, String> out) {
    if (out.containsKey(binaryName)) {
      return true;
    }
    String resource = binaryName.replace('.', '/') + ".class";
    ClassLoader loader = anchor.getClassLoader();
    try (InputStream in =
        loader == null
            ? ClassLoader.getSystemResourceAsStream(resource)
            : loader.getResourceAsStream(resource)) {
      if (in == null) {
        return false;
      }
      out.put(binaryName, Sha256.hex(in));
      return true;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read class file " + resource, e);
    }
  }
}

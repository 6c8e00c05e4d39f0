package dev.reprise.core.key;

import dev.reprise.core.method.Method;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The digest of a method's code, derived from the code itself: nothing is listed by hand.
 *
 * <p>Starting from the method's class, every class it refers to ({@link ClassReferences}: what its
 * constant pool names) is followed, transitively, through the project's and the user's code:
 * member, local and anonymous classes, helpers, and core classes such as {@code Npy}. A class is
 * the project's when it is in {@code dev.reprise}, and the user's when it comes from the same jar
 * or folder as a user's method. Such classes count by the SHA-256 of their class files. A class of
 * a library counts by its class file's SHA-256 too, but is not followed: that is the library's
 * identity as this code uses it, and it is the same whether the library is a jar of its own (the
 * worker image, the operator) or inside the shaded command-line jar, so the operator and its
 * workers always agree. JDK classes count only by the Java feature version. The method's declared
 * {@code version} is added, to bump by hand when something outside the code changed.
 */
public final class CodeDigest {
  private static final String PROJECT = "dev/reprise/";

  private static final Map<Class<?>, String> CACHE = new ConcurrentHashMap<>();

  /** A class file's SHA-256 and the classes it refers to, by its resource URL. */
  private record ClassFile(String sha256, Set<String> references) {}

  private static final Map<String, ClassFile> CLASS_FILES = new ConcurrentHashMap<>();

  private CodeDigest() {}

  /** Method digests remembered across processes, or null: see {@link #remember}. */
  private static volatile Path memoFile;

  private static final Map<String, String> MEMO = new ConcurrentHashMap<>();

  /**
   * Remembers digests in {@code file} across processes, keyed by the method's class and the exact
   * jars it runs from (path, size, modification time), so an unchanged rerun reads no class file.
   * Methods loaded from class folders (a development build) are always computed.
   */
  public static synchronized void remember(Path file) {
    memoFile = file;
    MEMO.clear();
    try {
      if (Files.isRegularFile(file)) {
        for (String line : Files.readAllLines(file)) {
          String[] kv = line.split("\t");
          if (kv.length == 2) {
            MEMO.put(kv[0], kv[1]);
          }
        }
      }
    } catch (IOException e) {
      // An unreadable memo only costs the computation.
    }
  }

  public static String of(Method method) {
    return CACHE.computeIfAbsent(
        method.getClass(),
        c -> {
          String memoKey = memoKey(c, method.spec().version());
          String known = memoKey == null ? null : MEMO.get(memoKey);
          if (known != null) {
            return known;
          }
          String digest = compute(c, method.spec().version());
          if (memoKey != null) {
            MEMO.put(memoKey, digest);
            saveMemo();
          }
          return digest;
        });
  }

  /** The SHA-256 of the version, the Java feature version and {@link #classes} of {@code c}. */
  private static String compute(Class<?> c, String version) {
    StringBuilder sb =
        new StringBuilder("version=")
            .append(version)
            .append("\njava=")
            .append(Runtime.version().feature())
            .append('\n');
    classes(c).forEach((name, sha) -> sb.append(name).append('=').append(sha).append('\n'));
    return Sha256.hex(sb.toString());
  }

  /**
   * The memo's key: the class, its version, the Java version and every jar it may load from; null
   * when something it loads from is not a jar (then nothing cheap says whether it changed).
   */
  private static String memoKey(Class<?> c, String version) {
    if (memoFile == null) {
      return null;
    }
    java.util.List<String> entries =
        new java.util.ArrayList<>(
            java.util.List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
    for (ClassLoader l = c.getClassLoader(); l != null; l = l.getParent()) {
      if (l instanceof java.net.URLClassLoader u) {
        for (URL url : u.getURLs()) {
          entries.add(url.getPath());
        }
      }
    }
    StringBuilder sb = new StringBuilder(c.getName()).append('\n').append(version);
    sb.append('\n').append(Runtime.version().feature());
    for (String entry : entries) {
      Path p = Path.of(entry);
      try {
        if (!Files.isRegularFile(p)) {
          return null;
        }
        sb.append('\n')
            .append(p.toAbsolutePath())
            .append(' ')
            .append(Files.size(p))
            .append(' ')
            .append(Files.getLastModifiedTime(p).toMillis());
      } catch (IOException e) {
        return null;
      }
    }
    return Sha256.hex(sb.toString());
  }

  private static synchronized void saveMemo() {
    Path file = memoFile;
    if (file == null) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    MEMO.forEach((k, v) -> sb.append(k).append('\t').append(v).append('\n'));
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), "code-digests", ".tmp");
      Files.writeString(tmp, sb);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // Not remembered: computed again next time.
    }
  }

  /**
   * Every class the digest of {@code root} covers, by internal name, to its class file's SHA-256:
   * the project's and the user's classes reached from it, and the library classes they use.
   */
  public static Map<String, String> classes(Class<?> root) {
    ClassLoader loader =
        root.getClassLoader() == null ? ClassLoader.getSystemClassLoader() : root.getClassLoader();
    String rootName = root.getName().replace('.', '/');
    String userSource =
        rootName.startsWith(PROJECT) ? null : source(resource(loader, rootName), rootName);
    Map<String, String> out = new TreeMap<>();
    Deque<String> todo = new ArrayDeque<>();
    todo.add(rootName);
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (out.containsKey(name)) {
        continue;
      }
      URL url = resource(loader, name);
      if (url == null || "jrt".equals(url.getProtocol())) {
        continue; // the JDK (by its feature version), or a class this loader cannot see
      }
      ClassFile file = CLASS_FILES.computeIfAbsent(url.toString(), u -> read(url));
      out.put(name, file.sha256());
      boolean ours =
          name.startsWith(PROJECT) || (userSource != null && userSource.equals(source(url, name)));
      if (ours) {
        todo.addAll(file.references());
      }
    }
    return out;
  }

  private static URL resource(ClassLoader loader, String internalName) {
    return loader.getResource(internalName + ".class");
  }

  /** The jar or class folder a class file comes from. */
  private static String source(URL url, String internalName) {
    if (url == null) {
      return null;
    }
    String s = url.toString();
    int bang = s.indexOf("!/");
    if (bang >= 0) {
      return s.substring(0, bang);
    }
    String tail = internalName + ".class";
    return s.endsWith(tail) ? s.substring(0, s.length() - tail.length()) : s;
  }

  private static ClassFile read(URL url) {
    try (InputStream in = url.openStream()) {
      byte[] bytes = in.readAllBytes();
      return new ClassFile(Sha256.hex(bytes), ClassReferences.of(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read class file " + url + ": " + e.getMessage(), e);
    }
  }
}

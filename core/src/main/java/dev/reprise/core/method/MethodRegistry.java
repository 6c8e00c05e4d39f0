package dev.reprise.core.method;

import dev.reprise.core.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The methods known to this process, by name: those on the class path plus any added by hand. */
public final class MethodRegistry {
  private final TreeMap<String, Method> methods = new TreeMap<>();

  /** Every {@link Method} that {@link ServiceLoader} finds with the given class loader. */
  public static MethodRegistry discover(ClassLoader loader) {
    MethodRegistry r = new MethodRegistry();
    for (Method m : ServiceLoader.load(Method.class, loader)) {
      r.add(m);
    }
    return r;
  }

  public static MethodRegistry discover() {
    return discover(Thread.currentThread().getContextClassLoader());
  }

  /**
   * The methods on the class path plus those in users' jars, for a process that cannot put them on
   * its class path (the operator). A folder in {@code jarsOrFolders} stands for the {@code *.jar}
   * files in it; a missing folder for none.
   *
   * @throws InvalidInputException for a named jar that does not exist
   */
  public static MethodRegistry discover(List<Path> jarsOrFolders) {
    List<URL> urls = new ArrayList<>();
    for (Path p : jarsOrFolders) {
      try {
        if (Files.isDirectory(p)) {
          try (Stream<Path> files = Files.list(p)) {
            for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
              urls.add(jar.toUri().toURL());
            }
          }
        } else if (Files.isRegularFile(p)) {
          urls.add(p.toUri().toURL());
        } else if (p.toString().endsWith(".jar")) {
          throw new InvalidInputException("method jar " + p + " does not exist");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read method jars in " + p, e);
      }
    }
    ClassLoader parent = Thread.currentThread().getContextClassLoader();
    return discover(urls.isEmpty() ? parent : new URLClassLoader(urls.toArray(URL[]::new), parent));
  }

  public MethodRegistry add(Method m) {
    Method previous = methods.put(m.spec().name(), m);
    if (previous != null && previous.getClass() != m.getClass()) {
      throw new IllegalStateException(
          "two methods named "
              + m.spec().name()
              + ": "
              + previous.getClass().getName()
              + " and "
              + m.getClass().getName());
    }
    return this;
  }

  public Method get(String name) {
    return methods.get(name);
  }

  public Collection<Method> all() {
    return Collections.unmodifiableCollection(methods.values());
  }

  public java.util.Set<String> names() {
    return Collections.unmodifiableSet(methods.keySet());
  }
}

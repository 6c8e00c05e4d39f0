package dev.reprise.core.method;

import java.util.Collection;
import java.util.Collections;
import java.util.ServiceLoader;
import java.util.TreeMap;

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

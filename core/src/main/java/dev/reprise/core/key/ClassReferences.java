package dev.reprise.core.key;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The classes a class file refers to, read from its constant pool: every {@code CONSTANT_Class}
 * entry (what it instantiates, calls, casts to, its nested classes, its super types) and every
 * class named in a descriptor or signature (parameter, return and field types, generics). Names are
 * internal ({@code dev/reprise/core/io/Npy}); array types are reduced to their element class.
 */
public final class ClassReferences {
  private static final Pattern DESCRIPTOR_CLASS = Pattern.compile("L([\\w/$]+)[;<]");

  private ClassReferences() {}

  /**
   * @throws IOException when {@code classFile} is not a class file
   */
  public static Set<String> of(byte[] classFile) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file (bad magic number)");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    int[] classNameIndex = new int[count];
    int classes = 0;
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 7 -> classNameIndex[classes++] = in.readUnsignedShort();
        case 8, 16, 19, 20 -> in.readUnsignedShort(); // String, MethodType, Module, Package
        case 3, 4 -> in.readInt();
        case 5, 6 -> {
          in.readLong();
          i++; // a long or double takes two entries
        }
        case 9, 10, 11, 12, 17, 18 -> in.readInt(); // two u2 indexes
        case 15 -> {
          in.readUnsignedByte();
          in.readUnsignedShort();
        }
        default -> throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
      }
    }
    Set<String> out = new TreeSet<>();
    for (int c = 0; c < classes; c++) {
      String name = utf8[classNameIndex[c]];
      if (name == null) {
        throw new IOException("a class entry names no UTF-8 constant");
      }
      if (name.startsWith("[")) {
        addDescriptorClasses(name, out);
      } else {
        out.add(name);
      }
    }
    for (String s : utf8) {
      if (s != null && s.indexOf('L') >= 0 && s.indexOf(';') > 0) {
        addDescriptorClasses(s, out);
      }
    }
    return out;
  }

  private static void addDescriptorClasses(String descriptor, Set<String> out) {
    Matcher m = DESCRIPTOR_CLASS.matcher(descriptor);
    while (m.find()) {
      out.add(m.group(1));
    }
  }
}

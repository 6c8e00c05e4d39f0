package dev.reprise.core.io;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format 1.0 to 3.0): float64, float32, signed and
 * unsigned integers and booleans, either byte order, C or Fortran order. Writing is deterministic:
 * the same array always gives the same bytes, which early cutoff relies on.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']+)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  public static void write(Path file, NpyArray array) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      write(out, array);
    }
  }

  public static void write(OutputStream out, NpyArray a) throws IOException {
    StringBuilder shape = new StringBuilder("(");
    int[] s = a.shape();
    for (int i = 0; i < s.length; i++) {
      shape.append(s[i]);
      if (s.length == 1 || i < s.length - 1) {
        shape.append(", ".substring(0, i < s.length - 1 ? 2 : 1));
      }
    }
    shape.append(')');
    String header =
        "{'descr': '" + a.dtype() + "', 'fortran_order': False, 'shape': " + shape + ", }";
    int unpadded = MAGIC.length + 2 + 2 + header.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    out.write(MAGIC);
    out.write(1);
    out.write(0);
    int hl = header.length();
    out.write(hl & 0xff);
    out.write((hl >> 8) & 0xff);
    out.write(header.getBytes(StandardCharsets.US_ASCII));

    int width = Integer.parseInt(a.dtype().substring(2));
    ByteBuffer buf = ByteBuffer.allocate(8192 * 8).order(ByteOrder.LITTLE_ENDIAN);
    double[] d = a.doublesOrNull();
    long[] l = a.longsOrNull();
    int n = a.size();
    for (int i = 0; i < n; i++) {
      if (buf.remaining() < 8) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      if (d != null) {
        if (width == 8) {
          buf.putDouble(d[i]);
        } else {
          buf.putFloat((float) d[i]);
        }
      } else {
        buf.putLong(l[i]);
      }
    }
    out.write(buf.array(), 0, buf.position());
  }

  public static NpyArray read(Path file) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return read(in, file.toString());
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads an array; {@code name} is only used in error messages. Fortran-ordered arrays are
   * transposed into C order.
   */
  public static NpyArray read(InputStream raw, String name) throws IOException {
    DataInputStream in = new DataInputStream(raw);
    byte[] magic = new byte[6];
    in.readFully(magic);
    for (int i = 0; i < MAGIC.length; i++) {
      if (magic[i] != MAGIC[i]) {
        throw new IOException(name + ": not a .npy file (bad magic)");
      }
    }
    int major = in.readUnsignedByte();
    in.readUnsignedByte();
    long headerLen;
    if (major == 1) {
      headerLen = in.readUnsignedByte() | (in.readUnsignedByte() << 8);
    } else {
      byte[] b = new byte[4];
      in.readFully(b);
      headerLen = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    }
    byte[] hb = new byte[(int) headerLen];
    in.readFully(hb);
    String header = new String(hb, StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, header, name, "descr");
    boolean fortran = group(ORDER, header, name, "fortran_order").equals("True");
    String shapeText = group(SHAPE, header, name, "shape").trim();
    int[] shape;
    if (shapeText.isEmpty()) {
      shape = new int[0];
    } else {
      String[] parts = shapeText.split(",");
      int count = 0;
      for (String p : parts) {
        if (!p.isBlank()) {
          count++;
        }
      }
      shape = new int[count];
      int k = 0;
      for (String p : parts) {
        if (!p.isBlank()) {
          shape[k++] = Integer.parseInt(p.trim().replace("L", ""));
        }
      }
    }
    long n = NpyArray.size(shape);
    if (n > Integer.MAX_VALUE) {
      throw new IOException(name + ": array too large (" + n + " values)");
    }
    char order = descr.charAt(0);
    char kind = descr.charAt(1);
    int width = Integer.parseInt(descr.substring(2));
    ByteOrder bo = order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    boolean isFloat = kind == 'f';
    if (!(isFloat && (width == 4 || width == 8))
        && !((kind == 'i' || kind == 'u') && (width == 1 || width == 2 || width == 4 || width == 8))
        && !(kind == 'b' && width == 1)) {
      throw new IOException(name + ": unsupported dtype '" + descr + "'");
    }
    double[] doubles = isFloat ? new double[(int) n] : null;
    long[] longs = isFloat ? null : new long[(int) n];
    byte[] chunk = new byte[width * 8192];
    ByteBuffer bb = ByteBuffer.wrap(chunk).order(bo);
    int i = 0;
    while (i < n) {
      int count = (int) Math.min(8192, n - i);
      in.readFully(chunk, 0, count * width);
      bb.clear();
      for (int k = 0; k < count; k++, i++) {
        if (isFloat) {
          doubles[i] = width == 8 ? bb.getDouble() : bb.getFloat();
        } else {
          longs[i] =
              switch (width) {
                case 1 -> kind == 'u' || kind == 'b' ? bb.get() & 0xff : bb.get();
                case 2 -> kind == 'u' ? bb.getShort() & 0xffff : bb.getShort();
                case 4 -> kind == 'u' ? bb.getInt() & 0xffffffffL : bb.getInt();
                default -> bb.getLong();
              };
        }
      }
    }
    String dtype = isFloat ? "<f" + width : "<i8";
    if (fortran && shape.length > 1) {
      return NpyArray.raw(
          shape,
          dtype,
          doubles == null ? null : toC(doubles, shape),
          longs == null ? null : toC(longs, shape));
    }
    return NpyArray.raw(shape, dtype, doubles, longs);
  }

  private static double[] toC(double[] f, int[] shape) {
    double[] c = new double[f.length];
    int[] idx = new int[shape.length];
    for (int fi = 0; fi < f.length; fi++) {
      c[cIndex(idx, shape)] = f[fi];
      increment(idx, shape);
    }
    return c;
  }

  private static long[] toC(long[] f, int[] shape) {
    long[] c = new long[f.length];
    int[] idx = new int[shape.length];
    for (int fi = 0; fi < f.length; fi++) {
      c[cIndex(idx, shape)] = f[fi];
      increment(idx, shape);
    }
    return c;
  }

  /** Fortran order: the first index varies fastest. */
  private static void increment(int[] idx, int[] shape) {
    for (int a = 0; a < idx.length; a++) {
      if (++idx[a] < shape[a]) {
        return;
      }
      idx[a] = 0;
    }
  }

  private static int cIndex(int[] idx, int[] shape) {
    int k = 0;
    for (int a = 0; a < idx.length; a++) {
      k = k * shape[a] + idx[a];
    }
    return k;
  }

  private static String group(Pattern p, String header, String name, String field)
      throws IOException {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IOException(name + ": .npy header has no " + field + ": " + header.trim());
    }
    return m.group(1);
  }
}

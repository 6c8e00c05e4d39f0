package dev.reprise.core.io;

import java.util.Arrays;

/**
 * An array read from or written to a NumPy {@code .npy} file: its shape, its dtype as NumPy spells
 * it, and its values in C (row-major) order, held as doubles or longs.
 */
public final class NpyArray {
  private final int[] shape;
  private final String dtype;
  private final double[] doubles;
  private final long[] longs;

  private NpyArray(int[] shape, String dtype, double[] doubles, long[] longs) {
    this.shape = shape.clone();
    this.dtype = dtype;
    this.doubles = doubles;
    this.longs = longs;
    long n = size(shape);
    long have = doubles != null ? doubles.length : longs.length;
    if (n != have) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + have);
    }
  }

  /** A float64 array (values are not copied). */
  public static NpyArray ofDoubles(double[] data, int... shape) {
    return new NpyArray(shape, "<f8", data, null);
  }

  /** A float32 array: the values are rounded to float when written. */
  public static NpyArray ofFloats(double[] data, int... shape) {
    return new NpyArray(shape, "<f4", data, null);
  }

  /** An int64 array. */
  public static NpyArray ofLongs(long[] data, int... shape) {
    return new NpyArray(shape, "<i8", null, data);
  }

  /** An int64 array from ints. */
  public static NpyArray ofInts(int[] data, int... shape) {
    long[] l = new long[data.length];
    for (int i = 0; i < l.length; i++) {
      l[i] = data[i];
    }
    return ofLongs(l, shape);
  }

  static NpyArray raw(int[] shape, String dtype, double[] doubles, long[] longs) {
    return new NpyArray(shape, dtype, doubles, longs);
  }

  static long size(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int ndim() {
    return shape.length;
  }

  public int dim(int axis) {
    return shape[axis];
  }

  public String dtype() {
    return dtype;
  }

  public boolean isInteger() {
    return longs != null;
  }

  public int size() {
    return doubles != null ? doubles.length : longs.length;
  }

  /** The values as doubles (the backing array for float data, a copy for integer data). */
  public double[] doubles() {
    if (doubles != null) {
      return doubles;
    }
    double[] out = new double[longs.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = longs[i];
    }
    return out;
  }

  /**
   * The values as ints; throws {@link IllegalArgumentException} if a value is not a whole number
   * within int range.
   */
  public int[] ints() {
    int[] out = new int[size()];
    for (int i = 0; i < out.length; i++) {
      if (longs != null) {
        out[i] = Math.toIntExact(longs[i]);
      } else {
        double d = doubles[i];
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
          throw new IllegalArgumentException(
              "value " + d + " at index " + i + " is not an integer");
        }
        out[i] = (int) d;
      }
    }
    return out;
  }

  long[] longsOrNull() {
    return longs;
  }

  double[] doublesOrNull() {
    return doubles;
  }
}

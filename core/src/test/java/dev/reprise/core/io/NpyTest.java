package dev.reprise.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
  @TempDir Path tmp;

  @Test
  void writesTheHeaderNumPyWrites() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Npy.write(out, NpyArray.ofDoubles(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
    byte[] b = out.toByteArray();
    // What numpy.save writes for np.arange(1, 7, dtype='<f8').reshape(2, 3): a 128-byte header.
    String header = new String(b, 10, 118, StandardCharsets.US_ASCII);
    assertEquals(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + " ".repeat(58) + "\n",
        header);
    assertEquals(128 + 48, b.length);
    assertEquals(1.0, ByteBuffer.wrap(b, 128, 8).order(ByteOrder.LITTLE_ENDIAN).getDouble());
  }

  @Test
  void roundTripsEveryWrittenType() throws Exception {
    double[] d = {1.5, -2.25, Math.PI, 0};
    Npy.write(tmp.resolve("d.npy"), NpyArray.ofDoubles(d, 4));
    NpyArray r = Npy.read(tmp.resolve("d.npy"));
    assertArrayEquals(new int[] {4}, r.shape());
    assertArrayEquals(d, r.doubles());

    Npy.write(tmp.resolve("f.npy"), NpyArray.ofFloats(d, 2, 2));
    NpyArray f = Npy.read(tmp.resolve("f.npy"));
    assertEquals("<f4", f.dtype());
    assertEquals((float) Math.PI, f.doubles()[2], 0.0);

    Npy.write(tmp.resolve("i.npy"), NpyArray.ofInts(new int[] {3, -1, 7}, 3));
    assertArrayEquals(new int[] {3, -1, 7}, Npy.read(tmp.resolve("i.npy")).ints());
  }

  @Test
  void readsFortranOrderAndBigEndianInC() throws Exception {
    String header = "{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }";
    header = header + " ".repeat(64 - (10 + header.length() + 1) % 64) + "\n";
    ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + 24).order(ByteOrder.BIG_ENDIAN);
    buf.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    buf.put((byte) header.length()).put((byte) 0).put(header.getBytes(StandardCharsets.US_ASCII));
    // column-major storage of [[1, 2, 3], [4, 5, 6]]
    for (int v : new int[] {1, 4, 2, 5, 3, 6}) {
      buf.putInt(v);
    }
    NpyArray a = Npy.read(new ByteArrayInputStream(buf.array()), "test");
    assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, a.ints());
  }
}

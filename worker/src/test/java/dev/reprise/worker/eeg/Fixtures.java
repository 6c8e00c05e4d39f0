package dev.reprise.worker.eeg;

import dev.reprise.core.io.Npy;
import dev.reprise.core.io.NpyArray;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Reads the scikit-learn / MNE fixtures made by {@code fixtures/make_decode_fixtures.py}. */
final class Fixtures {
  private Fixtures() {}

  static Path dir() {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures/make_decode_fixtures.py").toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static NpyArray npy(String name) throws IOException {
    return Npy.read(dir().resolve(name + ".npy"));
  }
}

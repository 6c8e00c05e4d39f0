package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.InvalidInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eeg.load on the .mat files of fixtures/make_mat_fixtures.py and on .npy epochs folders. */
class LoadTest {
  @TempDir Path tmp;

  private static Path fixture(String name) throws Exception {
    return Path.of(LoadTest.class.getResource("/fixtures/" + name).toURI());
  }

  private static Map<String, Object> matParams(Path dir) {
    return Map.of("path", dir.toString(), "sfreq", 100, "tmin", -0.1);
  }

  @Test
  void readsMatFilesWithOneBasedLabelsInTrialsChannelsTimesOrder() throws Exception {
    Path out = EegTesting.run(new Load(), matParams(fixture("mat")), tmp.resolve("a"), 1, Map.of());
    var folder = EegTesting.folder(out);
    Epochs.Info info = Epochs.readInfo(folder);
    assertEquals(100.0, info.sfreq());
    assertEquals(-0.1, info.tmin());
    assertEquals(List.of("EEG001", "EEG002", "EEG003"), info.channels());
    assertEquals(List.of("class1", "class2", "class3"), info.classes());
    assertEquals(List.of("sub-a", "sub-b"), Epochs.subjects(folder));
    Epochs.Subject a = Epochs.readSubject(folder, "sub-a", info);
    assertArrayEquals(new int[] {0, 1, 0, 2}, a.y());
    assertEquals(4, a.trials());
    assertEquals(5, a.times());
    for (int r = 0; r < 4; r++) {
      for (int k = 0; k < 3; k++) {
        for (int t = 0; t < 5; t++) {
          assertEquals(100 * r + 10 * k + t, a.at(r, k, t));
        }
      }
    }
    assertFalse(Epochs.isFloat32(folder, "sub-a"));
    Epochs.Subject b = Epochs.readSubject(folder, "sub-b", info);
    assertArrayEquals(new int[] {2, 1}, b.y());
    assertEquals(1000 + 100 + 20 + 4, b.at(1, 2, 4));
    assertTrue(Epochs.isFloat32(folder, "sub-b"));

    Path sliced =
        EegTesting.run(new Load(), matParams(fixture("mat")), tmp.resolve("b"), 2, Map.of());
    EegTesting.assertSameFiles(out, sliced);
  }

  @Test
  void classNamesFromTheParameterAndZeroBasedLabelsAreChecked() throws Exception {
    Map<String, Object> p =
        Map.of(
            "path",
            fixture("mat").toString(),
            "sfreq",
            100,
            "tmin",
            -0.1,
            "classes",
            List.of("face", "house", "tool"));
    Path out = EegTesting.run(new Load(), p, tmp.resolve("a"), 1, Map.of());
    assertEquals(
        List.of("face", "house", "tool"), Epochs.readInfo(EegTesting.folder(out)).classes());
    Map<String, Object> zeroBased =
        Map.of(
            "path",
            fixture("mat").toString(),
            "sfreq",
            100,
            "tmin",
            -0.1,
            "classes",
            List.of("face", "house", "tool"),
            "labelBase",
            0);
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> EegTesting.run(new Load(), zeroBased, tmp.resolve("b"), 1, Map.of()));
    assertTrue(e.getMessage().contains("sub-a, trial 3: label 3"), e.getMessage());
  }

  @Test
  void userMistakesGiveMessagesNamingTheProblem() throws Exception {
    InvalidInputException missing =
        assertThrows(
            InvalidInputException.class,
            () ->
                EegTesting.run(
                    new Load(),
                    Map.of("path", tmp.resolve("nowhere").toString()),
                    tmp.resolve("a"),
                    1,
                    Map.of()));
    assertTrue(missing.getMessage().contains("nowhere does not exist"), missing.getMessage());

    InvalidInputException noRate =
        assertThrows(
            InvalidInputException.class,
            () ->
                EegTesting.run(
                    new Load(),
                    Map.of("path", fixture("mat").toString()),
                    tmp.resolve("b"),
                    1,
                    Map.of()));
    assertTrue(noRate.getMessage().contains("sfreq"), noRate.getMessage());

    InvalidInputException shape =
        assertThrows(
            InvalidInputException.class,
            () ->
                EegTesting.run(
                    new Load(), matParams(fixture("mat-bad")), tmp.resolve("c"), 1, Map.of()));
    assertTrue(
        shape.getMessage().contains("sub-c")
            && shape.getMessage().contains("X must be trials × channels × times"),
        shape.getMessage());

    InvalidInputException empty =
        assertThrows(
            InvalidInputException.class,
            () ->
                EegTesting.run(
                    new Load(),
                    Map.of(
                        "path",
                        java.nio.file.Files.createDirectories(tmp.resolve("empty")).toString()),
                    tmp.resolve("d"),
                    1,
                    Map.of()));
    assertTrue(empty.getMessage().contains("neither"), empty.getMessage());
  }

  @Test
  void npyFoldersAreCopiedAfterValidationAndNonFiniteValuesNameTheTrial() throws Exception {
    Path src = tmp.resolve("src");
    Epochs.Info info = new Epochs.Info(250, -0.2, List.of("C1", "C2"), List.of("a", "b"));
    Epochs.writeInfo(src, info);
    double[] x = new double[3 * 2 * 4];
    for (int i = 0; i < x.length; i++) {
      x[i] = i * 0.25;
    }
    Epochs.writeSubject(src, new Epochs.Subject("s1", x, 3, 2, 4, new int[] {0, 1, 1}), true);
    Path out =
        EegTesting.run(new Load(), Map.of("path", src.toString()), tmp.resolve("a"), 1, Map.of());
    EegTesting.assertSameFiles(src, out);

    x[(2 * 2 + 1) * 4 + 3] = Double.NaN;
    Epochs.writeSubject(src, new Epochs.Subject("s1", x, 3, 2, 4, new int[] {0, 1, 1}), false);
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () ->
                EegTesting.run(
                    new Load(), Map.of("path", src.toString()), tmp.resolve("b"), 1, Map.of()));
    assertTrue(e.getMessage().contains("subject s1, trial 2, channel C2"), e.getMessage());
  }
}

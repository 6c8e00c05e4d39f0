package dev.reprise.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reprise gc} and {@code reprise store du/ls} as a user runs them. */
class GcCommandTest {
  @TempDir Path tmp;

  private String store() {
    return tmp.resolve("store").toString();
  }

  private List<Path> storeFiles() throws Exception {
    try (Stream<Path> s = Files.walk(tmp.resolve("store"))) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private Path run(String factor) throws Exception {
    Path f = tmp.resolve("p-" + factor + ".yaml");
    Files.writeString(f, CommandLineTest.pipeline(factor, 2, "0"));
    assertEquals(0, TestingCli.run("run", f.toString(), "--store", store()).exitCode());
    return f;
  }

  @Test
  void aDryRunPrintsWhatWouldGoAndYesDeletesItAndTheCollectedStageReruns() throws Exception {
    Path first = run("2");
    run("3");
    List<Path> before = storeFiles();
    String[] gc = {
      "gc", "--store", store(), "--keep-last", "1", "--keep-days", "0", "--grace", "0"
    };

    TestingCli.Result dry = TestingCli.run(gc);
    assertEquals(0, dry.exitCode(), dry.err());
    // source is shared by both runs; scale and sum of the first run go.
    assertTrue(dry.out().contains("Would delete from"), dry.out());
    assertTrue(dry.out().matches("(?s).*numbers\\s+scale\\s+1 .*"), dry.out());
    assertTrue(dry.out().matches("(?s).*numbers\\s+sum\\s+1 .*"), dry.out());
    assertTrue(dry.out().contains("Total: 2 results, 1 run record"), dry.out());
    assertTrue(dry.out().contains("Dry run: nothing was deleted"), dry.out());
    assertEquals(before, storeFiles());

    Path json = tmp.resolve("gc.json");
    String[] yes =
        Stream.concat(Stream.of(gc), Stream.of("--yes", "--json", json.toString()))
            .toArray(String[]::new);
    TestingCli.Result done = TestingCli.run(yes);
    assertEquals(0, done.exitCode(), done.err());
    assertTrue(done.out().contains("Deleted from"), done.out());
    JsonNode j = new ObjectMapper().readTree(json.toFile());
    assertEquals(false, j.get("dryRun").asBoolean());
    assertEquals(2, j.get("deleted").size());
    assertTrue(j.get("bytesFreed").asLong() > 0);

    TestingCli.Result rerun = TestingCli.run("run", first.toString(), "--store", store());
    assertEquals(0, rerun.exitCode(), rerun.err());
    assertTrue(rerun.out().matches("(?s).*source\\s+reused.*"), rerun.out());
    assertTrue(rerun.out().matches("(?s).*scale\\s+ran.*"), rerun.out());
  }

  @Test
  void storeDuAndLsShowWhatEachPipelineCosts() throws Exception {
    run("2");
    TestingCli.Result du = TestingCli.run("store", "du", "--store", store(), "--by", "method");
    assertEquals(0, du.exitCode(), du.err());
    for (String m : List.of("test.source", "test.scale", "test.sum")) {
      assertTrue(du.out().matches("(?s).*" + m + "\\s+1\\s.*"), du.out());
    }
    TestingCli.Result byStage = TestingCli.run("store", "du", "--store", store(), "--by", "stage");
    assertTrue(byStage.out().contains("numbers/scale"), byStage.out());
    assertTrue(byStage.out().contains("Total: 3 results"), byStage.out());

    TestingCli.Result ls = TestingCli.run("store", "ls", "--store", store());
    assertEquals(0, ls.exitCode(), ls.err());
    assertEquals(3, ls.out().lines().filter(l -> l.contains("committed")).count(), ls.out());
    assertTrue(ls.out().contains("keep"), ls.out());
  }

  @Test
  void mistakesExitWithTwoAndNameTheOption() throws Exception {
    run("2");
    TestingCli.Result size = TestingCli.run("gc", "--store", store(), "--max-size", "lots");
    assertEquals(2, size.exitCode());
    assertTrue(size.err().contains("--max-size: 'lots' is not a size"), size.err());
    TestingCli.Result grace = TestingCli.run("gc", "--store", store(), "--grace", "soon");
    assertEquals(2, grace.exitCode());
    assertTrue(grace.err().contains("--grace: 'soon' is not a duration"), grace.err());
    TestingCli.Result pin = TestingCli.run("gc", "--store", store(), "--keep-pipeline", "numbrs");
    assertEquals(2, pin.exitCode());
    assertTrue(pin.err().contains("--keep-pipeline: no pipeline 'numbrs'"), pin.err());
    assertTrue(pin.err().contains("numbers"), pin.err());
    TestingCli.Result last = TestingCli.run("gc", "--store", store(), "--keep-last", "-1");
    assertEquals(2, last.exitCode());
    assertTrue(last.err().contains("--keep-last must be 0 or more"), last.err());
    TestingCli.Result typo = TestingCli.run("gc", "--store", tmp.resolve("stroe").toString());
    assertEquals(2, typo.exitCode());
    assertTrue(typo.err().contains("--store: there is no store at"), typo.err());
    assertTrue(!Files.exists(tmp.resolve("stroe")), "gc must not create a store");
    TestingCli.Result by = TestingCli.run("store", "du", "--store", store(), "--by", "colour");
    assertEquals(2, by.exitCode());
    assertTrue(by.err().contains("--by: 'colour'"), by.err());
  }
}

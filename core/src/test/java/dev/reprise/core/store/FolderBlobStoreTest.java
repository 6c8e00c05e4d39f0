package dev.reprise.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderBlobStoreTest extends BlobStoreContract {
  @TempDir Path root;

  @Override
  protected BlobStore openStore() {
    return new FolderBlobStore(root.resolve("store"));
  }

  @Test
  void uriIsTheAbsoluteFolder() {
    assertEquals("file:" + root.resolve("store"), store.uri());
  }

  @Test
  void aLockHeldByAnotherProcessExcludesThisOneUntilThatProcessIsKilled() throws Exception {
    Path folder = ((FolderBlobStore) store).root();
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    TestingLockHolder.class.getName(),
                    folder.toString(),
                    "locks/stage-k"))
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = CompletableFuture.supplyAsync(() -> readLine(out)).get(30, TimeUnit.SECONDS);
      assertEquals("locked", line);

      assertEquals(Optional.empty(), store.tryLock("locks/stage-k"));

      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      Optional<BlobStore.Lock> lock = store.tryLock("locks/stage-k");
      assertTrue(lock.isPresent(), "the OS released the dead process's lock");
      lock.get().close();
    } finally {
      child.destroyForcibly();
    }
  }

  private static String readLine(BufferedReader in) {
    try {
      return in.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

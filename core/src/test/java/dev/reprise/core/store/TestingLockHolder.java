package dev.reprise.core.store;

import java.nio.file.Path;

/**
 * A separate process that holds a store lock until it is killed: {@code TestingLockHolder <folder>
 * <lock name>} prints "locked" once it holds the lock (or "busy" and exits 3).
 */
public final class TestingLockHolder {
  private TestingLockHolder() {}

  public static void main(String[] args) throws InterruptedException {
    FolderBlobStore store = new FolderBlobStore(Path.of(args[0]));
    if (store.tryLock(args[1]).isEmpty()) {
      System.out.println("busy");
      System.exit(3);
    }
    System.out.println("locked");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}

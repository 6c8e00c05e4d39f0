package dev.reprise.core.gc;

import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.FolderBlobStore;

/** gc on a folder store. */
class FolderGarbageCollectorTest extends GarbageCollectorContract {
  @Override
  BlobStore newStore() {
    return new FolderBlobStore(tmp.resolve("store"));
  }
}

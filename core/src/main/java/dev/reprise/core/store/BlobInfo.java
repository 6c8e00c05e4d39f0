package dev.reprise.core.store;

/**
 * What a store knows about one blob without reading it: its size, a version tag (ETag, mtime) and
 * when it was last written ({@code modified}, epoch milliseconds; 0 when the store does not say).
 */
public record BlobInfo(String name, long size, String tag, long modified) {
  public BlobInfo(String name, long size, String tag) {
    this(name, size, tag, 0L);
  }
}

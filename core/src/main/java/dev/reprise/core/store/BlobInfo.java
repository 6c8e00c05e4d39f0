package dev.reprise.core.store;

/**
 * What a store knows about one blob without reading it: its size and a version tag (ETag, mtime).
 */
public record BlobInfo(String name, long size, String tag) {}

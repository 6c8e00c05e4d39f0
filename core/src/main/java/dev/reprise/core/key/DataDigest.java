package dev.reprise.core.key;

/**
 * The digest of external data and how it was computed, in words for {@code reprise explain} (e.g.
 * "by sha256 metadata (200 objects)").
 */
public record DataDigest(String value, String method) {}

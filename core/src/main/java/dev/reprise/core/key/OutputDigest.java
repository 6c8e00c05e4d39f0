package dev.reprise.core.key;

import java.util.Map;
import java.util.TreeMap;

/**
 * The digest of a committed result's content: SHA-256 over its files' names and SHA-256s, sorted by
 * name, one {@code name NUL sha256 LF} record each. Byte-identical outputs give the same digest
 * whatever produced them, which is what lets downstream stages be reused (early cutoff).
 */
public final class OutputDigest {
  private OutputDigest() {}

  /**
   * @param files artifact name to its sha256 hex
   */
  public static String of(Map<String, String> files) {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(files)
        .forEach((name, sha) -> sb.append(name).append('\0').append(sha).append('\n'));
    return Sha256.hex(sb.toString());
  }
}

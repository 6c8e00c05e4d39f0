package dev.reprise.core.store;

import dev.reprise.core.InvalidInputException;
import java.util.regex.Pattern;

/** An {@code s3://bucket/key} URI taken apart; the key has no leading or trailing slash. */
record S3Uri(String bucket, String key) {
  static final String SCHEME = "s3://";
  // S3's bucket naming rules, which MinIO enforces too.
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  static S3Uri parse(String uri) {
    if (!uri.startsWith(SCHEME)) {
      throw new InvalidInputException("not an S3 URI: '" + uri + "' (expected s3://bucket/prefix)");
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : trimSlashes(rest.substring(slash + 1));
    if (!BUCKET.matcher(bucket).matches()) {
      throw new InvalidInputException(
          "bad bucket name '"
              + bucket
              + "' in '"
              + uri
              + "': 3 to 63 lower-case letters, digits, dots and dashes");
    }
    if (key.contains("//")) {
      throw new InvalidInputException("empty path segment in '" + uri + "'");
    }
    return new S3Uri(bucket, key);
  }

  private static String trimSlashes(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == '/') {
      start++;
    }
    while (end > start && s.charAt(end - 1) == '/') {
      end--;
    }
    return s.substring(start, end);
  }

  @Override
  public String toString() {
    return key.isEmpty() ? SCHEME + bucket : SCHEME + bucket + "/" + key;
  }
}

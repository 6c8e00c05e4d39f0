package dev.reprise.core.method;

/**
 * The contiguous part {@code [start, end)} of {@code units} work items that slice {@code slice} of
 * {@code slices} owns. Sizes differ by at most one; a slice may own nothing when slices > units.
 */
public record SliceRange(int start, int end) {
  public static SliceRange of(int slice, int slices, int units) {
    if (slices < 1 || slice < 0 || slice >= slices || units < 0) {
      throw new IllegalArgumentException(
          "slice " + slice + " of " + slices + " over " + units + " units");
    }
    long s = (long) units * slice / slices;
    long e = (long) units * (slice + 1) / slices;
    return new SliceRange((int) s, (int) e);
  }

  public int size() {
    return end - start;
  }

  public boolean isEmpty() {
    return end == start;
  }
}

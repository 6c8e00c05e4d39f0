package dev.reprise.core.data;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.RepriseException;
import dev.reprise.core.StoreException;
import dev.reprise.core.key.Sha256;
import dev.reprise.core.method.DirectoryArtifacts;
import dev.reprise.core.method.InputArtifacts;
import dev.reprise.core.store.DataObject;
import dev.reprise.core.store.S3Data;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The one way methods read external data: a PATH parameter's value as a local file or folder. A
 * local path is used as it is; {@code s3://bucket/prefix} is checked against the digest the stage's
 * key was computed with, then its objects are fetched through the {@link DataCache} (once per
 * process: later slices and phases find them verified) and linked into a folder of the phase's own,
 * laid out as on S3.
 */
public final class ExternalData implements AutoCloseable {
  /** Object downloads in flight at once. */
  static final int PARALLEL_FETCHES = 8;

  private final S3Data s3;
  private final DataCache cache;

  /**
   * @param s3 reads {@code s3://} data, or null when no S3 endpoint is configured
   * @param cache where fetched objects are kept (unused without {@code s3})
   */
  public ExternalData(S3Data s3, DataCache cache) {
    this.s3 = s3;
    this.cache = cache;
  }

  /** Local paths only: an {@code s3://} location is an error that says what to configure. */
  public static ExternalData localOnly() {
    return new ExternalData(null, null);
  }

  /** What {@link #local} found: the local path and, for S3, how many objects were fetched. */
  public record Local(Path path, int objects, int fetched, long bytesFetched) {}

  /**
   * The local file or folder for {@code location}.
   *
   * @param expectedDigest the digest the stage's key holds for this data, or null to skip the
   *     check; S3 data whose digest differs changed after the stage was planned
   * @param view an empty folder (in the phase's scratch space) this call fills with links to the
   *     cached objects
   * @throws InvalidInputException if the data is missing or changed since the key was computed
   */
  public Local local(String location, String expectedDigest, Path view) {
    if (!location.contains("://")) {
      return new Local(Path.of(location), 0, 0, 0);
    }
    List<DataObject> objects = checkedObjects(location, expectedDigest);
    boolean oneObject = objects.size() == 1 && objects.get(0).name().isEmpty();
    String base = location.replaceAll("/+$", "");
    Path target =
        oneObject ? view.resolve(base.substring(base.lastIndexOf('/') + 1)) : view.normalize();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(PARALLEL_FETCHES, objects.size()),
            r -> {
              Thread t = new Thread(r, "reprise-data-fetch");
              t.setDaemon(true);
              return t;
            });
    int fetched = 0;
    long bytes = 0;
    try {
      Files.createDirectories(view);
      List<Future<DataCache.Entry>> work = new ArrayList<>();
      for (DataObject o : objects) {
        Path link = oneObject ? target : view.resolve(o.name()).normalize();
        if (!link.startsWith(view.normalize())) {
          throw new InvalidInputException(
              location + ": object name '" + o.name() + "' leads outside its folder");
        }
        work.add(pool.submit(() -> fetch(location, o, link)));
      }
      for (int i = 0; i < objects.size(); i++) {
        if (work.get(i).get().fetched()) {
          fetched++;
          bytes += objects.get(i).size();
        }
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RepriseException r) {
        throw r;
      }
      throw new StoreException(
          "cannot fetch " + location + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted fetching " + location, e);
    } catch (IOException e) {
      throw new StoreException(
          "cannot lay out " + location + " in " + view + ": " + StoreException.reason(e), e);
    } finally {
      pool.shutdownNow();
    }
    return new Local(target, objects.size(), fetched, bytes);
  }

  /**
   * The objects at an S3 location, checked against the digest the stage was planned with.
   *
   * @throws InvalidInputException if S3 is not configured, or the data is missing or changed
   */
  private List<DataObject> checkedObjects(String location, String expectedDigest) {
    if (!S3Data.isS3(location)) {
      throw new InvalidInputException(
          "cannot read " + location + ": data URIs must be s3://bucket/prefix");
    }
    if (s3 == null) {
      throw new InvalidInputException(
          "cannot read "
              + location
              + ": no S3 endpoint is configured for data URIs"
              + " (set REPRISE_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
    }
    List<DataObject> objects = s3.objects(location);
    String actual = S3Data.digest(objects).value();
    if (expectedDigest != null && !expectedDigest.equals(actual)) {
      throw new InvalidInputException(
          location
              + " changed after the stage was planned (digest "
              + expectedDigest.substring(0, Math.min(12, expectedDigest.length()))
              + " then, "
              + actual.substring(0, 12)
              + " now): run the pipeline again to plan with the new data");
    }
    return objects;
  }

  /**
   * The files of a folder {@code location} as artifacts, each fetched only when a method asks for
   * its path: a slice that reads 2 subjects of 40 fetches those 2 (plus what it lists). A local
   * folder is read where it is.
   *
   * @param expectedDigest as for {@link #local}
   * @param view an empty folder this view fills as files are asked for
   * @param fetched told the size of each object fetched from S3 (not found in the cache)
   * @throws InvalidInputException if {@code location} is not a folder, or S3 data changed
   */
  public InputArtifacts files(
      String location, String expectedDigest, Path view, java.util.function.LongConsumer fetched) {
    if (!location.contains("://")) {
      Path dir = Path.of(location);
      if (!Files.isDirectory(dir)) {
        throw new InvalidInputException(
            dir + (Files.exists(dir) ? " is not a folder" : " does not exist"));
      }
      return new DirectoryArtifacts(dir, location);
    }
    List<DataObject> objects = checkedObjects(location, expectedDigest);
    if (objects.size() == 1 && objects.get(0).name().isEmpty()) {
      throw new InvalidInputException(location + " is one object, not a folder");
    }
    Map<String, DataObject> byName = new TreeMap<>();
    objects.forEach(o -> byName.put(o.name(), o));
    SortedSet<String> names =
        java.util.Collections.unmodifiableSortedSet(new TreeSet<>(byName.keySet()));
    Map<String, Path> laidOut = new ConcurrentHashMap<>();
    return new InputArtifacts() {
      @Override
      public String describe() {
        return location;
      }

      @Override
      public SortedSet<String> names() {
        return names;
      }

      @Override
      public Path path(String name) {
        DataObject o = byName.get(name);
        if (o == null) {
          throw new IllegalArgumentException(location + " has no object '" + name + "'");
        }
        return laidOut.computeIfAbsent(
            name,
            n -> {
              Path link = view.resolve(n).normalize();
              if (!link.startsWith(view.normalize())) {
                throw new InvalidInputException(
                    location + ": object name '" + n + "' leads outside its folder");
              }
              try {
                if (fetch(location, o, link).fetched()) {
                  fetched.accept(o.size());
                }
              } catch (IOException e) {
                throw new StoreException(
                    "cannot lay out " + location + " in " + view + ": " + StoreException.reason(e),
                    e);
              }
              return link;
            });
      }
    };
  }

  /** Closes the S3 client, if any. */
  @Override
  public void close() {
    if (s3 != null) {
      s3.close();
    }
  }

  private DataCache.Entry fetch(String location, DataObject o, Path link) throws IOException {
    String what = o.name().isEmpty() ? location : location.replaceAll("/+$", "") + "/" + o.name();
    String id =
        o.hasSha256()
            ? "sha256-" + o.sha256()
            : "etag-" + Sha256.hex(what + "\0" + o.etag() + "\0" + o.size());
    Files.createDirectories(link.getParent());
    return cache.get(
        id,
        o.size(),
        o.sha256(),
        what,
        tmp -> s3.download(location, o, tmp),
        cached -> {
          Files.deleteIfExists(link);
          try {
            // A hard link costs no space and outlives the cache evicting the entry later.
            Files.createLink(link, cached);
          } catch (IOException | UnsupportedOperationException e) {
            Files.copy(cached, link, StandardCopyOption.REPLACE_EXISTING);
          }
        });
  }
}

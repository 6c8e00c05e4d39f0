package dev.reprise.core.store;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.RepriseException;
import dev.reprise.core.StoreException;
import dev.reprise.core.gc.Progress;
import dev.reprise.core.key.OutputDigest;
import dev.reprise.core.key.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Uploads a local dataset to {@code s3://bucket/prefix} with each object's SHA-256 as user metadata
 * ({@code x-amz-meta-sha256}), so the key digests it by content. Resumable: an object already there
 * with the same size and a recorded SHA-256 (metadata or S3's checksum) equal to the file's is
 * skipped, so rerunning a killed push uploads only what is missing (S3 commits each PUT atomically:
 * a killed upload leaves no partial object).
 */
public final class DataPush {
  /** What a push did. {@code extra} are objects under the prefix that the folder does not have. */
  public record Result(
      String uri,
      int files,
      int uploaded,
      int skipped,
      long bytesUploaded,
      String digest,
      List<String> extra) {}

  private final S3Data data;
  private final int parallel;
  private final boolean createBucket;

  /**
   * @param parallel uploads in flight at once
   * @param createBucket create the bucket if it does not exist (otherwise that is an error)
   */
  public DataPush(S3Data data, int parallel, boolean createBucket) {
    if (parallel < 1) {
      throw new InvalidInputException("--parallel must be at least 1, got " + parallel);
    }
    this.data = data;
    this.parallel = parallel;
    this.createBucket = createBucket;
  }

  /**
   * Pushes the files below {@code dir} to {@code uri}.
   *
   * @param progress told of each file checked or uploaded
   * @param uploaded called after each upload with the object's relative name (from pool threads)
   */
  public Result push(Path dir, String uri, Progress progress, Consumer<String> uploaded) {
    if (!Files.isDirectory(dir)) {
      throw new InvalidInputException(
          "cannot push " + dir + ": " + (Files.exists(dir) ? "not a folder" : "no such folder"));
    }
    S3Uri location = S3Uri.parse(uri);
    String canonical = location.toString();
    Map<String, Path> files = localFiles(dir);
    if (files.isEmpty()) {
      throw new InvalidInputException("cannot push " + dir + ": it holds no files");
    }
    String folder = location.key().isEmpty() ? "" : location.key() + "/";
    if (createBucket) {
      S3BlobStore.ensureBucket(data.settings(), location.bucket());
    }
    S3BlobStore bucket = data.bucket(location);
    {
      if (!bucket.bucketExists()) {
        throw new InvalidInputException(
            "bucket "
                + location.bucket()
                + " does not exist at endpoint "
                + data.settings().endpoint()
                + " (create it with 'reprise data push ... --create-bucket', or your S3 console or"
                + " client, e.g. 'mc mb' for MinIO)");
      }
      Map<String, BlobInfo> remote = new TreeMap<>();
      for (BlobInfo b : bucket.list(folder)) {
        remote.put(b.name().substring(folder.length()), b);
      }
      Map<String, String> shas = new TreeMap<>();
      AtomicInteger done = new AtomicInteger();
      AtomicInteger sent = new AtomicInteger();
      long[] bytes = new long[1];
      progress.start("Pushing " + files.size() + " files to " + canonical, files.size());
      ExecutorService pool =
          Executors.newFixedThreadPool(
              Math.min(parallel, files.size()),
              r -> {
                Thread t = new Thread(r, "reprise-data-push");
                t.setDaemon(true);
                return t;
              });
      try {
        List<Future<String>> work = new ArrayList<>();
        for (Map.Entry<String, Path> f : files.entrySet()) {
          String name = f.getKey();
          Path file = f.getValue();
          BlobInfo there = remote.get(name);
          work.add(
              pool.submit(
                  () -> {
                    long size = Files.size(file);
                    String sha = Sha256.hex(file);
                    String key = folder + name;
                    boolean present =
                        there != null
                            && there.size() == size
                            && bucket
                                .describe(key)
                                .map(o -> sha.equals(o.sha256()) && o.size() == size)
                                .orElse(false);
                    if (!present) {
                      bucket.upload(key, file, Map.of(DataObject.METADATA_KEY, sha));
                      sent.incrementAndGet();
                      synchronized (bytes) {
                        bytes[0] += size;
                      }
                      uploaded.accept(name);
                    }
                    synchronized (progress) {
                      progress.step(done.incrementAndGet());
                    }
                    return sha;
                  }));
        }
        int i = 0;
        for (String name : files.keySet()) {
          shas.put(name, work.get(i++).get());
        }
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RepriseException r) {
          throw r;
        }
        if (c instanceof RuntimeException r) {
          throw r;
        }
        throw new StoreException(
            "cannot push " + dir + " to " + canonical + ": " + c.getMessage(), c);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException("interrupted pushing " + dir + " to " + canonical, e);
      } finally {
        pool.shutdownNow();
        // Uploads already under way finish (or fail) before the push returns or throws: what it
        // reports is what is on S3, and nothing keeps uploading behind the command's back.
        try {
          pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        progress.end();
      }
      List<String> extra = remote.keySet().stream().filter(n -> !files.containsKey(n)).toList();
      return new Result(
          canonical,
          files.size(),
          sent.get(),
          files.size() - sent.get(),
          bytes[0],
          OutputDigest.of(shas),
          extra);
    }
  }

  /**
   * The regular files below {@code dir} by relative name with '/', as the key's digest sees them.
   */
  static Map<String, Path> localFiles(Path dir) {
    Map<String, Path> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isRegularFile)
          .forEach(f -> files.put(dir.relativize(f).toString().replace('\\', '/'), f));
    } catch (IOException | UncheckedIOException e) {
      throw new InvalidInputException("cannot read " + dir + ": " + e.getMessage(), e);
    }
    return files;
  }

  /** The URI as the document should name it: {@code s3://bucket/prefix}, no trailing slash. */
  public static String canonical(String uri) {
    return S3Uri.parse(uri).toString();
  }
}

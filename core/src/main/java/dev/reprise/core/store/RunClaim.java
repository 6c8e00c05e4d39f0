package dev.reprise.core.store;

import dev.reprise.core.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The keys a run in progress uses, kept as a lease in {@code claims/<id>.json} that {@code reprise
 * gc} honours: a claimed key is never collected. A run claims a key, then reads gc's announcement
 * of what it is deleting ({@link #COLLECTING}), then the key's manifest; gc announces, then reads
 * the claims, then deletes. So either gc sees the claim and keeps the key, or the run sees the
 * announcement and waits for gc to pass the key. On close the run's keys get their last-use records
 * ({@code used/<key>}, written together), then the claim goes.
 */
public final class RunClaim implements AutoCloseable {
  public static final String CLAIMS = "claims/";
  public static final String USED = "used/";
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(2);
  private static final int TOUCH_THREADS = 8;

  /**
   * A claim as stored. {@code expires} is renewed every third of {@code ttlMillis}; a claim whose
   * {@code expires} lies more than one ttl in the past belongs to a run that died.
   */
  public record Record(
      String pipeline,
      String owner,
      String started,
      long expires,
      long ttlMillis,
      List<String> keys) {
    public boolean live(long nowMillis) {
      return expires + ttlMillis >= nowMillis;
    }
  }

  private final BlobStore blobs;
  private final String name;
  private final String pipeline;
  private final Instant started = Instant.now();
  private final Duration ttl;
  private final Set<String> keys = new TreeSet<>();
  private String problem;
  private final ScheduledExecutorService renewer;
  private boolean closed;

  private RunClaim(BlobStore blobs, String pipeline, Duration ttl) {
    this.blobs = blobs;
    this.pipeline = pipeline;
    this.ttl = ttl;
    this.name = CLAIMS + UUID.randomUUID() + ".json";
    tryWrite();
    this.renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "reprise-claim-renewer");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(1, ttl.toMillis() / 3);
    renewer.scheduleAtFixedRate(this::renew, period, period, TimeUnit.MILLISECONDS);
  }

  /** Writes an empty claim for a run of {@code pipeline} and renews it until closed. */
  public static RunClaim open(BlobStore blobs, String pipeline) {
    return open(blobs, pipeline, DEFAULT_TTL);
  }

  /** As {@link #open(BlobStore, String)} with a lease time of {@code ttl}; tests use short ones. */
  public static RunClaim open(BlobStore blobs, String pipeline, Duration ttl) {
    return new RunClaim(blobs, pipeline, ttl);
  }

  /**
   * Where {@code reprise gc} announces the keys it is about to delete, before it reads the claims.
   * A run that claimed one of them waits until gc has passed it, then finds it deleted or kept.
   */
  public static final String COLLECTING = "gc/collecting.json";

  private static final long COLLECTING_POLL_MILLIS = 50;

  /** The keys gc is deleting now, until {@code expires} (a gc that died leaves it behind). */
  public record Collecting(String owner, long expires, List<String> keys) {}

  /** The blob that records when {@code key} was last used. */
  public static String usedName(String key) {
    return USED + key;
  }

  /**
   * Claims {@code key} for the rest of the run; returns once the claim is in the store. Call it
   * before reading the key's manifest.
   */
  public void claim(String key) {
    synchronized (this) {
      if (closed || !keys.add(key)) {
        return;
      }
      tryWrite();
    }
    awaitNotCollected(key);
  }

  /**
   * Why claims or last-use records could not be written (a read-only store, say), or empty. A run
   * goes on without them: they protect it from a concurrent gc and feed gc's LRU, but its results
   * are verified when read either way.
   */
  public synchronized Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  private synchronized void tryWrite() {
    try {
      write();
    } catch (StoreException e) {
      noteProblem(e);
    }
  }

  private synchronized void noteProblem(StoreException e) {
    if (problem == null) {
      problem = e.getMessage();
    }
  }

  /**
   * Returns once no gc is deleting {@code key}: gc announced it before reading the claims, so if
   * our claim came too late for gc to see, we see the announcement, and wait for gc to finish.
   */
  private void awaitNotCollected(String key) {
    while (true) {
      Optional<byte[]> data;
      try {
        data = blobs.read(COLLECTING);
      } catch (StoreException e) {
        noteProblem(e); // best-effort, as the claim itself
        return;
      }
      if (data.isEmpty()) {
        return;
      }
      Collecting c;
      try {
        c = JsonCodec.MAPPER.readValue(data.get(), Collecting.class);
      } catch (java.io.IOException e) {
        return; // gc writes it whole; an unreadable one is not gc's
      }
      if (c.keys() == null || c.expires() < System.currentTimeMillis() || !c.keys().contains(key)) {
        return;
      }
      try {
        Thread.sleep(COLLECTING_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException("interrupted while gc was collecting " + key, e);
      }
    }
  }

  private synchronized void renew() {
    if (closed) {
      return;
    }
    try {
      write();
    } catch (StoreException e) {
      // A passing fault: the claim still has two thirds of its time; the next period tries again.
    }
  }

  private void write() {
    Record r =
        new Record(
            pipeline,
            ownerId(),
            started.toString(),
            System.currentTimeMillis() + ttl.toMillis(),
            ttl.toMillis(),
            new ArrayList<>(keys));
    blobs.write(name, JsonCodec.write(r));
  }

  /** Records the last use of every claimed key, then withdraws the claim. */
  @Override
  public void close() {
    List<String> used;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      used = new ArrayList<>(keys);
    }
    renewer.shutdownNow();
    try {
      touch(blobs, used);
      blobs.delete(name);
    } catch (StoreException e) {
      synchronized (this) {
        if (problem == null) {
          problem = e.getMessage();
        }
      }
    }
  }

  /**
   * Writes the last-use records of {@code keys} together: a few at a time on a remote store, where
   * each is one small PUT.
   */
  static void touch(BlobStore blobs, List<String> keys) {
    byte[] body =
        ("{\"at\":\"" + Instant.now() + "\"}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (keys.size() < 2 || blobs.localFile(usedName(keys.get(0))).isPresent()) {
      keys.forEach(k -> blobs.write(usedName(k), body));
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(TOUCH_THREADS, keys.size()));
    try {
      List<Future<?>> writes = new ArrayList<>();
      for (String k : keys) {
        writes.add(pool.submit(() -> blobs.write(usedName(k), body)));
      }
      for (Future<?> f : writes) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw e.getCause() instanceof RuntimeException r
              ? r
              : new StoreException("cannot record last use: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StoreException("interrupted while recording last use", e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static String ownerId() {
    String host = System.getenv("HOSTNAME");
    return (host == null || host.isBlank() ? "localhost" : host)
        + "/"
        + ProcessHandle.current().pid();
  }
}

package dev.reprise.core.store;

import dev.reprise.core.CorruptArtifactException;
import dev.reprise.core.InvalidInputException;
import dev.reprise.core.StageFailedException;
import dev.reprise.core.StoreException;
import dev.reprise.core.key.FileDigestMemo;
import dev.reprise.core.key.OutputDigest;
import dev.reprise.core.key.Sha256;
import dev.reprise.core.method.DirectoryArtifacts;
import dev.reprise.core.method.InputArtifacts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The store as the engine sees it: committed results under their keys, the commit protocol (files
 * first, manifest last), verified reads, task descriptions, locks and run records, all on top of a
 * {@link BlobStore}.
 */
public final class ArtifactStore implements AutoCloseable {
  private static final DateTimeFormatter RUN_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final BlobStore blobs;
  private final Path cacheDir;
  private final FileDigestMemo checked;

  /**
   * @param cacheDir where files of a remote store are cached locally (content-addressed), and where
   *     the memo of already checked local files is kept
   */
  public ArtifactStore(BlobStore blobs, Path cacheDir) {
    this.blobs = blobs;
    this.cacheDir = cacheDir;
    this.checked =
        new FileDigestMemo(cacheDir == null ? null : cacheDir.resolve("checked-files.tsv"));
  }

  public BlobStore blobs() {
    return blobs;
  }

  public String uri() {
    return blobs.uri();
  }

  /** The manifest of a committed unit, or empty if it is not (or not readably) committed. */
  public Optional<Manifest> manifest(Location loc) {
    // An unreadable marker commits nothing: the unit is recomputed.
    Committed read = readManifest(loc);
    return read.damaged() ? Optional.empty() : Optional.ofNullable(read.manifest());
  }

  /**
   * The store's one answer to "is this unit committed and intact?": absent (nothing committed),
   * intact (the manifest and every file it lists check out), or damaged, with the reason. Plan,
   * run, export, the worker and the operator all ask this, so they never disagree.
   *
   * @param manifest the manifest when it could be read, else null
   * @param damage why the unit cannot be used, or null
   */
  public record Committed(Manifest manifest, String damage) {
    static final Committed ABSENT = new Committed(null, null);

    public boolean intact() {
      return manifest != null && damage == null;
    }

    public boolean damaged() {
      return damage != null;
    }
  }

  /** Intact verdicts by manifest name, with when they were reached; null: not remembered. */
  private volatile Map<String, Map.Entry<Instant, Committed>> verified;

  private Duration verifiedFor;
  private int verifiedMax;

  /**
   * Remembers intact verdicts for {@code ttl} (at most {@code max} of them, the oldest forgotten
   * first): a committed unit's files never change under its key, so a long-lived reader (the
   * operator) need not read the manifest and check every file again on each plan. Only intact
   * verdicts are remembered: an absent unit is asked about each time.
   */
  public void rememberVerified(Duration ttl, int max) {
    this.verifiedFor = ttl;
    this.verifiedMax = max;
    this.verified =
        java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, false) {
              @Override
              protected boolean removeEldestEntry(
                  Map.Entry<String, Map.Entry<Instant, Committed>> eldest) {
                return size() > verifiedMax;
              }
            });
  }

  /** Forgets remembered verdicts on the units of {@code key} (a retry asks the store afresh). */
  public void forgetVerified(String key) {
    Map<String, Map.Entry<Instant, Committed>> v = verified;
    if (v != null) {
      synchronized (v) {
        v.keySet().removeIf(name -> name.contains(key));
      }
    }
  }

  /** The verdict on one unit: see {@link Committed}. */
  public Committed committed(Location loc) {
    Map<String, Map.Entry<Instant, Committed>> v = verified;
    if (v != null) {
      Map.Entry<Instant, Committed> seen = v.get(loc.manifestName());
      if (seen != null && seen.getKey().plus(verifiedFor).isAfter(Instant.now())) {
        return seen.getValue();
      }
    }
    Committed verdict = check(loc);
    if (v != null && verdict.intact()) {
      v.put(loc.manifestName(), Map.entry(Instant.now(), verdict));
    }
    return verdict;
  }

  private Committed check(Location loc) {
    Committed read = readManifest(loc);
    if (read.manifest() == null) {
      return read;
    }
    List<String> problems;
    try {
      problems = verify(loc, read.manifest());
    } catch (StoreException | java.io.UncheckedIOException e) {
      problems = List.of(e.getMessage());
    }
    return problems.isEmpty() ? read : new Committed(read.manifest(), String.join("; ", problems));
  }

  /** The unit's manifest, unverified: absent, read, or why it cannot be used. */
  private Committed readManifest(Location loc) {
    Optional<byte[]> data = blobs.read(loc.manifestName());
    if (data.isEmpty()) {
      return Committed.ABSENT;
    }
    Manifest m;
    try {
      m = JsonCodec.MAPPER.readValue(data.get(), Manifest.class);
    } catch (IOException e) {
      return new Committed(null, "its manifest.json cannot be read (" + e.getMessage() + ")");
    }
    if (m.outputs() == null || m.digest() == null || !loc.key().equals(m.key())) {
      return new Committed(null, "its manifest.json is incomplete or names another key");
    }
    return new Committed(m, null);
  }

  /**
   * Withdraws a damaged unit so that it is computed again: the manifest (so the unit reads as
   * absent from then on) and a file standing where its outputs folder goes, which no commit could
   * write through. Its other files stay: the next commit replaces them, and a concurrent run or gc
   * may be working on them.
   */
  public void withdraw(Location loc) {
    forgetVerified(loc.key());
    blobs.delete(loc.manifestName());
    String outputs = loc.outputsPrefix();
    String folder = outputs.substring(0, outputs.length() - 1);
    if (blobs.stat(folder).isPresent()) {
      blobs.delete(folder);
    }
  }

  /** What a commit records besides the files; {@link #commit} fills in outputs and digest. */
  public record Draft(
      String method,
      String code,
      Map<String, Object> params,
      Map<String, Manifest.InputRef> inputs,
      Instant started,
      Integer slices,
      Integer slicesRan) {}

  /**
   * Commits every file under {@code dir} as the unit {@code loc}: uploads the files, then writes
   * the manifest. Until the manifest is written nothing is committed, so a crash at any point
   * leaves nothing a later run would reuse.
   */
  public Manifest commit(Location loc, Path dir, Draft draft) {
    List<Manifest.FileEntry> entries = new ArrayList<>();
    for (String name : DirectoryArtifacts.listFiles(dir)) {
      Path file = dir.resolve(name);
      String blob = loc.outputsPrefix() + name;
      long size;
      String sha;
      try {
        size = Files.size(file);
        sha = Sha256.hex(file);
      } catch (IOException e) {
        throw new StoreException("cannot read output " + file + ": " + e.getMessage(), e);
      }
      blobs.upload(blob, file);
      entries.add(new Manifest.FileEntry(name, size, sha, remoteTag(blob)));
    }
    return writeManifest(loc, entries, draft);
  }

  /**
   * Commits a stage whose outputs are the union of its slices' files (a method without a synthesis
   * phase). Copies within the store; two slices writing the same name is the method's error.
   */
  public Manifest commitMerged(Location stage, List<Manifest> slices, Draft draft) {
    Map<String, Manifest.FileEntry> merged = new TreeMap<>();
    Map<String, Integer> owner = new TreeMap<>();
    for (Manifest s : slices) {
      for (Manifest.FileEntry f : s.outputs()) {
        Integer previous = owner.put(f.name(), s.slice());
        if (previous != null) {
          throw new StageFailedException(
              draft.method()
                  + ": slices "
                  + previous
                  + " and "
                  + s.slice()
                  + " both wrote '"
                  + f.name()
                  + (dev.reprise.core.command.CommandSpec.KIND.equals(draft.method())
                      ? "'; each slice of a command stage must write its own paths (name them"
                          + " after $REPRISE_SLICE, for example)"
                      : "'; a method without a synthesis phase must write distinct files per"
                          + " slice"));
        }
        String target = stage.outputsPrefix() + f.name();
        blobs.copy(Location.slice(stage.key(), s.slice()).outputsPrefix() + f.name(), target);
        merged.put(
            f.name(), new Manifest.FileEntry(f.name(), f.size(), f.sha256(), remoteTag(target)));
      }
    }
    return writeManifest(stage, new ArrayList<>(merged.values()), draft);
  }

  /** The version tag of a blob just written to a remote store; null for a folder store. */
  private String remoteTag(String blob) {
    if (blobs.localFile(blob).isPresent()) {
      return null;
    }
    return blobs
        .stat(blob)
        .map(BlobInfo::tag)
        .orElseThrow(() -> new StoreException(blob + " vanished right after it was written"));
  }

  private Manifest writeManifest(Location loc, List<Manifest.FileEntry> entries, Draft draft) {
    Map<String, String> digests = new TreeMap<>();
    entries.forEach(e -> digests.put(e.name(), e.sha256()));
    Instant ended = Instant.now();
    Instant started = draft.started() == null ? ended : draft.started();
    Manifest m =
        new Manifest(
            loc.key(),
            loc.kind().name().toLowerCase(),
            loc.kind() == Location.Kind.SLICE ? loc.slice() : null,
            draft.method(),
            draft.code(),
            draft.params(),
            draft.inputs(),
            entries,
            OutputDigest.of(digests),
            started.toString(),
            ended.toString(),
            (ended.toEpochMilli() - started.toEpochMilli()) / 1000.0,
            draft.slices(),
            draft.slicesRan(),
            ranOn());
    blobs.write(loc.manifestName(), JsonCodec.write(m));
    return m;
  }

  /**
   * Checks a committed unit's files against its manifest: presence and size always; the sha256 when
   * the files are local (re-read only if a file's size or mtime changed since it was last checked,
   * so an unchanged rerun reads nothing); the version tag (ETag) recorded at commit when they are
   * remote, which changes whenever an object is replaced. Returns the problems. Readers still check
   * every file's sha256 when they open it ({@link #open}).
   */
  public List<String> verify(Location loc, Manifest m) {
    List<String> problems = new ArrayList<>();
    for (Manifest.FileEntry f : m.outputs()) {
      String blob = loc.outputsPrefix() + f.name();
      Optional<BlobInfo> info = blobs.stat(blob);
      if (info.isEmpty()) {
        problems.add(f.name() + " is missing");
      } else if (info.get().size() != f.size()) {
        problems.add(
            f.name() + " has " + info.get().size() + " bytes, its manifest says " + f.size());
      } else {
        Optional<Path> local = blobs.localFile(blob);
        if (local.isEmpty() && f.etag() != null && !f.etag().equals(info.get().tag())) {
          problems.add(
              f.name()
                  + " was replaced since it was committed (ETag "
                  + info.get().tag()
                  + ", manifest says "
                  + f.etag()
                  + ")");
        } else if (local.isPresent()) {
          try {
            String actual = checked.sha256(local.get());
            if (!actual.equals(f.sha256())) {
              problems.add(
                  f.name() + " has sha256 " + actual + ", its manifest says " + f.sha256());
            }
          } catch (IOException e) {
            problems.add(f.name() + " cannot be read: " + e.getMessage());
          }
        }
      }
    }
    return problems;
  }

  /** Reads a committed unit's files, verifying each against the manifest as it is opened. */
  public InputArtifacts open(Location loc, Manifest m, String description) {
    return new StoredArtifacts(blobs, loc, m, description, cacheDir);
  }

  /** Withdraws a commit (the manifest goes first, so the unit is never seen half-deleted). */
  public void uncommit(Location loc) {
    blobs.delete(loc.manifestName());
  }

  /** Copies a committed unit's files into a local folder, verifying each. */
  public void export(Location loc, Manifest m, Path target) {
    InputArtifacts in = open(loc, m, loc.describe());
    try {
      for (String name : in.names()) {
        Path dest = target.resolve(name);
        Files.createDirectories(dest.getParent());
        Files.copy(in.path(name), dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new StoreException("cannot write into " + target + ": " + e.getMessage(), e);
    }
  }

  /** Where a file a command stage ships lives: by its content, shared by every stage and run. */
  static String fileBlob(String sha256) {
    return "files/" + sha256;
  }

  /** Whether the store holds a shipped file with this content. */
  public boolean hasFile(String sha256) {
    return blobs.stat(fileBlob(sha256)).isPresent();
  }

  /**
   * Ships a file a command stage needs into the store (content-addressed, so each content is
   * uploaded once). The file is hashed again first: if it changed since the document was read, the
   * key no longer describes it.
   */
  public void shipFile(Path source, String sha256) {
    if (hasFile(sha256)) {
      return;
    }
    String actual;
    try {
      actual = Sha256.hex(source);
    } catch (IOException e) {
      throw new InvalidInputException("cannot read " + source + ": " + e.getMessage(), e);
    }
    if (!actual.equals(sha256)) {
      throw new InvalidInputException(
          source + " changed while the pipeline was being run: run it again");
    }
    blobs.upload(fileBlob(sha256), source);
  }

  /** Copies a shipped file out of the store into {@code target}, checking its content. */
  public void fetchFile(String sha256, Path target) {
    String blob = fileBlob(sha256);
    if (!hasFile(sha256)) {
      throw new StoreException("shipped file " + sha256.substring(0, 12) + " is not in " + uri());
    }
    try {
      Files.createDirectories(target.getParent());
      Optional<Path> local = blobs.localFile(blob);
      if (local.isPresent()) {
        Files.copy(local.get(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } else {
        blobs.download(blob, target);
      }
      if (!Sha256.hex(target).equals(sha256)) {
        throw new CorruptArtifactException(
            "shipped file " + blob + " in " + uri() + " does not match its sha256");
      }
    } catch (IOException e) {
      throw new StoreException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  public void writeTask(Task task) {
    blobs.write(Location.stageDir(task.key()) + "task.json", JsonCodec.write(task));
  }

  public Optional<Task> readTask(String key) {
    return blobs
        .read(Location.stageDir(key) + "task.json")
        .map(b -> JsonCodec.read(b, Task.class, "task.json of " + key));
  }

  /** Who computes {@code key} now, and until when (see {@link BlobStore#lockHolder}). */
  public Optional<String> lockHolder(String key) {
    return blobs.lockHolder("locks/" + key);
  }

  /** An exclusive lock on computing {@code key}, shared by every process using this store. */
  public Optional<BlobStore.Lock> tryLock(String key) {
    return blobs.tryLock("locks/" + key);
  }

  /** Appends a run record; names sort by time. */
  public String writeRun(RunRecord run) {
    String name =
        "runs/"
            + run.pipeline()
            + "/"
            + RUN_STAMP.format(Instant.parse(run.started()))
            + "-"
            + UUID.randomUUID().toString().substring(0, 8)
            + ".json";
    blobs.write(name, JsonCodec.write(run));
    return name;
  }

  /** The pipeline's run records, oldest first. */
  public List<RunRecord> runs(String pipeline) {
    List<RunRecord> out = new ArrayList<>();
    for (BlobInfo b : blobs.list("runs/" + pipeline + "/")) {
      if (b.name().endsWith(".json")) {
        blobs
            .read(b.name())
            .ifPresent(data -> out.add(JsonCodec.read(data, RunRecord.class, b.name())));
      }
    }
    out.sort((a, b) -> a.started().compareTo(b.started()));
    return out;
  }

  private static String ranOn() {
    String pod = System.getenv("POD_NAME");
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      host = "localhost";
    }
    return pod != null && !pod.isBlank() ? pod + "@" + host : host;
  }

  /** Saves what was learnt about local files (call after a run; {@link #close} does too). */
  public void saveChecks() {
    checked.save();
  }

  @Override
  public void close() {
    checked.save();
    blobs.close();
  }
}

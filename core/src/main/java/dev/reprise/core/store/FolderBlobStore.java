package dev.reprise.core.store;

import dev.reprise.core.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A store in a local folder. Writes go to a temporary file in the target's folder and are renamed
 * into place; locks are OS file locks, which the OS releases when the holder dies.
 */
public final class FolderBlobStore implements BlobStore {
  private static final String TMP_PREFIX = ".tmp-";
  private final Path root;
  private final Set<String> locksHeldHere = ConcurrentHashMap.newKeySet();

  public FolderBlobStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new StoreException(
          "cannot create store folder " + this.root + ": " + StoreException.reason(e), e);
    }
  }

  public Path root() {
    return root;
  }

  @Override
  public String uri() {
    return "file:" + root;
  }

  private Path resolve(String name) {
    if (name.isEmpty() || name.startsWith("/") || name.contains("\\")) {
      throw new IllegalArgumentException("bad blob name '" + name + "'");
    }
    Path p = root.resolve(name).normalize();
    if (!p.startsWith(root)) {
      throw new IllegalArgumentException("blob name '" + name + "' leaves the store");
    }
    return p;
  }

  @Override
  public Optional<byte[]> read(String name) {
    try {
      return Optional.of(Files.readAllBytes(resolve(name)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StoreException("cannot read " + resolve(name) + ": " + StoreException.reason(e), e);
    }
  }

  @Override
  public void write(String name, byte[] data) {
    Path target = resolve(name);
    Path tmp = tempBeside(target);
    try {
      Files.write(tmp, data);
      moveIntoPlace(tmp, target);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new StoreException("cannot write " + target + ": " + StoreException.reason(e), e);
    }
  }

  @Override
  public void upload(String name, Path source) {
    Path target = resolve(name);
    Path tmp = tempBeside(target);
    try {
      Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
      moveIntoPlace(tmp, target);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new StoreException("cannot write " + target + ": " + StoreException.reason(e), e);
    }
  }

  @Override
  public void download(String name, Path target) {
    Path source = resolve(name);
    try {
      Path parent = target.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
    } catch (NoSuchFileException e) {
      throw new StoreException("no blob " + name + " in " + uri());
    } catch (IOException e) {
      throw new StoreException("cannot read " + source + ": " + StoreException.reason(e), e);
    }
  }

  @Override
  public Optional<Path> localFile(String name) {
    return Optional.of(resolve(name));
  }

  @Override
  public Optional<BlobInfo> stat(String name) {
    Path p = resolve(name);
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      if (!a.isRegularFile()) {
        return Optional.empty();
      }
      return Optional.of(
          new BlobInfo(
              name,
              a.size(),
              Long.toString(a.lastModifiedTime().toMillis()),
              a.lastModifiedTime().toMillis()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StoreException("cannot stat " + p + ": " + StoreException.reason(e), e);
    }
  }

  @Override
  public List<BlobInfo> list(String prefix) {
    // Walk only the deepest folder the prefix names, not the whole store.
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? root : resolve(prefix.substring(0, slash));
    List<BlobInfo> out = new ArrayList<>();
    if (!Files.isDirectory(start)) {
      return out;
    }
    try {
      // Other processes create and rename files while we walk: a file that vanished is skipped.
      Files.walkFileTree(
          start,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path p, BasicFileAttributes a) {
              String rel = root.relativize(p).toString().replace('\\', '/');
              if (a.isRegularFile()
                  && rel.startsWith(prefix)
                  && !p.getFileName().toString().startsWith(TMP_PREFIX)) {
                long mtime = a.lastModifiedTime().toMillis();
                out.add(new BlobInfo(rel, a.size(), Long.toString(mtime), mtime));
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
              if (e instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
              }
              throw e;
            }
          });
    } catch (IOException e) {
      throw new StoreException("cannot list " + start + ": " + StoreException.reason(e), e);
    }
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  @Override
  public boolean createIfAbsent(String name, byte[] data) {
    Path target = resolve(name);
    Path tmp = tempBeside(target);
    try {
      Files.write(tmp, data);
      // A hard link fails if the target exists, and readers never see a partial file.
      Files.createLink(target, tmp);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (UnsupportedOperationException | IOException e) {
      try {
        Files.write(target, data, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException exists) {
        return false;
      } catch (IOException e2) {
        throw new StoreException("cannot create " + target + ": " + e2.getMessage(), e2);
      }
    } finally {
      deleteQuietly(tmp);
    }
  }

  @Override
  public void copy(String from, String to) {
    Path source = resolve(from);
    if (!Files.isRegularFile(source)) {
      throw new StoreException("no blob " + from + " in " + uri());
    }
    upload(to, source);
  }

  @Override
  public void delete(String name) {
    Path p = resolve(name);
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new StoreException("cannot delete " + p + ": " + StoreException.reason(e), e);
    }
  }

  @Override
  public Optional<Lock> tryLock(String name) {
    // FileLock is per process: threads of one process must also exclude each other.
    if (!locksHeldHere.add(name)) {
      return Optional.empty();
    }
    Path p = resolve(name);
    FileChannel channel = null;
    try {
      Files.createDirectories(p.getParent());
      channel = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        locksHeldHere.remove(name);
        return Optional.empty();
      }
      FileChannel held = channel;
      return Optional.of(
          () -> {
            try {
              lock.release();
              held.close();
            } catch (IOException e) {
              throw new StoreException(
                  "cannot release lock " + p + ": " + StoreException.reason(e), e);
            } finally {
              locksHeldHere.remove(name);
            }
          });
    } catch (OverlappingFileLockException | IOException e) {
      locksHeldHere.remove(name);
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // closing a channel we failed to lock: nothing more to do
        }
      }
      if (e instanceof OverlappingFileLockException) {
        return Optional.empty();
      }
      throw new StoreException(
          "cannot lock "
              + p
              + ": "
              + (e instanceof IOException io ? StoreException.reason(io) : String.valueOf(e)),
          e);
    }
  }

  private Path tempBeside(Path target) {
    try {
      Files.createDirectories(target.getParent());
    } catch (IOException e) {
      throw new StoreException(
          "cannot create " + target.getParent() + ": " + StoreException.reason(e), e);
    }
    return target.resolveSibling(TMP_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
  }

  private static void moveIntoPlace(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort: a stray temp file is skipped by list() and never read
    }
  }
}

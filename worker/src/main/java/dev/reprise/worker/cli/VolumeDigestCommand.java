package dev.reprise.worker.cli;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.store.BlobStore;
import dev.reprise.core.store.VolumeDigests;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reprise volume-digest}: a digest Job's pod. Lists data on a mounted volume, reuses the
 * digest stored for an equal listing or hashes the content, and writes the answer to the store for
 * the operator. Exit code 2 when there is no data at the path (the user's mistake), 1 for a passing
 * fault.
 */
@Command(
    name = "volume-digest",
    mixinStandardHelpOptions = true,
    description =
        "Computes the digest of data on a mounted volume and writes it to the store: the entry"
            + " point of the operator's digest Jobs.")
final class VolumeDigestCommand implements Callable<Integer> {
  @Mixin StoreOptions storeOptions;

  @Spec CommandSpec spec;

  @Option(
      names = "--volume",
      required = true,
      paramLabel = "ID",
      description = "The volume's identity, such as hostPath:/srv/eeg or pvc:<namespace>/<claim>.")
  String volume;

  @Option(
      names = "--mount",
      required = true,
      paramLabel = "DIR",
      description = "Where the volume is mounted in this pod.")
  Path mount;

  @Option(
      names = "--path",
      required = true,
      paramLabel = "P",
      description = "The data's path on the volume, relative to its root (\"\" for all of it).")
  String path;

  @Option(
      names = "--request",
      required = true,
      paramLabel = "R",
      description = "The request's name (64 hex digits): the answer is digests/requests/R.json.")
  String request;

  void useEnvironment(Map<String, String> env) {
    storeOptions.useEnvironment(env);
  }

  @Override
  public Integer call() {
    if (!request.matches("[0-9a-f]{64}")) {
      throw new InvalidInputException("--request: expected 64 hex digits, got '" + request + "'");
    }
    if (storeOptions.store == null) {
      throw new InvalidInputException("--store is required for reprise volume-digest");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (BlobStore blobs = storeOptions.openBlobs(null)) {
      VolumeDigests.Result r =
          new VolumeDigests(blobs)
              .compute(
                  volume, mount.toAbsolutePath().normalize(), path, request, Clock.systemUTC());
      out.println(
          String.format(
              Locale.ROOT,
              "reprise volume-digest: %s%s on %s: %d files, %d bytes, digest %s (%s) in %.1f s",
              mount,
              path.isEmpty() ? "" : "/" + path,
              volume,
              r.files(),
              r.bytes(),
              r.digest().substring(0, 12),
              r.reused() ? "listing unchanged: reused" : "content hashed",
              r.seconds()));
      out.flush();
      return 0;
    }
  }
}

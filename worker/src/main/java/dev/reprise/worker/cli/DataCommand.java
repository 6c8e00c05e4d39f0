package dev.reprise.worker.cli;

import dev.reprise.core.InvalidInputException;
import dev.reprise.core.gc.RetentionPolicy;
import dev.reprise.core.key.DataDigest;
import dev.reprise.core.key.DataDigests;
import dev.reprise.core.store.DataObject;
import dev.reprise.core.store.DataPush;
import dev.reprise.core.store.S3Data;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code reprise data}: puts a local dataset on S3 so that pipelines can name it ({@code push}),
 * and shows what the key sees of data on S3 ({@code ls}, {@code digest}). Same endpoint and
 * credentials as an S3 store.
 */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description = "Puts datasets on S3 for pipelines to read, and shows what the key sees of them.",
    subcommands = {DataCommand.Push.class, DataCommand.Ls.class, DataCommand.Digest.class})
final class DataCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code reprise data push DIR s3://bucket/prefix}. */
  @Command(
      name = "push",
      mixinStandardHelpOptions = true,
      description =
          "Uploads the files below DIR to s3://bucket/prefix with their SHA-256 as metadata"
              + " (x-amz-meta-sha256), so the key digests them by content. Rerunning it uploads"
              + " only what is missing or different, so a killed push resumes.")
  static final class Push implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The local dataset folder.")
    Path dir;

    @Parameters(index = "1", paramLabel = "URI", description = "Where to: s3://bucket/prefix.")
    String uri;

    @Option(
        names = "--parallel",
        paramLabel = "N",
        defaultValue = "8",
        description = "Uploads in flight at once (default: 8).")
    int parallel;

    @Mixin StoreOptions storeOptions;

    @Override
    public Integer call() {
      requireS3(uri);
      DataPush.Result r;
      try (S3Data data = new S3Data(storeOptions.s3Required())) {
        r =
            new DataPush(data, parallel, storeOptions.createBucket())
                .push(dir, uri, new ProgressBar(System.err, true, 1), name -> {});
      }
      System.out.println(
          "Pushed "
              + r.files()
              + " files from "
              + dir
              + " to "
              + r.uri()
              + ": uploaded "
              + r.uploaded()
              + " ("
              + RetentionPolicy.formatSize(r.bytesUploaded())
              + "), "
              + r.skipped()
              + " already there.");
      if (!r.extra().isEmpty()) {
        System.out.println(
            "Note: "
                + r.uri()
                + " also holds "
                + r.extra().size()
                + " object"
                + (r.extra().size() == 1 ? "" : "s")
                + " that "
                + dir
                + " does not (e.g. "
                + r.extra().get(0)
                + "); they were left alone, and the key sees them too.");
      }
      System.out.println("Digest: " + r.digest() + " (by content, as the local folder's).");
      System.out.println("Name it in the pipeline document as: path: " + r.uri());
      return 0;
    }
  }

  /** {@code reprise data ls s3://bucket/prefix}. */
  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description =
          "Lists the objects at s3://bucket/prefix: name, size, and the SHA-256 each records (the"
              + " key digests by content only when all record one).")
  static final class Ls implements Callable<Integer> {
    @Parameters(paramLabel = "URI", description = "s3://bucket/prefix or s3://bucket/key.")
    String uri;

    @Mixin StoreOptions storeOptions;

    @Override
    public Integer call() {
      requireS3(uri);
      List<DataObject> objects;
      try (S3Data data = new S3Data(storeOptions.s3Required())) {
        objects = data.objects(uri);
      }
      List<List<String>> rows = new ArrayList<>();
      long bytes = 0;
      for (DataObject o : objects) {
        bytes += o.size();
        rows.add(
            List.of(
                o.name().isEmpty() ? uri : o.name(),
                Long.toString(o.size()),
                o.hasSha256() ? o.sha256().substring(0, 12) : "-",
                o.hasSha256() ? o.sha256From() : "none: ETag " + o.etag()));
      }
      System.out.print(Tables.render(List.of("NAME", "SIZE", "SHA256", "RECORDED AS"), rows));
      DataDigest d = S3Data.digest(objects);
      System.out.println(
          objects.size()
              + " object"
              + (objects.size() == 1 ? "" : "s")
              + ", "
              + RetentionPolicy.formatSize(bytes)
              + "; the key digests them "
              + d.method()
              + ".");
      return 0;
    }
  }

  /** {@code reprise data digest URI}. */
  @Command(
      name = "digest",
      mixinStandardHelpOptions = true,
      description =
          "Prints the digest a stage's key would hold for the data at URI (s3://... or a local"
              + " path), and how it was computed.")
  static final class Digest implements Callable<Integer> {
    @Parameters(paramLabel = "URI", description = "s3://bucket/prefix, or a local file or folder.")
    String uri;

    @Mixin StoreOptions storeOptions;

    @Override
    public Integer call() {
      DataDigest d;
      if (uri.contains("://")) {
        requireS3(uri);
        try (S3Data data = new S3Data(storeOptions.s3Required())) {
          d = data.digest(uri);
        }
      } else {
        Path p = Path.of(uri).toAbsolutePath().normalize();
        d = new DataDigest(new DataDigests(null, null).digest(p.toString()), "by content");
        uri = p.toString();
      }
      System.out.println(d.value() + "  " + uri + "  " + d.method());
      return 0;
    }
  }

  private static void requireS3(String uri) {
    if (!S3Data.isS3(uri)) {
      throw new InvalidInputException("'" + uri + "' is not an S3 URI (s3://bucket/prefix)");
    }
  }
}

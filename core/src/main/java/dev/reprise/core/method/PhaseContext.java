package dev.reprise.core.method;

import java.nio.file.Path;

/** What a method's phase can see and where it writes. One context per phase run. */
public interface PhaseContext {
  /** The pipeline and stage that asked for this result (not part of the key: for titles, logs). */
  String pipelineName();

  String stageName();

  Phase phase();

  /** This slice's index, 0-based; -1 in prepare and synthesis. */
  int slice();

  /** The stage's slice count. */
  int slices();

  Params params();

  /** The committed outputs of the upstream stage bound to this input name, or null if unbound. */
  InputArtifacts input(String name);

  /** The prepare phase's files (analysis and synthesis; only if the method has a prepare phase). */
  InputArtifacts prepared();

  /** Slice {@code i}'s files (synthesis only). */
  InputArtifacts slice(int i);

  /**
   * The local file or folder a PATH parameter names, or null if the parameter is null: a local path
   * as it is, data on S3 ({@code s3://bucket/prefix}) fetched into this machine's data cache and
   * laid out in a folder of this phase's own. Read external data through this, not through the
   * parameter's text, and the method works wherever the data lives.
   *
   * @throws dev.reprise.core.InvalidInputException if the data cannot be read here
   */
  default Path data(String param) {
    String location = params().getPath(param);
    if (location == null) {
      return null;
    }
    if (location.contains("://")) {
      throw new dev.reprise.core.InvalidInputException(
          param + ": cannot read " + location + " here: no S3 settings for data URIs");
    }
    return Path.of(location);
  }

  /**
   * The files of the folder a PATH parameter names, as artifacts: a local folder where it is; on
   * S3, each object fetched (through the data cache) only when its path is asked for, so a slice
   * fetches only what it reads. Prefer this to {@link #data} for folders read in parts.
   *
   * @throws dev.reprise.core.InvalidInputException if the parameter does not name a readable folder
   */
  default InputArtifacts dataFiles(String param) {
    Path dir = data(param);
    if (dir == null || !java.nio.file.Files.isDirectory(dir)) {
      throw new dev.reprise.core.InvalidInputException(
          param
              + ": "
              + dir
              + (dir != null && java.nio.file.Files.exists(dir)
                  ? " is not a folder"
                  : " does not exist"));
    }
    return new DirectoryArtifacts(dir, param + " " + dir);
  }

  /** An empty folder: every file written under it becomes an artifact of this phase. */
  Path out();

  /** A scratch folder, deleted after the phase; never committed. */
  Path scratch();

  /** Reports progress within this phase, 0..1, shown by the command line. */
  default void progress(double fraction) {}

  /** A line for the user's log (the run's output locally, the pod's log on Kubernetes). */
  void log(String message);
}

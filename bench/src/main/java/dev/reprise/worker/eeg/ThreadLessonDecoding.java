package dev.reprise.worker.eeg;

import dev.reprise.core.method.DirectoryArtifacts;
import dev.reprise.core.method.InputArtifacts;
import dev.reprise.core.method.SliceRange;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Benchmark-only bridge to {@code eeg.decode}'s engine: decodes subjects already in memory, split
 * into slices as the method splits them (units = subject x time chunk), each slice one task on
 * {@code pool}, with the method's LDA or with {@link EjmlLda}.
 */
public final class ThreadLessonDecoding {
  /** Which LDA does the per-time-point linear algebra. */
  public enum Variant {
    /** The method's own {@link Lda} (hand-written loops, one thread). */
    METHOD,
    /** {@link EjmlLda} with {@code CommonOps_DDRM} (one thread): the control. */
    EJML_SINGLE,
    /** {@link EjmlLda} with {@code CommonOps_MT_DDRM} (EJML's concurrent operations). */
    EJML_CONCURRENT
  }

  private final List<Epochs.Subject> subjects = new ArrayList<>();

  /** Reads every subject of the epochs folder {@code epochs}. */
  public ThreadLessonDecoding(Path epochs) {
    InputArtifacts in = new DirectoryArtifacts(epochs, "epochs");
    Epochs.Info info = Epochs.readInfo(in);
    for (String name : Epochs.subjects(in)) {
      subjects.add(Epochs.readSubject(in, name, info));
    }
  }

  public int subjects() {
    return subjects.size();
  }

  /**
   * Accuracy (subjects x times) of LDA decoding over 5 folds x 10 repeats, seed 0, as {@code
   * eeg.decode} computes it, in {@code slices} tasks on {@code pool}.
   */
  public double[][] decode(Variant variant, int slices, ExecutorService pool) throws Exception {
    DecodeSettings settings = new DecodeSettings("lda", 1.0, 5, 10, 0, 1, 1, false);
    SubjectDecoder.Classifiers classifiers =
        switch (variant) {
          case METHOD -> settings::newClassifier;
          case EJML_SINGLE -> (n, p, k) -> new EjmlLda(false, n, p, k);
          case EJML_CONCURRENT -> (n, p, k) -> new EjmlLda(true, n, p, k);
        };
    int count = subjects.size();
    int chunks = SliceParts.chunksPerSubject(slices, count, Integer.MAX_VALUE);
    double[][] acc = new double[count][];
    List<Future<?>> pending = new ArrayList<>();
    for (int slice = 0; slice < slices; slice++) {
      SliceRange units = SliceRange.of(slice, slices, count * chunks);
      pending.add(
          pool.submit(
              () -> {
                SubjectDecoder decoder = null;
                int current = -1;
                for (int u = units.start(); u < units.end(); u++) {
                  int s = u / chunks;
                  if (s != current) {
                    decoder = new SubjectDecoder(subjects.get(s), settings, classifiers);
                    current = s;
                    synchronized (acc) {
                      if (acc[s] == null) {
                        acc[s] = new double[decoder.times()];
                      }
                    }
                  }
                  SliceRange times = SliceRange.of(u % chunks, chunks, decoder.times());
                  double[] part = new double[times.size()];
                  decoder.decode(
                      decoder.labels(),
                      DecodeSettings.stream(settings.seed(), s),
                      times.start(),
                      times.end(),
                      part,
                      null);
                  synchronized (acc) {
                    System.arraycopy(part, 0, acc[s], times.start(), times.size());
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : pending) {
      f.get();
    }
    return acc;
  }
}

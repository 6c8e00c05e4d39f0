package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link SubjectDecoder} allocates nothing per time point and holds about one copy of the subject's
 * data: measured with the current thread's allocation counter ({@code
 * com.sun.management.ThreadMXBean#getThreadAllocatedBytes}).
 */
class SubjectDecoderAllocationTest {
  private static final int TRIALS_PER_CLASS = 30;
  private static final int CHANNELS = 8;
  private static final int TIMES = 220;
  private static final int FEW = 100;
  private static final int MANY = 200;

  /**
   * Most extra bytes that decoding {@code MANY} rather than {@code FEW} time points may allocate.
   * The 100 extra time points run 5 folds x 2 repeats = 1000 extra fits, so one object (>= 16
   * bytes) per time point would add >= 1600 bytes and one per fit >= 16000. The slack covers what
   * does not scale with time points but can differ between two calls: the counter's own granularity
   * and a stray allocation by the JIT's deoptimisation or class loading (the smallest difference
   * over several tries is used, so a one-off does not count). Measured: 0 bytes in every case; a
   * 24-byte array allocated once per time point (not even per fit) makes it 2400 and fails the
   * test.
   */
  private static final long SLACK_BYTES = 1024;

  /**
   * Most bytes the decoder's constructor may allocate, in units of the subject's data (trials x
   * channels x times doubles): its features are one copy; work buffers are per trial, not per time
   * point, and the classifier's are p x p. Measured: 1.01 to 1.14 copies.
   */
  private static final double MOST_COPIES = 1.5;

  private static com.sun.management.ThreadMXBean threads;

  @BeforeAll
  static void counter() {
    threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    threads.setThreadAllocatedMemoryEnabled(true);
  }

  @ParameterizedTest
  @CsvSource({"lda, 2, 1", "svm, 2, 1", "lda, 3, 1", "svm, 3, 1", "lda, 2, 4", "svm, 3, 4"})
  void decodingMoreTimePointsAllocatesNoMore(String classifier, int classes, int pseudoTrials) {
    Epochs.Subject subject = subject(classes);
    DecodeSettings settings = new DecodeSettings(classifier, 1.0, 5, 2, 0, pseudoTrials, 1, false);
    long constructed = allocated();
    SubjectDecoder decoder = new SubjectDecoder(subject, settings);
    constructed = allocated() - constructed;
    double dataBytes = 8.0 * subject.x().length;
    assertTrue(
        constructed <= MOST_COPIES * dataBytes,
        "constructor allocated " + constructed + " bytes for " + dataBytes + " bytes of data");

    int[] y = decoder.labels();
    double[] acc = new double[MANY];
    decoder.decode(y, 7L, 0, MANY, acc, null); // warm-up: class loading, JIT
    long least = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 5; attempt++) {
      long few = allocated();
      decoder.decode(y, 7L, 0, FEW, acc, null);
      few = allocated() - few;
      long many = allocated();
      decoder.decode(y, 7L, 0, MANY, acc, null);
      many = allocated() - many;
      least = Math.min(least, many - few);
    }
    assertTrue(
        least <= SLACK_BYTES,
        classifier
            + ", "
            + classes
            + " classes, pseudo-trials "
            + pseudoTrials
            + ": "
            + MANY
            + " time points allocated "
            + least
            + " bytes more than "
            + FEW);
  }

  private static long allocated() {
    return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /** Gaussian noise with a class pattern in the second half of the epoch, seeded. */
  private static Epochs.Subject subject(int classes) {
    Random random = new Random(42 + classes);
    int n = classes * TRIALS_PER_CLASS;
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % classes;
    }
    double[] x = new double[n * CHANNELS * TIMES];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < CHANNELS; c++) {
        double effect = 0.5 * ((y[i] + c) % classes);
        for (int t = 0; t < TIMES; t++) {
          x[(i * CHANNELS + c) * TIMES + t] = random.nextGaussian() + (t > TIMES / 2 ? effect : 0);
        }
      }
    }
    return new Epochs.Subject("S01", x, n, CHANNELS, TIMES, y);
  }
}

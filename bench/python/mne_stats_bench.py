"""eeg.stats' cluster test against MNE's permutation_cluster_1samp_test, on one array.

    PYTHON bench/python/mne_stats_bench.py make FILE.npy [subjects times]
    PYTHON bench/python/mne_stats_bench.py time FILE.npy THRESHOLD PERMUTATIONS RUNS [LABEL]

`make` writes accuracy minus chance (subjects x times, float64) with an effect in the middle third.
`time` prints the versions, one line per run ("mne LABEL <seconds>") of
permutation_cluster_1samp_test(X, threshold, n_permutations, tail=1, out_type="mask", n_jobs=1,
seed=0), then the clusters ("cluster LABEL [first, last] mass M p P").
"""
import sys
import time

import numpy as np


def make(path, subjects=20, times=250):
    rng = np.random.default_rng(3)
    effect = np.zeros(times)
    effect[times // 3: 2 * times // 3] = 0.04
    x = 0.05 * rng.normal(size=(subjects, times)) + effect
    np.save(path, x)


def timed(path, threshold, permutations, runs, label):
    import mne
    from mne.stats import permutation_cluster_1samp_test
    print(f"versions {label}: mne {mne.__version__}, numpy {np.__version__}", flush=True)
    x = np.load(path)
    mne.set_log_level("ERROR")
    for _ in range(runs):
        start = time.perf_counter()
        t, clusters, p, _ = permutation_cluster_1samp_test(
            x, threshold=threshold, n_permutations=permutations, tail=1, out_type="mask",
            n_jobs=1, seed=0)
        print(f"mne {label} {time.perf_counter() - start:.4f}", flush=True)
    for c, pv in zip(clusters, p):
        mask = np.zeros(x.shape[1], bool)
        mask[c] = True  # a boolean mask, or a tuple holding one (MNE 1.13)
        idx = np.flatnonzero(mask)
        print(f"cluster {label} [{idx[0]}, {idx[-1]}] mass {t[mask].sum():.4f} p {pv:.4f}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], *[int(a) for a in sys.argv[3:]])
    else:
        timed(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]),
              sys.argv[6] if len(sys.argv) > 6 else "mne")

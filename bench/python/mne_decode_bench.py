"""Times MNE's SlidingEstimator on the benchmark epochs folder (one thread), or writes that folder.

    PYTHON bench/python/mne_decode_bench.py make DIR [subjects trials channels times classes]
    PYTHON bench/python/mne_decode_bench.py time DIR CLASSIFIER RUNS [LABEL]

`time` prints the versions ("versions LABEL: mne X, scikit-learn Y, numpy Z") and one line per
run: "mne LABEL <classifier> <seconds>", each run decoding every subject with
make_pipeline(StandardScaler(), clf) and cross_val_multiscore over
RepeatedStratifiedKFold(n_splits=5, n_repeats=10, random_state=0), n_jobs=1. Set
OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1 before starting Python (run-decode-bench.sh
does).
"""
import json
import os
import sys
import time
import warnings

import numpy as np


def make(folder, subjects=2, trials=200, channels=32, times=100, classes=2):
    rng = np.random.default_rng(7)
    os.makedirs(folder, exist_ok=True)
    info = {"sfreq": 250.0, "tmin": -0.1, "channels": [f"E{i}" for i in range(channels)],
            "classes": [chr(ord("a") + k) for k in range(classes)]}
    with open(os.path.join(folder, "info.json"), "w") as f:
        json.dump(info, f)
    envelope = np.exp(-0.5 * ((np.arange(times) - times / 2) / (times / 10)) ** 2)
    for s in range(subjects):
        y = rng.permutation(np.arange(trials) % classes)
        pattern = rng.normal(size=(classes, channels))
        mix = rng.normal(size=(channels, channels)) / np.sqrt(channels) + np.eye(channels)
        noise = np.einsum("nct,cd->ndt", rng.normal(size=(trials, channels, times)), mix)
        X = (noise + 0.5 * pattern[y][:, :, None] * envelope).astype(np.float32)
        d = os.path.join(folder, f"S{s + 1:02d}")
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "X.npy"), X)
        np.save(os.path.join(d, "y.npy"), y.astype(np.int64))


def timed(folder, classifier, runs, label="mne"):
    import mne
    import sklearn
    print(f"versions {label}: mne {mne.__version__}, scikit-learn {sklearn.__version__}, "
          f"numpy {np.__version__}", flush=True)
    from mne.decoding import SlidingEstimator, cross_val_multiscore
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.model_selection import RepeatedStratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    subjects = sorted(d for d in os.listdir(folder) if os.path.isfile(os.path.join(folder, d, "X.npy")))
    # MNE_SUBJECTS / MNE_TIMES: decode only the first subjects / time points (a part of a large
    # folder, for a time a fit)
    subjects = subjects[:int(os.environ.get("MNE_SUBJECTS", len(subjects)))]
    times = int(os.environ.get("MNE_TIMES", 1 << 30))
    data = [(np.load(os.path.join(folder, s, "X.npy"))[:, :, :times].astype(np.float64),
             np.load(os.path.join(folder, s, "y.npy"))) for s in subjects]
    print(f"fits {label} {sum(X.shape[2] for X, _ in data) * 50}", flush=True)
    for _ in range(runs):
        start = time.perf_counter()
        for X, y in data:
            clf = (LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
                   if classifier == "lda" else LinearSVC(C=1.0))
            est = SlidingEstimator(make_pipeline(StandardScaler(), clf), scoring="accuracy",
                                   n_jobs=1, verbose=False)
            cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=10, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cross_val_multiscore(est, X, y, cv=cv, n_jobs=1, verbose=False).mean(axis=0)
        print(f"mne {label} {classifier} {time.perf_counter() - start:.3f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], *[int(a) for a in sys.argv[3:]])
    else:
        timed(sys.argv[2], sys.argv[3], int(sys.argv[4]), *sys.argv[5:6])

#!/usr/bin/env bash
# eeg.decode (Java, one thread per slice) against MNE's SlidingEstimator (n_jobs=1, BLAS on one
# thread) on the same epochs folder, 5 folds x 10 repeats, side by side in one run. Prints each run,
# the medians, the time a fit, its share of this core's measured peak, and the ratios.
#   bench/run-decode-bench.sh [CLASSIFIER=lda] [MNE_RUNS=3] [JAVA_RUNS=5] [SHAPE=thesis]
# SHAPE: thesis = 2 subjects x 3 classes x 100 trials x 64 channels x 50 times;
#        small  = 2 subjects x 2 classes x 100 trials x 32 channels x 100 times (the first benchmark).
# Python: the current MNE and scikit-learn from PyPI in a virtual environment (bench/target/venv,
# made if missing; VENV=dir picks another) and Debian's (/usr/bin/python3 with python3-mne and
# python3-sklearn), each where it imports.
# BASELINE=dir: another checkout whose bench/ is built; its DecodeBench runs too ("java-baseline"),
# e.g. the commit before a change, to measure before and after in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
CLASSIFIER=${1:-lda}
MNE_RUNS=${2:-3}
JAVA_RUNS=${3:-5}
SHAPE=${4:-thesis}
case "$SHAPE" in
  thesis) DATA=bench/target/decode-epochs-thesis; SUBJ=2; TRIALS=300; CH=64; TIMES=50; CLASSES=3 ;;
  small) DATA=bench/target/decode-epochs; SUBJ=2; TRIALS=200; CH=32; TIMES=100; CLASSES=2 ;;
  *) echo "SHAPE is thesis or small" >&2; exit 2 ;;
esac
CORES=$(getconf _NPROCESSORS_ONLN)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

if [ ! -f bench/target/classpath.txt ]; then
  mvn -B -q -DskipTests -pl bench -am package
fi
if [ ! -f worker/target/test-classpath.txt ] || [ ! -d worker/target/test-classes ]; then
  mvn -B -q -DskipTests -pl worker -am test-compile
  mvn -B -q -pl worker dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt
fi
. bench/python-envs.sh
python_envs mne sklearn
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
if [ ! -f "$DATA/info.json" ]; then
  "$MAKE_PY" bench/python/mne_decode_bench.py make "$DATA" $SUBJ $TRIALS $CH $TIMES $CLASSES
fi
echo "data: $DATA ($SUBJ subjects x $TRIALS trials x $CH channels x $TIMES times, $CLASSES classes, float32)"
echo "cpu: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"

LOG=$(mktemp)
java -cp "worker/target/test-classes:worker/target/classes:$(cat worker/target/test-classpath.txt)" \
  dev.reprise.worker.eeg.LdaRooflineBench peak $((TRIALS / CLASSES)) $CH $CLASSES | tee -a "$LOG"
for py in "${PYTHONS[@]}"; do
  "${py#*=}" bench/python/mne_decode_bench.py time "$DATA" "$CLASSIFIER" "$MNE_RUNS" "${py%%=*}" | tee -a "$LOG"
done
if [ -n "${BASELINE:-}" ]; then
  java -cp "$BASELINE/bench/target/classes:$(cat "$BASELINE/bench/target/classpath.txt")" \
    dev.reprise.bench.DecodeBench "$DATA" "$CLASSIFIER" 1 1 "$JAVA_RUNS" | sed 's/^java /java-baseline /' | tee -a "$LOG"
fi
java -cp "$CP" dev.reprise.bench.DecodeBench "$DATA" "$CLASSIFIER" 1 1 "$JAVA_RUNS" | tee -a "$LOG"
java -cp "$CP" dev.reprise.bench.DecodeBench "$DATA" "$CLASSIFIER" "$CORES" 1 "$JAVA_RUNS" | tee -a "$LOG"
java -cp "$CP" dev.reprise.bench.DecodeBench "$DATA" "$CLASSIFIER" "$CORES" "$CORES" "$JAVA_RUNS" | tee -a "$LOG"

"${MAKE_PY}" - "$LOG" "$CLASSIFIER" $((SUBJ * TIMES * 50)) "$CORES" <<'PYEOF'
import statistics, sys
log, clf, fits, cores = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
runs, peak, flops = {}, None, None
for line in open(log):
    parts = line.split()
    if not parts or parts[0] in ("versions", "peak:", "fits"):
        continue
    if parts[0] == "peak_gflops":
        peak = float(parts[1]); continue
    if parts[0] == "flops_per_fit":
        flops = float(parts[1]); continue
    runs.setdefault(" ".join(parts[:-1]), []).append(float(parts[-1]))
med = {k: statistics.median(v) for k, v in runs.items()}
for k, v in med.items():
    print(f"median {k}: {v:.3f} s over {len(runs[k])} runs = {v / fits * 1e3:.4f} ms a fit ({fits} fits)")
j1 = med[f"java {clf} slices=1 threads=1"]
t1 = med[f"java {clf} slices={cores} threads=1"]
tn = med[f"java {clf} slices={cores} threads={cores}"]
print(f"Java, 1 thread: {j1 / fits * 1e3:.4f} ms a fit", end="")
if clf == "lda" and peak and flops:
    print(f"; {flops:.0f} flops a fit = {flops / (j1 / fits) / 1e9:.2f} GFLOP/s"
          f" = {100 * flops / (j1 / fits) / 1e9 / peak:.1f}% of the measured peak {peak:.2f} GFLOP/s")
else:
    print()
for k, v in med.items():
    if k.startswith("mne "):
        print(f"ratio {k.split()[1]} MNE / Java per core: {v / j1:.1f}x")
    if k.startswith("java-baseline "):
        print(f"ratio baseline / Java: {v / j1:.2f}x")
print(f"parallel efficiency, {cores} slices on {cores} threads vs 1: T1/({cores} T{cores}) = {t1 / (cores * tn):.2f}")
PYEOF
rm -f "$LOG"

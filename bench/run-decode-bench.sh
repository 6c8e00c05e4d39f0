#!/usr/bin/env bash
# eeg.decode (Java, one thread per slice) against MNE's SlidingEstimator (n_jobs=1, BLAS on one
# thread) on the same epochs folder, 5 folds x 10 repeats. Prints each run, the medians and ratios.
#   bench/run-decode-bench.sh [CLASSIFIER=lda] [MNE_RUNS=3] [JAVA_RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
CLASSIFIER=${1:-lda}
MNE_RUNS=${2:-3}
JAVA_RUNS=${3:-5}
PY=/usr/bin/python3
DATA=bench/target/decode-epochs
CORES=$(getconf _NPROCESSORS_ONLN)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

if [ ! -f bench/target/classpath.txt ]; then
  mvn -B -q -DskipTests -pl bench -am package
fi
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
if [ ! -f "$DATA/info.json" ]; then
  "$PY" bench/python/mne_decode_bench.py make "$DATA" 2 200 32 100
fi
echo "data: $DATA (2 subjects x 200 trials x 32 channels x 100 times, 2 classes, float32)"
echo "cpu: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

LOG=$(mktemp)
"$PY" bench/python/mne_decode_bench.py time "$DATA" "$CLASSIFIER" "$MNE_RUNS" | tee -a "$LOG"
java -cp "$CP" dev.reprise.bench.DecodeBench "$DATA" "$CLASSIFIER" 1 1 "$JAVA_RUNS" | tee -a "$LOG"
java -cp "$CP" dev.reprise.bench.DecodeBench "$DATA" "$CLASSIFIER" 2 1 "$JAVA_RUNS" | tee -a "$LOG"
java -cp "$CP" dev.reprise.bench.DecodeBench "$DATA" "$CLASSIFIER" 2 2 "$JAVA_RUNS" | tee -a "$LOG"

"$PY" - "$LOG" <<'PYEOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    parts = line.split()
    runs.setdefault(" ".join(parts[:-1]), []).append(float(parts[-1]))
med = {k: statistics.median(v) for k, v in runs.items()}
for k, v in med.items():
    print(f"median {k}: {v:.3f} s over {len(runs[k])} runs")
mne = [v for k, v in med.items() if k.startswith("mne")][0]
j1 = [v for k, v in med.items() if "slices=1 threads=1" in k][0]
t1 = [v for k, v in med.items() if "slices=2 threads=1" in k][0]
t2 = [v for k, v in med.items() if "slices=2 threads=2" in k][0]
print(f"speed-up Java 1 thread vs MNE 1 thread: {mne / j1:.1f}x")
print(f"parallel efficiency, 2 slices on 2 threads vs 1: T1/(2 T2) = {t1 / (2 * t2):.2f}")
PYEOF
rm -f "$LOG"

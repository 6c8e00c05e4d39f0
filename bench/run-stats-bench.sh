#!/usr/bin/env bash
# eeg.stats' cluster test (ClusterTest.run) against MNE's permutation_cluster_1samp_test on the same
# array (20 subjects x 250 times, accuracy minus chance, threshold the t quantile at 0.95, tail 1),
# side by side in one run. Prints each run, the medians, the ratio, and both tests' clusters.
#   bench/run-stats-bench.sh [PERMUTATIONS=2048] [MNE_RUNS=5] [JAVA_RUNS=9]
set -euo pipefail
cd "$(dirname "$0")/.."
PERMUTATIONS=${1:-2048}
MNE_RUNS=${2:-5}
JAVA_RUNS=${3:-9}
DATA=bench/target/stats-x.npy
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
if [ ! -f bench/target/classpath.txt ]; then
  mvn -B -q -DskipTests -pl bench -am package
fi
. bench/python-envs.sh
python_envs mne scipy
[ -f "$DATA" ] || "$MAKE_PY" bench/python/mne_stats_bench.py make "$DATA" 20 250
# the t quantile at 1 - 0.05 with 19 degrees of freedom, as eeg.stats' default
THRESHOLD=$("$MAKE_PY" -c "from scipy import stats; print(repr(float(stats.t.ppf(0.95, 19))))")
echo "data: $DATA (20 subjects x 250 times); threshold $THRESHOLD; $PERMUTATIONS permutations; load: $(cut -d' ' -f1-3 /proc/loadavg)"
LOG=$(mktemp)
for py in "${PYTHONS[@]}"; do
  "${py#*=}" bench/python/mne_stats_bench.py time "$DATA" "$THRESHOLD" "$PERMUTATIONS" "$MNE_RUNS" "${py%%=*}" | tee -a "$LOG"
done
java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.reprise.bench.StatsBench \
  "$DATA" "$THRESHOLD" "$PERMUTATIONS" "$JAVA_RUNS" | tee -a "$LOG"
"$MAKE_PY" - "$LOG" <<'PYEOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    p = line.split()
    if p and p[0] in ("mne", "java"):
        runs.setdefault(" ".join(p[:-1]), []).append(float(p[-1]))
med = {k: statistics.median(v) for k, v in runs.items()}
for k, v in med.items():
    print(f"median {k}: {v * 1e3:.1f} ms over {len(runs[k])} runs")
j = med["java cluster"]
for k, v in med.items():
    if k.startswith("mne "):
        print(f"ratio {k.split()[1]} MNE / Java: {v / j:.1f}x")
PYEOF
rm -f "$LOG"

#!/usr/bin/env bash
# A representative part of the thesis-scale analysis (20 subjects, 3 classes x 100 trials, 64
# channels, 250 time points, LDA over 5 folds x 10 repeats, plus 100 label permutations), run with
# the real eeg.synthesize / eeg.decode / eeg.permute methods through `bin/reprise run`, once on 1
# worker and once on all cores, each on a fresh store, RUNS times alternately. Prints the stage
# seconds, medians, and a linear projection to the full analysis on a 32-core node.
#   bench/run-thesis-bench.sh [SUBJECTS=2] [PERMUTATIONS=4] [WORKERS=all cores] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
SUBJECTS=${1:-2}
PERMUTATIONS=${2:-4}
CORES=$(getconf _NPROCESSORS_ONLN)
WORKERS=${3:-$CORES}
RUNS=${4:-3}
PY=/usr/bin/python3
OUT=bench/target/thesis
mkdir -p "$OUT"
if [ ! -f worker/target/reprise.jar ]; then
  mvn -B -q -DskipTests package
fi
# equal pieces, so that the measured efficiency is not that of a lopsided split: decode as half
# subjects, permute as one permutation per slice
DECODE_SLICES=$((2 * SUBJECTS))
PERMUTE_SLICES=$((SUBJECTS * PERMUTATIONS))
cat > "$OUT/pipeline.yaml" <<EOF
apiVersion: reprise.dev/v1alpha1
kind: Pipeline
metadata:
  name: thesis-scale
spec:
  stages:
    - name: epochs
      method: eeg.synthesize
      params: {subjects: $SUBJECTS, trialsPerClass: 100, channels: 64, sfreq: 250, tmin: 0.0, tmax: 0.996, seed: 11}
      slices: $WORKERS
    - name: decode
      method: eeg.decode
      inputs: {epochs: epochs}
      params: {classifier: lda, folds: 5, repeats: 10}
      slices: $DECODE_SLICES
    - name: permute
      method: eeg.permute
      inputs: {epochs: epochs}
      params: {classifier: lda, folds: 5, repeats: 10, permutations: $PERMUTATIONS}
      slices: $PERMUTE_SLICES
EOF
echo "part measured: $SUBJECTS subjects, $PERMUTATIONS permutations; cpu: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for r in $(seq 1 "$RUNS"); do
  for w in 1 "$WORKERS"; do
    store="$OUT/store-w$w"
    rm -rf "$store"
    bin/reprise run "$OUT/pipeline.yaml" --store "$store" --workers "$w" --quiet \
      --json "$OUT/summary-w$w-r$r.json"
  done
done
rm -rf "$OUT"/store-w*

"$PY" - "$OUT" "$SUBJECTS" "$PERMUTATIONS" "$WORKERS" "$RUNS" <<'PYEOF'
import json, statistics, sys
out, subjects, perms, workers, runs = sys.argv[1], *map(int, sys.argv[2:6])
def stage_seconds(w, r):
    s = json.load(open(f"{out}/summary-w{w}-r{r}.json"))
    st = {st["name"]: st["seconds"] for st in s["stages"]}
    # decode and permute both wait for epochs, then may run side by side: their wall time is the
    # run's minus the synthesis's
    st["decode+permute wall"] = round(s["seconds"] - st["epochs"], 3)
    return st
ones = [stage_seconds(1, r) for r in range(1, runs + 1)]
manys = [stage_seconds(workers, r) for r in range(1, runs + 1)]
for r in range(runs):
    print(f"run {r + 1}: 1 worker {ones[r]}")
    print(f"run {r + 1}: {workers} workers {manys[r]}")
times, splits = 250, 5 * 10
# work in fits: subject x time point x fold x repeat, once for decode and once per permutation
def fits(subj, p):
    return subj * times * splits * (1 + p)
work = fits(subjects, perms)
t1 = statistics.median(o["decode+permute wall"] for o in ones)
tw = statistics.median(m["decode+permute wall"] for m in manys)
eff = t1 / (workers * tw)
per_fit = t1 / work
full = fits(20, 100)
core_seconds = full * per_fit
print(f"medians over {runs} runs. decode+permute: {work} fits; 1 worker {t1:.2f} s = {per_fit * 1e3:.3f} ms a fit; "
      f"{workers} workers {tw:.2f} s; parallel efficiency T1/({workers} T{workers}) = {eff:.2f}")
print(f"full analysis: {full} fits = {core_seconds / 3600:.2f} core-hours at the measured rate")
for cores in (workers, 32):
    e = eff if cores != 1 else 1.0
    print(f"projected on {cores} cores (efficiency {e:.2f}): {core_seconds / (cores * e) / 60:.1f} min")
PYEOF

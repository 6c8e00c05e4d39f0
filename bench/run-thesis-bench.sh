#!/usr/bin/env bash
# A representative part of the thesis-scale analysis (20 subjects, 3 classes x 100 trials, 64
# channels, 250 time points, LDA over 5 folds x 10 repeats, plus 100 label permutations), run with
# the real eeg.synthesize / eeg.decode / eeg.permute methods through `bin/reprise run`, once on 1
# worker and once on all cores, each on a fresh store. Prints the stage seconds and a linear
# projection to the full analysis on a 32-core node.
#   bench/run-thesis-bench.sh [SUBJECTS=2] [PERMUTATIONS=4] [WORKERS=all cores]
set -euo pipefail
cd "$(dirname "$0")/.."
SUBJECTS=${1:-2}
PERMUTATIONS=${2:-4}
CORES=$(getconf _NPROCESSORS_ONLN)
WORKERS=${3:-$CORES}
PY=/usr/bin/python3
OUT=bench/target/thesis
mkdir -p "$OUT"
if [ ! -f worker/target/reprise.jar ]; then
  mvn -B -q -DskipTests package
fi
SLICES=$((2 * WORKERS))
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
      slices: $SLICES
    - name: permute
      method: eeg.permute
      inputs: {epochs: epochs}
      params: {classifier: lda, folds: 5, repeats: 10, permutations: $PERMUTATIONS}
      slices: $SLICES
EOF
echo "part measured: $SUBJECTS subjects, $PERMUTATIONS permutations; cpu: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for w in 1 "$WORKERS"; do
  store="$OUT/store-w$w"
  rm -rf "$store"
  bin/reprise run "$OUT/pipeline.yaml" --store "$store" --workers "$w" --quiet --json "$OUT/summary-w$w.json"
done

"$PY" - "$OUT" "$SUBJECTS" "$PERMUTATIONS" "$WORKERS" <<'PYEOF'
import json, sys
out, subjects, perms, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def stage_seconds(w):
    s = json.load(open(f"{out}/summary-w{w}.json"))
    st = {st["name"]: st["seconds"] for st in s["stages"]}
    # decode and permute both wait for epochs, then may run side by side: their wall time is the
    # run's minus the synthesis's
    st["decode+permute wall"] = round(s["seconds"] - st["epochs"], 3)
    return st
one, many = stage_seconds(1), stage_seconds(workers)
times, splits = 250, 5 * 10
# work in fits: subject x time point x fold x repeat, once for decode and once per permutation
def fits(subj, p):
    return subj * times * splits * (1 + p)
work = fits(subjects, perms)
t1 = one["decode+permute wall"]
tw = many["decode+permute wall"]
eff = t1 / (workers * tw)
per_fit = t1 / work
full = fits(20, 100)
core_seconds = full * per_fit
print(f"stage seconds, 1 worker: {one}")
print(f"stage seconds, {workers} workers: {many}")
print(f"decode+permute: {work} fits; 1 worker {t1:.2f} s = {per_fit * 1e3:.3f} ms a fit; "
      f"{workers} workers {tw:.2f} s; parallel efficiency T1/({workers} T{workers}) = {eff:.2f}")
print(f"full analysis: {full} fits = {core_seconds / 3600:.2f} core-hours at the measured rate")
for cores in (workers, 32):
    e = eff if cores != 1 else 1.0
    print(f"projected on {cores} cores (efficiency {e:.2f}): {core_seconds / (cores * e) / 60:.1f} min")
PYEOF

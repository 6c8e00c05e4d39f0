#!/usr/bin/env bash
# A representative part of the thesis-scale analysis (20 subjects, 3 classes x 100 trials, 64
# channels, 250 time points, LDA over 5 folds x 10 repeats, plus 100 label permutations), run with
# the real eeg.synthesize / eeg.decode / eeg.permute methods through `bin/reprise run`, once on 1
# worker and once on all cores, each on a fresh store, RUNS times alternately. Then, on the same
# epochs, MNE + scikit-learn (PyPI's in bench/target/venv and Debian's, where they import) on the
# first MNE_TIMES time points of one subject. Prints the stage seconds, medians, the time a fit and
# its share of this core's measured peak, the ratio to MNE per core, and a simulation of the full
# analysis on a 32-core node built from the measured slice times (assumptions printed with it).
#   bench/run-thesis-bench.sh [SUBJECTS=2] [PERMUTATIONS=4] [WORKERS=all cores] [RUNS=3]
# MNE_RUNS (default 1) and MNE_TIMES (default 25) size the MNE part; MNE_RUNS=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
SUBJECTS=${1:-2}
PERMUTATIONS=${2:-4}
CORES=$(getconf _NPROCESSORS_ONLN)
WORKERS=${3:-$CORES}
RUNS=${4:-3}
MNE_RUNS=${MNE_RUNS:-1}
MNE_TIMES=${MNE_TIMES:-25}
OUT=bench/target/thesis
mkdir -p "$OUT"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
if [ ! -f worker/target/reprise.jar ]; then
  mvn -B -q -DskipTests package
fi
if [ ! -f worker/target/test-classpath.txt ] || [ ! -d worker/target/test-classes ]; then
  mvn -B -q -DskipTests -pl worker -am test-compile
  mvn -B -q -pl worker dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt
fi
# equal pieces, so that the measured efficiency is not that of a lopsided split: decode as half
# subjects, permute as one permutation per slice
DECODE_SLICES=$((2 * SUBJECTS))
PERMUTE_SLICES=$((SUBJECTS * PERMUTATIONS))
cat > "$OUT/pipeline.yaml" <<YAML
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
YAML
echo "part measured: $SUBJECTS subjects, $PERMUTATIONS permutations; cpu: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
java -cp "worker/target/test-classes:worker/target/classes:$(cat worker/target/test-classpath.txt)" \
  dev.reprise.worker.eeg.LdaRooflineBench peak 100 64 3 | tee "$OUT/peak.txt"
# per-slice and per-stage start/end from the committed manifests, for the 32-core simulation
slice_times() {
  local store=$1 summary=$2 out=$3
  /usr/bin/python3 - "$store" "$summary" > "$out" <<'PYEOF'
import glob, json, os, sys
store, summary = sys.argv[1], json.load(open(sys.argv[2]))
res = {}
for st in summary["stages"]:
    d = os.path.join(store, "stages", st["key"])
    m = json.load(open(os.path.join(d, "manifest.json")))
    slices = [json.load(open(f)) for f in glob.glob(os.path.join(d, "slices", "*", "manifest.json"))]
    res[st["name"]] = {"started": m["started"], "ended": m["ended"], "seconds": m["seconds"],
                       "slices": [{"started": s["started"], "ended": s["ended"], "seconds": s["seconds"]} for s in slices]}
print(json.dumps(res))
PYEOF
}
for r in $(seq 1 "$RUNS"); do
  for w in 1 "$WORKERS"; do
    store="$OUT/store-w$w"
    rm -rf "$store"
    bin/reprise run "$OUT/pipeline.yaml" --store "$store" --workers "$w" --quiet \
      --json "$OUT/summary-w$w-r$r.json"
    slice_times "$store" "$OUT/summary-w$w-r$r.json" "$OUT/slices-w$w-r$r.json"
  done
done
rm -rf "$OUT/epochs"
bin/reprise export "$OUT/pipeline.yaml" --stage epochs --to "$OUT/epochs" --store "$OUT/store-w1" > /dev/null
rm -rf "$OUT"/store-w*
: > "$OUT/mne.txt"
if [ "$MNE_RUNS" -gt 0 ]; then
  . bench/python-envs.sh
  python_envs mne sklearn
  for py in "${PYTHONS[@]}"; do
    MNE_SUBJECTS=1 MNE_TIMES=$MNE_TIMES "${py#*=}" bench/python/mne_decode_bench.py time \
      "$OUT/epochs" lda "$MNE_RUNS" "${py%%=*}" | tee -a "$OUT/mne.txt"
  done
fi

/usr/bin/python3 - "$OUT" "$SUBJECTS" "$PERMUTATIONS" "$WORKERS" "$RUNS" <<'PYEOF'
import datetime, heapq, json, statistics, sys
out, subjects, perms, workers, runs = sys.argv[1], *map(int, sys.argv[2:6])
times, splits = 250, 5 * 10
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
def fits(subj, p):
    return subj * times * splits * (1 + p)
work = fits(subjects, perms)
t1 = statistics.median(o["decode+permute wall"] for o in ones)
tw = statistics.median(m["decode+permute wall"] for m in manys)
eff = t1 / (workers * tw)
per_fit = t1 / work
peak = flops = None
for line in open(f"{out}/peak.txt"):
    k, _, v = line.partition(" ")
    if k == "peak_gflops": peak = float(v)
    if k == "flops_per_fit": flops = float(v)
print(f"medians over {runs} runs. decode+permute: {work} fits; 1 worker {t1:.2f} s = {per_fit * 1e3:.4f} ms a fit "
      f"(everything: reading, features, fits, scoring, writing); {workers} workers {tw:.2f} s; "
      f"parallel efficiency T1/({workers} T{workers}) = {eff:.2f}")

# slice model from the 1-worker runs: the median seconds of a decode slice (half a subject) and of a
# permute slice (one permutation of a subject), each over its fits; a stage's synthesis is the time
# from the last event before its end (a slice or another stage ending) to its end
def ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")[:26] + "+00:00").timestamp()
dec, per, syn_d, syn_p, infl, first = [], [], [], [], [], []
for r in range(1, runs + 1):
    one = json.load(open(f"{out}/slices-w1-r{r}.json"))
    many = json.load(open(f"{out}/slices-w{workers}-r{r}.json"))
    dec.extend(s["seconds"] for s in one["decode"]["slices"])
    per.extend(s["seconds"] for s in one["permute"]["slices"])
    events = [ts(s["ended"]) for n in ("decode", "permute") for s in one[n]["slices"]]
    for name, acc in (("decode", syn_d), ("permute", syn_p)):
        end = ts(one[name]["ended"])
        other = [ts(one[o]["ended"]) for o in ("decode", "permute") if o != name]
        acc.append(end - max(e for e in events + other if e <= end))
    one_all = [s["seconds"] for n in ("decode", "permute") for s in one[n]["slices"]]
    many_all = [s["seconds"] for n in ("decode", "permute") for s in many[n]["slices"]]
    infl.append(statistics.mean(many_all) / statistics.mean(one_all))
    firsts = sorted((ts(s["started"]), s["seconds"]) for s in one["permute"]["slices"])
    first.append(firsts[0][1])
fd, fp = times * splits / 2, times * splits   # fits in a decode slice, in a permute slice
sd, sp = statistics.median(dec), statistics.median(per)
rd, rp = sd / fd, sp / fp
inflation = statistics.median(infl)
synth_d, synth_p = statistics.median(syn_d), statistics.median(syn_p)
print(f"slices (1 worker, medians over {runs} runs): decode {sd:.3f} s ({fd:.0f} fits, {rd * 1e3:.4f} ms a fit), "
      f"permute {sp:.3f} s ({fp:.0f} fits, {rp * 1e3:.4f} ms a fit); the first permute slice of a run "
      f"(JIT warm-up): {statistics.median(first):.3f} s")
if peak and flops:
    print(f"share of peak: {flops:.0f} flops a fit in {rp * 1e3:.4f} ms = {flops / rp / 1e9:.2f} GFLOP/s "
          f"= {100 * flops / rp / 1e9 / peak:.1f}% of this core's measured peak ({peak:.2f} GFLOP/s)")
print(f"slices run {workers} at a time took {inflation:.2f}x as long as alone (shared caches and memory, "
      f"and the machine's other load); synthesis after the last slice: decode {synth_d:.3f} s, permute {synth_p:.3f} s")

mne = {}
for line in open(f"{out}/mne.txt"):
    p = line.split()
    if p and p[0] == "fits": mne.setdefault(p[1], {})["fits"] = int(p[2])
    if p and p[0] == "mne": mne.setdefault(p[1], {}).setdefault("s", []).append(float(p[3]))
    if p and p[0] == "versions": print(line.strip())
for label, m in mne.items():
    mf = statistics.median(m["s"]) / m["fits"]
    print(f"MNE {label}: {mf * 1e3:.3f} ms a fit (1 subject x {m['fits'] // splits} time points, median of {len(m['s'])}) "
          f"-> ratio MNE / Java per core = {mf / rp:.1f}x (Java's permute slices) and {mf / per_fit:.1f}x (Java all-in)")

# the full analysis on a 32-core node: list scheduling of every slice in queue order (decode's,
# then permute's) onto the first free core; each stage's synthesis runs once its slices are done,
# scaled from the measured one by the size of its output (subjects; subjects x permutations)
S, P = 20, 100
full = fits(S, P)
print(f"full analysis: {full} fits = {full * per_fit / 3600:.2f} core-hours at the all-in rate")
def simulate(cores, dchunks, pchunk, infl, warm=0.0):
    slices = [("decode", warm + sd * 2 / dchunks) for _ in range(S * dchunks)]
    slices += [("permute", warm + sp * pchunk) for _ in range(S * (P // pchunk))]
    free = [0.0] * cores
    heapq.heapify(free)
    done = {"decode": 0.0, "permute": 0.0}
    busy = 0.0
    for stage, sec in slices:
        start = heapq.heappop(free)
        end = start + sec * infl
        busy += sec * infl
        done[stage] = max(done[stage], end)
        heapq.heappush(free, end)
    finish = max(done["decode"] + synth_d * S / subjects,
                 done["permute"] + synth_p * S * P / (subjects * perms))
    return finish, busy / (cores * max(done.values()))
for infl, why in ((1.0, "slices as fast as alone"), (inflation, f"slices {inflation:.2f}x slower, as side by side here")):
    print(f"simulated on 32 cores, {why} (per-slice cost as measured: a decode slice of half a subject "
          f"{sd:.3f} s, a permute slice of one permutation {sp:.3f} s; a slice's time scales with its fits):")
    for dchunks, pchunk in ((2, 1), (1, 5), (1, 25), (1, 50)):
        t, util = simulate(32, dchunks, pchunk, infl)
        n = S * dchunks + S * (P // pchunk)
        print(f"  decode {dchunks} slice(s)/subject, permute {pchunk} permutation(s)/slice: {n} slices, "
              f"{n / 32:.1f} per core, cores busy {100 * util:.0f}% -> {t / 60:.2f} min")
warm = max(0.0, statistics.median(first) - sp)
print(f"simulated on 32 cores, one JVM per slice (Kubernetes pods): each slice also pays the JIT warm-up "
      f"measured here ({warm:.2f} s; JVM start and reading the inputs from S3 not included):")
for dchunks, pchunk in ((2, 1), (1, 5), (1, 25)):
    t, util = simulate(32, dchunks, pchunk, 1.0, warm)
    print(f"  decode {dchunks} slice(s)/subject, permute {pchunk} permutation(s)/slice: {t / 60:.2f} min")
print(f"linear projection for comparison: {full * per_fit / (32 * eff) / 60:.2f} min at the all-in rate "
      f"and efficiency {eff:.2f}; {full * per_fit / 32 / 60:.2f} min at efficiency 1")
PYEOF

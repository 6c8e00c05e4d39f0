#!/usr/bin/env bash
# A no-change rerun of the example pipeline against its first run, measured side by side: the
# first run in a fresh store, then REPS reruns; wall-clock of the whole `bin/reprise run` command
# (JVM start-up included) and the engine's own time from --json. Target: rerun < 5% of first run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f worker/target/reprise.jar ] || mvn -B -q -DskipTests package
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# bin/reprise records its class-data-sharing archive on the first command after a build; record
# it from a run of the example (as a user's first command would), in a throwaway store.
rm -f worker/target/reprise.jsa
bin/reprise run k8s/examples/eeg-decoding.yaml --store "$work/training" --quiet >/dev/null
reps=${REPS:-7}
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

t0=$(date +%s%N)
bin/reprise run k8s/examples/eeg-decoding.yaml --store "$work/store" --json "$work/first.json" --quiet >/dev/null
first=$(ms "$t0")
walls=(); engines=()
for i in $(seq "$reps"); do
  t0=$(date +%s%N)
  bin/reprise run k8s/examples/eeg-decoding.yaml --store "$work/store" --json "$work/rerun.json" --quiet >/dev/null
  walls+=($(ms "$t0"))
  engines+=($(python3 -c "import json;print(round(json.load(open('$work/rerun.json'))['seconds']*1000))"))
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
wall=$(med "${walls[@]}"); engine=$(med "${engines[@]}")
first_engine=$(python3 -c "import json;print(round(json.load(open('$work/first.json'))['seconds']*1000))")
echo "| measure | first run (ms) | no-change rerun, median of $reps (ms) | ratio | target |"
echo "|---|---|---|---|---|"
awk -v f="$first" -v r="$wall" 'BEGIN {printf "| whole command (JVM start-up included) | %d | %d | %.1f%% | < 5%%: %s |\n", f, r, 100*r/f, (r/f < 0.05 ? "met" : "MISSED")}'
awk -v f="$first_engine" -v r="$engine" 'BEGIN {printf "| engine (`seconds` in --json) | %d | %d | %.1f%% | < 5%%: %s |\n", f, r, 100*r/f, (r/f < 0.05 ? "met" : "MISSED")}'

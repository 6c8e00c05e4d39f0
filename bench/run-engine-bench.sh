#!/usr/bin/env bash
# Engine benchmarks of the local-engine issue: planning a fully stored 200-stage pipeline (folder
# and S3 on loopback, in a warm JVM and as a whole `reprise plan` process) and the per-slice
# scheduling overhead. Prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f bench/target/classpath.txt ] || mvn -B -q -DskipTests package
cp="bench/target/classes:$(cat bench/target/classpath.txt)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stages=${STAGES:-200}
java -cp "$cp" dev.reprise.bench.PlanningBench "$stages" "${REPS:-7}" "$work" 2>/dev/null
echo
# The same plan as a user types it: a fresh JVM each time (start-up included).
times=()
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  java -cp "$cp" dev.reprise.worker.cli.Reprise plan "$work/folder/chain-$stages.yaml" --store "$work/store" >/dev/null
  times+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
echo "| command | stages | median of 5 (ms) | target |"
echo "|---|---|---|---|"
echo "| \`reprise plan\` (new JVM, folder store) | $stages | $median | < 1000 ms: $([ "$median" -lt 1000 ] && echo met || echo MISSED) |"
echo
java -cp "$cp" dev.reprise.bench.SliceOverheadBench "${SLICES:-2000}" "${REPS:-5}"

#!/usr/bin/env bash
# The thread lesson at the stage level: eeg.decode's LDA stage as single-threaded slices on all
# cores versus one single-threaded slice, on the decode benchmark's epochs, through the method's
# entry point. (EJML's concurrent product inside a fit: bench/run-roofline.sh, kernel level.)
#   bench/run-thread-lesson.sh [RUNS=5] [WORKERS=all cores]
# DATA=folder picks another epochs folder (default: the decode benchmark's, written if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
WORKERS=${2:-$(getconf _NPROCESSORS_ONLN)}
DATA=${DATA:-bench/target/decode-epochs}
if [ ! -f bench/target/classpath.txt ]; then
  mvn -B -q -DskipTests -pl bench -am package
fi
if [ ! -f "$DATA/info.json" ] && [ "$DATA" = bench/target/decode-epochs ]; then
  /usr/bin/python3 bench/python/mne_decode_bench.py make "$DATA" 2 200 32 100
fi
echo "data: $DATA"
echo "cpu: $(getconf _NPROCESSORS_ONLN) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.reprise.bench.ThreadLessonBench \
  "$DATA" "$RUNS" "$WORKERS"

#!/usr/bin/env bash
# The LDA fit against the machine's limit (LdaRooflineBench, in the worker's test sources so that
# it times the real kernels): the double-precision peak of one core from Java, the scatter and
# Cholesky kernels, EJML's products (single-threaded and concurrent), and the decoder's LDA per fit
# with its parts. Then the same peak loop with C2's vectoriser off, for the scalar rate.
#   bench/run-roofline.sh [ROUNDS=7] [TRIALS_PER_CLASS=100] [CHANNELS=64] [CLASSES=3] [TIMES=40]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f worker/target/test-classpath.txt ] || [ ! -d worker/target/test-classes ]; then
  mvn -B -q -o -DskipTests -pl worker -am test-compile
  mvn -B -q -o -pl worker dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt
fi
CP="worker/target/test-classes:worker/target/classes:$(cat worker/target/test-classpath.txt)"
echo "cpu: $(getconf _NPROCESSORS_ONLN) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), java $(java -version 2>&1 | head -1)"
java -cp "$CP" dev.reprise.worker.eeg.LdaRooflineBench "$@"
echo "--- the same, C2's vectoriser off (-XX:-UseSuperWord): the scalar rate"
java -XX:-UseSuperWord -cp "$CP" dev.reprise.worker.eeg.LdaRooflineBench "${1:-7}" "${2:-100}" "${3:-64}" "${4:-3}" "${5:-40}" | grep -E "^peak|^fit|Scatter.addUpper"

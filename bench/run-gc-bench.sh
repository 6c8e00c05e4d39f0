#!/usr/bin/env bash
# reprise gc over a store of KEYS keys (default 10000), on a folder and on S3 over loopback:
# seconds and store requests of a dry run, of the pass that deletes, and of a pass with nothing to
# delete. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f bench/target/classpath.txt ] || mvn -B -q -DskipTests package
cp="bench/target/classes:$(cat bench/target/classpath.txt)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
java -cp "$cp" dev.reprise.bench.GcBench "${KEYS:-10000}" "$work" 2>/dev/null

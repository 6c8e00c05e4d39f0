#!/usr/bin/env bash
# Steady-state store load of the operator (issue 12): finished pipelines must cost the store no
# request at all, waiting ones only what is not yet committed. Fabric8 mock API server, S3Proxy on
# loopback, Jobs run by the test fixture. Prints a Markdown table (operator/target/operator-load-bench.md).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl core,worker,operator test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=OperatorLoadBench >operator/target/operator-load-bench.log 2>&1 || { tail -50 operator/target/operator-load-bench.log; exit 1; }
cat operator/target/operator-load-bench.md

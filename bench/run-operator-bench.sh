#!/usr/bin/env bash
# The operator at scale, against the Fabric8 mock API server and S3 on loopback, with Jobs run by
# the test fixture (TestingCluster): a fully stored 200-stage pipeline applied under a new name
# (target: Succeeded within 2 s), its status size (target: < 64 KiB), and 100 pipelines applied at
# once (target: all complete); and the README example (eeg-decoding.yaml) end to end through Jobs,
# which must succeed. Prints a Markdown table (also in operator/target/operator-bench.md).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl operator -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=OperatorScaleBench,ExamplePipelineOperatorRun >operator/target/operator-bench.log 2>&1 || { tail -50 operator/target/operator-bench.log; exit 1; }
cat operator/target/operator-bench.md

#!/usr/bin/env bash
# Builds reprise-launcher, the static program that runs a command stage's argv inside the user's
# image (no shell, libc or JVM needed there). Usage: build-launcher.sh OUTPUT
set -euo pipefail
out="${1:?usage: build-launcher.sh OUTPUT}"
command -v go >/dev/null || { echo "build-launcher: Go is needed to build reprise-launcher (https://go.dev)" >&2; exit 1; }
cd "$(dirname "$0")/launcher"
mkdir -p "$(dirname "$out")"
CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -trimpath -ldflags="-s -w" -o "$out.tmp" .
mv -f "$out.tmp" "$out"

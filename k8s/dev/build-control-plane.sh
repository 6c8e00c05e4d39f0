#!/usr/bin/env bash
# Builds the Kubernetes control plane that the end-to-end tests run against, from published
# Go modules only: kube-apiserver and kube-controller-manager from k8s.io/kubernetes (its
# staging modules pinned to the matching v0.x release), and etcd from go.etcd.io/etcd/server.
# Binaries are cached outside the clone, keyed by version, so a machine builds them once.
#
#   k8s/dev/build-control-plane.sh          # prints the folder holding the binaries
#
# REPRISE_CACHE (default ~/.cache/reprise) chooses the cache; KUBE_VERSION the release.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.36.3}"
cache="${REPRISE_CACHE:-$HOME/.cache/reprise}"
out="$cache/kube/$KUBE_VERSION/bin"
if [[ -x "$out/kube-apiserver" && -x "$out/kube-controller-manager" && -x "$out/etcd" ]]; then
  echo "$out"
  exit 0
fi
command -v go >/dev/null || { echo "build-control-plane: Go is needed (https://go.dev)" >&2; exit 1; }

staging_version="v0.${KUBE_VERSION#v1.}"
work="$cache/kube/$KUBE_VERSION/src"
mkdir -p "$work" "$out"
cd "$work"
export GOFLAGS="-mod=mod" GOTOOLCHAIN=local

log() { echo "build-control-plane: $*" >&2; }

# k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging,
# which does not apply to a dependency: every one must be replaced here by its published twin.
if [[ ! -f go.mod ]]; then
  log "resolving k8s.io/kubernetes@$KUBE_VERSION (first time: downloads ~1 GB of modules)"
  cat > go.mod <<MOD
module reprise.dev/controlplane

go 1.24
MOD
  mkdir -p etcd
  cat > etcd/main.go <<'GO'
// Command etcd is etcd's own server entry point, built from its published module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  modfile=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [[ -f "$modfile" ]] || { log "could not download k8s.io/kubernetes@$KUBE_VERSION"; exit 1; }
  replaces=()
  while read -r mod; do
    replaces+=("-replace=$mod=$mod@$staging_version")
  done < <(awk '$2 == "v0.0.0" && $1 ~ /^k8s\.io\// {print $1}' "$modfile" | sort -u)
  go mod edit "${replaces[@]}" -require="k8s.io/kubernetes@$KUBE_VERSION"
  # etcd at the client version Kubernetes itself was released with.
  etcd_version=$(awk '$1 == "go.etcd.io/etcd/client/v3" {print $2; exit}' "$modfile")
  go mod edit -require="go.etcd.io/etcd/server/v3@$etcd_version"
  cat > tools.go <<'GO'
//go:build tools

package controlplane

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
  go mod tidy -e >&2 || true
fi

build() { # name package
  [[ -x "$out/$1" ]] && return 0
  log "building $1 (several minutes on 2 cores)"
  go build -trimpath -ldflags="-s -w" -o "$out/$1.tmp" "$2"
  mv "$out/$1.tmp" "$out/$1"
}
build etcd ./etcd
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
echo "$out"

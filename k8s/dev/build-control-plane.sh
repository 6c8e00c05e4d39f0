#!/usr/bin/env bash
# Builds the Kubernetes control plane that the end-to-end tests run against, from published
# Go modules only: kube-apiserver and kube-controller-manager from k8s.io/kubernetes (its
# staging modules pinned to the matching v0.x release), and etcd from go.etcd.io/etcd/server.
# Binaries are cached outside the clone, keyed by version, so a machine builds them once.
# The host kubelet (k8s/dev/host-kubelet, client-go from the same module graph) is cached by the
# digest of its source, so an edit rebuilds it (seconds, once the control plane is built).
#
#   k8s/dev/build-control-plane.sh          # prints the folder holding the binaries
#   k8s/dev/build-control-plane.sh --check  # the same if they are built, else exit 3 building nothing
#
# REPRISE_CACHE (default ~/.cache/reprise) chooses the cache; KUBE_VERSION the release.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.36.3}"
cache="${REPRISE_CACHE:-$HOME/.cache/reprise}"
out="$cache/kube/$KUBE_VERSION/bin"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kubelet_src="$here/host-kubelet/main.go"
kubelet="host-kubelet-$(sha256sum "$kubelet_src" | cut -c1-12)"
if [[ -x "$out/kube-apiserver" && -x "$out/kube-controller-manager" && -x "$out/etcd" && -x "$out/$kubelet" ]]; then
  echo "$out"
  exit 0
fi
if [[ "${1:-}" == --check ]]; then
  echo "build-control-plane: not built yet in $out: run k8s/dev/build-control-plane.sh" >&2
  exit 3
fi
log() { echo "build-control-plane: $*" >&2; }

# Go: the one on the PATH if it is recent enough for this release (1.36 needs 1.26), else the
# toolchain published as a Go module (golang.org/toolchain) on the module proxy, cached.
GO_TOOLCHAIN="${GO_TOOLCHAIN:-go1.26.8}"
minor() { sed -n 's/^go1\.\([0-9]*\).*/\1/p'; }
have=$(go env GOVERSION 2>/dev/null | minor || true)
if ((${have:-0} < $(minor <<<"$GO_TOOLCHAIN"))); then
  goroot="$cache/go/$GO_TOOLCHAIN"
  if [[ ! -x "$goroot/bin/go" ]]; then
    log "fetching the Go toolchain $GO_TOOLCHAIN from the module proxy"
    proxy="${GOPROXY:-https://proxy.golang.org}"
    proxy="${proxy%%,*}"
    mkdir -p "$cache/go"
    curl -fsSL -o "$goroot.zip" "$proxy/golang.org/toolchain/@v/v0.0.1-$GO_TOOLCHAIN.linux-amd64.zip"
    python3 - "$goroot.zip" "$goroot" <<'PY'
import os, sys, zipfile
zip_path, root = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(zip_path) as z:
    for info in z.infolist():
        # golang.org/toolchain@v0.0.1-go1.N.M.linux-amd64/bin/go -> bin/go
        name = info.filename.split(".linux-amd64/", 1)[1] if ".linux-amd64/" in info.filename else ""
        if not name or name.endswith("/"):
            continue
        target = os.path.join(root, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, "wb") as dst:
            dst.write(src.read())
        mode = (info.external_attr >> 16) & 0o777
        os.chmod(target, mode or 0o644)
PY
    rm "$goroot.zip"
    "$goroot/bin/go" version >/dev/null || { log "the Go toolchain in $goroot does not run"; exit 1; }
  fi
  export PATH="$goroot/bin:$PATH" GOROOT="$goroot"
fi

staging_version="v0.${KUBE_VERSION#v1.}"
work="$cache/kube/$KUBE_VERSION/src"
mkdir -p "$work" "$out"
cd "$work"
export GOFLAGS="-mod=mod" GOTOOLCHAIN=local

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

# The version the binaries report, as the release's own build stamps it: Helm and kubectl check it
# (the chart requires kubeVersion >= 1.29), and an unstamped build says v0.0.0-master.
minor="${KUBE_VERSION#v1.}"
minor="${minor%%.*}"
stamp="-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION"
stamp+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
stamp+=" -X k8s.io/component-base/version.gitTreeState=clean"
stamp+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION"
stamp+=" -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"

build() { # name package
  [[ -x "$out/$1" ]] && return 0
  log "building $1 (several minutes on 2 cores)"
  go build -trimpath -ldflags="-s -w $stamp" -o "$out/$1.tmp" "$2"
  mv "$out/$1.tmp" "$out/$1"
}
build etcd ./etcd
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
mkdir -p host-kubelet
cp "$kubelet_src" host-kubelet/main.go
build "$kubelet" ./host-kubelet
echo "$out"

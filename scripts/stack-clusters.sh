# shellcheck shell=bash
# Extra Kubernetes clusters for the local stack; sourced by stack.sh (`stack.sh clusters N`, `up --clusters N`).
#
# Cluster i (2..N) is an API of its own: its own kube-apiserver storing under the etcd prefix /cluster-i of the
# stack's etcd, its own kube-controller-manager, kube-scheduler and kwok node, its own admin token and its own
# service-account signing key (so a token one cluster issued is refused by the others). The CA and the serving
# certificate (valid for 127.0.0.1) are the main cluster's. Its ports follow APISERVER_PORT, 10 apart:
#   apiserver APISERVER_PORT+10(i-1), controller-manager +1, scheduler +2, kwok node +3, kwok server +4.
# Each cluster gets, under RUN_DIR/clusters: cluster-i/kubeconfig (admin) and cluster-i.yaml, the cluster Secret
# that registers it, with a token of the ServiceAccount kube-system/sluice-manager (cluster-admin) of that cluster.

CLUSTER_COMPONENTS=(kwok kube-scheduler kube-controller-manager kube-apiserver)

cluster_port() { echo $((APISERVER_PORT + 10 * ($1 - 1) + $2)); }
cluster_server() { echo "https://127.0.0.1:$(cluster_port "$1" 0)"; }
cluster_dir() { echo "$RUN_DIR/clusters/cluster-$1"; }
cluster_kubectl() { local i=$1; shift; "$K8S_BIN/kubectl" --kubeconfig "$(cluster_dir "$i")/kubeconfig" "$@"; }

# The extra clusters present in RUN_DIR (by number), complete or not.
cluster_numbers() {
  local dir
  for dir in "$RUN_DIR"/clusters/cluster-*/; do
    [ -d "$dir" ] && basename "$dir" | sed 's/^cluster-//'
  done | sort -n
}

cluster_complete() {
  local i=$1 component
  for component in "${CLUSTER_COMPONENTS[@]}"; do alive "cluster-$i-$component" || return 1; done
  [ -f "$RUN_DIR/clusters/cluster-$i.yaml" ]
}

# Kept when a start fails, so a retry reuses them: the cluster's objects in etcd were made with these keys.
cluster_credentials() {
  local dir; dir=$(cluster_dir "$1")
  [ -f "$dir/kubeconfig" ] && return 0
  mkdir -p "$dir"
  openssl genrsa -out "$dir/service-account.key" 2048 2>/dev/null
  openssl rsa -in "$dir/service-account.key" -pubout -out "$dir/service-account.pub" 2>/dev/null
  echo "$(openssl rand -hex 24),sluice-admin,sluice-admin,\"system:masters\"" > "$dir/tokens.csv"
  chmod 600 "$dir/tokens.csv"
  write_kubeconfig "$dir/kubeconfig.tmp" sluice-admin "$(cut -d, -f1 "$dir/tokens.csv")" "$(cluster_server "$1")"
  mv "$dir/kubeconfig.tmp" "$dir/kubeconfig"
}

start_cluster_apiserver() {
  local i=$1 dir; dir=$(cluster_dir "$1")
  alive "cluster-$i-kube-apiserver" && return 0
  start_apiserver "cluster-$i-kube-apiserver" "$(cluster_port "$i" 0)" "$dir" --etcd-prefix "/cluster-$i"
}

start_cluster_controllers() {
  local i=$1 pki="$RUN_DIR/pki" dir; dir=$(cluster_dir "$1")
  alive "cluster-$i-kube-controller-manager" || start "cluster-$i-kube-controller-manager" "$K8S_BIN/kube-controller-manager" \
    --kubeconfig "$dir/kubeconfig" --authentication-kubeconfig "$dir/kubeconfig" --authorization-kubeconfig "$dir/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$(cluster_port "$i" 1)" --leader-elect=false \
    --service-account-private-key-file "$dir/service-account.key" --root-ca-file "$pki/ca.crt" \
    --controllers '*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller,-route' \
    --concurrent-deployment-syncs 10 --concurrent-replicaset-syncs 10 --concurrent-job-syncs 10 --profiling=false
  alive "cluster-$i-kube-scheduler" || start "cluster-$i-kube-scheduler" "$K8S_BIN/kube-scheduler" \
    --kubeconfig "$dir/kubeconfig" --authentication-kubeconfig "$dir/kubeconfig" --authorization-kubeconfig "$dir/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$(cluster_port "$i" 2)" --leader-elect=false --profiling=false
  alive "cluster-$i-kwok" || start "cluster-$i-kwok" "$KWOK_BIN/kwok" --kubeconfig "$dir/kubeconfig" \
    --config "$RUN_DIR/kwok-stages.yaml" --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --node-port "$(cluster_port "$i" 3)" --server-address "127.0.0.1:$(cluster_port "$i" 4)" --cidr 10.244.0.1/16
  { fake_node_yaml; cat <<'YAML'; } | cluster_kubectl "$i" apply -f - >/dev/null
---
# The identity the cluster Secret carries, as `argocd cluster add` makes one: a ServiceAccount bound to
# cluster-admin, with a long-lived token the controller-manager's token controller fills in.
apiVersion: v1
kind: ServiceAccount
metadata: {name: sluice-manager, namespace: kube-system}
---
apiVersion: v1
kind: Secret
metadata:
  name: sluice-manager-token
  namespace: kube-system
  annotations: {kubernetes.io/service-account.name: sluice-manager}
type: kubernetes.io/service-account-token
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: sluice-manager}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: sluice-manager, namespace: kube-system}]
YAML
}

cluster_node_ready() {
  [ "$(cluster_kubectl "$1" get node kwok-node-0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}

cluster_token() { cluster_kubectl "$1" get secret sluice-manager-token -n kube-system -o jsonpath='{.data.token}' | base64 -d; }
cluster_token_ready() { [ -n "$(cluster_token "$1")" ]; }

write_cluster_secret() {
  local i=$1 file="$RUN_DIR/clusters/cluster-$1.yaml" config
  config=$(printf '{"bearerToken":"%s","tlsClientConfig":{"caData":"%s"}}' "$(cluster_token "$i")" "$(base64 -w0 < "$RUN_DIR/pki/ca.crt")")
  cat > "$file.tmp" <<YAML
# Registers the local stack's cluster-$i with Sluice (or Argo CD, with its own label). No namespace: apply it in
# the control namespace.
apiVersion: v1
kind: Secret
metadata:
  name: cluster-cluster-$i
  labels: {sluice.dev/secret-type: cluster}
type: Opaque
stringData:
  name: cluster-$i
  server: $(cluster_server "$i")
  config: '$config'
YAML
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}

# Stops the given clusters' processes; their credentials and etcd data stay for a retry.
stop_clusters() {
  local i component
  for i in "$@"; do
    for component in "${CLUSTER_COMPONENTS[@]}"; do stop_process "cluster-$i-$component"; done
  done
}

# cmd_clusters N: makes sure clusters 2..N run, starting only what is missing. Concurrent callers (test files
# asking for clusters at once) take turns on a lock, so the second finds them up.
cmd_clusters() {
  local total=${1:-}
  [[ $total =~ ^[0-9]+$ ]] && [ "$total" -ge 1 ] || die "clusters N: N is the number of clusters, the main one included (got '${total}')"
  [ -f "$RUN_DIR/env" ] && alive kube-apiserver && alive etcd || die "the stack is not up; run: $0 up --clusters $total"
  exec 9>"$RUN_DIR/clusters.lock"
  flock 9
  local began=$SECONDS i missing=()
  for ((i = 2; i <= total; i++)); do cluster_complete "$i" || missing+=("$i"); done
  if [ ${#missing[@]} = 0 ]; then flock -u 9; return 0; fi
  log "starting cluster(s) ${missing[*]}"
  # A failure stops only the clusters being started, never the stack they join.
  ON_FAILURE="stop_clusters ${missing[*]}"
  for i in "${missing[@]}"; do cluster_credentials "$i"; start_cluster_apiserver "$i"; done
  for i in "${missing[@]}"; do wait_for "cluster-$i-kube-apiserver" 90 cluster_kubectl "$i" get --raw /readyz; done
  for i in "${missing[@]}"; do start_cluster_controllers "$i"; done
  for i in "${missing[@]}"; do
    wait_for "cluster-$i-kwok" 60 cluster_node_ready "$i"
    wait_for "cluster-$i-kube-controller-manager" 60 cluster_token_ready "$i"
    write_cluster_secret "$i"
  done
  ON_FAILURE=cmd_down
  write_env
  flock -u 9
  log "cluster(s) ${missing[*]} up in $((SECONDS - began))s"
}

# The env file's lines for the extra clusters that are complete.
cluster_env() {
  local i servers=()
  for i in $(cluster_numbers); do
    [ -f "$RUN_DIR/clusters/cluster-$i.yaml" ] || continue
    servers+=("cluster-$i=$(cluster_server "$i")")
    echo "SLUICE_CLUSTER_${i}_KUBECONFIG=$(cluster_dir "$i")/kubeconfig"
    echo "SLUICE_CLUSTER_${i}_SECRET=$RUN_DIR/clusters/cluster-$i.yaml"
  done
  (IFS=,; echo "SLUICE_CLUSTERS=${servers[*]}")
}

cluster_status() {
  local i component pid state
  for i in $(cluster_numbers); do
    for component in "${CLUSTER_COMPONENTS[@]}"; do
      pid=$(cat "$RUN_DIR/pids/cluster-$i-$component" 2>/dev/null || echo -)
      if alive "cluster-$i-$component"; then state=up; else state=DOWN; fi
      printf '  %-34s %-5s pid %s\n' "cluster-$i-$component" "$state" "$pid"
    done
    printf '  %-19s %s   kubeconfig %s\n' "cluster-$i API" "$(cluster_server "$i")" "$(cluster_dir "$i")/kubeconfig"
    printf '  %-19s %s\n' "cluster-$i Secret" "$RUN_DIR/clusters/cluster-$i.yaml"
  done
}

#!/usr/bin/env bash
# Builds the local stack's Go binaries from the Go module proxy into ~/.cache/sluice/<component>-<version>/bin.
# A component whose cache is complete is skipped, so a warm machine builds nothing.
#
# Why a wrapper module: k8s.io/kubernetes (and etcd's server) replace their sibling modules with local paths in
# go.mod, so `go install module@version` refuses them. The wrapper requires the module and replaces each local
# path with the published module at the matching version, a list read from the release's own go.mod, and repeats the
# release's other replaces as they are. BUILD_REPLACES (space-separated `module=module@version`) adds replaces of its
# own: a module version the proxy refuses, swapped for one it serves (Flux's build below).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

CACHE_ROOT=${SLUICE_CACHE:-$HOME/.cache/sluice}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() { printf '[build] %s\n' "$*" >&2; }

# build_component NAME VERSION MODULE MODULE_VERSION LOCAL_REPLACE_VERSION LDFLAGS PKG...
build_component() {
  local name=$1 version=$2 module=$3 module_version=$4 local_version=$5 ldflags=$6
  shift 6
  local dest="$CACHE_ROOT/$name-$version"
  if [ -f "$dest/.complete" ]; then return 0; fi
  log "building $name $version (cold build: this takes minutes; later runs reuse $dest)"
  local started=$SECONDS work
  work=$(mktemp -d)
  (
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    go mod init "sluice.dev/build/$name" >/dev/null 2>&1
    local gomod
    gomod=$(go mod download -json "$module@$module_version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
    # Map every local-path replace of the release to the published module at the matching version.
    local edits=(-require="$module@$module_version")
    # The version is the one the release requires, or LOCAL_REPLACE_VERSION where it requires the v0.0.0
    # placeholder (Kubernetes' staging modules). Replaced modules it does not require are left out.
    while read -r target required; do
      [ -n "$required" ] || continue
      [ "$required" = v0.0.0 ] && required=$local_version
      edits+=(-replace="$target=$target@$required")
    done < <(awk '
      /^require \(/ {req=1; next}
      req && /^\)/ {req=0; next}
      req {version[$1]=$2}
      /^require [^(]/ {version[$2]=$3}
      /^replace \(/ {rep=1; next}
      rep && /^\)/ {rep=0; next}
      rep && $2 == "=>" && ($3 ~ /^\.\.?\//) {local[$1]=1}
      /^replace [^(]/ && $3 == "=>" && ($4 ~ /^\.\.?\//) {local[$2]=1}
      END {for (m in local) print m, version[m]}
    ' "$gomod")
    # The release's replaces that point at published modules, repeated as they are.
    while read -r target replacement; do
      edits+=(-replace="$target=$replacement")
    done < <(awk '
      /^replace \(/ {rep=1; next}
      rep && /^\)/ {rep=0; next}
      rep && $2 == "=>" && ($3 !~ /^\.\.?\//) {print $1, $3 "@" $4}
      /^replace [^(]/ && $3 == "=>" && ($4 !~ /^\.\.?\//) {print $2, $4 "@" $5}
    ' "$gomod")
    local extra; for extra in ${BUILD_REPLACES:-}; do edits+=(-replace="$extra"); done
    go mod edit "${edits[@]}"
    local pkg; for pkg in "$@"; do go get "$pkg@$module_version" 2>"$work/get.log" || { cat "$work/get.log" >&2; exit 1; }; done
    mkdir -p "$dest/bin"
    go build -trimpath -ldflags "-s -w $ldflags" -o "$dest/bin/" "$@"
  )
  touch "$dest/.complete"
  log "built $name in $((SECONDS - started))s"
}

build_kubernetes() {
  local minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
  local v=k8s.io/component-base/version
  local ld="-X $v.gitVersion=$KUBERNETES_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
  ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
  build_component kubernetes "$KUBERNETES_VERSION" k8s.io/kubernetes "$KUBERNETES_VERSION" "$KUBERNETES_STAGING_VERSION" "$ld" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
}

build_etcd() {
  build_component etcd "$ETCD_VERSION" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION" "" go.etcd.io/etcd/server/v3
  # go names the binary after the package directory, "server".
  [ -e "$CACHE_ROOT/etcd-$ETCD_VERSION/bin/etcd" ] || mv "$CACHE_ROOT/etcd-$ETCD_VERSION/bin/server" "$CACHE_ROOT/etcd-$ETCD_VERSION/bin/etcd"
}

build_kwok() {
  build_component kwok "$KWOK_VERSION" sigs.k8s.io/kwok "$KWOK_VERSION" "$KWOK_VERSION" \
    "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
}

build_kustomize() {
  build_component kustomize "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" "$KUSTOMIZE_VERSION" "" \
    sigs.k8s.io/kustomize/kustomize/v5
}

build_helm() {
  build_component helm "$HELM_VERSION" helm.sh/helm/v3 "$HELM_VERSION" "$HELM_VERSION" \
    "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" helm.sh/helm/v3/cmd/helm
}

build_jsonnet() {
  build_component jsonnet "$JSONNET_VERSION" github.com/google/go-jsonnet "$JSONNET_VERSION" "$JSONNET_VERSION" "" \
    github.com/google/go-jsonnet/cmd/jsonnet
}

# Flux's controllers, for the fleet benchmark only (not part of `all`). Each main package is at its module's root; the
# wrapper requires it and replaces its `./api` with the published api module at the same version.
build_flux() {
  BUILD_REPLACES="github.com/fluxcd/pkg/artifact=github.com/fluxcd/pkg/artifact@$FLUX_PKG_ARTIFACT_VERSION" \
    build_component source-controller "$FLUX_SOURCE_CONTROLLER_VERSION" github.com/fluxcd/source-controller \
    "$FLUX_SOURCE_CONTROLLER_VERSION" "$FLUX_SOURCE_CONTROLLER_VERSION" "" github.com/fluxcd/source-controller
  build_component kustomize-controller "$FLUX_KUSTOMIZE_CONTROLLER_VERSION" github.com/fluxcd/kustomize-controller \
    "$FLUX_KUSTOMIZE_CONTROLLER_VERSION" "$FLUX_KUSTOMIZE_CONTROLLER_VERSION" "" github.com/fluxcd/kustomize-controller
  copy_crds source-controller "$FLUX_SOURCE_CONTROLLER_VERSION" github.com/fluxcd/source-controller
  copy_crds kustomize-controller "$FLUX_KUSTOMIZE_CONTROLLER_VERSION" github.com/fluxcd/kustomize-controller
}

# copy_crds NAME VERSION MODULE: the release's CRDs (config/crd/bases) next to its binary, in <cache>/crds.
copy_crds() {
  local dest="$CACHE_ROOT/$1-$2/crds"
  if [ -d "$dest" ]; then return 0; fi
  local dir
  dir=$(cd / && go mod download -json "$3@$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  mkdir -p "$dest.tmp"
  cp "$dir"/config/crd/bases/*.yaml "$dest.tmp/"
  mv "$dest.tmp" "$dest"
}

main() {
  local what=${1:-all}
  case "$what" in
    all) build_etcd; build_kwok; build_kustomize; build_helm; build_jsonnet; build_kubernetes ;;
    kubernetes|etcd|kwok|kustomize|helm|jsonnet|flux) "build_$what" ;;
    *) echo "usage: $0 [all|kubernetes|etcd|kwok|kustomize|helm|jsonnet|flux]" >&2; exit 2 ;;
  esac
}
main "$@"

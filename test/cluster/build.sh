#!/usr/bin/env bash
# Builds the local control plane's upstream binaries from the Go module proxy, cached by version
# outside the clone: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, and for the
# nodes kubelet and kube-proxy (from k8s.io/kubernetes through a generated wrapper module), etcd and helm.
# Usage: test/cluster/build.sh  -> prints the bin directory. Idempotent: a second run is instant.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache="${TSREDIS_CACHE:-$HOME/.cache/tsredis}"
# BUILD_REV changes when the build flags do, so caches from older flags are not reused.
BUILD_REV=2
bin="$cache/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-helm-$HELM_VERSION-r$BUILD_REV"
want=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy etcd helm)
have_all=1
for b in "${want[@]}"; do [ -x "$bin/$b" ] || have_all=0; done
if [ "$have_all" = 1 ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "go is required to build the control plane" >&2; exit 1; }
mkdir -p "$bin"
start=$(date +%s)
log() { echo "[cluster build $(( $(date +%s) - start ))s] $*" >&2; }

# --- Kubernetes: a wrapper module that requires k8s.io/kubernetes and maps each staging module the
# upstream go.mod replaces with ./staging/src/... to the matching published v0.X.Y version.
mod="$cache/src/k8s-wrapper-$K8S_VERSION"
mkdir -p "$mod"
staging_version="v0.${K8S_VERSION#v1.}"
# A wrapper made before kubelet and kube-proxy were built lacks their tool lines: made again.
if [ ! -f "$mod/go.sum" ] || ! grep -q cmd/kubelet "$mod/go.mod"; then
  log "downloading k8s.io/kubernetes@$K8S_VERSION"
  gomod="$(cd "$mod" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  {
    echo "module tsredis.dev/k8s-wrapper"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    grep -E '^\s*k8s.io/[a-z0-9-]+ => ./staging/src/' "$gomod" |
      awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
    echo
    echo "tool ("
    for t in cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler cmd/kubectl cmd/kubelet cmd/kube-proxy; do
      echo "	k8s.io/kubernetes/$t"
    done
    echo ")"
  } > "$mod/go.mod"
  log "resolving modules (go mod tidy)"
  (cd "$mod" && go mod tidy >&2)
fi
ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
for t in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
  [ -x "$bin/$t" ] && continue
  log "building $t (the first build takes many minutes on 2 cores)"
  (cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$bin/$t" "k8s.io/kubernetes/cmd/$t")
done

# --- etcd (Debian's 3.4 is older than what Kubernetes >= 1.31 supports). Its go.mod replaces its
# sibling modules with ../paths too, so it gets a wrapper module the same way.
if [ ! -x "$bin/etcd" ]; then
  emod="$cache/src/etcd-wrapper-$ETCD_VERSION"
  mkdir -p "$emod"
  if [ ! -f "$emod/go.sum" ]; then
    log "downloading etcd $ETCD_VERSION"
    egomod="$(cd "$emod" && GOFLAGS=-mod=mod go mod download -json "go.etcd.io/etcd/server/v3@$ETCD_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    {
      echo "module tsredis.dev/etcd-wrapper"
      echo
      echo "go 1.24"
      echo
      echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
      echo
      # Each "go.etcd.io/etcd/<m> => ../<dir>" becomes "=> <m> <the version the require block names>".
      grep -E '^\s*go\.etcd\.io/etcd/[^ ]+ => \.\./' "$egomod" | awk '{print $1}' | while read -r m; do
        v="$(grep -E "^\s*$m v" "$egomod" | head -n 1 | awk '{print $2}')"
        [ -n "$v" ] && echo "replace $m => $m $v"
      done
      echo
      echo "tool go.etcd.io/etcd/server/v3"
    } > "$emod/go.mod"
    (cd "$emod" && go mod tidy >&2)
  fi
  log "building etcd $ETCD_VERSION"
  (cd "$emod" && CGO_ENABLED=0 go build -trimpath -o "$bin/etcd" go.etcd.io/etcd/server/v3)
fi

# --- helm
if [ ! -x "$bin/helm" ]; then
  log "building helm $HELM_VERSION"
  # The Kubernetes version helm assumes when it renders without a cluster (helm template, helm lint),
  # set as helm's own release builds set it; otherwise it assumes v1.20 and refuses kubeVersion ranges.
  kminor="${K8S_VERSION#v1.}"; kminor="${kminor%%.*}"
  hflags="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    hflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$kminor"
  done
  GOBIN="$bin" CGO_ENABLED=0 go install -ldflags "$hflags" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
fi
log "done"
echo "$bin"

#!/usr/bin/env bash
# Builds the real-node clusters' two add-ons from the Go module proxy, as images, without Docker or a
# registry: CoreDNS (cluster DNS) and Rancher's local-path-provisioner (PersistentVolumes on a node's
# disk). The binaries are cached by version outside the clone (~/.cache/tsredis/bin/addons-...); the
# images are built with buildah and exported as docker-archives that containerd imports:
#   localhost/tsredis/coredns:<v>                 FROM scratch, the static binary at /coredns;
#   localhost/tsredis/local-path-provisioner:<v>  on images.sh's base image (it has the /bin/sh, mkdir
#                                                 and rm that the provisioner's helper pods run), so the
#                                                 same image is the helper pods' image too.
# addons.ts builds the objects that run them. Needs go, buildah, and the base image (run images.sh first).
# Usage: test/cluster/addons.sh  -> prints the directory holding coredns.tar and local-path.tar.
# Idempotent: a second run is instant (binaries by version, images by a hash of their inputs).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache="${TSREDIS_CACHE:-$HOME/.cache/tsredis}"
# ADDONS_REV changes when the build flags or the image recipes do, so older caches are not reused.
ADDONS_REV=1
bin="$cache/bin/addons-coredns-$COREDNS_VERSION-local-path-$LOCAL_PATH_VERSION-r$ADDONS_REV"
out="$cache/images"
start=$(date +%s)
log() { echo "[addons $(( $(date +%s) - start ))s] $*" >&2; }
for c in go buildah sha256sum; do
  command -v "$c" >/dev/null || { echo "addons.sh: $c is required" >&2; exit 1; }
done
mkdir -p "$bin" "$out"
# buildah in a VM without a container runtime of its own: chroot isolation, the host's network.
bflags=(--isolation chroot --network host)

# --- the binaries: static (CGO off), -trimpath, stripped, with the version flags upstream's own release
# builds set. Built into a scratch GOBIN and moved into place, so an interrupted build leaves nothing.
go_install() {
  local name="$1" pkg="$2" ldflags="$3" tags="$4"
  [ -x "$bin/$name" ] && return 0
  log "building $name ($pkg)"
  local tmp="$bin/.tmp-$name"
  rm -rf "$tmp"
  GOBIN="$tmp" CGO_ENABLED=0 go install -trimpath -tags "$tags" -ldflags "$ldflags" "$pkg" >&2
  mv "$tmp/$name" "$bin/$name"
  rmdir "$tmp"
  log "built $name ($(du -h "$bin/$name" | cut -f1))"
}
# CoreDNS's Makefile: GitCommit is `git describe --dirty --always`, which at a release tag is the tag;
# the grpcnotrace tag leaves out gRPC's tracing.
go_install coredns "github.com/coredns/coredns@$COREDNS_VERSION" \
  "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" grpcnotrace
# local-path-provisioner's scripts/build: main.VERSION is the release tag (reported by --version).
go_install local-path-provisioner "github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION" \
  "-s -w -X main.VERSION=$LOCAL_PATH_VERSION" ""

# --- the base image: the one images.sh made last (it writes its name beside the archives).
base="$(cat "$out/base.ref" 2>/dev/null)" &&
  base_id="$(buildah inspect --type image --format '{{.FromImageID}}' "$base" 2>/dev/null)" || {
  echo "addons.sh: no base image (${base:-$out/base.ref missing}): run test/cluster/images.sh first" >&2
  exit 1
}

# --- the images. Each is rebuilt only when its inputs (recipe revision, base, binary) change, and
# committed with a fixed timestamp, so the same inputs give the same image id; the archive is exported
# only when that id changed (containerd imports it on every node).
# build_image <archive name> <tag> <from: scratch or an image> <binary> <path in the image>
build_image() {
  local name="$1" tag="$2" from="$3" binary="$4" dest="$5" from_id="scratch"
  [ "$from" != scratch ] && from_id="$base_id"
  local sum
  sum="$(echo "r$ADDONS_REV $tag $from_id $dest $(sha256sum "$binary" | cut -d' ' -f1)" | sha256sum | cut -c1-16)"
  if [ "$(cat "$out/$name.sum" 2>/dev/null)" = "$sum" ] && [ -f "$out/$name.tar" ] &&
    buildah inspect --type image "$tag" >/dev/null 2>&1; then
    return 0
  fi
  log "building the image $tag"
  local ctr_id id
  ctr_id="$(buildah from --pull=never "${bflags[@]}" "$from")"
  buildah copy "$ctr_id" "$binary" "$dest" >/dev/null
  # The base image's cmd (`node`) cleared first: it must not become the entrypoint's argument.
  buildah config --cmd '' "$ctr_id"
  buildah config --entrypoint "[\"$dest\"]" "$ctr_id"
  buildah commit --quiet --rm --timestamp 0 "$ctr_id" "$tag" >/dev/null
  id="$(buildah inspect --type image --format '{{.FromImageID}}' "$tag")"
  if [ "$(cat "$out/$name.id" 2>/dev/null)" != "$id" ] || [ ! -f "$out/$name.tar" ]; then
    log "exporting $tag to $out/$name.tar"
    rm -f "$out/$name.tar"
    buildah push --quiet "$tag" "docker-archive:$out/$name.tar:$tag" >/dev/null
    echo "$id" >"$out/$name.id"
  fi
  echo "$sum" >"$out/$name.sum"
}
build_image coredns "localhost/tsredis/coredns:${COREDNS_VERSION#v}" scratch "$bin/coredns" /coredns
build_image local-path "localhost/tsredis/local-path-provisioner:${LOCAL_PATH_VERSION#v}" "$base" \
  "$bin/local-path-provisioner" /usr/local/bin/local-path-provisioner
log "done"
echo "$out"

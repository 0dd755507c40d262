#!/usr/bin/env bash
# Builds the project's two images locally, without Docker or a registry: a base image equal in role to
# node:20-bookworm-slim (Debian bookworm by debootstrap, plus this machine's Node 20 binary and npm),
# then node/Dockerfile and operator/Dockerfile with buildah, unchanged but for the NODE_IMAGE argument,
# and exports each as a docker-archive that containerd imports (`ctr images import`); and the pod
# sandbox image (test/cluster/pause/pause.c, static) that the nodes' containerd runs for every pod.
# Usage: test/cluster/images.sh  -> prints the directory holding node.tar, operator.tar and pause.tar.
# The base image is cached by its inputs; buildah's layer cache makes a one-file change a short rebuild.
# Needs root, debootstrap and buildah (Debian packages; .ci/run installs them).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${TSREDIS_CACHE:-$HOME/.cache/tsredis}"
out="$cache/images"
mkdir -p "$out"
start=$(date +%s)
log() { echo "[images $(( $(date +%s) - start ))s] $*" >&2; }
for c in debootstrap buildah node npm gcc; do
  command -v "$c" >/dev/null || { echo "images.sh: $c is required" >&2; exit 1; }
done
# buildah in a VM without a container runtime of its own: chroot isolation, the host's network.
bflags=(--isolation chroot --network host)

# --- base image. Its tag names what it is made of: the Debian suite, the Node version and a revision
# of this recipe, so a new Node or a changed recipe makes a new base (and rebuilds what is on top).
BASE_REV=1
node_version="$(node --version)"
base="localhost/tsredis/node-base:${node_version#v}-bookworm-r$BASE_REV"
if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
  rootfs="$cache/src/base-rootfs-${node_version}-r$BASE_REV"
  if [ ! -f "$rootfs/.complete" ]; then
    rm -rf "$rootfs"
    log "debootstrap bookworm (minbase) into $rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 ||
      { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
    # The same apt sources as a Debian image: security updates too.
    cat >"$rootfs/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
    # This machine's apt settings (e.g. for a caching mirror) and CA bundle, so apt and npm inside a build
    # reach the registries as the host does.
    for f in /etc/apt/apt.conf.d/*; do
      case "$(basename "$f")" in docker-*|*autoremove*|20packagekit|50appstream) ;; *) cp "$f" "$rootfs/etc/apt/apt.conf.d/" ;; esac
    done
    mkdir -p "$rootfs/etc/ssl/certs"
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    # Node 20 and npm, as the official image has them: /usr/local/bin/node, npm under /usr/local/lib.
    install -m 0755 "$(readlink -f "$(command -v node)")" "$rootfs/usr/local/bin/node"
    npm_dir="$(npm root -g)/npm"
    mkdir -p "$rootfs/usr/local/lib/node_modules"
    cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
    rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
    touch "$rootfs/.complete"
  fi
  log "committing the base image $base"
  ctr_id="$(buildah from scratch)"
  mnt="$(buildah mount "$ctr_id")"
  tar -C "$rootfs" --exclude=./.complete -cf - . | tar -C "$mnt" -xf -
  buildah umount "$ctr_id" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="${node_version#v}" --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    --cmd node "$ctr_id"
  buildah commit --quiet --rm "$ctr_id" "$base" >/dev/null
fi

# --- the project's images, from their Dockerfiles as users build them (context = the repository).
build_one() {
  local name="$1" tag="localhost/tsredis/$1:dev"
  log "building $tag from $name/Dockerfile"
  buildah bud "${bflags[@]}" --layers --quiet -f "$repo/$name/Dockerfile" \
    --build-arg "NODE_IMAGE=$base" -t "$tag" "$repo" >"$out/$name.build.log" 2>&1 ||
    { tail -n 30 "$out/$name.build.log" >&2; exit 1; }
  local id
  id="$(buildah inspect --type image --format '{{.FromImageID}}' "$tag")"
  # Export only when the image changed: containerd imports the archive on every node.
  if [ "$(cat "$out/$name.id" 2>/dev/null)" != "$id" ] || [ ! -f "$out/$name.tar" ]; then
    rm -f "$out/$name.tar"
    buildah push --quiet "$tag" "docker-archive:$out/$name.tar:$tag" >/dev/null
    echo "$id" >"$out/$name.id"
  fi
}
build_one node
build_one operator

# --- the pod sandbox image: one static binary, rebuilt when its source changes.
pause_src="$repo/test/cluster/pause/pause.c"
pause_sum="$(sha256sum "$pause_src" | cut -c1-16)"
if [ "$(cat "$out/pause.sum" 2>/dev/null)" != "$pause_sum" ] || [ ! -f "$out/pause.tar" ]; then
  log "building the pause image"
  gcc -static -Os -s -o "$out/pause" "$pause_src"
  ctr_id="$(buildah from scratch)"
  buildah copy "$ctr_id" "$out/pause" /pause >/dev/null
  buildah config --entrypoint '["/pause"]' --user 65535:65535 "$ctr_id"
  buildah commit --quiet --rm "$ctr_id" localhost/tsredis/pause:1 >/dev/null
  rm -f "$out/pause.tar"
  buildah push --quiet localhost/tsredis/pause:1 "docker-archive:$out/pause.tar:localhost/tsredis/pause:1" >/dev/null
  echo "$pause_sum" >"$out/pause.sum"
fi
# The base's name, for addons.sh (the local-path image is built on it).
echo "$base" >"$out/base.ref"
log "done"
echo "$out"

#!/usr/bin/env bash
# Builds the compiled Sentinel client programs (owned by test/sentinel-clients/): the go-redis binary and
# the Jedis runnable jar, into ${TSREDIS_CACHE:-$HOME/.cache/tsredis}/sentinel-clients/<hash of the sources>/
# (go-client, jedis-client.jar). When that directory already exists this is a no-op. Build output goes to
# stderr; the last stdout line is the output directory. Needs Go (go on PATH, or $GO, or /usr/local/go),
# a JDK 17+ and Maven; modules and artifacts come from the Go module proxy and Maven Central.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
cache=${TSREDIS_CACHE:-$HOME/.cache/tsredis}/sentinel-clients

sources=(build.sh go/go.mod go/go.sum go/main.go java/pom.xml)
while IFS= read -r f; do sources+=("$f"); done < <(find java/src -type f | LC_ALL=C sort)
hash=$(sha256sum "${sources[@]}" | sha256sum | cut -c1-16)
out="$cache/$hash"

if [ -f "$out/go-client" ] && [ -f "$out/jedis-client.jar" ]; then
  echo "sentinel clients: cached in $out" >&2
  echo "$out"
  exit 0
fi

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ -x "$GO" ] || { echo "build.sh: no Go toolchain (set GO=/path/to/go)" >&2; exit 1; }
command -v mvn >/dev/null || { echo "build.sh: mvn not found" >&2; exit 1; }

mkdir -p "$cache"
work=$(mktemp -d "$cache/.build-$hash.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out"
[ -d "$out" ] && rm -rf "$out" # an incomplete earlier install

echo "sentinel clients: building go-client ($("$GO" version))" >&2
(cd go && CGO_ENABLED=0 "$GO" build -mod=readonly -buildvcs=false -trimpath -o "$work/out/go-client" .) >&2

echo "sentinel clients: building jedis-client.jar ($(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g'))" >&2
# Maven builds in a copy, so no target/ directory is left in the source tree.
cp -r java "$work/java"
# (Debian's Maven 3.8 prints ANSI resets even with -B; strip them.)
mvn -B -q -ntp -Dstyle.color=never -f "$work/java/pom.xml" -DskipTests package 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
cp "$work/java/target/jedis-client.jar" "$work/out/jedis-client.jar"

# Publish atomically; a concurrent build of the same sources may have won the race, which is fine.
if ! mv -T "$work/out" "$out" 2>/dev/null; then
  [ -f "$out/go-client" ] && [ -f "$out/jedis-client.jar" ] || { echo "build.sh: could not install $out" >&2; exit 1; }
fi
echo "sentinel clients: built into $out" >&2
echo "$out"

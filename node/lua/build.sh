#!/usr/bin/env bash
# Builds the Lua 5.1 VM that tsredis-server runs scripts in: Debian's lua5.1 source (5.1.5) and
# lua-cjson source (2.1.0), both fetched from Debian's archive and checked against their .dsc SHA-256,
# patched by patch-lua.mjs (read-only tables, as Redis 7.0's Lua has; integers and string positions as
# wide as on x86-64), compiled with our own glue and libraries in this folder (tsr_glue.c, lua_bit.c,
# lua_struct.c, lua_cmsgpack.c) by clang to WebAssembly (wasm32-wasi, Debian's wasi-libc). Nothing
# fetched is committed.
# Usage: node/lua/build.sh [out.wasm]   (default: dist/node/lua/lua51.wasm)
# The result is cached by the hash of every input under ~/.cache/tsredis/lua, so a rebuild is a copy.
# Needs: clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32, curl (Debian packages; .ci/run and the
# node image's build stage install them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/dist/node/lua/lua51.wasm}"
cache="${TSREDIS_CACHE:-$HOME/.cache/tsredis}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

LUA_TGZ=lua5.1_5.1.5.orig.tar.gz
LUA_SHA=2640fc56a795f29d28ef15e13c34a47e223960b0240e8cb0a82d9b0738695333
CJSON_TGZ=lua-cjson_2.1.0+dfsg.orig.tar.gz
CJSON_SHA=94f1fce36742cf00e99c5071b309b9f71e6e7daf60a7151f7bf4ac0a97259ac4

CC="${CC_WASM:-clang-14}"
command -v "$CC" >/dev/null || CC=clang
command -v "$CC" >/dev/null || { echo "build.sh: clang (Debian clang-14) is required" >&2; exit 1; }

# The cache key: our sources, the build recipe, the fetched archives' hashes, the compiler's version.
key="$( { cat "$here"/*.c "$here"/patch-lua.mjs "$here"/build.sh; echo "$LUA_SHA $CJSON_SHA"; "$CC" --version | head -1; } | sha256sum | cut -c1-16)"
cached="$cache/lua/lua51-$key.wasm"
mkdir -p "$(dirname "$out")" "$cache/lua" "$cache/src"
if [ -f "$cached" ]; then
  cp "$cached" "$out"
  exit 0
fi

fetch() { # fetch <file> <sha256> <pool dir>
  local f="$cache/src/$1"
  if [ ! -f "$f" ] || ! echo "$2  $f" | sha256sum -c --status; then
    curl -fsSL -o "$f.part" "$mirror/pool/main/$3/$1"
    echo "$2  $f.part" | sha256sum -c --status || { echo "build.sh: $1: SHA-256 mismatch" >&2; exit 1; }
    mv "$f.part" "$f"
  fi
  echo "$f"
}
lua_tgz="$(fetch "$LUA_TGZ" "$LUA_SHA" l/lua5.1)"
cjson_tgz="$(fetch "$CJSON_TGZ" "$CJSON_SHA" l/lua-cjson)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -xzf "$lua_tgz" -C "$work"
tar -xzf "$cjson_tgz" -C "$work"
src="$work/lua-5.1.5/src"
cjson="$work/lua-cjson-2.1.0+dfsg"
node "$here/patch-lua.mjs" "$src"
# ldo.c includes <setjmp.h>, which wasi-libc lacks; the patched luaconf.h needs nothing from it.
mkdir -p "$work/include"
echo '/* setjmp.h: empty; Lua errors unwind through the host (patch-lua.mjs). */' >"$work/include/setjmp.h"

# The Lua core and the libraries Redis loads (base, table, string, math, debug); not io, os, package.
core="lapi lcode ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser lstate lstring ltable ltm
      lundump lvm lzio lauxlib lbaselib ldblib ltablib lstrlib lmathlib"
files=()
for f in $core; do files+=("$src/$f.c"); done
files+=("$cjson/lua_cjson.c" "$cjson/strbuf.c" "$cjson/fpconv.c")
files+=("$here/tsr_glue.c" "$here/lua_bit.c" "$here/lua_struct.c" "$here/lua_cmsgpack.c")

# -mno-nontrapping-fptoint: a double -> signed int conversion out of range (or NaN) gives the most
# negative value, as x86-64's cvttsd2si does (Redis's usual platform: string.format("%d", 2^63) is
# -9223372036854775808 there), not the saturated value of wasm's trunc_sat, and never traps.
# The linear memory is capped (max-memory): a script that allocates without end gets Lua's
# "not enough memory" error, never the host's memory.
# Only the compiler's and wasi-libc's headers: nothing of the host's libc can slip in.
"$CC" --target=wasm32-wasi -nostdinc -isystem "$work/include" -isystem "$("$CC" -print-resource-dir)/include" \
  -isystem /usr/include/wasm32-wasi -L/usr/lib/wasm32-wasi \
  -O2 -mno-nontrapping-fptoint -mmutable-globals -mexec-model=reactor \
  -DLUA_ANSI -DLUA_USELONGLONG -DENABLE_CJSON_GLOBAL -DTSR_HOST_EXCEPTIONS \
  -I"$src" -I"$cjson" -I"$here" \
  -Wno-unused-command-line-argument -Wno-string-plus-int -Wno-empty-body -Wno-undefined-inline \
  -Wl,--export=__stack_pointer -Wl,-z,stack-size=1048576 \
  -Wl,--initial-memory=4194304 -Wl,--max-memory=1073741824 \
  -o "$work/lua51.wasm" "${files[@]}"
cp "$work/lua51.wasm" "$cached.part" && mv "$cached.part" "$cached"
cp "$cached" "$out"

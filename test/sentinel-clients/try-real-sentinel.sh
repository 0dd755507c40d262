#!/usr/bin/env bash
# Manual check of one Sentinel client program against REAL Redis Sentinel (owned by test/sentinel-clients/):
# starts, on 127.0.0.1 only, a redis-server master (requirepass + masterauth), one replica and
# $SENTINELS `redis-server --sentinel` processes, runs the given client command with the contract flags
# appended, kill -9s the master $KILL_AFTER s after the client printed "ready", and reports the time from
# the kill to the first ack after it. Everything it starts is stopped and its temp dir removed on exit.
#
#   test/sentinel-clients/try-real-sentinel.sh <client command...>
#   e.g. try-real-sentinel.sh node dist/test/sentinel-clients/ioredis.js
# Environment: NAME (master name, default mymaster), PASSWORD (default s3cret), SECONDS_TOTAL (25),
# KILL_AFTER (6), KILL_SIGNAL (KILL; STOP freezes the master instead, to exercise the timeouts), SENTINELS (3), BASE_PORT (21000), KEEP_LOG (a path: copy the client's stdout there, its stderr to that path .err).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 <client command...>" >&2; exit 2; }
NAME=${NAME:-mymaster}
PASSWORD=${PASSWORD-s3cret}
SECONDS_TOTAL=${SECONDS_TOTAL:-25}
KILL_AFTER=${KILL_AFTER:-6}
SENTINELS=${SENTINELS:-3}
BASE_PORT=${BASE_PORT:-21000}
MPORT=$BASE_PORT
RPORT=$((BASE_PORT + 1))

dir=$(mktemp -d "${TMPDIR:-/tmp}/tsredis-real-sentinel.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; kill -CONT "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

auth=()
[ -n "$PASSWORD" ] && auth=(--requirepass "$PASSWORD" --masterauth "$PASSWORD")
cli() { redis-cli -h 127.0.0.1 ${PASSWORD:+--no-auth-warning -a "$PASSWORD"} "$@"; }

mkdir "$dir/m" "$dir/r"
redis-server --bind 127.0.0.1 --port "$MPORT" --dir "$dir/m" --save '' --appendonly no "${auth[@]}" \
  >"$dir/master.log" 2>&1 &
master_pid=$!
pids+=("$master_pid")
redis-server --bind 127.0.0.1 --port "$RPORT" --dir "$dir/r" --save '' --appendonly no "${auth[@]}" \
  --replicaof 127.0.0.1 "$MPORT" >"$dir/replica.log" 2>&1 &
pids+=("$!")

sargs=()
for k in $(seq 1 "$SENTINELS"); do
  sp=$((BASE_PORT + 100 + k))
  {
    echo "bind 127.0.0.1"
    echo "port $sp"
    echo "dir $dir"
    echo "sentinel monitor \"$NAME\" 127.0.0.1 $MPORT 1"
    [ -n "$PASSWORD" ] && echo "sentinel auth-pass \"$NAME\" \"$PASSWORD\""
    echo "sentinel down-after-milliseconds \"$NAME\" 1000"
    echo "sentinel failover-timeout \"$NAME\" 5000"
  } >"$dir/sentinel-$k.conf"
  redis-server "$dir/sentinel-$k.conf" --sentinel >"$dir/sentinel-$k.log" 2>&1 &
  pids+=("$!")
  sargs+=(--sentinel "127.0.0.1:$sp")
done

# Wait until every sentinel has seen the replica and (with several) the other sentinels.
want_sentinels=$((SENTINELS - 1))
for _ in $(seq 1 150); do
  ok=1
  for k in $(seq 1 "$SENTINELS"); do
    sp=$((BASE_PORT + 100 + k))
    info=$(redis-cli -h 127.0.0.1 -p "$sp" SENTINEL master "$NAME" 2>/dev/null | paste -sd' ' || true)
    nrep=$(sed -n 's/.* num-slaves \([0-9]*\).*/\1/p' <<<"$info")
    nsen=$(sed -n 's/.* num-other-sentinels \([0-9]*\).*/\1/p' <<<"$info")
    [ "${nrep:-0}" -ge 1 ] && [ "${nsen:-0}" -ge "$want_sentinels" ] || ok=0
  done
  [ $ok = 1 ] && break
  sleep 0.2
done
[ $ok = 1 ] || { echo "sentinels did not converge; logs in $dir" >&2; tail -5 "$dir"/sentinel-*.log >&2; exit 1; }
until [ "$(cli -p "$RPORT" INFO replication | tr -d '\r' | sed -n 's/^master_link_status://p')" = up ]; do sleep 0.1; done
echo "real sentinel up: master :$MPORT replica :$RPORT sentinels ${sargs[*]} name '$NAME'" >&2

out="$dir/client.out"
started_at=$(date +%s%3N)
REDIS_PASSWORD="$PASSWORD" "$@" "${sargs[@]}" --name "$NAME" --prefix "try:$$" --seconds "$SECONDS_TOTAL" \
  >"$out" 2>"$dir/client.err" &
client_pid=$!
pids+=("$client_pid")
for _ in $(seq 1 300); do grep -q '"event"' "$out" 2>/dev/null && break; sleep 0.1; done
if ! grep -q '"event":"ready"' "$out"; then
  echo "client did not print ready:" >&2
  cat "$out" >&2
  tail -20 "$dir/client.err" >&2
  exit 1
fi
sleep "$KILL_AFTER"
killed_at=$(date +%s%3N)
kill -"${KILL_SIGNAL:-KILL}" "$master_pid"
echo "sent SIG${KILL_SIGNAL:-KILL} to the master at $killed_at" >&2

rc=0
wait "$client_pid" || rc=$?
ended_at=$(date +%s%3N)
[ -n "${KEEP_LOG:-}" ] && cp "$out" "$KEEP_LOG" && cp "$dir/client.err" "$KEEP_LOG.err"
echo "client exit code $rc; stderr tail:" >&2
tail -5 "$dir/client.err" >&2 || true
grep -h -- '+switch-master\|+failover-end' "$dir"/sentinel-*.log | head -3 >&2 || true
python3 - "$out" "$killed_at" "$started_at" "$ended_at" "$SECONDS_TOTAL" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
killed, started, ended, total = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
ready = [l for l in lines if l["event"] == "ready"]
acks = [l for l in lines if l["event"] == "ack"]
fails = [l for l in lines if l["event"] == "fail"]
done = [l for l in lines if l["event"] == "done"]
before = [a for a in acks if a["t"] < killed]
after = [a for a in acks if a["t"] >= killed]
seq_ok = [a["i"] for a in acks] == list(range(len(acks)))
print(json.dumps({
    "ready": ready[0] if ready else None,
    "acksBeforeKill": len(before), "acksAfterKill": len(after), "fails": len(fails),
    "firstFail": fails[0]["message"][:160] if fails else None,
    "killToFirstAckMs": after[0]["t"] - killed if after else None,
    "done": done[0] if done else None, "sequenceContiguous": seq_ok,
    "exitMsAfterSeconds": ended - started - int(total * 1000),
}, indent=1))
EOF
exit $rc

#!/usr/bin/env python3
# Sentinel client program for redis-py (owned by test/sentinel-clients/): discovers the master and a replica
# with redis.sentinel.Sentinel (master_for / slave_for), then writes SET <prefix>:<i> in a loop, printing one
# JSON event per line. Works with redis-py 4.3 (Debian bookworm's python3-redis) and 5.x. The contract is in
# test/sentinel-clients/README.md.
import argparse
import json
import os
import secrets
import sys
import threading
import time

import redis
from redis.exceptions import ReadOnlyError, RedisError
from redis.sentinel import Sentinel

_out_lock = threading.Lock()
_finished = False  # set with the last line (done or error); nothing is printed after it
_state = {"writing": False, "acks": 0}


def emit(obj, last=False):
    global _finished
    line = json.dumps(obj, separators=(",", ":")) + "\n"
    with _out_lock:
        if not _finished:
            sys.stdout.write(line)
            sys.stdout.flush()
        if last:
            _finished = True


def finish(code, obj):
    emit(obj, last=True)
    os._exit(code)


def now_ms():
    return int(time.time() * 1000)


def fatal(message):
    finish(1, {"event": "error", "message": message})


def host_port(s):
    host, _, port = s.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected host:port, got {s!r}")
    return host, int(port)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sentinel", action="append", type=host_port, required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--interval-ms", type=int, default=20)
    args = p.parse_args()

    deadline = time.time() + args.seconds

    # Hard stop: exit within 2 s after --seconds even if a call hangs (socket timeouts are 1 s).
    def watchdog():
        time.sleep(max(0.0, deadline - time.time()) + 1.5)
        if _state["writing"]:
            finish(0, {"event": "done", "acks": _state["acks"]})
        fatal("hard deadline reached during discovery: a call did not return")

    threading.Thread(target=watchdog, daemon=True).start()

    timeouts = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
    # sentinel_kwargs: the sentinel connections take only the timeouts (no password: Sentinel has none here).
    sentinel = Sentinel(args.sentinel, sentinel_kwargs=dict(timeouts), **timeouts)
    # The password comes from the environment, never argv (it may begin with "-"; argv is public).
    password = os.environ.get("REDIS_PASSWORD", "")
    auth = {"password": password} if password else {}
    master = sentinel.master_for(args.name, decode_responses=True, **auth)
    replica = sentinel.slave_for(args.name, decode_responses=True, **auth)

    # ---- Phase 1: discovery ----
    probe_key = f"{args.prefix}:probe"
    probe = secrets.token_hex(8)
    try:
        master.set(probe_key, probe)
    except RedisError as e:
        fatal(f"probe write through master_for failed: {type(e).__name__}: {e}")
    read_from_replica = False
    last_err = None
    t0 = time.time()
    while time.time() - t0 < 10:
        try:
            if replica.get(probe_key) == probe:
                read_from_replica = True
                break
            last_err = "probe not yet on the replica"
        except RedisError as e:
            last_err = f"{type(e).__name__}: {e}"
        time.sleep(0.1)
    if not read_from_replica:
        fatal(f"probe value did not appear through slave_for within 10 s (last: {last_err})")
    replica_refused_write = False
    try:
        replica.set(probe_key, "from-replica")
        fatal("write through slave_for succeeded; expected READONLY")
    except ReadOnlyError:
        replica_refused_write = True
    except RedisError as e:
        fatal(f"write through slave_for failed with a non-READONLY error: {type(e).__name__}: {e}")
    emit(
        {
            "event": "ready",
            "lib": f"redis-py {redis.__version__}",
            "readFromReplica": read_from_replica,
            "replicaRefusedWrite": replica_refused_write,
        }
    )
    replica.connection_pool.disconnect()

    # ---- Phase 2: writes ----
    _state["writing"] = True
    last_fail = 0.0
    i = 0
    while time.time() < deadline:
        try:
            master.set(f"{args.prefix}:{i}", str(i))
            emit({"event": "ack", "i": i, "t": now_ms()})
            _state["acks"] += 1
            i += 1
        except RedisError as e:
            now = time.time()
            if now < deadline and now - last_fail >= 0.2:
                last_fail = now
                emit({"event": "fail", "t": now_ms(), "message": f"{type(e).__name__}: {e}"})
        left = deadline - time.time()
        if left > 0:
            time.sleep(min(args.interval_ms / 1000.0, left))
    finish(0, {"event": "done", "acks": _state["acks"]})


if __name__ == "__main__":
    main()

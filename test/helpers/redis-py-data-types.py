"""redis-py on streams, HyperLogLog and geo as applications use them, for test/clients-data-types.test.ts.

Usage: python3 redis-py-data-types.py PORT. A consumer-group loop (XGROUP CREATE MKSTREAM, XADD, a
blocking XREADGROUP woken by a producer, XACK, a consumer that stops with entries pending, XAUTOCLAIM
of them by another after they idled, XPENDING), PFADD / PFCOUNT / PFMERGE, GEOADD / GEOSEARCH, against
127.0.0.1:PORT; prints one JSON object of each step's result, or {"error": "<message>"} when it raised.
"""

import json
import sys
import threading
import time

import redis


def main() -> None:
    port = int(sys.argv[1])
    r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
    out = {}

    def step(name, fn):
        try:
            out[name] = fn()
        except redis.RedisError as e:
            out[name] = {"error": str(e)}

    r.flushall()
    step("group", lambda: r.xgroup_create("jobs", "workers", id="$", mkstream=True))
    step("group again", lambda: r.xgroup_create("jobs", "workers", id="$"))

    # A worker blocks; a producer adds five jobs while it waits.
    blocked = {}

    def worker():
        w = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
        blocked["got"] = w.xreadgroup("workers", "alice", {"jobs": ">"}, count=2, block=5000)

    t = threading.Thread(target=worker)
    t.start()
    for _ in range(500):  # until the worker is blocked
        if r.info("clients")["blocked_clients"] == 1:
            break
        time.sleep(0.01)
    step("produce", lambda: [r.xadd("jobs", {"n": str(i)}, id=f"{i}-1") for i in range(1, 6)])
    t.join()
    out["alice woken"] = blocked.get("got")
    step("alice acks one", lambda: r.xack("jobs", "workers", "1-1"))
    step("bob reads", lambda: r.xreadgroup("workers", "bob", {"jobs": ">"}, count=2))
    step("pending", lambda: r.xpending("jobs", "workers"))
    # Alice and bob stop; carol takes over what idled 100 ms, then finishes it.
    time.sleep(0.25)
    step(
        "carol claims",
        lambda: r.xautoclaim("jobs", "workers", "carol", min_idle_time=100, start_id="0-0", count=10),
    )
    step("carol acks", lambda: r.xack("jobs", "workers", *[e[0] for e in out["carol claims"][1]]))
    step("the rest", lambda: r.xreadgroup("workers", "carol", {"jobs": ">"}))
    step("carol acks the rest", lambda: r.xack("jobs", "workers", *[e[0] for e in out["the rest"][0][1]]))
    step("pending after", lambda: r.xpending("jobs", "workers"))
    step("length", lambda: r.xlen("jobs"))
    step("groups", lambda: [{k: v for k, v in g.items() if k != "pel-count"} for g in r.xinfo_groups("jobs")])

    step("pfadd", lambda: r.pfadd("visitors:mon", *[f"user{i}" for i in range(1000)]))
    step("pfadd again", lambda: r.pfadd("visitors:mon", "user1"))
    step("pfadd tue", lambda: r.pfadd("visitors:tue", *[f"user{i}" for i in range(500, 1700)]))
    step("pfcount mon", lambda: r.pfcount("visitors:mon"))
    step("pfcount both", lambda: r.pfcount("visitors:mon", "visitors:tue"))
    step("pfmerge", lambda: r.pfmerge("visitors:week", "visitors:mon", "visitors:tue"))
    step("pfcount week", lambda: r.pfcount("visitors:week"))

    step(
        "geoadd",
        lambda: r.geoadd(
            "shops", [13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania", 13.583333, 37.316667, "Agrigento"]
        ),
    )
    step(
        "geosearch",
        lambda: r.geosearch(
            "shops", longitude=15, latitude=37, radius=200, unit="km", sort="ASC", withdist=True, withcoord=True
        ),
    )
    step("geodist", lambda: r.geodist("shops", "Palermo", "Catania", unit="km"))
    step("geopos", lambda: r.geopos("shops", "Palermo", "nowhere"))

    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()

"""redis-py's scripting as applications use it, for test/scripting-clients.test.ts.

Usage: python3 redis-py-scripts.py PORT. Runs register_script calls (EVALSHA, the NOSCRIPT reload,
pipelines), EVAL, SCRIPT LOAD/EXISTS/FLUSH/KILL and script errors against 127.0.0.1:PORT and prints
one JSON object: each step's result, or {"error": "<message>"} when the step raised.
"""

import hashlib
import json
import sys

import redis


def main() -> None:
    r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), decode_responses=True)
    out = {}

    def step(name, fn):
        try:
            out[name] = fn()
        except redis.RedisError as e:
            out[name] = {"error": str(e)}

    src = "return redis.call('INCRBY', KEYS[1], ARGV[1])"
    incr = r.register_script(src)
    shapes = r.register_script(
        "return {1, 'two', 3.7, true, false, {'nested', 4}, redis.status_reply('FINE')}"
    )

    step("flush", lambda: r.script_flush())
    step("sha_is_sha1", lambda: incr.sha == hashlib.sha1(src.encode()).hexdigest())
    step("exists_before", lambda: r.script_exists(incr.sha))
    step("incr", lambda: [incr(keys=["py:n"], args=[5]), incr(keys=["py:n"], args=[7])])
    step("exists_after", lambda: r.script_exists(incr.sha))
    step("flush_again", lambda: r.script_flush())
    step("exists_flushed", lambda: r.script_exists(incr.sha))
    # EVALSHA answers NOSCRIPT; register_script loads the script and retries.
    step("incr_after_flush", lambda: incr(keys=["py:n"], args=[1]))
    step("shapes", lambda: shapes())

    def pipeline():
        p = r.pipeline(transaction=True)
        incr(keys=["py:p"], args=[2], client=p)
        incr(keys=["py:p"], args=[2], client=p)
        p.get("py:p")
        return p.execute()

    step("pipeline", pipeline)

    def pipeline_after_flush():
        r.script_flush()
        p = r.pipeline(transaction=False)
        incr(keys=["py:p"], args=[2], client=p)
        p.get("py:p")
        return p.execute()

    step("pipeline_after_flush", pipeline_after_flush)
    step("eval", lambda: r.eval("return {ARGV[1], #KEYS}", 0, "x"))
    step("script_load_sha", lambda: r.script_load(src) == incr.sha)

    def raised(fn):
        try:
            return {"no error": fn()}
        except redis.ResponseError as e:
            return str(e)

    error_reply = r.register_script("return redis.error_reply('MYERR custom failure')")
    step("error_reply", lambda: raised(lambda: error_reply()))
    r.set("py:s", "abc")
    bad = r.register_script("return redis.call('INCR', KEYS[1])")
    step("call_error", lambda: raised(lambda: bad(keys=["py:s"])))
    pcall = r.register_script("local e = redis.pcall('INCR', KEYS[1]) return e['err']")
    step("pcall", lambda: pcall(keys=["py:s"]))
    cjson = r.register_script("return cjson.decode(ARGV[1])['a']['b']")
    step("cjson", lambda: cjson(args=[json.dumps({"a": {"b": "deep"}})]))
    step("kill_idle", lambda: raised(lambda: r.script_kill()))

    print(json.dumps(out))


if __name__ == "__main__":
    main()

// Integration, side by side with redis-server 7.0: Lua scripting, differentially. Every case sends the same
// commands to Debian's redis-server and to tsredis-server over raw RESP connections and compares the
// replies byte for byte (FUNCTION LIST compares its libraries and functions as sets), so redis-server
// decides what is right. A failing test lists every difference it found (case, input, both replies).
// 1. EVAL: ~80 snippets of return-value conversion (numbers truncated, -0, 1e20, inf/nan, tables cut at the
//    first nil, nested, ok/err tables, status_reply/error_reply, double/map/set/big_number/verbatim_string)
//    over RESP2 and over HELLO 3; redis.setresp(3) and what a script sees of HGETALL/ZSCORE/SMEMBERS/INFO/
//    nulls; Lua 5.1 semantics (tostring, string.format, #t, unpack, select, coroutines); the bit, struct,
//    cmsgpack and cjson libraries; globals protection and which globals and library members exist;
//    math.random across EVALs and after randomseed; redis.sha1hex/REDIS_VERSION/log/set_repl/...;
//    redis.call argument errors and argument formatting (0.1 -> "0.10000000000000001"), wrong arity,
//    unknown and noscript commands; pcall/redis.pcall; error() with strings, tables, nil; runtime and
//    compile errors; EVAL numkeys errors; EVALSHA/NOSCRIPT; SCRIPT LOAD/EXISTS/FLUSH/HELP/KILL; shebangs;
//    EVAL_RO/EVALSHA_RO.
// 2. Scripts in MULTI/EXEC, a script writing a WATCHed key aborts another client's EXEC, SELECT inside a
//    script leaves the caller's db, blocking commands return at once, expiry time frozen during a script.
// 3. FUNCTION LOAD (REPLACE and its errors), register_function forms, FCALL/FCALL_RO, LIST/DELETE/FLUSH/
//    STATS/HELP, DUMP and RESTORE across servers both ways with every policy, RDB files with functions
//    saved by one server and loaded by the other.
// 4. Busy scripts (busy-reply-threshold 100): the BUSY texts, SCRIPT KILL / FUNCTION KILL and their
//    mismatches, NOTBUSY, UNKILLABLE after a write, SHUTDOWN refused and SHUTDOWN NOSAVE.
// 5. Replication of script effects: tsredis -> tsredis, tsredis -> redis-server and redis-server ->
//    tsredis (data and libraries); MONITOR lines of an EVAL.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startRedis, startTsredis, tmpDir, waitFor, type RunningServer } from './helpers/procs.js';
import { Conn, bulkBytes, sleep, type Arg, type Node } from './helpers/raw-resp.js';
import { Diffs, runCases, show, type Case, type Pair, type Step } from './helpers/differential.js';

const bulkText = (n: Node): string | null => bulkBytes(n)?.toString('latin1') ?? null;

function rebuild(n: Node, c: Node[]): Node {
  return { ...n, c, raw: `${n.t}${n.head}\r\n${c.map((x) => x.raw).join('')}` };
}

const byRaw = (a: Node, b: Node): number => (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0);

/** A map (RESP3) or flat array (RESP2) of pairs as its pairs. */
function pairsOf(n: Node): [Node, Node][] {
  const out: [Node, Node][] = [];
  for (let i = 0; i + 1 < (n.c ?? []).length; i += 2) out.push([n.c![i], n.c![i + 1]]);
  return out;
}

/** FUNCTION LIST: libraries as a set, each library's functions as a set. */
function normFunctionList(n: Node): Node {
  if (!n.c) return n;
  const libs = n.c.map((lib) => {
    if (!lib.c) return lib;
    const c = lib.c.slice();
    for (let i = 0; i + 1 < c.length; i += 2) {
      if (bulkText(c[i]) === 'functions' && c[i + 1].c)
        c[i + 1] = rebuild(c[i + 1], c[i + 1].c!.slice().sort(byRaw));
    }
    return rebuild(lib, c);
  });
  return rebuild(n, libs.sort(byRaw));
}

/**
 * FUNCTION RESTORE's "Library <name> already exists" with the name left out: when several of the
 * payload's libraries exist, redis-server names the first its libraries dict yields, whose order
 * depends on the process's random hash seed (it changes from run to run).
 */
function normClashingLibrary(n: Node): Node {
  const raw = n.raw.replace(
    /^-ERR Library \S+ already exists\r\n$/,
    '-ERR Library <one of them> already exists\r\n',
  );
  return raw === n.raw ? n : { ...n, raw };
}

/** A map's or flat pair array's pairs sorted (Lua table iteration order, e.g. {map=...}). */
function normPairs(n: Node): Node {
  if (!n.c) return n;
  const pairs = pairsOf(n).sort((a, b) => byRaw(a[0], b[0]));
  return rebuild(
    n,
    pairs.flatMap((p) => p),
  );
}

function normSet(n: Node): Node {
  return n.c ? rebuild(n, n.c.slice().sort(byRaw)) : n;
}

/** FUNCTION STATS / running script durations vary. */
function normDurations(n: Node): Node {
  return { ...n, raw: n.raw.replace(/(duration_ms\r\n:)\d+/g, '$1<n>') };
}

// ---------------------------------------------------------------------------------------------------
// Differences

// ---------------------------------------------------------------------------------------------------
// Cases

const EV = (script: string, ...rest: string[]): string[] => ['EVAL', script, '0', ...rest];
const EK = (script: string, keys: string[], args: string[] = []): string[] => [
  'EVAL',
  script,
  String(keys.length),
  ...keys,
  ...args,
];
/** One case per snippet: EVAL <script> 0. */
const snippets = (prefix: string, scripts: string[], resp3 = false): Case[] =>
  scripts.map((s, i) => ({ name: `${prefix} #${i + 1}`, steps: [EV(s)], resp3 }));

// 1a. Return values, converted to RESP (run over RESP2 and over RESP3)
const RETURNS: string[] = [
  'return 1',
  'return 3.99',
  'return -3.99',
  'return -0',
  'return 0.5',
  'return 1e20',
  'return -1e20',
  'return 2^53',
  'return 2^53 + 1',
  'return 2^63',
  'return -2^63',
  'return 2^64',
  'return 1/0',
  'return -1/0',
  'return 0/0',
  'return 9007199254740993',
  'return "3.99"',
  'return "hello"',
  'return ""',
  'return "a\\0b"',
  'return nil',
  'return true',
  'return false',
  'return {}',
  'return {1, 2, 3}',
  'return {1, nil, 3}',
  'return {1, 2, nil, 4}',
  'local t = {} t[1] = 1 t[3] = 3 return t',
  'return {1, "two", 3.5, {4, {5, {6}}}}',
  'return {a = 1}',
  'return {1, 2, a = 3}',
  'return {true, false, 3}',
  'return {ok = "FINE"}',
  'return {ok = 5}',
  'return {err = "ERR oops"}',
  'return {err = "oops"}',
  'return {err = "MYCODE something"}',
  'return {err = ""}',
  'return {err = 5}',
  'return {err = "ERR with\\r\\nnewline"}',
  'return {ok = "with\\r\\nnewline"}',
  'return {err = "ERR x", ok = "y"}',
  'return redis.status_reply("PONGISH")',
  'return redis.error_reply("MY bad")',
  'return redis.error_reply("ERR bad")',
  'return redis.error_reply("-X y")',
  'return redis.error_reply("")',
  'return {1, {err = "inner"}, 3}',
  'return {1, {ok = "st"}, 3}',
  'return {double = 3.14}',
  'return {double = "2.5"}',
  'return {double = 1/0}',
  'return {double = -1/0}',
  'return {double = 0/0}',
  'return {double = 1e300}',
  'return {double = 0.1}',
  'return {double = 10}',
  'return {double = "abc"}',
  'return {map = {a = 1}}',
  'return {map = {a = {1, 2}, b = "x", c = {map = {d = true}}}}',
  'return {map = {}}',
  'return {map = {[1] = "one"}}',
  'return {set = {a = true}}',
  'return {set = {x = true, y = true, z = true}}',
  'return {set = {}}',
  'return {big_number = "12345678901234567890"}',
  'return {big_number = 5}',
  'return {verbatim_string = {format = "txt", string = "hello"}}',
  'return {verbatim_string = {format = "mkd", string = "# hi"}}',
  'return {1, {double = 0.5}, {map = {k = "v"}}, {big_number = "1"}}',
  'return redis.call("ping")',
  'return redis.call("get", "nokey")',
  'return {redis.call("get", "nokey"), 1}',
  'return redis.call("echo", "x")',
  'return {redis.status_reply("A"), redis.error_reply("B c")}',
];

// Some returns have Lua table iteration order in them; compare their pairs/members as sets.
const UNORDERED_RETURNS = new Map<string, (n: Node) => Node>([
  ['return {map = {a = {1, 2}, b = "x", c = {map = {d = true}}}}', normPairs],
  ['return {set = {x = true, y = true, z = true}}', normSet],
]);

const returnCases = (resp3: boolean): Case[] =>
  RETURNS.map((s, i) => ({
    name: `return #${i + 1}${resp3 ? ' (RESP3)' : ''}`,
    resp3,
    steps: [{ cmd: EV(s), norm: UNORDERED_RETURNS.get(s) }],
  }));

// 1b. redis.setresp(3): what scripts see of RESP3 replies, and what callers get back
const RESP3_DATA: Arg[][] = [
  ['FLUSHALL'],
  ['HSET', 'h', 'f', 'v'],
  ['ZADD', 'z', '1.5', 'm'],
  ['SADD', 's', 'a'],
  ['SET', 'str', 'x'],
];
const SETRESP: string[] = [
  'redis.setresp(3) return redis.call("hgetall", "h")',
  'redis.setresp(3) return type(redis.call("hgetall", "h"))',
  'redis.setresp(3) return cjson.encode(redis.call("hgetall", "h"))',
  'redis.setresp(3) local r = redis.call("hgetall", "h") return {type(r.map), r.map.f}',
  'return cjson.encode(redis.call("hgetall", "h"))',
  'redis.setresp(3) return redis.call("zscore", "z", "m")',
  'redis.setresp(3) local r = redis.call("zscore", "z", "m") return {type(r), type(r.double), tostring(r.double)}',
  'redis.setresp(3) return cjson.encode(redis.call("zscore", "z", "m"))',
  'return type(redis.call("zscore", "z", "m"))',
  'redis.setresp(3) return type(redis.call("zscore", "z", "nomember"))',
  'redis.setresp(3) return redis.call("zincrby", "z", "1", "m")',
  'redis.setresp(3) return redis.call("zrange", "z", "0", "-1", "withscores")',
  'redis.setresp(3) return cjson.encode(redis.call("zrange", "z", "0", "-1", "withscores"))',
  'redis.setresp(3) return redis.call("sismember", "s", "a")',
  'redis.setresp(3) return type(redis.call("sismember", "s", "a"))',
  'redis.setresp(3) return redis.call("smembers", "s")',
  'redis.setresp(3) return cjson.encode(redis.call("smembers", "s"))',
  'redis.setresp(3) return type(redis.call("get", "nokey"))',
  'return type(redis.call("get", "nokey"))',
  'redis.setresp(3) return tostring(redis.call("get", "nokey"))',
  'return tostring(redis.call("get", "nokey"))',
  'redis.setresp(3) return {redis.call("get", "nokey")}',
  'redis.setresp(3) return cjson.encode(redis.call("config", "get", "maxmemory"))',
  'redis.setresp(3) local r = redis.call("info", "keyspace") return {type(r), cjson.encode(r)}',
  'local r = redis.call("info", "keyspace") return type(r)',
  'redis.setresp(3) return redis.call("info", "keyspace")',
  'redis.setresp(3) local r = redis.call("ping") return {type(r), r.ok}',
  'redis.setresp(3) local ok, e = pcall(redis.call, "incr", "str") return cjson.encode(e)',
  'redis.setresp(3) return redis.pcall("incr", "str")',
  'redis.setresp(3) redis.setresp(2) return redis.call("hgetall", "h")',
  'redis.setresp(3) redis.setresp(2) return type(redis.call("zscore", "z", "m"))',
  'redis.setresp(4)',
  'redis.setresp()',
  'redis.setresp("3")',
  'redis.setresp(3, 4)',
  'return {double = 1.5}',
  'return {map = {x = "1"}}',
  'return true',
];
const setrespCases = (resp3: boolean): Case[] =>
  SETRESP.map((s, i) => ({ name: `setresp #${i + 1}${resp3 ? ' (RESP3)' : ''}`, resp3, steps: [EV(s)] }));

// 1c. Lua 5.1 semantics
const LUA51: string[] = [
  'return tostring(10/2)',
  'return tostring(1/3)',
  'return {tostring(1e15), tostring(1e16), tostring(2^53), tostring(2^63), tostring(123456789012)}',
  'return {tostring(1/0), tostring(-1/0), tostring(0/0), tostring(-(0/0))}',
  'return tostring(-0)',
  'return tostring(0.1 + 0.2)',
  'return string.format("%d", 3.7)',
  'return string.format("%d", -3.7)',
  'return string.format("%d", 2^53)',
  'return string.format("%d", 2^63)',
  'return string.format("%5.2f|%-6s|%x|%X|%o|%e|%g|%c|%%", 3.14159, "ab", 255, 255, 8, 12345.678, 0.0001, 65)',
  'return string.format("%q", "a\\nb\\"\\0c")',
  'return string.format("%10.3s|%+d|% d|%05d", "abcdef", 5, 5, 42)',
  'return string.format("%s %s", 1, 2.5)',
  'return string.format("%s", nil)',
  'return string.format("%d", "x")',
  'return string.format("%.20f", 0.1)',
  'return string.format("%g|%g|%g", 1e20, 1e-5, 100000)',
  'return #{1, 2, nil, 4}',
  'local t = {} t[1] = 1 t[2] = 2 t[4] = 4 return #t',
  'local t = {1, 2, 3} t[2] = nil return #t',
  'return {unpack({1, 2, 3})}',
  'return {unpack({1, 2, 3}, 2)}',
  'return select("#", 1, nil, 3)',
  'return select("#")',
  'return {select(2, "a", "b", "c")}',
  'return {select(-1, "a", "b", "c")}',
  'return {string.byte("ABC", 1, -1)}',
  'return {string.find("hello world", "o w")}',
  'return {string.find("a.b", ".", 1, true)}',
  'return {string.match("key:123", "(%a+):(%d+)")}',
  'return {string.gsub("hello", "l", "L")}',
  'return {string.gsub("abc", "%w", "%0%0")}',
  'local r = {} for w in string.gmatch("one two three", "%a+") do r[#r + 1] = w end return r',
  'return {tonumber("0x10"), tonumber("  12  "), tonumber("1e2"), tonumber("z", 36), tonumber("ff", 16)}',
  'return {tostring(tonumber("")), tostring(tonumber("1e")), tostring(tonumber("  "))}',
  'return {math.floor(-3.5), math.ceil(-3.5), math.fmod(7, 3), math.max(1, 5, 3), math.min(4, 2)}',
  'return {tostring(math.huge), tostring(math.pi), string.format("%.14g", math.sqrt(2))}',
  'return {tostring(7 % 3), tostring(-7 % 3), tostring(7.5 % 2), tostring(2^0.5)}',
  'return table.concat({1, 2, 3}, "-")',
  'local t = {3, 1, 2} table.sort(t) return t',
  'local t = {"b", "a", "c"} table.sort(t, function(a, b) return a > b end) return t',
  'local t = {1, 2} table.insert(t, 3) table.insert(t, 1, 0) table.remove(t, 2) return t',
  'return table.getn({1, 2, 3})',
  'return math.mod(7, 3)',
  'return string.len("\\0ab")',
  'return _VERSION',
  'local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end) ' +
    'local _, x = coroutine.resume(co, 1) local _, y = coroutine.resume(co, 10) ' +
    'return {x, y, coroutine.status(co)}',
  'local co = coroutine.wrap(function() error("in co") end) return {pcall(co)}',
  'return tostring(12345678901234567890)',
  'return ("x"):rep(3)',
  'return {string.sub("hello", -3), string.upper("ab"), string.lower("CD"), string.reverse("abc")}',
  'return tostring("a" < "b") .. tostring(1 == 1.0)',
  'return {pcall(error)}',
  'return {pcall(error, "msg")}',
  'return {pcall(error, "msg", 0)}',
  'return {xpcall(function() error("E") end, function(e) return "handled: " .. e end)}',
  'return tostring(nil) .. tostring(true) .. tostring(false)',
  'return {type(nil), type(1), type("s"), type({}), type(print), type(coroutine.create(function() end))}',
  'return string.format("%s", {}):sub(1, 6)',
  'return #string.format("%99d", 1)',
  'return string.rep("ab", 3)',
  'return {string.format("%5s|%-5s|", "x", "y")}',
  'return 0x10 + 010',
  'return "10" + 5',
  'return "10" .. 5',
  'return 1e308 * 10 == math.huge',
  'local a, b = math.frexp(8) return {a * 100, b}',
  'return math.ldexp(1, 10)',
  'return {math.abs(-2), math.exp(0), math.log(1), math.log10(1000), math.pow(2, 10)}',
  'local s = 0 for i = 1, 10, 3 do s = s + i end return s',
  'local s = 0 for i = 10, 1, -1 do s = s + i end return s',
  'local t = setmetatable({}, {__index = function(_, k) return k .. "!" end}) return t.x',
  'local t = setmetatable({}, {__tostring = function() return "T" end}) return tostring(t)',
  'return loadstring("return 1 + 1")()',
  'return {loadstring("syntax error here")}',
  'return type(loadstring("return 1"))',
  'local f = function(...) return select("#", ...) end return f(nil, nil)',
  'local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end return fib(20)',
  'local t = {} for i = 1, 1000 do t[i] = i end return #t',
  'return #string.rep("x", 100000)',
  'return string.format("%s", 1e100)',
  'return tostring(2^31) .. " " .. tostring(-2^31) .. " " .. tostring(2^32)',
  'return {string.byte("é", 1, -1)}',
  'return string.char(104, 105)',
  'return {string.find("abc", "(b)(c)")}',
  'return ({pcall(string.rep)})[2]',
];

// 1d. bit, struct, cmsgpack, cjson
const LIBRARIES: string[] = [
  'return {bit.tobit(0xffffffff), bit.tobit(2^32 + 5), bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(5, 3)}',
  'return {bit.bnot(0), bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-256, 4)}',
  'return {bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678), bit.bswap(1)}',
  'return {bit.tohex(255), bit.tohex(-1), bit.tohex(-1, -4), bit.tohex(0x1234, 2), bit.tohex(0x1234, 8)}',
  'return {bit.tohex(2^32 + 5), bit.tohex(1.5), bit.band(-1), bit.band()}',
  'return bit.band("a")',
  'return {bit.arshift(0x80000000, 31), bit.rshift(0x80000000, 31), bit.lshift(3, -1)}',
  'return struct.pack(">I2", 258)',
  'return {struct.unpack(">I2", "\\1\\2")}',
  'return {struct.unpack("<I2", "\\1\\2")}',
  'return struct.size(">bBhHiIlLfd")',
  'return struct.size("i1i2i4i8")',
  'return {struct.size("!4 b i4"), struct.size("b i4"), struct.size("!8 b d")}',
  'return struct.pack("<d", 1.5)',
  'return struct.pack(">f", -2.25)',
  'return {struct.unpack("<i4", struct.pack("<i4", -2))}',
  'return struct.pack("c5s", "abcdefg", "zz")',
  'return {struct.unpack(">s", "hello\\0rest")}',
  'return {struct.unpack("c3", "abcdef")}',
  'return {struct.unpack("c0", "abcdef")}',
  'return {struct.unpack("bc0", "\\3abcdef")}',
  'return struct.pack(">lL", -1, 2^40)',
  'return {struct.unpack(">lL", struct.pack(">lL", -5, 2^40))}',
  'return {struct.unpack("!4 b i4", struct.pack("!4 b i4", 1, 7))}',
  'return {struct.unpack(">I4", "ab")}',
  'return struct.pack("i17", 1)',
  'return struct.pack("q", 1)',
  'return {struct.unpack("<h", "\\255\\255")}',
  'return {struct.unpack(">b", "\\200", 1)}',
  'return {struct.unpack(">B", "ab", 2)}',
  'return struct.pack(">x b", 1)',
  'return cmsgpack.pack({1, 2, 3})',
  'return cmsgpack.pack({a = 1})',
  'return {cmsgpack.pack(1.5), cmsgpack.pack(0.1), cmsgpack.pack(-1), cmsgpack.pack(-33), cmsgpack.pack(-129)}',
  'return {cmsgpack.pack(-32769), cmsgpack.pack(-2^31 - 1), cmsgpack.pack(2^32), cmsgpack.pack(2^53), cmsgpack.pack(127)}',
  'return {cmsgpack.pack(128), cmsgpack.pack(255), cmsgpack.pack(256), cmsgpack.pack(65536), cmsgpack.pack(3.0)}',
  'return {cmsgpack.pack(1/0), cmsgpack.pack(-1/0), cmsgpack.pack(-0.0)}',
  'return {#cmsgpack.pack(string.rep("x", 31)), #cmsgpack.pack(string.rep("x", 40)), #cmsgpack.pack(string.rep("x", 300))}',
  'return string.sub(cmsgpack.pack(string.rep("x", 70000)), 1, 5)',
  'return cmsgpack.pack(true, false, nil)',
  'return cmsgpack.pack({1, {2, {3, {4}}}})',
  'return cmsgpack.pack({1, 2, nil, 4})',
  'local t = {} for i = 1, 20 do t[i] = i end return cmsgpack.pack(t)',
  'local t = {} for i = 1, 20 do t["k" .. i] = i end return #cmsgpack.pack(t)',
  'return cmsgpack.pack({})',
  'return cjson.encode(cmsgpack.unpack(cmsgpack.pack({1, "a", {2, 3}, 3.5, -7, true})))',
  'local t = cmsgpack.unpack(cmsgpack.pack({x = {y = {z = "deep"}}})) return t.x.y.z',
  'return {cmsgpack.unpack("\\147\\1\\2\\3")}',
  'return cjson.encode(cmsgpack.unpack("\\129\\161a\\1"))',
  'return tostring(cmsgpack.unpack("\\203\\63\\248\\0\\0\\0\\0\\0\\0"))',
  'return tostring(cmsgpack.unpack("\\202\\63\\192\\0\\0"))',
  'return {cmsgpack.unpack("\\1\\2\\3")}',
  'return {cmsgpack.unpack("\\255\\224\\208\\128\\209\\255\\0")}',
  'return {cmsgpack.unpack("\\207\\0\\0\\0\\1\\0\\0\\0\\0")}',
  'return {cmsgpack.unpack("\\211\\255\\255\\255\\255\\255\\255\\255\\255")}',
  'return {cmsgpack.unpack("\\192\\194\\195")}',
  'return {cmsgpack.unpack("\\196\\3abc")}',
  'return {cmsgpack.unpack("\\193")}',
  'return {cmsgpack.unpack("\\146\\1")}',
  'return {cmsgpack.unpack("")}',
  'return {cmsgpack.unpack_one("\\1\\2\\3")}',
  'return {cmsgpack.unpack_one("\\1\\2\\3", 1)}',
  'return {cmsgpack.unpack_limit("\\1\\2\\3", 2)}',
  'return {cmsgpack.unpack_limit("\\1\\2\\3", 2, 2)}',
  'local s = string.rep("y", 70000) return #cmsgpack.unpack(cmsgpack.pack(s))',
  'return tostring(cmsgpack.unpack(cmsgpack.pack(0.1)))',
  'return cmsgpack.unpack(cmsgpack.pack(-2^40)) == -2^40',
  'return cmsgpack.pack(function() end)',
  'return cmsgpack.pack()',
  'return cjson.encode({1, 2, 3})',
  'return cjson.encode({})',
  'return cjson.encode({a = {b = {1, 2}}})',
  'return {cjson.encode(0.1), cjson.encode(1/3), cjson.encode(1e300), cjson.encode(-0), cjson.encode(100)}',
  'return {cjson.encode(2^53), cjson.encode(1e20), cjson.encode(123456789.123)}',
  'return cjson.encode("\\"quote\\\\ \\n \\1 \\127 é /")',
  'return cjson.encode(cjson.null)',
  'return cjson.encode({cjson.null, 1})',
  'return cjson.encode({[1] = 1, [3] = 3})',
  'return cjson.encode({[1] = 1, [20] = 2})',
  'return cjson.encode({[1] = 1, x = 2})',
  'return cjson.encode(function() end)',
  'return cjson.encode(1/0)',
  'return cjson.encode(0/0)',
  'return cjson.encode(true, false)',
  'return cjson.encode()',
  'local t = {} local c = t for i = 1, 1100 do c[1] = {} c = c[1] end return cjson.encode(t)',
  'return cjson.decode("[1,2,3]")',
  'return cjson.encode(cjson.decode("{\\"a\\":[1,2,{\\"b\\":null}]}"))',
  'return cjson.decode("\\"\\\\u00e9\\\\u4e2d\\\\ud83d\\\\ude00\\"")',
  'return cjson.decode("\\"\\\\ud800\\"")',
  'return {type(cjson.decode("null")), tostring(cjson.decode("null") == cjson.null)}',
  'return type(cjson.null)',
  'return cjson.decode("{\\"a\\":1")',
  'return cjson.decode("")',
  'return cjson.decode("[1,2,]")',
  'return cjson.decode("nul")',
  'return cjson.decode("[1] x")',
  'return cjson.decode(5)',
  'return tostring(cjson.decode("0.1"))',
  'return tostring(cjson.decode("123456789012345678901"))',
  'return tostring(cjson.decode("-0"))',
  'return {tostring(cjson.decode("1E400")), tostring(cjson.decode("0x10"))}',
  'local t = cjson.decode("{\\"1\\":2}") return {type(next(t)), t["1"]}',
  'return cjson.decode("{\\"a\\":true,\\"b\\":false}").a',
  'return cjson.encode(cjson.decode("[]"))',
  'return cjson.encode(cjson.decode("{}"))',
  'return cjson.decode(string.rep("[", 1100) .. string.rep("]", 1100))',
  'return cjson.encode({"\\0", "\\r\\n\\t"})',
  'return cjson.decode("\\"\\\\/\\\\b\\\\f\\\\n\\\\r\\\\t\\"")',
];

// 1e. Globals protection and what exists
const LIB_NAMES = ['string', 'table', 'math', 'redis', 'bit', 'struct', 'cmsgpack', 'cjson', 'coroutine'];
const GLOBALS: string[] = [
  'a = 5',
  'return undefined_var',
  'function f() end',
  'redis.call = nil',
  'redis.newfield = 1',
  'string.foo = 1',
  'math.randomseed = nil',
  'local s = string s.len = nil',
  'rawset(_G, "x", 1)',
  '_G.x = 1',
  'setmetatable(_G, nil)',
  'return type(getmetatable(_G))',
  'local t = setmetatable({}, {}) t.x = 1 return t.x',
  'local t = {} t.x = 1 return t.x',
  'return rawget(_G, "nope") == nil',
  'redis = nil',
  '_G = nil',
  'local t = {} setmetatable(t, {__newindex = function() error("no!") end}) t.a = 1',
  'return pcall(function() x = 1 end)',
  'return {pcall(function() x = 1 end)}',
  'return {pcall(function() return nope end)}',
  'local r = {} for _, n in ipairs({"print", "loadfile", "dofile", "os", "io", "require", "package", "debug", ' +
    '"loadstring", "load", "newproxy", "module", "getfenv", "setfenv", "gcinfo", "collectgarbage", ' +
    '"rawequal", "unpack", "_G", "KEYS", "ARGV", "__redis__err__handler", "bit", "struct", "cjson", ' +
    '"cmsgpack", "coroutine"}) do r[#r + 1] = n .. "=" .. type(rawget(_G, n)) end return r',
  'local k = {} for n in pairs(_G) do k[#k + 1] = n end table.sort(k) return k',
  ...LIB_NAMES.map(
    (lib) =>
      `local k = {} for n, v in pairs(${lib}) do k[#k + 1] = n .. ":" .. type(v) end table.sort(k) return k`,
  ),
  'return tostring(KEYS ~= nil) .. tostring(ARGV ~= nil)',
  'return {#KEYS, #ARGV}',
  'KEYS[1] = "x" return KEYS[1]',
  'KEYS = {} return 1',
  'return type(print)',
  'return type(os)',
  'return os.time()',
  'return io.write("x")',
  'return type(loadfile)',
  'return dofile("/etc/passwd")',
  'return type(debug)',
  'return loadstring("x = 1")()',
  'local f = loadstring("return _G") return type(f())',
  'local env = {} local f = loadstring("y = 2 return y") setfenv(f, env) return {f(), env.y}',
  'return getfenv(1) == _G',
  'return type(require)',
  'return collectgarbage("count") > 0',
];

// 1f. math.random
const RANDOM: Case[] = [
  {
    name: 'math.random across EVALs',
    steps: [
      EV('return {tostring(math.random()), math.random(100), math.random(5, 10)}'),
      EV('return {tostring(math.random()), math.random(100), math.random(5, 10)}'),
      EV('return {math.random(1000000), math.random(1000000)}'),
    ],
  },
  {
    name: 'math.randomseed',
    steps: [
      EV('math.randomseed(42) return {math.random(1000), math.random(1000), tostring(math.random())}'),
      EV('math.randomseed(42) return {math.random(1000), math.random(1000), tostring(math.random())}'),
      EV('return {math.random(1000), math.random(1000)}'),
      EV('math.randomseed(0) return math.random(2^31)'),
      EV('return math.random(0)'),
      EV('return math.random(3, 1)'),
      EV('return math.random(1, 2, 3)'),
    ],
  },
  {
    name: 'one math.random generator for EVAL and functions',
    steps: [
      [
        'FUNCTION',
        'LOAD',
        'REPLACE',
        '#!lua name=rndlib\n' +
          "redis.register_function('rnd', function() return math.random(1000) end)\n" +
          "redis.register_function('seed', function() math.randomseed(5) return math.random(1000) end)",
      ],
      EV('math.randomseed(7) return math.random(1000)'),
      ['FCALL', 'rnd', '0'],
      EV('return math.random(1000)'),
      ['FCALL', 'seed', '0'],
      EV('return math.random(1000)'),
      ['FCALL', 'rnd', '0'],
      ['FUNCTION', 'DELETE', 'rndlib'],
    ],
  },
];

// 1g. The redis table
const REDIS_TABLE: string[] = [
  'return redis.sha1hex("")',
  'return redis.sha1hex("abc")',
  'return redis.sha1hex(123)',
  'return redis.sha1hex()',
  'return redis.sha1hex("a", "b")',
  'return redis.sha1hex({})',
  'return redis.REDIS_VERSION',
  'return redis.REDIS_VERSION_NUM',
  'return redis.log(redis.LOG_WARNING, "hello from a differential test")',
  'return {redis.log(redis.LOG_NOTICE, "a", "b", 1)}',
  'return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}',
  'redis.log()',
  'redis.log("x")',
  'redis.log(99, "x")',
  'redis.log(redis.LOG_WARNING)',
  'return {redis.REPL_ALL, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_NONE}',
  'return redis.replicate_commands()',
  'return redis.set_repl(redis.REPL_ALL)',
  'redis.set_repl(99)',
  'redis.set_repl()',
  'return redis.acl_check_cmd("set", "k", "v")',
  'return redis.acl_check_cmd("nosuch")',
  'return redis.acl_check_cmd()',
  'return redis.breakpoint()',
  'return redis.debug("x")',
  'return type(redis.setresp)',
  'return redis.status_reply()',
  'return redis.error_reply()',
  'return redis.error_reply(5)',
  'return type(redis.status_reply("x"))',
  'return redis.status_reply("x").ok',
  'return redis.error_reply("E x").err',
];

// 1h. redis.call: arguments, errors, pcall
const CALLS: Case[] = [
  ...[
    'return redis.call()',
    'return redis.call({})',
    'return redis.call("set", {}, "x")',
    'return redis.call("set", "k", nil)',
    'return redis.call("set", nil, "k")',
    'return redis.call("set", "k", true)',
    'return redis.call(1)',
    'return redis.call("get")',
    'return redis.call("set", "k")',
    'return redis.call("nosuchcmd")',
    'return redis.call("nosuchcmd", "a", "b")',
    'return redis.call("eval", "return 1", "0")',
    'return redis.call("evalsha", "0123456789012345678901234567890123456789", "0")',
    'return redis.call("script", "load", "return 1")',
    'return redis.call("multi")',
    'return redis.call("exec")',
    'return redis.call("watch", "k")',
    'return redis.call("subscribe", "ch")',
    'return redis.call("psubscribe", "ch*")',
    'return redis.call("monitor")',
    'return redis.call("client", "list")',
    'return redis.call("function", "load", "#!lua name=x\\nredis.register_function(\'x\', function() end)")',
    'return redis.call("fcall", "x", "0")',
    'return redis.call("blpop", "empty", "0")',
    'return redis.call("wait", "0", "0")',
    'return redis.call("save")',
    'return redis.call("shutdown")',
    'return redis.call("debug", "sleep", "0")',
    'return redis.call("hello", "3")',
    'return redis.call("auth", "x")',
    'return redis.call("reset")',
    'return redis.call("quit")',
    'return redis.call("SeT", "mixed", "case")',
    'return redis.call("config", "get", "busy-reply-threshold")',
    'return redis.call("set", "k", "v", "ex", "-1")',
    'return redis.call("set", "k", "v", "bogus")',
    'redis.call("set", "str", "a") return redis.call("incr", "str")',
    'redis.call("set", "str", "a") return pcall(redis.call, "incr", "str")',
    'redis.call("set", "str", "a") local ok, e = pcall(redis.call, "incr", "str") return {tostring(ok), type(e), tostring(e)}',
    'redis.call("set", "str", "a") local ok, e = pcall(redis.call, "incr", "str") return type(e) == "table" and e.err or e',
    'local ok, e = pcall(redis.call, "nosuch") return {tostring(ok), type(e) == "table" and e.err or e}',
    'local ok, e = pcall(redis.call) return {tostring(ok), type(e) == "table" and e.err or e}',
    'redis.call("set", "str", "a") local r = redis.pcall("incr", "str") return {type(r), r.err}',
    'redis.call("set", "str", "a") return redis.pcall("incr", "str")',
    'return redis.pcall("nosuch")',
    'return redis.pcall("get")',
    'return redis.pcall()',
    'return redis.pcall({})',
    'return redis.pcall("eval", "return 1", "0")',
    'return {redis.pcall("set", "k", "v"), redis.pcall("get", "k")}',
    'return redis.call("lpush", "l", "a", "b", "c")',
    'redis.call("rpush", "l", "a", "b") return redis.call("lrange", "l", "0", "-1")',
    'redis.call("hset", "h", "f", "1") return redis.call("hincrbyfloat", "h", "f", "0.5")',
    'return redis.call("set", "k", "v", "get")',
    'return redis.call("object", "encoding", "nokey")',
    'return redis.call("type", "nokey")',
    'return #redis.call("time")',
    'return redis.call("dbsize")',
  ].map((s, i) => ({ name: `redis.call #${i + 1}`, steps: [EV(s)] })),
  ...(
    [
      ['0.1', '0.1'],
      ['3.0', '3.0'],
      ['1/3', '1/3'],
      ['1e20', '1e20'],
      ['-0.0', '-0.0'],
      ['2^53', '2^53'],
      ['2^63', '2^63'],
      ['-2^63', '-2^63'],
      ['1/0', '1/0'],
      ['-1/0', '-1/0'],
      ['0/0', '0/0'],
      ['123456789', '123456789'],
      ['1e15', '1e15'],
      ['1e16', '1e16'],
      ['-1.5', '-1.5'],
      ['100000000000000000000000', 'huge'],
    ] as const
  ).map(([expr, label]) => ({
    name: `number argument ${label}`,
    steps: [
      EV(`return redis.call("set", "n", ${expr})`),
      ['GET', 'n'],
      EV(`return redis.call("echo", ${expr})`),
    ],
  })),
  {
    name: 'KEYS and ARGV',
    steps: [
      EK('return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}', ['k1', 'k2'], ['a1', 'a2']),
      EK('return {KEYS[1], ARGV[1]}', [], ['a', 'b']),
      EK('return redis.call("set", KEYS[1], ARGV[1])', ['k'], ['v']),
      ['GET', 'k'],
      EK('return ARGV', [], ['', 'x\r\ny', '\u00e9']),
      EK('return type(ARGV[1])', [], ['12']),
    ],
  },
];

// 1i. Errors and compile errors
const ERRORS: string[] = [
  'error("x")',
  'error("x", 0)',
  'error("x", 2)',
  'error({err = "X y"})',
  'error({err = "MYERR"})',
  'error({err = "ERR already prefixed"})',
  'error({err = ""})',
  'error(nil)',
  'error()',
  'error(123)',
  // error() of a table without an err field (error({}), error({ok = 'x'}), error(redis.status_reply('S')))
  // is left out: it crashes redis-server 7.0.15
  'error(true)',
  'error(redis.error_reply("E from reply"))',
  'local function a() error("deep") end local function b() a() end b()',
  'local function a() local t = nil return t.x end local function b() return a() end return b()',
  'return 1 + {}',
  'return "a" + 1',
  'return #nil',
  'return nosuchfunc()',
  'local t = {} return t.x.y',
  'return ("x"):nosuch()',
  'return string.rep()',
  'local t = {} return t()',
  'return 1 < "2"',
  'assert(false)',
  'assert(false, "custom assert")',
  'assert(nil, {err = "ASSERT table"})',
  'return 1 +',
  'retun 1',
  'local x = = 1',
  'return "unclosed',
  'for i = 1 do end',
  'return }',
  'local function f() return 1 end end',
  'return 1\n\n\nerror("line four")',
  'goto x',
  'local t = {} t[nil] = 1',
  'return string.rep("x", -1)',
  'return select(0, 1)',
  'return table.concat({1, {}, 3})',
  'return setmetatable(1, {})',
  'return tostring()',
  'return ("%d"):format("abc")',
  'local x = {} for i = 1, 300 do x[i] = "local v" .. i .. " = " .. i end return loadstring(table.concat(x, "\\n"))',
  'local function r(n) return r(n + 1) + 1 end return r(1)',
  'return string.format("%", 1)',
];

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
const SHA_ONE = sha1('return 1');
const SHA_TWO = sha1('return 2');
const SHA_UNKNOWN = sha1('never loaded');
const SHA_LOADED = sha1('return "loaded"');
const SHA_RO_WRITER = sha1('return redis.call("set", KEYS[1], "y")');
const SHA_RO_READER = sha1('return redis.call("get", KEYS[1])');
const SHA_REPL = sha1('return redis.call("set", KEYS[1], "via evalsha")');
const SCRIPT_CASES: Case[] = [
  {
    name: 'command lookup from a script: unknown commands and subcommands, arities',
    steps: [
      ['EVAL', "return redis.pcall('nosuchcommand')", '0'],
      ['EVAL', "return redis.pcall('object', 'encoding')", '0'],
      ['EVAL', "return redis.pcall('object', 'bogus')", '0'],
      ['EVAL', "return redis.pcall('object', 'encoding', 'k')", '0'],
      ['EVAL', "return redis.pcall('config', 'bogus')", '0'],
      ['EVAL', "return redis.pcall('config', 'get')", '0'],
      ['EVAL', "return redis.pcall('client', 'setname')", '0'],
      ['EVAL', "return redis.pcall('client', 'bogus')", '0'],
      ['EVAL', "return redis.pcall('get')", '0'],
    ],
  },
  {
    name: 'EVAL numkeys',
    steps: [
      ['EVAL', 'return 1', 'abc'],
      ['EVAL', 'return 1', '-1'],
      ['EVAL', 'return 1', '2', 'k1'],
      ['EVAL', 'return 1', '1.5', 'k'],
      ['EVAL', 'return 1', ''],
      ['EVAL', 'return 1', '99999999999999999999'],
      ['EVAL', 'return 1'],
      ['EVAL'],
      ['EVAL', 'return #KEYS', '3', 'a', 'b', 'c'],
      ['EVAL', 'return #KEYS', '+1', 'a'],
      ['EVAL', 'return #KEYS', ' 1', 'a'],
      ['EVAL', 'return #KEYS', '01', 'a'],
      ['EVAL', '', '0'],
      ['EVAL', ' ', '0'],
      ['EVAL', 'return 1', '0', 'extra', 'args'],
    ],
  },
  {
    name: 'SCRIPT LOAD / EXISTS / EVALSHA',
    steps: [
      ['SCRIPT', 'FLUSH'],
      ['SCRIPT', 'LOAD', 'return 1'],
      ['SCRIPT', 'LOAD', 'return 1'],
      ['SCRIPT', 'LOAD', 'return +'],
      ['SCRIPT', 'LOAD'],
      ['SCRIPT', 'LOAD', 'a', 'b'],
      ['SCRIPT', 'EXISTS', SHA_ONE, SHA_UNKNOWN, 'nope'],
      ['SCRIPT', 'EXISTS', SHA_ONE.toUpperCase()],
      ['SCRIPT', 'EXISTS'],
      ['EVALSHA', SHA_ONE, '0'],
      ['EVALSHA', SHA_ONE.toUpperCase(), '0'],
      ['EVALSHA', SHA_UNKNOWN, '0'],
      ['EVALSHA', SHA_ONE.slice(0, 39), '0'],
      ['EVALSHA', SHA_ONE + 'b', '0'],
      ['EVALSHA', 'short', '0'],
      ['EVALSHA', SHA_ONE, 'x'],
      ['EVALSHA', SHA_ONE],
      ['EVAL', 'return 2', '0'],
      ['SCRIPT', 'EXISTS', SHA_TWO],
      ['EVALSHA', SHA_TWO, '0'],
      ['SCRIPT', 'FLUSH'],
      ['SCRIPT', 'EXISTS', SHA_ONE, SHA_TWO],
      ['EVALSHA', SHA_ONE, '0'],
      ['SCRIPT', 'LOAD', 'return 1'],
      ['SCRIPT', 'FLUSH', 'ASYNC'],
      ['SCRIPT', 'FLUSH', 'SYNC'],
      ['SCRIPT', 'FLUSH', 'async'],
      ['SCRIPT', 'FLUSH', 'BOGUS'],
      ['SCRIPT', 'FLUSH', 'ASYNC', 'SYNC'],
      ['SCRIPT', 'HELP'],
      ['SCRIPT', 'help'],
      ['SCRIPT', 'BOGUS'],
      ['SCRIPT'],
      ['SCRIPT', 'KILL'],
      ['SCRIPT', 'KILL', 'x'],
      // Not compared: tsredis has no Lua debugger and refuses every SCRIPT DEBUG mode (documented)
      { cmd: ['SCRIPT', 'DEBUG', 'NO'], ignore: true },
      ['SCRIPT', 'DEBUG', 'BOGUS'],
    ],
  },
  {
    name: 'shebang flags',
    steps: [
      EV('#!lua flags=no-writes\nreturn redis.call("set", "k", "v")'),
      EV('#!lua flags=no-writes\nreturn redis.call("get", "k")'),
      EV('#!lua flags=allow-oom\nreturn redis.call("set", "k", "v")'),
      EV('#!lua flags=no-writes,allow-stale\nreturn 1'),
      EV('#!lua flags=no-cluster\nreturn 1'),
      EV('#!lua flags=allow-cross-slot-keys\nreturn 1'),
      EV('#!lua flags=bogus\nreturn 1'),
      EV('#!lua flags=no-writes,bogus\nreturn 1'),
      EV('#!lua name=x\nreturn 1'),
      EV('#!lua bogus\nreturn 1'),
      EV('#!python\nreturn 1'),
      EV('#!\nreturn 1'),
      EV('#!lua'),
      EV('#!lua flags=no-writes'),
      EV('#!lua\nreturn redis.call("set", "k", "v")'),
      EV('#!lua flags=\nreturn 1'),
      EV('#!lua  flags=no-writes\nreturn 2'),
      EV('#!lua flags=no-writes flags=allow-oom\nreturn 3'),
      EV('#!lua flags=no-writes\r\nreturn 4'),
      EV('#!lua flags=no-writes\nreturn redis.call("eval_ro", "return 1", "0")'),
      EV('#!LUA\nreturn 5'),
      EV('#lua\nreturn 6'),
      EV(' #!lua\nreturn 7'),
      EV('#!lua flags=no-writes\nreturn redis.call("expire", "k", "10")'),
      EV('#!lua flags=no-writes\nreturn redis.pcall("set", "k", "v")'),
      EV('#!lua flags=no-writes\nreturn redis.call("publish", "ch", "m")'),
      EV('#!lua\nerror("shebang line numbers")'),
    ],
  },
  {
    name: 'EVAL_RO and EVALSHA_RO',
    steps: [
      ['SET', 'k', 'v'],
      ['EVAL_RO', 'return redis.call("get", KEYS[1])', '1', 'k'],
      ['EVAL_RO', 'return redis.call("set", KEYS[1], "x")', '1', 'k'],
      ['EVAL_RO', 'return redis.pcall("set", KEYS[1], "x")', '1', 'k'],
      ['EVAL_RO', '#!lua flags=no-writes\nreturn 1', '0'],
      ['EVAL_RO', '#!lua\nreturn 1', '0'],
      ['EVAL_RO', '#!lua\nreturn redis.call("set", "k", "y")', '0'],
      ['EVAL_RO', 'return 1'],
      ['SCRIPT', 'LOAD', 'return redis.call("set", KEYS[1], "y")'],
      ['SCRIPT', 'LOAD', 'return redis.call("get", KEYS[1])'],
      ['EVALSHA_RO', SHA_RO_WRITER, '1', 'k'],
      ['EVALSHA_RO', SHA_RO_READER, '1', 'k'],
      ['EVALSHA', SHA_RO_READER, '1', 'k'],
      ['EVALSHA_RO', '0000000000000000000000000000000000000000', '0'],
      ['GET', 'k'],
    ],
  },
];

// ---------------------------------------------------------------------------------------------------
// Servers shared by the sections 1-3

let P: Pair;
/** Everything started by this file, stopped at the end whatever happened. */
const started: RunningServer[] = [];

async function startPair(extra: string[] = [], dirs: [string?, string?] = []): Promise<Pair> {
  const [R, T] = await Promise.all([
    startRedis(extra, dirs[0]),
    startTsredis(['--save', '', '--appendonly', 'no', ...extra], dirs[1]),
  ]);
  started.push(R, T);
  return { R, T };
}

beforeAll(async () => {
  P = await startPair();
});

afterAll(async () => {
  const all = started.splice(0);
  await Promise.all(all.map((s) => s.stop('SIGKILL')));
  for (const s of all) fs.rmSync(s.dir, { recursive: true, force: true });
});

async function runGroup(name: string, cases: Case[], setup?: Arg[][]): Promise<void> {
  const diffs = new Diffs();
  await runCases(P, cases, diffs, setup);
  diffs.assertNone(name);
}

// ---------------------------------------------------------------------------------------------------
// 1. EVAL

describe('EVAL: replies and Lua semantics, byte for byte', () => {
  test('return values over RESP2', () => runGroup('returns RESP2', returnCases(false)));
  test('return values over RESP3 (HELLO 3)', () => runGroup('returns RESP3', returnCases(true)));
  test('redis.setresp(3) and RESP3 replies seen by scripts, RESP2 client', () =>
    runGroup('setresp RESP2', setrespCases(false), RESP3_DATA));
  test('redis.setresp(3) and RESP3 replies seen by scripts, RESP3 client', () =>
    runGroup('setresp RESP3', setrespCases(true), RESP3_DATA));
  test('Lua 5.1 semantics', () => runGroup('Lua 5.1', snippets('lua51', LUA51)));
  test('bit, struct, cmsgpack, cjson', () => runGroup('libraries', snippets('lib', LIBRARIES)));
  test('globals protection and the globals that exist', () =>
    runGroup('globals', snippets('globals', GLOBALS)));
  test('math.random across EVALs and after randomseed', () => runGroup('random', RANDOM));
  test('the redis table', () => runGroup('redis table', snippets('redis.*', REDIS_TABLE)));
  test('redis.call arguments, errors and pcall', () => runGroup('redis.call', CALLS));
  test('errors raised by scripts and compile errors', () => runGroup('errors', snippets('error', ERRORS)));
  test('numkeys, EVALSHA, SCRIPT, shebangs, EVAL_RO', () => runGroup('script commands', SCRIPT_CASES));
});

// ---------------------------------------------------------------------------------------------------
// 2. Transactions, WATCH, SELECT, blocking commands, time

describe('scripts with transactions, databases, blocking commands and time', () => {
  test('MULTI/EXEC with EVAL, EVALSHA and SCRIPT', () =>
    runGroup('MULTI', [
      {
        name: 'EVAL queued in MULTI',
        steps: [
          ['MULTI'],
          EV('return redis.call("set", "k", "1")'),
          EV('return redis.call("incr", "k")'),
          EV('return redis.call("nosuch")'),
          ['EVAL', 'return 1', 'notanumber'],
          ['EVALSHA', '0000000000000000000000000000000000000000', '0'],
          ['SCRIPT', 'LOAD', 'return "loaded"'],
          ['EVALSHA', SHA_LOADED, '0'],
          EV('return {double = 1.5}'),
          ['EXEC'],
          ['GET', 'k'],
        ],
      },
      {
        name: 'compile error in MULTI',
        steps: [['MULTI'], EV('return +'), ['EXEC']],
      },
      {
        name: 'EVAL with wrong arity in MULTI aborts EXEC',
        steps: [['MULTI'], ['EVAL', 'return 1'], ['EXEC']],
      },
      {
        name: 'a script calling MULTI-incompatible commands in MULTI',
        steps: [['MULTI'], EV('return redis.call("blpop", "empty", "0")'), ['EXEC']],
      },
      {
        name: 'SELECT inside a script does not change the caller',
        steps: [
          EV('redis.call("select", "1") redis.call("set", "k", "db1") return redis.call("get", "k")'),
          ['GET', 'k'],
          ['SELECT', '1'],
          ['GET', 'k'],
          EV('return redis.call("get", "k")'),
          EV('redis.call("select", "0") return redis.call("get", "k")'),
          ['GET', 'k'],
          EV('return redis.call("select", "99")'),
          ['DEL', 'k'],
          ['SELECT', '0'],
        ],
      },
      {
        name: 'blocking commands inside scripts return at once',
        steps: [
          EV('return redis.call("blpop", "empty", "0")'),
          EV('return redis.call("brpop", "empty", "10")'),
          EV('return redis.call("brpoplpush", "empty", "dst", "0")'),
          EV('return redis.call("blmove", "empty", "dst", "left", "right", "0")'),
          EV('return redis.call("bzpopmin", "emptyz", "0")'),
          EV('return redis.call("blmpop", "0", "1", "empty", "left")'),
          ['RPUSH', 'full', 'a', 'b'],
          EV('return redis.call("blpop", "full", "0")'),
          EV('return redis.call("blpop", "empty", "full", "0")'),
          EV('return redis.call("blpop", "empty", "-1")'),
        ],
      },
      {
        name: 'expiry time frozen during a script',
        steps: [
          EV(
            'redis.call("set", "k", "v", "px", "2") local t = redis.call("time") ' +
              'local start = t[1] * 1000000 + t[2] local n = 0 ' +
              'repeat t = redis.call("time") n = n + 1 until t[1] * 1000000 + t[2] - start > 10000 or n > 10000000 ' +
              'return {redis.call("exists", "k"), redis.call("get", "k")}',
          ),
        ],
      },
    ]));

  test('a script writing a WATCHed key aborts the other client’s EXEC', async () => {
    const diffs = new Diffs();
    const run = async (port: number): Promise<string[]> => {
      const [a, b] = await Promise.all([Conn.open(port), Conn.open(port)]);
      const out: string[] = [];
      const rec = async (c: Conn, cmd: Arg[]): Promise<void> => {
        out.push(`${show(cmd)} -> ${(await c.send(cmd)).raw}`);
      };
      try {
        await rec(a, ['FLUSHALL']);
        await rec(a, ['SET', 'w', 'orig']);
        // A script only reading the key leaves the transaction alone
        await rec(a, ['WATCH', 'w']);
        await rec(a, ['MULTI']);
        await rec(a, ['SET', 'w', 'from-a']);
        await rec(b, EK('return redis.call("get", KEYS[1])', ['w']));
        await rec(a, ['EXEC']);
        // A script writing it (even the same value) aborts it
        await rec(a, ['WATCH', 'w']);
        await rec(a, ['MULTI']);
        await rec(a, ['SET', 'w', 'from-a-2']);
        await rec(b, EK('return redis.call("set", KEYS[1], "from-a")', ['w']));
        await rec(a, ['EXEC']);
        await rec(a, ['GET', 'w']);
        // FCALL too
        await rec(b, [
          'FUNCTION',
          'LOAD',
          'REPLACE',
          '#!lua name=watchlib\nredis.register_function("wr", function(k) return redis.call("incr", k[1]) end)',
        ]);
        await rec(a, ['WATCH', 'n']);
        await rec(a, ['MULTI']);
        await rec(a, ['SET', 'n', '100']);
        await rec(b, ['FCALL', 'wr', '1', 'n']);
        await rec(a, ['EXEC']);
        await rec(a, ['GET', 'n']);
        // A script expiring a watched key (a deletion)
        await rec(a, ['SET', 'e', '1']);
        await rec(a, ['WATCH', 'e']);
        await rec(a, ['MULTI']);
        await rec(a, ['PING']);
        await rec(b, EK('return redis.call("pexpire", KEYS[1], "0")', ['e']));
        await rec(a, ['EXEC']);
        await rec(a, ['FUNCTION', 'DELETE', 'watchlib']);
      } finally {
        a.close();
        b.close();
      }
      return out;
    };
    const [r, t] = [await run(P.R.port), await run(P.T.port)];
    for (let i = 0; i < Math.max(r.length, t.length); i++) diffs.check('WATCH', `step ${i + 1}`, r[i], t[i]);
    diffs.assertNone('WATCH');
  });
});

// ---------------------------------------------------------------------------------------------------
// 3. FUNCTION

const LIB1 =
  '#!lua name=lib1\n' +
  "redis.register_function('f1', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n" +
  "redis.register_function{function_name='f1ro', callback=function(keys, args) return redis.call('get', keys[1]) end, " +
  "flags={'no-writes'}, description='reads a key'}";
const LIB2 =
  '#!lua name=lib2\n' +
  "redis.register_function{function_name='g1', callback=function() return {double=2.5} end, " +
  "flags={'no-writes', 'allow-stale', 'allow-oom', 'no-cluster', 'allow-cross-slot-keys'}}\n" +
  "redis.register_function('g2', function(keys, args) return {#keys, #args, keys[1], args[1]} end)";
const lib = (name: string, body: string): string => `#!lua name=${name}\n${body}`;
const fn = (name: string, ret = '1'): string =>
  `redis.register_function('${name}', function() return ${ret} end)`;

const FUNCTION_SETUP: Arg[][] = [['FUNCTION', 'FLUSH'], ['FLUSHALL']];
const L = (cmd: Arg[]): Step => ({ cmd, norm: normFunctionList });

const FUNCTION_CASES: Case[] = [
  {
    name: 'LOAD, FCALL, FCALL_RO, LIST, STATS, DELETE, FLUSH',
    steps: [
      ['FUNCTION', 'LOAD', LIB1],
      ['FUNCTION', 'LOAD', LIB1],
      ['FUNCTION', 'LOAD', 'REPLACE', LIB1],
      ['FUNCTION', 'LOAD', 'replace', LIB1],
      ['FUNCTION', 'LOAD', LIB2],
      ['FCALL', 'f1', '1', 'k', 'v'],
      ['FCALL', 'f1ro', '1', 'k'],
      ['FCALL_RO', 'f1ro', '1', 'k'],
      ['FCALL_RO', 'f1', '1', 'k', 'v2'],
      ['FCALL', 'g1', '0'],
      ['FCALL', 'g2', '2', 'a', 'b', 'c'],
      ['FCALL', 'G2', '0'],
      ['FCALL', 'nosuch', '0'],
      ['FCALL_RO', 'nosuch', '0'],
      ['FCALL', 'f1', '-1'],
      ['FCALL', 'f1', 'abc'],
      ['FCALL', 'f1', '3', 'k'],
      ['FCALL', 'f1', '1.5', 'k'],
      ['FCALL', 'f1'],
      ['FCALL'],
      L(['FUNCTION', 'LIST']),
      L(['FUNCTION', 'LIST', 'WITHCODE']),
      L(['FUNCTION', 'LIST', 'LIBRARYNAME', 'lib*']),
      L(['FUNCTION', 'LIST', 'LIBRARYNAME', 'lib2', 'WITHCODE']),
      L(['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', '*1']),
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'nomatch'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME'],
      ['FUNCTION', 'LIST', 'BOGUS'],
      L(['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE']),
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'a', 'LIBRARYNAME', 'b'],
      ['FUNCTION', 'STATS'],
      ['FUNCTION', 'STATS', 'x'],
      ['FUNCTION', 'DELETE', 'lib1'],
      ['FUNCTION', 'DELETE', 'lib1'],
      ['FUNCTION', 'DELETE'],
      ['FCALL', 'f1', '1', 'k', 'v'],
      L(['FUNCTION', 'LIST']),
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'FLUSH', 'ASYNC'],
      ['FUNCTION', 'FLUSH', 'SYNC'],
      ['FUNCTION', 'FLUSH', 'BOGUS'],
      ['FUNCTION', 'FLUSH', 'SYNC', 'ASYNC'],
      ['FUNCTION', 'HELP'],
      ['FUNCTION', 'BOGUS'],
      ['FUNCTION'],
      ['FUNCTION', 'KILL'],
      ['FUNCTION', 'DUMP'],
      ['FUNCTION', 'LOAD'],
      ['FUNCTION', 'LOAD', 'REPLACE'],
      ['FUNCTION', 'LOAD', 'BOGUS', LIB1],
      ['FUNCTION', 'LOAD', 'REPLACE', 'REPLACE', LIB1],
    ],
  },
  {
    name: 'FUNCTION LIST and STATS over RESP3',
    resp3: true,
    steps: [
      ['FUNCTION', 'LOAD', LIB1],
      ['FUNCTION', 'LOAD', LIB2],
      L(['FUNCTION', 'LIST']),
      L(['FUNCTION', 'LIST', 'WITHCODE']),
      ['FUNCTION', 'STATS'],
      ['FCALL', 'g1', '0'],
      ['FCALL', 'f1ro', '1', 'nokey'],
    ],
  },
  {
    name: 'LOAD errors',
    steps: [
      ['FUNCTION', 'LOAD', fn('x')],
      ['FUNCTION', 'LOAD', `#!lua\n${fn('x')}`],
      ['FUNCTION', 'LOAD', `#!lua name=a-b\n${fn('x')}`],
      ['FUNCTION', 'LOAD', `#!lua name=\n${fn('x')}`],
      ['FUNCTION', 'LOAD', `#!lua name=ok foo=bar\n${fn('x')}`],
      ['FUNCTION', 'LOAD', `#!lua name=ok flags=no-writes\n${fn('x')}`],
      ['FUNCTION', 'LOAD', `#!lua name=ok name=again\n${fn('x')}`],
      ['FUNCTION', 'LOAD', `#!js name=ok\n${fn('x')}`],
      ['FUNCTION', 'LOAD', `#!LUA name=ok\n${fn('x')}`],
      ['FUNCTION', 'LOAD', '#!lua name=ok'],
      ['FUNCTION', 'LOAD', lib('empty', 'local x = 1')],
      ['FUNCTION', 'LOAD', lib('empty2', '')],
      ['FUNCTION', 'LOAD', lib('c', 'return +')],
      ['FUNCTION', 'LOAD', lib('r', "error('boom')")],
      ['FUNCTION', 'LOAD', lib('r2', "error({err='TABLEERR at load'})")],
      ['FUNCTION', 'LOAD', lib('g', "redis.call('ping')")],
      ['FUNCTION', 'LOAD', lib('g', "redis.pcall('ping')")],
      ['FUNCTION', 'LOAD', lib('g', `x = 1 ${fn('gx')}`)],
      ['FUNCTION', 'LOAD', lib('g', `local v = nosuchglobal ${fn('gx')}`)],
      ['FUNCTION', 'LOAD', lib('g', `local r = math.random() ${fn('gr')}`)],
      ['FUNCTION', 'LOAD', lib('g', `local s = string.len('ab') local c = cjson.encode({1}) ${fn('gs')}`)],
      ['FUNCTION', 'LOAD', lib('g', `redis.log(redis.LOG_NOTICE, 'loading') ${fn('gl')}`)],
      ['FUNCTION', 'LOAD', lib('g', `local v = redis.REDIS_VERSION ${fn('gv', 'v')}`)],
      ['FUNCTION', 'LOAD', lib('g', `redis.setresp(3) ${fn('gp')}`)],
      ['FUNCTION', 'LOAD', lib('g', `local s = redis.sha1hex('x') ${fn('gh')}`)],
      ['FUNCTION', 'LOAD', lib('g', `redis.set_repl(redis.REPL_ALL) ${fn('gq')}`)],
      [
        'FUNCTION',
        'LOAD',
        lib('g', `local e = redis.error_reply('x') local s = redis.status_reply('y') ${fn('ge')}`),
      ],
      ['FUNCTION', 'LOAD', lib('g', `local k = KEYS ${fn('gk')}`)],
      ['FUNCTION', 'LOAD', lib('g', `local t = type(loadstring) ${fn('gt')}`)],
      ['FUNCTION', 'LOAD', lib('g', `string.foo = 1 ${fn('gs2')}`)],
      ['FUNCTION', 'LOAD', lib('g', `local x = redis.math ${fn('gm')}`)],
      L(['FUNCTION', 'LIST']),
      ['FCALL', 'gv', '0'],
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'LOAD', LIB1],
      ['FUNCTION', 'LOAD', lib('lib2', fn('f1'))],
      ['FUNCTION', 'LOAD', 'REPLACE', lib('lib2', fn('f1'))],
      ['FUNCTION', 'LOAD', lib('lib3', `${fn('z')} ${fn('z')}`)],
      ['FUNCTION', 'LOAD', 'REPLACE', lib('lib1', fn('only_one'))],
      ['FCALL', 'f1', '1', 'k', 'v'],
      ['FCALL', 'only_one', '0'],
      L(['FUNCTION', 'LIST']),
    ],
  },
  {
    name: 'register_function forms and errors',
    steps: [
      [
        'FUNCTION',
        'LOAD',
        lib(
          'named',
          "redis.register_function{function_name='n1', callback=function() return 'n1' end, flags={'no-writes', 'allow-oom'}, description='desc'}",
        ),
      ],
      L(['FUNCTION', 'LIST', 'LIBRARYNAME', 'named']),
      ['FCALL_RO', 'n1', '0'],
      [
        'FUNCTION',
        'LOAD',
        lib('e1', "redis.register_function{function_name='x', callback=function() end, flags={'bogus'}}"),
      ],
      [
        'FUNCTION',
        'LOAD',
        lib('e2', "redis.register_function{function_name='x', callback=function() end, flags='no-writes'}"),
      ],
      ['FUNCTION', 'LOAD', lib('e3', "redis.register_function('f')")],
      ['FUNCTION', 'LOAD', lib('e4', 'redis.register_function(1, 2)')],
      ['FUNCTION', 'LOAD', lib('e5', "redis.register_function{function_name='x'}")],
      [
        'FUNCTION',
        'LOAD',
        lib('e6', "redis.register_function{function_name='x', callback=function() end, bogus=1}"),
      ],
      ['FUNCTION', 'LOAD', lib('e7', "redis.register_function('bad name!', function() end)")],
      ['FUNCTION', 'LOAD', lib('e8', 'redis.register_function{}')],
      ['FUNCTION', 'LOAD', lib('e9', 'redis.register_function()')],
      ['FUNCTION', 'LOAD', lib('e10', "redis.register_function('x', function() end, 'extra')")],
      ['FUNCTION', 'LOAD', lib('e11', 'redis.register_function{callback=function() end}')],
      [
        'FUNCTION',
        'LOAD',
        lib('e12', "redis.register_function{function_name='x', callback=function() end, description=5}"),
      ],
      ['FUNCTION', 'LOAD', lib('e13', "redis.register_function{function_name='x', callback='notfn'}")],
      ['FUNCTION', 'LOAD', lib('e14', 'redis.register_function{function_name=5, callback=function() end}')],
      ['FUNCTION', 'LOAD', lib('e15', "redis.register_function('', function() end)")],
      [
        'FUNCTION',
        'LOAD',
        lib('e16', "redis.register_function{function_name='x', callback=function() end, flags={1}}"),
      ],
      ['FUNCTION', 'LOAD', lib('e17', "redis.register_function{'x', function() end}")],
      [
        'FUNCTION',
        'LOAD',
        lib('ok_name_9', "redis.register_function('Under_score9', function() return 9 end)"),
      ],
      ['FCALL', 'Under_score9', '0'],
      ['FCALL', 'under_score9', '0'],
      [
        'FUNCTION',
        'LOAD',
        lib(
          'rt',
          "redis.register_function('rt', function() redis.register_function('inner', function() end) end)",
        ),
      ],
      ['FCALL', 'rt', '0'],
      [
        'FUNCTION',
        'LOAD',
        lib(
          'nw',
          "redis.register_function{function_name='nw', callback=function(k) return redis.call('set', k[1], 'x') end, flags={'no-writes'}}",
        ),
      ],
      ['FCALL', 'nw', '1', 'k'],
      ['FCALL_RO', 'nw', '1', 'k'],
      [
        'FUNCTION',
        'LOAD',
        lib(
          'errs',
          "redis.register_function('boom', function() error('fn boom') end)\n" +
            "redis.register_function('boomt', function() error({err='FNERR from table'}) end)\n" +
            "redis.register_function('glob', function() newglobal = 1 end)\n" +
            "redis.register_function('deny', function() return redis.call('eval', 'return 1', '0') end)\n" +
            "redis.register_function('args', function(keys, args) return {keys, args} end)\n" +
            "redis.register_function('resp3', function() redis.setresp(3) return redis.call('zscore', 'z', 'm') end)\n" +
            "redis.register_function('rnd', function() return math.random(1000) end)",
        ),
      ],
      ['FCALL', 'boom', '0'],
      ['FCALL', 'boomt', '0'],
      ['FCALL', 'glob', '0'],
      ['FCALL', 'deny', '0'],
      ['FCALL', 'args', '2', 'k1', 'k2', 'a1'],
      ['ZADD', 'z', '2.5', 'm'],
      ['FCALL', 'resp3', '0'],
      ['FCALL', 'rnd', '0'],
    ],
  },
];

describe('FUNCTION and FCALL', () => {
  test('LOAD, FCALL, LIST, STATS, DELETE, FLUSH and their errors', () =>
    runGroup('FUNCTION', FUNCTION_CASES, FUNCTION_SETUP));

  test('FUNCTION DUMP from one server, RESTORE on the other (every policy, bad payloads)', async () => {
    const diffs = new Diffs();
    const dumps: Buffer[] = [];
    for (const s of [P.R, P.T]) {
      const c = await Conn.open(s.port);
      for (const cmd of [
        ['FUNCTION', 'FLUSH'],
        ['FUNCTION', 'LOAD', LIB1],
        ['FUNCTION', 'LOAD', LIB2],
      ])
        await c.send(cmd);
      const payload = bulkBytes(await c.send(['FUNCTION', 'DUMP']));
      c.close();
      if (!payload) throw new Error(`FUNCTION DUMP gave no payload on port ${s.port}`);
      dumps.push(payload);
    }
    const [fromR, fromT] = dumps;
    const conflicting = lib('other', fn('f1', '"other"'));
    for (const [label, payload] of [
      ['redis-server payload', fromR],
      ['tsredis payload', fromT],
    ] as const) {
      await runCases(
        P,
        [
          {
            name: `RESTORE of the ${label}`,
            steps: [
              ['FUNCTION', 'RESTORE', payload],
              L(['FUNCTION', 'LIST', 'WITHCODE']),
              ['FCALL', 'f1', '1', 'k', 'restored'],
              ['FCALL', 'g1', '0'],
              // Both libraries exist: which one redis-server names is not deterministic (normClashingLibrary)
              { cmd: ['FUNCTION', 'RESTORE', payload], norm: normClashingLibrary },
              { cmd: ['FUNCTION', 'RESTORE', payload, 'APPEND'], norm: normClashingLibrary },
              ['FUNCTION', 'RESTORE', payload, 'REPLACE'],
              L(['FUNCTION', 'LIST']),
              ['FUNCTION', 'RESTORE', payload, 'FLUSH'],
              L(['FUNCTION', 'LIST']),
              ['FUNCTION', 'RESTORE', payload, 'BOGUS'],
              ['FUNCTION', 'RESTORE', payload, 'REPLACE', 'FLUSH'],
              ['FUNCTION', 'RESTORE'],
              ['FUNCTION', 'FLUSH'],
              ['FUNCTION', 'LOAD', conflicting],
              ['FUNCTION', 'RESTORE', payload],
              ['FUNCTION', 'RESTORE', payload, 'REPLACE'],
              L(['FUNCTION', 'LIST']),
              ['FUNCTION', 'RESTORE', payload, 'FLUSH'],
              L(['FUNCTION', 'LIST']),
              ['FUNCTION', 'FLUSH'],
              ['FUNCTION', 'LOAD', lib('lib1', fn('zz'))],
              ['FUNCTION', 'RESTORE', payload, 'REPLACE'],
              L(['FUNCTION', 'LIST']),
              ['FUNCTION', 'RESTORE', 'garbage'],
              ['FUNCTION', 'RESTORE', ''],
              ['FUNCTION', 'RESTORE', payload.subarray(0, payload.length - 1)],
              [
                'FUNCTION',
                'RESTORE',
                Buffer.concat([payload.subarray(0, 3), Buffer.from('X'), payload.subarray(4)]),
              ],
              L(['FUNCTION', 'LIST']),
            ],
          },
        ],
        diffs,
        FUNCTION_SETUP,
      );
    }
    // DUMP of nothing
    await runCases(
      P,
      [{ name: 'DUMP with no libraries', steps: [['FUNCTION', 'DUMP']] }],
      diffs,
      FUNCTION_SETUP,
    );
    diffs.assertNone('FUNCTION DUMP/RESTORE');
  });

  test('an RDB with functions saved by one server loads in the other', async () => {
    const diffs = new Diffs();
    const libCode = lib(
      'rdblib',
      "redis.register_function{function_name='rdbf', callback=function(k) return redis.call('incr', k[1]) end, description='from rdb'}\n" +
        "redis.register_function{function_name='rdbro', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}}",
    );
    const probe: Step[] = [
      L(['FUNCTION', 'LIST', 'WITHCODE']),
      { cmd: ['FCALL', 'rdbf', '1', 'counter'] },
      { cmd: ['FCALL_RO', 'rdbro', '1', 'counter'] },
      { cmd: ['FUNCTION', 'STATS'] },
    ];
    const transcript = async (port: number, steps: Step[]): Promise<string[]> => {
      const c = await Conn.open(port);
      const out: string[] = [];
      for (const s of steps) out.push((s.norm ?? ((n: Node) => n))(await c.send(s.cmd)).raw);
      c.close();
      return out;
    };
    // The writer saves; a server of the other kind starts on a copy of its dump.rdb
    for (const writer of ['redis', 'tsredis'] as const) {
      const wdir = tmpDir('tsr-diff-rdb-w-');
      const w = writer === 'redis' ? await startRedis([], wdir) : await startTsredis(['--save', ''], wdir);
      started.push(w);
      const save: Step[] = [
        { cmd: ['FUNCTION', 'LOAD', libCode] },
        { cmd: ['SET', 'counter', '41'] },
        { cmd: ['SAVE'] },
      ];
      await transcript(w.port, save);
      const before = await transcript(w.port, probe);
      const rdir = tmpDir('tsr-diff-rdb-r-');
      fs.copyFileSync(path.join(wdir, 'dump.rdb'), path.join(rdir, 'dump.rdb'));
      const r = writer === 'redis' ? await startTsredis(['--save', ''], rdir) : await startRedis([], rdir);
      started.push(r);
      const after = await transcript(r.port, probe);
      // The reader answers as the writer did (the same state: counter 42 after the first FCALL)
      for (let i = 0; i < probe.length; i++) {
        diffs.check(
          `RDB written by ${writer}`,
          `${show(probe[i].cmd)} (one of the two on the other's RDB)`,
          writer === 'redis' ? before[i] : after[i],
          writer === 'redis' ? after[i] : before[i],
        );
      }
      await Promise.all([w.stop('SIGKILL'), r.stop('SIGKILL')]);
    }
    diffs.assertNone('RDB with functions');
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Busy scripts

describe('busy scripts (busy-reply-threshold 100)', () => {
  const LOOP_LIB = lib(
    'looplib',
    "redis.register_function('loop', function() while true do end end)\n" +
      "redis.register_function{function_name='loopro', callback=function() while true do end end, flags={'no-writes'}}",
  );

  /** Sends PING on c until the reply is not PONG (the script became busy), bounded. */
  async function untilBusy(c: Conn): Promise<string> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const n = await c.send(['PING'], 6000);
      if (n.raw !== '+PONG\r\n' || Date.now() > deadline) return n.raw;
      await sleep(10);
    }
  }

  async function flow(s: RunningServer): Promise<[string, string][]> {
    const out: [string, string][] = [];
    const rec = (what: string, v: string): void => {
      out.push([what, v]);
    };
    const [a, b, c] = await Promise.all([Conn.open(s.port), Conn.open(s.port), Conn.open(s.port)]);
    try {
      rec('SCRIPT KILL with nothing running', (await b.send(['SCRIPT', 'KILL'])).raw);
      rec('FUNCTION KILL with nothing running', (await b.send(['FUNCTION', 'KILL'])).raw);
      rec('FUNCTION LOAD', (await b.send(['FUNCTION', 'LOAD', 'REPLACE', LOOP_LIB])).raw);

      // An endless EVAL, killed by SCRIPT KILL
      const looping = a.send(EV('while true do end'), 10000);
      rec('PING while an EVAL is busy', await untilBusy(b));
      rec('GET while busy', (await b.send(['GET', 'x'])).raw);
      rec('EVAL while busy', (await c.send(EV('return 1'))).raw);
      rec('FUNCTION STATS while busy', normDurations(await b.send(['FUNCTION', 'STATS'])).raw);
      rec('FUNCTION KILL on an EVAL', (await b.send(['FUNCTION', 'KILL'])).raw);
      rec('MULTI while busy', (await c.send(['MULTI'])).raw);
      rec('DISCARD while busy', (await c.send(['DISCARD'])).raw);
      rec('SCRIPT KILL on an EVAL', (await b.send(['SCRIPT', 'KILL'])).raw);
      rec('the killed EVAL', (await looping).raw);
      const t0 = Date.now();
      rec('PING after the kill', (await b.send(['PING'], 2000)).raw);
      rec('PING answered within 1 s', String(Date.now() - t0 < 1000));

      // An endless function, killed by FUNCTION KILL
      const fLooping = a.send(['FCALL', 'loop', '0'], 10000);
      rec('PING while a function is busy', await untilBusy(b));
      rec('SCRIPT KILL on a function', (await b.send(['SCRIPT', 'KILL'])).raw);
      rec('FUNCTION STATS while a function is busy', normDurations(await b.send(['FUNCTION', 'STATS'])).raw);
      rec('FUNCTION KILL on a function', (await b.send(['FUNCTION', 'KILL'])).raw);
      rec('the killed function', (await fLooping).raw);
      rec('PING after the function kill', (await b.send(['PING'], 2000)).raw);

      // An endless FCALL_RO and an EVAL_RO with a shebang
      const roLooping = a.send(['FCALL_RO', 'loopro', '0'], 10000);
      rec('PING while FCALL_RO is busy', await untilBusy(b));
      rec('FUNCTION KILL on FCALL_RO', (await b.send(['FUNCTION', 'KILL'])).raw);
      rec('the killed FCALL_RO', (await roLooping).raw);
      const shLooping = a.send(['EVAL_RO', '#!lua flags=no-writes\nwhile true do end', '0'], 10000);
      rec('PING while EVAL_RO is busy', await untilBusy(b));
      rec('SCRIPT KILL on EVAL_RO', (await b.send(['SCRIPT', 'KILL'])).raw);
      rec('the killed EVAL_RO', (await shLooping).raw);

      // After a write the script cannot be killed; SHUTDOWN is refused, SHUTDOWN NOSAVE ends the server
      const unkillable = a.send(EV('redis.call("set", "x", "1") while true do end'), 15000);
      rec('PING while an EVAL that wrote is busy', await untilBusy(b));
      rec('SCRIPT KILL after a write', (await b.send(['SCRIPT', 'KILL'])).raw);
      rec('FUNCTION KILL after a write', (await b.send(['FUNCTION', 'KILL'])).raw);
      rec('SHUTDOWN while busy', (await b.send(['SHUTDOWN'])).raw);
      rec('SHUTDOWN SAVE while busy', (await b.send(['SHUTDOWN', 'SAVE'])).raw);
      rec('SHUTDOWN NOSAVE while busy', (await b.send(['SHUTDOWN', 'NOSAVE'], 5000)).raw);
      rec('the unkillable EVAL', (await unkillable).raw);
      const exited = await waitFor(() => s.proc.exitCode !== null || s.proc.signalCode !== null, 5000, 'exit')
        .then(() => 'exited')
        .catch(() => 'still running');
      rec('the server process', exited);
    } finally {
      a.close();
      b.close();
      c.close();
    }
    return out;
  }

  test('BUSY, SCRIPT KILL, FUNCTION KILL, NOTBUSY, UNKILLABLE, SHUTDOWN', async () => {
    const pair = await startPair(['--busy-reply-threshold', '100']);
    // One at a time: each loop keeps a core busy
    const r = await flow(pair.R);
    const t = await flow(pair.T);
    const diffs = new Diffs();
    for (let i = 0; i < Math.max(r.length, t.length); i++) {
      diffs.check('busy', r[i]?.[0] ?? t[i]?.[0], r[i]?.[1], t[i]?.[1]);
    }
    diffs.assertNone('busy scripts');
  }, 60000);
});

// ---------------------------------------------------------------------------------------------------
// 5. Replication and MONITOR

/** Scripts whose effects must reach replicas exactly (random values and time included). */
const WRITES: Arg[][] = [
  EK('redis.call("set", KEYS[1], "v") return redis.call("incr", KEYS[2])', ['s', 'cnt']),
  EK('return redis.call("incrby", KEYS[1], 10)', ['cnt']),
  EK('return redis.call("lpush", KEYS[1], "a", "b", "c")', ['list']),
  EK(
    'redis.call("hset", KEYS[1], "f1", "1", "f2", "2") return redis.call("hincrbyfloat", KEYS[1], "f1", "0.1")',
    ['hash'],
  ),
  EK('return redis.call("zadd", KEYS[1], 1.5, "m1", 2, "m2")', ['zset']),
  EK('return redis.call("sadd", KEYS[1], "a", "b", "c", "d", "e", "f")', ['set']),
  EK('return redis.call("spop", KEYS[1])', ['set']),
  EK('return redis.call("set", KEYS[1], math.random(1000000000))', ['random']),
  EK('return redis.call("set", KEYS[1], tostring(math.random()))', ['random2']),
  EK('return redis.call("set", KEYS[1], redis.call("time")[1] .. "." .. redis.call("time")[2])', ['time']),
  EK('redis.call("set", KEYS[1], "x") return redis.call("pexpire", KEYS[1], 600000)', ['ttl']),
  EK('redis.call("set", KEYS[1], "x") return redis.call("expire", KEYS[1], 0)', ['expired']),
  EK('return redis.call("srandmember", KEYS[1])', ['set']),
  EK('redis.call("rpush", KEYS[1], 1, 2, 3) return redis.call("rpoplpush", KEYS[1], KEYS[2])', ['l2', 'l3']),
  EK(
    'redis.set_repl(redis.REPL_NONE) redis.call("set", KEYS[1], "not replicated") redis.set_repl(redis.REPL_ALL) ' +
      'return redis.call("set", KEYS[2], "replicated")',
    ['norepl', 'yesrepl'],
  ),
  EK('redis.call("select", 3) return redis.call("set", KEYS[1], "in db3")', ['db3key']),
  EK('redis.call("set", KEYS[1], "partial") return redis.call("incr", KEYS[2])', ['partial', 's']),
  ['EVAL_RO', 'return redis.call("get", KEYS[1])', '1', 's'],
  EK('local n = redis.call("dbsize") return redis.call("set", KEYS[1], n)', ['dbsize']),
  [
    'FUNCTION',
    'LOAD',
    lib(
      'repl',
      "redis.register_function('bump', function(k, a) return redis.call('incrby', k[1], a[1]) end)\n" +
        "redis.register_function('rset', function(k) return redis.call('set', k[1], math.random(1000000)) end)",
    ),
  ],
  ['FCALL', 'bump', '1', 'fcounter', '5'],
  ['FCALL', 'bump', '1', 'fcounter', '7'],
  ['FCALL', 'rset', '1', 'frandom'],
  ['FUNCTION', 'LOAD', lib('gone', fn('gonefn'))],
  ['FUNCTION', 'DELETE', 'gone'],
  ['SCRIPT', 'LOAD', 'return redis.call("set", KEYS[1], "via evalsha")'],
  ['EVALSHA', SHA_REPL, '1', 'viasha'],
  ['SET', 'done', '1'],
];

/** A key's contents read by type (comparable across servers whatever the encoding). */
async function contents(c: Conn, key: string): Promise<string> {
  const reads: Record<string, [Arg[], ((n: Node) => Node)?]> = {
    string: [['GET', key]],
    list: [['LRANGE', key, '0', '-1']],
    hash: [['HGETALL', key], normPairs],
    set: [['SMEMBERS', key], normSet],
    zset: [['ZRANGE', key, '0', '-1', 'WITHSCORES']],
    stream: [['XRANGE', key, '-', '+']],
  };
  const t = (await c.send(['TYPE', key])).raw;
  const read = reads[t.replace(/^\+|\r\n$/g, '')];
  const ttl = (await c.send(['PTTL', key])).raw.startsWith(':-1') ? 'no ttl' : 'ttl';
  if (!read) return `${t} ${ttl}`;
  const n = await c.send(read[0]);
  return `${t} ${ttl} ${(read[1] ?? ((x: Node) => x))(n).raw}`;
}

async function keysOf(c: Conn): Promise<string[]> {
  const n = await c.send(['KEYS', '*']);
  return (n.c ?? []).map((k) => bulkText(k) ?? '').sort();
}

/** Polls until the replica has key `done` (in db 0), bounded. */
async function synced(replica: RunningServer): Promise<boolean> {
  const c = await Conn.open(replica.port);
  try {
    return await waitFor(
      async () => (await c.send(['GET', 'done'])).raw === '$1\r\n1\r\n',
      10000,
      'replica sync',
    )
      .then(() => true)
      .catch(() => false);
  } finally {
    c.close();
  }
}

/**
 * What a replica holds relative to its master: per key 'same' or both sides' contents, the libraries,
 * and the replica's own answer to SCRIPT EXISTS. Compared with what a redis-server replica of a
 * redis-server master holds relative to its master (values like random numbers differ between masters,
 * so only the relation can be compared).
 */
async function replicaView(
  master: RunningServer,
  replica: RunningServer,
  dumps = false,
  dumpDiffs = new Diffs(),
): Promise<Map<string, string>> {
  const view = new Map<string, string>();
  view.set('replica has the final write within 10 s', String(await synced(replica)));
  const [m, r] = await Promise.all([Conn.open(master.port), Conn.open(replica.port)]);
  try {
    for (const db of ['0', '3']) {
      await Promise.all([m.send(['SELECT', db]), r.send(['SELECT', db])]);
      const [km, kr] = await Promise.all([keysOf(m), keysOf(r)]);
      for (const k of [...new Set([...km, ...kr])].sort()) {
        const [cm, cr] = [await contents(m, k), await contents(r, k)];
        view.set(`key ${k} (db ${db})`, cm === cr ? 'same' : `master: ${cm} / replica: ${cr}`);
        // A tsredis replica of tsredis holds the master's exact bytes (a redis-server replica of
        // redis-server need not: a hashtable set's order depends on each process's hash seed)
        if (dumps && cm === cr) {
          const [dm, dr] = await Promise.all([m.send(['DUMP', k]), r.send(['DUMP', k])]);
          dumpDiffs.check('tsredis replica of tsredis', `DUMP ${k} (db ${db})`, dm.raw, dr.raw, [
            'master',
            'replica',
          ]);
        }
      }
    }
    const [lm, lr] = await Promise.all([
      m.send(['FUNCTION', 'LIST', 'WITHCODE']),
      r.send(['FUNCTION', 'LIST', 'WITHCODE']),
    ]);
    const [nm, nr] = [normFunctionList(lm).raw, normFunctionList(lr).raw];
    view.set('FUNCTION LIST WITHCODE', nm === nr ? 'same' : `master: ${nm} / replica: ${nr}`);
    view.set('SCRIPT EXISTS on the replica', (await r.send(['SCRIPT', 'EXISTS', SHA_REPL])).raw);
  } finally {
    m.close();
    r.close();
  }
  return view;
}

describe('replication of script effects, MONITOR', () => {
  test('tsredis master -> tsredis and redis-server replicas; redis-server master -> tsredis replica', async () => {
    const diffs = new Diffs();
    const [tm, rm] = await Promise.all([startTsredis(['--save', '']), startRedis([])]);
    started.push(tm, rm);
    const of = (m: RunningServer): string[] => ['--replicaof', '127.0.0.1', String(m.port)];
    const [tr, rr, tr2, rr2] = await Promise.all([
      startTsredis(['--save', '', ...of(tm)]),
      startRedis(of(tm)),
      startTsredis(['--save', '', ...of(rm)]),
      startRedis(of(rm)),
    ]);
    started.push(tr, rr, tr2, rr2);
    const pairs = [
      { label: 'tsredis replica of tsredis', master: tm, replica: tr, dumps: true },
      { label: 'redis-server replica of tsredis', master: tm, replica: rr, dumps: false },
      { label: 'tsredis replica of redis-server', master: rm, replica: tr2, dumps: false },
    ];
    // Wait for the initial syncs, so the scripts' effects travel as a stream of commands
    for (const { replica, label } of [...pairs, { label: 'reference replica', replica: rr2 }]) {
      const c = await Conn.open(replica.port);
      const ok = await waitFor(
        async () => /master_link_status:up/.test(bulkText(await c.send(['INFO', 'replication'])) ?? ''),
        10000,
        'link up',
      )
        .then(() => 'up')
        .catch(() => 'not up');
      c.close();
      diffs.check(label, 'master_link_status within 10 s', 'up', ok, ['expected', 'got']);
    }
    // The same writes on both masters: their replies must agree too (random and time ones aside)
    const [cm, cr] = await Promise.all([Conn.open(tm.port), Conn.open(rm.port)]);
    const unpredictable = new Set(['random', 'random2', 'time', 'set', 'frandom']);
    for (const w of WRITES) {
      const [a, b] = await Promise.all([cr.send(w), cm.send(w)]);
      const keys = w[0] === 'EVAL' ? w.slice(3, 3 + Number(w[2])).map(String) : [];
      if (!keys.some((k) => unpredictable.has(k)) && w[1] !== 'rset')
        diffs.check('masters', `reply to ${show(w)}`, a.raw, b.raw);
    }
    cm.close();
    cr.close();
    const ref = await replicaView(rm, rr2);
    for (const p of pairs) {
      const got = await replicaView(p.master, p.replica, p.dumps, diffs);
      for (const k of [...new Set([...ref.keys(), ...got.keys()])]) {
        diffs.check(p.label, k, ref.get(k), got.get(k), ['redis-server replica of redis-server', p.label]);
      }
    }
    await Promise.all([tm, rm, tr, rr, tr2, rr2].map((s) => s.stop('SIGKILL')));
    diffs.assertNone('replication');
  }, 40000);

  test('MONITOR shows the EVAL, then its commands as [0 lua]', async () => {
    const diffs = new Diffs();
    const lines = async (port: number): Promise<string[]> => {
      const [mon, c] = await Promise.all([Conn.open(port), Conn.open(port)]);
      try {
        const ok = await mon.send(['MONITOR']);
        await c.send(
          EK(
            'redis.call("set", KEYS[1], "1") redis.call("set", KEYS[2], ARGV[1]) return 1',
            ['a', 'b'],
            ['two words'],
          ),
        );
        await c.send([
          'FUNCTION',
          'LOAD',
          'REPLACE',
          lib('monlib', "redis.register_function('m', function(k) return redis.call('get', k[1]) end)"),
        ]);
        await c.send(['FCALL', 'm', '1', 'a']);
        await c.send(['PING']);
        const got = await mon.waitExtra(7);
        return [
          ok.raw,
          ...got.map((n) => n.raw.replace(/^\+\d+\.\d+ /, '+<time> ').replace(/127\.0\.0\.1:\d+/, '<addr>')),
        ];
      } finally {
        mon.close();
        c.close();
      }
    };
    const [r, t] = await Promise.all([lines(P.R.port), lines(P.T.port)]);
    for (let i = 0; i < Math.max(r.length, t.length); i++)
      diffs.check('MONITOR', `line ${i + 1}`, r[i], t[i]);
    diffs.assertNone('MONITOR');
  });
});

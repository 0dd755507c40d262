// Integration, side by side with redis-server 7.0: the compact encodings. Every case runs the same
// commands on both servers and compares the replies and OBJECT ENCODING, so redis-server decides.
// 1. Scripted transitions: hashes and sorted sets listpack -> hashtable/skiplist by entries and value
//    length (defaults and small thresholds), sets intset -> hashtable (non-integer member, entries,
//    int16/int32/int64 boundaries), lists always quicklist, strings int/embstr/raw; a converted value
//    never goes back after deletions; RENAME, COPY, DUMP/RESTORE (own and the other server's payload)
//    and DEBUG RELOAD give the encoding Redis gives.
// 2. A seeded differential fuzz per type (fixed seed, ENCODINGS_SEED overrides it; 3,000 commands) on a
//    few keys with small members near the thresholds: replies compared byte for byte (ordered where
//    Redis's order follows from its encoding), the touched keys' encoding and contents after every
//    command and every key's every 100 (a key that differs is reported, then made equal again from
//    redis-server's DUMP), and at the end each key's DUMP restored into the other server.
// 3. HSCAN/SSCAN/ZSCAN of a compact value return it whole with cursor 0, MATCH filtering it.
// 4. HRANDFIELD/SRANDMEMBER/SPOP/ZRANDMEMBER: reply shape and membership (their choice is random).
// A failing case lists every difference found (grouped, with the first step showing it).
import type { Redis } from 'ioredis';
import { rng } from './helpers/dataset.js';
import { Gen } from './helpers/gen.js';
import { startKind, stopAll } from './helpers/side-by-side.js';

type Arg = string | Buffer;
/** A reply as a plain value: bulk strings as latin1 strings (one char per byte), errors as { err }. */
type Reply = string | number | null | Reply[] | { err: string };

const SERVER_ARGS = ['--enable-debug-command', 'yes'];
const LIMITS = [
  'hash-max-listpack-entries',
  'hash-max-listpack-value',
  'set-max-intset-entries',
  'zset-max-listpack-entries',
  'zset-max-listpack-value',
  'list-max-listpack-size',
  'list-compress-depth',
];
const SEED = process.env.ENCODINGS_SEED ? Number(process.env.ENCODINGS_SEED) : 0x5eed2026;
const FUZZ_COMMANDS = 3000;
/** A fuzz run stops collecting after this many differences (later ones tend to be consequences). */
const MAX_DIFFS = 25;

let R: Redis; // redis-server 7.0
let T: Redis; // tsredis-server
const defaults: [string, string][] = [];

beforeAll(async () => {
  R = (await startKind('redis', SERVER_ARGS)).r;
  T = (await startKind('tsredis', SERVER_ARGS)).r;
  const got = (await R.config('GET', ...LIMITS)) as string[];
  for (let i = 0; i < got.length; i += 2) defaults.push([got[i], got[i + 1]]);
});

afterAll(stopAll);

beforeEach(async () => {
  for (const r of [R, T]) {
    await r.flushall();
    for (const [k, v] of defaults) await r.config('SET', k, v);
  }
});

// ---------------------------------------------------------------------------------------------------
// Sending and comparing

function norm(v: unknown): Reply {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(norm);
  return String(v);
}

/** One command's reply (or error) on one server. Upper-case names keep ioredis's reply transformers out. */
async function send(r: Redis, args: Arg[]): Promise<Reply> {
  try {
    return norm(await r.callBuffer(String(args[0]).toUpperCase(), ...args.slice(1)));
  } catch (e) {
    return { err: (e as Error).message };
  }
}

function both(args: Arg[]): Promise<[Reply, Reply]> {
  return Promise.all([send(R, args), send(T, args)]);
}

const show = (a: Arg[]): string =>
  a
    .map((x) => (typeof x === 'string' ? x : `<${x.toString('hex')}>`))
    .join(' ')
    .slice(0, 300);

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const byLatin1 = (a: Reply, b: Reply): number => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);

function sorted(x: Reply): Reply {
  return Array.isArray(x) ? [...x].sort(byLatin1) : x;
}

/** A flat field/value (member/score) array as its pairs sorted by field. */
function sortedPairs(x: Reply): Reply {
  if (!Array.isArray(x)) return x;
  const pairs: Reply[][] = [];
  for (let i = 0; i < x.length; i += 2) pairs.push([x[i], x[i + 1]]);
  return pairs.sort((a, b) => byLatin1(a[0], b[0]));
}

const encoding = async (r: Redis, key: Arg): Promise<Reply> => send(r, ['OBJECT', 'ENCODING', key]);

/**
 * How two replies to args compare. Redis's order is a consequence of its encoding for hashes (listpack:
 * insertion order) and sets (intset: ascending), so those compare ordered when redis-server holds the
 * key in that encoding and as sorted collections otherwise; set algebra compares sorted. `unspecified`
 * are hashes whose listpack order came from a hashtable's (RESTORE, DEBUG RELOAD): redis-server's
 * hashtable order depends on a hash seed chosen at random when it starts, so they compare sorted too.
 */
async function comparable(
  args: Arg[],
  rr: Reply,
  tr: Reply,
  unspecified: ReadonlySet<string>,
): Promise<[Reply, Reply]> {
  const name = String(args[0]).toUpperCase();
  const ordered = async (compact: string): Promise<boolean> =>
    !unspecified.has(String(args[1])) && (await encoding(R, args[1])) === compact;
  if (name === 'HGETALL' && !(await ordered('listpack'))) return [sortedPairs(rr), sortedPairs(tr)];
  if ((name === 'HKEYS' || name === 'HVALS') && !(await ordered('listpack'))) return [sorted(rr), sorted(tr)];
  if (name === 'SMEMBERS' && !(await ordered('intset'))) return [sorted(rr), sorted(tr)];
  if (name === 'SINTER' || name === 'SUNION' || name === 'SDIFF') return [sorted(rr), sorted(tr)];
  return [rr, tr];
}

/** A key's type and whole contents, in Redis's order where that order is defined by its encoding. */
async function contents(r: Redis, key: Arg, unspecified: ReadonlySet<string> = new Set()): Promise<Reply> {
  const type = await send(r, ['TYPE', key]);
  const read: Record<string, Arg[]> = {
    string: ['GET', key],
    list: ['LRANGE', key, '0', '-1'],
    hash: ['HGETALL', key],
    set: ['SMEMBERS', key],
    zset: ['ZRANGE', key, '0', '-1', 'WITHSCORES'],
  };
  const args = read[String(type)];
  if (!args) return [type];
  const reply = await send(r, args);
  const enc = await encoding(R, key);
  if (type === 'hash' && (enc !== 'listpack' || unspecified.has(String(key))))
    return [type, sortedPairs(reply)];
  if (type === 'set' && enc !== 'intset') return [type, sorted(reply)];
  return [type, reply];
}

interface Diff {
  at: string;
  what: string;
  redis: unknown;
  tsredis: unknown;
  /** How many differences of its group there were. */
  times: number;
}

const describeDiff = (d: Diff): string =>
  `${d.at}: ${d.what}${d.times > 1 ? ` (seen ${d.times} times)` : ''}\n` +
  `    redis:   ${JSON.stringify(d.redis)}\n    tsredis: ${JSON.stringify(d.tsredis)}`;

/** Collects differences between the servers; `check` compares one pair of values. */
class Differences {
  readonly list: Diff[] = [];
  /** Hashes whose order is unspecified (see comparable). */
  readonly unspecified = new Set<string>();

  private readonly groups = new Map<string, Diff>();

  /**
   * Records a difference once per group: by default the same `what` with the same two values (a key
   * that stays different is reported at the step where it began); the fuzz groups by command name.
   */
  check(at: string, what: string, redis: unknown, tsredis: unknown, group?: string): boolean {
    if (same(redis, tsredis)) return true;
    const id = group ?? JSON.stringify([what, redis, tsredis]);
    const seen = this.groups.get(id);
    if (seen) {
      seen.times++;
    } else {
      const d = { at, what, redis, tsredis, times: 1 };
      this.groups.set(id, d);
      this.list.push(d);
    }
    return false;
  }

  /** Sends args to both and compares the replies; returns redis-server's. */
  async reply(at: string, args: Arg[], group?: string): Promise<Reply> {
    const [rr, tr] = await both(args);
    const [a, b] = await comparable(args, rr, tr, this.unspecified);
    this.check(at, `reply to ${show(args)}`, a, b, group);
    return rr;
  }

  async encodings(at: string, keys: Arg[]): Promise<void> {
    for (const k of keys) {
      const [er, et] = await Promise.all([encoding(R, k), encoding(T, k)]);
      this.check(at, `OBJECT ENCODING ${show([k])}`, er, et);
    }
  }

  /** False when some key's contents differ (the servers' states have diverged). */
  async contents(at: string, keys: Arg[]): Promise<boolean> {
    let ok = true;
    for (const k of keys) {
      const [cr, ct] = await Promise.all([
        contents(R, k, this.unspecified),
        contents(T, k, this.unspecified),
      ]);
      ok = this.check(at, `contents of ${show([k])}`, cr, ct) && ok;
    }
    return ok;
  }

  assertNone(context: string, trailer = ''): void {
    if (this.list.length === 0) return;
    const shown = this.list.slice(0, MAX_DIFFS).map(describeDiff).join('\n');
    throw new Error(`${context}: ${this.list.length} difference(s) from redis-server:\n${shown}\n${trailer}`);
  }
}

/** DUMP src on each server and RESTORE it as dst on the same server ('self') or on the other ('cross'). */
async function dumpRestore(how: 'self' | 'cross', src: Arg, dst: Arg): Promise<[Reply, Reply]> {
  const [pr, pt] = (await Promise.all([
    R.callBuffer('DUMP', src),
    T.callBuffer('DUMP', src),
  ])) as (Buffer | null)[];
  const restore = (r: Redis, payload: Buffer | null): Promise<Reply> =>
    payload === null ? Promise.resolve(null) : send(r, ['RESTORE', dst, '0', payload, 'REPLACE']);
  return how === 'self'
    ? Promise.all([restore(R, pr), restore(T, pt)])
    : Promise.all([restore(R, pt), restore(T, pr)]);
}

// ---------------------------------------------------------------------------------------------------
// 1. Scripted encoding transitions

/** A command for both servers, or DUMP src / RESTORE dst on itself ('self') or the other server ('cross'). */
type Step = Arg[] | { restore: 'self' | 'cross'; from: string; to: string };

interface Scenario {
  name: string;
  keys: string[];
  steps: Step[];
  /** Hashes whose order is unspecified here (made from a hashtable by RESTORE or DEBUG RELOAD). */
  unordered?: string[];
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => i + from);
const pairs = (n: number, field = 'f', value = 'v', from = 0): string[] =>
  range(n, from).flatMap((i) => [`${field}${i}`, `${value}${i}`]);
const config = (name: string, value: string | number): Arg[] => ['CONFIG', 'SET', name, String(value)];
const x = (n: number, c = 'x'): string => c.repeat(n);

/** Runs a scenario; after each step every key's encoding and contents are compared. */
async function runScenario(s: Scenario): Promise<void> {
  const diffs = new Differences();
  for (const k of s.unordered ?? []) diffs.unspecified.add(k);
  for (const [i, step] of s.steps.entries()) {
    const at = `${s.name}, step ${i + 1}`;
    if (Array.isArray(step)) {
      await diffs.reply(at, step);
    } else {
      const [rr, tr] = await dumpRestore(step.restore, step.from, step.to);
      diffs.check(at, `RESTORE ${step.to} from DUMP ${step.from} (${step.restore})`, rr, tr);
    }
    await diffs.encodings(at, s.keys);
    await diffs.contents(at, s.keys);
  }
  diffs.assertNone(s.name);
}

const HASH_SCENARIOS: Scenario[] = [
  {
    name: 'hash: listpack until hash-max-listpack-entries (128) is passed, then hashtable for good',
    keys: ['h'],
    steps: [
      ['HSET', 'h', ...pairs(127)],
      ['HSET', 'h', 'f127', 'v127'],
      ['HSET', 'h', 'f0', 'changed'],
      ['HSET', 'h', 'f128', 'v128'],
      ['HDEL', 'h', ...range(128).map((i) => `f${i}`)],
      ['HSET', 'h', 'again', '1'],
    ],
  },
  {
    name: 'hash: a value or field over hash-max-listpack-value (64) converts it',
    keys: ['h', 'g', 'n'],
    steps: [
      ['HSET', 'h', 'a', x(64)],
      ['HSET', 'h', 'b', x(65)],
      ['HDEL', 'h', 'b'],
      ['HSET', 'g', x(64, 'k'), '1'],
      ['HSET', 'g', x(65, 'k'), '1'],
      ['HSET', 'n', 'a', '1', 'b', x(65), 'c', '3'],
    ],
  },
  {
    name: 'hash: thresholds 4 entries / 8 bytes by CONFIG SET',
    keys: ['h', 'h2', 'h3'],
    steps: [
      config('hash-max-listpack-entries', 4),
      config('hash-max-listpack-value', 8),
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
      ['HGETALL', 'h'],
      ['HSET', 'h', 'e', '5'],
      ['HDEL', 'h', 'a', 'b', 'c', 'd'],
      ['HGETALL', 'h'],
      ['HSET', 'h2', 'a', '12345678'],
      ['HSET', 'h2', 'b', '123456789'],
      ['HSET', 'h3', ...pairs(5, 'k', '')],
    ],
  },
  {
    name: 'hash: HINCRBY, HINCRBYFLOAT and HSETNX past hash-max-listpack-value 8',
    keys: ['i', 'f', 'n', 'm'],
    steps: [
      config('hash-max-listpack-value', 8),
      ['HSET', 'i', 'c', '1'],
      ['HINCRBY', 'i', 'c', '9999998'],
      ['HINCRBY', 'i', 'c', '1'],
      ['HINCRBY', 'i', 'c', '100000000'],
      ['HSET', 'f', 'c', '1.5'],
      ['HINCRBYFLOAT', 'f', 'c', '0.25'],
      ['HINCRBYFLOAT', 'f', 'c', '1000000.125'],
      ['HSET', 'n', 'a', '1'],
      ['HSETNX', 'n', 'a', 'longer than 8'],
      ['HSETNX', 'm', 'a', '1'],
      ['HSETNX', 'm', 'b', 'longer than 8'],
    ],
  },
  {
    name: 'hash: entries 0 never listpack; the hash-max-ziplist-* aliases; lowering a limit converts on the next write',
    keys: ['z', 'a', 'l'],
    steps: [
      ['HSET', 'l', 'a', '1', 'b', '2', 'c', '3'],
      config('hash-max-listpack-entries', 0),
      ['HSET', 'z', 'a', '1'],
      ['HGET', 'l', 'a'],
      ['HSET', 'l', 'a', '9'],
      config('hash-max-ziplist-entries', 2),
      ['CONFIG', 'GET', 'hash-max-listpack-entries'],
      ['HSET', 'a', 'a', '1', 'b', '2'],
      ['HSET', 'a', 'c', '3'],
    ],
  },
  {
    name: 'hash: fields and values that look like integers are kept byte for byte',
    keys: ['h'],
    steps: [
      ['HSET', 'h', '1', '-0', '007', ' 1', '-1', '9223372036854775807', '9223372036854775808', '+1'],
      ['HSET', 'h', '-9223372036854775808', '-9223372036854775809', '1.0', '', '', '0'],
      ['HSET', 'h', Buffer.from([0, 255, 1]), Buffer.from([255, 0])],
      ['HGETALL', 'h'],
      ['HSTRLEN', 'h', '9223372036854775807'],
      ['HKEYS', 'h'],
      ['HVALS', 'h'],
    ],
  },
];

const SET_SCENARIOS: Scenario[] = [
  {
    name: 'set: intset until a non-integer member, then hashtable for good',
    keys: ['s'],
    steps: [
      ['SADD', 's', '3', '1', '2', '-5'],
      ['SMEMBERS', 's'],
      ['SADD', 's', 'a'],
      ['SREM', 's', 'a'],
      ['SMEMBERS', 's'],
      ['SREM', 's', '1', '2', '3'],
      ['SADD', 's', '7'],
    ],
  },
  {
    name: 'set: intset until set-max-intset-entries (512) is passed',
    keys: ['s'],
    steps: [
      ['SADD', 's', ...range(512).map((i) => String(i * 7 - 1000))],
      ['SMEMBERS', 's'],
      ['SADD', 's', '0'],
      ['SADD', 's', '100000'],
      ['SREM', 's', ...range(500).map((i) => String(i * 7 - 1000))],
    ],
  },
  {
    name: 'set: set-max-intset-entries 4 by CONFIG SET',
    keys: ['s', 't'],
    steps: [
      config('set-max-intset-entries', 4),
      ['SADD', 's', '4', '3', '2', '1'],
      ['SMEMBERS', 's'],
      ['SADD', 's', '5'],
      ['SPOP', 's', '0'],
      ['SREM', 's', '1', '2', '3', '4'],
      ['SADD', 't', '1', '2', '3', '4', '5'],
    ],
  },
  {
    name: 'set: int16/int32/int64 boundaries stay intset, beyond int64 is a string',
    keys: ['s'],
    steps: [
      ['SADD', 's', '32767'],
      ['SADD', 's', '-32768'],
      ['SMEMBERS', 's'],
      ['SADD', 's', '32768', '-32769'],
      ['SMEMBERS', 's'],
      ['SADD', 's', '2147483647', '-2147483648'],
      ['SADD', 's', '2147483648', '-2147483649'],
      ['SMEMBERS', 's'],
      ['SADD', 's', '9223372036854775807', '-9223372036854775808'],
      ['SMEMBERS', 's'],
      ['SISMEMBER', 's', '9223372036854775807'],
      ['SMISMEMBER', 's', '-9223372036854775808', '2147483648', '32768', '0'],
      ['SREM', 's', '9223372036854775807', '-9223372036854775808', '2147483648', '-2147483649'],
      ['SMEMBERS', 's'],
      ['SADD', 's', '9223372036854775808'],
      ['SMEMBERS', 's'],
    ],
  },
  {
    name: 'set: members that are not canonical integers make a hashtable',
    keys: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
    steps: [
      ['SADD', 'a', '-0'],
      ['SADD', 'b', '007'],
      ['SADD', 'c', ' 1'],
      ['SADD', 'd', '+1'],
      ['SADD', 'e', '1.0'],
      ['SADD', 'f', ''],
      ['SADD', 'g', '0x10'],
      ['SADD', 'h', '1 '],
      ['SADD', 'i', '-9223372036854775809'],
      ['SADD', 'j', '0'],
    ],
  },
  {
    name: 'set: SINTERSTORE, SUNIONSTORE, SDIFFSTORE and SMOVE choose the encoding as Redis does',
    keys: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'g2', 'h'],
    steps: [
      ['SADD', 'a', '1', '2', '3'],
      ['SADD', 'b', '2', '3', 'x'],
      ['SINTERSTORE', 'c', 'a', 'b'],
      ['SUNIONSTORE', 'd', 'a', 'b'],
      ['SDIFFSTORE', 'e', 'b', 'a'],
      ['SDIFFSTORE', 'f', 'a', 'b'],
      ['SMOVE', 'b', 'g', '2'],
      ['SMOVE', 'b', 'g2', 'x'],
      ['SMOVE', 'b', 'a', '3'],
      ['SINTERSTORE', 'h', 'a', 'missing'],
      ['SUNIONSTORE', 'h', 'a', 'g'],
      ['SINTER', 'a', 'd'],
      ['SUNION', 'a', 'd', 'g2'],
    ],
  },
];

const ZSET_SCENARIOS: Scenario[] = [
  {
    name: 'zset: listpack until zset-max-listpack-entries (128) is passed, then skiplist for good',
    keys: ['z'],
    steps: [
      ['ZADD', 'z', ...range(128).flatMap((i) => [String(i % 7), `m${i}`])],
      ['ZADD', 'z', '3', 'm0'],
      ['ZADD', 'z', '1.5', 'm128'],
      ['ZREMRANGEBYRANK', 'z', '0', '-2'],
      ['ZADD', 'z', '1', 'again'],
    ],
  },
  {
    name: 'zset: a member over zset-max-listpack-value (64) converts it',
    keys: ['z', 'y'],
    steps: [
      ['ZADD', 'z', '1', x(64, 'm')],
      ['ZADD', 'z', '2', x(65, 'n')],
      ['ZREM', 'z', x(65, 'n')],
      ['ZADD', 'y', '1', x(65, 'n')],
    ],
  },
  {
    name: 'zset: thresholds 4 entries / 8 bytes by CONFIG SET',
    keys: ['z', 'y', 'w', 'v'],
    steps: [
      config('zset-max-listpack-entries', 4),
      config('zset-max-listpack-value', 8),
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZADD', 'z', 'INCR', '10', 'a'],
      ['ZADD', 'z', '5', 'e'],
      ['ZPOPMIN', 'z', '4'],
      ['ZADD', 'y', '1', 'abcdefgh'],
      ['ZADD', 'y', '2', 'abcdefghi'],
      ['ZADD', 'w', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f'],
      ['ZINCRBY', 'v', '1', 'abcdefghij'],
    ],
  },
  {
    name: 'zset: entries 0, the zset-max-ziplist-* aliases, and the store commands',
    keys: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'z'],
    steps: [
      ['ZADD', 'a', '1', 'x', '2', 'y'],
      ['ZADD', 'b', '3', 'y', '4', 'z'],
      ['ZUNIONSTORE', 'c', '2', 'a', 'b'],
      ['ZINTERSTORE', 'd', '2', 'a', 'b'],
      ['ZRANGESTORE', 'e', 'a', '0', '-1'],
      ['ZDIFFSTORE', 'f', '2', 'a', 'b'],
      config('zset-max-ziplist-entries', 2),
      ['CONFIG', 'GET', 'zset-max-listpack-entries'],
      ['ZUNIONSTORE', 'g', '2', 'a', 'b'],
      config('zset-max-listpack-entries', 0),
      ['ZADD', 'z', '1', 'a'],
    ],
  },
  {
    name: 'zset: inf, -inf, -0 and integer-like members in a listpack',
    keys: ['z'],
    steps: [
      ['ZADD', 'z', 'inf', 'a', '-inf', 'b', '-0', 'c', '0', 'd', '1.5', 'e', '+inf', '12', '1e3', '-7'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZSCORE', 'z', 'c'],
      ['ZINCRBY', 'z', '1', '-7'],
      ['ZINCRBY', 'z', '-inf', 'a'],
      ['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'WITHSCORES'],
      ['ZRANGE', 'z', '[a', '[e', 'BYLEX'],
    ],
  },
];

const LIST_SCENARIOS: Scenario[] = [
  {
    name: 'list: quicklist whatever its size, element length and list-max-listpack-size',
    keys: ['l', 'm'],
    steps: [
      ['LPUSH', 'l', 'a'],
      ['RPUSH', 'l', '1', '2', '-9223372036854775808', '9223372036854775808', '007'],
      ['RPUSH', 'l', x(100)],
      ['LRANGE', 'l', '0', '-1'],
      ['LPOP', 'l', '10'],
      config('list-max-listpack-size', 2),
      config('list-compress-depth', 1),
      ['RPUSH', 'm', ...range(10).map(String)],
      ['LINSERT', 'm', 'BEFORE', '5', x(70, 'y')],
      ['LRANGE', 'm', '0', '-1'],
      ['DEBUG', 'RELOAD'],
      ['LRANGE', 'm', '0', '-1'],
    ],
  },
];

const STRING_VALUES = [
  '0',
  '1',
  '-1',
  '-0',
  '007',
  ' 1',
  '1 ',
  '+1',
  '1.5',
  '1e3',
  '',
  '10000',
  '123456789012345',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  '-9223372036854775809',
  '12345678901234567890',
  x(20, '9'),
  x(44),
  x(45),
  x(100),
];

const STRING_SCENARIOS: Scenario[] = [
  {
    name: 'string: SET of integer-looking, 44- and 45-byte values gives int, embstr or raw as Redis does',
    keys: STRING_VALUES.map((_, i) => `s${i}`),
    steps: [
      ...STRING_VALUES.map((v, i) => ['SET', `s${i}`, v]),
      ['MSET', 's0', '5', 's1', 'abc'],
      ['SETNX', 's2', 'x'],
      ['SET', 's3', '77', 'EX', '1000'],
    ],
  },
  {
    name: 'string: APPEND, INCR, INCRBYFLOAT, SETRANGE, SETBIT and GETSET change the encoding as Redis does',
    keys: ['a', 'b', 'k', 'c', 'f', 'n', 'r', 'q', 'g', 'sb'],
    steps: [
      ['APPEND', 'a', '123'],
      ['APPEND', 'b', 'abc'],
      ['SET', 'k', '10'],
      ['APPEND', 'k', '5'],
      ['INCR', 'k'],
      ['APPEND', 'b', 'd'],
      ['INCR', 'c'],
      ['INCRBY', 'c', '9223372036854775806'],
      ['INCR', 'c'],
      ['DECRBY', 'c', '1'],
      ['SET', 'f', '1.5'],
      ['INCRBYFLOAT', 'f', '1'],
      ['SET', 'n', '10'],
      ['INCRBYFLOAT', 'n', '3'],
      ['SETRANGE', 'r', '0', '123'],
      ['SET', 'q', '123'],
      ['SETRANGE', 'q', '1', '9'],
      ['GETRANGE', 'q', '0', '-1'],
      ['GETSET', 'g', '42'],
      ['GETSET', 'g', x(45)],
      ['GETSET', 'g', '1'],
      ['SET', 'sb', '1'],
      ['SETBIT', 'sb', '0', '0'],
      ['DEBUG', 'RELOAD'],
    ],
  },
];

/** Values of every type in every encoding: compact, converted, and converted then shrunk. */
const ZOO_KEYS = ['hs', 'hb', 'hd', 'ss', 'sb', 'sd', 'zs', 'zb', 'zd', 'l', 'ti', 'te', 'tr', 'ta'];
const ZOO: Step[] = [
  config('hash-max-listpack-entries', 4),
  config('set-max-intset-entries', 4),
  config('zset-max-listpack-entries', 4),
  ['HSET', 'hs', 'a', '1', 'b', 'two'],
  ['HSET', 'hb', ...pairs(6)],
  ['HSET', 'hd', ...pairs(6)],
  ['HDEL', 'hd', 'f0', 'f1', 'f2', 'f3'],
  ['SADD', 'ss', '5', '-1', '300'],
  ['SADD', 'sb', ...range(6).map(String)],
  ['SADD', 'sd', '1', '2', 'x'],
  ['SREM', 'sd', 'x'],
  ['ZADD', 'zs', '1', 'a', '2', 'b'],
  ['ZADD', 'zb', ...range(6).flatMap((i) => [String(i), `m${i}`])],
  ['ZADD', 'zd', ...range(6).flatMap((i) => [String(i), `m${i}`])],
  ['ZREMRANGEBYRANK', 'zd', '0', '3'],
  ['RPUSH', 'l', 'a', '1'],
  ['SET', 'ti', '12345'],
  ['SET', 'te', 'hello'],
  ['SET', 'tr', x(50)],
  ['SET', 'ta', 'ab'],
  ['APPEND', 'ta', 'c'],
];
const renamed = ZOO_KEYS.map((k) => `${k}:renamed`);
const copied = ZOO_KEYS.map((k) => `${k}:copy`);
const restored = ZOO_KEYS.map((k) => `${k}:restored`);
const crossed = ZOO_KEYS.map((k) => `${k}:crossed`);
/** The zoo's hashtable hashes and what is made from them, whose listpack order after RESTORE is unspecified. */
const ZOO_UNORDERED = [...ZOO_KEYS, ...restored, ...crossed].filter((k) => /^h[bd]/.test(k));

const KEYSPACE_SCENARIOS: Scenario[] = [
  {
    name: 'keyspace: COPY and RENAME keep the encoding Redis keeps',
    keys: [...copied, ...renamed],
    steps: [
      ...ZOO,
      ...ZOO_KEYS.map((k, i) => ['COPY', k, copied[i]]),
      ...ZOO_KEYS.map((k, i) => ['RENAME', k, renamed[i]]),
    ],
  },
  {
    name: "keyspace: RESTORE of the server's own DUMP and of the other server's DUMP",
    keys: [...ZOO_KEYS, ...restored, ...crossed],
    unordered: ZOO_UNORDERED,
    steps: [
      ...ZOO,
      ...ZOO_KEYS.map((k, i): Step => ({ restore: 'self', from: k, to: restored[i] })),
      ...ZOO_KEYS.map((k, i): Step => ({ restore: 'cross', from: k, to: crossed[i] })),
      config('hash-max-listpack-entries', 1),
      config('set-max-intset-entries', 1),
      config('zset-max-listpack-entries', 1),
      ...ZOO_KEYS.map((k, i): Step => ({ restore: 'self', from: k, to: restored[i] })),
    ],
  },
  {
    name: 'keyspace: DEBUG RELOAD gives the encoding Redis gives, under the limits in force',
    keys: ZOO_KEYS,
    unordered: ZOO_UNORDERED,
    steps: [
      ...ZOO,
      ['DEBUG', 'RELOAD'],
      config('hash-max-listpack-entries', 1),
      config('set-max-intset-entries', 2),
      config('zset-max-listpack-value', 1),
      ['DEBUG', 'RELOAD'],
    ],
  },
  {
    // a listpack loads back as a listpack while its entry count allows, whatever its values' lengths
    name: 'keyspace: DEBUG RELOAD after lowering hash-max-listpack-value keeps a listpack hash',
    keys: ['h'],
    steps: [
      ['HSET', 'h', 'f', x(20), 'g', '1'],
      config('hash-max-listpack-value', 10),
      ['DEBUG', 'RELOAD'],
      ['HSET', 'h', 'g', '2'],
      ['HSET', 'h', 'k', x(11)],
    ],
  },
];

describe('encoding transitions', () => {
  test.each(
    [
      ...HASH_SCENARIOS,
      ...SET_SCENARIOS,
      ...ZSET_SCENARIOS,
      ...LIST_SCENARIOS,
      ...STRING_SCENARIOS,
      ...KEYSPACE_SCENARIOS,
    ].map((s): [string, Scenario] => [s.name, s]),
  )('%s', async (_name, s) => runScenario(s));
});

// ---------------------------------------------------------------------------------------------------
// 2. Seeded differential fuzz

/** Integers of each intset width and at the int64 limits. */
const INT64_EDGES = [
  '32767',
  '32768',
  '-32768',
  '-32769',
  '2147483647',
  '2147483648',
  '-2147483648',
  '-2147483649',
  '9223372036854775807',
  '-9223372036854775808',
  '123456789012345',
  '4294967296',
];
const BIG_INTS = [...INT64_EDGES, '9223372036854775808', '-9223372036854775809'];
const ODD_NUMBERS = ['-0', '007', '+1', ' 1', '1 ', '1.0', '1.5', '-2.25', '1e3', '0x10', ''];
const WORDS = ['a', 'b', 'c', 'foo', 'bar', 'x1', 'hello', 'A', 'zz'];

/** An element near the compact thresholds: mostly small and integer-like, sometimes binary or long. */
function element(g: Gen, intBias = 0.35): Arg {
  return g.weighted<() => Arg>([
    [intBias, () => String(g.int(-20, 20))],
    [0.12, () => g.one(BIG_INTS)],
    [0.1, () => g.one(ODD_NUMBERS)],
    [0.25, () => g.one(WORDS)],
    [0.07, () => g.binary()],
    [0.08, () => g.text(5, 20)],
    [0.03, () => g.text(65, 100)],
  ])();
}

/** An element of at most 8 bytes. */
function shortElement(g: Gen): Arg {
  return g.weighted<() => Arg>([
    [0.4, () => String(g.int(-20, 20))],
    [0.1, () => g.one(ODD_NUMBERS)],
    [0.3, () => g.one(WORDS)],
    [0.1, () => g.binary()],
    [0.1, () => g.text(1, 8)],
  ])();
}

const DYADIC = ['0.5', '-1.25', '3', '1e2', '-0.75', '2.5e-1', '10.5', '-3'];
const SCORES = ['inf', '-inf', '+inf', '-0', '0.5', '-2.25', '1.5', '0.1', '1e300', '-1e-5'];
const indexArg = (g: Gen): string => String(g.int(-8, 8));

/** A fuzzed type: its keys, how to read one whole, how to make a random command, and its knobs. */
interface FuzzType {
  keys: string[];
  /** The command that reads a key's whole contents. */
  read(k: string): Arg[];
  /**
   * Hashes and sets: the encoding whose order Redis's replies follow, how to compare otherwise, and
   * whether that encoding made from a hashtable (DEBUG RELOAD, RESTORE) has an unspecified order.
   */
  order?: { encoding: string; unordered: (x: Reply) => Reply; fromHashtable: 'unspecified' | 'defined' };
  /** The keys whose contents may be copied or moved into dst (all of them when absent). */
  sources?(dst: string): string[];
  command(g: Gen): Arg[];
  configs: [string, (string | number)[]][];
  /** The encodings redis-server must be seen holding (so that the run crossed the thresholds). */
  reaches: string[];
}

const HASH_FUZZ: FuzzType = {
  keys: ['h1', 'h2', 'h3'],
  read: (k) => ['HGETALL', k],
  reaches: ['listpack', 'hashtable'],
  order: { encoding: 'listpack', unordered: sortedPairs, fromHashtable: 'unspecified' },
  configs: [
    ['hash-max-listpack-entries', [0, 3, 6, 128, 128, 128]],
    ['hash-max-listpack-value', [0, 4, 8, 16, 64, 64, 64]],
  ],
  command(g) {
    const k = g.one(this.keys);
    // h1 stays small (a few fields, values of at most 8 bytes): a listpack unless a limit is lowered.
    const small = k === 'h1';
    const f = (): Arg =>
      g.chance(0.6) ? `f${g.int(0, small ? 5 : 9)}` : small ? shortElement(g) : element(g);
    const fv = (): Arg[] => [f(), small ? shortElement(g) : element(g)];
    return g.weighted<() => Arg[]>([
      [20, () => ['HSET', k, ...g.some(g.int(1, 4), fv).flat()]],
      [5, () => ['HSETNX', k, ...fv()]],
      [8, () => ['HGET', k, f()]],
      [4, () => ['HMGET', k, ...g.some(g.int(1, 4), f)]],
      [8, () => ['HDEL', k, ...g.some(g.int(1, 3), f)]],
      [3, () => ['HLEN', k]],
      [4, () => ['HSTRLEN', k, f()]],
      [4, () => ['HEXISTS', k, f()]],
      [
        5,
        () => ['HINCRBY', k, f(), g.one(['1', '-1', '3', '-20', '1000000000', ...INT64_EDGES.slice(8, 10)])],
      ],
      [3, () => ['HINCRBYFLOAT', k, f(), g.one(DYADIC)]],
      [2, () => ['HKEYS', k]],
      [2, () => ['HVALS', k]],
      [4, () => ['HGETALL', k]],
    ])();
  },
};

const SET_FUZZ: FuzzType = {
  keys: ['s1', 's2', 's3'],
  read: (k) => ['SMEMBERS', k],
  reaches: ['intset', 'hashtable'],
  order: { encoding: 'intset', unordered: sorted, fromHashtable: 'defined' },
  configs: [['set-max-intset-entries', [0, 3, 10, 512, 512, 512]]],
  sources: (dst) => (dst === 's1' ? ['s1'] : ['s1', 's2', 's3']),
  command(g) {
    const k = g.one(this.keys);
    // s1 gets only int64 integers (and only from itself), s2 mostly integers, so that intsets live on.
    const m = (): Arg =>
      k === 's1' || (k === 's2' && g.chance(0.85))
        ? g.one([String(g.int(-40, 40)), String(g.int(-40, 40)), ...(k === 's1' ? INT64_EDGES : BIG_INTS)])
        : element(g, 0.6);
    const ks = (): string[] => g.some(g.int(1, 3), () => g.one(SET_FUZZ.sources?.(k) ?? this.keys));
    const into = (): string => g.one(this.keys.filter((d) => SET_FUZZ.sources?.(d).includes(k)));
    const limit = (): string[] => (g.chance(0.5) ? ['LIMIT', String(g.int(0, 3))] : []);
    return g.weighted<() => Arg[]>([
      [20, () => ['SADD', k, ...g.some(g.int(1, 5), m)]],
      [8, () => ['SREM', k, ...g.some(g.int(1, 3), m)]],
      [6, () => ['SISMEMBER', k, m()]],
      [3, () => ['SMISMEMBER', k, ...g.some(g.int(1, 4), m)]],
      [3, () => ['SCARD', k]],
      [6, () => ['SMEMBERS', k]],
      [2, () => ['SINTER', k, ...ks()]],
      [2, () => ['SUNION', k, ...ks()]],
      [2, () => ['SDIFF', k, ...ks()]],
      [2, () => ['SINTERCARD', '2', k, g.one(this.keys), ...limit()]],
      [3, () => ['SMOVE', k, into(), m()]],
      [1, () => ['SINTERSTORE', k, ...ks()]],
      [1, () => ['SUNIONSTORE', k, ...ks()]],
      [1, () => ['SDIFFSTORE', k, ...ks()]],
    ])();
  },
};

/**
 * z1 and z2 get any scores; z3 only score 0 and the lexicographic commands (whose result Redis leaves
 * unspecified when scores differ), so nothing copies a scored key into it.
 */
const ZSET_FUZZ: FuzzType = {
  keys: ['z1', 'z2', 'z3'],
  read: (k) => ['ZRANGE', k, '0', '-1', 'WITHSCORES'],
  reaches: ['listpack', 'skiplist'],
  sources: (dst) => (dst === 'z3' ? ['z3'] : ['z1', 'z2', 'z3']),
  configs: [
    ['zset-max-listpack-entries', [0, 3, 6, 128, 128, 128]],
    ['zset-max-listpack-value', [0, 4, 8, 16, 64, 64, 64]],
  ],
  command(g) {
    const k = g.one(this.keys);
    const lexical = k === 'z3' ? 1 : 0;
    // z1 stays small (a few short members): a listpack unless a limit is lowered.
    const m = (): Arg =>
      g.chance(0.6) ? `m${g.int(0, k === 'z1' ? 5 : 9)}` : k === 'z1' ? shortElement(g) : element(g);
    const score = (): string =>
      lexical
        ? '0'
        : g.weighted<() => string>([
            [60, () => String(g.int(-5, 5))],
            [35, () => g.one(SCORES)],
            [2, () => g.one(['nan', 'abc', ''])],
          ])();
    const lex = (): string =>
      g.weighted<() => string>([
        [2, () => g.one(['-', '+'])],
        [8, () => `${g.one(['[', '('])}${g.one(['m', `m${g.int(0, 9)}`, 'a', 'foo', '1', ''])}`],
        [0.3, () => 'm1'],
      ])();
    const sRange = (): string =>
      g.weighted<() => string>([
        [3, () => g.one(['-inf', '+inf', '(inf', '(-inf'])],
        [8, () => `${g.chance(0.3) ? '(' : ''}${g.one([String(g.int(-5, 5)), '1.5', '-2.25', '0.5'])}`],
        [0.3, () => 'abc'],
      ])();
    const limit = (): string[] => (g.chance(0.3) ? ['LIMIT', String(g.int(0, 3)), String(g.int(-1, 4))] : []);
    const withScores = (): string[] => (g.chance(0.5) ? ['WITHSCORES'] : []);
    const source = (): string => g.one(ZSET_FUZZ.sources?.(k) ?? this.keys);
    const zadd = (): Arg[] => {
      const flags = [
        ...(g.chance(0.15) ? [g.one(['NX', 'XX'])] : []),
        ...(g.chance(0.15) ? [g.one(['GT', 'LT'])] : []),
        ...(g.chance(0.2) ? ['CH'] : []),
        ...(g.chance(0.1) ? ['INCR'] : []),
      ];
      const n = flags.includes('INCR') && g.chance(0.9) ? 1 : g.int(1, 4);
      return ['ZADD', k, ...flags, ...g.some(n, () => [score(), m()]).flat()];
    };
    const zrange = (): Arg[] => {
      const by = g.weighted([
        [1, ''],
        [1, 'BYSCORE'],
        [2 * lexical, 'BYLEX'],
      ]);
      const rev = g.chance(0.3) ? ['REV'] : [];
      if (by === '') return ['ZRANGE', k, indexArg(g), indexArg(g), ...rev, ...withScores()];
      if (by === 'BYLEX') return ['ZRANGE', k, lex(), lex(), by, ...rev, ...limit()];
      return ['ZRANGE', k, sRange(), sRange(), by, ...rev, ...limit(), ...withScores()];
    };
    return g.weighted<() => Arg[]>([
      [20, zadd],
      [4, () => ['ZINCRBY', k, score(), m()]],
      [6, () => ['ZREM', k, ...g.some(g.int(1, 3), m)]],
      [5, () => ['ZSCORE', k, m()]],
      [3, () => ['ZMSCORE', k, ...g.some(g.int(1, 3), m)]],
      [4, () => ['ZRANK', k, m()]],
      [3, () => ['ZREVRANK', k, m()]],
      [2, () => ['ZCARD', k]],
      [3, () => ['ZCOUNT', k, sRange(), sRange()]],
      [4 * lexical, () => ['ZLEXCOUNT', k, lex(), lex()]],
      [8, zrange],
      [3, () => ['ZRANGEBYSCORE', k, sRange(), sRange(), ...withScores(), ...limit()]],
      [2, () => ['ZREMRANGEBYRANK', k, indexArg(g), indexArg(g)]],
      [2, () => ['ZREMRANGEBYSCORE', k, sRange(), sRange()]],
      [2 * lexical, () => ['ZREMRANGEBYLEX', k, lex(), lex()]],
      [3, () => [g.one(['ZPOPMIN', 'ZPOPMAX']), k, ...(g.chance(0.6) ? [String(g.int(0, 4))] : [])]],
      [1, () => ['ZUNIONSTORE', k, '2', source(), source()]],
      [1, () => ['ZRANGESTORE', k, source(), '0', indexArg(g)]],
    ])();
  },
};

const LIST_FUZZ: FuzzType = {
  keys: ['l1', 'l2', 'l3'],
  read: (k) => ['LRANGE', k, '0', '-1'],
  reaches: ['quicklist'],
  configs: [
    ['list-max-listpack-size', [-2, -1, 1, 2, 3, 5, 128]],
    ['list-compress-depth', [0, 1, 2]],
  ],
  command(g) {
    const k = g.one(this.keys);
    const e = (): Arg => (g.chance(0.5) ? g.one(['a', 'b', 'c', '1', '2']) : element(g));
    const side = (): string => g.one(['LEFT', 'RIGHT']);
    const lpos = (): Arg[] => [
      'LPOS',
      k,
      e(),
      ...(g.chance(0.3) ? ['RANK', String(g.one([-2, -1, 1, 2, 3]))] : []),
      ...(g.chance(0.3) ? ['COUNT', String(g.int(0, 3))] : []),
      ...(g.chance(0.2) ? ['MAXLEN', String(g.int(0, 5))] : []),
    ];
    return g.weighted<() => Arg[]>([
      [8, () => ['LPUSH', k, ...g.some(g.int(1, 3), e)]],
      [8, () => ['RPUSH', k, ...g.some(g.int(1, 3), e)]],
      [3, () => [g.one(['LPUSHX', 'RPUSHX']), k, e()]],
      [6, () => [g.one(['LPOP', 'RPOP']), k, ...(g.chance(0.5) ? [String(g.int(0, 4))] : [])]],
      [5, () => ['LINDEX', k, indexArg(g)]],
      [3, () => ['LSET', k, indexArg(g), e()]],
      [3, () => ['LINSERT', k, g.one(['BEFORE', 'AFTER']), e(), e()]],
      [3, () => ['LREM', k, String(g.int(-2, 2)), e()]],
      [6, () => ['LRANGE', k, indexArg(g), indexArg(g)]],
      [1, () => ['LTRIM', k, String(g.int(-3, 3)), String(g.int(-1, 20))]],
      [3, () => ['LLEN', k]],
      [4, lpos],
      [4, () => ['LMOVE', k, g.one(this.keys), side(), side()]],
    ])();
  },
};

const STRING_FUZZ: FuzzType = {
  keys: ['n1', 'n2', 'n3', 'n4'],
  read: (k) => ['GET', k],
  reaches: ['int', 'embstr', 'raw'],
  configs: [],
  command(g) {
    const k = g.one(this.keys);
    const v = (): Arg =>
      g.weighted<() => Arg>([
        [5, () => element(g, 0.5)],
        [1, () => x(g.int(43, 46), 'e')],
      ])();
    return g.weighted<() => Arg[]>([
      [15, () => ['SET', k, v()]],
      [8, () => ['GET', k]],
      [6, () => ['APPEND', k, v()]],
      [6, () => ['INCR', k]],
      [4, () => ['INCRBY', k, g.one(['1', '-5', '100', '9223372036854775807', '-9223372036854775808'])]],
      [3, () => ['DECRBY', k, g.one(['1', '7', '-100', '9223372036854775807'])]],
      [3, () => ['INCRBYFLOAT', k, g.one(DYADIC)]],
      [4, () => ['SETRANGE', k, String(g.chance(0.8) ? g.int(0, 10) : g.int(40, 50)), v()]],
      [4, () => ['GETRANGE', k, indexArg(g), indexArg(g)]],
      [4, () => ['STRLEN', k]],
      [3, () => ['GETSET', k, v()]],
    ])();
  },
};

/** The commands every fuzzed type gets now and then: DEL, COPY, RENAME, its CONFIG knobs, DEBUG RELOAD. */
function occasional(g: Gen, t: FuzzType): Arg[] | null {
  const dst = g.one(t.keys);
  const src = (): string => g.one(t.sources?.(dst) ?? t.keys);
  return g.weighted<() => Arg[] | null>([
    [700, () => null],
    [15, () => ['DEL', dst]],
    [3, () => ['COPY', src(), dst, ...(g.chance(0.5) ? ['REPLACE'] : [])]],
    [2, () => ['RENAME', src(), dst]],
    [
      t.configs.length ? 6 : 0,
      () => {
        const [name, values] = g.one(t.configs);
        return config(name, g.one(values));
      },
    ],
    [0.7, () => ['DEBUG', 'RELOAD']],
  ])();
}

/** One fuzz run: its type, its differences, and what redis-server's encodings were at the checks. */
class FuzzRun {
  readonly diffs = new Differences();
  readonly seen = new Map<string, number>();
  constructor(readonly t: FuzzType) {}

  /** A key's encoding and contents on one server, read in one round trip. */
  private state(r: Redis, k: string): Promise<[Reply, Reply]> {
    return Promise.all([encoding(r, k), send(r, this.t.read(k))]);
  }

  private get tracksOrder(): boolean {
    return this.t.order?.fromHashtable === 'unspecified';
  }

  /** Runs one command on both; keeps diffs.unspecified right across DEBUG RELOAD, COPY and RENAME. */
  async command(at: string, args: Arg[]): Promise<void> {
    const name = String(args[0]);
    const u = this.diffs.unspecified;
    if (this.tracksOrder && name === 'DEBUG') {
      for (const k of this.t.keys) {
        const e = await encoding(R, k);
        if (e !== null && e !== this.t.order?.encoding) u.add(k);
      }
    }
    const reply = await this.diffs.reply(at, args, `reply to ${name}`);
    const [src, dst] = [String(args[1]), String(args[2])];
    if ((name === 'COPY' && reply === 1) || (name === 'RENAME' && reply === 'OK' && src !== dst)) {
      if (u.has(src)) u.add(dst);
      else u.delete(dst);
      if (name === 'RENAME') u.delete(src);
    }
  }

  /**
   * Compares the keys' encodings and contents. A key that differs is reported and then made equal
   * again, DUMPed from redis-server and RESTOREd into both (or, if that still differs, deleted on both),
   * so that the run goes on finding new causes.
   */
  async check(at: string, keys: string[], after: string): Promise<void> {
    for (const k of keys) {
      if (await this.same(at, k, after)) continue;
      const payload = (await R.callBuffer('DUMP', k)) as Buffer | null;
      const resync: Arg[] = payload ? ['RESTORE', k, '0', payload, 'REPLACE'] : ['DEL', k];
      const [rr, rt] = await both(resync);
      this.diffs.check(at, `resync of ${k} by ${String(resync[0])}`, rr, rt);
      if (!(await this.same(at, k, `a resync by RESTORE of redis-server's DUMP`))) await both(['DEL', k]);
    }
  }

  /** Whether a key's encoding and contents are the same on both (recording the difference if not). */
  private async same(at: string, k: string, after: string): Promise<boolean> {
    const [[er, cr], [et, ct]] = await Promise.all([this.state(R, k), this.state(T, k)]);
    this.seen.set(String(er), (this.seen.get(String(er)) ?? 0) + 1);
    if (er === null) this.diffs.unspecified.delete(k);
    const ordered = er === this.t.order?.encoding && !this.diffs.unspecified.has(k);
    const unordered = this.t.order && !ordered ? this.t.order.unordered : (x: Reply) => x;
    const encGroup = `OBJECT ENCODING after ${after}: ${String(er)} vs ${String(et)}`;
    const sameEnc = this.diffs.check(at, `OBJECT ENCODING ${k} after ${after}`, er, et, encGroup);
    const what = `contents of ${k} after ${after}`;
    const sameData = this.diffs.check(at, what, unordered(cr), unordered(ct), `contents after ${after}`);
    return sameEnc && sameData;
  }

  /** Each server's DUMP restored into the other, and into itself for the encoding Redis chooses. */
  async crossRestore(): Promise<void> {
    for (const k of this.t.keys) {
      const at = `DUMP/RESTORE of ${k}`;
      const self = `${k}:self`;
      const cross = `${k}:cross`;
      const [sr, st] = await dumpRestore('self', k, self);
      const [cr, ct] = await dumpRestore('cross', k, cross);
      this.diffs.check(at, 'RESTORE of its own DUMP', sr, st);
      this.diffs.check(at, "RESTORE of the other server's DUMP", cr, ct);
      const [origR, crossR, selfR] = await Promise.all([k, cross, self].map((key) => this.state(R, key)));
      const [origT, crossT] = await Promise.all([k, cross].map((key) => this.state(T, key)));
      const unordered = this.t.order ? this.t.order.unordered : (x: Reply) => x;
      this.diffs.check(
        at,
        "redis-server holding tsredis's payload",
        unordered(crossR[1]),
        unordered(origR[1]),
      );
      this.diffs.check(
        at,
        "tsredis holding redis-server's payload",
        unordered(crossT[1]),
        unordered(origT[1]),
      );
      this.diffs.check(at, "redis-server's encoding from tsredis's payload vs its own", crossR[0], selfR[0]);
      this.diffs.check(at, "tsredis's encoding from redis-server's payload", crossT[0], selfR[0]);
      if (this.tracksOrder && origR[0] !== this.t.order?.encoding) this.diffs.unspecified.add(self);
      await this.check(at, [self], 'RESTORE');
    }
  }
}

async function fuzz(name: string, t: FuzzType, seed: number): Promise<void> {
  const g = new Gen(rng(seed));
  const run = new FuzzRun(t);
  const history: string[] = [];
  for (let i = 1; i <= FUZZ_COMMANDS && run.diffs.list.length < MAX_DIFFS; i++) {
    const args = occasional(g, t) ?? t.command(g);
    const at = `command ${i}: ${show(args)}`;
    if (run.diffs.list.length === 0) history.push(at);
    if (history.length > 15) history.shift();
    await run.command(at, args);
    const touched = t.keys.filter((k) => args.slice(1).some((a) => String(a) === k));
    const all = i % 100 === 0 || args[0] === 'DEBUG' || args[0] === 'CONFIG';
    await run.check(at, all ? t.keys : touched, String(args[0]));
  }
  await run.crossRestore();
  const tally = [...run.seen].map(([e, n]) => `${e} ${n}`).join(', ');
  process.stderr.write(`${name} fuzz, seed ${seed}: redis-server's encodings at the checks: ${tally}\n`);
  for (const e of t.reaches) expect([e, (run.seen.get(e) ?? 0) >= 50]).toEqual([e, true]);
  run.diffs.assertNone(
    `${name} fuzz, seed ${seed} (ENCODINGS_SEED=${seed} reproduces it)`,
    `The commands up to the first difference:\n  ${history.join('\n  ')}`,
  );
}

describe('seeded differential fuzz', () => {
  test.each([
    ['hash', HASH_FUZZ],
    ['set', SET_FUZZ],
    ['zset', ZSET_FUZZ],
    ['list', LIST_FUZZ],
    ['string', STRING_FUZZ],
  ] as [string, FuzzType][])('%s', async (name, t) => fuzz(name, t, SEED));
});

// ---------------------------------------------------------------------------------------------------
// 3. SCAN of compact values

/** Every element a full SCAN-family iteration returns, sorted (member/score pairs for HSCAN/ZSCAN). */
async function scanAll(r: Redis, args: Arg[]): Promise<Reply> {
  const out: Reply[] = [];
  let cursor = '0';
  for (let n = 0; n < 10000; n++) {
    const reply = (await send(r, [args[0], args[1], cursor, ...args.slice(2)])) as Reply[];
    if (!Array.isArray(reply)) return reply;
    cursor = String(reply[0]);
    out.push(...(reply[1] as Reply[]));
    if (cursor === '0') break;
  }
  return args[0] === 'SSCAN' ? sorted(out) : sortedPairs(out);
}

const SCAN_CASES: [string, Arg[][], Arg[][]][] = [
  [
    'HSCAN of a listpack hash, and of a hashtable one',
    [
      ['HSET', 'h', 'f3', '1', 'f1', '2', 'g1', '3', 'f10', x(10), Buffer.from([0, 255]), '5'],
      ['HSET', 'big', ...pairs(200)],
    ],
    [
      ['HSCAN', 'h'],
      ['HSCAN', 'h', 'COUNT', '1'],
      ['HSCAN', 'h', 'MATCH', 'f1*'],
      ['HSCAN', 'big', 'MATCH', 'f1*'],
    ],
  ],
  [
    'SSCAN of an intset, and of a hashtable set',
    [
      ['SADD', 's', '30', '-2', '10', '1', '100', '9223372036854775807', '-9223372036854775808'],
      ['SADD', 'big', ...range(600).map(String)],
    ],
    [
      ['SSCAN', 's'],
      ['SSCAN', 's', 'COUNT', '1'],
      ['SSCAN', 's', 'MATCH', '1*'],
      ['SSCAN', 'big', 'MATCH', '*7'],
    ],
  ],
  [
    'ZSCAN of a listpack sorted set, and of a skiplist one',
    [
      ['ZADD', 'z', '3', 'c', '1', 'a', '2', 'b', '-inf', 'ab', '1.5', 'x'],
      ['ZADD', 'big', ...range(200).flatMap((i) => [String(i), `m${i}`])],
    ],
    [
      ['ZSCAN', 'z'],
      ['ZSCAN', 'z', 'COUNT', '1'],
      ['ZSCAN', 'z', 'MATCH', 'a*'],
      ['ZSCAN', 'big', 'MATCH', 'm1*'],
    ],
  ],
];

describe('SCAN of compact values', () => {
  test.each(SCAN_CASES)('%s', async (name, setup, scans) => {
    const diffs = new Differences();
    for (const step of setup) await diffs.reply(name, step);
    for (const scan of scans) {
      const enc = await encoding(R, scan[1]);
      if (enc === 'listpack' || enc === 'intset') {
        // One call from cursor 0 returns it all, cursor "0", in the encoding's order.
        await diffs.reply(name, [scan[0], scan[1], '0', ...scan.slice(2)]);
      } else {
        diffs.check(
          name,
          `full iteration ${show(scan)} (${String(enc)})`,
          await scanAll(R, scan),
          await scanAll(T, scan),
        );
      }
      await diffs.encodings(name, [scan[1]]);
    }
    diffs.assertNone(name);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Commands whose choice is random: reply shape and membership

/**
 * A random-choice reply summarised: its length, whether its picks are distinct (unless a negative count
 * allows repeats), whether all are valid.
 */
function shape(
  reply: Reply,
  valid: Map<string, string | null>,
  withValues: boolean,
  repeats: boolean,
): unknown {
  if (!Array.isArray(reply))
    return reply === null || typeof reply === 'object' ? reply : [valid.has(String(reply))];
  const picks: [string, Reply][] = [];
  for (let i = 0; i < reply.length; i += withValues ? 2 : 1) {
    picks.push([String(reply[i]), withValues ? reply[i + 1] : null]);
  }
  const distinct = repeats ? null : new Set(picks.map(([p]) => p)).size === picks.length;
  const allValid = picks.every(([p, v]) => valid.has(p) && (!withValues || valid.get(p) === v));
  return [reply.length, distinct, allValid];
}

/** The valid picks of a key: member -> value/score (null for set members). */
async function choices(r: Redis, key: string): Promise<Map<string, string | null>> {
  const type = await send(r, ['TYPE', key]);
  const read: Record<string, Arg[]> = {
    hash: ['HGETALL', key],
    zset: ['ZRANGE', key, '0', '-1', 'WITHSCORES'],
    set: ['SMEMBERS', key],
  };
  const all = (await send(r, read[String(type)] ?? ['SMEMBERS', key])) as Reply[];
  const m = new Map<string, string | null>();
  if (type === 'set') for (const e of all) m.set(String(e), null);
  else for (let i = 0; i < all.length; i += 2) m.set(String(all[i]), String(all[i + 1]));
  return m;
}

const RANDOM_KEYS: [string, Arg[]][] = [
  ['hash listpack', ['HSET', 'k', ...pairs(5)]],
  ['hash hashtable', ['HSET', 'k', ...pairs(200)]],
  ['set intset', ['SADD', 'k', ...range(7).map((i) => String(i * 1000 - 3000))]],
  ['set hashtable', ['SADD', 'k', 'a', 'b', 'c', '1', '2', '3', '4']],
  ['zset listpack', ['ZADD', 'k', ...range(5).flatMap((i) => [String(i / 2), `m${i}`])]],
  ['zset skiplist', ['ZADD', 'k', ...range(200).flatMap((i) => [String(i), `m${i}`])]],
];

const RANDOM_COMMANDS: Record<string, [string, string[], boolean][]> = {
  hash: [
    ['HRANDFIELD', [], false],
    ['HRANDFIELD', ['3'], false],
    ['HRANDFIELD', ['-12'], false],
    ['HRANDFIELD', ['1000'], false],
    ['HRANDFIELD', ['0'], false],
    ['HRANDFIELD', ['4', 'WITHVALUES'], true],
    ['HRANDFIELD', ['-4', 'WITHVALUES'], true],
  ],
  set: [
    ['SRANDMEMBER', [], false],
    ['SRANDMEMBER', ['3'], false],
    ['SRANDMEMBER', ['-12'], false],
    ['SRANDMEMBER', ['1000'], false],
    ['SPOP', [], false],
    ['SPOP', ['2'], false],
    ['SPOP', ['0'], false],
  ],
  zset: [
    ['ZRANDMEMBER', [], false],
    ['ZRANDMEMBER', ['3'], false],
    ['ZRANDMEMBER', ['-12'], false],
    ['ZRANDMEMBER', ['1000'], false],
    ['ZRANDMEMBER', ['4', 'WITHSCORES'], true],
    ['ZRANDMEMBER', ['-4', 'WITHSCORES'], true],
  ],
};

const SIZE: Record<string, string> = { hash: 'HLEN', set: 'SCARD', zset: 'ZCARD' };

describe('random-choice commands on compact and converted values', () => {
  test.each(RANDOM_KEYS)('%s', async (name, setup) => {
    const diffs = new Differences();
    await diffs.reply(name, setup);
    const type = String(await send(R, ['TYPE', 'k']));
    for (const [cmd, rest, withValues] of RANDOM_COMMANDS[type]) {
      const args = [cmd, 'k', ...rest];
      const [vr, vt] = await Promise.all([choices(R, 'k'), choices(T, 'k')]);
      const [rr, tr] = await both(args);
      const repeats = (rest[0] ?? '').startsWith('-');
      const what = `shape of ${show(args)} [length, distinct, valid]`;
      diffs.check(name, what, shape(rr, vr, withValues, repeats), shape(tr, vt, withValues, repeats));
      // SPOP removed what it returned (as many on both); re-adding it gives the same state again.
      await diffs.reply(name, [SIZE[type], 'k']);
      await diffs.encodings(name, ['k']);
      if (cmd === 'SPOP') {
        const popped = (x: Reply): Arg[] =>
          Array.isArray(x) ? x.map(String) : x === null ? [] : [String(x)];
        const gone = (r: Redis, p: Arg[]): Promise<Reply> =>
          p.length ? send(r, ['SMISMEMBER', 'k', ...p]) : Promise.resolve([]);
        const what = `SMISMEMBER of what ${show(args)} returned`;
        diffs.check(name, what, await gone(R, popped(rr)), await gone(T, popped(tr)));
        await Promise.all([R, T].map((r) => send(r, setup)));
      }
    }
    // SPOP with a count at least the set's size empties it; the key is gone on both.
    if (type === 'set') {
      const [rr, tr] = await both(['SPOP', 'k', '1000']);
      diffs.check(name, 'SPOP k 1000, sorted', sorted(rr), sorted(tr));
      await diffs.reply(name, ['EXISTS', 'k']);
    }
    diffs.assertNone(name);
  });
});

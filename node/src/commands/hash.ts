// Hash commands: HSET family, reads, counters (HINCRBY/HINCRBYFLOAT), HRANDFIELD, HSCAN, with Redis
// 7.0's replies, errors and argument-checking order.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_NOT_FLOAT, ERR_OVERFLOW, ERR_SYNTAX, wrongArity } from '../store/errors.js';
import { argBigInt, argInt, getHash, parseIntStrict } from './util.js';
import { globMatch } from './glob.js';
import { RHash } from '../store/hash.js';
import { NOTIFY_GENERIC, NOTIFY_HASH } from '../config/notify-classes.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The hash for a write, created (not yet stored) when missing; `created` tells the caller to db.set it. */
function hashForWrite(c: Ctx, key: string): { h: RHash; created: boolean } {
  const h = getHash(c.db, key, true);
  return h === undefined ? { h: new RHash(), created: true } : { h, created: false };
}

function store(c: Ctx, key: string, h: RHash, created: boolean): void {
  if (created) c.db.set(key, h);
  else c.db.touched(key);
}

function hset(c: Ctx, argv: string[]): void {
  if (argv.length % 2 !== 0) throw new RedisError(wrongArity(argv[0]));
  const { h, created } = hashForWrite(c, argv[1]);
  let added = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (h.put(argv[i], argv[i + 1])) added++;
  }
  store(c, argv[1], h, created);
  c.notify(NOTIFY_HASH, 'hset', argv[1]);
  if (argv[0].toLowerCase() === 'hmset') c.ok();
  else c.int(added);
}

function hsetnx(c: Ctx, argv: string[]): void {
  const { h, created } = hashForWrite(c, argv[1]);
  if (h.has(argv[2])) return c.int(0);
  h.set(argv[2], argv[3]);
  store(c, argv[1], h, created);
  c.notify(NOTIFY_HASH, 'hset', argv[1]);
  c.int(1);
}

function hget(c: Ctx, argv: string[]): void {
  const v = getHash(c.db, argv[1])?.get(argv[2]);
  if (v === undefined) c.nil();
  else c.bulk(v);
}

function hmget(c: Ctx, argv: string[]): void {
  const h = getHash(c.db, argv[1]);
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const v = h?.get(argv[i]);
    if (v === undefined) c.nil();
    else c.bulk(v);
  }
}

function hdel(c: Ctx, argv: string[]): void {
  const h = getHash(c.db, argv[1], true);
  if (h === undefined) return c.int(0);
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (h.delete(argv[i])) n++;
  if (n > 0) {
    c.notify(NOTIFY_HASH, 'hdel', argv[1]);
    if (h.size === 0) {
      c.db.delete(argv[1]);
      c.notify(NOTIFY_GENERIC, 'del', argv[1]);
    } else c.db.touched(argv[1]);
  }
  c.int(n);
}

function hlen(c: Ctx, argv: string[]): void {
  c.int(getHash(c.db, argv[1])?.size ?? 0);
}

function hstrlen(c: Ctx, argv: string[]): void {
  c.int(getHash(c.db, argv[1])?.get(argv[2])?.length ?? 0);
}

function hexists(c: Ctx, argv: string[]): void {
  c.int(getHash(c.db, argv[1])?.has(argv[2]) ? 1 : 0);
}

function hkeys(c: Ctx, argv: string[]): void {
  const h = getHash(c.db, argv[1]);
  c.bulks(h === undefined ? [] : [...h.keys()]);
}

function hvals(c: Ctx, argv: string[]): void {
  const h = getHash(c.db, argv[1]);
  c.bulks(h === undefined ? [] : [...h.values()]);
}

function hgetall(c: Ctx, argv: string[]): void {
  const h = getHash(c.db, argv[1]);
  if (h === undefined) return c.mapLen(0);
  c.mapLen(h.size);
  for (const [f, v] of h) {
    c.bulk(f);
    c.bulk(v);
  }
}

function hincrby(c: Ctx, argv: string[]): void {
  const by = argBigInt(argv[3]);
  const { h, created } = hashForWrite(c, argv[1]);
  const cur = h.get(argv[2]);
  let n = 0n;
  if (cur !== undefined) {
    const p = parseIntStrict(cur);
    if (p === null) throw new RedisError('ERR hash value is not an integer');
    n = p;
  }
  const r = n + by;
  if (r > INT64_MAX || r < INT64_MIN) throw new RedisError(ERR_OVERFLOW);
  h.set(argv[2], r.toString());
  store(c, argv[1], h, created);
  c.notify(NOTIFY_HASH, 'hincrby', argv[1]);
  c.int(r);
}

function hincrbyfloat(c: Ctx, argv: string[]): void {
  const by = argLongDouble(argv[3]);
  const { h, created } = hashForWrite(c, argv[1]);
  const s = addLongDouble(h.get(argv[2]), by, 'ERR hash value is not a float');
  h.set(argv[2], s);
  store(c, argv[1], h, created);
  // Like Redis, replicas get the result, not the increment (float arithmetic may differ there).
  c.propagateAs(['HSET', argv[1], argv[2], s]);
  c.notify(NOTIFY_HASH, 'hincrbyfloat', argv[1]);
  c.bulk(s);
}

/** A random index in [0, n). */
function randIndex(n: number): number {
  return Math.floor(Math.random() * n);
}

/** k distinct indexes of [0, n), in random order (k <= n). */
function sampleIndexes(n: number, k: number): number[] {
  if (k * 3 >= n) return shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, k);
  const picked = new Set<number>();
  while (picked.size < k) picked.add(randIndex(n));
  return [...picked];
}

/**
 * Parses the count of SRANDMEMBER / HRANDFIELD: an integer in [-LONG_MAX, LONG_MAX] (so -2^63 is
 * rejected with Redis's range message).
 */
export function argRandCount(s: string): bigint {
  const n = argBigInt(s);
  if (n < -INT64_MAX) {
    throw new RedisError(
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
  }
  return n;
}

function hrandfield(c: Ctx, argv: string[]): void {
  if (argv.length === 2) {
    const h = getHash(c.db, argv[1]);
    if (h === undefined) return c.nil();
    let i = randIndex(h.size);
    for (const f of h.keys()) if (i-- === 0) return c.bulk(f);
    return;
  }
  // Redis checks the count, then WITHVALUES (and its range limit), then the key.
  const big = argRandCount(argv[2]);
  let withValues = false;
  if (argv.length === 4 && argv[3].toUpperCase() === 'WITHVALUES') {
    withValues = true;
    if (big < -INT64_MAX / 2n || big > INT64_MAX / 2n) throw new RedisError('ERR value is out of range');
  } else if (argv.length > 3) throw new RedisError(ERR_SYNTAX);
  const count = Number(big);
  const h = getHash(c.db, argv[1]);
  if (h === undefined || count === 0) return c.arrayLen(0);
  const entries = [...h];
  if (count < 0) {
    // Repetitions allowed: replies exactly -count items, streamed one by one.
    const n = -count;
    if (withValues && c.resp === 3) c.arrayLen(n);
    else c.arrayLen(withValues ? n * 2 : n);
    for (let i = 0; i < n; i++) emitPair(c, entries[randIndex(entries.length)], withValues);
    return;
  }
  // The whole hash in its order when count covers it (as Redis does), else a random sample.
  const picked = count >= entries.length ? entries.map((_, i) => i) : sampleIndexes(entries.length, count);
  if (withValues && c.resp === 3) c.arrayLen(picked.length);
  else c.arrayLen(withValues ? picked.length * 2 : picked.length);
  for (const i of picked) emitPair(c, entries[i], withValues);
}

/** One HRANDFIELD item: the field, or field and value (a nested pair in RESP3). */
function emitPair(c: Ctx, [f, v]: [string, string], withValues: boolean): void {
  if (!withValues) return c.bulk(f);
  if (c.resp === 3) c.arrayLen(2);
  c.bulk(f);
  c.bulk(v);
}

export function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * Validates a HSCAN/SSCAN cursor the way Redis 7.0 does (strtoul over the whole argument: optional
 * sign, decimal digits, no leading space, at most 2^64-1 in magnitude; even "" and "-1" pass).
 */
export function checkScanCursor(s: string): void {
  if (!/^(?:[+-]?[0-9]+)?$/.test(s)) throw new RedisError('ERR invalid cursor');
  const digits = s.replace(/^[+-]/, '');
  if (digits.length > 0 && BigInt(digits) > 18446744073709551615n) throw new RedisError('ERR invalid cursor');
}

/** Parses [MATCH pattern] [COUNT n] for HSCAN/SSCAN/ZSCAN; returns the pattern or null. */
export function parseScanOptions(argv: string[], from: number): string | null {
  let pattern: string | null = null;
  for (let i = from; i < argv.length; i += 2) {
    const opt = argv[i].toUpperCase();
    if (i + 1 >= argv.length) throw new RedisError(ERR_SYNTAX);
    if (opt === 'COUNT') {
      if (argInt(argv[i + 1]) < 1) throw new RedisError(ERR_SYNTAX);
    } else if (opt === 'MATCH') pattern = argv[i + 1];
    else throw new RedisError(ERR_SYNTAX);
  }
  return pattern;
}

/** The reply of HSCAN/SSCAN: cursor "0" (done) and the matching items, flattened. */
export function scanReply(c: Ctx, items: string[]): void {
  c.arrayLen(2);
  c.bulk('0');
  c.bulks(items);
}

/**
 * HSCAN returns the whole hash in one reply with cursor 0 (Redis does the same for small encodings;
 * the SCAN contract allows it), so no element present for the whole scan is ever missed. As in Redis,
 * the cursor is checked first, then the key (a missing key replies at once), then the options.
 */
function hscan(c: Ctx, argv: string[]): void {
  checkScanCursor(argv[2]);
  const h = getHash(c.db, argv[1]);
  if (h === undefined) return scanReply(c, []);
  const pattern = parseScanOptions(argv, 3);
  const out: string[] = [];
  for (const [f, v] of h) {
    if (pattern !== null && pattern !== '*' && !globMatch(pattern, f)) continue;
    out.push(f, v);
  }
  scanReply(c, out);
}

const K1: [number, number, number] = [1, 1, 1];

export const commands: CommandSpec[] = [
  cmd('hset', -4, ['write', 'denyoom', 'fast'], K1, 'hash', hset),
  cmd('hmset', -4, ['write', 'denyoom', 'fast'], K1, 'hash', hset),
  cmd('hsetnx', 4, ['write', 'denyoom', 'fast'], K1, 'hash', hsetnx),
  cmd('hget', 3, ['readonly', 'fast'], K1, 'hash', hget),
  cmd('hmget', -3, ['readonly', 'fast'], K1, 'hash', hmget),
  cmd('hdel', -3, ['write', 'fast'], K1, 'hash', hdel),
  cmd('hlen', 2, ['readonly', 'fast'], K1, 'hash', hlen),
  cmd('hstrlen', 3, ['readonly', 'fast'], K1, 'hash', hstrlen),
  cmd('hexists', 3, ['readonly', 'fast'], K1, 'hash', hexists),
  cmd('hkeys', 2, ['readonly'], K1, 'hash', hkeys),
  cmd('hvals', 2, ['readonly'], K1, 'hash', hvals),
  cmd('hgetall', 2, ['readonly'], K1, 'hash', hgetall),
  cmd('hincrby', 4, ['write', 'denyoom', 'fast'], K1, 'hash', hincrby),
  cmd('hincrbyfloat', 4, ['write', 'denyoom', 'fast'], K1, 'hash', hincrbyfloat),
  cmd('hrandfield', -2, ['readonly'], K1, 'hash', hrandfield),
  cmd('hscan', -3, ['readonly'], K1, 'hash', hscan),
];

// ---- x87 long double emulation (HINCRBYFLOAT) ----
// Redis does HINCRBYFLOAT in C long double (on x86-64: 64-bit significand) and prints the sum with
// "%.17Lf" minus trailing zeros, which is why 0.1 + 0.2 gives "0.3" there. A finite long double is
// kept here exactly as ±m·2^e with m = 0 or 2^63 <= m < 2^64.

export interface LongDouble {
  neg: boolean;
  m: bigint;
  e: number;
}

const LD_BITS = 64;
const LD_MAX_E = 16384 - LD_BITS; // m·2^e < 2^16384
const LD_MIN_E = -16445 - LD_BITS; // below the smallest subnormal: rounds to zero

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds ±(n / d)·2^e2 (n >= 0, d > 0) to the nearest long double; null on overflow. */
function ldRound(neg: boolean, n: bigint, d: bigint, e2: number): LongDouble | null {
  if (n === 0n) return { neg, m: 0n, e: 0 };
  // Scale so the quotient has LD_BITS + 2 or + 3 bits, then round half to even on the extra bits.
  const s = LD_BITS + 2 - (bitLength(n) - bitLength(d));
  const num = s >= 0 ? n << BigInt(s) : n;
  const den = s >= 0 ? d : d << BigInt(-s);
  let q = num / den;
  const sticky = num % den !== 0n;
  const drop = bitLength(q) - LD_BITS;
  const half = 1n << BigInt(drop - 1);
  const rest = q & ((1n << BigInt(drop)) - 1n);
  q >>= BigInt(drop);
  if (rest > half || (rest === half && (sticky || (q & 1n) === 1n))) q++;
  let e = e2 - s + drop;
  if (q === 1n << BigInt(LD_BITS)) {
    q >>= 1n;
    e++;
  }
  if (e > LD_MAX_E) return null;
  if (e < LD_MIN_E) return { neg, m: 0n, e: 0 };
  return { neg, m: q, e };
}

const DEC_RE = /^([+-]?)(?:([0-9]+)\.?([0-9]*)|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?$/;
const HEX_RE = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;

/**
 * Parses like Redis's string2ld (strtold on the whole string, no leading space, no NaN, no overflow or
 * underflow to zero). Returns ±Infinity for "inf"/"infinity", null when not a valid long double.
 */
function ldParse(s: string): LongDouble | number | null {
  if (s.length === 0 || s.length >= 5120) return null;
  const inf = INF_RE.exec(s);
  if (inf !== null) return inf[1] === '-' ? -Infinity : Infinity;
  let neg: boolean;
  let n: bigint;
  let d = 1n;
  let e2 = 0;
  const dec = DEC_RE.exec(s);
  if (dec !== null) {
    neg = dec[1] === '-';
    const intPart = dec[2] ?? '';
    const frac = dec[3] ?? dec[4] ?? '';
    n = BigInt(intPart + frac || '0');
    if (n === 0n) return { neg, m: 0n, e: 0 };
    const digits = (intPart + frac).replace(/^0+/, '').length;
    const exp = Number(dec[5] ?? '0') - frac.length;
    // Out of range whatever the digits: overflow (rejected) or underflow to zero (rejected).
    if (exp + digits > 5000 || exp + digits < -5000) return null;
    if (exp >= 0) n *= 10n ** BigInt(exp);
    else d = 10n ** BigInt(-exp);
  } else {
    const hex = HEX_RE.exec(s);
    if (hex === null) return null;
    neg = hex[1] === '-';
    const intPart = hex[2] ?? '';
    const frac = hex[3] ?? hex[4] ?? '';
    n = BigInt('0x' + (intPart + frac || '0'));
    if (n === 0n) return { neg, m: 0n, e: 0 };
    const exp = Number(hex[5] ?? '0');
    if (Math.abs(exp) > 100000) return null;
    e2 = exp - 4 * frac.length;
  }
  const r = ldRound(neg, n, d, e2);
  if (r === null || r.m === 0n) return null; // ERANGE: overflow, or underflow to zero
  return r;
}

function ldAdd(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.m === 0n && b.m === 0n) return { neg: a.neg && b.neg, m: 0n, e: 0 };
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const va = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const vb = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = va + vb;
  if (sum === 0n) return { neg: false, m: 0n, e: 0 };
  return ldRound(sum < 0n, sum < 0n ? -sum : sum, 1n, e);
}

/** printf("%.17Lf") with trailing zeros (and a bare '.') removed, and "-0" printed as "0". */
function ldFormatHuman(v: LongDouble): string {
  let digits: string;
  if (v.e >= 0) {
    digits = (v.m << BigInt(v.e)).toString();
  } else {
    const scaled = v.m * 10n ** 17n;
    const sh = BigInt(-v.e);
    let q = scaled >> sh;
    const rest = scaled - (q << sh);
    const half = 1n << (sh - 1n);
    if (rest > half || (rest === half && (q & 1n) === 1n)) q++;
    const str = q.toString().padStart(18, '0');
    const frac = str.slice(-17).replace(/0+$/, '');
    digits = str.slice(0, -17) + (frac.length > 0 ? '.' + frac : '');
  }
  return v.neg && digits !== '0' ? '-' + digits : digits;
}

/** A float increment (HINCRBYFLOAT, INCRBYFLOAT) parsed as a long double, with Redis's errors. */
export function argLongDouble(s: string): LongDouble {
  const v = ldParse(s);
  if (v === null) throw new RedisError(ERR_NOT_FLOAT);
  if (typeof v === 'number') throw new RedisError('ERR value is NaN or Infinity');
  return v;
}

/**
 * current (undefined = 0) plus by, computed and printed as Redis does in long double. Throws notFloat
 * when current is not a valid float, and Redis's error for an infinite result.
 */
export function addLongDouble(current: string | undefined, by: LongDouble, notFloat: string): string {
  let sum: LongDouble | null = by;
  if (current !== undefined) {
    const cur = ldParse(current);
    if (cur === null) throw new RedisError(notFloat);
    sum = typeof cur === 'number' ? null : ldAdd(cur, by);
  }
  if (sum === null) throw new RedisError('ERR increment would produce NaN or Infinity');
  return ldFormatHuman(sum);
}

/**
 * INCRBYFLOAT's sum: current (undefined = 0) plus incr in long double. Redis reads both with
 * getLongDoubleFromObject (an infinite one parses, so the sum is then refused as NaN or Infinity).
 */
export function incrFloatLongDouble(current: string | undefined, incr: string): string {
  if (current !== undefined && ldParse(current) === null) throw new RedisError(ERR_NOT_FLOAT);
  const by = ldParse(incr);
  if (by === null) throw new RedisError(ERR_NOT_FLOAT);
  if (typeof by === 'number') throw new RedisError('ERR increment would produce NaN or Infinity');
  return addLongDouble(current, by, ERR_NOT_FLOAT);
}

/**
 * A blocking timeout in seconds as Redis 7.0 computes it: (long long) ceill(strtold(s) * 1000), in ms.
 * Null when s is not a valid long double. A result beyond the C long long range (infinity included)
 * becomes -2^63, as the conversion does on x86-64, so Redis reports such timeouts as negative.
 */
export function timeoutMsLongDouble(s: string): bigint | null {
  const v = ldParse(s);
  if (v === null) return null;
  const LLONG_MIN = -9223372036854775808n;
  if (typeof v === 'number') return LLONG_MIN;
  const ms = ldRound(v.neg, v.m * 1000n, 1n, v.e);
  if (ms === null) return LLONG_MIN;
  let r: bigint;
  if (ms.e >= 0) r = ms.m << BigInt(ms.e);
  else {
    const sh = BigInt(-ms.e);
    r = ms.m >> sh;
    if (!ms.neg && r << sh !== ms.m) r++; // ceiling of a positive fraction
  }
  if (ms.neg) r = -r;
  return r > INT64_MAX || r < INT64_MIN ? LLONG_MIN : r;
}

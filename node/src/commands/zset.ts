// Sorted set commands: ZADD (NX/XX/GT/LT/CH/INCR), scores and ranks, ZRANGE in all its forms,
// removals by rank/score/lex, pops (blocking too), ZRANDMEMBER, set algebra with WEIGHTS/AGGREGATE,
// ZSCAN — with Redis 7.0's replies (doubles as %.17g) and error strings.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_SYNTAX, ERR_NOT_INTEGER, WRONGTYPE } from '../store/errors.js';
import { RZSet, type LexRange, type ScoreRange } from '../store/zset.js';
import { formatDouble } from '../protocol/double.js';
import {
  argInt,
  argTimeoutSeconds,
  clampRange,
  getZSet,
  lookupReadOrMiss,
  parseFloatStrict,
  parseMpop,
  servableKeys,
} from './util.js';
import { argRandCount, checkScanCursor, parseScanOptions, scanReply, shuffle } from './hash.js';
import { globMatch } from './glob.js';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../config/notify-classes.js';
import { RSet } from '../store/set.js';
import { detach } from '../store/strpack.js';

const ERR_MINMAX = 'ERR min or max is not a float';
const ERR_LEX = 'ERR min or max not valid string range item';

function parseScoreBound(s: string): { v: number; ex: boolean } {
  let ex = false;
  let t = s;
  if (t.startsWith('(')) {
    ex = true;
    t = t.slice(1);
  }
  const v = parseFloatStrict(t);
  if (v === null) throw new RedisError(ERR_MINMAX);
  return { v, ex };
}

export function parseScoreRange(min: string, max: string): ScoreRange {
  const a = parseScoreBound(min);
  const b = parseScoreBound(max);
  return { min: a.v, max: b.v, minEx: a.ex, maxEx: b.ex };
}

function parseLexBound(s: string, isMin: boolean): { v: string | null; ex: boolean; inf: number } {
  if (s === '-') return { v: null, ex: false, inf: isMin ? -1 : -2 };
  if (s === '+') return { v: null, ex: false, inf: isMin ? 2 : 1 };
  if (s.startsWith('(')) return { v: s.slice(1), ex: true, inf: 0 };
  if (s.startsWith('[')) return { v: s.slice(1), ex: false, inf: 0 };
  throw new RedisError(ERR_LEX);
}

export function parseLexRange(min: string, max: string): LexRange | null {
  const a = parseLexBound(min, true);
  const b = parseLexBound(max, false);
  // '+' as min or '-' as max: an empty range.
  if (a.inf === 2 || b.inf === -2) return null;
  return {
    min: a.v,
    max: b.v,
    minEx: a.ex,
    maxEx: b.ex,
    minInf: a.inf === -1 ? -1 : 0,
    maxInf: b.inf === 1 ? 1 : 0,
  };
}

function emptyScoreRange(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minEx || r.maxEx));
}

function emptyLexRange(r: LexRange): boolean {
  if (r.min === null || r.max === null) return false;
  return r.min > r.max || (r.min === r.max && (r.minEx || r.maxEx));
}

/** [member, score] pairs as nested two-element arrays, the score as a double (RESP3 shapes). */
function nestedPairs(c: Ctx, items: Array<[string, number]>): void {
  c.arrayLen(items.length);
  for (const [m, s] of items) {
    c.arrayLen(2);
    c.bulk(m);
    c.double(s);
  }
}

function replyWithScores(c: Ctx, items: Array<[string, number]>, withScores: boolean): void {
  if (!withScores) return c.bulks(items.map(([m]) => m));
  if (c.resp === 3) return nestedPairs(c, items);
  c.arrayLen(items.length * 2);
  for (const [m, s] of items) {
    c.bulk(m);
    c.bulk(formatDouble(s));
  }
}

function zsetForWrite(c: Ctx, key: string): { z: RZSet; created: boolean } {
  const z = getZSet(c.db, key, true);
  return z === undefined ? { z: new RZSet(), created: true } : { z, created: false };
}

/**
 * Stores the outcome of a write and announces it as Redis does: a created key is added ('new'), a
 * change gets the command's event, and a set left empty is deleted after it ('del').
 */
function commit(c: Ctx, key: string, z: RZSet, created: boolean, changed: boolean, event: string): void {
  if (created) {
    if (z.size === 0) return;
    c.db.set(key, z);
  } else if (changed && z.size > 0) c.db.touched(key);
  if (changed) c.notify(NOTIFY_ZSET, event, key);
  if (!created && z.size === 0) {
    c.db.delete(key);
    c.notify(NOTIFY_GENERIC, 'del', key);
  }
}

function zadd(c: Ctx, argv: string[]): void {
  let nx = false,
    xx = false,
    gt = false,
    lt = false,
    ch = false,
    incr = false;
  let i = 2;
  for (; i < argv.length; i++) {
    if (argv[i].length > 4) break; // a score: every option is at most 4 letters
    const o = argv[i].toUpperCase();
    if (o === 'NX') nx = true;
    else if (o === 'XX') xx = true;
    else if (o === 'GT') gt = true;
    else if (o === 'LT') lt = true;
    else if (o === 'CH') ch = true;
    else if (o === 'INCR') incr = true;
    else break;
  }
  const rest = argv.length - i;
  if (rest === 0 || rest % 2 !== 0) throw new RedisError(ERR_SYNTAX);
  if (nx && xx) throw new RedisError('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    throw new RedisError('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && rest > 2) throw new RedisError('ERR INCR option supports a single increment-element pair');
  const pairs: [number, string][] = [];
  for (let j = i; j < argv.length; j += 2) {
    const sc = parseFloatStrict(argv[j]);
    if (sc === null) throw new RedisError(ERR_NOT_FLOAT_ZSET);
    pairs.push([sc, argv[j + 1]]);
  }
  const { z, created } = zsetForWrite(c, argv[1]);
  let added = 0;
  let updated = 0;
  let incrResult: number | null = null;
  for (const [score, member] of pairs) {
    z.warm(score, member);
    const id = z.idOf(member);
    if (id < 0) {
      if (xx) continue;
      if (Number.isNaN(score)) throw new RedisError('ERR resulting score is not a number (NaN)');
      z.insert(member, score);
      added++;
      incrResult = score;
      continue;
    }
    if (nx) continue;
    const cur = z.scoreById(id);
    let next = score;
    if (incr) {
      next = cur + score;
      if (Number.isNaN(next)) throw new RedisError('ERR resulting score is not a number (NaN)');
    }
    if ((gt && next <= cur) || (lt && next >= cur)) continue;
    incrResult = next;
    if (next !== cur) {
      z.rescore(id, next);
      updated++;
    }
  }
  commit(c, argv[1], z, created, added + updated > 0, incr ? 'zincr' : 'zadd');
  if (incr) {
    if (incrResult === null) return c.nil();
    return c.double(incrResult);
  }
  c.int(ch ? added + updated : added);
}

const ERR_NOT_FLOAT_ZSET = 'ERR value is not a valid float';

function zincrby(c: Ctx, argv: string[]): void {
  const by = parseFloatStrict(argv[2]);
  if (by === null) throw new RedisError(ERR_NOT_FLOAT_ZSET);
  const { z, created } = zsetForWrite(c, argv[1]);
  const cur = z.score(argv[3]);
  const next = (cur ?? 0) + by;
  if (Number.isNaN(next)) throw new RedisError('ERR resulting score is not a number (NaN)');
  // An unchanged score is no write (and no event), as in Redis.
  const changed = cur === undefined || cur !== next;
  if (changed) z.add(argv[3], next);
  commit(c, argv[1], z, created, changed, 'zincr');
  c.double(next);
}

function zcard(c: Ctx, argv: string[]): void {
  c.int(getZSet(c.db, argv[1])?.size ?? 0);
}

function zscore(c: Ctx, argv: string[]): void {
  const s = getZSet(c.db, argv[1])?.score(argv[2]);
  if (s === undefined) c.nil();
  else c.double(s);
}

function zmscore(c: Ctx, argv: string[]): void {
  const z = getZSet(c.db, argv[1]);
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = z?.score(argv[i]);
    if (s === undefined) c.nil();
    else c.double(s);
  }
}

function zrankGeneric(reverse: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const r = getZSet(c.db, argv[1])?.rank(argv[2], reverse);
    if (r === undefined) c.nil();
    else c.int(r);
  };
}

function zcount(c: Ctx, argv: string[]): void {
  const r = parseScoreRange(argv[2], argv[3]);
  const z = getZSet(c.db, argv[1]);
  c.int(z === undefined || emptyScoreRange(r) ? 0 : z.countInScore(r));
}

function zlexcount(c: Ctx, argv: string[]): void {
  const r = parseLexRange(argv[2], argv[3]);
  const z = getZSet(c.db, argv[1]);
  c.int(z === undefined || r === null || emptyLexRange(r) ? 0 : z.countInLex(r));
}

type RangeBy = 'rank' | 'score' | 'lex';

interface RangeSpec {
  by: RangeBy;
  rev: boolean;
  withScores: boolean;
  offset: number;
  limit: number;
  min: string;
  max: string;
}

/** A parsed ZRANGE-family range (parsed before the key is looked up, as Redis does). */
type ParsedRange =
  | { by: 'rank'; start: number; stop: number }
  | { by: 'score'; r: ScoreRange }
  | { by: 'lex'; r: LexRange | null };

/** Parses the range of a spec (for rank ranges min/max are start/stop); throws Redis's errors. */
function parseRange(s: RangeSpec): ParsedRange {
  if (s.by === 'rank') return { by: 'rank', start: argInt(s.min), stop: argInt(s.max) };
  if (s.by === 'score')
    return { by: 'score', r: s.rev ? parseScoreRange(s.max, s.min) : parseScoreRange(s.min, s.max) };
  return { by: 'lex', r: s.rev ? parseLexRange(s.max, s.min) : parseLexRange(s.min, s.max) };
}

/** Computes a ZRANGE-family result over a parsed range. */
function computeRange(z: RZSet | undefined, s: RangeSpec, p: ParsedRange): Array<[string, number]> {
  if (z === undefined) return [];
  if (p.by === 'rank') {
    const r = clampRange(p.start, p.stop, z.size);
    return r === null ? [] : z.rangeByRank(r[0], r[1], s.rev);
  }
  if (p.by === 'score') {
    if (emptyScoreRange(p.r) || s.offset < 0) return [];
    return z.rangeByScore(p.r, s.rev, s.offset, s.limit);
  }
  if (p.r === null || emptyLexRange(p.r) || s.offset < 0) return [];
  return z.rangeByLex(p.r, s.rev, s.offset, s.limit);
}

function parseRangeArgs(
  argv: string[],
  from: number,
  by: RangeBy,
  rev: boolean,
  allowBy: boolean,
  store: boolean,
): RangeSpec {
  const s: RangeSpec = {
    by,
    rev,
    withScores: false,
    offset: 0,
    limit: -1,
    min: argv[from],
    max: argv[from + 1],
  };
  let sawLimit = false;
  for (let i = from + 2; i < argv.length; i++) {
    const o = argv[i].toUpperCase();
    if (o === 'WITHSCORES' && !store) s.withScores = true;
    else if (o === 'LIMIT' && i + 2 < argv.length) {
      s.offset = argInt(argv[i + 1]);
      s.limit = argInt(argv[i + 2]);
      sawLimit = true;
      i += 2;
    } else if (allowBy && o === 'BYSCORE' && s.by === 'rank') s.by = 'score';
    else if (allowBy && o === 'BYLEX' && s.by === 'rank') s.by = 'lex';
    else if (allowBy && o === 'REV') s.rev = true;
    else throw new RedisError(ERR_SYNTAX);
  }
  if (sawLimit && s.by === 'rank') {
    throw new RedisError(
      'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
    );
  }
  if (s.withScores && s.by === 'lex') {
    throw new RedisError('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  return s;
}

function zrangeGeneric(by: RangeBy, rev: boolean, allowBy: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const spec = parseRangeArgs(argv, 2, by, rev, allowBy, false);
    const range = parseRange(spec);
    const items = computeRange(getZSet(c.db, argv[1]), spec, range);
    replyWithScores(c, items, spec.withScores);
  };
}

function zrangestore(c: Ctx, argv: string[]): void {
  const spec = parseRangeArgs(argv, 3, 'rank', false, true, true);
  const range = parseRange(spec);
  const items = computeRange(getZSet(c.db, argv[2]), spec, range);
  const dst = argv[1];
  if (items.length === 0) {
    if (c.db.delete(dst)) c.notify(NOTIFY_GENERIC, 'del', dst);
  } else {
    const z = new RZSet();
    for (const [m, s] of items) z.add(detach(m), s);
    c.db.set(dst, z);
    c.notify(NOTIFY_ZSET, 'zrangestore', dst);
  }
  c.int(items.length);
}

function zrem(c: Ctx, argv: string[]): void {
  const z = getZSet(c.db, argv[1], true);
  if (z === undefined) return c.int(0);
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (z.remove(argv[i])) n++;
  commit(c, argv[1], z, false, n > 0, 'zrem');
  c.int(n);
}

function zremrange(by: RangeBy) {
  const event = `zremrangeby${by}`;
  return (c: Ctx, argv: string[]): void => {
    const spec: RangeSpec = {
      by,
      rev: false,
      withScores: false,
      offset: 0,
      limit: -1,
      min: argv[2],
      max: argv[3],
    };
    const range = parseRange(spec);
    const z = getZSet(c.db, argv[1], true);
    if (z === undefined) return c.int(0);
    const items = computeRange(z, spec, range);
    for (const [m] of items) z.remove(m);
    commit(c, argv[1], z, false, items.length > 0, event);
    c.int(items.length);
  };
}

function popReply(c: Ctx, items: Array<[string, number]>, forceArray: boolean): void {
  if (!forceArray && items.length === 0) return c.arrayLen(0);
  if (c.resp === 3 && forceArray) return nestedPairs(c, items);
  c.arrayLen(items.length * 2);
  for (const [m, s] of items) {
    c.bulk(m);
    c.double(s);
  }
}

function zpop(max: boolean) {
  return (c: Ctx, argv: string[]): void => {
    if (argv.length > 3) throw new RedisError(ERR_SYNTAX);
    let count = 1;
    const hasCount = argv.length === 3;
    if (hasCount) {
      count = argInt(argv[2], 'ERR value is out of range, must be positive');
      if (count < 0) throw new RedisError('ERR value is out of range, must be positive');
    }
    const z = getZSet(c.db, argv[1], true);
    if (z === undefined || count === 0) return c.arrayLen(0);
    const items = z.pop(count, max);
    commit(c, argv[1], z, false, items.length > 0, max ? 'zpopmax' : 'zpopmin');
    popReply(c, items, hasCount);
  };
}

const isZSet = (v: unknown): boolean => v instanceof RZSet;

function bzpop(max: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const timeout = argTimeoutSeconds(argv[argv.length - 1]);
    const keys = argv.slice(1, -1);
    for (const key of servableKeys(c, keys, isZSet)) {
      const z = getZSet(c.db, key, true);
      if (z === undefined) continue;
      const [[m, s]] = z.pop(1, max);
      commit(c, key, z, false, true, max ? 'zpopmax' : 'zpopmin');
      c.propagateAs([max ? 'ZPOPMAX' : 'ZPOPMIN', key]);
      c.arrayLen(3);
      c.bulk(key);
      c.bulk(m);
      c.double(s);
      return;
    }
    c.block(keys, timeout, 'nilArray');
  };
}

function mpopServe(c: Ctx, keys: string[], max: boolean, count: number): boolean {
  for (const key of keys) {
    const z = getZSet(c.db, key, true);
    if (z === undefined) continue;
    const items = z.pop(count, max);
    commit(c, key, z, false, true, max ? 'zpopmax' : 'zpopmin');
    c.propagateAs([max ? 'ZPOPMAX' : 'ZPOPMIN', key, String(items.length)]);
    c.arrayLen(2);
    c.bulk(key);
    nestedPairs(c, items);
    return true;
  }
  return false;
}

function zmpop(c: Ctx, argv: string[]): void {
  const { keys, end, count } = parseMpop(argv, 1, ['MIN', 'MAX']);
  if (!mpopServe(c, keys, end === 1, count)) c.nilArray();
}

function bzmpop(c: Ctx, argv: string[]): void {
  const timeout = argTimeoutSeconds(argv[1]);
  const { keys, end, count } = parseMpop(argv, 2, ['MIN', 'MAX']);
  if (!mpopServe(c, servableKeys(c, keys, isZSet), end === 1, count)) c.block(keys, timeout, 'nilArray');
}

function zrandmember(c: Ctx, argv: string[]): void {
  if (argv.length === 2) {
    const z = getZSet(c.db, argv[1]);
    if (z === undefined) return c.nil();
    const all = [...z.entries()];
    return c.bulk(all[Math.floor(Math.random() * all.length)][0]);
  }
  // As Redis: the count, then the syntax (and WITHSCORES's range limit), then the key.
  const big = argRandCount(argv[2]);
  const withScores = argv.length === 4;
  if (argv.length > 4 || (withScores && argv[3].toUpperCase() !== 'WITHSCORES'))
    throw new RedisError(ERR_SYNTAX);
  if (withScores && (big < -4611686018427387903n || big > 4611686018427387903n))
    throw new RedisError('ERR value is out of range');
  const count = Number(big);
  const z = getZSet(c.db, argv[1]);
  if (z === undefined || count === 0) return c.arrayLen(0);
  const all = [...z.entries()];
  let picked: Array<[string, number]>;
  if (count < 0) {
    picked = [];
    for (let i = 0; i < -count; i++) picked.push(all[Math.floor(Math.random() * all.length)]);
  } else picked = shuffle(all).slice(0, count);
  replyWithScores(c, picked, withScores);
}

// ---- algebra ----

type Aggregate = 'SUM' | 'MIN' | 'MAX';

/** A source for ZUNION/ZINTER/ZDIFF: zsets as they are, sets with score 1 (a keymiss when missing). */
function sourceOf(c: Ctx, key: string): Map<string, number> | undefined {
  const v = lookupReadOrMiss(c.db, key);
  if (v === undefined) return undefined;
  if (v instanceof RZSet) return new Map(v.entries());
  if (v instanceof RSet) return new Map([...v].map((m) => [m, 1]));
  throw new RedisError(WRONGTYPE);
}

function agg(a: number, b: number, how: Aggregate): number {
  if (how === 'MIN') return Math.min(a, b);
  if (how === 'MAX') return Math.max(a, b);
  const s = a + b;
  return Number.isNaN(s) ? 0 : s;
}

type AlgebraOp = 'union' | 'inter' | 'diff';

interface Algebra {
  srcs: (Map<string, number> | undefined)[];
  weights: number[];
  aggregate: Aggregate;
  withScores: boolean;
  /** ZINTERCARD's LIMIT (0: none). */
  limit: number;
}

/**
 * Parses ZUNION/ZINTER/ZDIFF[STORE]/ZINTERCARD from argv[from] (numkeys) in Redis's order: numkeys,
 * then the source keys are looked up (keymiss events, WRONGTYPE stops there), then the options.
 */
function parseAlgebra(
  c: Ctx,
  argv: string[],
  from: number,
  op: AlgebraOp,
  kind: 'read' | 'store' | 'card',
): Algebra {
  const numkeys = argInt(argv[from], ERR_NOT_INTEGER);
  if (numkeys < 1) {
    throw new RedisError(`ERR at least 1 input key is needed for '${argv[0].toLowerCase()}' command`);
  }
  if (numkeys > argv.length - from - 1) throw new RedisError(ERR_SYNTAX);
  const srcs: (Map<string, number> | undefined)[] = [];
  for (let i = 0; i < numkeys; i++) srcs.push(sourceOf(c, argv[from + 1 + i]));
  const weights = srcs.map(() => 1);
  let aggregate: Aggregate = 'SUM';
  let withScores = false;
  let limit = 0;
  const weighted = op !== 'diff' && kind !== 'card';
  for (let i = from + 1 + numkeys; i < argv.length; i++) {
    const o = argv[i].toUpperCase();
    const remaining = argv.length - i;
    if (weighted && o === 'WEIGHTS' && remaining >= numkeys + 1) {
      for (let j = 0; j < numkeys; j++) {
        const w = parseFloatStrict(argv[i + 1 + j]);
        if (w === null) throw new RedisError('ERR weight value is not a float');
        weights[j] = w;
      }
      i += numkeys;
    } else if (weighted && o === 'AGGREGATE' && remaining >= 2) {
      const a = argv[++i].toUpperCase();
      if (a !== 'SUM' && a !== 'MIN' && a !== 'MAX') throw new RedisError(ERR_SYNTAX);
      aggregate = a;
    } else if (kind === 'read' && o === 'WITHSCORES') withScores = true;
    else if (kind === 'card' && o === 'LIMIT' && remaining >= 2) {
      limit = argInt(argv[++i], "ERR LIMIT can't be negative");
      if (limit < 0) throw new RedisError("ERR LIMIT can't be negative");
    } else throw new RedisError(ERR_SYNTAX);
  }
  return { srcs, weights, aggregate, withScores, limit };
}

function computeAlgebra(op: AlgebraOp, a: Algebra): Map<string, number> {
  const { srcs, weights, aggregate: how } = a;
  const out = new Map<string, number>();
  const w = (s: number, i: number): number => {
    const r = s * weights[i];
    return Number.isNaN(r) ? 0 : r;
  };
  if (op === 'union') {
    srcs.forEach((src, i) => {
      if (src === undefined) return;
      for (const [m, s] of src) {
        const v = w(s, i);
        const cur = out.get(m);
        out.set(m, cur === undefined ? v : agg(cur, v, how));
      }
    });
  } else if (op === 'inter') {
    if (srcs.some((s) => s === undefined || s.size === 0)) return out;
    const all = srcs as Map<string, number>[];
    for (const [m, s] of all[0]) {
      let acc = w(s, 0);
      let ok = true;
      for (let i = 1; i < all.length; i++) {
        const o = all[i].get(m);
        if (o === undefined) {
          ok = false;
          break;
        }
        acc = agg(acc, w(o, i), how);
      }
      if (ok) out.set(m, acc);
    }
  } else {
    const [first, ...rest] = srcs;
    if (first === undefined) return out;
    for (const [m, s] of first) if (!rest.some((r) => r?.has(m))) out.set(m, s);
  }
  return out;
}

/**
 * A sorted set of these pairs; `keep` when it is stored: members read from a packed source are views
 * of its packed string, so a stored set takes copies of its own (store/strpack.ts, detach).
 */
function toZSet(m: Map<string, number>, keep: boolean): RZSet {
  const z = new RZSet();
  for (const [k, v] of m) z.add(keep ? detach(k) : k, v);
  return z;
}

function algebra(op: AlgebraOp) {
  return (c: Ctx, argv: string[]): void => {
    const a = parseAlgebra(c, argv, 1, op, 'read');
    const z = toZSet(computeAlgebra(op, a), false);
    replyWithScores(c, [...z.entries()], a.withScores);
  };
}

function algebraStore(op: AlgebraOp) {
  const event = `z${op}store`;
  return (c: Ctx, argv: string[]): void => {
    const a = parseAlgebra(c, argv, 2, op, 'store');
    const z = toZSet(computeAlgebra(op, a), true);
    const dst = argv[1];
    if (z.size === 0) {
      if (c.db.delete(dst)) c.notify(NOTIFY_GENERIC, 'del', dst);
    } else {
      c.db.set(dst, z);
      c.notify(NOTIFY_ZSET, event, dst);
    }
    c.int(z.size);
  };
}

function zintercard(c: Ctx, argv: string[]): void {
  const a = parseAlgebra(c, argv, 1, 'inter', 'card');
  const n = computeAlgebra('inter', a).size;
  c.int(a.limit === 0 ? n : Math.min(n, a.limit));
}

/** The whole zset in one reply with cursor 0; cursor, then key, then options are checked, as in Redis. */
function zscan(c: Ctx, argv: string[]): void {
  checkScanCursor(argv[2]);
  const z = getZSet(c.db, argv[1]);
  if (z === undefined) return scanReply(c, []);
  const pattern = parseScanOptions(argv, 3);
  const out: string[] = [];
  for (const [m, s] of z.entries()) {
    if (pattern !== null && pattern !== '*' && !globMatch(pattern, m)) continue;
    out.push(m, formatDouble(s));
  }
  scanReply(c, out);
}

const K1: [number, number, number] = [1, 1, 1];
const K0: [number, number, number] = [0, 0, 0];

export const commands: CommandSpec[] = [
  cmd('zadd', -4, ['write', 'denyoom', 'fast'], K1, 'sortedset', zadd),
  cmd('zincrby', 4, ['write', 'denyoom', 'fast'], K1, 'sortedset', zincrby),
  cmd('zcard', 2, ['readonly', 'fast'], K1, 'sortedset', zcard),
  cmd('zscore', 3, ['readonly', 'fast'], K1, 'sortedset', zscore),
  cmd('zmscore', -3, ['readonly', 'fast'], K1, 'sortedset', zmscore),
  cmd('zrank', 3, ['readonly', 'fast'], K1, 'sortedset', zrankGeneric(false)),
  cmd('zrevrank', 3, ['readonly', 'fast'], K1, 'sortedset', zrankGeneric(true)),
  cmd('zcount', 4, ['readonly', 'fast'], K1, 'sortedset', zcount),
  cmd('zlexcount', 4, ['readonly', 'fast'], K1, 'sortedset', zlexcount),
  cmd('zrange', -4, ['readonly'], K1, 'sortedset', zrangeGeneric('rank', false, true)),
  cmd('zrangestore', -5, ['write', 'denyoom'], [1, 2, 1], 'sortedset', zrangestore),
  cmd('zrevrange', -4, ['readonly'], K1, 'sortedset', zrangeGeneric('rank', true, false)),
  cmd('zrangebyscore', -4, ['readonly'], K1, 'sortedset', zrangeGeneric('score', false, false)),
  cmd('zrevrangebyscore', -4, ['readonly'], K1, 'sortedset', zrangeGeneric('score', true, false)),
  cmd('zrangebylex', -4, ['readonly'], K1, 'sortedset', zrangeGeneric('lex', false, false)),
  cmd('zrevrangebylex', -4, ['readonly'], K1, 'sortedset', zrangeGeneric('lex', true, false)),
  cmd('zrem', -3, ['write', 'fast'], K1, 'sortedset', zrem),
  cmd('zremrangebyrank', 4, ['write'], K1, 'sortedset', zremrange('rank')),
  cmd('zremrangebyscore', 4, ['write'], K1, 'sortedset', zremrange('score')),
  cmd('zremrangebylex', 4, ['write'], K1, 'sortedset', zremrange('lex')),
  cmd('zpopmin', -2, ['write', 'fast'], K1, 'sortedset', zpop(false)),
  cmd('zpopmax', -2, ['write', 'fast'], K1, 'sortedset', zpop(true)),
  cmd('bzpopmin', -3, ['write', 'noscript', 'blocking', 'fast'], [1, -2, 1], 'sortedset', bzpop(false)),
  cmd('bzpopmax', -3, ['write', 'noscript', 'blocking', 'fast'], [1, -2, 1], 'sortedset', bzpop(true)),
  cmd('zmpop', -4, ['write'], K0, 'sortedset', zmpop),
  cmd('bzmpop', -5, ['write', 'blocking'], K0, 'sortedset', bzmpop),
  cmd('zrandmember', -2, ['readonly'], K1, 'sortedset', zrandmember),
  cmd('zunion', -3, ['readonly'], K0, 'sortedset', algebra('union')),
  cmd('zinter', -3, ['readonly'], K0, 'sortedset', algebra('inter')),
  cmd('zdiff', -3, ['readonly'], K0, 'sortedset', algebra('diff')),
  cmd('zunionstore', -4, ['write', 'denyoom'], K1, 'sortedset', algebraStore('union')),
  cmd('zinterstore', -4, ['write', 'denyoom'], K1, 'sortedset', algebraStore('inter')),
  cmd('zdiffstore', -4, ['write', 'denyoom'], K1, 'sortedset', algebraStore('diff')),
  cmd('zintercard', -3, ['readonly'], K0, 'sortedset', zintercard),
  cmd('zscan', -3, ['readonly'], K1, 'sortedset', zscan),
];

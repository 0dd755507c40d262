// Sorted set commands: ZADD (NX/XX/GT/LT/CH/INCR), scores and ranks, ZRANGE in all its forms,
// removals by rank/score/lex, pops (blocking too), ZRANDMEMBER, set algebra with WEIGHTS/AGGREGATE,
// ZSCAN — with Redis 7.0's replies (doubles as %.17g) and error strings.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_SYNTAX, WRONGTYPE } from '../store/errors.js';
import { RZSet, type LexRange, type ScoreRange } from '../store/zset.js';
import { formatDouble } from '../protocol/double.js';
import {
  argInt,
  argTimeoutSeconds,
  clampRange,
  getZSet,
  parseFloatStrict,
  parseMpop,
  parseNumkeysLimit,
} from './util.js';
import { parseCursor } from './keyspace.js';
import { parseScanOptions, shuffle } from './hash.js';
import { globMatch } from './glob.js';

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

function commit(c: Ctx, key: string, z: RZSet, created: boolean, changed: boolean): void {
  if (created) {
    if (z.size > 0) c.db.set(key, z);
  } else if (z.size === 0) c.db.delete(key);
  else if (changed) c.db.touched(key);
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
  commit(c, argv[1], z, created, added + updated > 0);
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
  const next = (z.score(argv[3]) ?? 0) + by;
  if (Number.isNaN(next)) throw new RedisError('ERR resulting score is not a number (NaN)');
  z.add(argv[3], next);
  commit(c, argv[1], z, created, true);
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

/** Computes a ZRANGE-family result. For rank ranges min/max are start/stop. */
function computeRange(z: RZSet | undefined, s: RangeSpec): Array<[string, number]> {
  if (z === undefined) return [];
  if (s.by === 'rank') {
    const start = argInt(s.min);
    const stop = argInt(s.max);
    const r = clampRange(start, stop, z.size);
    return r === null ? [] : z.rangeByRank(r[0], r[1], s.rev);
  }
  if (s.by === 'score') {
    const r = s.rev ? parseScoreRange(s.max, s.min) : parseScoreRange(s.min, s.max);
    if (emptyScoreRange(r) || s.offset < 0) return [];
    return z.rangeByScore(r, s.rev, s.offset, s.limit);
  }
  const r = s.rev ? parseLexRange(s.max, s.min) : parseLexRange(s.min, s.max);
  if (r === null || emptyLexRange(r) || s.offset < 0) return [];
  return z.rangeByLex(r, s.rev, s.offset, s.limit);
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
    const items = computeRange(getZSet(c.db, argv[1]), spec);
    replyWithScores(c, items, spec.withScores);
  };
}

function zrangestore(c: Ctx, argv: string[]): void {
  const spec = parseRangeArgs(argv, 3, 'rank', false, true, true);
  const items = computeRange(getZSet(c.db, argv[2]), spec);
  const dst = argv[1];
  if (items.length === 0) c.db.delete(dst);
  else {
    const z = new RZSet();
    for (const [m, s] of items) z.add(m, s);
    c.db.set(dst, z);
  }
  c.int(items.length);
}

function zrem(c: Ctx, argv: string[]): void {
  const z = getZSet(c.db, argv[1], true);
  if (z === undefined) return c.int(0);
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (z.remove(argv[i])) n++;
  commit(c, argv[1], z, false, n > 0);
  c.int(n);
}

function zremrange(by: RangeBy) {
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
    if (by === 'score') parseScoreRange(argv[2], argv[3]);
    if (by === 'lex') parseLexRange(argv[2], argv[3]);
    const z = getZSet(c.db, argv[1], true);
    if (z === undefined) return c.int(0);
    const items = computeRange(z, spec);
    for (const [m] of items) z.remove(m);
    commit(c, argv[1], z, false, items.length > 0);
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
    commit(c, argv[1], z, false, items.length > 0);
    popReply(c, items, hasCount);
  };
}

function bzpop(max: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const timeout = argTimeoutSeconds(argv[argv.length - 1]);
    const keys = argv.slice(1, -1);
    for (const key of keys) {
      const z = getZSet(c.db, key, true);
      if (z === undefined) continue;
      const [[m, s]] = z.pop(1, max);
      commit(c, key, z, false, true);
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
    commit(c, key, z, false, true);
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
  if (!mpopServe(c, keys, end === 1, count)) c.block(keys, timeout, 'nilArray');
}

function zrandmember(c: Ctx, argv: string[]): void {
  if (argv.length > 4) throw new RedisError(ERR_SYNTAX);
  const withScores = argv.length === 4;
  if (withScores && argv[3].toUpperCase() !== 'WITHSCORES') throw new RedisError(ERR_SYNTAX);
  const z = getZSet(c.db, argv[1]);
  if (argv.length === 2) {
    if (z === undefined) return c.nil();
    const all = [...z.entries()];
    return c.bulk(all[Math.floor(Math.random() * all.length)][0]);
  }
  const count = argInt(argv[2]);
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

/** A source for ZUNION/ZINTER/ZDIFF: zsets as they are, sets with score 1. */
function sourceOf(c: Ctx, key: string): Map<string, number> | undefined {
  const v = c.db.lookupRead(key);
  if (v === undefined) return undefined;
  if (v instanceof RZSet) return new Map(v.entries());
  if (v instanceof Set) return new Map([...v].map((m) => [m, 1]));
  throw new RedisError(WRONGTYPE);
}

function agg(a: number, b: number, how: Aggregate): number {
  if (how === 'MIN') return Math.min(a, b);
  if (how === 'MAX') return Math.max(a, b);
  const s = a + b;
  return Number.isNaN(s) ? 0 : s;
}

function parseAlgebra(
  argv: string[],
  from: number,
  op: 'union' | 'inter' | 'diff',
  allowWithScores: boolean,
): { keys: string[]; weights: number[]; aggregate: Aggregate; withScores: boolean } {
  const numkeys = argInt(argv[from], 'ERR numkeys should be greater than 0');
  if (numkeys < 1) {
    throw new RedisError(`ERR at least 1 input key is needed for '${argv[0].toLowerCase()}' command`);
  }
  if (from + 1 + numkeys > argv.length) throw new RedisError(ERR_SYNTAX);
  const keys = argv.slice(from + 1, from + 1 + numkeys);
  const weights = keys.map(() => 1);
  let aggregate: Aggregate = 'SUM';
  let withScores = false;
  for (let i = from + 1 + numkeys; i < argv.length; i++) {
    const o = argv[i].toUpperCase();
    if (o === 'WEIGHTS' && op !== 'diff' && i + numkeys < argv.length) {
      for (let j = 0; j < numkeys; j++) {
        const w = parseFloatStrict(argv[i + 1 + j]);
        if (w === null) throw new RedisError('ERR weight value is not a float');
        weights[j] = w;
      }
      i += numkeys;
    } else if (o === 'AGGREGATE' && op !== 'diff' && i + 1 < argv.length) {
      const a = argv[++i].toUpperCase();
      if (a !== 'SUM' && a !== 'MIN' && a !== 'MAX') throw new RedisError(ERR_SYNTAX);
      aggregate = a;
    } else if (o === 'WITHSCORES' && allowWithScores) withScores = true;
    else throw new RedisError(ERR_SYNTAX);
  }
  return { keys, weights, aggregate, withScores };
}

function computeAlgebra(
  c: Ctx,
  op: 'union' | 'inter' | 'diff',
  keys: string[],
  weights: number[],
  how: Aggregate,
): Map<string, number> {
  const srcs = keys.map((k) => sourceOf(c, k));
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

function toZSet(m: Map<string, number>): RZSet {
  const z = new RZSet();
  for (const [k, v] of m) z.add(k, v);
  return z;
}

function algebra(op: 'union' | 'inter' | 'diff') {
  return (c: Ctx, argv: string[]): void => {
    const a = parseAlgebra(argv, 1, op, true);
    const z = toZSet(computeAlgebra(c, op, a.keys, a.weights, a.aggregate));
    replyWithScores(c, [...z.entries()], a.withScores);
  };
}

function algebraStore(op: 'union' | 'inter' | 'diff') {
  return (c: Ctx, argv: string[]): void => {
    const a = parseAlgebra(argv, 2, op, false);
    const z = toZSet(computeAlgebra(c, op, a.keys, a.weights, a.aggregate));
    if (z.size === 0) c.db.delete(argv[1]);
    else c.db.set(argv[1], z);
    c.int(z.size);
  };
}

function zintercard(c: Ctx, argv: string[]): void {
  const { keys, limit } = parseNumkeysLimit(argv);
  const n = computeAlgebra(
    c,
    'inter',
    keys,
    keys.map(() => 1),
    'SUM',
  ).size;
  c.int(limit === 0 ? n : Math.min(n, limit));
}

function zscan(c: Ctx, argv: string[]): void {
  parseCursor(argv[2]);
  const pattern = parseScanOptions(argv, 3);
  const z = getZSet(c.db, argv[1]);
  const out: string[] = [];
  if (z !== undefined) {
    for (const [m, s] of z.entries()) {
      if (pattern !== null && pattern !== '*' && !globMatch(pattern, m)) continue;
      out.push(m, formatDouble(s));
    }
  }
  c.arrayLen(2);
  c.bulk('0');
  c.bulks(out);
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

// Hash commands: HSET family, reads, counters (HINCRBY/HINCRBYFLOAT), HRANDFIELD, HSCAN.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_SYNTAX } from '../store/errors.js';
import { argInt, argFloat, formatHumanDouble, getHash, parseFloatStrict, parseIntStrict } from './util.js';
import { parseCursor } from './keyspace.js';
import { globMatch } from './glob.js';
import type { RHash } from '../store/value.js';

/** The hash for a write, created (not yet stored) when missing; `created` tells the caller to db.set it. */
function hashForWrite(c: Ctx, key: string): { h: RHash; created: boolean } {
  const h = getHash(c.db, key, true);
  return h === undefined ? { h: new Map(), created: true } : { h, created: false };
}

function store(c: Ctx, key: string, h: RHash, created: boolean): void {
  if (created) c.db.set(key, h);
  else c.db.touched(key);
}

function hset(c: Ctx, argv: string[]): void {
  if (argv.length % 2 !== 0)
    throw new RedisError(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`);
  const { h, created } = hashForWrite(c, argv[1]);
  let added = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (!h.has(argv[i])) added++;
    h.set(argv[i], argv[i + 1]);
  }
  store(c, argv[1], h, created);
  if (argv[0].toLowerCase() === 'hmset') c.ok();
  else c.int(added);
}

function hsetnx(c: Ctx, argv: string[]): void {
  const { h, created } = hashForWrite(c, argv[1]);
  if (h.has(argv[2])) return c.int(0);
  h.set(argv[2], argv[3]);
  store(c, argv[1], h, created);
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
    if (h.size === 0) c.db.delete(argv[1]);
    else c.db.touched(argv[1]);
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
  const by = BigInt(argInt(argv[3]));
  const byExact = parseIntStrict(argv[3]) ?? by;
  const { h, created } = hashForWrite(c, argv[1]);
  const cur = h.get(argv[2]);
  let n = 0n;
  if (cur !== undefined) {
    const p = parseIntStrict(cur);
    if (p === null) throw new RedisError('ERR hash value is not an integer');
    n = p;
  }
  const r = n + byExact;
  if (r > 9223372036854775807n || r < -9223372036854775808n)
    throw new RedisError('ERR increment or decrement would overflow');
  h.set(argv[2], r.toString());
  store(c, argv[1], h, created);
  c.int(r);
}

function hincrbyfloat(c: Ctx, argv: string[]): void {
  const by = argFloat(argv[3]);
  const { h, created } = hashForWrite(c, argv[1]);
  const cur = h.get(argv[2]);
  let n = 0;
  if (cur !== undefined) {
    const p = cur.length > 0 && !/\s/.test(cur) ? parseFloatStrict(cur) : null;
    if (p === null) throw new RedisError('ERR hash value is not a float');
    n = p;
  }
  const r = n + by;
  if (!Number.isFinite(r)) throw new RedisError('ERR increment would produce NaN or Infinity');
  const s = formatHumanDouble(r);
  h.set(argv[2], s);
  store(c, argv[1], h, created);
  c.propagateAs(['HSET', argv[1], argv[2], s]);
  c.bulk(s);
}

function hrandfield(c: Ctx, argv: string[]): void {
  if (argv.length > 4) throw new RedisError(ERR_SYNTAX);
  const withValues = argv.length === 4;
  if (withValues && argv[3].toUpperCase() !== 'WITHVALUES') throw new RedisError(ERR_SYNTAX);
  const h = getHash(c.db, argv[1]);
  if (argv.length === 2) {
    if (h === undefined) return c.nil();
    const keys = [...h.keys()];
    return c.bulk(keys[Math.floor(Math.random() * keys.length)]);
  }
  const count = argInt(argv[2]);
  if (h === undefined || count === 0) return c.arrayLen(0);
  const entries = [...h];
  let picked: [string, string][];
  if (count < 0) {
    picked = [];
    for (let i = 0; i < -count; i++) picked.push(entries[Math.floor(Math.random() * entries.length)]);
  } else picked = shuffle(entries).slice(0, count);
  if (!withValues) return c.bulks(picked.map(([f]) => f));
  if (c.resp === 3) {
    c.arrayLen(picked.length);
    for (const [f, v] of picked) c.bulks([f, v]);
    return;
  }
  c.arrayLen(picked.length * 2);
  for (const [f, v] of picked) {
    c.bulk(f);
    c.bulk(v);
  }
}

export function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
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

/**
 * HSCAN returns the whole hash in one reply with cursor 0 (Redis does the same for small encodings;
 * the SCAN contract allows it), so no element present for the whole scan is ever missed.
 */
function hscan(c: Ctx, argv: string[]): void {
  parseCursor(argv[2]);
  const pattern = parseScanOptions(argv, 3);
  const h = getHash(c.db, argv[1]);
  const out: string[] = [];
  if (h !== undefined) {
    for (const [f, v] of h) {
      if (pattern !== null && pattern !== '*' && !globMatch(pattern, f)) continue;
      out.push(f, v);
    }
  }
  c.arrayLen(2);
  c.bulk('0');
  c.bulks(out);
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

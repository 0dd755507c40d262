// String commands: SET family, GET family, counters, ranges, with Redis 7.0 replies (bits: bitmap.ts)
// and the propagation rewrites Redis does (relative TTLs become absolute PXAT).
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_SYNTAX, ERR_NOT_INTEGER, ERR_OVERFLOW } from '../store/errors.js';
import { MAX_STRING, argInt, getString, parseIntStrict, lookupReadOrMiss } from './util.js';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../config/notify-classes.js';
import { TaggedString } from '../store/tagged-string.js';
import { isCompactInt } from '../store/keyspace.js';
import { incrFloatLongDouble } from './hash.js';
import { lcs as computeLcs, lcsTableBytes } from '../store/lcs.js';

interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  /** Absolute expiry in ms, or -1. */
  expireAt: number;
}

/** Converts a relative/absolute expire argument to absolute ms; throws Redis's invalid expire error. */
export function expireArgToAbs(
  raw: string,
  unit: 'EX' | 'PX' | 'EXAT' | 'PXAT',
  now: number,
  cmdName: string,
): number {
  const n = argInt(raw);
  if (n <= 0) throw new RedisError(`ERR invalid expire time in '${cmdName}' command`);
  const ms = unit === 'EX' || unit === 'EXAT' ? n * 1000 : n;
  if (!Number.isSafeInteger(ms)) throw new RedisError(`ERR invalid expire time in '${cmdName}' command`);
  const abs = unit === 'EX' || unit === 'PX' ? ms + now : ms;
  if (!Number.isSafeInteger(abs)) throw new RedisError(`ERR invalid expire time in '${cmdName}' command`);
  return abs;
}

function parseSetOptions(c: Ctx, argv: string[], from: number): SetOptions {
  const o: SetOptions = { nx: false, xx: false, get: false, keepTtl: false, expireAt: -1 };
  let haveExpire = false;
  for (let i = from; i < argv.length; i++) {
    const a = argv[i].toUpperCase();
    const next = argv[i + 1];
    if (a === 'NX' && !o.xx) o.nx = true;
    else if (a === 'XX' && !o.nx) o.xx = true;
    else if (a === 'GET') o.get = true;
    else if (a === 'KEEPTTL' && !haveExpire) o.keepTtl = true;
    else if (
      (a === 'EX' || a === 'PX' || a === 'EXAT' || a === 'PXAT') &&
      !haveExpire &&
      !o.keepTtl &&
      next !== undefined
    ) {
      o.expireAt = expireArgToAbs(next, a, c.now(), 'set');
      haveExpire = true;
      i++;
    } else throw new RedisError(ERR_SYNTAX);
  }
  return o;
}

function set(c: Ctx, argv: string[]): void {
  const key = argv[1];
  const val = argv[2];
  const o = parseSetOptions(c, argv, 3);
  const old = o.get ? getString(c.db, key) : undefined;
  const exists = o.get ? old !== undefined : c.db.exists(key);
  if ((o.nx && exists) || (o.xx && !exists)) {
    if (o.get) {
      if (old === undefined) c.nil();
      else c.bulk(old);
    } else c.nil();
    return;
  }
  c.db.set(key, val, o.keepTtl);
  if (o.expireAt !== -1) {
    c.db.setExpire(key, o.expireAt);
    c.propagateAs(['SET', key, val, 'PXAT', String(o.expireAt)]);
  }
  // As Redis: 'set', then 'expire' for EX/PX/EXAT/PXAT (even a past time: the key expires later).
  c.notify(NOTIFY_STRING, 'set', key);
  if (o.expireAt !== -1) c.notify(NOTIFY_GENERIC, 'expire', key);
  if (o.get) {
    if (old === undefined) c.nil();
    else c.bulk(old);
  } else c.ok();
}

function setnx(c: Ctx, argv: string[]): void {
  if (c.db.exists(argv[1])) return c.int(0);
  c.db.set(argv[1], argv[2]);
  c.notify(NOTIFY_STRING, 'set', argv[1]);
  c.int(1);
}

function setexGeneric(unit: 'EX' | 'PX', name: string) {
  return (c: Ctx, argv: string[]): void => {
    const at = expireArgToAbs(argv[2], unit, c.now(), name);
    c.db.set(argv[1], argv[3]);
    c.db.setExpire(argv[1], at);
    c.propagateAs(['SET', argv[1], argv[3], 'PXAT', String(at)]);
    c.notify(NOTIFY_STRING, 'set', argv[1]);
    c.notify(NOTIFY_GENERIC, 'expire', argv[1]);
    c.ok();
  };
}

function get(c: Ctx, argv: string[]): void {
  const v = getString(c.db, argv[1]);
  if (v === undefined) c.nil();
  else c.bulk(v);
}

function getdel(c: Ctx, argv: string[]): void {
  const v = getString(c.db, argv[1]);
  if (v === undefined) return c.nil();
  c.db.delete(argv[1]);
  c.propagateAs(['DEL', argv[1]]);
  c.notify(NOTIFY_GENERIC, 'del', argv[1]);
  c.bulk(v);
}

function getex(c: Ctx, argv: string[]): void {
  const key = argv[1];
  // As Redis: the options' syntax first (one kind of expiry, repeatable, or PERSIST), then the key,
  // then the expire value (so a missing key is nil whatever the value).
  let unit: 'EX' | 'PX' | 'EXAT' | 'PXAT' | null = null;
  let raw = '';
  let persist = false;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toUpperCase();
    if (
      (a === 'EX' || a === 'PX' || a === 'EXAT' || a === 'PXAT') &&
      (unit === null || unit === a) &&
      !persist &&
      i + 1 < argv.length
    ) {
      unit = a;
      raw = argv[++i];
    } else if (a === 'PERSIST' && unit === null) persist = true;
    else throw new RedisError(ERR_SYNTAX);
  }
  const v = getString(c.db, key);
  if (v === undefined) return c.nil();
  const at = unit === null ? -1 : expireArgToAbs(raw, unit, c.now(), 'getex');
  if (at >= 0 && at <= c.now()) {
    c.db.delete(key);
    c.propagateAs(['DEL', key]);
    c.notify(NOTIFY_GENERIC, 'del', key);
  } else if (at >= 0) {
    c.db.setExpire(key, at);
    c.propagateAs(['PEXPIREAT', key, String(at)]);
    c.notify(NOTIFY_GENERIC, 'expire', key);
  } else if (persist && c.db.getExpire(key) !== -1) {
    c.db.setExpire(key, -1);
    c.propagateAs(['PERSIST', key]);
    c.notify(NOTIFY_GENERIC, 'persist', key);
  }
  c.bulk(v);
}

function getset(c: Ctx, argv: string[]): void {
  const old = getString(c.db, argv[1]);
  c.db.set(argv[1], argv[2]);
  c.notify(NOTIFY_STRING, 'set', argv[1]);
  if (old === undefined) c.nil();
  else c.bulk(old);
}

function mget(c: Ctx, argv: string[]): void {
  c.arrayLen(argv.length - 1);
  c.db.ks.prefetch(argv, 1, 1);
  for (let i = 1; i < argv.length; i++) {
    const v = lookupReadOrMiss(c.db, argv[i]);
    if (typeof v === 'string') c.bulk(v);
    else c.nil();
  }
}

function mset(c: Ctx, argv: string[]): void {
  if (argv.length % 2 === 0) throw new RedisError("ERR wrong number of arguments for 'mset' command");
  c.db.ks.prefetch(argv, 1, 2);
  for (let i = 1; i < argv.length; i += 2) {
    c.db.set(argv[i], argv[i + 1]);
    c.notify(NOTIFY_STRING, 'set', argv[i]);
  }
  c.ok();
}

function msetnx(c: Ctx, argv: string[]): void {
  if (argv.length % 2 === 0) throw new RedisError("ERR wrong number of arguments for 'msetnx' command");
  c.db.ks.prefetch(argv, 1, 2);
  for (let i = 1; i < argv.length; i += 2) if (c.db.exists(argv[i])) return c.int(0);
  for (let i = 1; i < argv.length; i += 2) {
    c.db.set(argv[i], argv[i + 1]);
    c.notify(NOTIFY_STRING, 'set', argv[i]);
  }
  c.int(1);
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The signed increment of INCR/DECR/INCRBY/DECRBY: a number when |by| < 1e15 (exact in a double), else a bigint. */
function incrBy(c: Ctx, key: string, by: number | bigint): void {
  const cur = getString(c.db, key, true);
  // Fast path: both operands well inside 2^53, exact in doubles; no BigInt is allocated.
  if (typeof by === 'number' && (cur === undefined || isCompactInt(cur))) {
    const r = (cur === undefined ? 0 : Number(cur)) + by;
    if (cur === undefined) c.db.set(key, String(r), true);
    else c.db.replaceLooked(key, String(r));
    c.notify(NOTIFY_STRING, 'incrby', key);
    c.int(r);
    return;
  }
  let n = 0n;
  if (cur !== undefined) {
    const p = parseIntStrict(cur);
    if (p === null) throw new RedisError(ERR_NOT_INTEGER);
    n = p;
  }
  const r = n + BigInt(by);
  if (r > INT64_MAX || r < INT64_MIN) throw new RedisError(ERR_OVERFLOW);
  const s = r.toString();
  if (cur === undefined) c.db.set(key, s, true);
  else c.db.replaceLooked(key, s);
  c.notify(NOTIFY_STRING, 'incrby', key);
  c.int(r);
}

function incrDecr(sign: 1 | -1, withArg: boolean) {
  return (c: Ctx, argv: string[]): void => {
    if (!withArg) return incrBy(c, argv[1], sign);
    const p = parseIntStrict(argv[2]);
    if (p === null) throw new RedisError(ERR_NOT_INTEGER);
    if (sign === -1 && p === INT64_MIN) throw new RedisError('ERR decrement would overflow');
    const by = sign === 1 ? p : -p;
    incrBy(c, argv[1], by < 1000000000000000n && by > -1000000000000000n ? Number(by) : by);
  };
}

/** INCRBYFLOAT computes in long double, as Redis does; its result is a plain string (never int-encoded). */
function incrbyfloat(c: Ctx, argv: string[]): void {
  const cur = getString(c.db, argv[1], true);
  const s = incrFloatLongDouble(cur, argv[2]);
  c.db.set(argv[1], new TaggedString(s, false), true);
  c.propagateAs(['SET', argv[1], s, 'KEEPTTL']);
  c.notify(NOTIFY_STRING, 'incrbyfloat', argv[1]);
  c.bulk(s);
}

function append(c: Ctx, argv: string[]): void {
  const cur = getString(c.db, argv[1], true);
  const next = (cur ?? '') + argv[2];
  if (next.length > MAX_STRING)
    throw new RedisError('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  // Redis appends to an existing value in place, leaving it raw; a new key is encoded as SET's value.
  c.db.set(argv[1], cur === undefined ? next : new TaggedString(next, true), true);
  c.notify(NOTIFY_STRING, 'append', argv[1]);
  c.int(next.length);
}

function strlen(c: Ctx, argv: string[]): void {
  c.int((getString(c.db, argv[1]) ?? '').length);
}

function getrange(c: Ctx, argv: string[]): void {
  let start = argInt(argv[2]);
  let end = argInt(argv[3]);
  const s = getString(c.db, argv[1]) ?? '';
  if (start < 0 && end < 0 && start > end) return c.bulk('');
  const len = s.length;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len === 0 || start > end) return c.bulk('');
  c.bulk(s.slice(start, end + 1));
}

function setrange(c: Ctx, argv: string[]): void {
  const offset = argInt(argv[2]);
  if (offset < 0) throw new RedisError('ERR offset is out of range');
  const val = argv[3];
  const cur = getString(c.db, argv[1], true);
  if (cur === undefined && val.length === 0) return c.int(0);
  const base = cur ?? '';
  if (val.length === 0) return c.int(base.length);
  if (offset + val.length > MAX_STRING)
    throw new RedisError('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  const padded = base.length < offset ? base + '\0'.repeat(offset - base.length) : base;
  const next = padded.slice(0, offset) + val + padded.slice(offset + val.length);
  c.db.set(argv[1], new TaggedString(next, true), true);
  c.notify(NOTIFY_STRING, 'setrange', argv[1]);
  c.int(next.length);
}

function lcs(c: Ctx, argv: string[]): void {
  const va = lookupReadOrMiss(c.db, argv[1]);
  const vb = lookupReadOrMiss(c.db, argv[2]);
  if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string'))
    throw new RedisError('ERR The specified keys must contain string values');
  const a = va ?? '';
  const b = vb ?? '';
  let idx = false;
  let len = false;
  let withLen = false;
  let minLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const o = argv[j].toUpperCase();
    if (o === 'IDX') idx = true;
    else if (o === 'LEN') len = true;
    else if (o === 'WITHMATCHLEN') withLen = true;
    else if (o === 'MINMATCHLEN' && j + 1 < argv.length) {
      minLen = Math.max(0, argInt(argv[++j]));
    } else throw new RedisError(ERR_SYNTAX);
  }
  if (idx && len) throw new RedisError('ERR If you want both the length and indexes, please just use IDX.');
  if (lcsTableBytes(a, b) > MAX_STRING)
    throw new RedisError('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  const r = computeLcs(a, b, idx || !len);
  if (len) return c.int(r.len);
  if (!idx) return c.bulk(r.text);
  const shown = r.matches.filter((m) => minLen === 0 || m.len >= minLen);
  c.mapLen(2);
  c.bulk('matches');
  c.arrayLen(shown.length);
  for (const m of shown) {
    c.arrayLen(withLen ? 3 : 2);
    c.arrayLen(2);
    c.int(m.a[0]);
    c.int(m.a[1]);
    c.arrayLen(2);
    c.int(m.b[0]);
    c.int(m.b[1]);
    if (withLen) c.int(m.len);
  }
  c.bulk('len');
  c.int(r.len);
}

const K1: [number, number, number] = [1, 1, 1];

export const commands: CommandSpec[] = [
  cmd('set', -3, ['write', 'denyoom'], K1, 'string', set),
  cmd('setnx', 3, ['write', 'denyoom', 'fast'], K1, 'string', setnx),
  cmd('setex', 4, ['write', 'denyoom'], K1, 'string', setexGeneric('EX', 'setex')),
  cmd('psetex', 4, ['write', 'denyoom'], K1, 'string', setexGeneric('PX', 'psetex')),
  cmd('get', 2, ['readonly', 'fast'], K1, 'string', get),
  cmd('getdel', 2, ['write', 'fast'], K1, 'string', getdel),
  cmd('getex', -2, ['write', 'fast'], K1, 'string', getex),
  cmd('getset', 3, ['write', 'denyoom', 'fast'], K1, 'string', getset),
  cmd('mget', -2, ['readonly', 'fast'], [1, -1, 1], 'string', mget),
  cmd('mset', -3, ['write', 'denyoom'], [1, -1, 2], 'string', mset),
  cmd('msetnx', -3, ['write', 'denyoom'], [1, -1, 2], 'string', msetnx),
  cmd('incr', 2, ['write', 'denyoom', 'fast'], K1, 'string', incrDecr(1, false)),
  cmd('decr', 2, ['write', 'denyoom', 'fast'], K1, 'string', incrDecr(-1, false)),
  cmd('incrby', 3, ['write', 'denyoom', 'fast'], K1, 'string', incrDecr(1, true)),
  cmd('decrby', 3, ['write', 'denyoom', 'fast'], K1, 'string', incrDecr(-1, true)),
  cmd('incrbyfloat', 3, ['write', 'denyoom', 'fast'], K1, 'string', incrbyfloat),
  cmd('append', 3, ['write', 'denyoom', 'fast'], K1, 'string', append),
  cmd('strlen', 2, ['readonly', 'fast'], K1, 'string', strlen),
  cmd('getrange', 4, ['readonly'], K1, 'string', getrange),
  cmd('substr', 4, ['readonly'], K1, 'string', getrange),
  cmd('setrange', 4, ['write', 'denyoom'], K1, 'string', setrange),
  cmd('lcs', -3, ['readonly'], [1, 2, 1], 'string', lcs),
];

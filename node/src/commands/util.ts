// Argument parsing and typed key lookups shared by command families, with Redis's exact error strings.
import { RedisError, ERR_NOT_INTEGER, ERR_NOT_FLOAT, ERR_SYNTAX, WRONGTYPE } from '../store/errors.js';
import type { Db } from '../store/db.js';
import { RList } from '../store/list.js';
import { RHash } from '../store/hash.js';
import { RZSet } from '../store/zset.js';
import type { RValue } from '../store/value.js';
import { RSet } from '../store/set.js';
import { RStream } from '../store/stream.js';
import { NOTIFY_KEY_MISS } from '../config/notify-classes.js';
import type { Ctx } from '../server/command.js';

/** The largest string (proto-max-bulk-len's default): SETRANGE, APPEND and bit offsets stop there. */
export const MAX_STRING = 512 * 1024 * 1024;

const INT_RE = /^-?[0-9]+$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Parses a strict int64 like Redis's string2ll (no spaces, no '+', no leading zeros except "0"). */
export function parseIntStrict(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !INT_RE.test(s)) return null;
  if (s.length > 1 && (s[0] === '0' || (s[0] === '-' && s[1] === '0'))) return null;
  if (s === '-0') return null;
  const n = BigInt(s);
  if (n > INT64_MAX || n < INT64_MIN) return null;
  return n;
}

/** An int64 argument as a JS number when it fits exactly, else throws "not an integer or out of range". */
export function argInt(s: string, message = ERR_NOT_INTEGER): number {
  if (s.length <= 15 && /^-?(0|[1-9][0-9]*)$/.test(s)) {
    if (s === '-0') throw new RedisError(message);
    return Number(s);
  }
  const n = parseIntStrict(s);
  if (n === null) throw new RedisError(message);
  return Number(n);
}

export function argBigInt(s: string, message = ERR_NOT_INTEGER): bigint {
  const n = parseIntStrict(s);
  if (n === null) throw new RedisError(message);
  return n;
}

const FLOAT_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** Parses a double like Redis's string2d: accepts inf/-inf/+inf, rejects NaN, spaces and trailing junk. */
export function parseFloatStrict(s: string): number | null {
  if (s.length === 0) return null;
  if (FLOAT_RE.test(s)) {
    const d = Number(s);
    return Number.isNaN(d) ? null : d;
  }
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return null;
}

export function argFloat(s: string, message = ERR_NOT_FLOAT): number {
  const d = parseFloatStrict(s);
  if (d === null) throw new RedisError(message);
  return d;
}

/**
 * Redis's lookupKeyRead: the value, or undefined after announcing a 'keymiss' (class m). Commands that
 * Redis looks up for writing (lookupKeyWrite, no keymiss) pass write = true to the getters below.
 */
export function lookupReadOrMiss(db: Db, key: string, touch = true): RValue | undefined {
  const v = db.lookupRead(key, touch);
  if (v === undefined) db.notify(NOTIFY_KEY_MISS, 'keymiss', key);
  return v;
}

function lookup(db: Db, key: string, write: boolean): RValue | undefined {
  return write ? db.lookupWrite(key) : lookupReadOrMiss(db, key);
}

export function getString(db: Db, key: string, write = false): string | undefined {
  const v = lookup(db, key, write);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new RedisError(WRONGTYPE);
  return v;
}

export function getList(db: Db, key: string, write = false): RList | undefined {
  const v = lookup(db, key, write);
  if (v === undefined) return undefined;
  if (!(v instanceof RList)) throw new RedisError(WRONGTYPE);
  return v;
}

export function getHash(db: Db, key: string, write = false): RHash | undefined {
  const v = lookup(db, key, write);
  if (v === undefined) return undefined;
  if (!(v instanceof RHash)) throw new RedisError(WRONGTYPE);
  return v;
}

export function getSet(db: Db, key: string, write = false): RSet | undefined {
  const v = lookup(db, key, write);
  if (v === undefined) return undefined;
  if (!(v instanceof RSet)) throw new RedisError(WRONGTYPE);
  return v;
}

export function getZSet(db: Db, key: string, write = false): RZSet | undefined {
  const v = lookup(db, key, write);
  if (v === undefined) return undefined;
  if (!(v instanceof RZSet)) throw new RedisError(WRONGTYPE);
  return v;
}

export function getStream(db: Db, key: string, write = false): RStream | undefined {
  const v = lookup(db, key, write);
  if (v === undefined) return undefined;
  if (!(v instanceof RStream)) throw new RedisError(WRONGTYPE);
  return v;
}

/** Redis-style index normalisation for LRANGE/GETRANGE/ZRANGE: returns [start, end] or null if empty. */
export function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

/** Parses a blocking timeout in seconds (may be fractional) into ms, with Redis's errors. */
export function argTimeoutSeconds(s: string): number {
  const d = parseFloatStrict(s);
  if (d === null || !Number.isFinite(d)) throw new RedisError('ERR timeout is not a float or out of range');
  if (d < 0) throw new RedisError('ERR timeout is negative');
  return Math.round(d * 1000);
}

/** A numkeys argument (LMPOP, ZMPOP, SINTERCARD...): a positive integer. */
export function argNumkeys(s: string): number {
  const n = argInt(s, 'ERR numkeys should be greater than 0');
  if (n <= 0) throw new RedisError('ERR numkeys should be greater than 0');
  return n;
}

/** SINTERCARD / ZINTERCARD: numkeys key [key ...] [LIMIT limit]; limit 0 means none. */
export function parseNumkeysLimit(argv: string[]): { keys: string[]; limit: number } {
  const numkeys = argNumkeys(argv[1]);
  if (argv.length < 2 + numkeys)
    throw new RedisError("ERR Number of keys can't be greater than number of args");
  let limit = 0;
  for (let i = 2 + numkeys; i < argv.length; i += 2) {
    if (argv[i].toUpperCase() === 'LIMIT' && i + 1 < argv.length) {
      limit = argInt(argv[i + 1], "ERR LIMIT can't be negative");
      if (limit < 0) throw new RedisError("ERR LIMIT can't be negative");
    } else throw new RedisError(ERR_SYNTAX);
  }
  return { keys: argv.slice(2, 2 + numkeys), limit };
}

/**
 * LMPOP/BLMPOP/ZMPOP/BZMPOP: numkeys key [key ...] <end> [COUNT count], starting at argv[from];
 * `ends` are the two accepted words (LEFT/RIGHT or MIN/MAX). Returns which end (0 or 1) was given.
 */
export function parseMpop(
  argv: string[],
  from: number,
  ends: [string, string],
): { keys: string[]; end: 0 | 1; count: number } {
  const numkeys = argNumkeys(argv[from]);
  const keysEnd = from + 1 + numkeys;
  if (keysEnd >= argv.length) throw new RedisError(ERR_SYNTAX);
  const where = argv[keysEnd].toUpperCase();
  if (where !== ends[0] && where !== ends[1]) throw new RedisError(ERR_SYNTAX);
  let count = 1;
  let sawCount = false;
  for (let i = keysEnd + 1; i < argv.length; i += 2) {
    if (argv[i].toUpperCase() === 'COUNT' && i + 1 < argv.length && !sawCount) {
      count = argInt(argv[i + 1], 'ERR count should be greater than 0');
      if (count <= 0) throw new RedisError('ERR count should be greater than 0');
      sawCount = true;
    } else throw new RedisError(ERR_SYNTAX);
  }
  return { keys: argv.slice(from + 1, keysEnd), end: where === ends[0] ? 0 : 1, count };
}

/**
 * The keys a blocking command may serve from: all of them on its first run; on a re-run only the key
 * whose change woke it, and none when that key now holds no value of the type the command waits for
 * (deleted, or replaced by another type): then it keeps waiting, as Redis does.
 */
export function servableKeys(c: Ctx, keys: string[], holds: (v: RValue) => boolean): string[] {
  const k = c.wokenBy();
  if (k === null) return keys;
  const v = c.db.lookupRead(k, false);
  return v !== undefined && holds(v) && keys.includes(k) ? [k] : [];
}

/**
 * A HELP reply as Redis's addReplyHelp makes it: status lines, the usage line first, then the given
 * lines, then HELP itself.
 */
export function replyHelp(c: Ctx, command: string, lines: readonly string[]): void {
  c.arrayLen(lines.length + 3);
  c.simple(`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) c.simple(l);
  c.simple('HELP');
  c.simple('    Prints this help.');
}

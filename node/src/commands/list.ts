// List commands: push/pop (with counts), ranges, LINSERT/LREM/LSET/LTRIM/LPOS, LMOVE/RPOPLPUSH, LMPOP
// and the blocking variants (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP), with Redis 7.0 replies.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_SYNTAX, ERR_NO_SUCH_KEY, wrongArity } from '../store/errors.js';
import { RList } from '../store/list.js';
import { argInt, clampRange, getList, parseMpop, servableKeys } from './util.js';
import { timeoutMsLongDouble } from './hash.js';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../config/notify-classes.js';

type Side = 'LEFT' | 'RIGHT';

/**
 * A blocking timeout in seconds, as ms (0 = forever), computed like Redis 7.0: ceil(seconds * 1000) in
 * long double, so -0.0001 means "forever", 0.0001 means 1 ms, and a value too large for a C long long
 * (infinity included) is reported as negative.
 */
function blockTimeout(s: string): number {
  const ms = timeoutMsLongDouble(s);
  if (ms === null) throw new RedisError('ERR timeout is not a float or out of range');
  if (ms < 0n) throw new RedisError('ERR timeout is negative');
  return Number(ms);
}

function pushAll(l: RList, argv: string[], head: boolean): void {
  for (let i = 2; i < argv.length; i++) {
    if (head) l.pushHead(argv[i]);
    else l.pushTail(argv[i]);
  }
}

function pushGeneric(head: boolean, onlyIfExists: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const key = argv[1];
    let l = getList(c.db, key, true);
    if (l === undefined) {
      if (onlyIfExists) return c.int(0);
      l = new RList();
      pushAll(l, argv, head);
      c.db.set(key, l);
    } else {
      pushAll(l, argv, head);
      c.db.touched(key);
    }
    c.notify(NOTIFY_LIST, head ? 'lpush' : 'rpush', key);
    c.int(l.length);
  };
}

function popCount(argv: string[]): number | null {
  if (argv.length > 3) throw new RedisError(wrongArity(argv[0]));
  if (argv.length < 3) return null;
  const n = argInt(argv[2], 'ERR value is out of range, must be positive');
  if (n < 0) throw new RedisError('ERR value is out of range, must be positive');
  return n;
}

function popGeneric(head: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const count = popCount(argv);
    const key = argv[1];
    const l = getList(c.db, key, count !== 0);
    if (l === undefined) return count === null ? c.nil() : c.nilArray();
    if (count === null) {
      const v = (head ? l.popHead() : l.popTail()) as string;
      afterPop(c, key, l, head ? 'lpop' : 'rpop');
      return c.bulk(v);
    }
    if (count === 0) return c.arrayLen(0);
    const out = l.popMany(count, head);
    afterPop(c, key, l, head ? 'lpop' : 'rpop');
    c.bulks(out);
  };
}

/** After elements left the list: the command's event, then (as Redis) 'del' if it became empty. */
function afterPop(c: Ctx, key: string, l: RList, event: string): void {
  c.notify(NOTIFY_LIST, event, key);
  if (l.length === 0) {
    c.db.delete(key);
    c.notify(NOTIFY_GENERIC, 'del', key);
  } else c.db.touched(key);
}

function llen(c: Ctx, argv: string[]): void {
  c.int(getList(c.db, argv[1])?.length ?? 0);
}

function lindex(c: Ctx, argv: string[]): void {
  // Redis looks the key up (a missing key is nil) before parsing the index.
  const l = getList(c.db, argv[1]);
  if (l === undefined) return c.nil();
  const idx = argInt(argv[2]);
  const v = l.at(idx < 0 ? l.length + idx : idx);
  if (v === undefined) c.nil();
  else c.bulk(v);
}

function lset(c: Ctx, argv: string[]): void {
  // Redis looks the key up (no such key / WRONGTYPE) before parsing the index.
  const l = getList(c.db, argv[1], true);
  if (l === undefined) throw new RedisError(ERR_NO_SUCH_KEY);
  const idx = argInt(argv[2]);
  const i = idx < 0 ? l.length + idx : idx;
  if (i < 0 || i >= l.length) throw new RedisError('ERR index out of range');
  l.set(i, argv[3]);
  c.db.touched(argv[1]);
  c.notify(NOTIFY_LIST, 'lset', argv[1]);
  c.ok();
}

function lrange(c: Ctx, argv: string[]): void {
  const start = argInt(argv[2]);
  const end = argInt(argv[3]);
  const l = getList(c.db, argv[1]);
  if (l === undefined) return c.arrayLen(0);
  const r = clampRange(start, end, l.length);
  c.bulks(r === null ? [] : l.range(r[0], r[1]));
}

function ltrim(c: Ctx, argv: string[]): void {
  const start = argInt(argv[2]);
  const end = argInt(argv[3]);
  const l = getList(c.db, argv[1], true);
  if (l === undefined) return c.ok();
  const r = clampRange(start, end, l.length);
  l.replaceAll(r === null ? [] : l.range(r[0], r[1]));
  afterPop(c, argv[1], l, 'ltrim');
  c.ok();
}

function lrem(c: Ctx, argv: string[]): void {
  const count = argInt(argv[2]);
  const val = argv[3];
  const l = getList(c.db, argv[1], true);
  if (l === undefined) return c.int(0);
  const items = l.toArray();
  let removed = 0;
  const limit = count === 0 ? Infinity : Math.abs(count);
  const keep: (string | null)[] = items;
  if (count >= 0) {
    for (let i = 0; i < items.length && removed < limit; i++) {
      if (items[i] === val) {
        keep[i] = null;
        removed++;
      }
    }
  } else {
    for (let i = items.length - 1; i >= 0 && removed < limit; i--) {
      if (items[i] === val) {
        keep[i] = null;
        removed++;
      }
    }
  }
  if (removed > 0) {
    l.replaceAll(keep.filter((x): x is string => x !== null));
    afterPop(c, argv[1], l, 'lrem');
  }
  c.int(removed);
}

function linsert(c: Ctx, argv: string[]): void {
  const where = argv[2].toUpperCase();
  if (where !== 'BEFORE' && where !== 'AFTER') throw new RedisError(ERR_SYNTAX);
  const l = getList(c.db, argv[1], true);
  if (l === undefined) return c.int(0);
  const items = l.toArray();
  const i = items.indexOf(argv[3]);
  if (i < 0) return c.int(-1);
  items.splice(where === 'BEFORE' ? i : i + 1, 0, argv[4]);
  l.replaceAll(items);
  c.db.touched(argv[1]);
  c.notify(NOTIFY_LIST, 'linsert', argv[1]);
  c.int(l.length);
}

function lpos(c: Ctx, argv: string[]): void {
  let rank = 1;
  let count: number | null = null;
  let maxlen = 0;
  for (let i = 3; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    if (i + 1 >= argv.length) throw new RedisError(ERR_SYNTAX);
    if (opt === 'RANK') {
      // -2^63 cannot be negated; Redis 7.0 ends up treating it like -1.
      rank = argv[++i] === '-9223372036854775808' ? -1 : argInt(argv[i]);
      if (rank === 0) {
        throw new RedisError(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
      }
    } else if (opt === 'COUNT') {
      count = argInt(argv[++i], "ERR COUNT can't be negative");
      if (count < 0) throw new RedisError("ERR COUNT can't be negative");
    } else if (opt === 'MAXLEN') {
      maxlen = argInt(argv[++i], "ERR MAXLEN can't be negative");
      if (maxlen < 0) throw new RedisError("ERR MAXLEN can't be negative");
    } else throw new RedisError(ERR_SYNTAX);
  }
  const l = getList(c.db, argv[1]);
  if (l === undefined) return count === null ? c.nil() : c.arrayLen(0);
  const found: number[] = [];
  const want = count === null ? 1 : count === 0 ? Infinity : count;
  let skip = Math.abs(rank) - 1;
  const n = l.length;
  // a packed list is read once (its at() is a scan from the front)
  const items = l.compact ? l.toArray() : null;
  for (let step = 0; step < n && found.length < want; step++) {
    if (maxlen > 0 && step >= maxlen) break;
    const idx = rank > 0 ? step : n - 1 - step;
    if ((items !== null ? items[idx] : l.at(idx)) === argv[2]) {
      if (skip > 0) skip--;
      else found.push(idx);
    }
  }
  if (count === null) return found.length === 0 ? c.nil() : c.int(found[0]);
  c.arrayLen(found.length);
  for (const f of found) c.int(f);
}

function parseSide(s: string): Side {
  const u = s.toUpperCase();
  if (u !== 'LEFT' && u !== 'RIGHT') throw new RedisError(ERR_SYNTAX);
  return u;
}

/**
 * Moves one element; returns it or undefined when the source is empty. Type-checks dest first. As in
 * Redis the push is announced before the pop (and the source's 'del'); with src === dst the list is the
 * same object, so it never becomes empty.
 */
function moveOne(c: Ctx, src: string, dst: string, from: Side, to: Side): string | undefined {
  const s = getList(c.db, src, true);
  if (s === undefined) return undefined;
  let d = getList(c.db, dst, true);
  const v = (from === 'LEFT' ? s.popHead() : s.popTail()) as string;
  if (d === undefined) {
    d = new RList();
    if (to === 'LEFT') d.pushHead(v);
    else d.pushTail(v);
    c.db.set(dst, d);
  } else {
    if (to === 'LEFT') d.pushHead(v);
    else d.pushTail(v);
    c.db.touched(dst);
  }
  c.notify(NOTIFY_LIST, to === 'LEFT' ? 'lpush' : 'rpush', dst);
  afterPop(c, src, s, from === 'LEFT' ? 'lpop' : 'rpop');
  return v;
}

function lmove(c: Ctx, argv: string[]): void {
  const v = moveOne(c, argv[1], argv[2], parseSide(argv[3]), parseSide(argv[4]));
  if (v === undefined) c.nil();
  else c.bulk(v);
}

function rpoplpush(c: Ctx, argv: string[]): void {
  const v = moveOne(c, argv[1], argv[2], 'RIGHT', 'LEFT');
  if (v === undefined) c.nil();
  else c.bulk(v);
}

const isList = (v: unknown): boolean => v instanceof RList;

function blmove(c: Ctx, argv: string[]): void {
  const from = parseSide(argv[3]);
  const to = parseSide(argv[4]);
  const timeout = blockTimeout(argv[5]);
  if (servableKeys(c, [argv[1]], isList).length === 0) return c.block([argv[1]], timeout, 'nil');
  const v = moveOne(c, argv[1], argv[2], from, to);
  if (v === undefined) return c.block([argv[1]], timeout, 'nil');
  c.propagateAs(['LMOVE', argv[1], argv[2], from, to]);
  c.bulk(v);
}

function brpoplpush(c: Ctx, argv: string[]): void {
  const timeout = blockTimeout(argv[3]);
  if (servableKeys(c, [argv[1]], isList).length === 0) return c.block([argv[1]], timeout, 'nil');
  const v = moveOne(c, argv[1], argv[2], 'RIGHT', 'LEFT');
  if (v === undefined) return c.block([argv[1]], timeout, 'nil');
  c.propagateAs(['RPOPLPUSH', argv[1], argv[2]]);
  c.bulk(v);
}

function bpop(head: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const timeout = blockTimeout(argv[argv.length - 1]);
    const keys = argv.slice(1, -1);
    for (const key of servableKeys(c, keys, isList)) {
      const l = getList(c.db, key, true);
      if (l === undefined) continue;
      const v = (head ? l.popHead() : l.popTail()) as string;
      afterPop(c, key, l, head ? 'lpop' : 'rpop');
      c.propagateAs([head ? 'LPOP' : 'RPOP', key]);
      c.arrayLen(2);
      c.bulk(key);
      c.bulk(v);
      return;
    }
    c.block(keys, timeout, 'nilArray');
  };
}

/** Pops from the first non-empty list; replies [key, [elements]] and returns true, or false. */
function mpopServe(c: Ctx, keys: string[], side: Side, count: number): boolean {
  for (const key of keys) {
    const l = getList(c.db, key, true);
    if (l === undefined) continue;
    const out = l.popMany(count, side === 'LEFT');
    afterPop(c, key, l, side === 'LEFT' ? 'lpop' : 'rpop');
    c.propagateAs([side === 'LEFT' ? 'LPOP' : 'RPOP', key, String(out.length)]);
    c.arrayLen(2);
    c.bulk(key);
    c.bulks(out);
    return true;
  }
  return false;
}

function lmpop(c: Ctx, argv: string[]): void {
  const { keys, end, count } = parseMpop(argv, 1, ['LEFT', 'RIGHT']);
  if (!mpopServe(c, keys, end === 0 ? 'LEFT' : 'RIGHT', count)) c.nilArray();
}

function blmpop(c: Ctx, argv: string[]): void {
  // Redis parses numkeys, keys, the end and COUNT before the timeout.
  const { keys, end, count } = parseMpop(argv, 2, ['LEFT', 'RIGHT']);
  const timeout = blockTimeout(argv[1]);
  const side = end === 0 ? 'LEFT' : 'RIGHT';
  if (!mpopServe(c, servableKeys(c, keys, isList), side, count)) c.block(keys, timeout, 'nilArray');
}

const K1: [number, number, number] = [1, 1, 1];

export const commands: CommandSpec[] = [
  cmd('lpush', -3, ['write', 'denyoom', 'fast'], K1, 'list', pushGeneric(true, false)),
  cmd('rpush', -3, ['write', 'denyoom', 'fast'], K1, 'list', pushGeneric(false, false)),
  cmd('lpushx', -3, ['write', 'denyoom', 'fast'], K1, 'list', pushGeneric(true, true)),
  cmd('rpushx', -3, ['write', 'denyoom', 'fast'], K1, 'list', pushGeneric(false, true)),
  cmd('lpop', -2, ['write', 'fast'], K1, 'list', popGeneric(true)),
  cmd('rpop', -2, ['write', 'fast'], K1, 'list', popGeneric(false)),
  cmd('llen', 2, ['readonly', 'fast'], K1, 'list', llen),
  cmd('lindex', 3, ['readonly'], K1, 'list', lindex),
  cmd('lset', 4, ['write', 'denyoom'], K1, 'list', lset),
  cmd('lrange', 4, ['readonly'], K1, 'list', lrange),
  cmd('ltrim', 4, ['write'], K1, 'list', ltrim),
  cmd('lrem', 4, ['write'], K1, 'list', lrem),
  cmd('linsert', 5, ['write', 'denyoom'], K1, 'list', linsert),
  cmd('lpos', -3, ['readonly'], K1, 'list', lpos),
  cmd('lmove', 5, ['write', 'denyoom'], [1, 2, 1], 'list', lmove),
  cmd('rpoplpush', 3, ['write', 'denyoom'], [1, 2, 1], 'list', rpoplpush),
  cmd('lmpop', -4, ['write'], [0, 0, 0], 'list', lmpop),
  cmd('blpop', -3, ['write', 'noscript', 'blocking'], [1, -2, 1], 'list', bpop(true)),
  cmd('brpop', -3, ['write', 'noscript', 'blocking'], [1, -2, 1], 'list', bpop(false)),
  cmd('blmove', 6, ['write', 'denyoom', 'noscript', 'blocking'], [1, 2, 1], 'list', blmove),
  cmd('brpoplpush', 4, ['write', 'denyoom', 'noscript', 'blocking'], [1, 2, 1], 'list', brpoplpush),
  cmd('blmpop', -5, ['write', 'blocking'], [0, 0, 0], 'list', blmpop),
];

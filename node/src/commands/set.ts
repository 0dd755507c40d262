// Set commands: SADD/SREM/membership, SRANDMEMBER/SPOP with counts, SMOVE, set algebra and *STORE,
// SINTERCARD, SSCAN.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_SYNTAX, WRONGTYPE } from '../store/errors.js';
import { getSet, parseNumkeysLimit, argInt } from './util.js';
import { compactLimits } from '../store/encoding-limits.js';
import { isCanonicalInt } from '../store/value.js';
import { argRandCount, checkScanCursor, parseScanOptions, scanReply, shuffle } from './hash.js';
import { globMatch } from './glob.js';
import { RSet } from '../store/set.js';
import { NOTIFY_GENERIC, NOTIFY_SET } from '../config/notify-classes.js';

/**
 * Members in reply order. Redis stores small all-integer sets as a sorted intset, so clients see them
 * in numeric order; we reply in the same order for sets that would be intsets.
 */
export function replyOrder(s: Iterable<string>, size: number): string[] {
  const all = [...s];
  if (s instanceof RSet) return all; // an intset iterates in order already
  if (size <= compactLimits.setMaxIntsetEntries && all.every(isCanonicalInt)) {
    return all.sort((a, b) => {
      const d = BigInt(a) - BigInt(b);
      return d < 0n ? -1 : d > 0n ? 1 : 0;
    });
  }
  return all;
}

function sadd(c: Ctx, argv: string[]): void {
  let s = getSet(c.db, argv[1], true);
  const created = s === undefined;
  s ??= new RSet();
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (s.put(argv[i])) n++;
  if (created) c.db.set(argv[1], s);
  else if (n > 0) c.db.touched(argv[1]);
  if (n > 0) c.notify(NOTIFY_SET, 'sadd', argv[1]);
  c.int(n);
}

/** After members left the set: the command's event, then (as Redis) 'del' if it became empty. */
function afterRemove(c: Ctx, key: string, s: RSet, event: string): void {
  c.notify(NOTIFY_SET, event, key);
  if (s.size === 0) {
    c.db.delete(key);
    c.notify(NOTIFY_GENERIC, 'del', key);
  } else c.db.touched(key);
}

function srem(c: Ctx, argv: string[]): void {
  const s = getSet(c.db, argv[1], true);
  if (s === undefined) return c.int(0);
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (s.delete(argv[i])) n++;
  if (n > 0) afterRemove(c, argv[1], s, 'srem');
  c.int(n);
}

function scard(c: Ctx, argv: string[]): void {
  c.int(getSet(c.db, argv[1])?.size ?? 0);
}

function sismember(c: Ctx, argv: string[]): void {
  c.int(getSet(c.db, argv[1])?.has(argv[2]) ? 1 : 0);
}

function smismember(c: Ctx, argv: string[]): void {
  const s = getSet(c.db, argv[1]);
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.int(s?.has(argv[i]) ? 1 : 0);
}

function smembers(c: Ctx, argv: string[]): void {
  const s = getSet(c.db, argv[1]);
  if (s === undefined) return c.setLen(0);
  c.setLen(s.size);
  for (const m of replyOrder(s, s.size)) c.bulk(m);
}

function randomMember(s: RSet): string {
  let i = Math.floor(Math.random() * s.size);
  for (const m of s) if (i-- === 0) return m;
  throw new Error('unreachable');
}

/** k distinct members of s in random order (k < s.size). */
function sample(s: RSet, k: number): string[] {
  const all = [...s];
  if (k * 3 >= all.length) return shuffle(all).slice(0, k);
  const picked = new Set<number>();
  while (picked.size < k) picked.add(Math.floor(Math.random() * all.length));
  return [...picked].map((i) => all[i]);
}

function srandmember(c: Ctx, argv: string[]): void {
  if (argv.length > 3) throw new RedisError(ERR_SYNTAX);
  if (argv.length === 2) {
    const s = getSet(c.db, argv[1]);
    if (s === undefined) c.nil();
    else c.bulk(randomMember(s));
    return;
  }
  // The count is checked before the key, as in Redis.
  const count = Number(argRandCount(argv[2]));
  const s = getSet(c.db, argv[1]);
  if (s === undefined || count === 0) return c.arrayLen(0);
  if (count < 0) {
    // Repetitions allowed: exactly -count items, streamed.
    // One snapshot of the members, so a large count stays O(size + count).
    const all = [...s];
    c.arrayLen(-count);
    for (let i = 0; i < -count; i++) c.bulk(all[Math.floor(Math.random() * all.length)]);
    return;
  }
  // An array (not a set) even when the count covers the whole set.
  c.bulks(count >= s.size ? replyOrder(s, s.size) : sample(s, count));
}

/** SREM argvs for the popped members, at most 1024 members each (how Redis 7.0 propagates SPOP). */
function sremBatches(key: string, members: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < members.length; i += 1024) out.push(['SREM', key, ...members.slice(i, i + 1024)]);
  return out;
}

function spop(c: Ctx, argv: string[]): void {
  if (argv.length > 3) throw new RedisError(ERR_SYNTAX);
  const key = argv[1];
  if (argv.length === 2) {
    const s = getSet(c.db, key, true);
    if (s === undefined) return c.nil();
    const m = randomMember(s);
    s.delete(m);
    afterRemove(c, key, s, 'spop');
    c.propagateAs(['SREM', key, m]);
    return c.bulk(m);
  }
  const positive = 'ERR value is out of range, must be positive';
  const count = argInt(argv[2], positive);
  if (count < 0) throw new RedisError(positive);
  const s = getSet(c.db, key, count !== 0);
  if (s === undefined || count === 0) return c.setLen(0);
  if (count >= s.size) {
    // The whole set: replied like SMEMBERS, and the key is deleted (propagated as DEL).
    const all = replyOrder(s, s.size);
    c.notify(NOTIFY_SET, 'spop', key);
    c.db.delete(key);
    c.notify(NOTIFY_GENERIC, 'del', key);
    c.propagateAs(['DEL', key]);
    c.setLen(all.length);
    for (const m of all) c.bulk(m);
    return;
  }
  const picked = sample(s, count);
  for (const m of picked) s.delete(m);
  afterRemove(c, key, s, 'spop');
  c.propagateAs(...sremBatches(key, picked));
  c.setLen(picked.length);
  for (const m of picked) c.bulk(m);
}

function smove(c: Ctx, argv: string[]): void {
  const [, src, dst, member] = argv;
  // As in Redis: both keys are looked up (for writing), a missing source replies 0 before any type
  // check, then both types are checked.
  const sv = c.db.lookupWrite(src);
  const dv = c.db.lookupWrite(dst);
  if (sv === undefined) return c.int(0);
  if (!(sv instanceof RSet) || (dv !== undefined && !(dv instanceof RSet))) throw new RedisError(WRONGTYPE);
  const s = sv;
  const dw = dv;
  if (src === dst) return c.int(s.has(member) ? 1 : 0);
  if (!s.delete(member)) return c.int(0);
  // As Redis: 'srem' (and 'del') for the source, then 'sadd' only if the member was new to dst.
  afterRemove(c, src, s, 'srem');
  if (dw === undefined) {
    c.db.set(dst, RSet.from([member]));
    c.notify(NOTIFY_SET, 'sadd', dst);
  } else if (!dw.has(member)) {
    dw.add(member);
    c.db.touched(dst);
    c.notify(NOTIFY_SET, 'sadd', dst);
  }
  c.int(1);
}

function loadSets(c: Ctx, keys: string[]): (RSet | undefined)[] {
  return keys.map((k) => getSet(c.db, k));
}

function inter(sets: (RSet | undefined)[], limit = Infinity): Set<string> {
  const out = new Set<string>();
  if (sets.some((s) => s === undefined || s.size === 0)) return out;
  const sorted = (sets as RSet[]).slice().sort((a, b) => a.size - b.size);
  for (const m of sorted[0]) {
    if (sorted.every((s) => s.has(m))) {
      out.add(m);
      if (out.size >= limit) break;
    }
  }
  return out;
}

function union(sets: (RSet | undefined)[]): Set<string> {
  const out = new Set<string>();
  for (const s of sets) if (s !== undefined) for (const m of s) out.add(m);
  return out;
}

function diff(sets: (RSet | undefined)[]): Set<string> {
  const [first, ...rest] = sets;
  const out = new Set<string>();
  if (first === undefined) return out;
  for (const m of first) if (!rest.some((s) => s?.has(m))) out.add(m);
  return out;
}

function algebra(op: (sets: (RSet | undefined)[]) => Set<string>) {
  return (c: Ctx, argv: string[]): void => {
    const r = op(loadSets(c, argv.slice(1)));
    c.setLen(r.size);
    for (const m of replyOrder(r, r.size)) c.bulk(m);
  };
}

function algebraStore(op: (sets: (RSet | undefined)[]) => Set<string>, event: string) {
  return (c: Ctx, argv: string[]): void => {
    const r = op(loadSets(c, argv.slice(2)));
    const dst = argv[1];
    if (r.size === 0) {
      if (c.db.delete(dst)) c.notify(NOTIFY_GENERIC, 'del', dst);
    } else {
      c.db.set(dst, RSet.from(r));
      c.notify(NOTIFY_SET, event, dst);
    }
    c.int(r.size);
  };
}

function sintercard(c: Ctx, argv: string[]): void {
  const { keys, limit } = parseNumkeysLimit(argv);
  c.int(inter(loadSets(c, keys), limit === 0 ? Infinity : limit).size);
}

/** The whole set in one reply with cursor 0; cursor, then key, then options are checked, as in Redis. */
function sscan(c: Ctx, argv: string[]): void {
  checkScanCursor(argv[2]);
  const s = getSet(c.db, argv[1]);
  if (s === undefined) return scanReply(c, []);
  const pattern = parseScanOptions(argv, 3);
  const out: string[] = [];
  for (const m of replyOrder(s, s.size))
    if (pattern === null || pattern === '*' || globMatch(pattern, m)) out.push(m);
  scanReply(c, out);
}

const K1: [number, number, number] = [1, 1, 1];

export const commands: CommandSpec[] = [
  cmd('sadd', -3, ['write', 'denyoom', 'fast'], K1, 'set', sadd),
  cmd('srem', -3, ['write', 'fast'], K1, 'set', srem),
  cmd('scard', 2, ['readonly', 'fast'], K1, 'set', scard),
  cmd('sismember', 3, ['readonly', 'fast'], K1, 'set', sismember),
  cmd('smismember', -3, ['readonly', 'fast'], K1, 'set', smismember),
  cmd('smembers', 2, ['readonly'], K1, 'set', smembers),
  cmd('srandmember', -2, ['readonly'], K1, 'set', srandmember),
  cmd('spop', -2, ['write', 'fast'], K1, 'set', spop),
  cmd('smove', 4, ['write', 'fast'], [1, 2, 1], 'set', smove),
  cmd('sinter', -2, ['readonly'], [1, -1, 1], 'set', algebra(inter)),
  cmd('sunion', -2, ['readonly'], [1, -1, 1], 'set', algebra(union)),
  cmd('sdiff', -2, ['readonly'], [1, -1, 1], 'set', algebra(diff)),
  cmd(
    'sinterstore',
    -3,
    ['write', 'denyoom'],
    [1, -1, 1],
    'set',
    algebraStore((s) => inter(s), 'sinterstore'),
  ),
  cmd('sunionstore', -3, ['write', 'denyoom'], [1, -1, 1], 'set', algebraStore(union, 'sunionstore')),
  cmd('sdiffstore', -3, ['write', 'denyoom'], [1, -1, 1], 'set', algebraStore(diff, 'sdiffstore')),
  cmd('sintercard', -3, ['readonly'], [0, 0, 0], 'set', sintercard),
  cmd('sscan', -3, ['readonly'], K1, 'set', sscan),
];

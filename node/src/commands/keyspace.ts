// Generic keyspace commands: DEL/UNLINK/EXISTS/TYPE/KEYS/SCAN/RANDOMKEY/RENAME/COPY/MOVE/OBJECT/TOUCH
// and the expiry commands (EXPIRE family with NX/XX/GT/LT, TTL family, PERSIST).
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_SYNTAX, ERR_NO_SUCH_KEY, unknownSubcommand } from '../store/errors.js';
import { typeOf, encodingOf, cloneValue } from '../store/value.js';
import { argInt, lookupReadOrMiss, parseIntStrict, replyHelp } from './util.js';
import { globMatch } from './glob.js';
import { NOTIFY_GENERIC, NOTIFY_KEY_MISS } from '../config/notify-classes.js';
import type { Entry } from '../store/keyspace.js';
import { idleMs, lfuCounter } from '../store/lru.js';

function del(c: Ctx, argv: string[]): void {
  let n = 0;
  c.db.ks.prefetch(argv, 1, 1);
  for (let i = 1; i < argv.length; i++) {
    if (c.db.delete(argv[i])) {
      c.notify(NOTIFY_GENERIC, 'del', argv[i]);
      n++;
    }
  }
  c.int(n);
}

function exists(c: Ctx, argv: string[]): void {
  let n = 0;
  c.db.ks.prefetch(argv, 1, 1);
  for (let i = 1; i < argv.length; i++) {
    if (c.db.exists(argv[i])) n++;
    else c.notify(NOTIFY_KEY_MISS, 'keymiss', argv[i]);
  }
  c.int(n);
}

function type(c: Ctx, argv: string[]): void {
  const v = lookupReadOrMiss(c.db, argv[1], false); // TYPE is not an access (LOOKUP_NOTOUCH)
  c.simple(v === undefined ? 'none' : typeOf(v));
}

function keys(c: Ctx, argv: string[]): void {
  const pat = argv[1];
  const all = pat === '*';
  const out: string[] = [];
  const now = c.now();
  for (const [k, e] of c.db.ks.dict) {
    if (e.expireAt !== -1 && e.expireAt <= now) continue;
    if (all || globMatch(pat, k)) out.push(k);
  }
  c.bulks(out);
}

/** Parses a SCAN cursor: an unsigned 64-bit decimal. */
export function parseCursor(s: string): number {
  if (!/^[0-9]+$/.test(s)) throw new RedisError('ERR invalid cursor');
  const n = BigInt(s);
  if (n > 18446744073709551615n) throw new RedisError('ERR invalid cursor');
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

function scan(c: Ctx, argv: string[]): void {
  const cursor = parseCursor(argv[1]);
  let count = 10;
  let pattern: string | null = null;
  let typeFilter: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toUpperCase();
    if (i + 1 >= argv.length) throw new RedisError(ERR_SYNTAX);
    if (a === 'COUNT') {
      count = argInt(argv[++i]);
      if (count < 1) throw new RedisError(ERR_SYNTAX);
    } else if (a === 'MATCH') pattern = argv[++i];
    else if (a === 'TYPE') typeFilter = argv[++i].toLowerCase();
    else throw new RedisError(ERR_SYNTAX);
  }
  const out: string[] = [];
  const now = c.now();
  const expired: string[] = [];
  const next = c.db.ks.scan(cursor, count, (k, e) => {
    if (pattern !== null && pattern !== '*' && !globMatch(pattern, k)) return;
    if (e.expireAt !== -1 && e.expireAt <= now) {
      expired.push(k);
      return;
    }
    if (typeFilter !== null && typeOf(e.value) !== typeFilter) return;
    out.push(k);
  });
  // Like Redis, an expired key that matches the pattern is deleted (an 'expired' event) and, with TYPE,
  // was looked up for its type first (a 'keymiss'). Done after the walk, in the walk's order.
  for (const k of expired) {
    c.db.exists(k);
    if (typeFilter !== null) c.notify(NOTIFY_KEY_MISS, 'keymiss', k);
  }
  c.arrayLen(2);
  c.bulk(String(next));
  c.bulks(out);
}

function randomkey(c: Ctx): void {
  for (let tries = 0; tries < 100; tries++) {
    const k = c.db.ks.randomKey();
    if (k === undefined) return c.nil();
    if (c.db.exists(k)) return c.bulk(k);
  }
  c.nil();
}

function renameGeneric(nx: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const [, src, dst] = argv;
    const e = c.db.lookupEntry(src);
    if (e === undefined) throw new RedisError(ERR_NO_SUCH_KEY);
    if (src === dst) return nx ? c.int(0) : c.ok();
    if (nx && c.db.exists(dst)) return c.int(0);
    const value = e.tagged;
    const ttl = e.expireAt;
    // As Redis: an existing destination is deleted and the key added anew ('new'), no 'del' for it.
    c.db.delete(dst);
    c.db.delete(src);
    c.db.set(dst, value);
    if (ttl !== -1) c.db.setExpire(dst, ttl);
    c.notify(NOTIFY_GENERIC, 'rename_from', src);
    c.notify(NOTIFY_GENERIC, 'rename_to', dst);
    if (nx) c.int(1);
    else c.ok();
  };
}

function copy(c: Ctx, argv: string[]): void {
  const [, src, dst] = argv;
  let target = c.db;
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i].toUpperCase();
    if (a === 'REPLACE') replace = true;
    else if (a === 'DB' && i + 1 < argv.length) {
      const idx = argInt(argv[++i]);
      const d = c.dbAt(idx);
      if (d === undefined) throw new RedisError('ERR DB index is out of range');
      target = d;
    } else throw new RedisError(ERR_SYNTAX);
  }
  if (src === dst && target === c.db) throw new RedisError('ERR source and destination objects are the same');
  const e = c.db.lookupEntry(src);
  if (e === undefined) {
    c.notify(NOTIFY_KEY_MISS, 'keymiss', src);
    return c.int(0);
  }
  if (target.exists(dst)) {
    if (!replace) return c.int(0);
    target.delete(dst);
  }
  target.set(dst, cloneValue(e.tagged));
  if (e.expireAt !== -1) target.setExpire(dst, e.expireAt);
  target.notify(NOTIFY_GENERIC, 'copy_to', dst);
  c.int(1);
}

function move(c: Ctx, argv: string[]): void {
  const idx = argInt(argv[2], 'ERR value is not an integer or out of range');
  const target = c.dbAt(idx);
  if (target === undefined) throw new RedisError('ERR DB index is out of range');
  if (target === c.db) throw new RedisError('ERR source and destination objects are the same');
  const e = c.db.lookupEntry(argv[1]);
  if (e === undefined || target.exists(argv[1])) return c.int(0);
  const { tagged: value, expireAt } = e;
  c.db.delete(argv[1]);
  target.set(argv[1], value);
  if (expireAt !== -1) target.setExpire(argv[1], expireAt);
  c.notify(NOTIFY_GENERIC, 'move_from', argv[1]);
  target.notify(NOTIFY_GENERIC, 'move_to', argv[1]);
  c.int(1);
}

function object(c: Ctx, argv: string[]): void {
  const sub = argv[1].toLowerCase();
  if (sub === 'help') {
    return replyHelp(c, 'OBJECT', [
      'ENCODING <key>',
      '    Return the kind of internal representation used in order to store the value',
      '    associated with a <key>.',
      'FREQ <key>',
      '    Return the access frequency index of the <key>. The returned integer is',
      '    proportional to the logarithm of the recent access frequency of the key.',
      'IDLETIME <key>',
      '    Return the idle time of the <key>, that is the approximated number of',
      '    seconds elapsed since the last access to the key.',
      'REFCOUNT <key>',
      '    Return the number of references of the value associated with the specified',
      '    <key>.',
    ]);
  }
  if (argv.length !== 3 || !['encoding', 'freq', 'idletime', 'refcount'].includes(sub)) {
    throw new RedisError(unknownSubcommand(argv[1], 'OBJECT'));
  }
  // Not an access: OBJECT must not change the idle time or the frequency it reports.
  const v = c.db.lookupRead(argv[2], false);
  if (v === undefined) return c.nil();
  if (sub === 'encoding') return c.bulk(encodingOf((c.db.ks.get(argv[2]) as Entry).tagged));
  if (sub === 'refcount')
    return c.int(typeof v === 'string' && /^(0|[1-9][0-9]{0,3})$/.test(v) ? 2147483647 : 1);
  const e = c.db.ks.get(argv[2]) as Entry;
  const access = c.db.access;
  if (sub === 'idletime') {
    if (access.lfu)
      throw new RedisError(
        'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
      );
    return c.int(Math.floor(idleMs(e.lru, c.now()) / 1000));
  }
  if (!access.lfu)
    throw new RedisError(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  c.int(lfuCounter(e.lru, c.now(), access));
}

function touch(c: Ctx, argv: string[]): void {
  exists(c, argv);
}

// ---- expiry ----

type ExpireFlag = 'NX' | 'XX' | 'GT' | 'LT' | null;

function parseExpireFlags(argv: string[], from: number): ExpireFlag {
  let nx = false,
    xx = false,
    gt = false,
    lt = false;
  for (let i = from; i < argv.length; i++) {
    const a = argv[i].toUpperCase();
    if (a === 'NX') nx = true;
    else if (a === 'XX') xx = true;
    else if (a === 'GT') gt = true;
    else if (a === 'LT') lt = true;
    else throw new RedisError(`ERR Unsupported option ${argv[i]}`);
  }
  if (nx && (xx || gt || lt))
    throw new RedisError('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (gt && lt) throw new RedisError('ERR GT and LT options at the same time are not compatible');
  return nx ? 'NX' : xx ? 'XX' : gt ? 'GT' : lt ? 'LT' : null;
}

function expireGeneric(unitMs: number, absolute: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const key = argv[1];
    const name = argv[0].toLowerCase();
    // As Redis 7.0: the flags first, then the time, refused when the unit conversion or adding the
    // base time would leave a signed 64-bit integer (C's division truncates towards zero).
    const flag = parseExpireFlags(argv, 3);
    const raw = parseIntStrict(argv[2]);
    if (raw === null) throw new RedisError('ERR value is not an integer or out of range');
    const INT64_MAX = 9223372036854775807n;
    const INT64_MIN = -9223372036854775808n;
    const invalid = `ERR invalid expire time in '${name}' command`;
    let when = raw;
    if (unitMs === 1000) {
      if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) throw new RedisError(invalid);
      when *= 1000n;
    }
    const base = absolute ? 0n : BigInt(c.now());
    if (when > INT64_MAX - base) throw new RedisError(invalid);
    when += base;
    const at = Number(when);
    const cur = c.db.getExpire(key);
    if (cur === -2) return c.int(0);
    if (flag === 'NX' && cur !== -1) return c.int(0);
    if (flag === 'XX' && cur === -1) return c.int(0);
    if (flag === 'GT' && (cur === -1 || at <= cur)) return c.int(0);
    if (flag === 'LT' && cur !== -1 && at >= cur) return c.int(0);
    if (at <= c.now() && c.db.ks !== undefined && expireDeletesNow(c)) {
      c.db.delete(key);
      c.propagateAs(['DEL', key]);
      c.notify(NOTIFY_GENERIC, 'del', key);
      return c.int(1);
    }
    c.db.setExpire(key, at);
    c.propagateAs(['PEXPIREAT', key, String(at)]);
    c.notify(NOTIFY_GENERIC, 'expire', key);
    c.int(1);
  };
}

/** Masters delete keys given a past expiry at once; replicas (applying the master's stream) keep them. */
export const expiryPolicy: { deleteOnPastExpire: () => boolean } = { deleteOnPastExpire: () => true };

function expireDeletesNow(_c: Ctx): boolean {
  return expiryPolicy.deleteOnPastExpire();
}

function ttlGeneric(unit: 'ms' | 's', absolute: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const at = c.db.getExpire(argv[1]);
    if (at === -2) c.notify(NOTIFY_KEY_MISS, 'keymiss', argv[1]);
    if (at < 0) return c.int(at);
    if (absolute) return c.int(unit === 's' ? Math.floor((at + 500) / 1000) : at);
    const left = Math.max(0, at - c.now());
    c.int(unit === 's' ? Math.floor((left + 500) / 1000) : left);
  };
}

function persist(c: Ctx, argv: string[]): void {
  const at = c.db.getExpire(argv[1]);
  if (at < 0) return c.int(0);
  c.db.setExpire(argv[1], -1);
  c.notify(NOTIFY_GENERIC, 'persist', argv[1]);
  c.int(1);
}

const K1: [number, number, number] = [1, 1, 1];

export const commands: CommandSpec[] = [
  cmd('del', -2, ['write'], [1, -1, 1], 'keyspace', del),
  cmd('unlink', -2, ['write', 'fast'], [1, -1, 1], 'keyspace', del),
  cmd('exists', -2, ['readonly', 'fast'], [1, -1, 1], 'keyspace', exists),
  cmd('touch', -2, ['readonly', 'fast'], [1, -1, 1], 'keyspace', touch),
  cmd('type', 2, ['readonly', 'fast'], K1, 'keyspace', type),
  cmd('keys', 2, ['readonly'], [0, 0, 0], 'keyspace', keys),
  cmd('scan', -2, ['readonly'], [0, 0, 0], 'keyspace', scan),
  cmd('randomkey', 1, ['readonly'], [0, 0, 0], 'keyspace', randomkey),
  cmd('rename', 3, ['write'], [1, 2, 1], 'keyspace', renameGeneric(false)),
  cmd('renamenx', 3, ['write', 'fast'], [1, 2, 1], 'keyspace', renameGeneric(true)),
  cmd('copy', -3, ['write', 'denyoom'], [1, 2, 1], 'keyspace', copy),
  cmd('move', 3, ['write', 'fast'], K1, 'keyspace', move),
  cmd('object', -2, ['readonly'], [2, 2, 1], 'keyspace', object),
  cmd('expire', -3, ['write', 'fast'], K1, 'keyspace', expireGeneric(1000, false)),
  cmd('pexpire', -3, ['write', 'fast'], K1, 'keyspace', expireGeneric(1, false)),
  cmd('expireat', -3, ['write', 'fast'], K1, 'keyspace', expireGeneric(1000, true)),
  cmd('pexpireat', -3, ['write', 'fast'], K1, 'keyspace', expireGeneric(1, true)),
  cmd('ttl', 2, ['readonly', 'fast'], K1, 'keyspace', ttlGeneric('s', false)),
  cmd('pttl', 2, ['readonly', 'fast'], K1, 'keyspace', ttlGeneric('ms', false)),
  cmd('expiretime', 2, ['readonly', 'fast'], K1, 'keyspace', ttlGeneric('s', true)),
  cmd('pexpiretime', 2, ['readonly', 'fast'], K1, 'keyspace', ttlGeneric('ms', true)),
  cmd('persist', 2, ['write', 'fast'], K1, 'keyspace', persist),
];

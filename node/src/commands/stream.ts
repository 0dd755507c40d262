// Stream commands without consumer groups: XADD (IDs, NOMKSTREAM, MAXLEN / MINID with = / ~ and LIMIT),
// XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID and XREAD (blocking too), with Redis 7.0's replies,
// errors, keyspace events and propagation (generated IDs and approximate trims rewritten as applied).
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_NO_SUCH_KEY, ERR_SYNTAX, wrongArity } from '../store/errors.js';
import { RStream, streamLimits } from '../store/stream.js';
import {
  ID_MAX,
  U64_MAX,
  formatId,
  idMs,
  idSeq,
  makeId,
  parseId,
  type StreamId,
} from '../store/stream-id.js';
import { NOTIFY_STREAM } from '../config/notify-classes.js';
import { argInt, getStream } from './util.js';
import {
  ERR_INVALID_ID,
  argCount,
  argIntervalId,
  argStreamId,
  parseXreadArgs,
  replyEntries,
} from './stream-util.js';

/** A stream's entries may not exceed a listpack's size (STREAM_LISTPACK_MAX_SIZE). */
const LISTPACK_MAX_SIZE = 1 << 30;
/** XREAD BLOCK without COUNT is served at most this many entries per stream when woken. */
const XREAD_BLOCKED_DEFAULT_COUNT = 1000;
const ERR_TOO_LARGE = 'ERR Elements are too large to be stored';

interface TrimArgs {
  strategy: 'none' | 'maxlen' | 'minid';
  maxLen: number;
  minId: StreamId;
  approx: boolean;
  limit: number;
  /** argv index of the threshold (MAXLEN n / MINID id), for the rewrite. */
  thresholdAt: number;
}

interface AddArgs extends TrimArgs {
  noMkStream: boolean;
  /** The explicit ID; null for `*`. */
  id: StreamId | null;
  /** The sequence was given (false for `*` and `<ms>-*`). */
  seqGiven: boolean;
  /** argv index of the ID argument. */
  idAt: number;
}

/** streamParseAddOrTrimArgsOrReply: XADD's (xadd) or XTRIM's options, from argv[2]. */
function parseAddOrTrim(c: Ctx, argv: string[], xadd: boolean): AddArgs {
  const a: AddArgs = {
    strategy: 'none',
    maxLen: 0,
    minId: 0n,
    approx: false,
    limit: -1,
    thresholdAt: 0,
    noMkStream: false,
    id: null,
    seqGiven: true,
    idAt: argv.length,
  };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = argv[i];
    const o = opt.toUpperCase();
    if (xadd && opt === '*') {
      a.seqGiven = false;
      break;
    } else if ((o === 'MAXLEN' || o === 'MINID') && more > 0) {
      if (a.strategy !== 'none')
        throw new RedisError(
          'ERR syntax error, MAXLEN and MINID options at the same time are not compatible',
        );
      a.approx = false;
      const next = argv[i + 1];
      if (more >= 2 && (next === '~' || next === '=')) {
        a.approx = next === '~';
        i++;
      }
      if (o === 'MAXLEN') {
        const n = argInt(argv[i + 1]);
        if (n < 0) throw new RedisError('ERR The MAXLEN argument must be >= 0.');
        a.maxLen = n;
        a.strategy = 'maxlen';
      } else {
        a.minId = argStreamId(argv[i + 1], 0n, true);
        a.strategy = 'minid';
      }
      i++;
      a.thresholdAt = i;
    } else if (o === 'LIMIT' && more > 0) {
      const n = argInt(argv[i + 1]);
      if (n < 0) throw new RedisError('ERR The LIMIT argument must be >= 0.');
      a.limit = n;
      limitGiven = true;
      i++;
    } else if (xadd && o === 'NOMKSTREAM') {
      a.noMkStream = true;
    } else if (xadd) {
      const p = parseId(opt, 0n, { seqAuto: true });
      if (p === null) throw new RedisError(ERR_INVALID_ID);
      a.id = p.id;
      a.seqGiven = !p.seqAuto;
      break;
    } else throw new RedisError(ERR_SYNTAX);
  }
  a.idAt = i;
  if (a.limit > 0 && a.strategy === 'none')
    throw new RedisError('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && a.strategy === 'none')
    throw new RedisError('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (c.isMaster) {
    // The master rewrote the threshold to what it applied: no LIMIT, whatever it sent.
    a.limit = 0;
  } else if (limitGiven) {
    if (!a.approx)
      throw new RedisError('ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else if (a.approx) {
    a.limit = 100 * streamLimits.nodeMaxEntries;
    if (a.limit <= 0 || a.limit > 10000) a.limit = 10000;
  } else a.limit = 0;
  return a;
}

function trimStream(s: RStream, a: TrimArgs): number {
  if (a.strategy === 'none') return 0;
  return s.trim(a.strategy === 'maxlen' ? { maxLen: a.maxLen } : { minId: a.minId }, a.approx, a.limit);
}

/**
 * What a replica must apply after an approximate trim: `=` and the exact threshold reached (the length,
 * or the first entry's ID, deleted or not), so it trims exactly what we trimmed.
 */
function rewriteTrim(argv: string[], s: RStream, a: TrimArgs): void {
  argv[a.thresholdAt - 1] = '=';
  argv[a.thresholdAt] = a.strategy === 'maxlen' ? String(s.length) : formatId(s.firstEntryId());
}

/**
 * The ID an XADD adds (streamAppendItem): null when it is not above the stream's last ID, 'exhausted'
 * when `<ms>-*` finds that millisecond's sequence used up (Redis 7.0 then reports it as "too large").
 */
function nextId(s: RStream, a: AddArgs, now: number): StreamId | null | 'exhausted' {
  let id: StreamId;
  if (a.id !== null && a.seqGiven) id = a.id;
  else if (a.id !== null) {
    if (idMs(s.lastId) === idMs(a.id)) {
      if (idSeq(s.lastId) === U64_MAX) return 'exhausted';
      id = s.lastId + 1n;
    } else id = a.id;
  } else {
    const ms = BigInt(now);
    id = ms > idMs(s.lastId) ? makeId(ms, 0n) : s.lastId + 1n;
  }
  return id > s.lastId ? id : null;
}

function xadd(c: Ctx, argv: string[]): void {
  const a = parseAddOrTrim(c, argv, true);
  const fieldsAt = a.idAt + 1;
  const nFields = argv.length - fieldsAt;
  if (nFields < 2 || nFields % 2 === 1) throw new RedisError(wrongArity(argv[0]));
  if (a.id === 0n && a.seqGiven)
    throw new RedisError('ERR The ID specified in XADD must be greater than 0-0');
  const key = argv[1];
  let s = getStream(c.db, key, true);
  const created = s === undefined;
  if (s === undefined) {
    if (a.noMkStream) return c.nil();
    s = new RStream();
  }
  if (s.lastId === ID_MAX)
    throw new RedisError('ERR The stream has exhausted the last possible ID, unable to add more items');
  const id = nextId(s, a, c.now());
  if (id === 'exhausted') throw new RedisError(ERR_TOO_LARGE);
  if (id === null)
    throw new RedisError('ERR The ID specified in XADD is equal or smaller than the target stream top item');
  const fields = argv.slice(fieldsAt);
  let total = 0;
  for (const f of fields) total += f.length;
  if (total > LISTPACK_MAX_SIZE) throw new RedisError(ERR_TOO_LARGE);
  s.append(id, fields);
  if (created) c.db.set(key, s);
  else c.db.touched(key);
  c.bulk(formatId(id));
  c.notify(NOTIFY_STREAM, 'xadd', key);
  const out = argv.slice();
  if (a.strategy !== 'none') {
    if (trimStream(s, a) > 0) c.notify(NOTIFY_STREAM, 'xtrim', key);
    if (a.approx) rewriteTrim(out, s, a);
  }
  if (!a.seqGiven || a.id === null) out[a.idAt] = formatId(id);
  c.propagateAs(out);
}

function xtrim(c: Ctx, argv: string[]): void {
  const key = argv[1];
  const s = getStream(c.db, key, true);
  if (s === undefined) return c.int(0);
  const a = parseAddOrTrim(c, argv, false);
  const removed = trimStream(s, a);
  if (removed > 0) {
    c.notify(NOTIFY_STREAM, 'xtrim', key);
    const out = argv.slice();
    if (a.approx) rewriteTrim(out, s, a);
    c.propagateAs(out);
    c.db.touched(key);
  }
  c.int(removed);
}

function xlen(c: Ctx, argv: string[]): void {
  const s = getStream(c.db, argv[1]);
  c.int(s === undefined ? 0 : s.length);
}

function xrangeGeneric(rev: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const start = argIntervalId(rev ? argv[3] : argv[2], true);
    const end = argIntervalId(rev ? argv[2] : argv[3], false);
    let count = -1;
    for (let j = 4; j < argv.length; j++) {
      if (argv[j].toUpperCase() === 'COUNT' && j + 1 < argv.length) {
        count = argCount(argv[++j]);
      } else throw new RedisError(ERR_SYNTAX);
    }
    const s = getStream(c.db, argv[1]);
    if (s === undefined) return c.arrayLen(0);
    if (count === 0) return c.nilArray();
    replyEntries(c, rev ? s.revRange(start, end, count) : s.range(start, end, count));
  };
}

function xdel(c: Ctx, argv: string[]): void {
  const key = argv[1];
  const s = getStream(c.db, key, true);
  if (s === undefined) return c.int(0);
  const ids = argv.slice(2).map((a) => argStreamId(a, 0n, true));
  let deleted = 0;
  for (const id of ids) if (s.delete(id)) deleted++;
  if (deleted > 0) {
    c.db.touched(key);
    c.notify(NOTIFY_STREAM, 'xdel', key);
  }
  c.int(deleted);
}

function xsetid(c: Ctx, argv: string[]): void {
  const id = argStreamId(argv[2], 0n, true);
  let entriesAdded = -1;
  let maxDeleted = 0n;
  for (let i = 3; i < argv.length; i += 2) {
    const o = argv[i].toUpperCase();
    const more = i + 1 < argv.length;
    if (o === 'ENTRIESADDED' && more) {
      entriesAdded = argInt(argv[i + 1]);
      if (entriesAdded < 0) throw new RedisError('ERR entries_added must be positive');
    } else if (o === 'MAXDELETEDID' && more) {
      maxDeleted = argStreamId(argv[i + 1], 0n, true);
      if (id < maxDeleted)
        throw new RedisError(
          'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id',
        );
    } else throw new RedisError(ERR_SYNTAX);
  }
  const key = argv[1];
  const s = getStream(c.db, key, true);
  if (s === undefined) throw new RedisError(ERR_NO_SUCH_KEY);
  if (s.length > 0) {
    if (id < s.lastLiveId())
      throw new RedisError('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded)
      throw new RedisError(
        'ERR The entries_added specified in XSETID is smaller than the target stream length',
      );
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (maxDeleted !== 0n) s.maxDeletedId = maxDeleted;
  c.db.touched(key);
  c.notify(NOTIFY_STREAM, 'xsetid', key);
  c.ok();
}

/** Replies XREAD's result: per stream with entries, [key, entries] (RESP2) or key => entries (RESP3). */
function replyStreams(c: Ctx, served: { key: string; entries: ReturnType<RStream['range']> }[]): void {
  if (c.resp === 2) c.arrayLen(served.length);
  else c.mapLen(served.length);
  for (const r of served) {
    if (c.resp === 2) c.arrayLen(2);
    c.bulk(r.key);
    replyEntries(c, r.entries);
  }
}

function xread(c: Ctx, argv: string[]): void {
  const a = parseXreadArgs(argv, false, c.inScript);
  const woken = c.wokenBy();
  if (woken !== null) return xreadWoken(c, argv, a.keys, a.ids, a.count, woken);
  const after: StreamId[] = [];
  for (let i = 0; i < a.keys.length; i++) {
    const s = getStream(c.db, a.keys[i]);
    const arg = a.ids[i];
    if (arg === '$') after.push(s === undefined ? 0n : s.lastId);
    else if (arg === '>')
      throw new RedisError(
        'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
      );
    else after.push(argStreamId(arg, 0n, true));
  }
  const served: { key: string; entries: ReturnType<RStream['range']> }[] = [];
  for (let i = 0; i < a.keys.length; i++) {
    const s = getStream(c.db, a.keys[i]);
    if (s === undefined || s.length === 0 || s.lastLiveId() <= after[i]) continue;
    served.push({ key: a.keys[i], entries: s.range(after[i] + 1n, ID_MAX, a.count === 0 ? -1 : a.count) });
  }
  if (served.length > 0) return replyStreams(c, served);
  if (a.blockMs === null) return c.nilArray();
  // Re-runs wait for entries after the IDs resolved now (`$` is the last ID at this moment).
  const rerun = [
    argv[0],
    'COUNT',
    String(a.count === 0 ? XREAD_BLOCKED_DEFAULT_COUNT : a.count),
    'STREAMS',
    ...a.keys,
    ...after.map(formatId),
  ];
  c.block(a.keys, a.blockMs, 'nilArray', rerun);
}

/**
 * A blocked XREAD woken by a change of `key`: served, as Redis serves a blocked XREAD, with that stream's
 * entries after its ID once its last ID passed it; blocked on otherwise (the key gone, not a stream,
 * or nothing new).
 */
function xreadWoken(c: Ctx, argv: string[], keys: string[], ids: string[], count: number, key: string): void {
  const i = keys.indexOf(key);
  const v = i < 0 ? undefined : c.db.lookupRead(key, false);
  if (v instanceof RStream) {
    const after = argStreamId(ids[i], 0n, true);
    if (v.lastId > after) return replyStreams(c, [{ key, entries: v.range(after + 1n, ID_MAX, count) }]);
  }
  c.block(keys, 0, 'nilArray', argv);
}

const K1: [number, number, number] = [1, 1, 1];

export const commands: CommandSpec[] = [
  cmd('xadd', -5, ['write', 'denyoom', 'fast'], K1, 'stream', xadd),
  cmd('xrange', -4, ['readonly'], K1, 'stream', xrangeGeneric(false)),
  cmd('xrevrange', -4, ['readonly'], K1, 'stream', xrangeGeneric(true)),
  cmd('xlen', 2, ['readonly', 'fast'], K1, 'stream', xlen),
  cmd('xdel', -3, ['write', 'fast'], K1, 'stream', xdel),
  cmd('xtrim', -4, ['write'], K1, 'stream', xtrim),
  cmd('xsetid', -3, ['write', 'denyoom', 'fast'], K1, 'stream', xsetid),
  cmd('xread', -4, ['readonly', 'blocking'], [0, 0, 0], 'stream', xread),
];

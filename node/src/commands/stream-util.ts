// What the stream commands share: ID arguments parsed with Redis 7.0's rules and errors, entries
// replied in Redis's shape, and the COUNT / trimming options common to several commands.
import type { Ctx } from '../server/command.js';
import { RedisError } from '../store/errors.js';
import type { StreamEntry } from '../store/stream.js';
import { ID_MAX, ID_MIN, formatId, idNext, idPrev, parseId, type StreamId } from '../store/stream-id.js';

export const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

/**
 * An ID argument (streamParseID): `ms-seq` or `ms` (seq = missingSeq); `-` and `+` unless strict.
 * Throws Redis's invalid-ID error.
 */
export function argStreamId(s: string, missingSeq = 0n, strict = false): StreamId {
  const p = parseId(s, missingSeq, { specials: !strict });
  if (p === null) throw new RedisError(ERR_INVALID_ID);
  return p.id;
}

/**
 * An interval bound of XRANGE / XREVRANGE / XPENDING / XAUTOCLAIM: `-`, `+`, an ID, or `(` followed by
 * an ID for an exclusive bound. `isStart` picks the missing sequence (0 for a start, max for an end)
 * and the direction an exclusive bound moves; Redis's errors when it moves past the ends.
 */
export function argIntervalId(s: string, isStart: boolean): StreamId {
  if (s.length > 1 && s[0] === '(') {
    const id = argStreamId(s.slice(1), isStart ? 0n : (1n << 64n) - 1n, true);
    const moved = isStart ? idNext(id) : idPrev(id);
    if (moved === null)
      throw new RedisError(
        isStart ? 'ERR invalid start ID for the interval' : 'ERR invalid end ID for the interval',
      );
    return moved;
  }
  return argStreamId(s, isStart ? 0n : (1n << 64n) - 1n);
}

export { ID_MIN, ID_MAX, formatId };

/** One entry: [id, [field, value, ...]]. */
export function replyEntry(c: Ctx, id: StreamId, fields: readonly string[] | null): void {
  c.arrayLen(2);
  c.bulk(formatId(id));
  if (fields === null) c.nilArray();
  else c.bulks(fields);
}

/** An array of entries. */
export function replyEntries(c: Ctx, entries: readonly StreamEntry[]): void {
  c.arrayLen(entries.length);
  for (const e of entries) replyEntry(c, e.id, e.fields);
}

/** A COUNT argument: a non-negative int64 (negative counts as 0, as Redis's XREAD/XRANGE accept). */
export function argCount(s: string): number {
  const m = /^-?(0|[1-9][0-9]*)$/.exec(s);
  if (m === null) throw new RedisError('ERR value is not an integer or out of range');
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n)
    throw new RedisError('ERR value is not an integer or out of range');
  return n < 0n ? 0 : n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

export interface XreadArgs {
  /** BLOCK in ms (0 = forever); null without BLOCK. */
  blockMs: number | null;
  /** COUNT; 0 = no limit. */
  count: number;
  group: { name: string; consumer: string } | null;
  noack: boolean;
  /** Index in argv of the first key after STREAMS. */
  keysAt: number;
  keys: string[];
  /** The ID arguments as given (one per key). */
  ids: string[];
}

/** XREAD / XREADGROUP options, parsed in Redis 7.0's order and with its errors (BLOCK refused in scripts). */
export function parseXreadArgs(argv: string[], xreadgroup: boolean, inScript: boolean): XreadArgs {
  const out: XreadArgs = { blockMs: null, count: 0, group: null, noack: false, keysAt: 0, keys: [], ids: [] };
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const o = argv[i].toUpperCase();
    if (o === 'BLOCK' && more > 0) {
      if (inScript)
        throw new RedisError(`ERR ${argv[0]} command is not allowed with BLOCK option from scripts`);
      out.blockMs = argTimeoutMs(argv[++i]);
    } else if (o === 'COUNT' && more > 0) {
      out.count = argCount(argv[++i]);
    } else if (o === 'STREAMS' && more > 0) {
      const n = argv.length - (i + 1);
      if (n % 2 !== 0)
        throw new RedisError(
          // Redis 7.0 names XREAD in this error for XREADGROUP too.
          "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
        );
      out.keysAt = i + 1;
      out.keys = argv.slice(i + 1, i + 1 + n / 2);
      out.ids = argv.slice(i + 1 + n / 2);
      break;
    } else if (o === 'GROUP' && more >= 2) {
      if (!xreadgroup)
        throw new RedisError(
          'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.',
        );
      out.group = { name: argv[i + 1], consumer: argv[i + 2] };
      i += 2;
    } else if (o === 'NOACK') {
      if (!xreadgroup)
        throw new RedisError(
          'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.',
        );
      out.noack = true;
    } else throw new RedisError('ERR syntax error');
  }
  if (out.keysAt === 0) throw new RedisError('ERR syntax error');
  if (xreadgroup && out.group === null) throw new RedisError('ERR Missing GROUP option for XREADGROUP');
  return out;
}

/** A timeout in milliseconds (XREAD BLOCK): an integer, not negative. */
export function argTimeoutMs(s: string): number {
  if (!/^-?(0|[1-9][0-9]*)$/.test(s) || BigInt(s) > 9223372036854775807n || BigInt(s) < -9223372036854775808n)
    throw new RedisError('ERR timeout is not an integer or out of range');
  const n = BigInt(s);
  if (n < 0n) throw new RedisError('ERR timeout is negative');
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

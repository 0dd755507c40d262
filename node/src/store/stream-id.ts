// Stream entry IDs: a 64-bit milliseconds part and a 64-bit sequence, held as one 128-bit bigint
// (ms << 64 | seq) so that IDs compare with < and sort as Redis's 128-bit big-endian keys. Pure: parsing
// (Redis's string2ull rules, `-`, `+`, a missing sequence, `(` exclusive bounds), formatting, neighbours.

export type StreamId = bigint;

export const U64_MAX = (1n << 64n) - 1n;
export const ID_MIN: StreamId = 0n;
export const ID_MAX: StreamId = (1n << 128n) - 1n;

export function makeId(ms: bigint, seq: bigint): StreamId {
  return (ms << 64n) | seq;
}

export function idMs(id: StreamId): bigint {
  return id >> 64n;
}

export function idSeq(id: StreamId): bigint {
  return id & U64_MAX;
}

export function formatId(id: StreamId): string {
  return `${id >> 64n}-${id & U64_MAX}`;
}

/** The 16 bytes Redis keys a stream node and a PEL entry with: ms then seq, both big-endian. */
export function idBytes(id: StreamId): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(id >> 64n, 0);
  b.writeBigUInt64BE(id & U64_MAX, 8);
  return b;
}

export function idFromBytes(b: Buffer, at = 0): StreamId {
  return (b.readBigUInt64BE(at) << 64n) | b.readBigUInt64BE(at + 8);
}

/** The next ID (wrapping seq into ms); null past the last one. */
export function idNext(id: StreamId): StreamId | null {
  return id === ID_MAX ? null : id + 1n;
}

/** The previous ID; null before 0-0. */
export function idPrev(id: StreamId): StreamId | null {
  return id === 0n ? null : id - 1n;
}

const SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r']);

/**
 * An unsigned 64-bit number as Redis's string2ull reads it: a canonical non-negative integer, or what
 * C's strtoull accepts of the whole string (leading spaces, a sign, leading zeros; `-` negates modulo
 * 2^64); null when it is not a number or overflows.
 */
export function parseU64(s: string): bigint | null {
  if (/^(0|[1-9][0-9]{0,18})$/.test(s)) {
    const n = BigInt(s);
    if (n <= 9223372036854775807n) return n;
  } else if (/^-[1-9][0-9]{0,18}$/.test(s) && BigInt(s) >= -9223372036854775808n) return null;
  let i = 0;
  while (i < s.length && SPACE.has(s[i])) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') neg = s[i++] === '-';
  const digits = s.slice(i);
  if (!/^[0-9]+$/.test(digits)) return null;
  const n = BigInt(digits);
  if (n > U64_MAX) return null;
  return neg ? (U64_MAX + 1n - n) & U64_MAX : n;
}

export interface ParsedId {
  id: StreamId;
  /** The sequence was given as `*` (XADD's `<ms>-*`). */
  seqAuto: boolean;
}

/**
 * Parses `ms-seq` or `ms` (seq = missingSeq); with specials, `-` and `+` are the smallest and largest
 * IDs; with seqAuto, `ms-*` is accepted. Null when invalid.
 */
export function parseId(
  s: string,
  missingSeq: bigint,
  opts: { specials?: boolean; seqAuto?: boolean } = {},
): ParsedId | null {
  if (s.length > 127) return null;
  if (opts.specials === true && s.length === 1) {
    if (s === '-') return { id: ID_MIN, seqAuto: false };
    if (s === '+') return { id: ID_MAX, seqAuto: false };
  }
  const dash = s.indexOf('-');
  if (dash === -1) {
    const ms = parseU64(s);
    return ms === null ? null : { id: makeId(ms, missingSeq), seqAuto: false };
  }
  const ms = parseU64(s.slice(0, dash));
  if (ms === null) return null;
  const rest = s.slice(dash + 1);
  if (opts.seqAuto === true && rest === '*') return { id: makeId(ms, 0n), seqAuto: true };
  const seq = parseU64(rest);
  return seq === null ? null : { id: makeId(ms, seq), seqAuto: false };
}

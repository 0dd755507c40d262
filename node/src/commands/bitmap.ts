// Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS (BYTE | BIT ranges), BITOP, BITFIELD and
// BITFIELD_RO, with Redis 7.0's argument order, errors and replies; the bit arithmetic is store/bitfield.ts.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_SYNTAX, WRONGTYPE } from '../store/errors.js';
import { TaggedString } from '../store/tagged-string.js';
import type { Entry } from '../store/keyspace.js';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../config/notify-classes.js';
import { MAX_STRING, argBigInt, argInt, getString, lookupReadOrMiss, parseIntStrict } from './util.js';
import {
  bitop as bitopBytes,
  countBits,
  firstBit,
  readSigned,
  readUnsigned,
  signedAdd,
  unsignedAdd,
  writeBits,
  type Overflow,
} from '../store/bitfield.js';

function bitOffset(s: string): number {
  const n = parseIntStrict(s);
  if (n === null || n < 0n || n >= BigInt(MAX_STRING) * 8n)
    throw new RedisError('ERR bit offset is not an integer or out of range');
  return Number(n);
}

function setbit(c: Ctx, argv: string[]): void {
  const off = bitOffset(argv[2]);
  if (argv[3] !== '0' && argv[3] !== '1') throw new RedisError('ERR bit is not an integer or out of range');
  const on = argv[3] === '1';
  const cur = getString(c.db, argv[1], true);
  let s = cur ?? '';
  const byte = Math.floor(off / 8);
  // As Redis: a key created or grown, or a bit that changes, is a write (and a 'setbit' event).
  const grown = cur === undefined || s.length <= byte;
  if (s.length <= byte) s += '\0'.repeat(byte + 1 - s.length);
  const mask = 1 << (7 - (off & 7));
  const old = s.charCodeAt(byte);
  const nv = on ? old | mask : old & ~mask;
  if (grown || nv !== old) {
    s = s.slice(0, byte) + String.fromCharCode(nv) + s.slice(byte + 1);
    c.db.set(argv[1], new TaggedString(s, true), true);
    c.notify(NOTIFY_STRING, 'setbit', argv[1]);
  } else c.db.ks.makeRaw(argv[1], c.db.ks.get(argv[1]) as Entry);
  c.int(old & mask ? 1 : 0);
}

function getbit(c: Ctx, argv: string[]): void {
  const off = bitOffset(argv[2]);
  const s = getString(c.db, argv[1]) ?? '';
  const byte = Math.floor(off / 8);
  if (byte >= s.length) return c.int(0);
  c.int(s.charCodeAt(byte) & (1 << (7 - (off & 7))) ? 1 : 0);
}

/**
 * BITCOUNT / BITPOS ranges: start and end (bytes, or bits with BIT) normalised as Redis 7.0 does, as
 * bit positions [startBit, endBit]; null when the range is empty.
 */
function bitRange(len: number, start: number, end: number, isBit: boolean): [number, number] | null {
  const total = isBit ? len * 8 : len;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (start > end) return null;
  return isBit ? [start, end] : [start * 8, end * 8 + 7];
}

function unitArg(s: string): boolean {
  const u = s.toUpperCase();
  if (u === 'BIT') return true;
  if (u === 'BYTE') return false;
  throw new RedisError(ERR_SYNTAX);
}

function bitcount(c: Ctx, argv: string[]): void {
  // As Redis: a missing key is 0 before its arguments are looked at.
  const s = getString(c.db, argv[1]);
  if (s === undefined) return c.int(0);
  if (argv.length === 2) return c.int(countBits(s, 0, s.length * 8 - 1));
  if (argv.length !== 4 && argv.length !== 5) throw new RedisError(ERR_SYNTAX);
  const start = argInt(argv[2]);
  const end = argInt(argv[3]);
  // Both negative and start after end: 0, before the unit is looked at.
  if (start < 0 && end < 0 && start > end) return c.int(0);
  const isBit = argv.length === 5 && unitArg(argv[4]);
  const r = bitRange(s.length, start, end, isBit);
  c.int(r === null ? 0 : countBits(s, r[0], r[1]));
}

function bitpos(c: Ctx, argv: string[]): void {
  const bit = argInt(argv[2]);
  if (bit !== 0 && bit !== 1) throw new RedisError('ERR The bit argument must be 1 or 0.');
  const s = getString(c.db, argv[1]);
  // A missing key is an endless run of zeros.
  if (s === undefined) return c.int(bit === 1 ? -1 : 0);
  if (argv.length > 6) throw new RedisError(ERR_SYNTAX);
  let r: [number, number] | null = [0, s.length * 8 - 1];
  const endGiven = argv.length >= 5;
  if (argv.length >= 4) {
    const start = argInt(argv[3]);
    const isBit = argv.length === 6 && unitArg(argv[5]);
    const end = endGiven ? argInt(argv[4]) : s.length - 1;
    r = bitRange(s.length, start, end, isBit);
  }
  if (r === null || s.length === 0) return c.int(-1);
  const pos = firstBit(s, r[0], r[1], bit);
  if (pos >= 0) return c.int(pos);
  // Looking for a clear bit past a range that did not say where it ends: the padding zero after it.
  c.int(bit === 0 && !endGiven ? r[1] + 1 : -1);
}

function bitop(c: Ctx, argv: string[]): void {
  const op = argv[1].toLowerCase();
  if (op !== 'and' && op !== 'or' && op !== 'xor' && op !== 'not') throw new RedisError(ERR_SYNTAX);
  if (op === 'not' && argv.length !== 4)
    throw new RedisError('ERR BITOP NOT must be called with a single source key.');
  const srcs: string[] = [];
  for (const key of argv.slice(3)) {
    const v = lookupReadOrMiss(c.db, key);
    if (v !== undefined && typeof v !== 'string') throw new RedisError(WRONGTYPE);
    srcs.push(v ?? '');
  }
  const out = bitopBytes(op, srcs);
  const dest = argv[2];
  if (out.length > 0) {
    c.db.set(dest, new TaggedString(out, true));
    c.notify(NOTIFY_STRING, 'set', dest);
  } else if (c.db.delete(dest)) c.notify(NOTIFY_GENERIC, 'del', dest);
  c.int(out.length);
}

interface FieldOp {
  op: 'get' | 'set' | 'incrby';
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint;
  overflow: Overflow;
}

const ERR_BITFIELD_TYPE =
  'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

function fieldType(s: string): { signed: boolean; bits: number } {
  if (s[0] !== 'i' && s[0] !== 'u') throw new RedisError(ERR_BITFIELD_TYPE);
  const signed = s[0] === 'i';
  const n = parseIntStrict(s.slice(1));
  if (n === null || n < 1n || n > (signed ? 64n : 63n)) throw new RedisError(ERR_BITFIELD_TYPE);
  return { signed, bits: Number(n) };
}

/** A BITFIELD offset: a bit number, or #n for the n-th field of this width. */
function fieldOffset(c: Ctx, s: string, bits: number): number {
  const err = 'ERR bit offset is not an integer or out of range';
  const hash = s[0] === '#';
  let n = parseIntStrict(hash ? s.slice(1) : s);
  if (n === null) throw new RedisError(err);
  if (hash) n = BigInt.asIntN(64, n * BigInt(bits));
  if (n < 0n || (!c.isMaster && n >> 3n >= BigInt(MAX_STRING))) throw new RedisError(err);
  return Number(n);
}

function parseFieldOps(c: Ctx, argv: string[]): FieldOp[] {
  const ops: FieldOp[] = [];
  let overflow: Overflow = 'wrap';
  for (let j = 2; j < argv.length; j++) {
    const rem = argv.length - j - 1;
    const sub = argv[j].toLowerCase();
    if (sub === 'overflow' && rem >= 1) {
      const t = argv[++j].toLowerCase();
      if (t !== 'wrap' && t !== 'sat' && t !== 'fail')
        throw new RedisError('ERR Invalid OVERFLOW type specified');
      overflow = t;
      continue;
    }
    if (!((sub === 'get' && rem >= 2) || ((sub === 'set' || sub === 'incrby') && rem >= 3)))
      throw new RedisError(ERR_SYNTAX);
    const { signed, bits } = fieldType(argv[j + 1]);
    const offset = fieldOffset(c, argv[j + 2], bits);
    const value = sub === 'get' ? 0n : argBigInt(argv[j + 3]);
    ops.push({ op: sub, signed, bits, offset, value, overflow });
    j += sub === 'get' ? 2 : 3;
  }
  return ops;
}

function bitfieldGeneric(readonly: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const ops = parseFieldOps(c, argv);
    const key = argv[1];
    const writes = ops.filter((o) => o.op !== 'get');
    let buf: Buffer;
    let grown = false;
    if (writes.length === 0) {
      const v = lookupReadOrMiss(c.db, key);
      if (v !== undefined && typeof v !== 'string') throw new RedisError(WRONGTYPE);
      buf = Buffer.from(v ?? '', 'latin1');
    } else {
      if (readonly) throw new RedisError('ERR BITFIELD_RO only supports the GET subcommand');
      // As Redis: the string is created or grown to the farthest bit written, before any op runs.
      let maxBit = 0;
      for (const o of writes) maxBit = Math.max(maxBit, o.offset + o.bits - 1);
      const cur = getString(c.db, key, true);
      const len = Math.max(cur?.length ?? 0, Math.floor(maxBit / 8) + 1);
      grown = cur === undefined || len > cur.length;
      buf = Buffer.alloc(len);
      if (cur !== undefined) buf.write(cur, 0, 'latin1');
    }
    let changes = 0;
    c.arrayLen(ops.length);
    for (const o of ops) {
      const old = o.signed ? readSigned(buf, o.offset, o.bits) : readUnsigned(buf, o.offset, o.bits);
      if (o.op === 'get') {
        c.int(old);
        continue;
      }
      const add = o.signed ? signedAdd : unsignedAdd;
      const r =
        o.op === 'incrby'
          ? add(old, o.value, o.bits, o.overflow)
          : add(o.signed ? o.value : BigInt.asUintN(64, o.value), 0n, o.bits, o.overflow);
      if (r.value === null) {
        c.nil();
        continue;
      }
      writeBits(buf, o.offset, o.bits, r.value);
      if (grown || r.value !== old) changes++;
      c.int(o.op === 'incrby' ? r.value : old);
    }
    if (writes.length === 0) return;
    // As Redis: a write that changed nothing (every op FAILed, or wrote what was there) is no change.
    // Unlike Redis, a string created or grown by such a call is still propagated: Redis 7.0 keeps it on
    // the master only, and its replicas then differ.
    if (changes > 0 || grown) c.db.set(key, new TaggedString(buf.toString('latin1'), true), true);
    else c.db.ks.makeRaw(key, c.db.ks.get(key) as Entry);
    if (changes > 0) c.notify(NOTIFY_STRING, 'setbit', key);
  };
}

const K1: [number, number, number] = [1, 1, 1];

export const commands: CommandSpec[] = [
  cmd('setbit', 4, ['write', 'denyoom'], K1, 'bitmap', setbit),
  cmd('getbit', 3, ['readonly', 'fast'], K1, 'bitmap', getbit),
  cmd('bitcount', -2, ['readonly'], K1, 'bitmap', bitcount),
  cmd('bitpos', -3, ['readonly'], K1, 'bitmap', bitpos),
  cmd('bitop', -4, ['write', 'denyoom'], [2, -1, 1], 'bitmap', bitop),
  cmd('bitfield', -2, ['write', 'denyoom'], K1, 'bitmap', bitfieldGeneric(false)),
  cmd('bitfield_ro', -2, ['readonly', 'fast'], K1, 'bitmap', bitfieldGeneric(true)),
];

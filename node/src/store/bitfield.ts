// Bit arithmetic on strings as Redis's bitops.c does it, pure: integers of 1..64 bits read and written
// at any bit offset (most significant bit first), BITFIELD's overflow rules (WRAP, SAT, FAIL) for signed
// and unsigned fields, the first set or clear bit of a range (BITPOS), bit counts, and BITOP.

export type Overflow = 'wrap' | 'sat' | 'fail';

/** The unsigned value of `bits` bits at bit `offset` of buf (bits past its end read as 0). */
export function readUnsigned(buf: Uint8Array, offset: number, bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i++) {
    const bit = offset + i;
    const byte = Math.floor(bit / 8);
    const on = byte < buf.length && (buf[byte] & (0x80 >> (bit % 8))) !== 0;
    v = (v << 1n) | (on ? 1n : 0n);
  }
  return v;
}

/** The signed (two's complement) value of `bits` bits at bit `offset`. */
export function readSigned(buf: Uint8Array, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, readUnsigned(buf, offset, bits));
}

/** Writes the low `bits` bits of value at bit `offset` (buf must be long enough). */
export function writeBits(buf: Uint8Array, offset: number, bits: number, value: bigint): void {
  const v = BigInt.asUintN(bits, value);
  for (let i = 0; i < bits; i++) {
    const bit = offset + i;
    const mask = 0x80 >> (bit % 8);
    const byte = Math.floor(bit / 8);
    if ((v >> BigInt(bits - 1 - i)) & 1n) buf[byte] |= mask;
    else buf[byte] &= ~mask;
  }
}

/** What adding incr to value gives in a field: overflowed, and the value to store (null: FAIL). */
export interface FieldResult {
  overflow: boolean;
  value: bigint | null;
}

/**
 * checkSignedBitfieldOverflow: value + incr in a signed field of `bits` bits, with Redis's conditions as
 * C evaluates them: its headroom max - value is computed in 64 bits and wraps, so a SET of a value far
 * below the field's minimum (e.g. -2^63 into an i47) counts as overflowing upwards and saturates at max.
 */
export function signedAdd(value: bigint, incr: bigint, bits: number, ow: Overflow): FieldResult {
  const max = bits === 64 ? (1n << 63n) - 1n : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, min - value);
  let dir = 0;
  if (value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) dir = 1;
  else if (value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr))
    dir = -1;
  if (dir === 0) return { overflow: false, value: value + incr };
  if (ow === 'fail') return { overflow: true, value: null };
  if (ow === 'sat') return { overflow: true, value: dir > 0 ? max : min };
  return { overflow: true, value: BigInt.asIntN(bits, value + incr) };
}

/** checkUnsignedBitfieldOverflow: value + incr in an unsigned field of `bits` bits (bits <= 63). */
export function unsignedAdd(value: bigint, incr: bigint, bits: number, ow: Overflow): FieldResult {
  const max = (1n << BigInt(bits)) - 1n;
  const sum = value + incr;
  if (value <= max && sum >= 0n && sum <= max) return { overflow: false, value: sum };
  if (ow === 'fail') return { overflow: true, value: null };
  if (ow === 'sat') return { overflow: true, value: value > max || sum > max ? max : 0n };
  return { overflow: true, value: BigInt.asUintN(bits, sum) };
}

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/** Set bits in bits [startBit, endBit] of s (a latin1 string). */
export function countBits(s: string, startBit: number, endBit: number): number {
  let n = 0;
  let b = startBit;
  while (b <= endBit && (b & 7) !== 0) {
    if (s.charCodeAt(b >> 3) & (0x80 >> (b & 7))) n++;
    b++;
  }
  while (b + 7 <= endBit) {
    n += POPCOUNT[s.charCodeAt(b >> 3)];
    b += 8;
  }
  for (; b <= endBit; b++) if (s.charCodeAt(b >> 3) & (0x80 >> (b & 7))) n++;
  return n;
}

/** The first bit equal to `bit` in bits [startBit, endBit] of s, or -1. */
export function firstBit(s: string, startBit: number, endBit: number, bit: 0 | 1): number {
  const skip = bit === 1 ? 0 : 0xff;
  let b = startBit;
  while (b <= endBit) {
    if ((b & 7) === 0 && b + 7 <= endBit && s.charCodeAt(b >> 3) === skip) {
      b += 8;
      continue;
    }
    const on = (s.charCodeAt(b >> 3) & (0x80 >> (b & 7))) !== 0;
    if (on === (bit === 1)) return b;
    b++;
  }
  return -1;
}

/** BITOP AND / OR / XOR / NOT over the sources (missing keys as ''), as a latin1 string. */
export function bitop(op: 'and' | 'or' | 'xor' | 'not', srcs: readonly string[]): string {
  let maxLen = 0;
  for (const s of srcs) if (s.length > maxLen) maxLen = s.length;
  const out = Buffer.alloc(maxLen);
  for (let j = 0; j < maxLen; j++) {
    let v = j < srcs[0].length ? srcs[0].charCodeAt(j) : 0;
    if (op === 'not') v = ~v & 0xff;
    for (let i = 1; i < srcs.length; i++) {
      const byte = j < srcs[i].length ? srcs[i].charCodeAt(j) : 0;
      if (op === 'and') v &= byte;
      else if (op === 'or') v |= byte;
      else v ^= byte;
    }
    out[j] = v;
  }
  return out.toString('latin1');
}

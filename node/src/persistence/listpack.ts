// Compact encodings inside RDB payloads: listpack (encode and decode), ziplist and intset (decode),
// as Redis 7.0 writes and reads them.
import { isCanonicalInt } from '../store/intset.js';

/** Canonical integers only: "-0" and "007" stay strings, or they would not load back as written. */
function asInt(s: string): bigint | null {
  return isCanonicalInt(s) ? BigInt(s) : null;
}

function backlenBytes(l: number): number[] {
  if (l <= 127) return [l];
  if (l < 16383) return [l >> 7, (l & 127) | 128];
  if (l < 2097151) return [l >> 14, ((l >> 7) & 127) | 128, (l & 127) | 128];
  if (l < 268435455) return [l >> 21, ((l >> 14) & 127) | 128, ((l >> 7) & 127) | 128, (l & 127) | 128];
  return [
    Math.floor(l / 2 ** 28),
    ((l >> 21) & 127) | 128,
    ((l >> 14) & 127) | 128,
    ((l >> 7) & 127) | 128,
    (l & 127) | 128,
  ];
}

function encodeEntry(s: string): Buffer {
  const n = asInt(s);
  let enc: Buffer;
  if (n !== null) {
    if (n >= 0n && n <= 127n) enc = Buffer.from([Number(n)]);
    else if (n >= -4096n && n <= 4095n) {
      const v = Number(n) & 0x1fff;
      enc = Buffer.from([0xc0 | (v >> 8), v & 0xff]);
    } else if (n >= -32768n && n <= 32767n) {
      enc = Buffer.alloc(3);
      enc[0] = 0xf1;
      enc.writeInt16LE(Number(n), 1);
    } else if (n >= -8388608n && n <= 8388607n) {
      enc = Buffer.alloc(4);
      enc[0] = 0xf2;
      enc.writeIntLE(Number(n), 1, 3);
    } else if (n >= -2147483648n && n <= 2147483647n) {
      enc = Buffer.alloc(5);
      enc[0] = 0xf3;
      enc.writeInt32LE(Number(n), 1);
    } else {
      enc = Buffer.alloc(9);
      enc[0] = 0xf4;
      enc.writeBigInt64LE(n, 1);
    }
  } else {
    const data = Buffer.from(s, 'latin1');
    const len = data.length;
    let hdr: Buffer;
    if (len <= 63) hdr = Buffer.from([0x80 | len]);
    else if (len <= 4095) hdr = Buffer.from([0xe0 | (len >> 8), len & 0xff]);
    else {
      hdr = Buffer.alloc(5);
      hdr[0] = 0xf0;
      hdr.writeUInt32LE(len, 1);
    }
    enc = Buffer.concat([hdr, data]);
  }
  return Buffer.concat([enc, Buffer.from(backlenBytes(enc.length))]);
}

/** Encodes strings as a listpack blob. */
export function encodeListpack(items: readonly string[]): Buffer {
  const entries = items.map(encodeEntry);
  const body = Buffer.concat(entries);
  const total = 6 + body.length + 1;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(Math.min(items.length, 65535), 4);
  body.copy(out, 6);
  out[total - 1] = 0xff;
  return out;
}

function need(buf: Buffer, pos: number, n: number, what: string): void {
  if (pos + n > buf.length) throw new Error(`truncated ${what}`);
}

/** Bytes of a listpack entry's back-length field for an entry of l bytes. */
function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** Checks a listpack's header; returns the offset of its first entry. */
function listpackStart(buf: Buffer): number {
  need(buf, 0, 7, 'listpack header');
  if (buf.readUInt32LE(0) !== buf.length) throw new Error('listpack length mismatch');
  return 6;
}

/** Size (encoding + data, without the back-length) of the entry at p, checked against the blob. */
function entrySize(buf: Buffer, p: number): number {
  const b = buf[p];
  let size: number;
  if ((b & 0x80) === 0) size = 1;
  else if ((b & 0xc0) === 0x80) size = 1 + (b & 0x3f);
  else if ((b & 0xe0) === 0xc0) size = 2;
  else if ((b & 0xf0) === 0xe0) {
    need(buf, p, 2, 'listpack str12');
    size = 2 + (((b & 0x0f) << 8) | buf[p + 1]);
  } else if (b === 0xf0) {
    need(buf, p, 5, 'listpack str32');
    size = 5 + buf.readUInt32LE(p + 1);
  } else if (b === 0xf1) size = 3;
  else if (b === 0xf2) size = 4;
  else if (b === 0xf3) size = 5;
  else if (b === 0xf4) size = 9;
  else throw new Error(`bad listpack encoding byte 0x${b.toString(16)}`);
  need(buf, p, size + backlenSize(size), 'listpack entry');
  return size;
}

/** The entry at p (already checked by entrySize) as a string. */
function entryString(buf: Buffer, p: number): string {
  const b = buf[p];
  if ((b & 0x80) === 0) return String(b & 0x7f);
  if ((b & 0xc0) === 0x80) return buf.toString('latin1', p + 1, p + 1 + (b & 0x3f));
  if ((b & 0xe0) === 0xc0) {
    const v = ((b & 0x1f) << 8) | buf[p + 1];
    return String(v >= 4096 ? v - 8192 : v);
  }
  if ((b & 0xf0) === 0xe0) return buf.toString('latin1', p + 2, p + 2 + (((b & 0x0f) << 8) | buf[p + 1]));
  if (b === 0xf0) return buf.toString('latin1', p + 5, p + 5 + buf.readUInt32LE(p + 1));
  if (b === 0xf1) return String(buf.readInt16LE(p + 1));
  if (b === 0xf2) return String(buf.readIntLE(p + 1, 3));
  if (b === 0xf3) return String(buf.readInt32LE(p + 1));
  return buf.readBigInt64LE(p + 1).toString();
}

/** Decodes a listpack blob into its entries as strings. */
export function decodeListpack(buf: Buffer): string[] {
  const out: string[] = [];
  let p = listpackStart(buf);
  for (;;) {
    need(buf, p, 1, 'listpack entry');
    if (buf[p] === 0xff) return out;
    const size = entrySize(buf, p);
    out.push(entryString(buf, p));
    p += size + backlenSize(size);
  }
}

/** Checks a listpack blob as decodeListpack would, without building strings; returns its entry count. */
export function listpackLength(buf: Buffer): number {
  let n = 0;
  let p = listpackStart(buf);
  for (;;) {
    need(buf, p, 1, 'listpack entry');
    if (buf[p] === 0xff) return n;
    const size = entrySize(buf, p);
    n++;
    p += size + backlenSize(size);
  }
}

/** Decodes a (pre-7.0) ziplist blob into strings. */
export function decodeZiplist(buf: Buffer): string[] {
  need(buf, 0, 11, 'ziplist header');
  const out: string[] = [];
  let p = 10;
  for (;;) {
    need(buf, p, 1, 'ziplist entry');
    if (buf[p] === 0xff) break;
    p += buf[p] === 0xfe ? 5 : 1; // prevlen
    need(buf, p, 1, 'ziplist encoding');
    const b = buf[p];
    const top = b >> 6;
    if (top === 0) {
      const len = b & 0x3f;
      need(buf, p, 1 + len, 'ziplist string');
      out.push(buf.toString('latin1', p + 1, p + 1 + len));
      p += 1 + len;
    } else if (top === 1) {
      need(buf, p, 2, 'ziplist str14');
      const len = ((b & 0x3f) << 8) | buf[p + 1];
      need(buf, p, 2 + len, 'ziplist string');
      out.push(buf.toString('latin1', p + 2, p + 2 + len));
      p += 2 + len;
    } else if (b === 0x80) {
      need(buf, p, 5, 'ziplist str32');
      const len = buf.readUInt32BE(p + 1);
      need(buf, p, 5 + len, 'ziplist string');
      out.push(buf.toString('latin1', p + 5, p + 5 + len));
      p += 5 + len;
    } else if (b === 0xc0) {
      need(buf, p, 3, 'ziplist int16');
      out.push(String(buf.readInt16LE(p + 1)));
      p += 3;
    } else if (b === 0xd0) {
      need(buf, p, 5, 'ziplist int32');
      out.push(String(buf.readInt32LE(p + 1)));
      p += 5;
    } else if (b === 0xe0) {
      need(buf, p, 9, 'ziplist int64');
      out.push(buf.readBigInt64LE(p + 1).toString());
      p += 9;
    } else if (b === 0xf0) {
      need(buf, p, 4, 'ziplist int24');
      out.push(String(buf.readIntLE(p + 1, 3)));
      p += 4;
    } else if (b === 0xfe) {
      need(buf, p, 2, 'ziplist int8');
      out.push(String(buf.readInt8(p + 1)));
      p += 2;
    } else if (b >= 0xf1 && b <= 0xfd) {
      out.push(String((b & 0x0f) - 1));
      p += 1;
    } else throw new Error(`bad ziplist encoding byte 0x${b.toString(16)}`);
  }
  return out;
}

/** Decodes an intset blob into decimal strings. */
export function decodeIntset(buf: Buffer): string[] {
  need(buf, 0, 8, 'intset header');
  const enc = buf.readUInt32LE(0);
  const len = buf.readUInt32LE(4);
  if (enc !== 2 && enc !== 4 && enc !== 8) throw new Error(`bad intset encoding ${enc}`);
  need(buf, 8, enc * len, 'intset body');
  const out: string[] = [];
  for (let i = 0; i < len; i++) {
    const p = 8 + i * enc;
    out.push(
      enc === 2
        ? String(buf.readInt16LE(p))
        : enc === 4
          ? String(buf.readInt32LE(p))
          : buf.readBigInt64LE(p).toString(),
    );
  }
  return out;
}

// Compact encodings inside RDB payloads: listpack (encode, decode, and a checked element-by-element
// builder and cursor for structured blobs like stream nodes), ziplist and intset (decode), as Redis 7.0
// writes and reads them.
import { isCanonicalInt } from '../store/intset.js';

/** Bytes of the back-length Redis writes after an element whose encoding takes `l` bytes (lpEncodeBacklen). */
function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/**
 * Builds a listpack element by element with Redis's encodings: integers as lpAppendInteger writes
 * them, strings as lpAppend does (a canonical int64 string is stored as an integer; "-0" and "007"
 * stay strings, or they would not load back as written).
 */
export class ListpackBuilder {
  private buf: Buffer;
  private pos = 6;
  private count = 0;

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 16));
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** An integer element (int64 range). */
  int(v: number | bigint): void {
    if (typeof v === 'bigint' && v >= -0x20000000000000n && v <= 0x20000000000000n) v = Number(v);
    this.room(10);
    const b = this.buf;
    let p = this.pos;
    let size: number;
    if (typeof v === 'bigint') {
      b[p] = 0xf4;
      b.writeBigInt64LE(v, p + 1);
      size = 9;
    } else if (v >= 0 && v <= 127) {
      b[p] = v;
      size = 1;
    } else if (v >= -4096 && v <= 4095) {
      const u = v & 0x1fff;
      b[p] = 0xc0 | (u >> 8);
      b[p + 1] = u & 0xff;
      size = 2;
    } else if (v >= -32768 && v <= 32767) {
      b[p] = 0xf1;
      b.writeInt16LE(v, p + 1);
      size = 3;
    } else if (v >= -8388608 && v <= 8388607) {
      b[p] = 0xf2;
      b.writeIntLE(v, p + 1, 3);
      size = 4;
    } else if (v >= -2147483648 && v <= 2147483647) {
      b[p] = 0xf3;
      b.writeInt32LE(v, p + 1);
      size = 5;
    } else {
      b[p] = 0xf4;
      b.writeBigInt64LE(BigInt(v), p + 1);
      size = 9;
    }
    p += size;
    b[p++] = size;
    this.pos = p;
    this.count++;
  }

  /** A string element (a canonical integer is stored as one). */
  str(s: string): void {
    if (isCanonicalInt(s)) return this.int(s.length < 16 ? Number(s) : BigInt(s));
    const len = s.length;
    const head = len < 64 ? 1 : len < 4096 ? 2 : 5;
    this.room(head + len + 5);
    const b = this.buf;
    let p = this.pos;
    if (head === 1) b[p++] = 0x80 | len;
    else if (head === 2) {
      b[p++] = 0xe0 | (len >> 8);
      b[p++] = len & 0xff;
    } else {
      b[p++] = 0xf0;
      b.writeUInt32LE(len, p);
      p += 4;
    }
    p += b.write(s, p, len, 'latin1');
    this.pos = p;
    this.backlen(head + len);
    this.count++;
  }

  private backlen(l: number): void {
    const b = this.buf;
    let p = this.pos;
    const n = backlenSize(l);
    if (n === 1) b[p++] = l;
    else {
      // Big-endian groups of 7 bits, every byte after the first with the high bit set.
      for (let k = n - 1; k >= 0; k--) {
        const group = Math.floor(l / 2 ** (7 * k)) & 127;
        b[p++] = k === n - 1 ? group : group | 128;
      }
    }
    this.pos = p;
  }

  /** The finished listpack (header: total bytes, element count capped at 65535; end byte). */
  finish(): Buffer {
    this.room(1);
    this.buf[this.pos++] = 0xff;
    this.buf.writeUInt32LE(this.pos, 0);
    this.buf.writeUInt16LE(Math.min(this.count, 65535), 4);
    return this.buf.subarray(0, this.pos);
  }
}

/** Encodes strings as a listpack blob. */
export function encodeListpack(items: readonly string[]): Buffer {
  let bytes = 7;
  for (const s of items) bytes += s.length + 3;
  const b = new ListpackBuilder(bytes);
  for (const s of items) b.str(s);
  return b.finish();
}

function need(buf: Buffer, pos: number, n: number, what: string): void {
  if (pos + n > buf.length) throw new Error(`truncated ${what}`);
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

/** The integer an element encodes, or null for a string element. */
function entryInt(buf: Buffer, p: number): number | bigint | null {
  const b = buf[p];
  if ((b & 0x80) === 0) return b;
  if ((b & 0xe0) === 0xc0) {
    const v = ((b & 0x1f) << 8) | buf[p + 1];
    return v >= 4096 ? v - 8192 : v;
  }
  if (b === 0xf1) return buf.readInt16LE(p + 1);
  if (b === 0xf2) return buf.readIntLE(p + 1, 3);
  if (b === 0xf3) return buf.readInt32LE(p + 1);
  if (b === 0xf4) {
    const v = buf.readBigInt64LE(p + 1);
    return v >= -0x1fffffffffffffn && v <= 0x1fffffffffffffn ? Number(v) : v;
  }
  return null;
}

/**
 * Reads a listpack element by element, checking it as Redis's lpValidateIntegrity and lpValidateNext
 * do (header size, end byte, every element inside the blob with the back-length it must have, the
 * element count), for decoders that give the elements a structure (stream nodes).
 */
export class ListpackCursor {
  private p = 6;
  private read = 0;

  constructor(private readonly buf: Buffer) {
    if (buf.length < 7) throw new Error('truncated listpack header');
    if (buf.readUInt32LE(0) !== buf.length) throw new Error('listpack length mismatch');
    if (buf[buf.length - 1] !== 0xff) throw new Error('listpack without its end byte');
  }

  /** Whether every element has been read. */
  atEnd(): boolean {
    return this.buf[this.p] === 0xff;
  }

  /** Steps over the next element; returns where it starts. */
  private step(): number {
    const { buf } = this;
    const at = this.p;
    if (at >= buf.length - 1) throw new Error('listpack ends early');
    const size = entrySize(buf, at);
    const bl = backlenSize(size);
    if (at + size + bl > buf.length - 1) throw new Error('listpack element overruns the blob');
    // The back-length must encode the element's size, as lpValidateNext checks.
    let v = 0;
    for (let k = 0; k < bl; k++) v = v * 128 + (buf[at + size + k] & 127);
    if (v !== size || (buf[at + size] & 128) !== 0) throw new Error('bad listpack back-length');
    for (let k = 1; k < bl; k++)
      if ((buf[at + size + k] & 128) === 0) throw new Error('bad listpack back-length');
    this.p = at + size + bl;
    this.read++;
    return at;
  }

  /** The next element as an integer (a string element must be a canonical int64, as lpGetInteger reads it). */
  int(): number | bigint {
    const at = this.step();
    const v = entryInt(this.buf, at);
    if (v !== null) return v;
    const s = entryString(this.buf, at);
    if (!isCanonicalInt(s)) throw new Error('listpack element is not an integer');
    const n = BigInt(s);
    return n >= -0x1fffffffffffffn && n <= 0x1fffffffffffffn ? Number(n) : n;
  }

  /** The next element as a count: an integer in 0..max. */
  count(max = Number.MAX_SAFE_INTEGER): number {
    const v = this.int();
    if (typeof v !== 'number' || v < 0 || v > max) throw new Error('listpack count out of range');
    return v;
  }

  /** The next element as a string (an integer element in decimal). */
  str(): string {
    return entryString(this.buf, this.step());
  }

  /** Checks that every element was read and that the header's count (unless 65535) is right. */
  end(): void {
    if (!this.atEnd() || this.p !== this.buf.length - 1) throw new Error('listpack has trailing elements');
    const n = this.buf.readUInt16LE(4);
    if (n !== 65535 && n !== this.read) throw new Error('listpack element count mismatch');
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

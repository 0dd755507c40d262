// RdbWriter: encodes a dataset as a Redis 7.0 RDB (version 10) incrementally — header and AUX fields,
// SELECTDB/RESIZEDB, EXPIRETIME_MS, values (strings with int/LZF encodings, lists as quicklist2 of
// listpacks, sets, hashes, zsets with binary scores, streams as listpacks 2 with consumer groups), EOF
// and the CRC64 — with no I/O: the caller drains bytes with take().
import { Crc64 } from './crc64.js';
import { lzfCompress } from './lzf.js';
import { encodeListpack } from './listpack.js';
import { PackedValue, type StoredValue } from '../store/packed.js';
import { RList } from '../store/list.js';
import { RHash } from '../store/hash.js';
import type { RdbEncoder } from './snapshot.js';
import { RSet } from '../store/set.js';
import { RStream, ENTRIES_READ_UNKNOWN } from '../store/stream.js';
import { U64_MAX, type StreamId } from '../store/stream-id.js';
import { encodeStreamNode } from './stream-rdb.js';

export const RDB_VERSION = 10;
export const T_STRING = 0;
export const T_SET = 2;
export const T_HASH = 4;
export const T_HASH_LISTPACK = 16;
export const T_ZSET_2 = 5;
export const T_ZSET_LISTPACK = 17;
export const T_LIST_QUICKLIST_2 = 18;
/** RDB_TYPE_STREAM_LISTPACKS_2, the stream type Redis 7.0 writes. */
export const T_STREAM_LISTPACKS_2 = 19;
export const OP_AUX = 0xfa;
export const OP_RESIZEDB = 0xfb;
export const OP_EXPIRETIME_MS = 0xfc;
export const OP_SELECTDB = 0xfe;
export const OP_EOF = 0xff;

export interface RdbWriterOptions {
  compress?: boolean;
  checksum?: boolean;
  replId?: string;
  replOffset?: number;
  replStreamDb?: number;
  /** AUX redis-ver; 7.0.15 so Redis tools recognise the file. */
  redisVersion?: string;
  /** No file header and AUX fields (a DUMP payload). */
  bare?: boolean;
  /** FUNCTION libraries' code, written after the AUX fields (opcode FUNCTION2), as Redis 7.0 does. */
  functions?: readonly string[];
  /** The base of a multi-part AOF (AUX aof-base 1), without the replication AUX fields. */
  aofBase?: boolean;
}

/** RDB_OPCODE_FUNCTION2: one function library's code. */
export const OP_FUNCTION2 = 0xf5;

/** The RDB type byte a value is written with. */
function rdbTypeOf(value: StoredValue): number {
  if (value instanceof PackedValue) return value.rdbType;
  if (typeof value === 'string') return T_STRING;
  if (value instanceof RList) return T_LIST_QUICKLIST_2;
  if (value instanceof RHash) return value.compact ? T_HASH_LISTPACK : T_HASH;
  if (value instanceof RSet) return T_SET;
  if (value instanceof RStream) return T_STREAM_LISTPACKS_2;
  return value.compact ? T_ZSET_LISTPACK : T_ZSET_2;
}

const LIST_NODE_MAX_BYTES = 8192;
const OUT_CHUNK = 64 * 1024;
const LIST_NODE_MAX_ENTRIES = 128;

export class RdbWriter implements RdbEncoder {
  private parts: Buffer[] = [];
  /** The current output buffer and write position. */
  private buf = Buffer.allocUnsafe(OUT_CHUNK);
  private pos = 0;
  private crc = new Crc64();
  private curDb = -1;
  private resized = new Set<number>();
  private readonly compress: boolean;
  private readonly checksum: boolean;

  constructor(opts: RdbWriterOptions = {}) {
    this.compress = opts.compress ?? true;
    this.checksum = opts.checksum ?? true;
    if (opts.bare === true) return;
    this.raw(Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'));
    this.aux('redis-ver', opts.redisVersion ?? '7.0.15');
    this.aux('redis-bits', '64');
    this.aux('ctime', String(Math.floor(Date.now() / 1000)));
    this.aux('used-mem', String(process.memoryUsage().heapUsed));
    if (opts.replId !== undefined) {
      this.aux('repl-stream-db', String(opts.replStreamDb ?? 0));
      this.aux('repl-id', opts.replId);
      this.aux('repl-offset', String(opts.replOffset ?? 0));
    }
    this.aux('aof-base', opts.aofBase === true ? '1' : '0');
    for (const code of opts.functions ?? []) this.functionLibrary(code);
  }

  private functionLibrary(code: string): void {
    this.byte(OP_FUNCTION2);
    this.str(code);
  }

  /** FUNCTION DUMP's payload: every library as in an RDB, then the RDB version and a CRC64. */
  static functionsPayload(codes: readonly string[], compress = true): Buffer {
    const w = new RdbWriter({ compress, bare: true });
    for (const code of codes) w.functionLibrary(code);
    const body = Buffer.concat([w.take(), Buffer.from([RDB_VERSION & 0xff, RDB_VERSION >> 8])]);
    return Buffer.concat([body, new Crc64().update(body).bytesLE()]);
  }

  /** Makes room for n more bytes in the current buffer. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flushBuf();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  private flushBuf(): void {
    if (this.pos > 0) {
      this.parts.push(Buffer.from(this.buf.subarray(0, this.pos)));
      this.pos = 0;
    }
  }

  private byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private raw(b: Buffer): void {
    if (b.length > 4096) {
      this.flushBuf();
      this.parts.push(b);
      return;
    }
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** A latin1 string's bytes, written straight into the output buffer. */
  private latin1(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, s.length, 'latin1');
  }

  private len(n: number): void {
    if (n < 64) this.byte(n);
    else if (n < 16384) {
      this.byte(0x40 | (n >> 8));
      this.byte(n & 0xff);
    } else if (n <= 0xffffffff) {
      this.ensure(5);
      this.buf[this.pos++] = 0x80;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      this.ensure(9);
      this.buf[this.pos++] = 0x81;
      this.buf.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** A length that may need all 64 bits (RDB_64BITLEN), as rdbSaveLen writes a uint64_t. */
  private ulen(n: bigint): void {
    if (n <= 0xffffffffn) return this.len(Number(n));
    this.ensure(9);
    this.buf[this.pos++] = 0x81;
    this.buf.writeBigUInt64BE(n, this.pos);
    this.pos += 8;
  }

  /** An ID as two lengths (ms, seq). */
  private streamId(id: StreamId): void {
    this.ulen(id >> 64n);
    this.ulen(id & U64_MAX);
  }

  /** An ID as its raw 16 big-endian bytes (PEL entries). */
  private rawId(id: StreamId): void {
    this.ensure(16);
    this.buf.writeBigUInt64BE(id >> 64n, this.pos);
    this.buf.writeBigUInt64BE(id & U64_MAX, this.pos + 8);
    this.pos += 16;
  }

  /** A time in ms as 8 bytes little-endian (rdbSaveMillisecondTime). */
  private msTime(t: number): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(Math.trunc(t)), this.pos);
    this.pos += 8;
  }

  /**
   * A stream as rdbSaveObject writes RDB_TYPE_STREAM_LISTPACKS_2: the nodes (master ID, listpack),
   * length, last / first / max deleted IDs, entries added, then the consumer groups in name order,
   * each with its PEL (ID, delivery time, count) and its consumers (name, seen time, their IDs).
   */
  private stream(s: RStream): void {
    this.len(s.nodes.length);
    for (const n of s.nodes) {
      this.len(16);
      this.rawId(n.master);
      this.bytes(encodeStreamNode(n));
    }
    this.len(s.length);
    this.streamId(s.lastId);
    this.streamId(s.firstId);
    this.streamId(s.maxDeletedId);
    this.ulen(BigInt(s.entriesAdded));
    const groups = s.sortedGroups();
    this.len(groups.length);
    for (const [name, g] of groups) {
      this.str(name);
      this.streamId(g.lastId);
      this.ulen(g.entriesRead === ENTRIES_READ_UNKNOWN ? U64_MAX : BigInt(g.entriesRead));
      const pel = g.pel.values();
      this.len(pel.length);
      for (const p of pel) {
        this.rawId(p.id);
        this.msTime(p.deliveryTime);
        this.len(p.deliveryCount);
      }
      const consumers = g.sortedConsumers();
      this.len(consumers.length);
      for (const c of consumers) {
        this.str(c.name);
        this.msTime(c.seenTime);
        this.len(c.pel.size);
        for (const id of c.pel.keys) this.rawId(id);
      }
    }
  }

  /** A string with Redis's encodings: small integers as C0/C1/C2, long strings LZF-compressed. */
  private str(s: string): void {
    if (s.length <= 11 && /^(0|-?[1-9][0-9]*)$/.test(s)) {
      const n = Number(s);
      if (n >= -128 && n <= 127) {
        this.byte(0xc0);
        this.byte(n & 0xff);
        return;
      }
      if (n >= -32768 && n <= 32767) {
        this.byte(0xc1);
        this.byte(n & 0xff);
        this.byte((n >> 8) & 0xff);
        return;
      }
      if (n >= -2147483648 && n <= 2147483647) {
        this.ensure(5);
        this.buf[this.pos++] = 0xc2;
        this.buf.writeInt32LE(n, this.pos);
        this.pos += 4;
        return;
      }
    }
    if (this.compress && s.length > 20) {
      this.bytes(Buffer.from(s, 'latin1'));
      return;
    }
    this.len(s.length);
    this.latin1(s);
  }

  /** A length-prefixed blob, LZF-compressed when that helps (strings > 20 bytes, like Redis). */
  private bytes(data: Buffer): void {
    if (this.compress && data.length > 20) {
      const c = lzfCompress(data);
      if (c !== null) {
        this.byte(0xc3);
        this.len(c.length);
        this.len(data.length);
        this.raw(c);
        return;
      }
    }
    this.len(data.length);
    this.raw(data);
  }

  private aux(k: string, v: string): void {
    this.byte(OP_AUX);
    this.str(k);
    this.str(v);
  }

  writeKey(
    dbIndex: number,
    key: string,
    value: StoredValue,
    expireAt: number,
    dbSizes?: [number, number],
  ): void {
    if (dbIndex !== this.curDb) {
      this.byte(OP_SELECTDB);
      this.len(dbIndex);
      this.curDb = dbIndex;
      if (!this.resized.has(dbIndex)) {
        this.resized.add(dbIndex);
        this.byte(OP_RESIZEDB);
        this.len(dbSizes?.[0] ?? 0);
        this.len(dbSizes?.[1] ?? 0);
      }
    }
    if (expireAt !== -1) {
      this.ensure(9);
      this.buf[this.pos++] = OP_EXPIRETIME_MS;
      this.buf.writeBigInt64LE(BigInt(expireAt), this.pos);
      this.pos += 8;
    }
    this.byte(rdbTypeOf(value));
    this.str(key);
    this.valueBody(value);
  }

  /** A value's RDB payload (what follows the type byte and the key). */
  private valueBody(value: StoredValue): void {
    if (value instanceof PackedValue) {
      // Still in the encoding it was loaded with (a type this RDB version has): copied verbatim.
      this.raw(Buffer.from(value.payload, 'latin1'));
    } else if (typeof value === 'string') {
      this.str(value);
    } else if (value instanceof RList) {
      const items = value.toArray();
      const nodes: string[][] = [];
      let cur: string[] = [];
      let bytes = 0;
      for (const it of items) {
        if (
          cur.length > 0 &&
          (cur.length >= LIST_NODE_MAX_ENTRIES || bytes + it.length > LIST_NODE_MAX_BYTES)
        ) {
          nodes.push(cur);
          cur = [];
          bytes = 0;
        }
        cur.push(it);
        bytes += it.length + 2;
      }
      if (cur.length > 0) nodes.push(cur);
      this.len(nodes.length);
      for (const n of nodes) {
        this.len(2); // QUICKLIST_NODE_CONTAINER_PACKED
        this.bytes(encodeListpack(n));
      }
    } else if (value instanceof RHash && value.compact) {
      this.bytes(encodeListpack(value.listpackItems()));
    } else if (value instanceof RHash) {
      this.len(value.size);
      for (const [f, v] of value) {
        this.str(f);
        this.str(v);
      }
    } else if (value instanceof RSet) {
      this.len(value.size);
      for (const m of value) this.str(m);
    } else if (value instanceof RStream) {
      this.stream(value);
    } else if (value.compact) {
      this.bytes(encodeListpack(value.listpackItems()));
    } else {
      this.len(value.size);
      for (const [m, s] of value.entries()) {
        this.str(m);
        this.ensure(8);
        this.buf.writeDoubleLE(s, this.pos);
        this.pos += 8;
      }
    }
  }

  /**
   * DUMP's serialization of one value: its RDB type byte and payload, then the RDB version (2 bytes)
   * and a CRC64 of everything before it (8 bytes), both little-endian, as Redis writes it.
   */
  static dumpPayload(value: StoredValue, compress = true): Buffer {
    const w = new RdbWriter({ compress, bare: true });
    w.byte(rdbTypeOf(value));
    w.valueBody(value);
    const body = Buffer.concat([w.take(), Buffer.from([RDB_VERSION & 0xff, RDB_VERSION >> 8])]);
    return Buffer.concat([body, new Crc64().update(body).bytesLE()]);
  }

  finish(): void {
    this.byte(OP_EOF);
    const body = this.take();
    this.parts.push(body);
    const sum = this.checksum ? this.crc.bytesLE() : Buffer.alloc(8);
    this.parts.push(sum);
    this.finished = true;
  }

  private finished = false;

  take(): Buffer {
    this.flushBuf();
    const out = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [];
    if (!this.finished) this.crc.update(out);
    return out;
  }

  /** Convenience: a whole RDB in one buffer (tests, DEBUG RELOAD). */
  static encodeAll(
    dbs: { index: number; entries: Iterable<[string, StoredValue, number]> }[],
    opts?: RdbWriterOptions,
  ): Buffer {
    const w = new RdbWriter(opts);
    const chunks: Buffer[] = [];
    for (const db of dbs) for (const [k, v, e] of db.entries) w.writeKey(db.index, k, v, e);
    chunks.push(w.take());
    w.finish();
    chunks.push(w.take());
    return Buffer.concat(chunks);
  }
}

// RdbReader: parses a whole RDB file (versions 1..11) as Redis 7.0/7.2 write it, calling back per key
// with the value converted to tsredis's structures: strings (int and LZF encodings), lists (linked,
// ziplist, quicklist, quicklist2), sets (plain, intset, listpack), hashes (plain, ziplist, listpack),
// zsets (string and binary scores, ziplist, listpack), streams (listpacks 1 and 2, consumer groups).
// Corrupt or truncated input throws an Error.
// A lazy visitor gets the common collection encodings as PackedValues: validated here, decoded on
// first access (store/packed.ts).
import { Crc64 } from './crc64.js';
import { lzfDecompress } from './lzf.js';
import { decodeIntset, decodeListpack, decodeZiplist, listpackLength } from './listpack.js';
import { RList } from '../store/list.js';
import { RHash } from '../store/hash.js';
import { RZSet } from '../store/zset.js';
import { PackedValue, registerPackedDecoder, type StoredValue } from '../store/packed.js';
import type { RValue } from '../store/value.js';
import { RSet } from '../store/set.js';
import { compactLimits } from '../store/encoding-limits.js';
import { RdbError } from './rdb-error.js';
import { ConsumerGroup, Consumer, type RStream } from '../store/stream.js';
import { idFromBytes, makeId, type StreamId } from '../store/stream-id.js';
import {
  checkPelOwned,
  claimPending,
  decodeStreamNode,
  entriesReadOf,
  fillGroupPel,
  setStreamMeta,
  streamFromNodes,
  type DecodedNode,
  type PendingLoad,
  type StreamMetaV2,
} from './stream-rdb.js';

export { RdbError };

export interface RdbVisitor {
  aux?(key: string, value: string): void;
  /** A FUNCTION library's code (opcode FUNCTION2). */
  functionLibrary?(code: string): void;
  /** RESIZEDB: how many keys (and keys with a TTL) the current database is about to receive. */
  resizeDb?(db: number, size: number, expires: number): void;
  /** Without `lazy`, value is always live (an RValue); with it, it may be a PackedValue. */
  key(db: number, key: string, value: StoredValue, expireAt: number): void;
  /** Keep plain and listpack-encoded sets, hashes, zsets and quicklists packed until first use. */
  readonly lazy?: boolean;
}

/**
 * RDB types kept packed by a lazy load; all are valid in the RDB version we write. (A listpack zset,
 * type 17, loads compact at once: keeping its bytes would save nothing.)
 */
const PACKABLE = new Set([2, 4, 5, 11, 16, 18]);

const MAX_RDB_VERSION = 11;

/** Parses a whole RDB; returns the bytes it took (an AOF may go on with commands after them). */
export function readRdb(buf: Buffer, visitor: RdbVisitor): number {
  const r = new Reader(buf, visitor, false);
  r.run();
  return r.position;
}

/** Thrown inside a streaming parse when the current record is not complete yet. */
const NEED_MORE = Symbol('need more input');

/**
 * Parses an RDB while it arrives (a replica's full sync): whole records are parsed and visited as soon
 * as their bytes are in; a partial record waits for more input. finish() checks that EOF was reached.
 */
export class RdbStreamReader {
  private readonly r: Reader;
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(visitor: RdbVisitor) {
    this.r = new Reader(Buffer.alloc(0), visitor, true);
  }

  feed(chunk: Buffer): void {
    if (this.r.done) return;
    // A partial record over 64 KB is re-parsed only once the input has doubled, keeping it linear.
    const waiting = this.r.remaining();
    if (waiting > 1 << 16 && this.heldBytes + chunk.length < waiting) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      return;
    }
    const all = this.held.length === 0 ? chunk : Buffer.concat([...this.held, chunk]);
    this.held = [];
    this.heldBytes = 0;
    this.r.append(all);
    this.r.pump();
  }

  finish(): void {
    if (this.held.length > 0) {
      this.r.append(Buffer.concat(this.held));
      this.held = [];
      this.r.pump();
    }
    if (!this.r.done) throw new RdbError('Unexpected EOF reading RDB file');
  }
}

class Reader {
  private p = 0;
  private db = 0;
  private version = 0;
  private expireAt = -1;
  private headerDone = false;
  private crc = new Crc64();
  done = false;

  private readonly lazy: boolean;

  /** Bytes consumed so far. */
  get position(): number {
    return this.p;
  }

  constructor(
    private buf: Buffer,
    private readonly v: RdbVisitor,
    private readonly streaming: boolean,
  ) {
    this.lazy = v.lazy === true;
  }

  /** Decodes one packed payload (the whole buffer) into a live value. */
  static decodePacked(rdbType: number, payload: string | Buffer): RValue {
    const buf = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
    const r = new Reader(buf, { key: () => undefined }, false);
    const value = r.value(rdbType);
    if (r.p !== r.buf.length) throw new RdbError('packed value has trailing bytes');
    return value;
  }

  /** The records of a FUNCTION DUMP payload (FUNCTION2 opcodes only): the libraries' code. */
  static functionsBody(buf: Buffer): string[] {
    const r = new Reader(buf, { key: () => undefined }, false);
    const codes: string[] = [];
    while (r.p < r.buf.length) {
      if (r.u8() !== 0xf5) throw new RdbError('ERR given type is not a function');
      codes.push(r.str());
    }
    return codes;
  }

  private need(n: number): void {
    if (this.p + n > this.buf.length) {
      if (this.streaming) throw NEED_MORE;
      throw new RdbError('Unexpected EOF reading RDB file');
    }
  }

  /** Unconsumed bytes (the start of a record still waiting for input). */
  remaining(): number {
    return this.buf.length - this.p;
  }

  append(chunk: Buffer): void {
    const rest = this.buf.subarray(this.p);
    this.buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    this.p = 0;
  }

  /** Streaming: parses every complete record now in the buffer. */
  pump(): void {
    while (!this.done) {
      const start = this.p;
      try {
        if (!this.headerDone) this.header();
        else this.record();
      } catch (e) {
        if (e === NEED_MORE) {
          this.p = start;
          return;
        }
        throw e;
      }
    }
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.p++];
  }

  /** Returns [length, isEncoded]. */
  private lenEnc(): [number, boolean] {
    const b = this.u8();
    const type = b >> 6;
    if (type === 0) return [b & 0x3f, false];
    if (type === 1) return [((b & 0x3f) << 8) | this.u8(), false];
    if (type === 3) return [b & 0x3f, true];
    if (b === 0x80) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.p);
      this.p += 4;
      return [v, false];
    }
    if (b === 0x81) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.p);
      this.p += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbError('length too large');
      return [Number(v), false];
    }
    throw new RdbError(`Unknown length encoding ${b} in rdbLoadLen()`);
  }

  private len(): number {
    const [n, enc] = this.lenEnc();
    if (enc) throw new RdbError('unexpected encoded length');
    return n;
  }

  private bytes(): Buffer {
    const [n, enc] = this.lenEnc();
    if (enc) {
      if (n === 0) return Buffer.from(String(this.buf.readInt8((this.need(1), this.p++))), 'latin1');
      if (n === 1) {
        this.need(2);
        const v = this.buf.readInt16LE(this.p);
        this.p += 2;
        return Buffer.from(String(v), 'latin1');
      }
      if (n === 2) {
        this.need(4);
        const v = this.buf.readInt32LE(this.p);
        this.p += 4;
        return Buffer.from(String(v), 'latin1');
      }
      if (n === 3) {
        const clen = this.len();
        const ulen = this.len();
        this.need(clen);
        const out = lzfDecompress(this.buf.subarray(this.p, this.p + clen), ulen);
        this.p += clen;
        return out;
      }
      throw new RdbError(`Unknown RDB string encoding type ${n}`);
    }
    this.need(n);
    const out = this.buf.subarray(this.p, this.p + n);
    this.p += n;
    return out;
  }

  private str(): string {
    // Plain strings are sliced straight out of the file buffer (no intermediate Buffer object).
    const b = this.buf[this.p];
    if (b !== undefined && b >> 6 !== 3) {
      const n = this.len();
      this.need(n);
      const s = this.buf.toString('latin1', this.p, this.p + n);
      this.p += n;
      return s;
    }
    return this.bytes().toString('latin1');
  }

  private doubleStr(): number {
    const n = this.u8();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    this.need(n);
    const s = this.buf.toString('latin1', this.p, this.p + n);
    this.p += n;
    return Number(s);
  }

  private doubleBin(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.p);
    this.p += 8;
    return v;
  }

  run(): void {
    this.header();
    while (!this.done) this.record();
  }

  private header(): void {
    this.need(9);
    const magic = this.buf.toString('latin1', this.p, this.p + 5);
    if (magic !== 'REDIS') throw new RdbError('Wrong signature trying to load DB from file');
    const ver = this.buf.toString('latin1', this.p + 5, this.p + 9);
    this.version = Number(ver);
    if (!Number.isInteger(this.version) || this.version < 1 || this.version > MAX_RDB_VERSION) {
      throw new RdbError(`Can't handle RDB format version ${ver}`);
    }
    this.crc.update(this.buf.subarray(this.p, this.p + 9));
    this.p += 9;
    this.headerDone = true;
  }

  /** Parses one record (an opcode with its payload, or a key with its value). */
  private record(): void {
    const start = this.p;
    const type = this.u8();
    switch (type) {
      case 0xfc: {
        this.need(8);
        this.expireAt = Number(this.buf.readBigInt64LE(this.p));
        this.p += 8;
        break;
      }
      case 0xfd: {
        this.need(4);
        this.expireAt = this.buf.readInt32LE(this.p) * 1000;
        this.p += 4;
        break;
      }
      case 0xf8:
        this.len();
        break;
      case 0xf9:
        this.u8();
        break;
      case 0xfe:
        this.db = this.len();
        break;
      case 0xfb: {
        const size = this.len();
        const expires = this.len();
        this.v.resizeDb?.(this.db, size, expires);
        break;
      }
      case 0xfa: {
        const k = this.str();
        const val = this.str();
        this.v.aux?.(k, val);
        break;
      }
      case 0xf5: {
        // FUNCTION2: a function library's code.
        const code = this.str();
        if (this.v.functionLibrary === undefined)
          throw new RdbError('function libraries are not accepted here');
        this.v.functionLibrary(code);
        break;
      }
      case 0xf6:
        throw new RdbError('Pre-release function format not supported');
      case 0xf7:
        throw new RdbError('Modules are not supported by tsredis (MODULE_AUX in RDB)');
      case 0xff: {
        const end = this.p;
        if (this.version >= 5) {
          this.need(8);
          this.crc.update(this.buf.subarray(start, end));
          const expected = this.buf.readBigUInt64LE(end);
          if (expected !== 0n && this.crc.value() !== expected) throw new RdbError('Wrong RDB checksum');
          this.p = end + 8;
        }
        this.done = true;
        return;
      }
      default: {
        const key = this.str();
        const value = this.stored(type);
        this.v.key(this.db, key, value, this.expireAt);
        this.expireAt = -1;
      }
    }
    this.crc.update(this.buf.subarray(start, this.p));
  }

  private stored(type: number): StoredValue {
    if (this.lazy && PACKABLE.has(type)) {
      const start = this.p;
      if (this.skipValue(type)) return new PackedValue(type, this.buf.toString('latin1', start, this.p));
      this.p = start;
    }
    return this.value(type);
  }

  /**
   * Steps over a packable value, checking everything a decode would check; false for an empty
   * plain collection (decoded eagerly, as before).
   */
  private skipValue(type: number): boolean {
    if (type === 11) {
      decodeIntsetHeader(this.bytes());
      return true;
    }
    if (type === 16) {
      if (listpackLength(this.bytes()) % 2 !== 0) throw new RdbError('odd number of hash entries');
      return true;
    }
    const n = this.len();
    if (type === 18) {
      for (let i = 0; i < n; i++) {
        const container = this.len();
        const blob = this.bytes();
        if (container === 2) listpackLength(blob);
        else if (container !== 1)
          throw new RdbError(`Quicklist integrity check failed (container ${container})`);
      }
      return true;
    }
    if (n === 0) return false;
    for (let i = 0; i < n; i++) {
      this.skipStr();
      if (type === 4) this.skipStr();
      else if (type === 5) {
        this.need(8);
        this.p += 8;
      }
    }
    return true;
  }

  /** Steps over one string, decompressing an LZF one to check it. */
  private skipStr(): void {
    const [n, enc] = this.lenEnc();
    if (!enc) {
      this.need(n);
      this.p += n;
      return;
    }
    if (n === 3) {
      this.p--;
      this.bytes();
      return;
    }
    const size = n === 0 ? 1 : n === 1 ? 2 : n === 2 ? 4 : -1;
    if (size < 0) throw new RdbError(`Unknown RDB string encoding type ${n}`);
    this.need(size);
    this.p += size;
  }

  /** An RDB length as an unsigned 64-bit number (IDs and counters). */
  private ulen(): bigint {
    if (this.u8() === 0x81) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.p);
      this.p += 8;
      return v;
    }
    this.p--;
    return BigInt(this.len());
  }

  private streamId(): StreamId {
    const ms = this.ulen();
    return makeId(ms, this.ulen());
  }

  /** A raw 16-byte big-endian ID (PEL entries). */
  private rawId(): StreamId {
    this.need(16);
    const id = idFromBytes(this.buf, this.p);
    this.p += 16;
    return id;
  }

  /** A time in ms, 8 bytes little-endian (rdbLoadMillisecondTime). */
  private msTime(): number {
    this.need(8);
    const t = Number(this.buf.readBigInt64LE(this.p));
    this.p += 8;
    return t;
  }

  /**
   * A stream (RDB_TYPE_STREAM_LISTPACKS, or _2 with `v2`): its nodes (master ID, listpack), length,
   * last ID, [first ID, max deleted ID, entries added], then its consumer groups, as rdb.c loads them.
   */
  private stream(v2: boolean): RStream {
    const count = this.len();
    const decoded: DecodedNode[] = [];
    for (let i = 0; i < count; i++) {
      const key = this.bytes();
      if (key.length !== 16) throw new RdbError('Stream node key entry is not the size of a stream ID');
      decoded.push(decodeStreamNode(idFromBytes(key), this.bytes()));
    }
    const s = streamFromNodes(decoded);
    const length = this.len();
    const lastId = this.streamId();
    let meta: StreamMetaV2 | null = null;
    if (v2) {
      const firstId = this.streamId();
      const maxDeletedId = this.streamId();
      meta = { firstId, maxDeletedId, entriesAdded: Number(this.ulen()) };
    }
    setStreamMeta(s, length, lastId, meta);
    const groups = this.len();
    for (let i = 0; i < groups; i++) this.streamGroup(s, v2);
    return s;
  }

  /** One consumer group: name, last ID, [entries read], global PEL, consumers with their PELs. */
  private streamGroup(s: RStream, v2: boolean): void {
    const name = this.str();
    if (s.groups.has(name)) throw new RdbError(`Duplicated consumer group name ${name}`);
    const lastId = this.streamId();
    const g = new ConsumerGroup(lastId, v2 ? entriesReadOf(this.ulen()) : s.estimateEntriesRead(lastId));
    s.groups.set(name, g);
    const pending: PendingLoad[] = [];
    for (let n = this.len(), i = 0; i < n; i++) {
      const id = this.rawId();
      const deliveryTime = this.msTime();
      pending.push({ id, deliveryTime, deliveryCount: Number(this.ulen()) });
    }
    fillGroupPel(g, pending);
    for (let n = this.len(), i = 0; i < n; i++) {
      const cname = this.str();
      if (g.consumers.has(cname)) throw new RdbError('Duplicate stream consumer detected.');
      const c = new Consumer(cname, this.msTime());
      g.consumers.set(cname, c);
      const ids: StreamId[] = [];
      for (let k = this.len(), j = 0; j < k; j++) ids.push(this.rawId());
      claimPending(g, c, ids);
    }
    checkPelOwned(g);
  }

  private value(type: number): RValue {
    switch (type) {
      case 0:
        return this.str();
      case 1: {
        const n = this.len();
        const items: string[] = [];
        for (let i = 0; i < n; i++) items.push(this.str());
        return RList.from(items);
      }
      case 2: {
        const n = this.len();
        const s: string[] = [];
        for (let i = 0; i < n; i++) s.push(this.str());
        return RSet.from(s);
      }
      case 3:
      case 5: {
        const n = this.len();
        if (n > compactLimits.zsetMaxListpackEntries) {
          // too many to pack: straight into the full structure, no pair per member on the way
          const z = RZSet.full();
          for (let i = 0; i < n; i++) {
            const m = this.str();
            z.add(m, type === 3 ? this.doubleStr() : this.doubleBin());
          }
          return z;
        }
        const pairs: [string, number][] = [];
        for (let i = 0; i < n; i++) {
          const m = this.str();
          pairs.push([m, type === 3 ? this.doubleStr() : this.doubleBin()]);
        }
        return RZSet.fromSkiplist(pairs);
      }
      case 4: {
        const n = this.len();
        const h = new Map<string, string>();
        for (let i = 0; i < n; i++) {
          const f = this.str();
          h.set(f, this.str());
        }
        return RHash.fromMap(h);
      }
      case 10:
        return RList.from(decodeZiplist(this.bytes()));
      case 11:
        return RSet.from(decodeIntset(this.bytes()));
      case 12:
      case 17: {
        const items = type === 12 ? decodeZiplist(this.bytes()) : decodeListpack(this.bytes());
        return pairsToZSet(items);
      }
      case 13:
      case 16: {
        const items = type === 13 ? decodeZiplist(this.bytes()) : decodeListpack(this.bytes());
        if (items.length % 2 !== 0) throw new RdbError('odd number of hash entries');
        const h = new Map<string, string>();
        for (let i = 0; i < items.length; i += 2) h.set(items[i], items[i + 1]);
        return RHash.fromListpack(h);
      }
      case 14:
      case 18: {
        const nodes = this.len();
        const items: string[] = [];
        for (let i = 0; i < nodes; i++) {
          const container = type === 18 ? this.len() : 2;
          const blob = this.bytes();
          if (container === 1) items.push(blob.toString('latin1'));
          else if (container === 2)
            for (const it of type === 14 ? decodeZiplist(blob) : decodeListpack(blob)) items.push(it);
          else throw new RdbError(`Quicklist integrity check failed (container ${container})`);
        }
        return RList.from(items);
      }
      case 20:
        return RSet.from(decodeListpack(this.bytes()));
      case 9:
        throw new RdbError('zipmap encoded hashes (RDB < 4) are not supported');
      case 15:
      case 19:
        // Type 21 (7.2's STREAM_LISTPACKS_3) is unknown to 7.0 and falls to the default.
        return this.stream(type === 19);
      case 6:
      case 7:
        throw new RdbError('Modules are not supported by tsredis');
      default:
        throw new RdbError(`Unknown RDB encoding type ${type}`);
    }
  }
}

/** Checks an intset blob's header and size (decodeIntset checks the same). */
function decodeIntsetHeader(buf: Buffer): void {
  if (buf.length < 8) throw new RdbError('truncated intset header');
  const enc = buf.readUInt32LE(0);
  if (enc !== 2 && enc !== 4 && enc !== 8) throw new RdbError(`bad intset encoding ${enc}`);
  if (buf.length < 8 + enc * buf.readUInt32LE(4)) throw new RdbError('truncated intset body');
}

registerPackedDecoder(Reader.decodePacked);

/**
 * RESTORE's side of DUMP: checks the footer (RDB version <= 11, CRC64) and decodes the value. Throws
 * RdbError with Redis's messages.
 */
/** FUNCTION RESTORE's payload: the libraries' code, or an error (Redis's text). */
export function decodeFunctionsPayload(payload: Buffer): string[] {
  const bad = 'ERR DUMP payload version or checksum are wrong';
  if (payload.length < 10) throw new RdbError(bad);
  const version = payload.readUInt16LE(payload.length - 10);
  const expected = payload.readBigUInt64LE(payload.length - 8);
  if (
    version > MAX_RDB_VERSION ||
    new Crc64().update(payload.subarray(0, payload.length - 8)).value() !== expected
  )
    throw new RdbError(bad);
  return Reader.functionsBody(payload.subarray(0, payload.length - 10));
}

export function decodeDumpPayload(payload: Buffer): RValue {
  const bad = 'ERR DUMP payload version or checksum are wrong';
  if (payload.length < 10) throw new RdbError(bad);
  const version = payload.readUInt16LE(payload.length - 10);
  const expected = payload.readBigUInt64LE(payload.length - 8);
  if (
    version > MAX_RDB_VERSION ||
    new Crc64().update(payload.subarray(0, payload.length - 8)).value() !== expected
  )
    throw new RdbError(bad);
  try {
    return Reader.decodePacked(payload[0], payload.subarray(1, payload.length - 10));
  } catch {
    throw new RdbError('ERR Bad data format');
  }
}

function pairsToZSet(items: string[]): RZSet {
  if (items.length % 2 !== 0) throw new RdbError('odd number of zset entries');
  const pairs: [string, number][] = [];
  for (let i = 0; i < items.length; i += 2) {
    const raw = items[i + 1].toLowerCase();
    const s = raw === 'inf' || raw === '+inf' ? Infinity : raw === '-inf' ? -Infinity : Number(raw);
    if (Number.isNaN(s)) throw new RdbError('bad zset score');
    pairs.push([items[i], s]);
  }
  return RZSet.fromListpack(pairs);
}

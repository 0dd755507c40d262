// AofCommandEncoder: the AOF rewrite in command form — what Redis 7.0 writes as the base file of a
// multi-part AOF when aof-use-rdb-preamble is no (its rewriteAppendOnlyFileRio). The optional `#TS:`
// annotation and a FUNCTION LOAD per library come first; then, per key, SELECT when the db changes,
// the commands that rebuild the value (SET; RPUSH, SADD, ZADD, HMSET of at most 64 items each; a stream
// as XADD per entry, XSETID, XGROUP CREATE / CREATECONSUMER and XCLAIM ... JUSTID FORCE per pending
// entry) and PEXPIREAT when it has a TTL. It implements the snapshot's RdbEncoder, so the copy-on-write
// Snapshot drives it as it drives the RDB writer; no I/O: the caller drains bytes with take().
import { command } from '../protocol/reply.js';
import { formatDouble } from '../protocol/double.js';
import { unpack, type StoredValue } from '../store/packed.js';
import { RList } from '../store/list.js';
import { RHash } from '../store/hash.js';
import { RSet } from '../store/set.js';
import { RStream } from '../store/stream.js';
import { formatId } from '../store/stream-id.js';
import type { RdbEncoder } from './snapshot.js';
// Registers the decoder of values still packed as loaded (store/packed.ts unpack needs it).
import './rdb-reader.js';

/** Redis's AOF_REWRITE_ITEMS_PER_CMD: elements (or pairs) per RPUSH, SADD, ZADD, HMSET. */
export const AOF_REWRITE_ITEMS_PER_CMD = 64;

/** Output is handed over in Buffers of about this size (and at every take()). */
const OUT_CHUNK = 64 * 1024;

export interface AofCommandEncoderOptions {
  /** The FUNCTION libraries' code, written first as `FUNCTION LOAD <code>` each (rewriteFunctions). */
  functions?: readonly string[];
  /** aof-timestamp-enabled: a `#TS:<unix seconds>` annotation at the start of the file. */
  timestampSec?: number;
}

export class AofCommandEncoder implements RdbEncoder {
  private pending: string[] = [];
  private pendingLen = 0;
  private chunks: Buffer[] = [];
  private curDb = -1;
  private finished = false;

  constructor(opts: AofCommandEncoderOptions = {}) {
    if (opts.timestampSec !== undefined) this.emit(`#TS:${Math.trunc(opts.timestampSec)}\r\n`);
    for (const code of opts.functions ?? []) this.emit(command(['FUNCTION', 'LOAD', code]));
  }

  private emit(s: string): void {
    this.pending.push(s);
    this.pendingLen += s.length;
    if (this.pendingLen >= OUT_CHUNK) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const s = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.chunks.push(Buffer.from(s, 'latin1'));
    this.pending = [];
    this.pendingLen = 0;
  }

  writeKey(dbIndex: number, key: string, value: StoredValue, expireAt: number): void {
    if (this.finished) throw new Error('AofCommandEncoder: writeKey after finish');
    if (dbIndex !== this.curDb) {
      this.emit(command(['SELECT', String(dbIndex)]));
      this.curDb = dbIndex;
    }
    const v = unpack(value);
    if (typeof v === 'string') this.emit(command(['SET', key, v]));
    else if (v instanceof RList) this.list(key, v);
    else if (v instanceof RSet) this.batched('SADD', key, v.values(), (m, argv) => argv.push(m));
    else if (v instanceof RHash) this.batched('HMSET', key, v.entries(), ([f, x], argv) => argv.push(f, x));
    else if (v instanceof RStream) this.stream(key, v);
    else this.batched('ZADD', key, v.entries(), ([m, s], argv) => argv.push(formatDouble(s), m));
    if (expireAt !== -1) this.emit(command(['PEXPIREAT', key, String(Math.trunc(expireAt))]));
  }

  /** RPUSH in batches, read a batch at a time (a long list is never copied whole). */
  private list(key: string, l: RList): void {
    const n = l.length;
    for (let i = 0; i < n; i += AOF_REWRITE_ITEMS_PER_CMD) {
      const end = Math.min(n, i + AOF_REWRITE_ITEMS_PER_CMD) - 1;
      this.emit(command(['RPUSH', key, ...l.range(i, end)]));
    }
  }

  /** One command per AOF_REWRITE_ITEMS_PER_CMD items of an iterator. */
  private batched<T>(
    name: string,
    key: string,
    items: Iterable<T>,
    add: (item: T, argv: string[]) => void,
  ): void {
    let argv: string[] = [name, key];
    let count = 0;
    for (const it of items) {
      add(it, argv);
      if (++count === AOF_REWRITE_ITEMS_PER_CMD) {
        this.emit(command(argv));
        argv = [name, key];
        count = 0;
      }
    }
    if (count > 0) this.emit(command(argv));
  }

  /**
   * A stream as rewriteStreamObject writes it: XADD of each live entry with its ID (an empty stream:
   * `XADD key MAXLEN 0 0-1 x y`), XSETID with the last ID, entries added and max deleted ID; then per
   * group in name order XGROUP CREATE with its last ID and entries read, and per consumer in name order
   * XGROUP CREATECONSUMER when it has nothing pending, else one XCLAIM ... JUSTID FORCE per pending entry.
   */
  private stream(key: string, s: RStream): void {
    if (s.length > 0) {
      for (const node of s.nodes) {
        for (let i = 0; i < node.ids.length; i++) {
          if (node.gone[i]) continue;
          this.emit(command(['XADD', key, formatId(node.ids[i]), ...node.items[i]]));
        }
      }
    } else {
      this.emit(command(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']));
    }
    this.emit(
      command([
        'XSETID',
        key,
        formatId(s.lastId),
        'ENTRIESADDED',
        String(s.entriesAdded),
        'MAXDELETEDID',
        formatId(s.maxDeletedId),
      ]),
    );
    for (const [name, g] of s.sortedGroups()) {
      this.emit(
        command(['XGROUP', 'CREATE', key, name, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]),
      );
      for (const c of g.sortedConsumers()) {
        if (c.pel.size === 0) {
          this.emit(command(['XGROUP', 'CREATECONSUMER', key, name, c.name]));
          continue;
        }
        for (const p of c.pel.values()) {
          this.emit(
            command([
              'XCLAIM',
              key,
              name,
              c.name,
              '0',
              formatId(p.id),
              'TIME',
              String(Math.trunc(p.deliveryTime)),
              'RETRYCOUNT',
              String(p.deliveryCount),
              'JUSTID',
              'FORCE',
            ]),
          );
        }
      }
    }
  }

  /** The command form has no trailer (no EOF, no checksum): this only closes the encoder. */
  finish(): void {
    this.finished = true;
  }

  take(): Buffer {
    this.flush();
    const out = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    return out;
  }
}

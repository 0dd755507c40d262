// Snapshot: a point-in-time RDB of every database, produced without fork and without freezing the
// event loop. Keys are serialized in slices of a few milliseconds in scan-index order; a key that a
// command is about to change or delete before the cursor reached it is serialized first (copy-on-write
// at key granularity, through the Keyspace WriteObserver hook), and keys created after the start are
// left out. FLUSHDB/SWAPDB swap whole Keyspace objects, so the snapshot keeps reading the ones it began
// with. The produced bytes go to a sink (a file, replica sockets) chunk by chunk.
import type { Entry, Keyspace, WriteObserver } from '../store/keyspace.js';
import type { StoredValue } from '../store/packed.js';

/** The byte encoder the snapshot drives (persistence/rdb-writer.ts implements it). */
export interface RdbEncoder {
  /** Emits SELECTDB (and RESIZEDB the first time) when dbIndex differs from the current one. */
  writeKey(
    dbIndex: number,
    key: string,
    value: StoredValue,
    expireAt: number,
    dbSizes?: [number, number],
  ): void;
  /** Writes EOF and the checksum. */
  finish(): void;
  /** Bytes produced since the last call. */
  take(): Buffer;
}

export interface SnapshotOptions {
  /** Milliseconds of work per slice before yielding to the event loop. */
  sliceMs?: number;
  /** Keys visited per scan step inside a slice. */
  batch?: number;
}

interface DbCursor {
  index: number;
  ks: Keyspace;
  /** Keys with seq <= lastSeq existed at the start. */
  lastSeq: number;
  /** Scan cursor: every key with seq < cursor has been written (or handled by the hook). */
  cursor: number;
  /** Keys written early by the copy-on-write hook. */
  early: Set<string>;
  size: number;
  expires: number;
  done: boolean;
}

export class Snapshot {
  private dbs: DbCursor[] = [];
  private current = 0;
  private finished = false;
  private cancelled = false;
  /** Longest slice in ms (what the event loop stalled for). */
  longestSliceMs = 0;
  slices = 0;
  keysWritten = 0;

  constructor(
    keyspaces: Keyspace[],
    private readonly enc: RdbEncoder,
    private readonly sink: (chunk: Buffer) => void,
    private readonly opts: SnapshotOptions = {},
  ) {
    keyspaces.forEach((ks, index) => {
      if (ks.observer !== null) throw new Error('another snapshot is already running');
      const d: DbCursor = {
        index,
        ks,
        lastSeq: ks.lastSeq,
        cursor: 0,
        early: new Set(),
        size: ks.size,
        expires: ks.volatile.size,
        done: ks.size === 0,
      };
      if (!d.done) {
        const observer: WriteObserver = { beforeWrite: (key, entry) => this.beforeWrite(d, key, entry) };
        ks.observer = observer;
      }
      this.dbs.push(d);
    });
  }

  private beforeWrite(d: DbCursor, key: string, e: Entry): void {
    if (d.done || e.seq > d.lastSeq || e.seq < d.cursor || d.early.has(key)) return;
    d.early.add(key);
    this.emit(d, key, e);
  }

  private emit(d: DbCursor, key: string, e: Entry): void {
    this.enc.writeKey(d.index, key, e.stored, e.expireAt, [d.size, d.expires]);
    this.keysWritten++;
  }

  /** Runs one slice; returns true when the snapshot is complete. */
  step(): boolean {
    if (this.finished) return true;
    const start = performance.now();
    const budget = this.opts.sliceMs ?? 5;
    const batch = this.opts.batch ?? 256;
    while (this.current < this.dbs.length && performance.now() - start < budget) {
      const d = this.dbs[this.current];
      if (d.done) {
        this.current++;
        continue;
      }
      const next = d.ks.scan(d.cursor, batch, (key, e) => {
        if (e.seq > d.lastSeq || d.early.has(key)) return;
        this.emit(d, key, e);
      });
      if (next === 0 || next > d.lastSeq) {
        this.detach(d);
        this.current++;
      } else d.cursor = next;
      const chunk = this.enc.take();
      if (chunk.length > 0) this.sink(chunk);
    }
    if (this.current >= this.dbs.length) {
      for (const d of this.dbs) if (!d.done) this.detach(d);
      this.enc.finish();
      const chunk = this.enc.take();
      if (chunk.length > 0) this.sink(chunk);
      this.finished = true;
    }
    const took = performance.now() - start;
    this.slices++;
    if (took > this.longestSliceMs) this.longestSliceMs = took;
    return this.finished;
  }

  private detach(d: DbCursor): void {
    d.done = true;
    d.early.clear();
    d.ks.observer = null;
  }

  /**
   * Runs slices on the event loop until done; resolves when the last byte went to the sink. While
   * paused() is true (a slow consumer), it waits instead of producing more.
   */
  run(paused: () => boolean = () => false): Promise<void> {
    return new Promise((resolve, reject) => {
      const tick = (): void => {
        if (this.cancelled) {
          reject(new Error('snapshot cancelled'));
          return;
        }
        try {
          if (paused()) setTimeout(tick, 1);
          else if (this.step()) resolve();
          else setImmediate(tick);
        } catch (e) {
          this.cancel();
          reject(e as Error);
        }
      };
      tick();
    });
  }

  /** Runs to completion synchronously (SAVE, SHUTDOWN). */
  runSync(): void {
    while (!this.step());
  }

  cancel(): void {
    this.cancelled = true;
    for (const d of this.dbs) this.detach(d);
  }

  get isFinished(): boolean {
    return this.finished;
  }
}

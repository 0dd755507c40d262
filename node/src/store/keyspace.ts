// Keyspace: one database's keys. Holds entries (value + absolute expiry), the set of keys with a TTL
// for the active expiry cycle, and a scan index (insertion sequence numbers) that gives SCAN a stable
// cursor and gives snapshots a point-in-time iteration order.
import type { RValue } from './value.js';
import { PackedValue, unpack, type StoredValue } from './packed.js';
import { KeyTable } from './keytable.js';

export class Entry {
  private v: RValue = '';
  /** Set while the value is still packed (then v is unused); a plain field keeps the check cheap. */
  private packed: PackedValue | null = null;

  constructor(
    value: RValue,
    /** Absolute unix time in ms, or -1 for no expiry. */
    public expireAt: number,
    /** Position in the scan index; stable for the life of the key. */
    public seq: number,
  ) {
    this.v = value;
  }

  /** The live value; a value still packed from an RDB is decoded on this first access. */
  get value(): RValue {
    if (this.packed !== null) {
      this.v = unpack(this.packed);
      this.packed = null;
    }
    return this.v;
  }

  set value(v: RValue) {
    this.v = v;
    this.packed = null;
  }

  /** Stores a value that may still be packed (loading an RDB). */
  setStored(v: StoredValue): void {
    if (v instanceof PackedValue) {
      this.packed = v;
      this.v = '';
    } else this.value = v;
  }

  /** The value as stored, without decoding it (snapshots write a packed value verbatim). */
  get stored(): StoredValue {
    return this.packed ?? this.v;
  }
}

function touchEntry(e: Entry): number {
  return e.seq;
}

/** Notified before a key's current value is changed or removed (copy-on-write for snapshots). */
export interface WriteObserver {
  beforeWrite(key: string, entry: Entry): void;
}

export class Keyspace {
  readonly dict = new KeyTable<Entry>();
  readonly volatile = new Set<string>();
  /**
   * Scan index: keys by ascending seq, with their entries (an entry lives as long as its key), so SCAN
   * and snapshots walk it without a table lookup per key; removed keys leave a null until compaction.
   */
  private scanKeys: (string | null)[] = [];
  private scanEntries: (Entry | null)[] = [];
  private scanSeqs: number[] = [];
  private holes = 0;
  private nextSeq = 1;
  observer: WriteObserver | null = null;

  get size(): number {
    return this.dict.size;
  }

  get(key: string): Entry | undefined {
    return this.dict.get(key);
  }

  /** Warms the cache lines that looking up keys[from], keys[from + step], ... will read (see KeyTable). */
  prefetch(keys: readonly string[], from: number, step: number): void {
    this.prefetchSink = this.dict.prefetch(keys, from, step, touchEntry);
  }
  private prefetchSink = 0;

  /** Sizes the table for n keys in advance (loading an RDB whose RESIZEDB says how many follow). */
  reserve(n: number): void {
    this.dict.reserve(n);
  }

  /** Call before mutating an existing entry's value in place or replacing it. */
  willWrite(key: string, entry: Entry): void {
    if (this.observer !== null) this.observer.beforeWrite(key, entry);
  }

  /** Sets a value. keepTtl keeps an existing expiry, otherwise the key becomes persistent. */
  set(key: string, value: RValue, keepTtl = false): Entry {
    return this.setFound(key, this.dict.get(key), value, keepTtl);
  }

  /** set() when the caller already looked the entry up (saves a second hash lookup). */
  setFound(key: string, e: Entry | undefined, value: RValue, keepTtl: boolean): Entry {
    if (e !== undefined) {
      this.willWrite(key, e);
      e.value = value;
      if (!keepTtl && e.expireAt !== -1) {
        e.expireAt = -1;
        this.volatile.delete(key);
      }
      return e;
    }
    const seq = this.nextSeq++;
    const entry = new Entry(value, -1, seq);
    this.dict.set(key, entry);
    this.scanKeys.push(key);
    this.scanEntries.push(entry);
    this.scanSeqs.push(seq);
    return entry;
  }

  /** Adds or replaces a key with a value as loaded from an RDB (possibly still packed), no TTL. */
  setLoaded(key: string, value: StoredValue): Entry {
    const e = this.set(key, '');
    e.setStored(value);
    return e;
  }

  delete(key: string): boolean {
    const e = this.dict.get(key);
    if (e === undefined) return false;
    this.willWrite(key, e);
    this.dict.delete(key);
    if (e.expireAt !== -1) this.volatile.delete(key);
    const idx = this.indexOfSeq(e.seq);
    if (idx >= 0) {
      this.scanKeys[idx] = null;
      this.scanEntries[idx] = null;
      this.holes++;
      if (this.holes > 1024 && this.holes * 2 > this.scanKeys.length) this.compact();
    }
    return true;
  }

  setExpire(key: string, e: Entry, at: number): void {
    this.willWrite(key, e);
    e.expireAt = at;
    if (at === -1) this.volatile.delete(key);
    else this.volatile.add(key);
  }

  private indexOfSeq(seq: number): number {
    let lo = 0;
    let hi = this.scanSeqs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.scanSeqs[mid];
      if (s === seq) return mid;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** First index whose seq >= seq. */
  private lowerBound(seq: number): number {
    let lo = 0;
    let hi = this.scanSeqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.scanSeqs[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compact(): void {
    const keys: string[] = [];
    const entries: Entry[] = [];
    const seqs: number[] = [];
    for (let i = 0; i < this.scanKeys.length; i++) {
      const k = this.scanKeys[i];
      if (k !== null) {
        keys.push(k);
        entries.push(this.scanEntries[i] as Entry);
        seqs.push(this.scanSeqs[i]);
      }
    }
    this.scanKeys = keys;
    this.scanEntries = entries;
    this.scanSeqs = seqs;
    this.holes = 0;
  }

  /**
   * Visits up to `count` live keys whose seq >= cursor, in seq order. Returns the next cursor (0 when done).
   * A key present for the whole scan is never missed: its seq never changes and the cursor only grows.
   */
  scan(cursor: number, count: number, visit: (key: string, entry: Entry) => void): number {
    let i = this.lowerBound(cursor);
    let seen = 0;
    while (i < this.scanKeys.length && seen < count) {
      const k = this.scanKeys[i];
      if (k !== null) {
        visit(k, this.scanEntries[i] as Entry);
        seen++;
      }
      i++;
    }
    return i < this.scanKeys.length ? this.scanSeqs[i] : 0;
  }

  /** Highest seq handed out so far: keys created later are not part of a snapshot started now. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** A uniformly random live key, or undefined when empty. */
  randomKey(): string | undefined {
    if (this.dict.size === 0) return undefined;
    for (let tries = 0; tries < 64; tries++) {
      const k = this.scanKeys[Math.floor(Math.random() * this.scanKeys.length)];
      if (k !== null) return k;
    }
    this.compact();
    return this.scanKeys[Math.floor(Math.random() * this.scanKeys.length)] as string;
  }
}

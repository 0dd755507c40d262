// Keyspace: one database's keys. Holds entries (value + absolute expiry), the set of keys with a TTL
// for the active expiry cycle, and a scan index (insertion sequence numbers) that gives SCAN a stable
// cursor and gives snapshots a point-in-time iteration order.
import type { RValue } from './value.js';
import { PackedValue, unpack, type StoredValue } from './packed.js';
import { KeyTable } from './keytable.js';
import { keyBytes } from './memory-model.js';
import { initialAccess, type AccessPolicy } from './lru.js';
import { TaggedString } from './tagged-string.js';

/**
 * A string value that is a canonical integer of at most 15 digits is held as a JS number (a small
 * integer is an immediate, no object at all), as Redis holds such strings in the object itself
 * (the "int" encoding); it becomes a string again when a command reads it.
 */
const COMPACT_INT_MAX_LEN = 16;

/** True for "0", "-7", "123456789012345": the canonical decimal form of an integer of ≤ 15 digits. */
export function isCompactInt(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > COMPACT_INT_MAX_LEN) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45 /* - */) {
    if (n === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48 /* 0 */) return n === 1; // "0" only: no leading zeros, no "-0"
  if (n - i > 15) return false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * One key's entry. Its fields are kept few because every key has one: the value (live, a compact
 * integer, or still packed from an RDB), its accounted bytes, its access field, expiry, and scan seq.
 */
export class Entry {
  private v: RValue | PackedValue | TaggedString | number = '';
  /** The bytes this key holds by the memory model (store/memory-model.ts), as last accounted; -1 once deleted. */
  mem = 0;
  /** Access tracking: the LRU clock or the LFU field of the last access (store/lru.ts). */
  lru = 0;

  constructor(
    value: RValue | TaggedString,
    /** Absolute unix time in ms, or -1 for no expiry. */
    public expireAt: number,
    /** Position in the scan index; stable for the life of the key. */
    public seq: number,
  ) {
    this.put(value);
  }

  /** The live value; a value still packed from an RDB is decoded on this first access. */
  get value(): RValue {
    const v = this.v;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    if (v instanceof TaggedString) return v.s;
    if (v instanceof PackedValue) {
      const live = unpack(v);
      this.v = live;
      return live;
    }
    return v;
  }

  set value(v: RValue) {
    this.put(v);
  }

  /** Stores a value; a string in its default encoding unless tagged (store/tagged-string.ts). */
  put(v: RValue | TaggedString): void {
    this.v = typeof v === 'string' && isCompactInt(v) ? Number(v) : v;
  }

  /** The value with its string tag, if any: what RENAME, MOVE and COPY carry to the new key. */
  get tagged(): RValue | TaggedString {
    const v = this.v;
    return v instanceof TaggedString ? v : this.value;
  }

  /** Stores a value that may still be packed (loading an RDB). */
  setStored(v: StoredValue): void {
    if (v instanceof PackedValue) this.v = v;
    else this.value = v;
  }

  /** True while the value is still packed: reading it decodes it and changes the memory it holds. */
  get isPacked(): boolean {
    return this.v instanceof PackedValue;
  }

  /** The value as stored, without decoding it (snapshots write a packed value verbatim). */
  get stored(): StoredValue {
    const v = this.v;
    return typeof v === 'number' ? String(v) : v instanceof TaggedString ? v.s : v;
  }

  /** The value as held, a compact integer as its number (what the memory model measures). */
  get held(): StoredValue | TaggedString | number {
    return this.v;
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
  /** How a new key's access field starts (its Db's policy; LRU for a keyspace on its own). */
  access: AccessPolicy = { lfu: false, logFactor: 10, decayMinutes: 1 };
  /** What every key here holds by the memory model: the dataset's share of used_memory. */
  bytes = 0;

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

  /**
   * Holds an existing string value as raw without changing it (SETBIT that flips nothing: Redis
   * unshares the value all the same). Not a write: no dirty count, no WATCH, no event.
   */
  makeRaw(key: string, e: Entry): void {
    const held = e.held;
    if (held instanceof TaggedString && held.raw) return;
    e.put(new TaggedString(e.value as string, true));
    this.account(key, e);
  }

  /** Re-estimates the bytes key holds after its value, or its TTL, changed. */
  account(key: string, e: Entry): void {
    if (e.mem === -1) return;
    const m = keyBytes(key, e.held, e.expireAt !== -1);
    this.bytes += m - e.mem;
    e.mem = m;
  }

  /** Sets a value. keepTtl keeps an existing expiry, otherwise the key becomes persistent. */
  set(key: string, value: RValue | TaggedString, keepTtl = false): Entry {
    return this.setFound(key, this.dict.get(key), value, keepTtl);
  }

  /** set() when the caller already looked the entry up (saves a second hash lookup). */
  setFound(key: string, e: Entry | undefined, value: RValue | TaggedString, keepTtl: boolean): Entry {
    if (e !== undefined) {
      this.willWrite(key, e);
      e.put(value);
      if (!keepTtl && e.expireAt !== -1) {
        e.expireAt = -1;
        this.volatile.delete(key);
      }
      this.account(key, e);
      return e;
    }
    const seq = this.nextSeq++;
    const entry = new Entry(value, -1, seq);
    entry.lru = initialAccess(Date.now(), this.access); // a loaded key starts as just accessed, as in Redis
    this.dict.set(key, entry);
    this.scanKeys.push(key);
    this.scanEntries.push(entry);
    this.scanSeqs.push(seq);
    this.account(key, entry);
    return entry;
  }

  /** Adds or replaces a key with a value as loaded from an RDB (possibly still packed), no TTL. */
  setLoaded(key: string, value: StoredValue): Entry {
    const e = this.set(key, '');
    e.setStored(value);
    this.account(key, e);
    return e;
  }

  delete(key: string): boolean {
    const e = this.dict.get(key);
    if (e === undefined) return false;
    this.willWrite(key, e);
    this.dict.delete(key);
    this.bytes -= e.mem;
    e.mem = -1; // gone: a later account() of this entry is a no-op
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
    const wasVolatile = e.expireAt !== -1;
    e.expireAt = at;
    if (at === -1) this.volatile.delete(key);
    else this.volatile.add(key);
    if (wasVolatile !== (at !== -1)) this.account(key, e);
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

  /**
   * Visits up to `count` live keys picked at random (eviction's sampling); volatileOnly picks among
   * keys with a TTL. When few keys have one, random probes would mostly miss: the volatile keys are
   * then taken in turn from a cursor that goes round the set of them.
   */
  sample(count: number, volatileOnly: boolean, visit: (key: string, e: Entry) => void): void {
    if (this.dict.size === 0 || (volatileOnly && this.volatile.size === 0)) return;
    const n = this.scanKeys.length;
    if (!volatileOnly || this.volatile.size * 4 >= this.dict.size) {
      let found = 0;
      for (let tries = 0; found < count && tries < count * 16; tries++) {
        const i = Math.floor(Math.random() * n);
        const e = this.scanEntries[i];
        if (e === null || (volatileOnly && e.expireAt === -1)) continue;
        visit(this.scanKeys[i] as string, e);
        found++;
      }
      if (found > 0) return;
      if (!volatileOnly) {
        // Every probe hit a hole (up to half the index may be holes before it is compacted).
        const k = this.randomKey() as string;
        visit(k, this.dict.get(k) as Entry);
        return;
      }
    }
    const want = Math.min(count, this.volatile.size);
    for (let found = 0, steps = 0; found < want && steps <= this.volatile.size + want; steps++) {
      if (this.volatileTurn === null) this.volatileTurn = this.volatile.values();
      const r = this.volatileTurn.next();
      if (r.done === true) {
        this.volatileTurn = null;
        continue;
      }
      const e = this.dict.get(r.value);
      if (e === undefined) continue;
      visit(r.value, e);
      found++;
    }
  }
  private volatileTurn: Iterator<string> | null = null;

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

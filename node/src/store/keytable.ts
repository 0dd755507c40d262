// KeyTable: the keyspace's hash table from key (a latin1 string) to value. Open addressing with linear
// probing and backward-shift deletion; each slot's hash sits in an Int32Array and its key and value
// side by side in one array, so a lookup touches the hash line, the slot, and the stored key only
// when the hashes agree. V8's Map walks a chain of up to two entries per bucket and reads every
// candidate key's string header to compare hashes, which made keyspace lookups the largest cost in
// the command path (perf: ~22% of the CPU at SET/GET -P16 with 100k keys). Hashes are seeded per
// process so that crafted keys cannot be chosen to collide in advance.
//
// Iteration visits each key once as long as the table is not modified meanwhile.

const MIN_CAPACITY = 16;
/** Grow when more than 3/4 of the slots are used; shrink when under 1/16 (Redis shrinks at 1/10). */
const GROW_NUM = 3;
const GROW_DEN = 4;
const SHRINK_DIV = 16;
/** Stored hashes are 29-bit values with bit 29 set, so 0 marks an empty slot. */
const HASH_MASK = 0x1fffffff;
const HASH_SET = 0x20000000;

/** The most keys reserve() sizes for in advance: an RDB's RESIZEDB is a hint (a corrupt one must not
 * allocate gigabytes); a larger dataset grows the table as usual. */
const RESERVE_MAX = 1 << 22;
/** Keys one prefetch() call touches at most. */
const PREFETCH_MAX = 64;

const SEED = (Math.random() * 0x100000000) >>> 0;

/** A 32-bit hash of a string (murmur3-style mixing, four chars per round; latin1 chars are one byte). */
export function hashKey(s: string): number {
  let h = SEED;
  const n = s.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let k =
      s.charCodeAt(i) ^
      (s.charCodeAt(i + 1) << 8) ^
      (s.charCodeAt(i + 2) << 16) ^
      (s.charCodeAt(i + 3) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let shift = 0; i < n; i++, shift += 8) k ^= s.charCodeAt(i) << shift;
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** An array of n empty slots, built by push so V8 keeps it packed (no hole checks on access). */
function emptySlots<V>(n: number): (string | V | undefined)[] {
  const a: (string | V | undefined)[] = [];
  for (let i = 0; i < n; i++) a.push(undefined);
  return a;
}

export class KeyTable<V> {
  private hashes: Int32Array;
  /** Key at 2*i, value at 2*i+1; undefined where the slot is empty. */
  private kv: (string | V | undefined)[];
  private mask: number;
  private count = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.hashes = new Int32Array(cap);
    this.kv = emptySlots<V>(cap * 2);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The slot holding key, or -1. */
  private find(key: string, h: number): number {
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = hashes[i];
      if (x === 0) return -1;
      if (x === h && this.kv[2 * i] === key) return i;
    }
  }

  get(key: string): V | undefined {
    const i = this.find(key, (hashKey(key) & HASH_MASK) | HASH_SET);
    return i < 0 ? undefined : (this.kv[2 * i + 1] as V);
  }

  /**
   * Touches the home slots of keys[from], keys[from + step], ... stage by stage (first every hash and
   * slot line, then every stored key and, through touch, every value), so that their cache misses
   * overlap instead of being paid one after another by the lookups that follow (MSET, MGET, DEL of
   * many keys). Returns a value only so that the loads are not optimized away.
   */
  prefetch(keys: readonly string[], from: number, step: number, touch: (v: V) => number): number {
    const n = Math.min(PREFETCH_MAX, Math.ceil((keys.length - from) / step));
    if (n < 2) return 0;
    const at = this.scratch;
    const mask = this.mask;
    const hashes = this.hashes;
    const kv = this.kv;
    let sink = 0;
    for (let k = 0; k < n; k++) at[k] = ((hashKey(keys[from + k * step]) & HASH_MASK) | HASH_SET) & mask;
    for (let k = 0; k < n; k++) {
      sink ^= hashes[at[k]];
      if (kv[2 * at[k]] === undefined) at[k] = -1;
    }
    for (let k = 0; k < n; k++) {
      if (at[k] < 0) continue;
      sink ^= (kv[2 * at[k]] as string).length;
      sink ^= touch(kv[2 * at[k] + 1] as V);
    }
    return sink;
  }

  private readonly scratch = new Int32Array(PREFETCH_MAX);

  has(key: string): boolean {
    return this.find(key, (hashKey(key) & HASH_MASK) | HASH_SET) >= 0;
  }

  /** Adds or replaces key's value. */
  set(key: string, value: V): void {
    const h = (hashKey(key) & HASH_MASK) | HASH_SET;
    const hashes = this.hashes;
    const mask = this.mask;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const x = hashes[i];
      if (x === 0) break;
      if (x === h && this.kv[2 * i] === key) {
        this.kv[2 * i + 1] = value;
        return;
      }
    }
    hashes[i] = h;
    this.kv[2 * i] = key;
    this.kv[2 * i + 1] = value;
    this.count++;
    if (this.count * GROW_DEN > (mask + 1) * GROW_NUM) this.resize((mask + 1) * 2);
  }

  delete(key: string): boolean {
    let i = this.find(key, (hashKey(key) & HASH_MASK) | HASH_SET);
    if (i < 0) return false;
    const hashes = this.hashes;
    const kv = this.kv;
    const mask = this.mask;
    // Backward shift: pull later members of the probe run into the hole when their home slot allows it.
    for (let j = (i + 1) & mask; hashes[j] !== 0; j = (j + 1) & mask) {
      const home = hashes[j] & mask;
      // j may move to i when its home is not in the cyclic interval (i, j].
      const movable = i <= j ? home <= i || home > j : home <= i && home > j;
      if (movable) {
        hashes[i] = hashes[j];
        kv[2 * i] = kv[2 * j];
        kv[2 * i + 1] = kv[2 * j + 1];
        i = j;
      }
    }
    hashes[i] = 0;
    kv[2 * i] = undefined;
    kv[2 * i + 1] = undefined;
    this.count--;
    const cap = mask + 1;
    if (cap > MIN_CAPACITY && this.count * SHRINK_DIV < cap) this.resize(cap / 2);
    return true;
  }

  /** Grows the table so that it holds n keys without resizing again (a hint: n is capped). */
  reserve(n: number): void {
    const want = Math.min(n, RESERVE_MAX);
    let cap = this.mask + 1;
    while (want * GROW_DEN > cap * GROW_NUM) cap *= 2;
    if (cap > this.mask + 1) this.resize(cap);
  }

  clear(): void {
    this.hashes = new Int32Array(MIN_CAPACITY);
    this.kv = emptySlots<V>(MIN_CAPACITY * 2);
    this.mask = MIN_CAPACITY - 1;
    this.count = 0;
  }

  private resize(cap: number): void {
    const oldHashes = this.hashes;
    const oldKv = this.kv;
    const hashes = new Int32Array(cap);
    const kv = emptySlots<V>(cap * 2);
    const mask = cap - 1;
    for (let s = 0; s < oldHashes.length; s++) {
      const h = oldHashes[s];
      if (h === 0) continue;
      let i = h & mask;
      while (hashes[i] !== 0) i = (i + 1) & mask;
      hashes[i] = h;
      kv[2 * i] = oldKv[2 * s];
      kv[2 * i + 1] = oldKv[2 * s + 1];
    }
    this.hashes = hashes;
    this.kv = kv;
    this.mask = mask;
  }

  /** Calls visit for every key and value (the table must not change meanwhile). */
  forEach(visit: (value: V, key: string) => void): void {
    const hashes = this.hashes;
    for (let i = 0; i < hashes.length; i++) {
      if (hashes[i] !== 0) visit(this.kv[2 * i + 1] as V, this.kv[2 * i] as string);
    }
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    const hashes = this.hashes;
    const kv = this.kv;
    for (let i = 0; i < hashes.length; i++) {
      if (hashes[i] !== 0) yield [kv[2 * i] as string, kv[2 * i + 1] as V];
    }
  }
}

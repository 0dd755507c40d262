// RHash: the hash value type. A small hash is one packed string of field, value, field, value ... in
// insertion order (store/strpack.ts), as Redis keeps it in a listpack; it becomes a Map once it has
// more than hash-max-listpack-entries fields or a field or value longer than hash-max-listpack-value,
// and stays one (Redis 7.0 never converts back). The API is the part of Map's that commands use.
import { compactLimits } from './encoding-limits.js';
import { elementAt, elementIs, headerLen, pack, readLen, skip, splice, unpackAll } from './strpack.js';

export class RHash {
  /** Packed pairs while compact; unused once map is set. */
  private lp = '';
  /** Fields in lp. */
  private n = 0;
  private map: Map<string, string> | null = null;

  /** A hash of these pairs (a repeated field keeps its last value), compact when the limits allow. */
  static from(pairs: Iterable<readonly [string, string]>): RHash {
    return RHash.fromMap(new Map(pairs));
  }

  /** A hash of a Map's pairs, adopting the Map itself when the limits do not allow packing it. */
  static fromMap(map: Map<string, string>): RHash {
    const lim = compactLimits;
    let fits = map.size <= lim.hashMaxListpackEntries;
    for (const [f, v] of map) {
      if (!fits) break;
      fits = f.length <= lim.hashMaxListpackValue && v.length <= lim.hashMaxListpackValue;
    }
    return fits ? RHash.packed(map) : RHash.adopt(map);
  }

  /**
   * A hash loaded from a listpack (RDB), as Redis loads one: packed while the entry count allows,
   * whatever the lengths of its fields and values (only a later write checks hash-max-listpack-value).
   */
  static fromListpack(map: Map<string, string>): RHash {
    return map.size <= compactLimits.hashMaxListpackEntries ? RHash.packed(map) : RHash.adopt(map);
  }

  private static packed(map: Map<string, string>): RHash {
    const h = new RHash();
    const flat: string[] = [];
    for (const [f, v] of map) flat.push(f, v);
    h.lp = pack(flat);
    h.n = map.size;
    return h;
  }

  private static adopt(map: Map<string, string>): RHash {
    const h = new RHash();
    h.map = map;
    return h;
  }

  get size(): number {
    return this.map !== null ? this.map.size : this.n;
  }

  /** True while packed (OBJECT ENCODING listpack). */
  get compact(): boolean {
    return this.map === null;
  }

  /** The packed string's length while compact (the memory model's input), else 0. */
  get packedLength(): number {
    return this.map === null ? this.lp.length : 0;
  }

  /** The position of field f's pair in lp, or -1. */
  private find(f: string): number {
    const p = this.lp;
    let pos = 0;
    for (let i = 0; i < this.n; i++) {
      if (elementIs(p, pos, f)) return pos;
      pos = skip(p, skip(p, pos));
    }
    return -1;
  }

  get(f: string): string | undefined {
    if (this.map !== null) return this.map.get(f);
    const at = this.find(f);
    return at < 0 ? undefined : elementAt(this.lp, skip(this.lp, at));
  }

  has(f: string): boolean {
    return this.map !== null ? this.map.has(f) : this.find(f) >= 0;
  }

  /** Sets f to v; true when f is a new field. */
  put(f: string, v: string): boolean {
    if (this.map === null) {
      const lim = compactLimits;
      if (f.length > lim.hashMaxListpackValue || v.length > lim.hashMaxListpackValue) this.convert();
      else {
        const at = this.find(f);
        if (at >= 0) {
          const vpos = skip(this.lp, at);
          this.lp = splice(this.lp, vpos, skip(this.lp, vpos), [v]);
          // Redis checks the entry limit after every write, so a lowered limit converts on an update
          if (this.n > lim.hashMaxListpackEntries) this.convert();
          return false;
        }
        this.lp = splice(this.lp, this.lp.length, this.lp.length, [f, v]);
        this.n++;
        if (this.n > lim.hashMaxListpackEntries) this.convert();
        return true;
      }
    }
    const map = this.map as Map<string, string>;
    const before = map.size;
    map.set(f, v);
    return map.size !== before;
  }

  /** Map-style set (returns the hash). */
  set(f: string, v: string): this {
    this.put(f, v);
    return this;
  }

  delete(f: string): boolean {
    if (this.map !== null) return this.map.delete(f);
    const at = this.find(f);
    if (at < 0) return false;
    this.lp = splice(this.lp, at, skip(this.lp, skip(this.lp, at)), []);
    this.n--;
    return true;
  }

  /** The packed elements (field, value, ...) for a listpack in an RDB file; compact hashes only. */
  listpackItems(): string[] {
    return unpackAll(this.lp);
  }

  /** Turns the packed pairs into a Map of strings of their own. */
  private convert(): void {
    const items = unpackAll(this.lp);
    const map = new Map<string, string>();
    for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
    this.map = map;
    this.lp = '';
    this.n = 0;
  }

  // A full hash hands out its Map's own iterators (a generator per call costs HSET's accounting).
  entries(): IterableIterator<[string, string]> {
    return this.map !== null ? this.map.entries() : this.packedPairs();
  }

  private *packedPairs(): IterableIterator<[string, string]> {
    const p = this.lp;
    for (let pos = 0; pos < p.length;) {
      const flen = readLen(p, pos);
      const fstart = pos + headerLen(flen);
      const vpos = fstart + flen;
      const vlen = readLen(p, vpos);
      const vstart = vpos + headerLen(vlen);
      yield [p.substring(fstart, vpos), p.substring(vstart, vstart + vlen)];
      pos = vstart + vlen;
    }
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  keys(): IterableIterator<string> {
    return this.map !== null ? this.map.keys() : this.packedPart(0);
  }

  values(): IterableIterator<string> {
    return this.map !== null ? this.map.values() : this.packedPart(1);
  }

  /** The packed fields (which 0) or values (which 1). */
  private *packedPart(which: 0 | 1): IterableIterator<string> {
    for (const pair of this.packedPairs()) yield pair[which];
  }

  /** A deep copy in the same encoding. */
  clone(): RHash {
    const h = new RHash();
    if (this.map !== null) h.map = new Map(this.map);
    else {
      h.lp = this.lp;
      h.n = this.n;
    }
    return h;
  }
}

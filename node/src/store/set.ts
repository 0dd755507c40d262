// RSet: the set value type. A small set of integers is an intset (store/intset.ts): one string of
// fixed-width keys, ascending, so SMEMBERS lists it in numeric order as Redis does. It becomes a Set of
// strings for good when a member is not an integer or it has more than set-max-intset-entries members
// (Redis 7.0 never converts back). The API is the part of Set's that commands use.
import { compactLimits } from './encoding-limits.js';
import { decodeAll, decodeInt, encodeAll, encodeInt, search, widthOf } from './intset.js';

/** A copy that shares nothing with the two-byte string it was cut from (a substring of ≥ 13 chars is a view). */
function detachTwoByte(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf16le').toString('utf16le');
}

export class RSet {
  /** The intset's keys while compact; unused once set is set. */
  private is = '';
  /** Chars per key: 1, 2 or 4. */
  private w = 1;
  private set: Set<string> | null = null;

  /**
   * A set of these members (repeats allowed), an intset when they are all integers and few enough.
   * A Set too large for an intset is adopted, not copied: the caller hands it over.
   */
  static from(members: Iterable<string>): RSet {
    const s = new RSet();
    if (members instanceof Set && members.size > compactLimits.setMaxIntsetEntries) {
      s.set = members as Set<string>; // adopted: the caller hands it over
      return s;
    }
    let all = Array.isArray(members) ? (members as string[]) : [...members];
    if (all.length > compactLimits.setMaxIntsetEntries) {
      const distinct = new Set(all);
      if (distinct.size > compactLimits.setMaxIntsetEntries) {
        s.set = distinct;
        return s;
      }
      all = [...distinct];
    }
    let w = 1;
    for (const m of all) {
      const mw = widthOf(m);
      if (mw === 0) {
        s.set = new Set(all);
        return s;
      }
      if (mw > w) w = mw;
    }
    s.w = w;
    s.is = encodeAll(all, w);
    return s;
  }

  get size(): number {
    return this.set !== null ? this.set.size : this.is.length / this.w;
  }

  /** True while an intset (OBJECT ENCODING intset). */
  get compact(): boolean {
    return this.set === null;
  }

  /** The intset string's length in chars while compact, else 0. */
  get packedLength(): number {
    return this.set === null ? this.is.length : 0;
  }

  has(m: string): boolean {
    if (this.set !== null) return this.set.has(m);
    const mw = widthOf(m);
    return mw !== 0 && mw <= this.w && search(this.is, this.w, encodeInt(m, this.w)) >= 0;
  }

  /** Adds m; true when it was not a member. */
  put(m: string): boolean {
    if (this.set === null) {
      const mw = widthOf(m);
      if (mw === 0) this.convert();
      else {
        if (mw > this.w) this.widen(mw);
        const k = encodeInt(m, this.w);
        const at = search(this.is, this.w, k);
        if (at >= 0) return false;
        const pos = (-at - 1) * this.w;
        this.is = [this.is.substring(0, pos), k, this.is.substring(pos)].join('');
        if (this.is.length / this.w > compactLimits.setMaxIntsetEntries) this.convert();
        return true;
      }
    }
    const set = this.set as Set<string>;
    const before = set.size;
    set.add(m);
    return set.size !== before;
  }

  /** Set-style add (returns the set). */
  add(m: string): this {
    this.put(m);
    return this;
  }

  delete(m: string): boolean {
    if (this.set !== null) return this.set.delete(m);
    const mw = widthOf(m);
    if (mw === 0 || mw > this.w) return false;
    const at = search(this.is, this.w, encodeInt(m, this.w));
    if (at < 0) return false;
    const pos = at * this.w;
    const head = this.is.substring(0, pos);
    const tail = this.is.substring(pos + this.w);
    this.is = head === '' || tail === '' ? detachTwoByte(head + tail) : [head, tail].join('');
    return true;
  }

  /** Re-encodes every key at a larger width (a member past the current one's range was added). */
  private widen(w: number): void {
    this.is = encodeAll(decodeAll(this.is, this.w), w);
    this.w = w;
  }

  private convert(): void {
    this.set = new Set(decodeAll(this.is, this.w));
    this.is = '';
    this.w = 1;
  }

  values(): IterableIterator<string> {
    return this.set !== null ? this.set.values() : this.intsetMembers();
  }

  private *intsetMembers(): IterableIterator<string> {
    const s = this.is;
    const w = this.w;
    for (let pos = 0; pos < s.length; pos += w) yield decodeInt(s, pos, w);
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.values();
  }

  /** A deep copy in the same encoding. */
  clone(): RSet {
    const s = new RSet();
    if (this.set !== null) s.set = new Set(this.set);
    else {
      s.is = this.is;
      s.w = this.w;
    }
    return s;
  }
}

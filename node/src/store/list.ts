// RList: the list value type. A small list is one packed string of its elements (store/strpack.ts),
// as Redis keeps a list's node in a listpack, while it fits list-max-listpack-size (one node's bytes,
// or its element count); past that it becomes a growable ring-buffer deque of latin1 strings with
// O(1) push/pop/index, for good. Elements popped from the packed form are copies of their own, so a
// popped element kept elsewhere (LMOVE into a long list) never keeps the old packed string alive.
import { compactLimits } from './encoding-limits.js';
import { detach, elementAt, encodeLen, pack, skip, splice, unpackAll } from './strpack.js';

/** Bytes a packed list may hold: list-max-listpack-size -1..-5 is 4..64 KB; a count keeps 8 KB at most. */
function packedByteLimit(fill: number): number {
  return fill < 0 ? 4096 * 2 ** (Math.min(-fill, 5) - 1) : 8192;
}

/** True when a packed list of `count` elements in `bytes` packed bytes stays within the node limit. */
function fitsPacked(count: number, bytes: number): boolean {
  const fill = compactLimits.listMaxListpackSize;
  return bytes <= packedByteLimit(fill) && (fill < 0 || count <= fill);
}

export class RList {
  /** The packed elements while compact, else null. */
  private lp: string | null = '';
  private items: (string | undefined)[] = NO_ITEMS;
  private head = 0;
  private len = 0;

  get length(): number {
    return this.len;
  }

  /** True while packed. */
  get compact(): boolean {
    return this.lp !== null;
  }

  /** The packed string's length while compact (the memory model's input), else 0. */
  get packedLength(): number {
    return this.lp !== null ? this.lp.length : 0;
  }

  /** The ring buffer's slots (its capacity) while not compact, else 0. */
  get slots(): number {
    return this.lp === null ? this.items.length : 0;
  }

  /** Turns the packed elements into the ring buffer. */
  private convert(): void {
    const values = this.lp === null ? [] : unpackAll(this.lp);
    this.lp = null;
    this.fill(values);
  }

  private fill(values: string[]): void {
    let cap = 8;
    while (cap < values.length) cap *= 2;
    this.items = new Array(cap);
    for (let i = 0; i < values.length; i++) this.items[i] = values[i];
    this.head = 0;
    this.len = values.length;
  }

  private grow(): void {
    const cap = this.items.length;
    const next: (string | undefined)[] = new Array(Math.max(8, cap * 2));
    for (let i = 0; i < this.len; i++) next[i] = this.items[(this.head + i) % cap];
    this.items = next;
    this.head = 0;
  }

  /** Packed: true when one more element of n bytes still fits (else the list converts first). */
  private roomFor(n: number): boolean {
    if (this.lp === null) return false;
    if (fitsPacked(this.len + 1, this.lp.length + n + 5)) return true;
    this.convert();
    return false;
  }

  pushTail(v: string): void {
    if (this.roomFor(v.length)) {
      this.lp = [this.lp as string, encodeLen(v.length), v].join('');
      this.len++;
      return;
    }
    if (this.len === this.items.length) this.grow();
    this.items[(this.head + this.len) % this.items.length] = v;
    this.len++;
  }

  pushHead(v: string): void {
    if (this.roomFor(v.length)) {
      this.lp = [encodeLen(v.length), v, this.lp as string].join('');
      this.len++;
      return;
    }
    if (this.len === this.items.length) this.grow();
    this.head = (this.head - 1 + this.items.length) % this.items.length;
    this.items[this.head] = v;
    this.len++;
  }

  /** Position of element i in lp. */
  private posOf(i: number): number {
    const p = this.lp as string;
    let pos = 0;
    for (let k = 0; k < i; k++) pos = skip(p, pos);
    return pos;
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    if (this.lp !== null) {
      const v = detach(elementAt(this.lp, 0));
      this.lp = splice(this.lp, 0, skip(this.lp, 0), []);
      this.len--;
      return v;
    }
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.len--;
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    if (this.lp !== null) {
      const pos = this.posOf(this.len - 1);
      const v = detach(elementAt(this.lp, pos));
      this.lp = splice(this.lp, pos, this.lp.length, []);
      this.len--;
      return v;
    }
    const idx = (this.head + this.len - 1) % this.items.length;
    const v = this.items[idx];
    this.items[idx] = undefined;
    this.len--;
    return v;
  }

  /** Pops up to count elements from the head (or the tail), in pop order; packed, in one scan. */
  popMany(count: number, head: boolean): string[] {
    const k = Math.min(count, this.len);
    if (this.lp === null || k <= 1) {
      const out: string[] = [];
      while (out.length < k) out.push((head ? this.popHead() : this.popTail()) as string);
      return out;
    }
    const cut = this.posOf(head ? k : this.len - k);
    const part = head ? this.lp.substring(0, cut) : this.lp.substring(cut);
    const out = unpackAll(part);
    if (!head) out.reverse();
    this.lp = head ? splice(this.lp, 0, cut, []) : splice(this.lp, cut, this.lp.length, []);
    this.len -= k;
    return out;
  }

  /** A deep copy in the same form (a packed list shares its immutable string). */
  clone(): RList {
    const l = new RList();
    if (this.lp !== null) l.lp = this.lp;
    else {
      l.lp = null;
      l.fill(this.toArray());
    }
    l.len = this.len;
    return l;
  }

  /** Element at a 0-based index (no negative indexes here), or undefined when out of range. */
  at(i: number): string | undefined {
    if (i < 0 || i >= this.len) return undefined;
    if (this.lp !== null) return elementAt(this.lp, this.posOf(i));
    return this.items[(this.head + i) % this.items.length];
  }

  set(i: number, v: string): void {
    if (this.lp !== null) {
      const pos = this.posOf(i);
      const end = skip(this.lp, pos);
      if (fitsPacked(this.len, this.lp.length - (end - pos) + v.length + 5)) {
        this.lp = splice(this.lp, pos, end, [v]);
        return;
      }
      this.convert();
    }
    this.items[(this.head + i) % this.items.length] = v;
  }

  /** Elements [start, end] inclusive, already clamped by the caller. */
  range(start: number, end: number): string[] {
    const out: string[] = [];
    if (this.lp !== null) {
      const p = this.lp;
      let pos = this.posOf(start);
      for (let i = start; i <= end; i++, pos = skip(p, pos)) out.push(elementAt(p, pos));
      return out;
    }
    for (let i = start; i <= end; i++) out.push(this.items[(this.head + i) % this.items.length] as string);
    return out;
  }

  toArray(): string[] {
    return this.len === 0 ? [] : this.range(0, this.len - 1);
  }

  /** Replaces the whole content (used by LINSERT, LREM, LTRIM which rebuild the list). */
  replaceAll(values: string[]): void {
    if (this.lp === null) return this.fill(values);
    let bytes = 0;
    for (const v of values) bytes += v.length + 5;
    if (fitsPacked(values.length, bytes)) {
      this.lp = pack(values);
      this.len = values.length;
      return;
    }
    // the values were read from the packed string: copies of their own before they are kept
    this.lp = null;
    this.fill(values.map(detach));
  }

  static from(values: Iterable<string>): RList {
    const l = new RList();
    const all = Array.isArray(values) ? (values as string[]) : [...values];
    let bytes = 0;
    for (const v of all) bytes += v.length + 5;
    if (fitsPacked(all.length, bytes)) {
      l.lp = pack(all);
      l.len = all.length;
    } else {
      l.lp = null;
      l.fill(all);
    }
    return l;
  }
}

const NO_ITEMS: (string | undefined)[] = [];

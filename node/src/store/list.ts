// RList: the list value type, a growable ring-buffer deque of latin1 strings with O(1) push/pop/index.
export class RList {
  private items: (string | undefined)[];
  private head = 0;
  private len = 0;

  constructor(capacity = 8) {
    this.items = new Array(capacity);
  }

  get length(): number {
    return this.len;
  }

  private grow(): void {
    const cap = this.items.length;
    const next: (string | undefined)[] = new Array(cap * 2);
    for (let i = 0; i < this.len; i++) next[i] = this.items[(this.head + i) % cap];
    this.items = next;
    this.head = 0;
  }

  pushTail(v: string): void {
    if (this.len === this.items.length) this.grow();
    this.items[(this.head + this.len) % this.items.length] = v;
    this.len++;
  }

  pushHead(v: string): void {
    if (this.len === this.items.length) this.grow();
    this.head = (this.head - 1 + this.items.length) % this.items.length;
    this.items[this.head] = v;
    this.len++;
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.len--;
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const idx = (this.head + this.len - 1) % this.items.length;
    const v = this.items[idx];
    this.items[idx] = undefined;
    this.len--;
    return v;
  }

  /** Element at a 0-based index (no negative indexes here), or undefined when out of range. */
  at(i: number): string | undefined {
    if (i < 0 || i >= this.len) return undefined;
    return this.items[(this.head + i) % this.items.length];
  }

  set(i: number, v: string): void {
    this.items[(this.head + i) % this.items.length] = v;
  }

  /** Elements [start, end] inclusive, already clamped by the caller. */
  range(start: number, end: number): string[] {
    const out: string[] = [];
    for (let i = start; i <= end; i++) out.push(this.items[(this.head + i) % this.items.length] as string);
    return out;
  }

  toArray(): string[] {
    return this.len === 0 ? [] : this.range(0, this.len - 1);
  }

  /** Replaces the whole content (used by LINSERT, LREM, LTRIM which rebuild the list). */
  replaceAll(values: string[]): void {
    let cap = 8;
    while (cap < values.length) cap *= 2;
    this.items = new Array(cap);
    for (let i = 0; i < values.length; i++) this.items[i] = values[i];
    this.head = 0;
    this.len = values.length;
  }

  static from(values: Iterable<string>): RList {
    const l = new RList();
    for (const v of values) l.pushTail(v);
    return l;
  }
}

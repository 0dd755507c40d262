// RZSet: the sorted-set value type. A small sorted set is one packed string (store/strpack.ts) of
// member, score, member, score ... in (score, member) order, as Redis keeps it in a listpack; scores are
// their shortest round-trip text ("inf", "-inf"; -0 is packed as 0, as Redis's listpacks hold it). Past zset-max-listpack-entries members,
// or a member longer than zset-max-listpack-value, it becomes a ChunkedZSet for good (Redis 7.0 never
// converts back). Packed, every operation is a scan of at most the entry limit, as in Redis.
import { compactLimits } from './encoding-limits.js';
import { elementAt, elementIs, headerLen, readLen, skip, splice, unpackAll } from './strpack.js';
import { ChunkedZSet, windowTake, type LexRange, type ScoreRange } from './zset-chunks.js';

export type { LexRange, ScoreRange };

/** A score as packed: -0 becomes 0, as in Redis's listpacks (its skiplists keep -0). */
function scoreText(s: number): string {
  if (s === Infinity) return 'inf';
  if (s === -Infinity) return '-inf';
  return String(s);
}

function parseScore(t: string): number {
  return t === 'inf' ? Infinity : t === '-inf' ? -Infinity : Number(t);
}

/** True when (s1, m1) sorts after (s2, m2). */
function after(s1: number, m1: string, s2: number, m2: string): boolean {
  return s1 > s2 || (s1 === s2 && m1 > m2);
}

export class RZSet {
  /** Packed pairs in order while compact; unused once full is set. */
  private lp = '';
  /** Members in lp. */
  private n = 0;
  private full: ChunkedZSet | null = null;

  get size(): number {
    return this.full !== null ? this.full.size : this.n;
  }

  /** True while packed (OBJECT ENCODING listpack). */
  get compact(): boolean {
    return this.full === null;
  }

  /** The packed string's length while compact (the memory model's input), else 0. */
  get packedLength(): number {
    return this.full === null ? this.lp.length : 0;
  }

  /**
   * A set loaded from a skiplist's pairs (RDB zset / zset-2), as Redis loads one: the full structure,
   * packed afterwards when both listpack limits allow (packing turns a -0 score into 0, as in Redis).
   */
  static fromSkiplist(pairs: ReadonlyArray<readonly [string, number]>): RZSet {
    const lim = compactLimits;
    let fits = pairs.length <= lim.zsetMaxListpackEntries;
    for (let i = 0; fits && i < pairs.length; i++)
      if (pairs[i][0].length > lim.zsetMaxListpackValue) fits = false;
    if (fits) return RZSet.fromListpack(pairs);
    const z = RZSet.full();
    for (const [m, s] of pairs) z.add(m, s);
    return z;
  }

  /** An empty set in the full structure (a loader that knows it will not fit a listpack). */
  static full(): RZSet {
    const z = new RZSet();
    z.full = new ChunkedZSet();
    return z;
  }

  /**
   * A set loaded from a listpack (RDB), as Redis loads one: packed while the entry count allows,
   * whatever its members' lengths (only a later write checks zset-max-listpack-value).
   */
  static fromListpack(pairs: ReadonlyArray<readonly [string, number]>): RZSet {
    const z = new RZSet();
    if (pairs.length > compactLimits.zsetMaxListpackEntries) return RZSet.fromSkiplist(pairs);
    for (const [m, s] of pairs) {
      const at = z.find(m);
      if (at >= 0) z.rescore(at, s);
      else {
        const pos = z.insertPos(s, m);
        z.lp = splice(z.lp, pos, pos, [m, scoreText(s)]);
        z.n++;
      }
    }
    if (z.n > compactLimits.zsetMaxListpackEntries) z.convert();
    return z;
  }

  /** The packed elements (member, score text, ...) for a listpack in an RDB file; compact sets only. */
  listpackItems(): string[] {
    return unpackAll(this.lp);
  }

  /** A deep copy in the same encoding. */
  clone(): RZSet {
    const z = new RZSet();
    if (this.full !== null) {
      const full = new ChunkedZSet();
      for (const [m, s] of this.full.entries()) full.insert(m, s);
      z.full = full;
    } else {
      z.lp = this.lp;
      z.n = this.n;
    }
    return z;
  }

  /** Position of member's pair in lp, or -1. */
  private find(member: string): number {
    const p = this.lp;
    for (let pos = 0; pos < p.length; pos = skip(p, skip(p, pos))) if (elementIs(p, pos, member)) return pos;
    return -1;
  }

  /** Position of the k-th pair in lp (lp's length for k = n). */
  private pairPos(k: number): number {
    let pos = 0;
    for (let i = 0; i < k; i++) pos = skip(this.lp, skip(this.lp, pos));
    return pos;
  }

  /** The score of the pair at pos. */
  private scoreAt(pos: number): number {
    return parseScore(elementAt(this.lp, skip(this.lp, pos)));
  }

  /** Where (score, member) goes in lp: the first pair that sorts after it. */
  private insertPos(score: number, member: string): number {
    const p = this.lp;
    let pos = 0;
    while (pos < p.length) {
      const spos = skip(p, pos);
      if (after(parseScore(elementAt(p, spos)), elementAt(p, pos), score, member)) return pos;
      pos = skip(p, spos);
    }
    return pos;
  }

  /** Every pair in order, as parallel arrays (the packed form's range operations work on these). */
  private decoded(): { m: string[]; s: number[] } {
    const m: string[] = [];
    const s: number[] = [];
    const p = this.lp;
    for (let pos = 0; pos < p.length;) {
      m.push(elementAt(p, pos));
      pos = skip(p, pos);
      s.push(parseScore(elementAt(p, pos)));
      pos = skip(p, pos);
    }
    return { m, s };
  }

  score(member: string): number | undefined {
    if (this.full !== null) return this.full.score(member);
    const at = this.find(member);
    return at < 0 ? undefined : this.scoreAt(at);
  }

  has(member: string): boolean {
    return this.full !== null ? this.full.has(member) : this.find(member) >= 0;
  }

  /** Inserts or updates member's score. */
  add(member: string, score: number): void {
    const id = this.idOf(member);
    if (id < 0) this.insert(member, score);
    else this.rescore(id, score);
  }

  /**
   * A handle on member for scoreById and rescore, or -1 when it is not a member. Packed, it is the
   * pair's position: valid until the set next changes (ZADD uses it at once).
   */
  idOf(member: string): number {
    return this.full !== null ? this.full.idOf(member) : this.find(member);
  }

  scoreById(id: number): number {
    return this.full !== null ? this.full.scoreById(id) : this.scoreAt(id);
  }

  /** Reads ahead the memory an update of (score, member) will touch (the full structure only). */
  warm(score: number, member: string): void {
    if (this.full !== null) this.full.warm(score, member);
  }

  /** Moves an existing member (by idOf's handle) to a new score. */
  rescore(id: number, score: number): void {
    if (this.full !== null) return this.full.rescore(id, score);
    if (this.scoreAt(id) === score) return;
    const member = elementAt(this.lp, id);
    this.lp = splice(this.lp, id, skip(this.lp, skip(this.lp, id)), []);
    const pos = this.insertPos(score, member);
    this.lp = splice(this.lp, pos, pos, [member, scoreText(score)]);
  }

  /** Adds a member that is not in the set. */
  insert(member: string, score: number): void {
    // As Redis: converted before the insert when the member would pass a limit (so a score the
    // listpack would not hold exactly, -0, goes straight into the full structure)
    const lim = compactLimits;
    if (
      this.full === null &&
      (member.length > lim.zsetMaxListpackValue || this.n + 1 > lim.zsetMaxListpackEntries)
    )
      this.convert();
    if (this.full !== null) return this.full.insert(member, score);
    const pos = this.insertPos(score, member);
    this.lp = splice(this.lp, pos, pos, [member, scoreText(score)]);
    this.n++;
  }

  remove(member: string): boolean {
    if (this.full !== null) return this.full.remove(member);
    const at = this.find(member);
    if (at < 0) return false;
    this.lp = splice(this.lp, at, skip(this.lp, skip(this.lp, at)), []);
    this.n--;
    return true;
  }

  private convert(): void {
    const items = unpackAll(this.lp);
    const z = new ChunkedZSet();
    for (let i = 0; i < items.length; i += 2) z.insert(items[i], parseScore(items[i + 1]));
    this.full = z;
    this.lp = '';
    this.n = 0;
  }

  rank(member: string, reverse = false): number | undefined {
    if (this.full !== null) return this.full.rank(member, reverse);
    const p = this.lp;
    let r = 0;
    for (let pos = 0; pos < p.length; pos = skip(p, skip(p, pos)), r++) {
      if (elementIs(p, pos, member)) return reverse ? this.n - 1 - r : r;
    }
    return undefined;
  }

  rangeByRank(start: number, end: number, reverse = false): Array<[string, number]> {
    if (this.full !== null) return this.full.rangeByRank(start, end, reverse);
    const out: Array<[string, number]> = [];
    if (start > end || start >= this.n) return out;
    const { m, s } = this.decoded();
    const last = Math.min(end, this.n - 1);
    for (let r = start; r <= last; r++) {
      const i = reverse ? this.n - 1 - r : r;
      out.push([m[i], s[i]]);
    }
    return out;
  }

  entries(): IterableIterator<[string, number]> {
    return this.full !== null ? this.full.entries() : this.packedPairs();
  }

  private *packedPairs(): IterableIterator<[string, number]> {
    const p = this.lp;
    for (let pos = 0; pos < p.length;) {
      const mlen = readLen(p, pos);
      const mstart = pos + headerLen(mlen);
      const spos = mstart + mlen;
      yield [p.substring(mstart, spos), parseScore(elementAt(p, spos))];
      pos = skip(p, spos);
    }
  }

  /** The window [from, to] of ranks, ascending or descending, after offset, up to limit (-1 all). */
  private window(
    from: number,
    to: number,
    reverse: boolean,
    offset: number,
    limit: number,
  ): Array<[string, number]> {
    const take = windowTake(from, to, offset, limit);
    if (take === 0) return [];
    const { m, s } = this.decoded();
    const out: Array<[string, number]> = [];
    for (let k = 0; k < take; k++) {
      const i = reverse ? to - offset - k : from + offset + k;
      out.push([m[i], s[i]]);
    }
    return out;
  }

  /** The ranks [from, to] of the elements in a score range (to < from when none). */
  private scoreBounds(r: ScoreRange): [number, number] {
    const { s } = this.decoded();
    let from = 0;
    while (from < s.length && !ChunkedZSet.gteMin(s[from], r)) from++;
    let to = from - 1;
    while (to + 1 < s.length && ChunkedZSet.lteMax(s[to + 1], r)) to++;
    return [from, to];
  }

  /**
   * The ranks [from, to] of a lex range, walked as Redis walks a listpack: nothing unless the last
   * member is >= min and the first <= max; forward, the first member >= min, then members while
   * <= max; in reverse, the last member <= max, then back while >= min.
   */
  private lexBounds(r: LexRange, reverse = false): [number, number] {
    const { m } = this.decoded();
    const n = m.length;
    if (n === 0 || !ChunkedZSet.lexGteMin(m[n - 1], r) || !ChunkedZSet.lexLteMax(m[0], r)) return [0, -1];
    if (reverse) {
      let to = n - 1;
      while (to >= 0 && !ChunkedZSet.lexLteMax(m[to], r)) to--;
      let from = to + 1;
      while (from - 1 >= 0 && ChunkedZSet.lexGteMin(m[from - 1], r)) from--;
      return [from, to];
    }
    let from = 0;
    while (from < n && !ChunkedZSet.lexGteMin(m[from], r)) from++;
    let to = from - 1;
    while (to + 1 < n && ChunkedZSet.lexLteMax(m[to + 1], r)) to++;
    return [from, to];
  }

  /** Elements in a score range, ascending or descending, skipping offset and taking up to limit (-1 all). */
  rangeByScore(r: ScoreRange, reverse = false, offset = 0, limit = -1): Array<[string, number]> {
    if (this.full !== null) return this.full.rangeByScore(r, reverse, offset, limit);
    const [from, to] = this.scoreBounds(r);
    return this.window(from, to, reverse, offset, limit);
  }

  countInScore(r: ScoreRange): number {
    if (this.full !== null) return this.full.countInScore(r);
    const [from, to] = this.scoreBounds(r);
    return Math.max(0, to - from + 1);
  }

  /** Elements in a lex range (meaningful when all scores are equal, as in Redis). */
  rangeByLex(r: LexRange, reverse = false, offset = 0, limit = -1): Array<[string, number]> {
    if (this.full !== null) return this.full.rangeByLex(r, reverse, offset, limit);
    const [from, to] = this.lexBounds(r, reverse);
    return this.window(from, to, reverse, offset, limit);
  }

  countInLex(r: LexRange): number {
    if (this.full !== null) return this.full.countInLex(r);
    const [from, to] = this.lexBounds(r);
    return Math.max(0, to - from + 1);
  }

  /** Removes and returns up to count elements from the low (or high) end. */
  pop(count: number, fromMax = false): Array<[string, number]> {
    if (this.full !== null) return this.full.pop(count, fromMax);
    const n = Math.min(count, this.n);
    if (n <= 0) return [];
    const items = this.rangeByRank(0, n - 1, fromMax);
    const cut = this.pairPos(fromMax ? this.n - n : n);
    this.lp = fromMax ? splice(this.lp, cut, this.lp.length, []) : splice(this.lp, 0, cut, []);
    this.n -= n;
    return items;
  }
}

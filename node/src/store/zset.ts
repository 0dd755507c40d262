// RZSet: the sorted-set value type — a skiplist with span counts (O(log n) insert, delete, rank and
// range seeks) plus a member -> score Map. Order: score, then member by byte order (latin1 strings
// compare bytewise with <).

const MAX_LEVEL = 32;
const P = 0.25;

class Node {
  readonly next: (Node | null)[];
  readonly span: number[];
  backward: Node | null = null;
  constructor(
    public member: string,
    public score: number,
    level: number,
  ) {
    this.next = new Array<Node | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

function less(aScore: number, aMember: string, b: Node): boolean {
  return aScore < b.score || (aScore === b.score && aMember < b.member);
}

function randomLevel(): number {
  let l = 1;
  while (l < MAX_LEVEL && Math.random() < P) l++;
  return l;
}

export interface ScoreRange {
  min: number;
  max: number;
  minEx: boolean;
  maxEx: boolean;
}

/** Lex range bounds: '-' / '+' as -inf/+inf (null), otherwise a value with its exclusivity. */
export interface LexRange {
  min: string | null;
  max: string | null;
  minEx: boolean;
  maxEx: boolean;
  minInf: -1 | 0;
  maxInf: 1 | 0;
}

export class RZSet {
  private readonly head = new Node('', -Infinity, MAX_LEVEL);
  private tail: Node | null = null;
  private level = 1;
  private length = 0;
  readonly dict = new Map<string, number>();

  get size(): number {
    return this.length;
  }

  score(member: string): number | undefined {
    return this.dict.get(member);
  }

  /** Inserts or updates member's score. */
  add(member: string, score: number): void {
    const cur = this.dict.get(member);
    if (cur !== undefined) {
      if (cur === score) return;
      this.slDelete(member, cur);
    }
    this.slInsert(member, score);
    this.dict.set(member, score);
  }

  remove(member: string): boolean {
    const cur = this.dict.get(member);
    if (cur === undefined) return false;
    this.slDelete(member, cur);
    this.dict.delete(member);
    return true;
  }

  private slInsert(member: string, score: number): void {
    const update = new Array<Node>(MAX_LEVEL);
    const rank = new Array<number>(MAX_LEVEL);
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      let n = x.next[i];
      while (n !== null && less(n.score, n.member, { score, member } as Node)) {
        rank[i] += x.span[i];
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    const lvl = randomLevel();
    if (lvl > this.level) {
      for (let i = this.level; i < lvl; i++) {
        rank[i] = 0;
        update[i] = this.head;
        update[i].span[i] = this.length;
      }
      this.level = lvl;
    }
    const node = new Node(member, score, lvl);
    for (let i = 0; i < lvl; i++) {
      node.next[i] = update[i].next[i];
      update[i].next[i] = node;
      node.span[i] = update[i].span[i] - (rank[0] - rank[i]);
      update[i].span[i] = rank[0] - rank[i] + 1;
    }
    for (let i = lvl; i < this.level; i++) update[i].span[i]++;
    node.backward = update[0] === this.head ? null : update[0];
    if (node.next[0] !== null) node.next[0].backward = node;
    else this.tail = node;
    this.length++;
  }

  private slDelete(member: string, score: number): void {
    const update = new Array<Node>(MAX_LEVEL);
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && less(n.score, n.member, { score, member } as Node)) {
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    const target = x.next[0];
    if (target === null || target.score !== score || target.member !== member) return;
    for (let i = 0; i < this.level; i++) {
      if (update[i].next[i] === target) {
        update[i].span[i] += target.span[i] - 1;
        update[i].next[i] = target.next[i];
      } else update[i].span[i]--;
    }
    if (target.next[0] !== null) target.next[0].backward = target.backward;
    else this.tail = target.backward;
    while (this.level > 1 && this.head.next[this.level - 1] === null) this.level--;
    this.length--;
  }

  /** 0-based rank in ascending (or descending) order. */
  rank(member: string, reverse = false): number | undefined {
    const score = this.dict.get(member);
    if (score === undefined) return undefined;
    let r = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (
        n !== null &&
        (less(n.score, n.member, { score, member } as Node) || (n.score === score && n.member === member))
      ) {
        r += x.span[i];
        x = n;
        n = x.next[i];
      }
      if (x !== this.head && x.member === member) break;
    }
    const asc = r - 1;
    return reverse ? this.length - 1 - asc : asc;
  }

  /** The node at a 0-based ascending rank, or null. */
  private nodeAt(rank: number): Node | null {
    if (rank < 0 || rank >= this.length) return null;
    let traversed = 0;
    let x = this.head;
    const target = rank + 1;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && traversed + x.span[i] <= target) {
        traversed += x.span[i];
        x = x.next[i] as Node;
      }
      if (traversed === target) return x;
    }
    return null;
  }

  /** Elements with ranks start..end inclusive (already clamped), ascending or descending. */
  rangeByRank(start: number, end: number, reverse = false): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    if (start > end || start >= this.length) return out;
    let n = this.nodeAt(reverse ? this.length - 1 - start : start);
    for (let i = start; i <= end && n !== null; i++) {
      out.push([n.member, n.score]);
      n = reverse ? n.backward : n.next[0];
    }
    return out;
  }

  *entries(): IterableIterator<[string, number]> {
    for (let n = this.head.next[0]; n !== null; n = n.next[0]) yield [n.member, n.score];
  }

  private static gteMin(score: number, r: ScoreRange): boolean {
    return r.minEx ? score > r.min : score >= r.min;
  }
  private static lteMax(score: number, r: ScoreRange): boolean {
    return r.maxEx ? score < r.max : score <= r.max;
  }

  /** First node whose score is within range's lower bound (seek in O(log n)). */
  private firstInScore(r: ScoreRange): Node | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && !RZSet.gteMin(n.score, r)) {
        x = n;
        n = x.next[i];
      }
    }
    const n = x.next[0];
    return n !== null && RZSet.lteMax(n.score, r) ? n : null;
  }

  private lastInScore(r: ScoreRange): Node | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && RZSet.lteMax(n.score, r)) {
        x = n;
        n = x.next[i];
      }
    }
    return x !== this.head && RZSet.gteMin(x.score, r) ? x : null;
  }

  /** Elements in a score range, ascending or descending, skipping `offset` and taking up to `limit` (-1 all). */
  rangeByScore(r: ScoreRange, reverse = false, offset = 0, limit = -1): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    let n = reverse ? this.lastInScore(r) : this.firstInScore(r);
    while (n !== null && offset > 0) {
      n = reverse ? n.backward : n.next[0];
      offset--;
    }
    while (n !== null && (limit < 0 || out.length < limit)) {
      if (reverse ? !RZSet.gteMin(n.score, r) : !RZSet.lteMax(n.score, r)) break;
      out.push([n.member, n.score]);
      n = reverse ? n.backward : n.next[0];
    }
    return out;
  }

  countInScore(r: ScoreRange): number {
    const first = this.firstInScore(r);
    if (first === null) return 0;
    const last = this.lastInScore(r);
    if (last === null) return 0;
    return (this.rank(last.member) as number) - (this.rank(first.member) as number) + 1;
  }

  private static lexGteMin(m: string, r: LexRange): boolean {
    if (r.minInf === -1 || r.min === null) return true;
    return r.minEx ? m > r.min : m >= r.min;
  }
  private static lexLteMax(m: string, r: LexRange): boolean {
    if (r.maxInf === 1 || r.max === null) return true;
    return r.maxEx ? m < r.max : m <= r.max;
  }

  private firstInLex(r: LexRange): Node | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && !RZSet.lexGteMin(n.member, r)) {
        x = n;
        n = x.next[i];
      }
    }
    const n = x.next[0];
    return n !== null && RZSet.lexLteMax(n.member, r) ? n : null;
  }

  private lastInLex(r: LexRange): Node | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && RZSet.lexLteMax(n.member, r)) {
        x = n;
        n = x.next[i];
      }
    }
    return x !== this.head && RZSet.lexGteMin(x.member, r) ? x : null;
  }

  /** Elements in a lex range (meaningful when all scores are equal, as in Redis). */
  rangeByLex(r: LexRange, reverse = false, offset = 0, limit = -1): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    let n = reverse ? this.lastInLex(r) : this.firstInLex(r);
    while (n !== null && offset > 0) {
      n = reverse ? n.backward : n.next[0];
      offset--;
    }
    while (n !== null && (limit < 0 || out.length < limit)) {
      if (reverse ? !RZSet.lexGteMin(n.member, r) : !RZSet.lexLteMax(n.member, r)) break;
      out.push([n.member, n.score]);
      n = reverse ? n.backward : n.next[0];
    }
    return out;
  }

  countInLex(r: LexRange): number {
    const first = this.firstInLex(r);
    const last = this.lastInLex(r);
    if (first === null || last === null) return 0;
    return (this.rank(last.member) as number) - (this.rank(first.member) as number) + 1;
  }

  /** Removes and returns up to count elements from the low (or high) end. */
  pop(count: number, fromMax = false): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    while (out.length < count && this.length > 0) {
      const n = fromMax ? this.tail : this.head.next[0];
      if (n === null) break;
      out.push([n.member, n.score]);
      this.remove(n.member);
    }
    return out;
  }
}

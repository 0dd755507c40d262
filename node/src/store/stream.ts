// RStream: the stream type. Entries live in nodes as Redis packs them: a node takes entries until its
// listpack would reach stream-node-max-bytes or it holds stream-node-max-entries (deleted ones count),
// so XADD is O(1) and a range is a binary search over nodes and then inside one (O(log n + k)).
// Deleted entries stay in their node, flagged, until the whole node is gone, as in Redis; each node
// keeps the exact size its listpack has in Redis, so the RDB writer and XINFO see Redis's layout.
// Consumer groups hold their pending entries lists (PEL) sorted by ID, shared by group and consumer.
// Pure data structure: no commands, no I/O.
import { ID_MAX, type StreamId } from './stream-id.js';
import { lpIntSize, lpStringSize } from './listpack-size.js';
import { ConsumerGroup, Consumer, ENTRIES_READ_UNKNOWN, byteCompare } from './stream-group.js';

export { ConsumerGroup, Consumer, ENTRIES_READ_UNKNOWN };

export interface StreamLimits {
  nodeMaxBytes: number;
  nodeMaxEntries: number;
}

/** stream-node-max-bytes / -entries, set by the node from its config. */
export const streamLimits: StreamLimits = { nodeMaxBytes: 4096, nodeMaxEntries: 100 };

const LISTPACK_MAX_SIZE = 1 << 30;
/** A listpack's header (total bytes, element count) and its end byte. */
const LP_OVERHEAD = 7;

export class StreamNode {
  /** The ID the node is keyed by: its first entry's, kept after that entry is deleted. */
  readonly master: StreamId;
  /** The master entry's field names (the first entry's); later entries with the same ones omit them. */
  readonly masterFields: readonly string[];
  readonly ids: StreamId[] = [];
  /** Flat field, value pairs of each entry (a deleted one keeps them: Redis's listpack still holds it). */
  readonly items: string[][] = [];
  /** Whether each entry is deleted (Redis's STREAM_ITEM_FLAG_DELETED). */
  readonly gone: boolean[] = [];
  live = 0;
  deleted = 0;
  /** The listpack bytes of the entries (the master entry's counters excluded: they change size). */
  bodyBytes: number;
  /** The bytes of the master entry's field names and terminator. */
  private readonly masterBytes: number;

  /** A node whose master entry takes the field names of `fields` (flat field, value pairs). */
  constructor(master: StreamId, fields: readonly string[]) {
    this.master = master;
    const names: string[] = [];
    for (let i = 0; i < fields.length; i += 2) names.push(fields[i]);
    this.masterFields = names;
    let b = lpIntSize(names.length) + lpIntSize(0);
    for (const f of names) b += lpStringSize(f);
    this.masterBytes = b;
    this.bodyBytes = 0;
  }

  /** A copy sharing the entries' immutable field arrays. */
  copy(): StreamNode {
    const c = new StreamNode(this.master, []);
    (c as { masterFields: readonly string[] }).masterFields = this.masterFields;
    (c as unknown as { masterBytes: number }).masterBytes = this.masterBytes;
    c.ids.push(...this.ids);
    c.items.push(...this.items);
    c.gone.push(...this.gone);
    c.live = this.live;
    c.deleted = this.deleted;
    c.bodyBytes = this.bodyBytes;
    return c;
  }

  /** The node's listpack size in Redis (lpBytes). */
  lpBytes(): number {
    return LP_OVERHEAD + lpIntSize(this.live) + lpIntSize(this.deleted) + this.masterBytes + this.bodyBytes;
  }

  /** Whether an entry with these fields is stored with the SAMEFIELDS flag (names equal the master's). */
  sameFields(fields: readonly string[]): boolean {
    const m = this.masterFields;
    if (fields.length !== m.length * 2) return false;
    for (let i = 0; i < m.length; i++) if (fields[2 * i] !== m[i]) return false;
    return true;
  }

  append(id: StreamId, fields: string[]): void {
    const same = this.sameFields(fields);
    const n = fields.length / 2;
    const msDiff = (id >> 64n) - (this.master >> 64n);
    const seqDiff = BigInt.asIntN(64, (id & 0xffffffffffffffffn) - (this.master & 0xffffffffffffffffn));
    // The flags element (an integer: 2 bytes with its back-length), the ID's two deltas.
    let b = lpIntSize(0) + lpIntSize(msDiff) + lpIntSize(seqDiff);
    if (!same) b += lpIntSize(n);
    for (let i = 0; i < fields.length; i++) if (!same || i % 2 === 1) b += lpStringSize(fields[i]);
    b += lpIntSize(same ? n + 3 : 2 * n + 4);
    this.bodyBytes += b;
    this.ids.push(id);
    this.items.push(fields);
    this.gone.push(false);
    this.live++;
  }

  /** The first index whose ID is >= id. */
  lowerBound(id: StreamId): number {
    const ids = this.ids;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  lastId(): StreamId {
    return this.ids[this.ids.length - 1];
  }
}

export interface StreamEntry {
  id: StreamId;
  fields: string[];
}

export class RStream {
  readonly nodes: StreamNode[] = [];
  /** Live entries. */
  length = 0;
  lastId: StreamId = 0n;
  /** The first live entry's ID as last recorded (0-0 when empty). */
  firstId: StreamId = 0n;
  maxDeletedId: StreamId = 0n;
  /** Entries ever added (XADD, XSETID ENTRIESADDED). */
  entriesAdded = 0;
  readonly groups = new Map<string, ConsumerGroup>();
  /** Heap bytes of the entries' strings and slots (the memory model reads it). */
  heapBytes = 0;

  append(id: StreamId, fields: string[]): void {
    let node: StreamNode | undefined = this.nodes[this.nodes.length - 1];
    if (node !== undefined) {
      let max = streamLimits.nodeMaxBytes;
      if (max === 0 || max > LISTPACK_MAX_SIZE) max = LISTPACK_MAX_SIZE;
      let total = 0;
      for (const f of fields) total += f.length;
      if (node.lpBytes() + total >= max) node = undefined;
      else if (streamLimits.nodeMaxEntries > 0 && node.live + node.deleted >= streamLimits.nodeMaxEntries)
        node = undefined;
    }
    if (node === undefined) {
      node = new StreamNode(id, fields);
      this.nodes.push(node);
      this.heapBytes += 160;
    }
    node.append(id, fields);
    this.heapBytes += entryHeapBytes(fields);
    if (this.length === 0) this.firstId = id;
    this.length++;
    this.lastId = id;
    this.entriesAdded++;
  }

  /** The index of the node that may hold id (the last node whose master is <= id), or -1. */
  private nodeFor(id: StreamId): number {
    const ns = this.nodes;
    let lo = 0;
    let hi = ns.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ns[mid].master <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Live entries with start <= id <= end, ascending (count < 0: all). */
  range(start: StreamId, end: StreamId, count = -1): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (start > end || count === 0) return out;
    const ns = this.nodes;
    let ni = Math.max(0, this.nodeFor(start));
    for (; ni < ns.length; ni++) {
      const n = ns[ni];
      if (n.master > end) break;
      for (let i = n.master >= start ? 0 : n.lowerBound(start); i < n.ids.length; i++) {
        const id = n.ids[i];
        if (id > end) return out;
        if (n.gone[i]) continue;
        out.push({ id, fields: n.items[i] });
        if (count > 0 && out.length >= count) return out;
      }
    }
    return out;
  }

  /** Live entries with start <= id <= end, descending from end (count < 0: all). */
  revRange(start: StreamId, end: StreamId, count = -1): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (start > end || count === 0) return out;
    const ns = this.nodes;
    for (let ni = this.nodeFor(end); ni >= 0; ni--) {
      const n = ns[ni];
      let i = n.lowerBound(end);
      if (i >= n.ids.length || n.ids[i] > end) i--;
      for (; i >= 0; i--) {
        const id = n.ids[i];
        if (id < start) return out;
        if (n.gone[i]) continue;
        out.push({ id, fields: n.items[i] });
        if (count > 0 && out.length >= count) return out;
      }
    }
    return out;
  }

  /** The entry with this ID, if live. */
  get(id: StreamId): string[] | undefined {
    const ni = this.nodeFor(id);
    if (ni < 0) return undefined;
    const n = this.nodes[ni];
    const i = n.lowerBound(id);
    if (i >= n.ids.length || n.ids[i] !== id || n.gone[i]) return undefined;
    return n.items[i];
  }

  /** Deletes one entry (XDEL); false when it is not there. */
  delete(id: StreamId): boolean {
    const ni = this.nodeFor(id);
    if (ni < 0) return false;
    const n = this.nodes[ni];
    const i = n.lowerBound(id);
    if (i >= n.ids.length || n.ids[i] !== id || n.gone[i]) return false;
    this.markDeleted(ni, i);
    if (id > this.maxDeletedId) this.maxDeletedId = id;
    if (id === this.firstId) this.firstId = this.firstLiveId();
    return true;
  }

  private markDeleted(ni: number, i: number): void {
    const n = this.nodes[ni];
    n.gone[i] = true;
    n.live--;
    n.deleted++;
    this.length--;
    if (n.live === 0) this.dropNode(ni);
  }

  private dropNode(ni: number): void {
    const n = this.nodes[ni];
    for (const f of n.items) this.heapBytes -= entryHeapBytes(f);
    this.length -= n.live;
    this.heapBytes -= 160;
    this.nodes.splice(ni, 1);
  }

  /** The first live entry's ID, or 0-0. */
  firstLiveId(): StreamId {
    const e = this.range(0n, ID_MAX, 1);
    return e.length > 0 ? e[0].id : 0n;
  }

  /** The last live entry's ID, or 0-0. */
  lastLiveId(): StreamId {
    const e = this.revRange(0n, ID_MAX, 1);
    return e.length > 0 ? e[0].id : 0n;
  }

  /**
   * Trims as Redis 7.0's streamTrim: MAXLEN keeps at most `maxLen` entries, MINID drops entries below
   * `minId`. Whole nodes go first; approximate trimming stops at the first node it cannot drop whole,
   * exact trimming flags entries of that node as deleted (the node stays, even with no live entry).
   * limit bounds the entries removed (0 = none). Returns how many entries were removed.
   */
  trim(strategy: { maxLen: number } | { minId: StreamId }, approx: boolean, limit: number): number {
    let removed = 0;
    while (this.nodes.length > 0) {
      if ('maxLen' in strategy && this.length <= strategy.maxLen) break;
      const n = this.nodes[0];
      const entries = n.live;
      if (limit > 0 && removed + entries > limit) break;
      const whole =
        'maxLen' in strategy ? this.length - entries >= strategy.maxLen : n.lastId() < strategy.minId;
      if (whole) {
        this.dropNode(0);
        removed += entries;
        continue;
      }
      if (approx) break;
      for (let i = 0; i < n.ids.length; i++) {
        const stop = 'maxLen' in strategy ? this.length <= strategy.maxLen : n.ids[i] >= strategy.minId;
        if (stop) break;
        if (n.gone[i]) continue;
        n.gone[i] = true;
        n.live--;
        n.deleted++;
        this.length--;
        removed++;
      }
      break;
    }
    this.firstId = this.length === 0 ? 0n : this.firstLiveId();
    return removed;
  }

  /** The first entry's ID, deleted or not (streamGetEdgeID without skipping tombstones); max when empty. */
  firstEntryId(): StreamId {
    return this.nodes.length > 0 ? this.nodes[0].ids[0] : ID_MAX;
  }

  clone(): RStream {
    const s = new RStream();
    for (const n of this.nodes) s.nodes.push(n.copy());
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    s.heapBytes = this.heapBytes;
    for (const [name, g] of this.groups) {
      const cg = new ConsumerGroup(g.lastId, g.entriesRead);
      for (const c of g.consumers.values()) cg.consumers.set(c.name, new Consumer(c.name, c.seenTime));
      for (const p of g.pel.values()) {
        const owner = cg.consumers.get(p.consumer.name) as Consumer;
        const np = { ...p, consumer: owner };
        cg.pel.set(p.id, np);
        owner.pel.set(p.id, np);
      }
      s.groups.set(name, cg);
    }
    return s;
  }

  /** Groups sorted by name bytes (a radix tree in Redis). */
  sortedGroups(): [string, ConsumerGroup][] {
    return [...this.groups].sort((a, b) => byteCompare(a[0], b[0]));
  }

  /** Whether id lies between the first and last entry ever recorded, so a group's lag is unknown. */
  isFragmented(): boolean {
    return this.maxDeletedId !== 0n && this.maxDeletedId >= this.firstId;
  }

  /**
   * How many entries a group that last read `id` has read, derived as Redis 7.0 does
   * (streamEstimateDistanceFromFirstEverEntry), or ENTRIES_READ_UNKNOWN.
   */
  estimateEntriesRead(id: StreamId): number {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && id < this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return ENTRIES_READ_UNKNOWN;
    if (!this.isFragmented()) {
      if (id < this.firstId) return this.entriesAdded - this.length;
      if (id === this.firstId) return this.entriesAdded - this.length + 1;
    }
    return ENTRIES_READ_UNKNOWN;
  }

  /** A group's lag (XINFO GROUPS): null when it cannot be known. */
  lag(g: ConsumerGroup): number | null {
    if (this.entriesAdded === 0) return 0;
    if (g.entriesRead !== ENTRIES_READ_UNKNOWN && !this.hasTombstonesFrom(g.lastId))
      return this.entriesAdded - g.entriesRead;
    const read = this.estimateEntriesRead(g.lastId);
    return read === ENTRIES_READ_UNKNOWN ? null : this.entriesAdded - read;
  }

  /** Whether a deleted entry lies at or after `id` (Redis's streamRangeHasTombstones to the end). */
  hasTombstonesFrom(id: StreamId): boolean {
    if (this.length === 0 || this.maxDeletedId === 0n) return false;
    if (this.firstId > this.maxDeletedId) return false;
    return id <= this.maxDeletedId;
  }
}

/** An entry's heap bytes: its array and its strings. */
function entryHeapBytes(fields: readonly string[]): number {
  let b = 40 + 8 * fields.length + 16;
  for (const f of fields) b += f.length <= 1 ? 0 : 16 + ((f.length + 7) & ~7); // memory-model's stringBytes
  return b;
}

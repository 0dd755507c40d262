// Streams in RDB (types 15 and 19, t_stream.c's layout): a node's listpack built byte for byte as Redis
// 7.0 builds it, and parsed back with the checks of Redis's deep sanitization plus the invariants the
// store relies on (entries sorted, counts that add up), so a corrupt payload is refused, never half
// loaded. Also the pieces of the stream's metadata and consumer groups a loader assembles. Pure.
import { ListpackBuilder, ListpackCursor } from './listpack.js';
import { RdbError } from './rdb-error.js';
import { ID_MAX, U64_MAX, idMs, idSeq, makeId, type StreamId } from '../store/stream-id.js';
import { RStream, StreamNode, Consumer, ConsumerGroup, ENTRIES_READ_UNKNOWN } from '../store/stream.js';
import type { PendingEntry } from '../store/stream-group.js';

/** STREAM_ITEM_FLAG_DELETED and STREAM_ITEM_FLAG_SAMEFIELDS. */
const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;

const CORRUPT_NODE = 'Stream listpack integrity check failed.';

/** A node's listpack: the master entry, then every entry (deleted ones flagged), as streamAppendItem writes. */
export function encodeStreamNode(n: StreamNode): Buffer {
  const b = new ListpackBuilder(n.lpBytes() + 16);
  b.int(n.live);
  b.int(n.deleted);
  b.int(n.masterFields.length);
  for (const f of n.masterFields) b.str(f);
  b.int(0);
  const ms = idMs(n.master);
  const seq = idSeq(n.master);
  for (let i = 0; i < n.ids.length; i++) {
    const fields = n.items[i];
    const same = n.sameFields(fields);
    const id = n.ids[i];
    b.int((n.gone[i] ? FLAG_DELETED : 0) | (same ? FLAG_SAMEFIELDS : 0));
    // uint64 differences stored as int64, as lpAppendInteger(id.ms - master.ms) does.
    b.int(BigInt.asIntN(64, idMs(id) - ms));
    b.int(BigInt.asIntN(64, idSeq(id) - seq));
    const pairs = fields.length / 2;
    if (same) {
      for (let k = 1; k < fields.length; k += 2) b.str(fields[k]);
      b.int(pairs + 3);
    } else {
      b.int(pairs);
      for (const f of fields) b.str(f);
      b.int(2 * pairs + 4);
    }
  }
  return b.finish();
}

/** A node as read from its listpack, before it becomes a StreamNode. */
export interface DecodedNode {
  master: StreamId;
  names: string[];
  ids: StreamId[];
  items: string[][];
  gone: boolean[];
  live: number;
}

/** An ID whose parts are the master's plus int64 differences, modulo 2^64 as Redis adds them. */
function entryId(ms: bigint, seq: bigint, msDiff: number | bigint, seqDiff: number | bigint): StreamId {
  return makeId(BigInt.asUintN(64, ms + BigInt(msDiff)), BigInt.asUintN(64, seq + BigInt(seqDiff)));
}

/** Runs a listpack parse, turning any malformation into Redis's integrity error. */
function checked<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof RdbError) throw e;
    throw new RdbError(CORRUPT_NODE);
  }
}

/** Parses a node's listpack (streamValidateListpackIntegrity's walk); throws RdbError when corrupt. */
export function decodeStreamNode(master: StreamId, blob: Buffer): DecodedNode {
  return checked(() => {
    const c = new ListpackCursor(blob);
    const live = c.count();
    const deleted = c.count();
    const nf = c.count();
    const names: string[] = [];
    for (let i = 0; i < nf; i++) names.push(c.str());
    if (c.int() !== 0) throw new RdbError(CORRUPT_NODE);
    const d: DecodedNode = { master, names, ids: [], items: [], gone: [], live };
    const ms = idMs(master);
    const seq = idSeq(master);
    let goneCount = 0;
    // Every entry takes at least five elements, so a bogus count ends at the blob's end.
    for (let k = 0; k < live + deleted; k++) {
      const flags = c.count(3);
      const id = entryId(ms, seq, c.int(), c.int());
      const same = (flags & FLAG_SAMEFIELDS) !== 0;
      const n = same ? nf : c.count();
      const fields: string[] = [];
      for (let i = 0; i < n; i++) {
        if (same) fields.push(names[i], c.str());
        else fields.push(c.str(), c.str());
      }
      if (c.count() !== (same ? n + 3 : 2 * n + 4)) throw new RdbError(CORRUPT_NODE);
      const gone = (flags & FLAG_DELETED) !== 0;
      if (gone) goneCount++;
      d.ids.push(id);
      d.items.push(fields);
      d.gone.push(gone);
    }
    c.end();
    // Redis never writes a node without entries, nor counters that disagree with the flags.
    if (d.ids.length === 0) throw new RdbError('Empty listpack inside stream');
    if (goneCount !== deleted) throw new RdbError(CORRUPT_NODE);
    return d;
  });
}

/** The last entry kept so far, across nodes. */
function lastKept(nodes: DecodedNode[]): { id: StreamId; gone: boolean } | null {
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (n.ids.length > 0) return { id: n.ids[n.ids.length - 1], gone: n.gone[n.gone.length - 1] };
  }
  return null;
}

function popLast(nodes: DecodedNode[]): void {
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (n.ids.length === 0) continue;
    n.ids.pop();
    n.items.pop();
    n.gone.pop();
    return;
  }
}

/** Pops the tombstones at the tail of what was kept whose IDs are not below id; a live one is corruption. */
function dropTombstonesFrom(out: DecodedNode[], id: StreamId): void {
  for (let last = lastKept(out); last !== null && last.id >= id; last = lastKept(out)) {
    if (!last.gone) throw new RdbError('Stream entries are not in ID order');
    popLast(out);
  }
}

/**
 * The entries in ID order. Redis lets XSETID go below a deleted entry (it checks only the last live
 * one), and a later XADD then lands after that tombstone: such a tombstone out of order is dropped
 * here (it is invisible to every command). A live entry out of order is corruption.
 */
export function sortedNodes(decoded: DecodedNode[]): DecodedNode[] {
  const out: DecodedNode[] = [];
  let last = -1n;
  for (const d of decoded) {
    const keep: DecodedNode = { ...d, ids: [], items: [], gone: [] };
    out.push(keep);
    for (let i = 0; i < d.ids.length; i++) {
      const id = d.ids[i];
      if (id <= last) {
        if (d.gone[i]) continue;
        dropTombstonesFrom(out, id);
      }
      keep.ids.push(id);
      keep.items.push(d.items[i]);
      keep.gone.push(d.gone[i]);
      last = id;
    }
  }
  const nodes = out.filter((n) => n.ids.length > 0);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    const prev = i > 0 ? nodes[i - 1] : null;
    if (n.ids[0] < n.master) throw new RdbError('Stream node holds an entry below its master ID');
    if (prev !== null && n.master <= prev.ids[prev.ids.length - 1])
      throw new RdbError('Stream nodes are not in ID order');
  }
  return nodes;
}

/** RStream's heap accounting of one entry (kept in step with store/stream.ts). */
export function entryHeapBytes(fields: readonly string[]): number {
  let b = 40 + 8 * fields.length + 16;
  for (const f of fields) b += f.length <= 1 ? 0 : 16 + ((f.length + 7) & ~7);
  return b;
}

/** RStream's heap accounting of one node. */
export const NODE_HEAP_BYTES = 160;

function toStreamNode(d: DecodedNode): StreamNode {
  const pairs: string[] = [];
  for (const f of d.names) pairs.push(f, '');
  const node = new StreamNode(d.master, pairs);
  for (let i = 0; i < d.ids.length; i++) {
    node.append(d.ids[i], d.items[i]);
    if (d.gone[i]) {
      node.gone[i] = true;
      node.live--;
      node.deleted++;
    }
  }
  return node;
}

/** Puts decoded nodes into a new stream, with the heap accounting RStream.append would have made. */
export function streamFromNodes(decoded: DecodedNode[]): RStream {
  const s = new RStream();
  for (const d of sortedNodes(decoded)) {
    s.nodes.push(toStreamNode(d));
    s.heapBytes += NODE_HEAP_BYTES;
    for (const f of d.items) s.heapBytes += entryHeapBytes(f);
  }
  return s;
}

/** What type 19 adds to type 15's metadata. */
export interface StreamMetaV2 {
  firstId: StreamId;
  maxDeletedId: StreamId;
  entriesAdded: number;
}

/**
 * Sets the metadata read after the nodes. Type 15 (Redis 5/6) has no first ID, max deleted ID or
 * entries added: derived as Redis 7.0 loads them (first live ID, or the maximum ID when there is
 * none; 0-0; the length).
 */
export function setStreamMeta(s: RStream, length: number, lastId: StreamId, v2: StreamMetaV2 | null): void {
  let live = 0;
  for (const n of s.nodes) live += n.live;
  if (length !== live) throw new RdbError('Stream length inconsistent with its entries');
  s.length = length;
  s.lastId = lastId;
  if (length > 0 && s.lastLiveId() > lastId)
    throw new RdbError('Stream last ID is smaller than its last entry');
  if (v2 !== null) {
    s.firstId = v2.firstId;
    s.maxDeletedId = v2.maxDeletedId;
    s.entriesAdded = v2.entriesAdded;
    return;
  }
  s.maxDeletedId = 0n;
  s.entriesAdded = length;
  const first = s.range(0n, ID_MAX, 1);
  s.firstId = first.length > 0 ? first[0].id : ID_MAX;
}

/** A group's entries_read as stored (uint64; all ones is "unknown"). */
export function entriesReadOf(v: bigint): number {
  if (v === U64_MAX) return ENTRIES_READ_UNKNOWN;
  if (v > 0x7fffffffffffffffn) throw new RdbError('Stream consumer group entries read out of range');
  return Number(v);
}

/** What the global PEL stores of a pending entry; its owner comes with the consumers. */
export interface PendingLoad {
  id: StreamId;
  deliveryTime: number;
  deliveryCount: number;
}

/** Stands for "no owner yet" while a group's consumers are read. */
const UNOWNED = new Consumer('', 0);

function byId(a: { id: StreamId }, b: { id: StreamId }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** True when ids ascend strictly (how Redis writes a rax); otherwise they are sorted first. */
function ascending(list: readonly { id: StreamId }[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i - 1].id >= list[i].id) return false;
  return true;
}

/** Fills a group's PEL (owners pending) in ID order; duplicates are corruption. */
export function fillGroupPel(g: ConsumerGroup, pending: PendingLoad[]): void {
  const list = ascending(pending) ? pending : [...pending].sort(byId);
  for (let i = 1; i < list.length; i++)
    if (list[i - 1].id === list[i].id)
      throw new RdbError('Duplicated global PEL entry loading stream consumer group');
  for (const p of list) {
    const e: PendingEntry = {
      id: p.id,
      consumer: UNOWNED,
      deliveryTime: p.deliveryTime,
      deliveryCount: p.deliveryCount,
    };
    g.pel.set(p.id, e);
  }
}

/** Gives a consumer its pending entries, which must be in the group's PEL and not owned yet. */
export function claimPending(g: ConsumerGroup, c: Consumer, ids: StreamId[]): void {
  const owned: PendingEntry[] = [];
  for (const id of ids) {
    const e = g.pel.get(id);
    if (e === undefined) throw new RdbError('Consumer entry not found in group global PEL');
    if (e.consumer !== UNOWNED)
      throw new RdbError('Duplicated consumer PEL entry  loading a stream consumer group');
    e.consumer = c;
    owned.push(e);
  }
  if (!ascending(owned)) owned.sort(byId);
  for (const e of owned) c.pel.set(e.id, e);
}

/** Every pending entry must have ended up with a consumer. */
export function checkPelOwned(g: ConsumerGroup): void {
  for (const e of g.pel.values())
    if (e.consumer === UNOWNED) throw new RdbError('Stream CG PEL entry without consumer');
}

// Unit tests for streams in RDB: the writer's type 19 bytes against an independent encoding of the
// format, writer -> reader round trips (deleted entries, SAMEFIELDS, node splits, 64-bit IDs, consumer
// groups with PELs), type 15 (Redis 5/6) loading with 7.0's derived fields, heap accounting after a
// load, the streaming reader, and corrupt payloads (each refused with an error, none crashing or hanging).
import { Crc64 } from './crc64.js';
import { ListpackBuilder, ListpackCursor, decodeListpack, encodeListpack } from './listpack.js';
import { RdbWriter } from './rdb-writer.js';
import { RdbError, RdbStreamReader, decodeDumpPayload, readRdb } from './rdb-reader.js';
import { encodeStreamNode } from './stream-rdb.js';
import { RStream, StreamNode, ConsumerGroup, Consumer, streamLimits } from '../store/stream.js';
import { ID_MAX, U64_MAX, idBytes, makeId, type StreamId } from '../store/stream-id.js';
import type { PendingEntry } from '../store/stream-group.js';
import type { StoredValue } from '../store/packed.js';

const id = (ms: number | bigint, seq: number | bigint): StreamId => makeId(BigInt(ms), BigInt(seq));

/** Everything a stream holds, as plain data (PEL owners by name). */
function view(s: RStream): unknown {
  return {
    nodes: s.nodes.map((n) => ({
      master: n.master,
      names: [...n.masterFields],
      entries: n.ids.map((x, i) => [x, n.items[i], n.gone[i]]),
      live: n.live,
      deleted: n.deleted,
      lpBytes: n.lpBytes(),
    })),
    length: s.length,
    lastId: s.lastId,
    firstId: s.firstId,
    maxDeletedId: s.maxDeletedId,
    entriesAdded: s.entriesAdded,
    groups: s.sortedGroups().map(([name, g]) => ({
      name,
      lastId: g.lastId,
      entriesRead: g.entriesRead,
      pel: g.pel.values().map((p) => [p.id, p.consumer.name, p.deliveryTime, p.deliveryCount]),
      consumers: g.sortedConsumers().map((c) => [c.name, c.seenTime, [...c.pel.keys]]),
    })),
  };
}

/** The PEL entries of every consumer are the group's own objects. */
function expectSharedPel(s: RStream): void {
  for (const g of s.groups.values()) {
    let owned = 0;
    for (const c of g.consumers.values())
      for (const p of c.pel.values()) {
        expect(g.pel.get(p.id)).toBe(p);
        expect(p.consumer).toBe(c);
        owned++;
      }
    expect(owned).toBe(g.pel.size);
  }
}

const dump = (s: RStream, compress = false): Buffer => RdbWriter.dumpPayload(s, compress);

function load(payload: Buffer): RStream {
  const v = decodeDumpPayload(payload);
  if (!(v instanceof RStream)) throw new Error('not a stream');
  return v;
}

/** A DUMP payload of a type byte and body: RDB version 10 and a CRC64 appended. */
function withFooter(body: Buffer): Buffer {
  const b = Buffer.concat([body, Buffer.from([10, 0])]);
  return Buffer.concat([b, new Crc64().update(b).bytesLE()]);
}

/** A whole RDB file with one key `k` of this type and body (checksum 0: not checked). */
function rdbWith(type: number, body: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from('REDIS0010', 'latin1'),
    Buffer.from([0xfe, 0, type, 1, 0x6b]),
    body,
    Buffer.from([0xff]),
    Buffer.alloc(8),
  ]);
}

function readOne(file: Buffer): StoredValue {
  let got: StoredValue | undefined;
  readRdb(file, { key: (_db, _k, v) => (got = v) });
  if (got === undefined) throw new Error('no key');
  return got;
}

/** Writes RDB primitives independently of RdbWriter, from the format's description. */
class Raw {
  private parts: Buffer[] = [];
  len(n: number | bigint): this {
    const v = BigInt(n);
    if (v < 64n) this.parts.push(Buffer.from([Number(v)]));
    else if (v < 16384n) this.parts.push(Buffer.from([0x40 | Number(v >> 8n), Number(v & 0xffn)]));
    else if (v <= 0xffffffffn) {
      const b = Buffer.alloc(5);
      b[0] = 0x80;
      b.writeUInt32BE(Number(v), 1);
      this.parts.push(b);
    } else {
      const b = Buffer.alloc(9);
      b[0] = 0x81;
      b.writeBigUInt64BE(v, 1);
      this.parts.push(b);
    }
    return this;
  }
  /** A plain (not integer-encoded, not compressed) string. */
  str(s: string | Buffer): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    return this.len(b.length).raw(b);
  }
  id(x: StreamId): this {
    return this.len(x >> 64n).len(x & U64_MAX);
  }
  raw(b: Buffer | number[]): this {
    this.parts.push(Buffer.isBuffer(b) ? b : Buffer.from(b));
    return this;
  }
  time(t: number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(t));
    return this.raw(b);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A stream's body as rdb.c's rdbSaveObject writes it: type 19 with v2, else type 15 (no 7.0 fields). */
function specBody(s: RStream, v2: boolean): Buffer {
  const r = new Raw().len(s.nodes.length);
  for (const n of s.nodes) r.str(idBytes(n.master)).str(encodeStreamNode(n));
  r.len(s.length).id(s.lastId);
  if (v2) r.id(s.firstId).id(s.maxDeletedId).len(s.entriesAdded);
  const groups = s.sortedGroups();
  r.len(groups.length);
  for (const [name, g] of groups) {
    r.str(name).id(g.lastId);
    if (v2) r.len(g.entriesRead === -1 ? U64_MAX : g.entriesRead);
    r.len(g.pel.size);
    for (const p of g.pel.values()) r.raw(idBytes(p.id)).time(p.deliveryTime).len(p.deliveryCount);
    const cs = g.sortedConsumers();
    r.len(cs.length);
    for (const c of cs) {
      r.str(c.name).time(c.seenTime).len(c.pel.size);
      for (const x of c.pel.keys) r.raw(idBytes(x));
    }
  }
  return r.bytes();
}

/** Adds a pending entry delivered to a consumer (creating it), as XREADGROUP records one. */
function deliver(g: ConsumerGroup, consumer: string, x: StreamId, time: number, count = 1): void {
  let c = g.consumers.get(consumer);
  if (c === undefined) {
    c = new Consumer(consumer, time);
    g.consumers.set(consumer, c);
  }
  const p: PendingEntry = { id: x, consumer: c, deliveryTime: time, deliveryCount: count };
  g.pel.set(x, p);
  c.pel.set(x, p);
}

/** A stream with varied fields, deletions, a trimmed head and two groups. */
function sample(): RStream {
  const s = new RStream();
  for (let i = 1; i <= 30; i++) {
    const fields =
      i % 7 === 0
        ? ['other', `v${i}`, 'n', String(i * 1000)]
        : ['name', `user-${i}`, 'age', String(20 + i), 'score', String(-i * 70000)];
    s.append(id(1700000000000 + i, i % 3), fields);
  }
  s.delete(id(1700000000005, 2));
  s.delete(id(1700000000010, 1));
  s.trim({ maxLen: 27 }, false, 0);
  const g = new ConsumerGroup(id(1700000000020, 2), 18);
  deliver(g, 'alice', id(1700000000012, 0), 1700000001000, 3);
  deliver(g, 'bob', id(1700000000013, 1), 1700000002000);
  deliver(g, 'alice', id(1700000000014, 2), 1700000003000, 2);
  g.consumers.set('idle', new Consumer('idle', 1700000004000));
  s.groups.set('workers', g);
  s.groups.set('audit', new ConsumerGroup(0n, -1));
  return s;
}

test('ListpackBuilder writes what encodeListpack wrote, and ListpackCursor reads every integer width back', () => {
  const ints: bigint[] = [0n, 127n, 128n, -1n, 4095n, 4096n, -4096n, -4097n, 32767n, 32768n, -32768n];
  ints.push(-32769n, 8388607n, 8388608n, -8388608n, -8388609n, 2147483647n, 2147483648n, -2147483648n);
  ints.push(-2147483649n, 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n));
  const b = new ListpackBuilder(8);
  for (const n of ints) b.int(n);
  b.str('plain');
  b.str('x'.repeat(5000));
  const lp = b.finish();
  expect(lp).toEqual(encodeListpack([...ints.map(String), 'plain', 'x'.repeat(5000)]));
  const c = new ListpackCursor(lp);
  for (const n of ints) expect(BigInt(c.int())).toBe(n);
  expect(c.str()).toBe('plain');
  expect(c.str()).toBe('x'.repeat(5000));
  c.end();
  // A back-length that does not match its element is refused, as lpValidateNext does.
  const bad = Buffer.from(encodeListpack(['abc']));
  bad[6 + 4] = 3;
  expect(() => new ListpackCursor(bad).str()).toThrow('bad listpack back-length');
});

test("a node's listpack has Redis's layout: master entry, SAMEFIELDS entries with values only, others with fields", () => {
  const s = new RStream();
  s.append(id(5, 1), ['a', '1', 'b', 'x']);
  s.append(id(5, 2), ['a', '2', 'b', 'y']);
  s.append(id(7, 0), ['c', 'hello']);
  s.delete(id(5, 2));
  const lp = encodeStreamNode(s.nodes[0]);
  expect(decodeListpack(lp)).toEqual(
    // count, deleted, master fields (2: a b), terminator
    ['2', '1', '2', 'a', 'b', '0']
      // flags SAMEFIELDS, ms-diff, seq-diff, values, lp-count (2 values + 3)
      .concat(['2', '0', '0', '1', 'x', '5'])
      // DELETED|SAMEFIELDS, seq-diff 1
      .concat(['3', '0', '1', '2', 'y', '5'])
      // other fields: flags 0, ms-diff 2, seq-diff -1 (int64), field count, pairs, lp-count (2*1 + 4)
      .concat(['0', '2', '-1', '1', 'c', 'hello', '6']),
  );
  expect(lp.readUInt16LE(4)).toBe(25);
});

test("each node's size as the store accounts it (stream-node-max-bytes splits) is its listpack's real size", () => {
  const s = new RStream();
  s.append(id(1, 1), ['a', 'b']);
  s.append(id(1, 2), ['a', 'c']);
  s.append(id(2, 0), ['x', '123', 'y', '-5']);
  s.append(id(3, 0), ['big', 'v'.repeat(16378)]); // an element of 16383 bytes: a 3-byte back-length
  for (const n of s.nodes) expect(n.lpBytes()).toBe(encodeStreamNode(n).length);
});

test('type 19 bytes match an independent encoding of the format, and a round trip keeps everything', () => {
  const s = sample();
  const payload = dump(s);
  expect(payload[0]).toBe(19);
  expect(payload).toEqual(withFooter(Buffer.concat([Buffer.from([19]), specBody(s, true)])));
  const back = load(payload);
  expect(view(back)).toEqual(view(s));
  expectSharedPel(back);
  expect(dump(back)).toEqual(payload);
  // Compressed (LZF on the listpacks), it loads back the same too.
  const z = dump(s, true);
  expect(z.length).toBeLessThan(payload.length);
  expect(view(load(z))).toEqual(view(s));
});

test('deleted entries stay in their node, flagged, and a node with no live entry left is kept', () => {
  const s = new RStream();
  for (let i = 1; i <= 5; i++) s.append(id(i, 0), ['f', String(i)]);
  s.delete(id(2, 0));
  s.delete(id(5, 0));
  s.trim({ minId: id(5, 0) }, false, 0); // flags 1, 3 and 4: the node keeps only tombstones
  expect(s.length).toBe(0);
  expect(s.nodes).toHaveLength(1);
  const back = load(dump(s));
  expect(view(back)).toEqual(view(s));
  expect(back.nodes[0].gone).toEqual([true, true, true, true, true]);
  expect(dump(back)).toEqual(dump(s));
  // An empty stream (no node) with its history.
  const e = new RStream();
  e.append(id(9, 9), ['a', 'b']);
  e.delete(id(9, 9));
  expect(e.nodes).toHaveLength(0);
  expect(view(load(dump(e)))).toEqual(view(e));
});

test('nodes split at stream-node-max-entries and -bytes load back with the same boundaries', () => {
  const saved = { ...streamLimits };
  try {
    for (const limits of [
      { nodeMaxBytes: 4096, nodeMaxEntries: 3 },
      { nodeMaxBytes: 200, nodeMaxEntries: 0 },
      { nodeMaxBytes: 0, nodeMaxEntries: 0 },
    ]) {
      Object.assign(streamLimits, limits);
      const s = new RStream();
      for (let i = 0; i < 200; i++)
        s.append(id(1000 + i, 0), i % 5 === 0 ? ['k', `value-${i}`, 'extra', 'e'] : ['k', `value-${i}`]);
      for (let i = 0; i < 200; i += 9) s.delete(id(1000 + i, 0));
      const back = load(dump(s));
      expect(back.nodes.map((n) => n.master)).toEqual(s.nodes.map((n) => n.master));
      expect(view(back)).toEqual(view(s));
      if (limits.nodeMaxEntries === 3) expect(s.nodes.length).toBeGreaterThan(60);
      if (limits.nodeMaxBytes === 200) expect(s.nodes.length).toBeGreaterThan(10);
      if (limits.nodeMaxBytes === 0) expect(s.nodes).toHaveLength(1);
    }
  } finally {
    Object.assign(streamLimits, saved);
  }
});

test('64-bit IDs: ms and seq up to 2^64-1, differences past 2^63 stored as negative int64', () => {
  const s = new RStream();
  s.append(id(0, 1), ['a', 'b']);
  s.append(id(U64_MAX - 1n, 5), ['a', 'c']); // ms-diff 2^64-2: int64 -2
  s.append(ID_MAX, ['a', 'd']); // 18446744073709551615-18446744073709551615
  const g = new ConsumerGroup(ID_MAX, 3);
  deliver(g, 'c', ID_MAX, 1);
  s.groups.set('g', g);
  s.maxDeletedId = id(U64_MAX, 7);
  const payload = dump(s);
  // last ID: two 64-bit lengths (0x81 + 8 bytes each)
  expect(payload.includes(Buffer.from([0x81, 255, 255, 255, 255, 255, 255, 255, 255, 0x81]))).toBe(true);
  expect(payload).toEqual(withFooter(Buffer.concat([Buffer.from([19]), specBody(s, true)])));
  const back = load(payload);
  expect(view(back)).toEqual(view(s));
  expect(back.range(0n, ID_MAX).map((e) => e.id)).toEqual([id(0, 1), id(U64_MAX - 1n, 5), ID_MAX]);
  expect(decodeListpack(encodeStreamNode(s.nodes[0])).slice(11, 14)).toEqual(['-2', '4', 'c']);
});

test('consumer groups: PELs, consumers (with and without pending entries), integer-like names, unknown entries_read', () => {
  const s = sample();
  const g = new ConsumerGroup(id(1700000000030, 0), 7);
  for (let i = 0; i < 100; i++)
    deliver(g, i % 2 ? '42' : 'c-odd', id(1700000000000 + (i % 30), i), 1000 + i, i);
  s.groups.set('123', g);
  const payload = dump(s);
  // The group name "123" is written integer-encoded (C0 7B), as rdbSaveRawString does.
  expect(payload.includes(Buffer.from([0xc0, 0x7b]))).toBe(true);
  const back = load(payload);
  expect(view(back)).toEqual(view(s));
  expectSharedPel(back);
  expect(back.groups.get('audit')?.entriesRead).toBe(-1);
  expect(dump(back)).toEqual(payload);
});

test('type 15 (Redis 5/6) loads with what 7.0 derives: first live ID, no max deleted ID, entries added = length, estimated entries read', () => {
  const s = sample();
  const file = rdbWith(15, specBody(s, false));
  const v = readOne(file);
  expect(v).toBeInstanceOf(RStream);
  const back = v as RStream;
  expect(back.firstId).toBe(s.firstLiveId());
  expect(back.maxDeletedId).toBe(0n);
  expect(back.entriesAdded).toBe(s.length);
  expect(back.range(0n, ID_MAX)).toEqual(s.range(0n, ID_MAX));
  // workers' last ID lies past the first entry with no tombstone information: unknown; audit's (0-0)
  // lies before it: entries added - length = 0.
  expect(back.groups.get('workers')?.entriesRead).toBe(-1);
  expect(back.groups.get('audit')?.entriesRead).toBe(0);
  expectSharedPel(back);
  // Written again, it is a type 19 with the derived fields.
  expect(dump(back)[0]).toBe(19);
  // Empty: the first ID is the maximum ID (streamGetEdgeID finds no entry).
  const e = new RStream();
  e.lastId = id(3, 3);
  const empty = readOne(rdbWith(15, specBody(e, false))) as RStream;
  expect(empty.firstId).toBe(ID_MAX);
  expect(empty.length).toBe(0);
});

test('type 21 (Redis 7.2) is an unknown type, as in 7.0', () => {
  expect(() => readOne(rdbWith(21, specBody(sample(), true)))).toThrow('Unknown RDB encoding type 21');
});

test('a load rebuilds the heap accounting RStream.append made', () => {
  const saved = { ...streamLimits };
  try {
    streamLimits.nodeMaxEntries = 10;
    const s = new RStream();
    for (let i = 0; i < 95; i++) s.append(id(i + 1, 0), ['field', 'x'.repeat(i % 40), 'n', String(i)]);
    s.delete(id(3, 0));
    expect(load(dump(s)).heapBytes).toBe(s.heapBytes);
    expect(load(dump(sample())).heapBytes).toBe(sample().heapBytes);
  } finally {
    Object.assign(streamLimits, saved);
  }
});

test('a tombstone left out of order by XSETID below it (Redis allows it) is dropped on load; live entries keep their order', () => {
  // Redis: XADD 1-1, XADD 2-1, XDEL 2-1, XSETID 1-5, XADD 1-6: the listpack holds 1-1, 2-1 (deleted), 1-6.
  const n = new StreamNode(id(1, 1), ['a', 'b']);
  n.append(id(1, 1), ['a', 'b']);
  n.append(id(2, 1), ['a', 'b']);
  n.gone[1] = true;
  n.live--;
  n.deleted++;
  n.append(id(1, 6), ['c', 'd']);
  const s = new RStream();
  s.nodes.push(n);
  Object.assign(s, {
    length: 2,
    lastId: id(1, 6),
    firstId: id(1, 1),
    maxDeletedId: id(2, 1),
    entriesAdded: 3,
  });
  const back = load(dump(s));
  expect(back.nodes[0].ids).toEqual([id(1, 1), id(1, 6)]);
  expect(back.nodes[0].deleted).toBe(0);
  expect(back.get(id(1, 6))).toEqual(['c', 'd']);
  expect(back.maxDeletedId).toBe(id(2, 1));
  // A tombstone above the last ID at the end stays (byte for byte as Redis has it).
  const t = new RStream();
  t.append(id(1, 1), ['a', 'b']);
  t.append(id(2, 1), ['a', 'b']);
  t.delete(id(2, 1));
  t.lastId = id(1, 5);
  expect(dump(load(dump(t)))).toEqual(dump(t));
});

test('the streaming reader loads streams whatever the chunking', () => {
  const s = sample();
  const file = RdbWriter.encodeAll([{ index: 0, entries: [['s', s, -1] as [string, StoredValue, number]] }]);
  for (const chunk of [1, 7, 100]) {
    let got: StoredValue | undefined;
    const r = new RdbStreamReader({ key: (_d, _k, v) => (got = v) });
    for (let off = 0; off < file.length; off += chunk) r.feed(file.subarray(off, off + chunk));
    r.finish();
    expect(view(got as RStream)).toEqual(view(s));
  }
});

describe('corrupt payloads are refused', () => {
  const s = sample();
  const body = dump(s).subarray(1, -10);

  /** Loads a type 19 body from a whole RDB file; returns the error message, or null when it loaded. */
  const outcome = (b: Buffer): string | null => {
    try {
      readOne(rdbWith(19, b));
      return null;
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
      return (e as Error).message;
    }
  };

  test('every truncation', () => {
    for (let k = 0; k < body.length; k++) expect(outcome(body.subarray(0, k))).not.toBeNull();
    // And as RESTORE sees it: Redis's error.
    expect(() =>
      decodeDumpPayload(withFooter(Buffer.concat([Buffer.from([19]), body.subarray(0, 40)]))),
    ).toThrow(new RdbError('ERR Bad data format'));
  });

  test('random byte changes: refused, or loaded into a consistent stream', () => {
    let seed = 11;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    let refused = 0;
    for (let t = 0; t < 3000; t++) {
      const b = Buffer.from(body);
      for (let k = 1 + rand(3); k > 0; k--) b[rand(b.length)] = rand(256);
      let v: RStream;
      try {
        v = readOne(rdbWith(19, b)) as RStream;
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        refused++;
        continue;
      }
      // What loads is coherent: counts add up, entries ascend, it writes and reads back the same.
      let live = 0;
      for (const n of v.nodes) live += n.live;
      expect(v.length).toBe(live);
      const ids = v.range(0n, ID_MAX).map((e) => e.id);
      expect([...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(ids);
      expectSharedPel(v);
      expect(view(load(dump(v)))).toEqual(view(v));
    }
    expect(refused).toBeGreaterThan(1500);
  });

  /** The body of `s` with its first listpack replaced (its length prefix adjusted). */
  function withNode(lp: Buffer, master: Buffer = idBytes(s.nodes[0].master)): Buffer {
    const r = new Raw().len(s.nodes.length).str(master).str(lp);
    for (const n of s.nodes.slice(1)) r.str(idBytes(n.master)).str(encodeStreamNode(n));
    const tail = specBody(s, true);
    // Everything after the nodes is the same as in the well-formed body.
    const nodesLen = new Raw()
      .len(s.nodes.length)
      .raw(
        Buffer.concat(s.nodes.map((n) => new Raw().str(idBytes(n.master)).str(encodeStreamNode(n)).bytes())),
      )
      .bytes().length;
    return Buffer.concat([r.bytes(), tail.subarray(nodesLen)]);
  }

  test('malformed nodes, with the reason', () => {
    const good = encodeStreamNode(s.nodes[0]);
    expect(outcome(withNode(good))).toBeNull();
    expect(outcome(withNode(good, Buffer.alloc(15)))).toBe(
      'Stream node key entry is not the size of a stream ID',
    );
    const lp = (items: (string | number)[]): Buffer => encodeListpack(items.map(String));
    // master entry only, no entry
    expect(outcome(withNode(lp([0, 0, 1, 'f', 0])))).toBe('Empty listpack inside stream');
    // lp-count that does not match
    expect(outcome(withNode(lp([1, 0, 1, 'f', 0, 2, 0, 0, 'v', 5])))).toBe(
      'Stream listpack integrity check failed.',
    );
    // master terminator not 0
    expect(outcome(withNode(lp([1, 0, 1, 'f', 1, 2, 0, 0, 'v', 4])))).toBe(
      'Stream listpack integrity check failed.',
    );
    // a deleted count that disagrees with the flags
    expect(outcome(withNode(lp([1, 1, 1, 'f', 0, 2, 0, 0, 'v', 4])))).toBe(
      'Stream listpack integrity check failed.',
    );
    // unknown flag bits
    expect(outcome(withNode(lp([1, 0, 1, 'f', 0, 6, 0, 0, 'v', 4])))).toBe(
      'Stream listpack integrity check failed.',
    );
    // trailing elements after the last entry
    expect(outcome(withNode(lp([1, 0, 1, 'f', 0, 2, 0, 0, 'v', 4, 9])))).toBe(
      'Stream listpack integrity check failed.',
    );
    // a count that is not an integer
    expect(outcome(withNode(lp(['one', 0, 1, 'f', 0, 2, 0, 0, 'v', 4])))).toBe(
      'Stream listpack integrity check failed.',
    );
    // entry below its node's master
    expect(outcome(withNode(lp([1, 0, 1, 'f', 0, 2, 0, -1, 'v', 4])))).toBe(
      'Stream node holds an entry below its master ID',
    );
    // header size that lies
    const lying = Buffer.from(good);
    lying.writeUInt32LE(good.length + 1, 0);
    expect(outcome(withNode(lying))).toBe('Stream listpack integrity check failed.');
  });

  test('inconsistent metadata and groups, with the reason', () => {
    const mk = (edit: (x: RStream) => void): RStream => {
      const c = sample();
      edit(c);
      return c;
    };
    const body19 = (x: RStream): Buffer => specBody(x, true);
    expect(outcome(body19(mk((x) => (x.length += 1))))).toBe('Stream length inconsistent with its entries');
    expect(outcome(body19(mk((x) => (x.lastId = id(1, 0)))))).toBe(
      'Stream last ID is smaller than its last entry',
    );
    // nodes out of order
    const saved = { ...streamLimits };
    streamLimits.nodeMaxEntries = 5;
    const many = new RStream();
    for (let i = 1; i <= 20; i++) many.append(id(i, 0), ['f', 'v']);
    Object.assign(streamLimits, saved);
    expect(many.nodes).toHaveLength(4);
    expect(outcome(body19(many))).toBeNull();
    many.nodes.reverse();
    expect(outcome(body19(many))).toBe('Stream entries are not in ID order');
    // a consumer claiming an ID its group does not have pending
    const g = (x: RStream): ConsumerGroup => x.groups.get('workers') as ConsumerGroup;
    expect(
      outcome(
        body19(
          mk((x) => {
            const c = g(x).consumers.get('idle') as Consumer;
            c.pel.set(id(1, 1), { id: id(1, 1), consumer: c, deliveryTime: 0, deliveryCount: 1 });
          }),
        ),
      ),
    ).toBe('Consumer entry not found in group global PEL');
    // a pending entry nobody owns
    expect(
      outcome(body19(mk((x) => (g(x).consumers.get('bob') as Consumer).pel.delete(id(1700000000013, 1))))),
    ).toBe('Stream CG PEL entry without consumer');
    // an entry owned by two consumers
    expect(
      outcome(
        body19(
          mk((x) => {
            const c = g(x).consumers.get('idle') as Consumer;
            c.pel.set(id(1700000000013, 1), g(x).pel.get(id(1700000000013, 1)) as PendingEntry);
          }),
        ),
      ),
    ).toBe('Duplicated consumer PEL entry  loading a stream consumer group');
    // duplicate group and consumer names (written by hand: maps cannot hold them twice)
    const two = new Raw().len(0).len(0).id(0n).id(0n).id(0n).len(0).len(2);
    const group = (r: Raw, name: string): Raw => r.str(name).id(0n).len(0).len(0).len(0);
    expect(outcome(group(group(two, 'g'), 'g').bytes())).toBe('Duplicated consumer group name g');
    const dupConsumer = new Raw()
      .len(0)
      .len(0)
      .id(0n)
      .id(0n)
      .id(0n)
      .len(0)
      .len(1)
      .str('g')
      .id(0n)
      .len(0)
      .len(0);
    dupConsumer.len(2).str('c').time(1).len(0).str('c').time(1).len(0);
    expect(outcome(dupConsumer.bytes())).toBe('Duplicate stream consumer detected.');
    const dupPel = new Raw().len(0).len(0).id(0n).id(0n).id(0n).len(0).len(1).str('g').id(0n).len(0).len(2);
    dupPel
      .raw(idBytes(id(1, 1)))
      .time(1)
      .len(1)
      .raw(idBytes(id(1, 1)))
      .time(1)
      .len(1)
      .len(0);
    expect(outcome(dupPel.bytes())).toBe('Duplicated global PEL entry loading stream consumer group');
  });
});

// AofCommandEncoder: the exact commands of each type (Redis 7.0's rewriteAppendOnlyFileRio forms), the
// 64-item batches, score text, streams with groups, values still packed as loaded, and a rewrite driven
// by the copy-on-write Snapshot under concurrent writes, replayed by a small interpreter.
import { AofCommandEncoder, AOF_REWRITE_ITEMS_PER_CMD } from './aof-rewrite.js';
import { RdbWriter } from './rdb-writer.js';
import { readRdb } from './rdb-reader.js';
import { Snapshot } from './snapshot.js';
import { RespParser } from '../protocol/parser.js';
import { Db } from '../store/db.js';
import { TestHost } from '../commands/testing.js';
import { RList } from '../store/list.js';
import { RHash } from '../store/hash.js';
import { RSet } from '../store/set.js';
import { RZSet } from '../store/zset.js';
import { RStream, ConsumerGroup } from '../store/stream.js';
import { PackedValue, type StoredValue } from '../store/packed.js';
import { makeId } from '../store/stream-id.js';

/** The commands in an encoder's output (a leading `#TS:` annotation returned apart). */
function parse(buf: Buffer): { ts: string | null; cmds: string[][] } {
  let ts: string | null = null;
  let body = buf;
  if (buf.subarray(0, 4).toString('latin1') === '#TS:') {
    const eol = buf.indexOf('\r\n');
    ts = buf.subarray(4, eol).toString('latin1');
    body = buf.subarray(eol + 2);
  }
  const p = new RespParser({ maxBulkLen: 1 << 30, maxQueryBuffer: 1 << 30 });
  p.feed(body);
  const cmds: string[][] = [];
  for (let c = p.next(); c !== null; c = p.next()) cmds.push(c);
  return { ts, cmds };
}

function encode(
  keys: [number, string, StoredValue, number][],
  opts?: ConstructorParameters<typeof AofCommandEncoder>[0],
): Buffer {
  const e = new AofCommandEncoder(opts);
  const out: Buffer[] = [];
  for (const [db, k, v, exp] of keys) {
    e.writeKey(db, k, v, exp);
    out.push(e.take());
  }
  e.finish();
  out.push(e.take());
  return Buffer.concat(out);
}

const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

test('strings, lists, TTLs, SELECT per db and functions first: the exact bytes Redis writes', () => {
  const buf = encode(
    [
      [0, 'k', 'v', -1],
      [0, 'l', RList.from(['a', '12']), 1900000000123],
      [3, 'bin\r\n\x00\xff', '\x00\xfe\r\n', -1],
    ],
    { functions: ["#!lua name=lib\nredis.register_function('f', function() return 1 end)"] },
  );
  const lib = "#!lua name=lib\nredis.register_function('f', function() return 1 end)";
  expect(buf.toString('latin1')).toBe(
    `*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$${lib.length}\r\n${lib}\r\n` +
      '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n' +
      '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n' +
      '*4\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\na\r\n$2\r\n12\r\n' +
      '*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nl\r\n$13\r\n1900000000123\r\n' +
      '*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n' +
      '*3\r\n$3\r\nSET\r\n$7\r\nbin\r\n\x00\xff\r\n$4\r\n\x00\xfe\r\n\r\n',
  );
});

test('the #TS: annotation leads the file when asked for', () => {
  const { ts, cmds } = parse(encode([[0, 'k', 'v', -1]], { timestampSec: 1700000000 }));
  expect(ts).toBe('1700000000');
  expect(cmds).toEqual([
    ['SELECT', '0'],
    ['SET', 'k', 'v'],
  ]);
});

test('collections go in commands of at most 64 items (pairs for hashes and zsets), nothing lost', () => {
  expect(AOF_REWRITE_ITEMS_PER_CMD).toBe(64);
  const items = range(130, (i) => `e${i}`);
  const z = new RZSet();
  for (let i = 0; i < 64; i++) z.add(`m${i}`, i);
  const h = new RHash();
  for (let i = 0; i < 65; i++) h.set(`f${i}`, `v${i}`);
  const { cmds } = parse(
    encode([
      [0, 'l', RList.from(items), -1],
      [0, 's', RSet.from(items), -1],
      [0, 'h', h, -1],
      [0, 'z', z, -1],
    ]),
  );
  const of = (name: string): string[][] => cmds.filter((c) => c[0] === name);
  expect(of('RPUSH').map((c) => c.length - 2)).toEqual([64, 64, 2]);
  expect(of('RPUSH').flatMap((c) => c.slice(2))).toEqual(items);
  expect(of('SADD').map((c) => c.length - 2)).toEqual([64, 64, 2]);
  expect(
    of('SADD')
      .flatMap((c) => c.slice(2))
      .sort(),
  ).toEqual([...items].sort());
  expect(of('HMSET').map((c) => c.length - 2)).toEqual([128, 2]);
  const fields = new Map<string, string>();
  for (const c of of('HMSET')) for (let i = 2; i < c.length; i += 2) fields.set(c[i], c[i + 1]);
  expect(fields).toEqual(new Map([...h]));
  expect(of('ZADD').map((c) => c.length - 2)).toEqual([128]);
  expect(of('ZADD')[0].slice(2, 6)).toEqual(['0', 'm0', '1', 'm1']);
});

test('a long list is read and emitted in batches, never as one command', () => {
  const items = range(100_000, (i) => String(i));
  const { cmds } = parse(encode([[0, 'big', RList.from(items), -1]]));
  expect(cmds.length).toBe(1 + Math.ceil(100_000 / 64));
  expect(Math.max(...cmds.map((c) => c.length))).toBe(66);
  expect(cmds.slice(1).flatMap((c) => c.slice(2))).toEqual(items);
});

test('zset scores are written as %.17g: shortest digits only when they round-trip at 17', () => {
  // The full structure keeps -0 (a listpack turns it into 0, as Redis's does).
  const z = RZSet.full();
  const scores: [string, number][] = [
    ['a', 1.1],
    ['b', -Infinity],
    ['c', Infinity],
    ['d', -0],
    ['e', 1e17],
    ['f', 3],
    ['g', 0.1],
    ['h', 123456789012345680000],
    ['i', 5e-324],
  ];
  for (const [m, sc] of scores) z.add(m, sc);
  const { cmds } = parse(
    encode([
      [0, 'z', z, -1],
      [0, 'packed', RZSet.fromListpack([['d', -0]]), -1],
    ]),
  );
  const pairs = new Map<string, string>();
  const c = cmds[1];
  for (let i = 2; i < c.length; i += 2) pairs.set(c[i + 1], c[i]);
  expect(Object.fromEntries(pairs)).toEqual({
    a: '1.1000000000000001',
    b: '-inf',
    c: 'inf',
    d: '-0',
    e: '1e+17',
    f: '3',
    g: '0.10000000000000001',
    h: '1.2345678901234568e+20',
    i: '4.9406564584124654e-324',
  });
  expect(cmds[2]).toEqual(['ZADD', 'packed', '0', 'd']);
});

function sampleStream(): RStream {
  const s = new RStream();
  s.append(makeId(1n, 0n), ['f', 'v1']);
  s.append(makeId(1n, 1n), ['f', 'v2', 'g', 'x']);
  s.append(makeId(2n, 0n), ['f', 'v3']);
  s.append(makeId(3n, 5n), ['f', 'v4']);
  s.delete(makeId(1n, 1n));
  s.delete(makeId(3n, 5n)); // the last entry: XSETID restores the last ID
  const g = new ConsumerGroup(makeId(2n, 0n), 3);
  s.groups.set('g2', g);
  const alice = g.createConsumer('alice', 100);
  const bob = g.createConsumer('bob', 100);
  g.createConsumer('carol', 100);
  if (alice === null || bob === null) throw new Error('consumers');
  g.addPending(makeId(2n, 0n), bob, 5000).deliveryCount = 4;
  g.addPending(makeId(1n, 0n), bob, 4000);
  g.addPending(makeId(1n, 1n), alice, 3000); // pending but deleted: emitted anyway, as Redis does
  s.groups.set('g1', new ConsumerGroup(0n, -1));
  return s;
}

test('a stream: XADD per live entry, XSETID, groups, empty consumers and pending entries in order', () => {
  const { cmds } = parse(encode([[0, 'st', sampleStream(), -1]]));
  expect(cmds).toEqual([
    ['SELECT', '0'],
    ['XADD', 'st', '1-0', 'f', 'v1'],
    ['XADD', 'st', '2-0', 'f', 'v3'],
    ['XSETID', 'st', '3-5', 'ENTRIESADDED', '4', 'MAXDELETEDID', '3-5'],
    ['XGROUP', 'CREATE', 'st', 'g1', '0-0', 'ENTRIESREAD', '-1'],
    ['XGROUP', 'CREATE', 'st', 'g2', '2-0', 'ENTRIESREAD', '3'],
    ['XCLAIM', 'st', 'g2', 'alice', '0', '1-1', 'TIME', '3000', 'RETRYCOUNT', '1', 'JUSTID', 'FORCE'],
    ['XCLAIM', 'st', 'g2', 'bob', '0', '1-0', 'TIME', '4000', 'RETRYCOUNT', '1', 'JUSTID', 'FORCE'],
    ['XCLAIM', 'st', 'g2', 'bob', '0', '2-0', 'TIME', '5000', 'RETRYCOUNT', '4', 'JUSTID', 'FORCE'],
    ['XGROUP', 'CREATECONSUMER', 'st', 'g2', 'carol'],
  ]);
});

test('an empty stream is made with the XADD MAXLEN 0 trick, then XSETID', () => {
  const s = new RStream();
  s.append(makeId(7n, 0n), ['a', 'b']);
  s.delete(makeId(7n, 0n));
  const { cmds } = parse(encode([[1, 'e', s, 1900000000000]]));
  expect(cmds).toEqual([
    ['SELECT', '1'],
    ['XADD', 'e', 'MAXLEN', '0', '0-1', 'x', 'y'],
    ['XSETID', 'e', '7-0', 'ENTRIESADDED', '1', 'MAXDELETEDID', '7-0'],
    ['PEXPIREAT', 'e', '1900000000000'],
  ]);
});

test('values still packed as loaded from an RDB give the same commands as the live values', () => {
  const h = RHash.from([
    ['a', '1'],
    ['b', '2'],
  ]);
  const live: [number, string, StoredValue, number][] = [
    [0, 'l', RList.from(['x', '1', '-5']), -1],
    [0, 'h', h, -1],
    [0, 'is', RSet.from(['3', '1', '2']), -1],
    [0, 'z', RZSet.fromListpack([['m', 1.5]]), -1],
    [0, 'st', sampleStream(), 1900000000000],
    [0, 'n', '12345', -1],
  ];
  const rdb = RdbWriter.encodeAll([{ index: 0, entries: live.map(([, k, v, e]) => [k, v, e]) }]);
  const loaded: [number, string, StoredValue, number][] = [];
  readRdb(rdb, { lazy: true, key: (db, k, v, e) => loaded.push([db, k, v, e]) });
  expect(loaded.filter(([, , v]) => v instanceof PackedValue).map(([, k]) => k)).toEqual(['l', 'h', 'is']);
  const norm = (b: Buffer): string[][] =>
    parse(b).cmds.map((c) => (c[0] === 'SADD' ? [...c.slice(0, 2), ...c.slice(2).sort()] : c));
  expect(norm(encode(loaded))).toEqual(norm(encode(live)));
});

// ---- replaying the output ----

interface Model {
  [key: string]: { v: unknown; exp: number };
}

/** A tiny interpreter of the commands the encoder writes, over plain JS data (one object per db). */
function replay(cmds: string[][]): Record<number, Model> {
  const dbs: Record<number, Model> = {};
  let db: Model = {};
  for (const c of cmds) {
    const [name, key] = c;
    const args = c.slice(2);
    const get = <T>(init: () => T): T => {
      db[key] ??= { v: init(), exp: -1 };
      return db[key].v as T;
    };
    if (name === 'SELECT') db = dbs[Number(key)] ??= {};
    else if (name === 'SET') db[key] = { v: args[0], exp: -1 };
    else if (name === 'RPUSH') get<string[]>(() => []).push(...args);
    else if (name === 'SADD') for (const m of args) get(() => new Set<string>()).add(m);
    else if (name === 'HMSET')
      for (let i = 0; i < args.length; i += 2) get(() => new Map<string, string>()).set(args[i], args[i + 1]);
    else if (name === 'ZADD')
      for (let i = 0; i < args.length; i += 2)
        get(() => new Map<string, number>()).set(args[i + 1], Number(args[i]));
    else if (name === 'PEXPIREAT') db[key].exp = Number(args[0]);
    else throw new Error(`unexpected ${name}`);
  }
  return dbs;
}

function model(dbs: Db[]): Record<number, Model> {
  const out: Record<number, Model> = {};
  for (const d of dbs) {
    if (d.ks.size === 0) continue;
    const m: Model = (out[d.id] = {});
    for (const [k, e] of d.ks.dict) {
      const v = e.value;
      let mv: unknown;
      if (typeof v === 'string') mv = v;
      else if (v instanceof RList) mv = v.toArray();
      else if (v instanceof RSet) mv = new Set(v);
      else if (v instanceof RHash) mv = new Map(v);
      else if (v instanceof RZSet) mv = new Map(v.entries());
      else throw new Error('unexpected type');
      m[k] = { v: mv, exp: e.expireAt };
    }
  }
  return out;
}

test('driven by a Snapshot under concurrent writes, the commands rebuild the dataset as it was at the start', () => {
  const host = new TestHost();
  const dbs = [new Db(0, host), new Db(1, host), new Db(2, host)];
  for (let i = 0; i < 3000; i++) {
    const d = dbs[i % 3];
    d.set(`s${i}`, `v${i}\r\n\xff`);
    if (i % 5 === 0) d.set(`l${i}`, RList.from(range((i % 150) + 1, (j) => `e${j}`)));
    if (i % 7 === 0) d.set(`h${i}`, RHash.from(range((i % 90) + 1, (j) => `f${j}`).map((f) => [f, `${f}!`])));
    if (i % 11 === 0)
      d.set(`z${i}`, RZSet.fromSkiplist(range((i % 70) + 1, (j) => `m${j}`).map((m, j) => [m, j / 3])));
    if (i % 13 === 0) d.set(`set${i}`, RSet.from(range((i % 80) + 1, (j) => String(j * 7))));
    if (i % 17 === 0) d.setExpire(`s${i}`, 1900000000000 + i);
  }
  const before = model(dbs);
  const chunks: Buffer[] = [];
  const snap = new Snapshot(
    dbs.map((d) => d.ks),
    new AofCommandEncoder(),
    (c) => chunks.push(c),
    { sliceMs: 0.2, batch: 40 },
  );
  let round = 0;
  while (!snap.step()) {
    const i = (round * 31) % 3000;
    dbs[i % 3].set(`s${i}`, `changed${round}`);
    dbs[(i + 1) % 3].delete(`s${i + 1}`);
    dbs[1].set(`new${round}`, 'created after the start');
    const l = dbs[0].lookupWrite(`l${(round * 15) % 3000}`);
    if (l instanceof RList) l.pushTail('mutated in place');
    const h = dbs[0].lookupWrite(`h${(round * 21) % 3000}`);
    if (h instanceof RHash) h.set('f0', 'mutated');
    round++;
  }
  expect(round).toBeGreaterThan(10);
  expect(chunks.length).toBeGreaterThan(10);
  expect(replay(parse(Buffer.concat(chunks)).cmds)).toEqual(before);
  for (const d of dbs) expect(d.ks.observer).toBeNull();
});

// Snapshot: point-in-time consistency under concurrent writes, deletes, renames, flushes and in-place
// mutations between slices (copy-on-write per key), read back through the real RDB reader.
import { Db } from '../store/db.js';
import { TestHost } from '../commands/testing.js';
import { RList } from '../store/list.js';
import { Snapshot } from './snapshot.js';
import { RdbWriter } from './rdb-writer.js';
import { readRdb } from './rdb-reader.js';
import type { RValue } from '../store/value.js';
import { RHash } from '../store/hash.js';
import { RSet } from '../store/set.js';
import { RStream } from '../store/stream.js';
import { ID_MAX, formatId } from '../store/stream-id.js';

function norm(v: RValue): unknown {
  if (v instanceof RList) return ['list', v.toArray()];
  if (v instanceof RHash) return ['hash', [...v].sort()];
  if (v instanceof RSet) return ['set', [...v].sort()];
  if (typeof v === 'string') return v;
  if (v instanceof RStream) return ['stream', v.range(0n, ID_MAX).map((e) => [formatId(e.id), e.fields])];
  return ['zset', [...v.entries()]];
}

function dump(dbs: Db[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const db of dbs) for (const [k, e] of db.ks.dict) out[`${db.id}:${k}`] = [norm(e.value), e.expireAt];
  return out;
}

test('a snapshot is the dataset as it was at its start, whatever happens between slices', () => {
  const host = new TestHost();
  const dbs = [new Db(0, host), new Db(1, host), new Db(2, host)];
  for (let i = 0; i < 5000; i++) {
    dbs[i % 2].set(`k${i}`, `v${i}`);
    if (i % 10 === 0) dbs[i % 2].set(`l${i}`, RList.from(['a', 'b']));
    if (i % 7 === 0) dbs[i % 2].set(`h${i}`, RHash.from([['f', 'x']]));
  }
  dbs[1].setExpire('k1', 1900000000000);
  const before = dump(dbs);
  const chunks: Buffer[] = [];
  const snap = new Snapshot(
    dbs.map((d) => d.ks),
    new RdbWriter(),
    (c) => chunks.push(c),
    { sliceMs: 0.2, batch: 50 },
  );
  let round = 0;
  while (!snap.step()) {
    // Writes of every kind between slices.
    const i = (round * 37) % 5000;
    dbs[i % 2].set(`k${i}`, `changed${round}`);
    dbs[(i + 1) % 2].delete(`k${i + 1}`);
    dbs[0].set(`new${round}`, 'created after start');
    const l = dbs[0].lookupWrite(`l${(round * 10) % 5000}`);
    if (l instanceof RList) l.pushTail('mutated in place');
    const h = dbs[1].lookupWrite(`h${(round * 7 + 7) % 5000}`);
    if (h instanceof RHash) h.set('f', 'mutated');
    if (round === 5) dbs[2].set('late-db2', 'x');
    if (round === 20) dbs[1].setExpire('k1', -1);
    round++;
  }
  expect(round).toBeGreaterThan(10);
  const loaded = [new Db(0, host), new Db(1, host), new Db(2, host)];
  readRdb(Buffer.concat(chunks), {
    lazy: true,
    key: (db, k, v, e) => {
      const entry = loaded[db].ks.setLoaded(k, v);
      if (e !== -1) loaded[db].ks.setExpire(k, entry, e);
    },
  });
  expect(dump(loaded)).toEqual(before);
  for (const d of dbs) expect(d.ks.observer).toBeNull();
});

test('FLUSHDB during a snapshot does not change what the snapshot writes', () => {
  const host = new TestHost();
  const dbs = [new Db(0, host)];
  for (let i = 0; i < 2000; i++) dbs[0].set(`k${i}`, 'v');
  const before = dump(dbs);
  const chunks: Buffer[] = [];
  const snap = new Snapshot([dbs[0].ks], new RdbWriter(), (c) => chunks.push(c), { sliceMs: 0.1, batch: 10 });
  snap.step();
  dbs[0].flush();
  dbs[0].set('after-flush', 'x');
  while (!snap.step());
  const loaded = [new Db(0, host)];
  readRdb(Buffer.concat(chunks), { key: (_db, k, v) => loaded[0].ks.setLoaded(k, v) });
  expect(dump(loaded)).toEqual(before);
});

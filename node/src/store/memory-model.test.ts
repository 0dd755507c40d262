// The memory model and the keyspace's running total: the total follows every set, in-place change,
// TTL and delete, and equals the sum of its keys' figures.
import { Db } from './db.js';
import { TestHost } from '../commands/testing.js';
import { keyBytes, stringBytes, valueBytes } from './memory-model.js';
import { RList } from './list.js';
import { RHash } from './hash.js';

test('strings cost a header and their bytes rounded to 8; one-char strings are shared', () => {
  expect(stringBytes(1)).toBe(0);
  expect(stringBytes(2)).toBe(24);
  expect(stringBytes(8)).toBe(24);
  expect(stringBytes(9)).toBe(32);
  expect(stringBytes(1000)).toBe(1016);
});

test('a collection is estimated from sampled elements; SAMPLES 0 reads every element', () => {
  const l = RList.from(['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(9000)]); // past one 8 KB node
  expect(l.compact).toBe(false);
  expect(valueBytes(l, 2)).toBeLessThan(valueBytes(l, 0));
  const small = RList.from(['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(1000)]); // packed: exact
  expect(valueBytes(small, 2)).toBe(valueBytes(small, 0));
  const h = RHash.from([
    ['f1', 'v'.repeat(100)],
    ['f2', 'v'.repeat(100)],
  ]);
  expect(valueBytes(h)).toBe(valueBytes(h, 0));
  expect(valueBytes(h)).toBeGreaterThan(2 * 100);
});

test("the keyspace's total follows writes, in-place changes, TTLs and deletes", () => {
  const host = new TestHost();
  const db = new Db(0, host);
  const sum = (): number => {
    let n = 0;
    for (const [k, e] of db.ks.dict) n += keyBytes(k, e.held, e.expireAt !== -1);
    return n;
  };
  db.set('s', 'x'.repeat(500));
  const h = new RHash();
  db.set('h', h);
  expect(db.ks.bytes).toBe(sum());
  const w = db.lookupWrite('h') as RHash;
  for (let i = 0; i < 100; i++) w.set(`field${i}`, 'y'.repeat(50));
  db.touched('h');
  expect(db.ks.bytes).toBe(sum());
  db.setExpire('s', host.time + 10_000);
  expect(db.ks.bytes).toBe(sum());
  db.delete('h');
  expect(db.ks.bytes).toBe(sum());
  db.delete('s');
  expect(db.ks.bytes).toBe(0);
});

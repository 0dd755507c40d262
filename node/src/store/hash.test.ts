// RHash against a Map model under random writes: contents and order, and the switch from the packed
// form to a Map at hash-max-listpack-entries / -value (never back), as Redis 7.0 converts.
import { RHash } from './hash.js';
import { compactLimits } from './encoding-limits.js';
import { lcg } from '../seeded-random.js';

afterEach(() => {
  compactLimits.hashMaxListpackEntries = 512;
  compactLimits.hashMaxListpackValue = 64;
});

test('RHash matches a Map (insertion order while packed) under random put/delete', () => {
  compactLimits.hashMaxListpackEntries = 40;
  const rnd = lcg(7);
  for (let round = 0; round < 20; round++) {
    const h = new RHash();
    const model = new Map<string, string>();
    let wasConverted = false;
    for (let op = 0; op < 400; op++) {
      const f = `f${Math.floor(rnd() * 50)}`;
      if (rnd() < 0.65) {
        const v = rnd() < 0.01 ? 'L'.repeat(65) : `v${Math.floor(rnd() * 1000)}`;
        expect(h.put(f, v)).toBe(!model.has(f));
        model.set(f, v);
      } else expect(h.delete(f)).toBe(model.delete(f));
      expect(h.size).toBe(model.size);
      expect(h.get(f)).toBe(model.get(f));
      expect(h.has(f)).toBe(model.has(f));
      if (wasConverted) expect(h.compact).toBe(false);
      if (!h.compact) wasConverted = true;
      if (h.compact) expect([...h]).toEqual([...model]);
    }
    expect(new Map(h)).toEqual(model);
    expect([...h.keys()].sort()).toEqual([...model.keys()].sort());
  }
});

test('a hash converts past either limit, and from() picks the encoding the same way', () => {
  compactLimits.hashMaxListpackEntries = 3;
  compactLimits.hashMaxListpackValue = 5;
  const h = new RHash();
  for (const f of ['a', 'b', 'c']) h.put(f, '1');
  expect(h.compact).toBe(true);
  h.put('d', '1');
  expect(h.compact).toBe(false);
  const g = RHash.from([['k', '12345']]);
  expect(g.compact).toBe(true);
  g.put('k', '123456');
  expect(g.compact).toBe(false);
  expect(g.get('k')).toBe('123456');
  expect(RHash.from([['k', '123456']]).compact).toBe(false);
  expect(RHash.from(['a', 'b', 'c', 'd'].map((f) => [f, ''] as [string, string])).compact).toBe(false);
  const loaded = RHash.fromListpack(new Map([['k', '123456789']]));
  expect(loaded.compact).toBe(true); // a listpack loads packed whatever its lengths, as in Redis
  expect(RHash.fromMap(new Map([['k', '123456789']])).compact).toBe(false);
  const c = RHash.from([['x', 'y']]).clone();
  expect([...c]).toEqual([['x', 'y']]);
});

// Randomized test of ChunkedZSet against a sorted-array model: ranks, ranges, counts, pops.
import { ChunkedZSet as RZSet } from './zset-chunks.js';
import { parseLexRange } from '../commands/zset.js';
import { lcg } from '../seeded-random.js';

function model(entries: Map<string, number>): Array<[string, number]> {
  return [...entries].sort((a, b) =>
    a[1] - b[1] !== 0 ? a[1] - b[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
  );
}

test('ChunkedZSet matches a sorted-array model under random operations', () => {
  const z = new RZSet();
  const ref = new Map<string, number>();
  const rand = lcg(42);
  for (let i = 0; i < 30000; i++) {
    const m = `m${Math.floor(rand() * 3000)}`;
    if (rand() < 0.7) {
      const s = Math.floor(rand() * 50) / 2;
      z.add(m, s);
      ref.set(m, s);
    } else {
      expect(z.remove(m)).toBe(ref.delete(m));
    }
    if (i % 997 === 0) {
      const sorted = model(ref);
      expect(z.size).toBe(sorted.length);
      expect([...z.entries()]).toEqual(sorted);
      sorted.forEach(([mm], idx) => {
        expect(z.rank(mm)).toBe(idx);
        expect(z.rank(mm, true)).toBe(sorted.length - 1 - idx);
      });
      const a = Math.floor(rand() * sorted.length);
      const b = Math.min(sorted.length - 1, a + Math.floor(rand() * 20));
      expect(z.rangeByRank(a, b)).toEqual(sorted.slice(a, b + 1));
      expect(z.rangeByRank(a, b, true)).toEqual([...sorted].reverse().slice(a, b + 1));
      const r = { min: 5, max: 15, minEx: true, maxEx: false };
      const inRange = sorted.filter(([, s]) => s > 5 && s <= 15);
      expect(z.rangeByScore(r)).toEqual(inRange);
      expect(z.rangeByScore(r, true)).toEqual([...inRange].reverse());
      expect(z.rangeByScore(r, false, 2, 3)).toEqual(inRange.slice(2, 5));
      expect(z.countInScore(r)).toBe(inRange.length);
    }
  }
  const sorted = model(ref);
  expect(z.pop(3)).toEqual(sorted.slice(0, 3));
  expect(z.pop(2, true)).toEqual(sorted.slice(-2).reverse());
});

test('lex ranges on equal scores', () => {
  const z = new RZSet();
  for (const m of ['a', 'b', 'c', 'd', 'e']) z.add(m, 0);
  const lex = (min: string, max: string): string[] => {
    const r = parseLexRange(min, max);
    return r === null ? [] : z.rangeByLex(r).map(([m]) => m);
  };
  expect(lex('-', '+')).toEqual(['a', 'b', 'c', 'd', 'e']);
  expect(lex('[b', '(d')).toEqual(['b', 'c']);
  expect(lex('(a', '[c')).toEqual(['b', 'c']);
});

test('draining a large set chunk by chunk and refilling it keeps order, ranks and sizes right', () => {
  const z = new RZSet();
  const ref = new Map<string, number>();
  const rand = lcg(9);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 2000; i++) {
      const m = `m${Math.floor(rand() * 5000)}`;
      const s = Math.floor(rand() * 300) - 150 + (rand() < 0.1 ? 0.5 : 0);
      z.add(m, s);
      ref.set(m, s);
    }
    expect([...z.entries()]).toEqual(model(ref));
    // Empty whole chunks from both ends and from the middle (freed slots are reused by later inserts).
    const sorted = model(ref);
    for (const [m] of sorted.slice(0, 700)) expect(z.remove(m)).toBe(ref.delete(m));
    for (const [m] of sorted.slice(-400)) expect(z.remove(m)).toBe(ref.delete(m));
    const mid = model(ref);
    for (const [m] of mid.slice(300, 600)) expect(z.remove(m)).toBe(ref.delete(m));
    const after = model(ref);
    expect(z.size).toBe(after.length);
    expect([...z.entries()]).toEqual(after);
    for (let k = 0; k < after.length; k += 37) expect(z.rank(after[k][0])).toBe(k);
  }
  const rest = model(ref);
  expect(z.pop(rest.length + 5)).toEqual(rest);
  expect(z.size).toBe(0);
  expect([...z.entries()]).toEqual([]);
  z.add('again', 1);
  expect(z.rangeByRank(0, 0)).toEqual([['again', 1]]);
});

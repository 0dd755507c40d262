// RZSet packed and full against a sorted-array model: the same answers from both forms (ranks, score
// and lex ranges, pops, special scores; -0 only as Redis keeps it), and the switch to the full form at zset-max-listpack-entries
// or -value, never back.
import { RZSet } from './zset.js';
import { compactLimits } from './encoding-limits.js';
import { parseLexRange } from '../commands/zset.js';
import { lcg } from '../seeded-random.js';

afterEach(() => {
  compactLimits.zsetMaxListpackEntries = 128;
  compactLimits.zsetMaxListpackValue = 64;
});

function model(entries: Map<string, number>): Array<[string, number]> {
  return [...entries].sort((a, b) => (a[1] !== b[1] ? a[1] - b[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const SCORES = [-Infinity, Infinity, 0, 1.5, -2.25, 1e300, 5e-324, 3];

test('RZSet answers like the model while packed and after converting', () => {
  compactLimits.zsetMaxListpackEntries = 24;
  const rand = lcg(5);
  for (let round = 0; round < 40; round++) {
    const z = new RZSet();
    const ref = new Map<string, number>();
    let converted = false;
    for (let op = 0; op < 120; op++) {
      const m = rand() < 0.01 ? 'L'.repeat(65) : `m${Math.floor(rand() * 30)}`;
      if (rand() < 0.65) {
        const s = rand() < 0.15 ? SCORES[Math.floor(rand() * SCORES.length)] : Math.floor(rand() * 10);
        z.add(m, s);
        if (!ref.has(m) || ref.get(m) !== s) ref.set(m, s);
      } else expect(z.remove(m)).toBe(ref.delete(m));
      if (converted) expect(z.compact).toBe(false);
      if (!z.compact) converted = true;
      const sorted = model(ref);
      expect(z.size).toBe(sorted.length);
      expect(z.score(m)).toBe(ref.get(m));
      if (op % 10 !== 0) continue;
      expect([...z.entries()]).toEqual(sorted);
      sorted.forEach(([mm], i) => {
        expect(z.rank(mm)).toBe(i);
        expect(z.rank(mm, true)).toBe(sorted.length - 1 - i);
      });
      expect(z.rangeByRank(1, 5)).toEqual(sorted.slice(1, 6));
      expect(z.rangeByRank(0, 3, true)).toEqual([...sorted].reverse().slice(0, 4));
      const r = { min: 2, max: 7, minEx: false, maxEx: true };
      const inRange = sorted.filter(([, s]) => s >= 2 && s < 7);
      expect(z.rangeByScore(r)).toEqual(inRange);
      expect(z.rangeByScore(r, true, 1, 2)).toEqual([...inRange].reverse().slice(1, 3));
      expect(z.countInScore(r)).toBe(inRange.length);
    }
    const sorted = model(ref);
    expect(z.pop(2)).toEqual(sorted.slice(0, 2));
    expect(z.pop(3, true)).toEqual(sorted.slice(2).slice(-3).reverse());
    expect([...z.entries()]).toEqual(sorted.slice(2, Math.max(2, sorted.length - 3)));
  }
});

test('packed lex ranges, -0 kept, and the value limit', () => {
  const z = new RZSet();
  for (const m of ['e', 'a', 'c', 'b', 'd']) z.add(m, 0);
  const lex = (min: string, max: string): string[] => {
    const r = parseLexRange(min, max);
    return r === null ? [] : z.rangeByLex(r).map(([m]) => m);
  };
  expect(z.compact).toBe(true);
  expect(lex('-', '+')).toEqual(['a', 'b', 'c', 'd', 'e']);
  expect(lex('[b', '(d')).toEqual(['b', 'c']);
  expect(z.countInLex(parseLexRange('(a', '[c') ?? fail())).toBe(2);
  z.add('neg', -0);
  expect(Object.is(z.score('neg'), 0)).toBe(true); // a listpack holds -0 as 0, as Redis's does
  compactLimits.zsetMaxListpackValue = 3;
  z.add('long', 1);
  expect(z.compact).toBe(false);
  expect(z.rangeByLex(parseLexRange('-', '+') ?? fail()).length).toBe(7);
  z.add('neg2', -0);
  expect(Object.is(z.score('neg2'), -0)).toBe(true); // the full structure keeps it
});

test('packed lex ranges over mixed scores walk as a listpack: nothing unless the ends allow', () => {
  const z = new RZSet();
  z.add('b', 1);
  z.add('a', 2);
  const r = parseLexRange('[b', '[c') ?? fail();
  expect(z.rangeByLex(r)).toEqual([]);
  expect(z.rangeByLex(r, true)).toEqual([]);
  expect(z.countInLex(r)).toBe(0);
  const all = parseLexRange('-', '+') ?? fail();
  expect(z.rangeByLex(all, true).map(([m]) => m)).toEqual(['a', 'b']);
});

function fail(): never {
  throw new Error('bad range');
}

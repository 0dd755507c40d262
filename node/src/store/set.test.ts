// RSet against a Set model under random writes: intsets at every width stay sorted and exact (int16,
// int32, int64 edges), and convert to a Set for good past set-max-intset-entries or on a non-integer.
import { RSet } from './set.js';
import { compactLimits } from './encoding-limits.js';
import { decodeInt, encodeInt, widthOf } from './intset.js';
import { lcg } from '../seeded-random.js';

afterEach(() => {
  compactLimits.setMaxIntsetEntries = 512;
});

const EDGES = [
  '0',
  '-1',
  '32767',
  '-32768',
  '32768',
  '-32769',
  '2147483647',
  '-2147483648',
  '2147483648',
  '-2147483649',
  '4503599627370495',
  '-4503599627370497',
  '9007199254740993',
  '9223372036854775807',
  '-9223372036854775808',
];

function numericSort(xs: string[]): string[] {
  return xs.sort((a, b) => {
    const d = BigInt(a) - BigInt(b);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  });
}

test('every integer edge encodes and decodes exactly at its width and wider ones', () => {
  for (const m of EDGES) {
    const w = widthOf(m);
    for (const at of [1, 2, 4].filter((x) => x >= w)) expect(decodeInt(encodeInt(m, at), 0, at)).toBe(m);
  }
  expect(widthOf('9223372036854775808')).toBe(0);
  expect(widthOf('-0')).toBe(0);
  expect(widthOf('01')).toBe(0);
  expect(widthOf('1.5')).toBe(0);
});

test('RSet matches a Set model, ascending while an intset, under random add/delete', () => {
  compactLimits.setMaxIntsetEntries = 60;
  const rnd = lcg(11);
  for (let round = 0; round < 30; round++) {
    const s = new RSet();
    const model = new Set<string>();
    let converted = false;
    for (let op = 0; op < 300; op++) {
      const r = rnd();
      const m =
        r < 0.1
          ? EDGES[Math.floor(rnd() * EDGES.length)]
          : r < 0.105
            ? `m${op}`
            : String(Math.floor(rnd() * 200) - 100);
      if (rnd() < 0.6) {
        expect(s.put(m)).toBe(!model.has(m));
        model.add(m);
      } else expect(s.delete(m)).toBe(model.delete(m));
      expect(s.has(m)).toBe(model.has(m));
      expect(s.size).toBe(model.size);
      if (converted) expect(s.compact).toBe(false);
      if (!s.compact) converted = true;
      if (s.compact) expect([...s]).toEqual(numericSort([...model]));
    }
    expect(new Set(s)).toEqual(model);
  }
});

test('from() and clone() pick and keep the encoding', () => {
  expect(RSet.from(['3', '1', '2', '1']).compact).toBe(true);
  expect([...RSet.from(['3', '1', '2', '1'])]).toEqual(['1', '2', '3']);
  expect(RSet.from(['1', 'a']).compact).toBe(false);
  compactLimits.setMaxIntsetEntries = 3;
  expect(RSet.from(['1', '2', '3', '4']).compact).toBe(false);
  expect(RSet.from(['1', '2', '3', '3', '2']).compact).toBe(true);
  const c = RSet.from(['5', '-5']).clone();
  expect([...c]).toEqual(['-5', '5']);
});

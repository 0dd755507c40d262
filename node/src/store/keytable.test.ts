// Randomized tests of KeyTable against a Map model: inserts, replacements, deletes (backward shift,
// including runs that wrap around the end of the table), growth, shrinking and iteration.
import { KeyTable, hashKey } from './keytable.js';
import { lcg } from '../seeded-random.js';

/** Compares table and model in plain loops (one expect per check: 50k expect calls would be slow). */
function expectSame(t: KeyTable<number>, ref: Map<string, number>, absent: string[]): void {
  expect(t.size).toBe(ref.size);
  const wrong: string[] = [];
  for (const [k, v] of ref) if (t.get(k) !== v) wrong.push(k);
  for (const k of absent) if (!ref.has(k) && t.get(k) !== undefined) wrong.push(k);
  const seen = new Map<string, number>();
  for (const [k, v] of t) {
    if (seen.has(k)) wrong.push(`twice:${k}`);
    seen.set(k, v);
  }
  let visits = 0;
  t.forEach((v, k) => {
    visits++;
    if (ref.get(k) !== v) wrong.push(`forEach:${k}`);
  });
  expect(wrong).toEqual([]);
  expect(seen).toEqual(ref);
  expect(visits).toBe(ref.size);
}

test('a small table under random churn keeps every key findable (probe runs wrap around)', () => {
  const rand = lcg(7);
  const t = new KeyTable<number>();
  const ref = new Map<string, number>();
  // Keys whose home slots in the 16-slot table are the last three or the first one, so that probe
  // runs keep wrapping around the end (the hash seed is random per process, so pick them by hash).
  const names: string[] = [];
  for (let i = 0; names.length < 10; i++) {
    const home = hashKey(`k${i}`) & 15;
    if (home >= 13 || home === 0) names.push(`k${i}`);
  }
  for (let i = 0; i < 20000; i++) {
    const k = names[Math.floor(rand() * names.length)];
    if (rand() < 0.55) {
      t.set(k, i);
      ref.set(k, i);
    } else {
      expect(t.delete(k)).toBe(ref.delete(k));
    }
    if (i % 50 === 0) expectSame(t, ref, names);
  }
  expectSame(t, ref, names);
});

test('growth to 50k keys, deletion of most (shrinking), and reinsertion match the model', () => {
  const rand = lcg(99);
  const t = new KeyTable<number>();
  const ref = new Map<string, number>();
  const key = (i: number): string => `key:${String(i).padStart(12, '0')}`;
  for (let i = 0; i < 50000; i++) {
    t.set(key(i), i);
    ref.set(key(i), i);
  }
  expectSame(t, ref, [key(50000), key(-1)]);
  for (let i = 0; i < 50000; i++) {
    if (rand() < 0.95) {
      expect(t.delete(key(i))).toBe(true);
      ref.delete(key(i));
    }
  }
  expect(t.delete(key(123456))).toBe(false);
  expectSame(t, ref, [key(1), key(2), key(3)]);
  for (let i = 0; i < 20000; i++) {
    t.set(key(i), -i);
    ref.set(key(i), -i);
  }
  expectSame(t, ref, [key(60000)]);
  t.clear();
  expect(t.size).toBe(0);
  expect(t.get(key(1))).toBeUndefined();
});

test('binary keys, the empty key and non-latin1 strings are distinct keys', () => {
  const t = new KeyTable<string>();
  const keys = ['', '\0', '\0\0', '\xff', 'a', 'A', 'ab', 'abc', 'abcd', 'abcde', '\u20ac', 'x'.repeat(1000)];
  keys.forEach((k) => t.set(k, `v${k.length}:${k}`));
  expect(t.size).toBe(keys.length);
  for (const k of keys) {
    expect(t.has(k)).toBe(true);
    expect(t.get(k)).toBe(`v${k.length}:${k}`);
  }
  expect(t.has('abcdef')).toBe(false);
});

test('hashKey depends on every character and on the length', () => {
  const base = 'key:000000012345';
  const h = hashKey(base);
  for (let i = 0; i < base.length; i++) {
    const changed = base.slice(0, i) + String.fromCharCode(base.charCodeAt(i) ^ 1) + base.slice(i + 1);
    expect(hashKey(changed)).not.toBe(h);
  }
  expect(hashKey('ab')).not.toBe(hashKey('ab\0'));
  expect(hashKey(base)).toBe(h);
});

test('prefetch touches at most one occupied home slot per key and changes nothing', () => {
  const t = new KeyTable<number>();
  for (let i = 0; i < 1000; i++) t.set(`k${i}`, i);
  const touched: number[] = [];
  const args = ['MGET', 'k1', 'k2', 'missing', 'k999', 'k500'];
  t.prefetch(args, 1, 1, (v) => {
    touched.push(v);
    return v;
  });
  // A home slot may hold another key (a collision): it is warmed all the same, once per requested key.
  expect(touched.length).toBeLessThanOrEqual(5);
  expect(touched.length).toBeGreaterThanOrEqual(4);
  expect(t.size).toBe(1000);
  for (let i = 0; i < 1000; i++) expect(t.get(`k${i}`)).toBe(i);
  // Fewer than two keys, or an empty table: nothing to overlap.
  expect(t.prefetch(['GET', 'k1'], 1, 1, () => 1)).toBe(0);
  expect(new KeyTable<number>().prefetch(args, 1, 1, () => 1)).toBeGreaterThanOrEqual(0);
});

test('reserve sizes the table in advance without losing or changing keys', () => {
  const t = new KeyTable<number>();
  t.set('before', 1);
  t.reserve(5000);
  t.reserve(10); // never shrinks
  const ref = new Map<string, number>([['before', 1]]);
  for (let i = 0; i < 5000; i++) {
    t.set(`k${i}`, i);
    ref.set(`k${i}`, i);
  }
  expectSame(t, ref, ['k5000', 'after']);
});

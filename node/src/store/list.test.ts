// RList packed and as a ring buffer against an array model: pushes and pops at both ends, index reads
// and writes, ranges and rebuilds, and the switch at list-max-listpack-size (bytes or a count).
import { RList } from './list.js';
import { compactLimits } from './encoding-limits.js';
import { lcg } from '../seeded-random.js';

afterEach(() => {
  compactLimits.listMaxListpackSize = -2;
});

/** Runs one random sequence; returns whether the list converted on the way. */
function run(seed: number): boolean {
  const rand = lcg(seed);
  const l = new RList();
  const ref: string[] = [];
  let converted = false;
  for (let op = 0; op < 1500; op++) {
    const r = rand();
    const v = rand() < 0.05 ? 'x'.repeat(Math.floor(rand() * 300)) : `e${op}\x00\xff`;
    if (r < 0.3) {
      l.pushTail(v);
      ref.push(v);
    } else if (r < 0.6) {
      l.pushHead(v);
      ref.unshift(v);
    } else if (r < 0.65) expect(l.popHead()).toBe(ref.shift());
    else if (r < 0.7) expect(l.popTail()).toBe(ref.pop());
    else if (r < 0.8 && ref.length > 0) {
      const i = Math.floor(rand() * ref.length);
      l.set(i, v);
      ref[i] = v;
    } else if (r < 0.805) {
      const k = Math.floor(rand() * 6);
      const head = rand() < 0.5;
      const want = head ? ref.splice(0, k) : ref.splice(Math.max(0, ref.length - k)).reverse();
      expect(l.popMany(k, head)).toEqual(want);
    } else if (r < 0.81) {
      const kept = ref.filter((_, i) => i % 3 !== 0);
      l.replaceAll(l.toArray().filter((_, i) => i % 3 !== 0));
      ref.splice(0, ref.length, ...kept);
    } else {
      const i = Math.floor(rand() * (ref.length + 2));
      expect(l.at(i)).toBe(ref[i]);
    }
    expect(l.length).toBe(ref.length);
    if (converted) expect(l.compact).toBe(false);
    if (!l.compact) converted = true;
    if (op % 50 === 0) {
      expect(l.toArray()).toEqual(ref);
      if (ref.length > 2) expect(l.range(1, ref.length - 2)).toEqual(ref.slice(1, -1));
    }
  }
  expect(l.toArray()).toEqual(ref);
  return converted;
}

test('RList matches an array under random operations, packed and past the byte limit', () => {
  compactLimits.listMaxListpackSize = -1; // 4 KB
  const converted = [1, 2, 3, 4, 5, 6].map(run);
  expect(converted).toContain(true);
});

test('a count limit converts at one more element; from() picks the form the same way', () => {
  compactLimits.listMaxListpackSize = 3;
  const l = RList.from(['a', 'b', 'c']);
  expect(l.compact).toBe(true);
  l.pushTail('d');
  expect(l.compact).toBe(false);
  expect(l.toArray()).toEqual(['a', 'b', 'c', 'd']);
  expect(RList.from(['a', 'b', 'c', 'd']).compact).toBe(false);
  compactLimits.listMaxListpackSize = -2;
  expect(RList.from(['y'.repeat(8000)]).compact).toBe(true);
  expect(RList.from(['y'.repeat(8200)]).compact).toBe(false);
});

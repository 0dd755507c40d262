// Unit tests for IdMap, the sorted ID map of the pending entries lists: order kept whatever the
// insertion order, replacement in place, deletion at either end and in the middle, ranges.
import { IdMap } from './stream-group.js';
import { makeId } from './stream-id.js';

const id = (ms: number, seq = 0) => makeId(BigInt(ms), BigInt(seq));

describe('IdMap', () => {
  test('keeps IDs sorted and values aligned, whatever the insertion order', () => {
    const m = new IdMap<string>();
    for (const [ms, seq] of [
      [5, 0],
      [1, 0],
      [3, 2],
      [3, 1],
      [9, 0],
      [2 ** 60, 0],
    ])
      m.set(id(ms, seq), `${ms}-${seq}`);
    expect(m.keys).toEqual([id(1), id(3, 1), id(3, 2), id(5), id(9), id(2 ** 60)]);
    expect(m.values()).toEqual(['1-0', '3-1', '3-2', '5-0', '9-0', `${2 ** 60}-0`]);
    m.set(id(3, 2), 'replaced');
    expect(m.size).toBe(6);
    expect(m.get(id(3, 2))).toBe('replaced');
    expect(m.get(id(4))).toBeUndefined();
    expect(m.has(id(9))).toBe(true);
    expect(m.has(id(10))).toBe(false);
  });

  test('deletes at the front, the back and the middle; ranges are inclusive and bounded', () => {
    const m = new IdMap<number>();
    for (let i = 1; i <= 10; i++) m.set(id(i), i);
    expect(m.delete(id(1))).toBe(true);
    expect(m.delete(id(10))).toBe(true);
    expect(m.delete(id(5))).toBe(true);
    expect(m.delete(id(5))).toBe(false);
    expect(m.values()).toEqual([2, 3, 4, 6, 7, 8, 9]);
    expect(m.range(id(3), id(7))).toEqual([3, 4, 6, 7]);
    expect(m.range(id(3), id(7), 2)).toEqual([3, 4]);
    expect(m.range(id(4, 1), id(5))).toEqual([]);
    expect(m.lowerBound(id(5))).toBe(3);
  });

  test('IDs that share their low 64 bits (the sequence) stay distinct', () => {
    const m = new IdMap<number>();
    for (let i = 0; i < 5000; i++) m.set(id(1_700_000_000_000 + i), i);
    for (let i = 0; i < 5000; i += 499) expect(m.get(id(1_700_000_000_000 + i))).toBe(i);
    expect(m.size).toBe(5000);
  });
});

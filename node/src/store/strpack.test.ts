// strpack: length headers at every size class, element reads in place, splices that stay flat copies.
import {
  elementAt,
  elementIs,
  encodeLen,
  headerLen,
  pack,
  readLen,
  skip,
  splice,
  unpackAll,
} from './strpack.js';

test('a length header reads back at every size class, and headerLen is its size', () => {
  for (const n of [0, 1, 127, 128, 300, 16383, 16384, 2097151, 2097152, 268435455, 268435456, 4294967295]) {
    const h = encodeLen(n);
    expect(h.length).toBe(headerLen(n));
    expect(readLen(h + 'tail', 0)).toBe(n);
  }
});

test('elements are read in place, including empty and binary ones', () => {
  const items = ['', 'a', '\x00\xff\x80', 'x'.repeat(200), 'last'];
  const p = pack(items);
  expect(unpackAll(p)).toEqual(items);
  let pos = 0;
  for (const s of items) {
    expect(elementAt(p, pos)).toBe(s);
    expect(elementIs(p, pos, s)).toBe(true);
    expect(elementIs(p, pos, s + 'z')).toBe(false);
    pos = skip(p, pos);
  }
  expect(pos).toBe(p.length);
});

test('splice replaces, inserts and removes elements at the front, middle and end', () => {
  const p = pack(['a', 'bb', 'ccc']);
  const second = skip(p, 0);
  const third = skip(p, second);
  expect(unpackAll(splice(p, second, third, ['X']))).toEqual(['a', 'X', 'ccc']);
  expect(unpackAll(splice(p, 0, 0, ['0']))).toEqual(['0', 'a', 'bb', 'ccc']);
  expect(unpackAll(splice(p, p.length, p.length, ['d', 'e']))).toEqual(['a', 'bb', 'ccc', 'd', 'e']);
  expect(unpackAll(splice(p, 0, second, []))).toEqual(['bb', 'ccc']);
  expect(unpackAll(splice(p, third, p.length, []))).toEqual(['a', 'bb']);
  expect(unpackAll(splice(p, second, third, []))).toEqual(['a', 'ccc']);
  expect(splice(p, 0, p.length, [])).toBe('');
});

import { lcs, lcsTableBytes } from './lcs.js';

describe('LCS', () => {
  test('the subsequence, its length and the matches from the ends backwards', () => {
    const r = lcs('ohmytext', 'mynewtext', true);
    expect(r.text).toBe('mytext');
    expect(r.len).toBe(6);
    expect(r.matches).toEqual([
      { a: [4, 7], b: [5, 8], len: 4 },
      { a: [2, 3], b: [0, 1], len: 2 },
    ]);
    expect(lcs('abc', '', true)).toEqual({ len: 0, text: '', matches: [] });
    expect(lcs('abc', 'abc', false).len).toBe(3);
    expect(lcsTableBytes('ab', 'abc')).toBe(48);
  });
});

// Unit tests for globMatch: Redis stringmatchlen semantics (checked against redis-server 7.0), its
// quirks, and linear-ish behaviour on patterns that blow up naive backtracking.
import { globMatch } from './glob.js';

describe('globMatch', () => {
  test('literals, ? and *', () => {
    expect(globMatch('hello', 'hello')).toBe(true);
    expect(globMatch('hello', 'hell')).toBe(false);
    expect(globMatch('hello', 'helloo')).toBe(false);
    expect(globMatch('h?llo', 'hallo')).toBe(true);
    expect(globMatch('h?llo', 'hllo')).toBe(false);
    expect(globMatch('h*llo', 'hllo')).toBe(true);
    expect(globMatch('h*llo', 'heeeello')).toBe(true);
    expect(globMatch('h*llo', 'heeeellox')).toBe(false);
    expect(globMatch('*', 'anything')).toBe(true);
    expect(globMatch('**', 'x')).toBe(true);
    expect(globMatch('a*', 'a')).toBe(true);
    expect(globMatch('a*b*', 'ab')).toBe(true);
    expect(globMatch('*a', 'bab')).toBe(false);
    expect(globMatch('*ab', 'aab')).toBe(true);
    expect(globMatch('?*?', 'ab')).toBe(true);
    expect(globMatch('?*?', 'a')).toBe(false);
  });

  test('an empty string matches only the empty pattern (as in Redis)', () => {
    expect(globMatch('', '')).toBe(true);
    expect(globMatch('*', '')).toBe(false);
    expect(globMatch('**', '')).toBe(false);
    expect(globMatch('', 'a')).toBe(false);
  });

  test('classes: sets, negation, ranges in either order, escapes', () => {
    expect(globMatch('h[ae]llo', 'hello')).toBe(true);
    expect(globMatch('h[ae]llo', 'hallo')).toBe(true);
    expect(globMatch('h[ae]llo', 'hillo')).toBe(false);
    expect(globMatch('h[^e]llo', 'hallo')).toBe(true);
    expect(globMatch('h[^e]llo', 'hello')).toBe(false);
    expect(globMatch('h[a-c]llo', 'hbllo')).toBe(true);
    expect(globMatch('h[a-c]llo', 'hdllo')).toBe(false);
    expect(globMatch('h[c-a]llo', 'hbllo')).toBe(true);
    expect(globMatch('[\\]]', ']')).toBe(true);
    expect(globMatch('[\\-]', '-')).toBe(true);
    expect(globMatch('[a\\-z]', 'b')).toBe(false);
    expect(globMatch('[]', 'a')).toBe(false);
    expect(globMatch('[^]', 'a')).toBe(true);
  });

  test('Redis quirks: unterminated classes, "-]" ranges, trailing backslash', () => {
    // An unterminated class takes the rest of the pattern.
    expect(globMatch('[abc', 'b')).toBe(true);
    expect(globMatch('[abc', 'bc')).toBe(false);
    // In "[a-]" the ']' ends the range (']' .. 'a'), so the class continues to the next ']'.
    expect(globMatch('[a-]x]', '^')).toBe(true);
    expect(globMatch('[a-]x]', 'x')).toBe(true);
    expect(globMatch('[a-]x]', 'b')).toBe(false);
    // A trailing backslash is a literal backslash.
    expect(globMatch('a\\', 'a\\')).toBe(true);
    expect(globMatch('\\*', '*')).toBe(true);
    expect(globMatch('\\*', 'x')).toBe(false);
    expect(globMatch('\\?', '?')).toBe(true);
    expect(globMatch('\\[a]', '[a]')).toBe(true);
  });

  test('nocase', () => {
    expect(globMatch('HeLLo', 'hello', true)).toBe(true);
    expect(globMatch('HeLLo', 'hello')).toBe(false);
    expect(globMatch('h[A-C]llo', 'hbllo', true)).toBe(true);
    expect(globMatch('h[^B]llo', 'hbllo', true)).toBe(false);
    expect(globMatch('[xY]', 'y', true)).toBe(true);
  });

  test('binary (latin1) strings compare byte by byte', () => {
    expect(globMatch('\xff*\x00', '\xffab\x00')).toBe(true);
    expect(globMatch('[\x80-\xff]', '\xc3')).toBe(true);
    expect(globMatch('[\x80-\xff]', 'a')).toBe(false);
  });

  test('no exponential blow-up on many stars', () => {
    const s = 'a'.repeat(5000);
    const t0 = Date.now();
    expect(globMatch('a*a*a*a*a*a*a*a*a*a*a*a*b', s)).toBe(false);
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*', s)).toBe(true);
    expect(globMatch('*'.repeat(100) + 'b', s)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

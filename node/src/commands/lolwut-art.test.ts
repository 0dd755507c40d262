// Unit tests of LOLWUT's drawing (lolwut-art.ts): a Schotter whose two rows have no randomness drawn
// as redis-server 7.0.15 draws it (its reply to LOLWUT VERSION 5 10 3 2), the canvas sizes Redis
// computes, the skyline's colours and layout, with a seeded random source so every run repeats.
import { lcg } from '../seeded-random.js';
import {
  Canvas,
  GRAY_ESCAPES,
  RAND_MAX,
  drawSchotter,
  drawSkyline,
  renderBraille,
  renderGrays,
  type Rand,
} from './lolwut-art.js';
import { lolwutKind } from './lolwut.js';

const seeded = (seed: number): Rand => {
  const next = lcg(seed);
  return () => Math.floor(next() * RAND_MAX);
};
const utf8 = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

test('Schotter without random rows is the picture redis-server draws', () => {
  // redis-server 7.0.15: LOLWUT VERSION 5 10 3 2 (rows 0 and 1 are never moved nor turned).
  const expected = '⢰⠒⠒⢲⠒⠒⣶⠒⠒⡆\n⢸⣀⣀⣸⣀⣀⣿⣀⣀⡇\n⢸⠀⠀⢸⠀⠀⣿⠀⠀⡇\n⠘⠒⠒⠚⠒⠒⠛⠒⠒⠃\n';
  expect(utf8(renderBraille(drawSchotter(10, 3, 2, seeded(1))))).toBe(expected);
  // One column, one square: no padding (the canvas is 2 pixels wide).
  const tiny = drawSchotter(1, 1, 1, seeded(1));
  expect([tiny.width, tiny.height]).toEqual([2, 2]);
});

test('Schotter canvas sizes and text shape follow Redis (66 columns, 8 x 12 squares by default)', () => {
  const c = drawSchotter(66, 8, 12, seeded(7));
  expect([c.width, c.height]).toEqual([132, 196]);
  const lines = utf8(renderBraille(c)).split('\n');
  // 49 text rows of 66 characters, then the empty string after the last newline.
  expect(lines.length).toBe(50);
  expect(lines.slice(0, 49).every((l) => [...l].length === 66)).toBe(true);
  expect(lines[49]).toBe('');
  for (const ch of lines.join('')) expect(ch.charCodeAt(0) >> 8).toBe(0x28);
  // The lower rows are disordered by the random source: two seeds, two pictures; one seed, one.
  expect(renderBraille(drawSchotter(66, 8, 12, seeded(7)))).toBe(renderBraille(c));
  expect(renderBraille(drawSchotter(66, 8, 12, seeded(8)))).not.toBe(renderBraille(c));
});

test('lines are drawn pixel by pixel, also beyond the canvas edges', () => {
  const c = new Canvas(4, 4);
  c.line(-2, -2, 5, 5, 1);
  expect([...c.pixels]).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  expect(c.get(9, 9)).toBe(0);
});

test('the skyline: white sky, gray towers behind, black towers with two-pixel windows', () => {
  const c = drawSkyline(80, 20, seeded(3));
  expect(new Set(c.pixels)).toEqual(new Set([0, 1, 2, 3]));
  // No tower is taller than the canvas allows: the top row is sky.
  for (let x = 0; x < 80; x++) expect(c.get(x, 0)).toBe(3);
  const rows = renderGrays(c).split('\n');
  expect(rows.length).toBe(20);
  const cell = new RegExp(`^(?:${GRAY_ESCAPES.map((e) => `\\x1b\\[${e} \\x1b\\[0m`).join('|')}){80}$`);
  for (const r of rows) expect(r).toMatch(cell);
  // A one-row canvas holds no tower at all.
  expect([...drawSkyline(7, 1, seeded(3)).pixels]).toEqual([3, 3, 3, 3, 3, 3, 3]);
});

test('which art a version gets', () => {
  expect(lolwutKind('7.0.15')).toBe('version');
  expect(lolwutKind('5.0.0')).toBe(5);
  expect(lolwutKind('4.9.0')).toBe(5);
  expect(lolwutKind('6.0.0')).toBe(6);
  expect(lolwutKind('5.9.0')).toBe(6);
  expect(lolwutKind('6.9.0')).toBe('version');
  expect(lolwutKind('59.0.0')).toBe('version');
});

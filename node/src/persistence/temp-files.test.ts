import { staleTempRdbFiles, tempRdbPid } from './temp-files.js';

test('recognises every temp RDB name the node writes, and nothing else', () => {
  expect(tempRdbPid('temp-12.rdb')).toBe(12);
  expect(tempRdbPid('temp-bg-7.rdb')).toBe(7);
  expect(tempRdbPid('temp-1764000000000.33.rdb')).toBe(33);
  expect(tempRdbPid('temp-repl-5-1764000000000.rdb')).toBe(5);
  for (const n of ['dump.rdb', 'temp-x.rdb', 'temp-12.rdb.bak', 'mytemp-12.rdb', 'temp-bg-.rdb'])
    expect(tempRdbPid(n)).toBeNull();
});

test('stale: written by this pid before it started, or by a dead process; a live writer keeps its file', () => {
  const alive = new Set([100]);
  const names = ['temp-1.rdb', 'temp-bg-100.rdb', 'temp-bg-200.rdb', 'dump.rdb', 'temp-9.1.rdb'];
  expect(staleTempRdbFiles(names, 1, (p) => alive.has(p))).toEqual([
    'temp-1.rdb',
    'temp-bg-200.rdb',
    'temp-9.1.rdb',
  ]);
});

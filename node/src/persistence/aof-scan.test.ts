// Unit tests for reading AOF commands: annotations, whole commands, a short tail, a bad format, and a
// transaction cut before its EXEC.
import { scanAof } from './aof-scan.js';

const cmd = (...a: string[]) => `*${a.length}\r\n${a.map((x) => `$${x.length}\r\n${x}\r\n`).join('')}`;

function scan(text: string) {
  const got: string[][] = [];
  const r = scanAof(Buffer.from(text, 'latin1'), 0, (argv) => got.push(argv));
  return { ...r, got };
}

describe('scanAof', () => {
  test('reads commands and skips #TS annotations', () => {
    const text = `#TS:1700000000\r\n${cmd('SELECT', '0')}${cmd('SET', 'k', 'v\r\nx')}`;
    const r = scan(text);
    expect(r.end).toBe('ok');
    expect(r.got).toEqual([
      ['SELECT', '0'],
      ['SET', 'k', 'v\r\nx'],
    ]);
    expect(r.validUpTo).toBe(text.length);
  });

  test('a short tail is truncated at the last whole command', () => {
    const whole = cmd('SET', 'a', '1');
    for (const cut of [1, 5, 12, cmd('SET', 'b', '22').length - 1]) {
      const r = scan(whole + cmd('SET', 'b', '22').slice(0, cut));
      expect(r.end).toBe('truncated');
      expect(r.validUpTo).toBe(whole.length);
      expect(r.got).toEqual([['SET', 'a', '1']]);
    }
  });

  test('garbage is a bad format', () => {
    expect(scan(`${cmd('PING')}garbage\r\n`).end).toBe('bad-format');
    expect(scan('*x\r\n').end).toBe('bad-format');
    expect(scan('*1\r\n#4\r\nPING\r\n').end).toBe('bad-format');
  });

  test('a transaction runs only with its EXEC; cut before it, it is reverted', () => {
    const before = cmd('SET', 'a', '1');
    const tx = cmd('MULTI') + cmd('SET', 'b', '2');
    const open = scan(before + tx);
    expect(open.end).toBe('truncated');
    expect(open.openMulti).toBe(true);
    expect(open.validUpTo).toBe(before.length);
    expect(open.got).toEqual([['SET', 'a', '1']]);
    const closed = scan(before + tx + cmd('EXEC'));
    expect(closed.end).toBe('ok');
    expect(closed.got.map((a) => a[0])).toEqual(['SET', 'MULTI', 'SET', 'EXEC']);
  });
});

// Unit tests for AofBuffer: the bytes equal the RESP encoding of the same commands, through growth and clears.
import { AofBuffer } from './aof-buffer.js';
import * as R from '../protocol/reply.js';
import { lcg } from '../seeded-random.js';

describe('AofBuffer', () => {
  test('encodes commands as RESP arrays, byte for byte as the reply encoder does', () => {
    const b = new AofBuffer();
    b.appendCommand(['SET', 'k', '']);
    b.appendRaw('#TS:1700000000\r\n');
    b.appendCommand(['HSET', 'h\r\n', '\u00ff\u0000']);
    expect(b.bytes().toString('latin1')).toBe(
      R.command(['SET', 'k', '']) + '#TS:1700000000\r\n' + R.command(['HSET', 'h\r\n', '\u00ff\u0000']),
    );
    expect(b.length).toBe(b.bytes().length);
  });

  test('multi-digit counts and lengths, bytes 0x80-0xff, arguments either side of the JS-copy limit', () => {
    const b = new AofBuffer();
    const argv = ['MSET'];
    for (let i = 0; i < 111; i++) argv.push(`k${i}`, '\u00e9'.repeat(i));
    b.appendCommand(argv);
    expect(b.bytes().toString('latin1')).toBe(R.command(argv));
  });

  test('grows past its first capacity and starts empty after clear', () => {
    const rnd = lcg(7);
    const int = (n: number): number => Math.floor(rnd() * n);
    const b = new AofBuffer();
    let expected = '';
    for (let i = 0; i < 3000; i++) {
      const argv = ['RPUSH', `key:${i}`, 'x'.repeat(int(900)), String.fromCharCode(int(256))];
      b.appendCommand(argv);
      expected += R.command(argv);
    }
    expect(b.length).toBeGreaterThan(1024 * 1024);
    expect(b.bytes().toString('latin1')).toBe(expected);
    b.clear();
    expect(b.length).toBe(0);
    b.appendCommand(['PING']);
    expect(b.bytes().toString('latin1')).toBe('*1\r\n$4\r\nPING\r\n');
  });
});

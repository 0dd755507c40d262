// Unit tests for the HyperLogLog commands against TestCtx (no sockets): replies, Redis's errors, keyspace
// events, which calls count as a change (PFCOUNT's cache write-back, PFDEBUG's conversion), TTLs kept.
import { commands as hllCommands } from './hyperloglog.js';
import { commands as stringCommands } from './string.js';
import { commands as keyspaceCommands } from './keyspace.js';
import { commands as listCommands } from './list.js';
import { TestCtx, REPLY_WRONGTYPE } from './testing.js';
import { patLen } from '../store/hyperloglog.js';

const NOT_HLL = { error: 'WRONGTYPE Key is not a valid HyperLogLog string value.' };
const CORRUPT = { error: 'INVALIDOBJ Corrupted HLL object detected' };
const HDR_SPARSE = 'HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80';

function ctx(): TestCtx {
  return new TestCtx([...hllCommands, ...stringCommands, ...keyspaceCommands, ...listCommands]);
}

describe('PFADD', () => {
  test('creates the key even without elements, then reports whether a register changed', () => {
    const c = ctx();
    expect(c.run('PFADD', 'h')).toBe(1);
    expect(c.eventNames()).toEqual(['new:h', 'pfadd:h']);
    expect(c.run('GET', 'h')).toBe(`${HDR_SPARSE}\x7f\xff`);
    expect(c.run('OBJECT', 'ENCODING', 'h')).toBe('raw');
    expect(c.run('PFADD', 'h')).toBe(0);
    expect(c.events).toEqual([]);
    expect(c.run('PFADD', 'h', 'a', 'b', 'c')).toBe(1);
    expect(c.eventNames()).toEqual(['pfadd:h']);
    c.host.touched.length = 0;
    expect(c.run('PFADD', 'h', 'a', 'b')).toBe(0);
    expect(c.host.touched).toEqual([]);
    expect(c.run('PFCOUNT', 'h')).toBe(3);
  });

  test('wrong types and strings that are not HLLs', () => {
    const c = ctx();
    c.run('RPUSH', 'l', 'x');
    expect(c.run('PFADD', 'l', 'a')).toEqual(REPLY_WRONGTYPE);
    c.run('SET', 's', 'not an hll at all');
    expect(c.run('PFADD', 's', 'a')).toEqual(NOT_HLL);
    c.run('SET', 's', 'HYLL\x02\0\0\0\0\0\0\0\0\0\0\0\x7f\xff');
    expect(c.run('PFADD', 's', 'a')).toEqual(NOT_HLL);
    c.run('SET', 's', 'HYLL\0\0\0\0\0\0\0\0\0\0\0\0\x7f\xff');
    expect(c.run('PFCOUNT', 's')).toEqual(NOT_HLL);
  });

  test('keeps the TTL: the string is changed in place', () => {
    const c = ctx();
    c.run('PFADD', 'h', 'a');
    c.run('EXPIRE', 'h', '100');
    c.run('PFADD', 'h', 'b', 'c', 'd');
    expect(c.run('TTL', 'h')).toBe(100);
  });

  test('a corrupt sparse HLL: the registers raised before the error stay, unannounced', () => {
    const c = ctx();
    // XZERO:16383 covers registers 0..16382 only; 'a' goes to 12711 and '' to 5938, 'x'.repeat(100)
    // to 15288: all reachable. An element hashing to 16383 is not.
    c.run('SET', 'h', `${HDR_SPARSE}\x7f\xfe`);
    expect(c.run('PFADD', 'h', 'a')).toBe(1);
    expect(c.run('PFCOUNT', 'h')).toEqual(CORRUPT);
    expect(c.run('PFCOUNT', 'h', 'other')).toEqual(CORRUPT);
    c.run('SET', 'h', `${HDR_SPARSE}`);
    expect(c.run('PFADD', 'h', 'a')).toEqual(CORRUPT);
    expect(c.events).toEqual([]);
    // 'a' is added, then an element for register 16383 finds no opcode covering it.
    let last = 0;
    while (patLen(`e${last}`).index !== 16383) last++;
    c.run('SET', 'h', `${HDR_SPARSE}\x7f\xfe`);
    c.host.touched.length = 0;
    expect(c.run('PFADD', 'h', 'a', `e${last}`)).toEqual(CORRUPT);
    expect(c.events).toEqual([]);
    expect(c.host.touched).toEqual([]);
    expect(c.run('PFDEBUG', 'DECODE', 'h')).toBe('Z:12711 v:2,1 Z:3671');
  });
});

describe('PFCOUNT', () => {
  test('one key: a stale cache is computed and written back (a change); a valid one is returned', () => {
    const c = ctx();
    expect(c.run('PFCOUNT', 'missing')).toBe(0);
    expect(c.eventNames()).toEqual(['keymiss:missing']);
    c.run('PFADD', 'h', 'a', 'b', 'c', 'd', 'e');
    c.host.touched.length = 0;
    expect(c.run('PFCOUNT', 'h')).toBe(5);
    expect(c.host.touched).toEqual(['h']);
    const v = c.run('GET', 'h') as string;
    expect(v.slice(8, 16)).toBe('\x05\0\0\0\0\0\0\0');
    c.host.touched.length = 0;
    expect(c.run('PFCOUNT', 'h')).toBe(5);
    expect(c.host.touched).toEqual([]);
  });

  test('a valid cache is believed without looking at the registers', () => {
    const c = ctx();
    c.run('SET', 'h', 'HYLL\x01\0\0\0\x2a\0\0\0\0\0\0\0garbage');
    expect(c.run('PFCOUNT', 'h')).toBe(42);
    expect(c.run('OBJECT', 'ENCODING', 'h')).toBe('raw');
  });

  test('several keys: the union, nothing written', () => {
    const c = ctx();
    c.run('PFADD', 'a', 'x', 'y', 'z');
    c.run('PFADD', 'b', 'z', 'w');
    const before = [c.run('GET', 'a'), c.run('GET', 'b')];
    c.host.touched.length = 0;
    expect(c.run('PFCOUNT', 'a', 'b', 'missing')).toBe(4);
    expect(c.host.touched).toEqual([]);
    expect([c.run('GET', 'a'), c.run('GET', 'b')]).toEqual(before);
    c.run('RPUSH', 'l', 'x');
    expect(c.run('PFCOUNT', 'a', 'l')).toEqual(REPLY_WRONGTYPE);
  });
});

describe('PFMERGE', () => {
  test('merges the sources and the destination itself, announced as pfadd', () => {
    const c = ctx();
    c.run('PFADD', 'a', 'x', 'y');
    c.run('PFADD', 'b', 'y', 'z');
    expect(c.run('PFMERGE', 'd', 'a', 'b', 'missing')).toBe('OK');
    expect(c.eventNames()).toEqual(['keymiss:d', 'keymiss:missing', 'new:d', 'pfadd:d']);
    expect(c.run('PFCOUNT', 'd')).toBe(3);
    c.run('PFADD', 'e', 'q');
    expect(c.run('PFMERGE', 'e', 'd')).toBe('OK');
    expect(c.run('PFCOUNT', 'e')).toBe(4);
    expect(c.run('PFMERGE', 'alone')).toBe('OK');
    expect(c.run('PFCOUNT', 'alone')).toBe(0);
  });

  test('the destination is dense when any input is, sparse otherwise', () => {
    const c = ctx();
    c.run('PFADD', 'a', 'x');
    c.run('PFADD', 'b', 'y');
    c.run('PFDEBUG', 'TODENSE', 'b');
    c.run('PFMERGE', 's', 'a');
    expect(c.run('PFDEBUG', 'ENCODING', 's')).toBe('sparse');
    c.run('PFMERGE', 'd', 'a', 'b');
    expect(c.run('PFDEBUG', 'ENCODING', 'd')).toBe('dense');
    c.run('PFMERGE', 's', 'd');
    expect(c.run('PFDEBUG', 'ENCODING', 's')).toBe('dense');
  });

  test('wrong types and corrupt sources leave the destination alone', () => {
    const c = ctx();
    c.run('RPUSH', 'l', 'x');
    expect(c.run('PFMERGE', 'd', 'l')).toEqual(REPLY_WRONGTYPE);
    c.run('SET', 'bad', `${HDR_SPARSE}\x7f\xfe`);
    expect(c.run('PFMERGE', 'd', 'bad')).toEqual(CORRUPT);
    expect(c.run('EXISTS', 'd')).toBe(0);
    expect(c.run('PFMERGE', 'l', 'd')).toEqual(REPLY_WRONGTYPE);
  });
});

describe('PFDEBUG and the command specs', () => {
  test('GETREG, DECODE, ENCODING, TODENSE and their errors', () => {
    const c = ctx();
    expect(c.run('PFDEBUG', 'GETREG', 'h')).toEqual({ error: 'ERR The specified key does not exist' });
    c.run('PFADD', 'h', 'a', 'b');
    expect(c.run('PFDEBUG', 'DECODE', 'h')).toBe('Z:12711 v:2,1 Z:3068 v:1,1 Z:603');
    expect(c.run('PFDEBUG', 'ENCODING', 'h')).toBe('sparse');
    expect(c.run('PFDEBUG', 'nope', 'h')).toEqual({ error: "ERR Unknown PFDEBUG subcommand 'nope'" });
    c.host.touched.length = 0;
    const regs = c.run('PFDEBUG', 'GETREG', 'h') as number[];
    expect(c.host.touched).toEqual([]);
    expect(regs.length).toBe(16384);
    expect(regs[12711]).toBe(2);
    expect(regs[15780]).toBe(1);
    expect(regs.filter((r) => r !== 0).length).toBe(2);
    expect(c.run('PFDEBUG', 'ENCODING', 'h')).toBe('dense');
    expect(c.run('PFDEBUG', 'DECODE', 'h')).toEqual({ error: 'ERR HLL encoding is not sparse' });
    expect(c.run('PFDEBUG', 'TODENSE', 'h')).toBe(0);
    c.run('PFADD', 'g', 'a');
    expect(c.run('PFDEBUG', 'TODENSE', 'g')).toBe(1);
    expect((c.run('GET', 'g') as string).length).toBe(12304);
    c.run('SET', 's', 'x');
    expect(c.run('PFDEBUG', 'ENCODING', 's')).toEqual(NOT_HLL);
    c.run('SET', 'bad', `${HDR_SPARSE}\x7f\xfe`);
    expect(c.run('PFDEBUG', 'TODENSE', 'bad')).toEqual(CORRUPT);
  });

  test('the specs: arity, flags and keys as COMMAND INFO shows them in Redis 7.0', () => {
    const info = hllCommands.map((s) => [s.name, s.arity, s.flags.join(' '), s.firstKey, s.lastKey, s.step]);
    expect(info).toEqual([
      ['pfadd', -2, 'write denyoom fast', 1, 1, 1],
      ['pfcount', -2, 'readonly', 1, -1, 1],
      ['pfmerge', -2, 'write denyoom', 1, -1, 1],
      ['pfdebug', 3, 'write denyoom admin', 2, 2, 1],
      ['pfselftest', 1, 'admin', 0, 0, 0],
    ]);
  });
});

// Integration, side by side with redis-server 7.0: bitmaps, differentially. The same commands go to
// Debian's redis-server and to tsredis-server over raw RESP and the replies are compared byte for byte:
// SETBIT / GETBIT, BITCOUNT and BITPOS with BYTE and BIT ranges (negative, reversed, past the end),
// BITOP AND / OR / XOR / NOT (missing keys, different lengths, an empty result deleting the target),
// BITFIELD and BITFIELD_RO (signed and unsigned widths, `#` offsets, OVERFLOW WRAP / SAT / FAIL, every
// argument error), then a seeded randomized differential over all of them (BITMAPS_SEED overrides the
// seed) with the final values compared too, and what a replica receives. One deliberate difference, not
// exercised here: a BITFIELD whose writes all FAIL but which created or grew the string is propagated by
// tsredis (Redis 7.0 keeps that string on the master only, and its replicas then differ).
import { type Arg } from './helpers/raw-resp.js';
import { Diffs, serverPair, type Case } from './helpers/differential.js';
import { compareReplicationStream } from './helpers/side-effects.js';
import { rng } from './helpers/dataset.js';
import { Gen } from './helpers/gen.js';

const P = serverPair();

const runGroup = P.runGroup;

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);

const CASES: Case[] = [
  {
    name: 'SETBIT, GETBIT, BITCOUNT',
    steps: [
      ['SETBIT', 'k', '7', '1'],
      ['SETBIT', 'k', '100', '1'],
      ['SETBIT', 'k', '100', '1'],
      ['SETBIT', 'k', '-1', '1'],
      ['SETBIT', 'k', '4294967296', '1'],
      ['SETBIT', 'k', '1', '2'],
      ['SETBIT', 'k', 'x', '1'],
      ['GETBIT', 'k', '7'],
      ['GETBIT', 'k', '99999'],
      ['GETBIT', 'k', '-1'],
      ['GET', 'k'],
      ['SET', 's', 'foobar'],
      ['BITCOUNT', 's'],
      ['BITCOUNT', 's', '0', '0'],
      ['BITCOUNT', 's', '1', '1'],
      ['BITCOUNT', 's', '-2', '-1'],
      ['BITCOUNT', 's', '-1', '-2'],
      ['BITCOUNT', 's', '-1', '-2', 'FOO'],
      ['BITCOUNT', 's', '2', '1'],
      ['BITCOUNT', 's', '-100', '100'],
      ['BITCOUNT', 's', '5', '30', 'BIT'],
      ['BITCOUNT', 's', '5', '30', 'byte'],
      ['BITCOUNT', 's', '-5', '-1', 'BIT'],
      ['BITCOUNT', 's', '0', '-1', 'bit'],
      ['BITCOUNT', 's', '40', '1000', 'BIT'],
      ['BITCOUNT', 's', '1', '1', 'FOO'],
      ['BITCOUNT', 's', '1'],
      ['BITCOUNT', 's', '1', '2', 'BIT', 'x'],
      ['BITCOUNT', 's', 'x', '2'],
      ['BITCOUNT', 'missing', 'x'],
      ['BITCOUNT', 'missing'],
      ['LPUSH', 'l', 'a'],
      ['BITCOUNT', 'l'],
      ['SETBIT', 'l', '1', '1'],
      ['GETBIT', 'l', '1'],
      ['SET', 'n', '12345'],
      ['BITCOUNT', 'n'],
      ['SETBIT', 'n', '2', '1'],
      ['GET', 'n'],
      ['OBJECT', 'ENCODING', 'n'],
    ],
  },
  {
    name: 'BITPOS',
    steps: [
      ['SET', 'k', b(0xff, 0xf0, 0x00)],
      ['BITPOS', 'k', '0'],
      ['BITPOS', 'k', '1'],
      ['BITPOS', 'k', '0', '1'],
      ['BITPOS', 'k', '1', '2'],
      ['BITPOS', 'k', '0', '0', '0'],
      ['BITPOS', 'k', '0', '0', '1'],
      ['BITPOS', 'k', '1', '2', '-1'],
      ['BITPOS', 'k', '0', '-1'],
      ['BITPOS', 'k', '1', '-100', '100'],
      ['BITPOS', 'k', '1', '3', '2'],
      ['BITPOS', 'k', '0', '7', '15', 'BIT'],
      ['BITPOS', 'k', '0', '0', '7', 'BIT'],
      ['BITPOS', 'k', '1', '12', '23', 'BIT'],
      ['BITPOS', 'k', '0', '2', '5', 'bit'],
      ['BITPOS', 'k', '0', '-3', '-1', 'BIT'],
      ['BITPOS', 'k', '1', '0', '-1', 'BYTE'],
      ['BITPOS', 'k', '0', '0', '-1', 'FOO'],
      ['BITPOS', 'k', '0', '0', '1', 'BIT', 'x'],
      ['BITPOS', 'k', '2'],
      ['BITPOS', 'k', 'x'],
      ['BITPOS', 'k', '1', 'x'],
      ['BITPOS', 'k', '1', '0', 'x'],
      ['BITPOS', 'missing', '0'],
      ['BITPOS', 'missing', '1'],
      ['BITPOS', 'missing', '1', 'x'],
      ['BITPOS', 'missing', '2'],
      ['SET', 'ones', b(0xff, 0xff)],
      ['BITPOS', 'ones', '0'],
      ['BITPOS', 'ones', '0', '1'],
      ['BITPOS', 'ones', '0', '0', '-1'],
      ['SET', 'empty', ''],
      ['BITPOS', 'empty', '0'],
      ['BITPOS', 'empty', '1'],
      ['SET', 'zeros', b(0, 0, 0)],
      ['BITPOS', 'zeros', '1'],
      ['BITPOS', 'zeros', '0', '1'],
      ['HSET', 'h', 'f', 'v'],
      ['BITPOS', 'h', '1'],
    ],
  },
  {
    name: 'BITOP',
    steps: [
      ['SET', 'a', b(0xff, 0x0f, 0x55)],
      ['SET', 'b', b(0x0f)],
      ['BITOP', 'AND', 'd', 'a', 'b'],
      ['GET', 'd'],
      ['BITOP', 'or', 'd', 'a', 'b', 'missing'],
      ['GET', 'd'],
      ['BITOP', 'XOR', 'd', 'a', 'b', 'a'],
      ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'a'],
      ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'a', 'b'],
      ['BITOP', 'NAND', 'd', 'a'],
      ['BITOP', 'AND', 'd', 'missing', 'missing2'],
      ['EXISTS', 'd'],
      ['BITOP', 'AND', 'd', 'missing'],
      ['SET', 'd', 'x', 'EX', '100'],
      ['BITOP', 'OR', 'd', 'a'],
      ['TTL', 'd'],
      ['LPUSH', 'l', 'x'],
      ['BITOP', 'OR', 'd', 'a', 'l'],
      ['BITOP', 'OR', 'l', 'a'],
      ['TYPE', 'l'],
      ['BITOP', 'AND', 'a', 'a', 'b'],
      ['GET', 'a'],
      ['BITOP', 'AND'],
      ['BITOP', 'AND', 'd'],
    ],
  },
  {
    name: 'BITFIELD and BITFIELD_RO',
    steps: [
      ['BITFIELD', 'k', 'SET', 'i8', '0', '100', 'GET', 'i8', '0', 'INCRBY', 'i8', '0', '100'],
      ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '100', 'INCRBY', 'i8', '0', '-300'],
      ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '-1', 'INCRBY', 'u4', '#3', '20'],
      ['BITFIELD', 'k', 'OVERFLOW', 'WRAP', 'INCRBY', 'u4', '#3', '20', 'GET', 'u4', '#3'],
      ['BITFIELD', 'k', 'SET', 'u8', '#1', '-1', 'GET', 'u8', '8', 'SET', 'i5', '3', '100', 'GET', 'i5', '3'],
      ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'SET', 'u8', '16', '-5', 'SET', 'i8', '24', '1000'],
      ['BITFIELD', 'k', 'SET', 'i64', '0', '-9223372036854775808', 'INCRBY', 'i64', '0', '-1'],
      [
        'BITFIELD',
        'k',
        'OVERFLOW',
        'SAT',
        'INCRBY',
        'i64',
        '0',
        '-1',
        'INCRBY',
        'u63',
        '1',
        '9223372036854775807',
      ],
      ['BITFIELD', 'k', 'GET', 'u63', '1', 'GET', 'i64', '0', 'GET', 'u1', '0', 'GET', 'i1', '0'],
      ['BITFIELD', 'k', 'GET', 'u16', '1000'],
      ['GET', 'k'],
      ['BITFIELD', 'new', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '100', '10'],
      ['GET', 'new'],
      ['BITFIELD', 'new2', 'GET', 'u8', '0'],
      ['EXISTS', 'new2'],
      ['BITFIELD', 'k'],
      ['BITFIELD', 'k', 'GET', 'u64', '0'],
      ['BITFIELD', 'k', 'GET', 'i65', '0'],
      ['BITFIELD', 'k', 'GET', 'i0', '0'],
      ['BITFIELD', 'k', 'GET', 'U8', '0'],
      ['BITFIELD', 'k', 'GET', 'x8', '0'],
      ['BITFIELD', 'k', 'GET', 'u8', '-1'],
      ['BITFIELD', 'k', 'GET', 'u8', '#-1'],
      ['BITFIELD', 'k', 'GET', 'u8', 'x'],
      ['BITFIELD', 'k', 'GET', 'u8', '4294967296'],
      ['BITFIELD', 'k', 'GET', 'u8', '4294967295'],
      ['BITFIELD', 'k', 'GET', 'u8', '#536870911'],
      ['BITFIELD', 'k', 'SET', 'u8', '0', 'x'],
      ['BITFIELD', 'k', 'SET', 'u8', '0'],
      ['BITFIELD', 'k', 'GET', 'u8'],
      ['BITFIELD', 'k', 'OVERFLOW', 'BAD', 'GET', 'u8', '0'],
      ['BITFIELD', 'k', 'OVERFLOW'],
      ['BITFIELD', 'k', 'FOO', 'u8', '0'],
      ['BITFIELD', 'k', 'GET', 'u8', '0', 'SET', 'u8', 'x', '1'],
      ['BITFIELD_RO', 'k', 'GET', 'u8', '0', 'GET', 'i4', '#1'],
      ['BITFIELD_RO', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', '1'],
      ['BITFIELD_RO', 'k', 'INCRBY', 'u8', '0', '1'],
      ['BITFIELD_RO', 'k', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'],
      ['BITFIELD_RO', 'k', 'GET', 'u8', 'x'],
      ['BITFIELD_RO', 'k'],
      ['SET', 'ttl', 'abc', 'EX', '100'],
      ['BITFIELD', 'ttl', 'SET', 'u8', '0', '65'],
      ['GET', 'ttl'],
      ['TTL', 'ttl'],
      ['LPUSH', 'l', 'x'],
      ['BITFIELD', 'l', 'GET', 'u8', '0'],
      ['BITFIELD', 'l', 'SET', 'u8', '0', '1'],
      ['BITFIELD_RO', 'l', 'GET', 'u8', '0'],
      ['BITFIELD', 'missing', 'GET', 'i8', '0', 'GET', 'u8', '8'],
      ['SET', 'n', '100'],
      ['BITFIELD', 'n', 'INCRBY', 'u8', '0', '1'],
      ['GET', 'n'],
    ],
  },
];

describe('bitmaps side by side with redis-server, byte for byte', () => {
  test('SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO', () =>
    runGroup('bitmaps', [...CASES, ...CASES.map((c) => ({ ...c, name: `${c.name} (RESP3)`, resp3: true }))]));
});

const SEED = Number(process.env.BITMAPS_SEED ?? 20261203);

/** One random bitmap command over a few small keys. */
function randomCommand(g: Gen): Arg[] {
  const key = (): string => g.one(['a', 'b', 'c', 'missing']);
  const small = (): string => String(g.int(-20, 20));
  const type = (): string => (g.chance(0.5) ? `i${g.int(1, 64)}` : `u${g.int(1, 63)}`);
  const offset = (): string => (g.chance(0.3) ? `#${g.int(0, 6)}` : String(g.int(0, 70)));
  const value = (): string =>
    g.one([
      String(g.int(-300, 300)),
      '9223372036854775807',
      '-9223372036854775808',
      String(g.int(0, 1 << 30)),
    ]);
  const fieldOps = (): Arg[] => {
    const out: Arg[] = [];
    for (let i = g.int(1, 4); i > 0; i--) {
      const op = g.weighted<string>([
        [3, 'GET'],
        [3, 'SET'],
        [3, 'INCRBY'],
        [2, 'OVERFLOW'],
      ]);
      if (op === 'OVERFLOW') out.push(op, g.one(['WRAP', 'SAT', 'FAIL']));
      else if (op === 'GET') out.push(op, type(), offset());
      else out.push(op, type(), offset(), value());
    }
    return out;
  };
  return g.weighted<() => Arg[]>([
    [2, () => ['SETBIT', key(), String(g.int(0, 60)), String(g.int(0, 1))]],
    [1, () => ['GETBIT', key(), String(g.int(0, 70))]],
    [2, () => ['BITCOUNT', key(), small(), small(), ...(g.chance(0.5) ? [g.one(['BIT', 'BYTE'])] : [])]],
    [1, () => ['BITCOUNT', key()]],
    [
      3,
      () => {
        const args: Arg[] = ['BITPOS', key(), String(g.int(0, 1))];
        if (g.chance(0.7)) args.push(small());
        if (args.length === 4 && g.chance(0.7)) args.push(small());
        if (args.length === 5 && g.chance(0.5)) args.push(g.one(['BIT', 'BYTE']));
        return args;
      },
    ],
    [1, () => ['BITOP', g.one(['AND', 'OR', 'XOR']), key(), key(), key()]],
    [1, () => ['BITOP', 'NOT', key(), key()]],
    [4, () => ['BITFIELD', key(), ...fieldOps()]],
    [1, () => ['BITFIELD_RO', key(), 'GET', type(), offset()]],
    [1, () => ['SET', key(), g.binary()]],
    [1, () => ['GET', key()]],
  ])();
}

describe('seeded randomized differential', () => {
  test(`2,000 random bitmap commands (seed ${SEED}), replies and final values equal`, async () => {
    const g = new Gen(rng(SEED));
    // After each write, the value it wrote is compared too, so a difference shows where it starts.
    const steps: Arg[][] = [];
    for (let i = 0; i < 2000; i++) {
      const cmd = randomCommand(g);
      steps.push(cmd);
      const name = String(cmd[0]);
      if (name === 'SETBIT' || name === 'BITFIELD' || name === 'SET') steps.push(['GET', cmd[1]]);
      else if (name === 'BITOP') steps.push(['GET', cmd[2]]);
    }
    steps.push(['GET', 'a'], ['GET', 'b'], ['GET', 'c'], ['GET', 'missing']);
    await runGroup(`random (seed ${SEED})`, [{ name: `seed ${SEED}`, steps }]);
  });
});

describe('what replicas receive', () => {
  test('SETBIT, BITOP, BITFIELD as sent (writes only)', async () => {
    const diffs = new Diffs();
    await compareReplicationStream(P, diffs, 'replication', [
      ['SETBIT', 'a', '3', '1'],
      ['SETBIT', 'a', '3', '1'],
      ['BITOP', 'NOT', 'b', 'a'],
      ['BITOP', 'AND', 'c', 'missing'],
      ['BITFIELD', 'a', 'GET', 'u8', '0'],
      ['BITFIELD', 'a', 'INCRBY', 'u8', '0', '5', 'GET', 'u4', '0'],
      ['BITFIELD', 'a', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '10'],
      ['BITFIELD_RO', 'a', 'GET', 'u8', '0'],
    ]);
    diffs.assertNone('replication');
  });
});

// Integration, side by side with redis-server 7.0.15: HyperLogLog, differentially. The same commands go
// to Debian's redis-server and to tsredis-server over raw RESP and the replies are compared byte for
// byte, GET of every HLL included, so both hold the same bytes: PFADD / PFCOUNT (cache written back,
// cache believed on a corrupt body) / PFMERGE (sparse or dense destination) / PFDEBUG GETREG, DECODE,
// ENCODING, TODENSE, every error (wrong types, strings that are not HLLs, corrupt sparse bodies), the
// promotion from sparse to dense, crafted dense registers (the estimator's overflow included), the
// changes counted (rdb_changes_since_last_save), a seeded randomized differential (HLL_SEED overrides the
// seed) with random corrupt bodies, 100k-element cardinalities, DUMP / RESTORE across both servers, what
// a replica receives, and PFSELFTEST. CONFIG SET hll-sparse-max-bytes is not exercised: tsredis's config
// table does not have the directive yet (the limit is Redis's default, 3000).
import { Diffs, serverPair, type Case, type Step } from './helpers/differential.js';
import { ReplicaTap } from './helpers/replica-tap.js';
import { compareKeyspaceEvents } from './helpers/side-effects.js';
import { rng } from './helpers/dataset.js';
import { Gen } from './helpers/gen.js';
import { Conn, bulkBytes, sleep, type Arg, type Node } from './helpers/raw-resp.js';

const P = serverPair();

const runGroup = P.runGroup;

/** A latin1 string as the bytes it stands for (raw-resp sends strings as UTF-8). */
const L = (s: string): Buffer => Buffer.from(s, 'latin1');

/** The 16-byte header: encoding byte, then the cache (8 bytes, stale unless given). */
const header = (enc: number, cache = '\0\0\0\0\0\0\0\x80'): string =>
  `HYLL${String.fromCharCode(enc)}\0\0\0${cache}`;
const SPARSE = header(1);

/** A dense HLL whose registers are all v (four registers in every three bytes). */
function denseAll(v: number, cache?: string): Buffer {
  const tri = [(v | (v << 6)) & 0xff, ((v >> 2) | (v << 4)) & 0xff, ((v >> 4) | (v << 2)) & 0xff];
  const body = Buffer.alloc(12288);
  for (let i = 0; i < 12288; i++) body[i] = tri[i % 3];
  return Buffer.concat([L(header(0, cache)), body]);
}

/** Register 16383: the one XZERO:16383 does not reach (found by search, checked by PFDEBUG below). */
const LAST_REGISTER_ELEMENT = 'e1674';

const elements = (prefix: string, n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);

const CORRUPT_BODIES: [string, string][] = [
  ['XZERO:16383 (too short)', '\x7f\xfe'],
  ['XZERO:16384 then ZERO (too long)', '\x7f\xff\x00'],
  ['XZERO:16384 then VAL (too long)', '\x7f\xff\x80'],
  ['a VAL run past the end', '\x7f\xfe\x81'],
  ['no opcodes', ''],
  ['one XZERO byte', '\x7f'],
  ['ZERO:64 x 256 (valid)', '\x3f'.repeat(256)],
  ['VALs of 32 and 1 (valid)', `${'\xff'.repeat(100)}${'\x83'.repeat(4)}\x7e\x5f`],
];

function corruptCase([name, body]: [string, string]): Case {
  const v = L(SPARSE + body);
  return {
    name: `corrupt sparse body: ${name}`,
    steps: [
      ['SET', 'c', v],
      ['PFADD', 'c', 'a', 'b'],
      ['GET', 'c'],
      ['SET', 'c', v],
      ['PFADD', 'c', LAST_REGISTER_ELEMENT, 'a'],
      ['GET', 'c'],
      ['SET', 'c', v],
      ['PFCOUNT', 'c'],
      ['GET', 'c'],
      ['SET', 'c', v],
      ['PFCOUNT', 'c', 'other'],
      ['PFMERGE', 'd', 'c'],
      ['EXISTS', 'd'],
      ['PFMERGE', 'c', 'other'],
      ['GET', 'c'],
      ['SET', 'c', v],
      ['PFDEBUG', 'DECODE', 'c'],
      ['PFDEBUG', 'ENCODING', 'c'],
      ['PFDEBUG', 'GETREG', 'c'],
      ['GET', 'c'],
      ['SET', 'c', v],
      ['PFDEBUG', 'TODENSE', 'c'],
      ['GET', 'c'],
    ],
  };
}

const CASES: Case[] = [
  {
    name: 'PFADD and PFCOUNT',
    steps: [
      ['PFADD', 'h'],
      ['GET', 'h'],
      ['OBJECT', 'ENCODING', 'h'],
      ['PFADD', 'h'],
      ['PFADD', 'h', 'a', 'b', 'c'],
      ['GET', 'h'],
      ['PFADD', 'h', 'a'],
      ['PFADD', 'h', 'a', 'b', 'c', 'd'],
      ['PFCOUNT', 'h'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['PFADD', 'b', L('\x00\xff\x80binary\x01'), '', 'x'.repeat(100), 'hello world!', '12345678'],
      ['GET', 'b'],
      ['PFCOUNT', 'h', 'b'],
      ['PFCOUNT', 'h', 'b', 'missing', 'h'],
      ['GET', 'h'],
      ['PFCOUNT', 'missing'],
      ['PFCOUNT', 'missing', 'missing2'],
      ['EXISTS', 'missing'],
      ['TYPE', 'h'],
      ['STRLEN', 'h'],
      ['EXPIRE', 'h', '100'],
      ['PFADD', 'h', 'zz', 'yy'],
      ['TTL', 'h'],
      ['PFCOUNT', 'h'],
      ['TTL', 'h'],
      ['PFADD', 'h', ...elements('m', 200)],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['APPEND', 'h', ''],
      ['PFCOUNT', 'h'],
      ['PFADD'],
      ['PFCOUNT'],
    ],
  },
  {
    name: 'PFMERGE',
    steps: [
      ['PFADD', 'a', 'x', 'y', 'z'],
      ['PFADD', 'b', 'z', 'w'],
      ['PFMERGE', 'd', 'a', 'b'],
      ['GET', 'd'],
      ['PFCOUNT', 'd'],
      ['PFMERGE', 'd'],
      ['GET', 'd'],
      ['PFMERGE', 'd', 'a'],
      ['GET', 'd'],
      ['PFMERGE', 'e', 'missing1', 'missing2'],
      ['GET', 'e'],
      ['PFMERGE', 'alone'],
      ['GET', 'alone'],
      ['PFADD', 't', 'q'],
      ['EXPIRE', 't', '100'],
      ['PFMERGE', 't', 'a'],
      ['TTL', 't'],
      ['GET', 't'],
      ['PFADD', 'big', ...elements('big', 3000)],
      ['PFDEBUG', 'ENCODING', 'big'],
      ['PFMERGE', 's', 'a', 'big'],
      ['PFDEBUG', 'ENCODING', 's'],
      ['GET', 's'],
      ['PFMERGE', 'big', 'a'],
      ['GET', 'big'],
      ['PFMERGE', 'a', 'b', 'd'],
      ['GET', 'a'],
      ['PFADD', 'x1', ...elements('x', 1200)],
      ['PFADD', 'y1', ...elements('y', 1200)],
      ['PFDEBUG', 'ENCODING', 'x1'],
      ['PFDEBUG', 'ENCODING', 'y1'],
      ['STRLEN', 'x1'],
      ['PFMERGE', 'z1', 'x1', 'y1'],
      ['PFDEBUG', 'ENCODING', 'z1'],
      ['GET', 'z1'],
      ['PFCOUNT', 'z1'],
      ['PFCOUNT', 'x1', 'y1'],
      ['RPUSH', 'l', 'x'],
      ['PFMERGE', 'd', 'l'],
      ['PFMERGE', 'l', 'a'],
      ['SET', 'str', 'not an hll'],
      ['PFMERGE', 'd', 'a', 'str'],
      ['PFMERGE', 'str', 'a'],
      ['GET', 'd'],
      ['PFMERGE'],
    ],
  },
  {
    name: 'PFDEBUG',
    steps: [
      ['PFDEBUG', 'GETREG', 'missing'],
      ['PFDEBUG', 'FOO', 'missing'],
      ['PFADD', 'h', 'a', 'b', 'c', LAST_REGISTER_ELEMENT],
      ['PFDEBUG', 'DECODE', 'h'],
      ['PFDEBUG', 'decode', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'],
      ['PFDEBUG', 'Foo', 'h'],
      ['PFDEBUG', 'GETREG', 'h', 'x'],
      ['PFDEBUG', 'GETREG'],
      ['PFDEBUG'],
      ['PFDEBUG', 'GETREG', 'h'],
      ['GET', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'],
      ['PFDEBUG', 'DECODE', 'h'],
      ['PFDEBUG', 'TODENSE', 'h'],
      ['PFADD', 'g', 'q'],
      ['PFCOUNT', 'g'],
      ['PFDEBUG', 'todense', 'g'],
      ['GET', 'g'],
      ['PFCOUNT', 'g'],
      ['PFADD', 'g', 'r', 's'],
      ['GET', 'g'],
      ['RPUSH', 'l', 'x'],
      ['PFDEBUG', 'DECODE', 'l'],
      ['SET', 's', 'hello'],
      ['PFDEBUG', 'GETREG', 's'],
      ['SET', 'e', L(SPARSE)],
      ['PFDEBUG', 'DECODE', 'e'],
    ],
  },
  {
    name: 'wrong types and strings that are not HLLs',
    steps: [
      ['RPUSH', 'l', 'x'],
      ['PFADD', 'l', 'a'],
      ['PFADD', 'l'],
      ['PFCOUNT', 'l'],
      ['PFCOUNT', 'missing', 'l'],
      ['PFMERGE', 'l'],
      ['HSET', 'hh', 'f', 'v'],
      ['PFCOUNT', 'hh', 'l'],
      ['SET', 's', 'hello'],
      ['PFADD', 's', 'a'],
      ['PFCOUNT', 's'],
      ['PFCOUNT', 's', 'missing'],
      ['PFMERGE', 'd', 's'],
      ['PFDEBUG', 'ENCODING', 's'],
      ['SET', 'n', '12345'],
      ['PFADD', 'n', 'a'],
      ['SET', 's', L(SPARSE.slice(0, 15))],
      ['PFADD', 's', 'a'],
      ['SET', 's', L(`HYLX${SPARSE.slice(4)}\x7f\xff`)],
      ['PFADD', 's', 'a'],
      ['SET', 's', L(`${header(2)}\x7f\xff`)],
      ['PFCOUNT', 's'],
      ['SET', 's', L(header(0) + '\0'.repeat(12287))],
      ['PFCOUNT', 's'],
      ['SET', 's', L(header(0) + '\0'.repeat(12289))],
      ['PFADD', 's', 'a'],
      ['SET', 's', L(header(0) + '\0'.repeat(12288))],
      ['PFADD', 's', 'a'],
      ['GET', 's'],
      ['SET', 's', L(SPARSE)],
      ['PFADD', 's'],
      ['OBJECT', 'ENCODING', 's'],
      ['SET', 's', L(`${header(1, '\x2a\0\0\0\0\0\0\0')}garbage`)],
      ['OBJECT', 'ENCODING', 's'],
      ['PFCOUNT', 's'],
      ['OBJECT', 'ENCODING', 's'],
      ['PFCOUNT', 's', 'x'],
      ['PFADD', 's', 'a'],
      ['GET', 's'],
    ],
  },
  ...CORRUPT_BODIES.map(corruptCase),
  {
    name: 'sparse to dense promotion',
    steps: [
      ...Array.from({ length: 24 }, (_, i): Arg[][] => [
        ['PFADD', 'p', ...elements('p', 100, i * 100)],
        ['STRLEN', 'p'],
        ['PFDEBUG', 'ENCODING', 'p'],
        ['GET', 'p'],
        ['PFCOUNT', 'p'],
      ]).flat(),
      ['PFADD', 'q', ...elements('q', 5000)],
      ['GET', 'q'],
      ['PFCOUNT', 'q'],
      ...Array.from({ length: 40 }, (_, i): Arg[][] => [
        ['PFADD', 'r', `r${i}`, `r${i}x`],
        ['GET', 'r'],
      ]).flat(),
    ],
  },
  {
    name: 'crafted dense registers',
    steps: [
      ...[0, 1, 2, 31, 32, 33, 49, 50, 51, 52, 62, 63].flatMap((v): Arg[][] => [
        ['SET', `v${v}`, denseAll(v)],
        ['PFCOUNT', `v${v}`],
        ['GET', `v${v}`],
        ['PFCOUNT', `v${v}`],
        ['PFCOUNT', `v${v}`, 'missing'],
        ['PFADD', `v${v}`, 'a', 'b'],
        ['PFMERGE', `m${v}`, `v${v}`],
        ['GET', `m${v}`],
        ['PFCOUNT', `m${v}`, 'v1'],
      ]),
      ['SET', 'k', denseAll(7, '\x07\0\0\0\0\0\0\0')],
      ['PFCOUNT', 'k'],
      ['PFDEBUG', 'TODENSE', 'k'],
      ['PFDEBUG', 'DECODE', 'k'],
    ],
  },
];

describe('HyperLogLog side by side with redis-server, byte for byte', () => {
  test('PFADD, PFCOUNT, PFMERGE, PFDEBUG, errors, corrupt HLLs, promotion, dense registers', () =>
    runGroup('hyperloglog', [
      ...CASES,
      ...CASES.slice(0, 4).map((c) => ({ ...c, name: `${c.name} (RESP3)`, resp3: true })),
    ]));

  test('random dense registers', async () => {
    const g = new Gen(rng(77));
    const steps: Arg[][] = [];
    for (let i = 0; i < 20; i++) {
      const body = Buffer.from(g.some(12288, () => g.int(0, 255)));
      // Every register at most 51 too, as PFADD could have left them.
      const low = Buffer.from(body.map((b) => b & 0x33));
      steps.push(['SET', 'r', Buffer.concat([L(header(0)), g.chance(0.5) ? body : low])]);
      steps.push(['PFCOUNT', 'r'], ['GET', 'r'], ['PFADD', 'r', ...g.some(5, () => g.text(1, 8))]);
      steps.push(['PFMERGE', 's', 'r'], ['GET', 's'], ['PFCOUNT', 'r', 's', 't'], ['PFMERGE', 't', 'r']);
    }
    steps.push(['GET', 't']);
    await runGroup('random dense registers', [{ name: 'random dense', steps }]);
  });
});

/** Sends each command to one server in order and returns the replies. */
async function runOn(port: number, cmds: Arg[][], timeoutMs = 4000): Promise<Node[]> {
  const c = await Conn.open(port);
  try {
    const out: Node[] = [];
    for (const cmd of cmds) out.push(await c.send(cmd, timeoutMs));
    return out;
  } finally {
    c.close();
  }
}

describe('what counts as a change', () => {
  test('rdb_changes_since_last_save moves as in Redis (one per register PFADD raised)', async () => {
    const INFO: Arg[] = ['INFO', 'persistence'];
    const cmds: Arg[][] = [
      ['FLUSHALL'],
      INFO,
      ['PFADD', 'h', 'a', 'b', 'c', 'd', 'e', 'f'],
      INFO,
      ['PFADD', 'h', 'a', 'b'],
      INFO,
      ['PFADD', 'h', 'a', 'g'],
      INFO,
      ['PFCOUNT', 'h'],
      INFO,
      ['PFCOUNT', 'h'],
      INFO,
      ['PFCOUNT', 'h', 'missing'],
      INFO,
      ['PFMERGE', 'd', 'h'],
      INFO,
      ['PFDEBUG', 'TODENSE', 'd'],
      INFO,
      ['PFDEBUG', 'TODENSE', 'd'],
      INFO,
      ['PFADD', 'n'],
      INFO,
      ['PFDEBUG', 'GETREG', 'n'],
      INFO,
    ];
    const changes = (replies: Node[]): number[] => {
      const values = replies
        .map((n) => /rdb_changes_since_last_save:(\d+)/.exec(bulkBytes(n)?.toString('latin1') ?? ''))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]));
      return values.map((v) => v - values[0]);
    };
    const [r, t] = await Promise.all([runOn(P.R.port, cmds), runOn(P.T.port, cmds)]);
    expect(changes(t)).toEqual(changes(r));
    expect(changes(r).length).toBe(12);
  });
});

const SEED = Number(process.env.HLL_SEED ?? 20261215);

/** One random HLL command over a few keys, elements drawn from a pool so that some repeat. */
function randomCommand(g: Gen, pool: string[]): Arg[] {
  const key = (): string => g.one(['a', 'b', 'c', 'd']);
  const element = (): Arg => (g.chance(0.1) ? g.binary() : g.chance(0.7) ? g.one(pool) : g.text(1, 12));
  const opcodes = (): string =>
    g
      .some(g.int(0, 12), () =>
        g.weighted<() => number>([
          [3, () => 0x7f],
          [2, () => g.int(0, 0x3f)],
          [2, () => g.int(0x40, 0x7f)],
          [3, () => g.int(0x80, 0xff)],
          [1, () => 0xff],
        ])(),
      )
      .map((b) => String.fromCharCode(b))
      .join('');
  return g.weighted<() => Arg[]>([
    [10, () => ['PFADD', key(), ...g.some(g.int(0, 12), element)]],
    [1, () => ['PFADD', key(), ...g.some(g.int(50, 300), () => g.text(1, 12))]],
    [3, () => ['PFCOUNT', key()]],
    [2, () => ['PFCOUNT', key(), key()]],
    [2, () => ['PFMERGE', key(), key(), key()]],
    [1, () => ['PFMERGE', key()]],
    [1, () => ['PFDEBUG', g.one(['ENCODING', 'DECODE', 'TODENSE', 'ENCODING', 'DECODE', 'GETREG']), key()]],
    [1, () => ['DEL', key()]],
    [
      1,
      () => ['SET', key(), L(`${header(1, g.chance(0.2) ? '\x09\0\0\0\0\0\0\0' : undefined)}${opcodes()}`)],
    ],
  ])();
}

describe('seeded randomized differential', () => {
  test(`3,000 random HLL commands (seed ${SEED}), replies and values equal`, async () => {
    const g = new Gen(rng(SEED));
    const pool = g.some(600, () => g.text(1, 10));
    const steps: Arg[][] = [];
    for (let i = 0; i < 3000; i++) {
      const cmd = randomCommand(g, pool);
      steps.push(cmd);
      const name = String(cmd[0]);
      if (name === 'PFADD' || name === 'PFMERGE' || name === 'PFDEBUG' || name === 'SET')
        steps.push(['GET', cmd[name === 'PFDEBUG' ? 2 : 1]]);
      else if (name === 'PFCOUNT' && cmd.length === 2) steps.push(['GET', cmd[1]]);
    }
    steps.push(['GET', 'a'], ['GET', 'b'], ['GET', 'c'], ['GET', 'd']);
    await runGroup(`random (seed ${SEED})`, [{ name: `seed ${SEED}`, steps }]);
  });

  test('100,000 elements in batches, a second set half overlapping, their union', async () => {
    const steps: (Arg[] | Step)[] = [];
    for (let batch = 0; batch < 100; batch++) {
      steps.push(['PFADD', 'big', ...elements('u', 1000, batch * 1000)]);
      steps.push(['PFCOUNT', 'big']);
      if (batch % 10 === 9) steps.push(['GET', 'big']);
    }
    for (let batch = 0; batch < 50; batch++) {
      steps.push(['PFADD', 'half', ...elements('u', 2000, 50000 + batch * 2000)]);
      if (batch % 10 === 0) steps.push(['PFCOUNT', 'big', 'half']);
    }
    steps.push(['GET', 'half'], ['PFCOUNT', 'half'], ['PFCOUNT', 'big', 'half']);
    steps.push(['PFMERGE', 'all', 'big', 'half'], ['GET', 'all'], ['PFCOUNT', 'all']);
    await runGroup('large cardinalities', [{ name: '100k', steps }]);
  });
});

describe('DUMP and RESTORE across both servers', () => {
  test('an HLL DUMPed by one server RESTOREs in the other to the same bytes and counts', async () => {
    const [cr, ct] = await Promise.all([Conn.open(P.R.port), Conn.open(P.T.port)]);
    const diffs = new Diffs();
    try {
      const both = (cmd: Arg[]): Promise<[Node, Node]> => Promise.all([cr.send(cmd), ct.send(cmd)]);
      await both(['FLUSHALL']);
      const make: Arg[][] = [
        ['PFADD', 'sparse', 'a', 'b', 'c'],
        ['PFADD', 'dense', ...elements('d', 5000)],
        ['PFCOUNT', 'dense'],
        ['PFADD', 'empty'],
      ];
      for (const cmd of make) await both(cmd);
      for (const key of ['sparse', 'dense', 'empty']) {
        const [dr, dt] = await both(['DUMP', key]);
        const fromRedis = bulkBytes(dr) as Buffer;
        const fromTsredis = bulkBytes(dt) as Buffer;
        // Each payload restored on the other server.
        const [rr, rt] = await Promise.all([
          cr.send(['RESTORE', `${key}-t`, '0', fromTsredis]),
          ct.send(['RESTORE', `${key}-r`, '0', fromRedis]),
        ]);
        diffs.check(key, 'RESTORE replies', rr.raw, rt.raw);
        const [gr, gt] = await Promise.all([cr.send(['GET', `${key}-t`]), ct.send(['GET', `${key}-r`])]);
        const [orig] = await both(['GET', key]);
        diffs.check(key, 'redis-server restoring tsredis payload', orig.raw, gr.raw);
        diffs.check(key, 'tsredis restoring redis-server payload', orig.raw, gt.raw);
        for (const cmd of [['PFCOUNT'], ['PFADD', 'more1', 'more2'], ['GET'], ['PFCOUNT']]) {
          const [x, y] = await Promise.all([
            cr.send([cmd[0], `${key}-t`, ...cmd.slice(1)]),
            ct.send([cmd[0], `${key}-r`, ...cmd.slice(1)]),
          ]);
          diffs.check(key, `${cmd[0]} after RESTORE`, x.raw, y.raw);
        }
      }
    } finally {
      cr.close();
      ct.close();
    }
    diffs.assertNone('DUMP / RESTORE');
  });
});

describe('keyspace events', () => {
  test('pfadd for PFADD that changed something and for PFMERGE; new and keymiss; none for PFCOUNT', async () => {
    const cmds: Arg[][] = [
      ['PFADD', 'a', 'x'],
      ['PFADD', 'a', 'x'],
      ['PFADD', 'a'],
      ['PFADD', 'n'],
      ['PFCOUNT', 'a'],
      ['PFCOUNT', 'a', 'missing'],
      ['PFMERGE', 'd', 'a', 'missing'],
      ['PFMERGE', 'd'],
      ['PFDEBUG', 'TODENSE', 'd'],
      ['PFDEBUG', 'GETREG', 'a'],
      ['SET', 'bad', L(`${SPARSE}\x7f\xfe`)],
      ['PFADD', 'bad', 'a', LAST_REGISTER_ELEMENT],
    ];
    const diffs = new Diffs();
    const r = await compareKeyspaceEvents(P, diffs, 'keyspace events', cmds, 'KEAmn');
    diffs.assertNone('keyspace events');
    expect(r).toContain('pfadd');
  });
});

describe('what replicas receive', () => {
  test('PFADD, PFCOUNT (a cache write-back is propagated), PFMERGE, PFDEBUG', async () => {
    const [cr, ct] = await Promise.all([Conn.open(P.R.port), Conn.open(P.T.port)]);
    await Promise.all([cr.send(['FLUSHALL']), ct.send(['FLUSHALL'])]);
    const [tr, tt] = await Promise.all([ReplicaTap.open(P.R.port), ReplicaTap.open(P.T.port)]);
    const writes: Arg[][] = [
      ['PFADD', 'a', 'x', 'y'],
      ['PFADD', 'a', 'x'],
      ['PFADD', 'a'],
      ['PFCOUNT', 'a'],
      ['PFCOUNT', 'a'],
      ['PFCOUNT', 'a', 'missing'],
      ['PFCOUNT', 'missing'],
      ['PFMERGE', 'b', 'a', 'missing'],
      ['PFCOUNT', 'b'],
      ['MULTI'],
      ['PFADD', 'a', 'z'],
      ['PFCOUNT', 'a'],
      ['EXEC'],
      ['PFDEBUG', 'ENCODING', 'b'],
      ['PFDEBUG', 'TODENSE', 'b'],
      ['PFDEBUG', 'TODENSE', 'b'],
      ['PFADD', 'c', 'q'],
      ['PFDEBUG', 'GETREG', 'c'],
      ['SET', 'bad', L(`${SPARSE}\x7f\xfe`)],
      ['PFADD', 'bad', 'a', LAST_REGISTER_ELEMENT],
      ['PFCOUNT', 'bad'],
      ['SET', 'end', 'x'],
    ];
    const diffs = new Diffs();
    try {
      for (const w of writes) {
        const [x, y] = await Promise.all([cr.send(w), ct.send(w)]);
        diffs.check('writes', JSON.stringify(w), x.raw, y.raw);
      }
      const until = async (t: ReplicaTap): Promise<string> => {
        for (let i = 0; i < 300 && !t.commands.some((c) => c[1] === 'end'); i++) await sleep(10);
        return t.commands
          .map((c) => c.map((a) => (a.length > 40 ? `<${a.length} bytes>` : a)).join(' '))
          .join('\n');
      };
      const [x, y] = await Promise.all([until(tr), until(tt)]);
      diffs.check('replication stream', 'commands', x, y);
    } finally {
      for (const c of [cr, ct, tr, tt]) c.close();
    }
    diffs.assertNone('replication');
  });
});

describe('PFSELFTEST', () => {
  test('runs the register and estimation checks and replies OK on both', async () => {
    const [r, t] = await Promise.all([
      runOn(P.R.port, [['PFSELFTEST'], ['PFSELFTEST', 'x']], 60000),
      runOn(P.T.port, [['PFSELFTEST'], ['PFSELFTEST', 'x']], 60000),
    ]);
    expect(t.map((n) => n.raw)).toEqual(r.map((n) => n.raw));
    expect(r[0].raw).toBe('+OK\r\n');
  }, 120000);
});

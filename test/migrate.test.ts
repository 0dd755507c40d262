// MIGRATE side by side with redis-server 7.0: the same steps run from a tsredis source and from a
// redis-server source, each to a redis-server target and to a tsredis target (so redis-server's DUMP
// payloads are restored by tsredis and tsredis's by redis-server), and every transcript — the source's
// replies and what the target holds afterwards — must equal redis-server -> redis-server's. Covered:
// one key, KEYS with several types, TTLs, COPY, REPLACE, BUSYKEY (also for one key of several), the
// destination db, NOKEY, MULTI and scripts, a payload of several 64 KB chunks, AUTH and AUTH2 against a
// target with requirepass, the argument errors and the IOERR replies (closed port, negative port, a
// target that never answers, migrating to oneself), that other clients wait while MIGRATE runs, what
// replicas and keyspace events see, and the connection cache (reused, re-opened after the target
// closed it, closed after 10 idle seconds).
import * as fs from 'node:fs';
import * as net from 'node:net';
import { Diffs, serverPair, type Case } from './helpers/differential.js';
import { freePort, startRedis, startTsredis, type RunningServer } from './helpers/procs.js';
import { Conn, sleep, type Arg, type Node } from './helpers/raw-resp.js';
import { ReplicaTap } from './helpers/replica-tap.js';
import { text } from './tools/resp-tree.js';

const P = serverPair();
const H = '127.0.0.1';
const PASS = 'sekret';

/** Targets: redis-server and tsredis, each without and with requirepass. */
const T: Record<'redis' | 'tsredis' | 'redisAuth' | 'tsredisAuth', RunningServer> = {} as never;
const extra: RunningServer[] = [];

beforeAll(async () => {
  const [a, b, c, d] = await Promise.all([
    startRedis([]),
    startTsredis(['--save', '']),
    startRedis(['--requirepass', PASS]),
    startTsredis(['--save', '', '--requirepass', PASS]),
  ]);
  Object.assign(T, { redis: a, tsredis: b, redisAuth: c, tsredisAuth: d });
  extra.push(a, b, c, d);
}, 30000);

afterAll(async () => {
  await Promise.all(extra.map((s) => s.stop('SIGKILL')));
  for (const s of extra) fs.rmSync(s.dir, { recursive: true, force: true });
});

/** Sends the commands one after the other on a new connection; their raw replies. */
async function run(port: number, cmds: Arg[][], timeoutMs = 10000): Promise<string[]> {
  const c = await Conn.open(port);
  try {
    const out: string[] = [];
    for (const cmd of cmds) out.push((await c.send(cmd, timeoutMs)).raw);
    return out;
  } finally {
    c.close();
  }
}

/** A PTTL reply as whether it is within [lo, hi] ms. */
const pttlWithin = (raw: string, lo: number, hi: number): string => {
  const n = Number(raw.slice(1, -2));
  return n >= lo && n <= hi ? `pttl in [${lo}, ${hi}]` : `pttl ${n}`;
};

type Src = 'redis' | 'tsredis';
const srcPort = (s: Src): number => (s === 'redis' ? P.R.port : P.T.port);

/** The four source -> target pairs; the first (redis-server to redis-server) is the reference. */
const PAIRS: [Src, 'redis' | 'tsredis'][] = [
  ['redis', 'redis'],
  ['tsredis', 'redis'],
  ['tsredis', 'tsredis'],
  ['redis', 'tsredis'],
];

/** Compares each pair's transcript with the reference, recording differences. */
function compareTranscripts(diffs: Diffs, what: string, transcripts: string[][]): void {
  const [ref, ...rest] = transcripts;
  rest.forEach((t, i) => {
    const [s, d] = PAIRS[i + 1];
    diffs.check(what, `${s} -> ${d}`, ref, t, ['redis -> redis', `${s} -> ${d}`]);
  });
}

async function basicScenario(src: Src, target: RunningServer): Promise<string[]> {
  const tp = String(target.port);
  const M = (...rest: string[]): string[] => ['MIGRATE', H, tp, ...rest];
  await run(target.port, [['FLUSHALL'], ['SET', 'p2', 'already there']]);
  const big = 'x'.repeat(300_000);
  const source = await run(srcPort(src), [
    ['FLUSHALL'],
    ['SET', 'k1', 'v1'],
    M('k1', '0', '5000'),
    ['EXISTS', 'k1'],
    ['RPUSH', 'l', 'a', 'b', 'c'],
    ['HSET', 'h', 'f', 'v', 'g', 'w'],
    ['SADD', 's', 'x', 'y'],
    ['ZADD', 'z', '1', 'a', '2.5', 'b'],
    ['XADD', 'x', '1-1', 'f', 'v'],
    ['SET', 't', 'tv', 'PX', '100000'],
    ['SET', 'n', '12345'],
    M('', '0', '5000', 'KEYS', 'l', 'h', 'missing', 's', 'z', 'x', 't', 'n'),
    ['DBSIZE'],
    ['SET', 'c', '1'],
    M('c', '0', '5000', 'COPY'),
    ['EXISTS', 'c'],
    M('c', '0', '5000'),
    ['EXISTS', 'c'],
    ['SET', 'c', '2'],
    M('c', '0', '5000', 'REPLACE'),
    ['EXISTS', 'c'],
    ['SET', 'd', '1'],
    M('d', '5', '5000'),
    ['SET', 'd2', '1'],
    M('d2', '99', '5000'),
    ['EXISTS', 'd2'],
    ['SET', 'p1', '1'],
    ['SET', 'p2', '2'],
    M('', '0', '5000', 'KEYS', 'p1', 'p2'),
    ['EXISTS', 'p1', 'p2'],
    M('nokey', '0', '5000'),
    M('', '0', '5000', 'KEYS', 'no1', 'no2'),
    ['SET', 'm', '1'],
    ['MULTI'],
    M('m', '0', '5000'),
    ['EXEC'],
    ['SET', 'e', '1'],
    ['EVAL', "return redis.call('MIGRATE', ARGV[1], ARGV[2], 'e', '0', '5000')", '0', H, tp],
    ['SET', 'big', big],
    M('big', '0', '0'),
    ['DBSIZE'],
  ]);
  const t = await run(target.port, [
    ['GET', 'k1'],
    ['LRANGE', 'l', '0', '-1'],
    ['HGET', 'h', 'f'],
    ['HGET', 'h', 'g'],
    ['SORT', 's', 'ALPHA'],
    ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ['XRANGE', 'x', '-', '+'],
    ['GET', 't'],
    ['PTTL', 't'],
    ['PTTL', 'k1'],
    ['GET', 'n'],
    ['GET', 'c'],
    ['GET', 'p1'],
    ['GET', 'p2'],
    ['GET', 'm'],
    ['GET', 'e'],
    ['STRLEN', 'big'],
    ['EXISTS', 'missing', 'd2'],
    ['DBSIZE'],
    ['SELECT', '5'],
    ['GET', 'd'],
  ]);
  t[8] = pttlWithin(t[8], 80_000, 100_000);
  return [...source, '-- target --', ...t];
}

async function authScenario(src: Src, target: RunningServer): Promise<string[]> {
  const tp = String(target.port);
  const M = (...rest: string[]): string[] => ['MIGRATE', H, tp, ...rest];
  await run(target.port, [['AUTH', PASS], ['FLUSHALL']]);
  const source = await run(srcPort(src), [
    ['FLUSHALL'],
    ['SET', 'a', '1'],
    M('a', '0', '5000'),
    M('a', '0', '5000', 'AUTH', 'wrong'),
    M('a', '0', '5000', 'AUTH2', 'default', 'wrong'),
    M('a', '0', '5000', 'AUTH2', 'nobody', PASS),
    ['EXISTS', 'a'],
    M('a', '0', '5000', 'AUTH', PASS),
    ['SET', 'b', '2'],
    M('b', '0', '5000', 'AUTH2', 'default', PASS),
    ['SET', 'b', '3'],
    M('b', '0', '5000', 'AUTH2', 'default', PASS),
    M('b', '0', '5000', 'REPLACE', 'AUTH2', 'default', PASS),
    ['DBSIZE'],
  ]);
  const t = await run(target.port, [['AUTH', PASS], ['GET', 'a'], ['GET', 'b'], ['DBSIZE']]);
  return [...source, '-- target --', ...t];
}

describe('MIGRATE between tsredis and redis-server', () => {
  test('keys of every type, TTL, COPY, REPLACE, BUSYKEY, db, NOKEY, MULTI, scripts', async () => {
    const diffs = new Diffs();
    const transcripts: string[][] = [];
    for (const [s, d] of PAIRS) transcripts.push(await basicScenario(s, T[d]));
    // The reference itself shows the migration happened, so equality is not vacuous.
    expect(transcripts[0]).toContain('$2\r\nv1\r\n');
    expect(transcripts[0]).toContain('pttl in [80000, 100000]');
    compareTranscripts(diffs, 'basic', transcripts);
    diffs.assertNone('MIGRATE');
  }, 60000);

  test('AUTH and AUTH2 to a target with requirepass', async () => {
    const diffs = new Diffs();
    const transcripts: string[][] = [];
    for (const [s, d] of PAIRS)
      transcripts.push(await authScenario(s, d === 'redis' ? T.redisAuth : T.tsredisAuth));
    expect(transcripts[0].filter((r) => r === '+OK\r\n').length).toBeGreaterThan(4);
    compareTranscripts(diffs, 'auth', transcripts);
    diffs.assertNone('MIGRATE AUTH');
  }, 60000);
});

/** An INFO errorstats reply reduced to its errorstat_IOERR line. */
const ioerrLine = (n: Node): Node => ({ t: '+', raw: /errorstat_IOERR:[^\r]*/.exec(n.raw)?.[0] ?? 'none' });

describe('MIGRATE errors, side by side with redis-server', () => {
  test('argument errors, NOKEY, a closed port, bad ports', async () => {
    const closed = String(await freePort());
    const k = (...rest: string[]): string[] => ['MIGRATE', H, closed, 'k', ...rest];
    const cases: Case[] = [
      {
        name: 'arguments',
        steps: [
          ['SET', 'k', 'v'],
          ['MIGRATE', H, closed, 'k', '0'],
          k('0', '100', 'FOO'),
          k('0', '100', 'COPY', 'REPLACE', 'BAR'),
          k('0', '100', 'AUTH'),
          k('0', '100', 'AUTH2', 'u'),
          k('0', '100', 'KEYS', 'a'),
          ['MIGRATE', H, closed, '', '0', '100', 'KEYS'],
          ['MIGRATE', H, closed, '', '0', '100'],
          k('x', 'y'),
          k('0', 'y'),
          k('x', '100'),
          k('0', '1.5'),
          k('99999999999999999999', '100'),
          ['MIGRATE', H, closed, 'nokey', '0', '100'],
          ['MIGRATE', H, closed, '', '0', '100', 'KEYS', 'n1', 'n2'],
          k('0', '100', 'KEYS', 'k'),
          ['EXISTS', 'k'],
        ],
      },
      {
        name: 'unreachable',
        steps: [
          ['SET', 'k', 'v'],
          k('0', '100'),
          k('0', '-5'),
          k('0', '100', 'COPY', 'AUTH', 'x'),
          ['MIGRATE', H, '-1', 'k', '0', '100'],
          ['MIGRATE', H, '0', 'k', '0', '100'],
          ['MIGRATE', H, 'x', 'k', '0', '100'],
          ['MIGRATE', '', closed, 'k', '0', '100'],
          ['MIGRATE', H, closed, '', '0', '100', 'KEYS', 'k', 'k'],
          ['EXISTS', 'k'],
          // Only the IOERR line: tsredis's CONFIG RESETSTAT leaves errorstats as they were.
          { cmd: ['INFO', 'errorstats'], norm: ioerrLine },
        ],
      },
    ];
    await P.runGroup('MIGRATE errors', cases, [['FLUSHALL'], ['CONFIG', 'RESETSTAT']]);
  }, 30000);

  test('a target that never answers, and migrating to oneself, time out; other clients wait', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((s) => {
      held.push(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, H, () => r()));
    const sp = String((silent.address() as net.AddressInfo).port);
    try {
      const diffs = new Diffs();
      const seen: Record<Src, string[]> = { redis: [], tsredis: [] };
      for (const src of ['redis', 'tsredis'] as const) {
        const port = srcPort(src);
        await run(port, [['FLUSHALL'], ['SET', 'k', 'v']]);
        const [a, b] = await Promise.all([Conn.open(port), Conn.open(port)]);
        const order: string[] = [];
        const t0 = Date.now();
        const pa = a.send(['MIGRATE', H, sp, 'k', '0', '400']).then((n) => {
          order.push('migrate');
          return { n, ms: Date.now() - t0 };
        });
        await sleep(100);
        const pb = b.send(['SET', 'k', 'changed']).then((n) => {
          order.push('set');
          return n;
        });
        const [ra, rb] = await Promise.all([pa, pb]);
        const self = await run(port, [
          ['MIGRATE', H, String(port), 'k', '0', '300'],
          ['GET', 'k'],
        ]);
        a.close();
        b.close();
        expect(ra.ms).toBeGreaterThanOrEqual(350);
        expect(ra.ms).toBeLessThan(5000);
        seen[src] = [ra.n.raw, rb.raw, order.join(','), ...self];
      }
      expect(seen.redis[0]).toBe('-IOERR error or timeout reading to target instance\r\n');
      expect(seen.redis[2]).toBe('migrate,set');
      diffs.check('timeouts', 'silent target, self', seen.redis, seen.tsredis);
      diffs.assertNone('MIGRATE timeouts');
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  }, 30000);
});

describe('what replicas and keyspace events see', () => {
  test('the DEL of the keys moved, nothing for COPY or what the target refused', async () => {
    const diffs = new Diffs();
    const results: Record<Src, { stream: string[][]; events: string[] }> = {
      redis: { stream: [], events: [] },
      tsredis: { stream: [], events: [] },
    };
    for (const src of ['redis', 'tsredis'] as const) {
      const port = srcPort(src);
      const target = T.redis;
      const tp = String(target.port);
      await run(target.port, [['FLUSHALL'], ['SET', 'p2', 'there']]);
      await run(port, [['FLUSHALL'], ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']]);
      const tap = await ReplicaTap.open(port);
      const sub = await Conn.open(port);
      await sub.send(['PSUBSCRIBE', '__keyevent@0__:*']);
      await run(port, [
        ['SET', 'a', '1'],
        ['SET', 'b', '2'],
        ['MIGRATE', H, tp, '', '0', '5000', 'KEYS', 'a', 'b'],
        ['SET', 'c', '3'],
        ['MIGRATE', H, tp, 'c', '0', '5000', 'COPY'],
        ['SET', 'p1', '1'],
        ['SET', 'p2', '2'],
        ['MIGRATE', H, tp, '', '0', '5000', 'KEYS', 'p1', 'p2'],
        ['MIGRATE', H, tp, 'nokey', '0', '5000'],
        ['SET', 'end', '1'],
      ]);
      const stream = await tap.waitFor(9);
      await sleep(200);
      const events = (await sub.waitExtra(9)).map((n: Node) => (n.c ?? []).slice(2).map(text).join(' '));
      tap.close();
      sub.close();
      await run(port, [['CONFIG', 'SET', 'notify-keyspace-events', '']]);
      results[src] = { stream: tap.commands.slice(), events };
      expect(stream.length).toBeGreaterThan(0);
    }
    expect(results.redis.stream).toContainEqual(['DEL', 'a', 'b']);
    expect(results.redis.stream).toContainEqual(['DEL', 'p1']);
    diffs.check('replication', 'stream', results.redis.stream, results.tsredis.stream);
    diffs.check('events', 'keyevent', results.redis.events, results.tsredis.events);
    diffs.assertNone('MIGRATE propagation');
  }, 30000);

  test('a tsredis replica of the source loses the key', async () => {
    const replica = await startTsredis(['--save', '', '--replicaof', H, String(P.T.port)]);
    try {
      await run(P.T.port, [['FLUSHALL'], ['SET', 'moving', 'v']]);
      const waitFor = async (want: string): Promise<string> => {
        let got = '';
        for (let i = 0; i < 200; i++) {
          got = (await run(replica.port, [['EXISTS', 'moving']]))[0];
          if (got === want) break;
          await sleep(25);
        }
        return got;
      };
      expect(await waitFor(':1\r\n')).toBe(':1\r\n');
      const r = await run(P.T.port, [
        ['MIGRATE', H, String(T.tsredis.port), 'moving', '0', '5000', 'REPLACE'],
      ]);
      expect(r).toEqual(['+OK\r\n']);
      expect(await waitFor(':0\r\n')).toBe(':0\r\n');
    } finally {
      await replica.stop('SIGKILL');
      fs.rmSync(replica.dir, { recursive: true, force: true });
    }
  }, 30000);
});

describe('the connection cache', () => {
  /** The target's clients whose last command was RESTORE: the sources' cached connections. */
  async function restoreClients(port: number): Promise<string[]> {
    const [list] = await run(port, [['CLIENT', 'LIST']]);
    return text({ t: '$', raw: list })
      .split('\n')
      .filter((l) => l.includes(' cmd=restore '))
      .map((l) => /\bid=(\d+)/.exec(l)?.[1] ?? '?');
  }

  test('reused per host:port, re-opened after the target closed it, closed after 10 idle seconds', async () => {
    const targets = await Promise.all([startRedis([]), startRedis([])]);
    extra.push(...targets);
    const outcome = async (src: Src, target: RunningServer): Promise<string[]> => {
      const port = srcPort(src);
      const M = (key: string): string[] => ['MIGRATE', H, String(target.port), key, '0', '5000'];
      const out: string[] = [];
      out.push(...(await run(port, [['SET', `${src}1`, '1'], M(`${src}1`)])));
      const first = await restoreClients(target.port);
      out.push(...(await run(port, [['SET', `${src}2`, '1'], M(`${src}2`)])));
      const second = await restoreClients(target.port);
      out.push(`one connection: ${first.length === 1}`, `reused: ${first[0] === second[0]}`);
      await run(target.port, [['CLIENT', 'KILL', 'ID', second[0]]]);
      out.push(...(await run(port, [['SET', `${src}3`, '1'], M(`${src}3`)])));
      const third = await restoreClients(target.port);
      out.push(`re-opened: ${third.length === 1 && third[0] !== second[0]}`);
      const last = Date.now();
      let gone = -1;
      while (Date.now() - last < 16000) {
        await sleep(250);
        if ((await restoreClients(target.port)).length === 0) {
          gone = Date.now() - last;
          break;
        }
      }
      out.push(`closed after 9-14 s idle: ${gone >= 9000 && gone <= 14000} (${src}: ${gone} ms)`);
      return out;
    };
    const [r, t] = await Promise.all([outcome('redis', targets[0]), outcome('tsredis', targets[1])]);
    expect(r.slice(0, -1)).toEqual([
      '+OK\r\n',
      '+OK\r\n',
      '+OK\r\n',
      '+OK\r\n',
      'one connection: true',
      'reused: true',
      '+OK\r\n',
      '+OK\r\n',
      're-opened: true',
    ]);
    expect(r[r.length - 1]).toMatch(/^closed after 9-14 s idle: true/);
    // The idle time each side measured differs; whether it was within the range must not.
    expect(t.slice(0, -1)).toEqual(r.slice(0, -1));
    expect(t[t.length - 1]).toMatch(/^closed after 9-14 s idle: true/);
  }, 40000);
});

// Integration, side by side with redis-server 7.0: SLOWLOG (what is logged, argument truncation and
// redaction, LEN/RESET/max-len, blocked commands), the latency monitor (LATEST/HISTORY/RESET/GRAPH
// after DEBUG SLEEP above latency-monitor-threshold), LATENCY HISTOGRAM's shape in RESP2 and RESP3,
// INFO latencystats' lines, and the error texts for wrong arguments.
import type { Redis } from 'ioredis';
import { Config } from '../node/src/config/table.js';
import { Server } from '../node/src/server/server.js';
import { allCommands } from '../node/src/server/registry.js';
import { installDiagnostics } from '../node/src/commands/diagnostics.js';
import { freePort, rawExchange, waitFor } from './helpers/procs.js';
import { KINDS, answer, clientFor, startKind, stopAll, type Kind } from './helpers/side-by-side.js';

afterEach(stopAll);

const DEBUG = ['--enable-debug-command', 'yes'];

/** Both servers started with the same directives. */
async function both(extra: string[] = []): Promise<Record<Kind, { port: number; r: Redis }>> {
  const out = {} as Record<Kind, { port: number; r: Redis }>;
  for (const kind of KINDS) {
    const { s, r } = await startKind(kind, [...DEBUG, ...extra]);
    await r.call('PING'); // connected and past ioredis's handshake
    out[kind] = { port: s.port, r };
  }
  return out;
}

type Entry = [number, number, number, string[], string, string];

/** A slow log entry without what differs between runs (id, time, duration, port), checked for form. */
function plain(e: Entry): { argv: string[]; name: string } {
  const [id, time, duration, argv, peer, name] = e;
  expect(Number.isInteger(id) && id >= 0).toBe(true);
  expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(30);
  expect(Number.isInteger(duration) && duration >= 0).toBe(true);
  expect(peer).toMatch(/^127\.0\.0\.1:[0-9]+$/);
  return { argv, name };
}

async function slowlog(r: Redis, count = '-1'): Promise<Entry[]> {
  return (await r.call('SLOWLOG', 'GET', count)) as Entry[];
}

test('with slowlog-log-slower-than 0 every executed command is logged as redis-server logs it', async () => {
  const servers = await both(['--slowlog-log-slower-than', '0']);
  const seen: Record<Kind, unknown> = { redis: null, tsredis: null };
  for (const kind of KINDS) {
    const { r } = servers[kind];
    await r.call('SLOWLOG', 'RESET');
    await r.call('CLIENT', 'SETNAME', 'diag');
    await r.call('SET', 'k', 'v');
    await r.call('GET', 'k');
    await answer(r, 'NOSUCHCOMMAND', 'x'); // refused before it runs: not logged
    await answer(r, 'GET'); // wrong arity: not logged
    await answer(r, 'INCR', 'k'); // runs and fails: logged
    await r.multi().set('m', '1').get('m').exec(); // MULTI and the queued commands; EXEC is not logged
    await r.call('AUTH', 'default', 'nopass-accepts-any'); // credentials redacted
    await answer(r, 'AUTH', 'secret');
    await r.call('HELLO', '2', 'AUTH', 'default', 'pw', 'SETNAME', 'diag2');
    await r.call('CONFIG', 'SET', 'masterauth', 'hidden', 'maxmemory-samples', '5');
    await r.call('CONFIG', 'SET', 'masteruser', 'alsohidden');
    const entries = await slowlog(r);
    const ids = entries.map((e) => e[0]);
    // Newest first, consecutive ids.
    expect(ids).toEqual(ids.map((_, i) => ids[0] - i));
    seen[kind] = entries.map(plain);
  }
  expect(seen.tsredis).toEqual(seen.redis);
  const argvs = (seen.tsredis as { argv: string[] }[]).map((e) => e.argv.join(' '));
  expect(argvs).toContain('SLOWLOG RESET');
  expect(argvs).toContain('INCR k');
  expect(argvs).toContain('multi');
  expect(argvs).toContain('set m 1');
  expect(argvs.some((a) => a.startsWith('exec'))).toBe(false);
  expect(argvs.some((a) => /nopass|secret|hidden|pw/.test(a))).toBe(false);
  expect(argvs).toContain('CONFIG SET masterauth (redacted) maxmemory-samples 5');
  // The name is the one the client has when the command is logged.
  expect(seen.tsredis).toContainEqual({
    argv: ['HELLO', '2', 'AUTH', '(redacted)', '(redacted)', 'SETNAME', 'diag2'],
    name: 'diag2',
  });
  expect(seen.tsredis).toContainEqual({ argv: ['GET', 'k'], name: 'diag' });
});

test('long arguments and long argument lists are cut as redis-server cuts them', async () => {
  const servers = await both(['--slowlog-log-slower-than', '0']);
  const seen: Record<Kind, unknown> = { redis: null, tsredis: null };
  for (const kind of KINDS) {
    const { r } = servers[kind];
    await r.call('SET', 'big', 'x'.repeat(300));
    await r.call('RPUSH', 'list', ...Array.from({ length: 50 }, (_, i) => `e${i}`));
    await r.call('DEL', 'a'.repeat(129), 'b'.repeat(128));
    seen[kind] = (await slowlog(r, '3')).map(plain);
  }
  expect(seen.tsredis).toEqual(seen.redis);
  const [del, rpush, set] = seen.tsredis as { argv: string[] }[];
  expect(set.argv[2]).toBe('x'.repeat(128) + '... (172 more bytes)');
  expect(rpush.argv).toHaveLength(32);
  expect(rpush.argv[31]).toBe('... (21 more arguments)');
  expect(del.argv).toEqual(['DEL', 'a'.repeat(128) + '... (1 more bytes)', 'b'.repeat(128)]);
});

test('SLOWLOG LEN, RESET, GET <count>, slowlog-max-len and the threshold behave as in redis-server', async () => {
  const servers = await both(['--slowlog-log-slower-than', '100000']);
  const seen: Record<Kind, unknown[]> = { redis: [], tsredis: [] };
  for (const kind of KINDS) {
    const { r } = servers[kind];
    const out = seen[kind];
    // A threshold of 100 ms (far above any quick command, GC pauses included): a 120 ms sleep is logged.
    out.push(await r.call('SLOWLOG', 'RESET'));
    await r.call('PING');
    out.push(await r.call('SLOWLOG', 'LEN'));
    await r.call('DEBUG', 'SLEEP', '0.12');
    const [sleep] = await slowlog(r);
    out.push(plain(sleep).argv);
    expect(sleep[2]).toBeGreaterThanOrEqual(120000);
    out.push(await r.call('SLOWLOG', 'LEN'));
    // Everything logged, trimmed to the newest two.
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await r.call('CONFIG', 'SET', 'slowlog-max-len', '2');
    for (let i = 0; i < 5; i++) await r.call('INCR', 'n');
    out.push(await r.call('SLOWLOG', 'LEN'));
    out.push((await slowlog(r, '10')).map((e) => plain(e).argv));
    out.push((await slowlog(r, '0')).length);
    out.push((await slowlog(r, '1')).map((e) => plain(e).argv));
    // RESET empties the log; the RESET itself is logged after it, and ids keep counting.
    const before = (await slowlog(r, '1'))[0][0];
    out.push(await r.call('SLOWLOG', 'RESET'));
    out.push(await r.call('SLOWLOG', 'LEN'));
    const [next] = await slowlog(r, '1');
    out.push(plain(next).argv);
    expect(next[0]).toBeGreaterThan(before);
    // Off: nothing more is logged, and a lower max-len is not applied while off.
    await r.call('CONFIG', 'SET', 'slowlog-max-len', '10');
    await r.call('PING');
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
    await r.call('CONFIG', 'SET', 'slowlog-max-len', '1');
    await r.call('PING');
    out.push(await r.call('SLOWLOG', 'LEN'));
  }
  expect(seen.tsredis).toEqual(seen.redis);
  expect(seen.tsredis[2]).toEqual(['DEBUG', 'SLEEP', '0.12']);
});

test('a blocked command is logged once, when it is served; one that times out is not', async () => {
  const servers = await both(['--slowlog-log-slower-than', '0']);
  const seen: Record<Kind, unknown[]> = { redis: [], tsredis: [] };
  for (const kind of KINDS) {
    const { port, r } = servers[kind];
    const other = clientFor(port);
    await other.call('PING'); // its connection handshake comes before the RESET
    await r.call('SLOWLOG', 'RESET');
    seen[kind].push(await r.call('BLPOP', 'nokey', '0.05'));
    const served = r.call('BLPOP', 'bl', '5');
    // Push only once the BLPOP is blocked (CLIENT LIST's cmd=blpop would not tell: the one before it).
    await waitFor(
      async () => /blocked_clients:1\r\n/.test((await other.call('INFO', 'clients')) as string),
      5000,
      'BLPOP blocked',
    );
    await other.call('RPUSH', 'bl', 'x');
    seen[kind].push(await served);
    const argvs = (await slowlog(r)).map((e) => plain(e).argv.join(' '));
    seen[kind].push(argvs.filter((a) => !a.startsWith('INFO')));
    const hist = (await r.call('LATENCY', 'HISTOGRAM', 'blpop')) as [string, [string, number]];
    seen[kind].push(hist[0], hist[1][0], hist[1][1]);
  }
  expect(seen.tsredis).toEqual(seen.redis);
  expect(seen.tsredis[2]).toEqual(['BLPOP bl 5', 'RPUSH bl x', 'SLOWLOG RESET']);
  expect(seen.tsredis.slice(3)).toEqual(['blpop', 'calls', 1]);
});

test('LATENCY LATEST / HISTORY / RESET / GRAPH after DEBUG SLEEP above latency-monitor-threshold', async () => {
  // 40 ms: far above any quick command, so only the sleeps are events.
  const servers = await both(['--latency-monitor-threshold', '40']);
  const seen: Record<Kind, unknown[]> = { redis: [], tsredis: [] };
  for (const kind of KINDS) {
    const { r } = servers[kind];
    const out = seen[kind];
    out.push(await r.call('LATENCY', 'LATEST'));
    await r.call('PING');
    await r.call('DEBUG', 'SLEEP', '0.1');
    const latest = (await r.call('LATENCY', 'LATEST')) as [string, number, number, number][];
    expect(latest).toHaveLength(1);
    const [event, time, last, max] = latest[0];
    out.push(event);
    expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(30);
    expect(last).toBeGreaterThanOrEqual(100);
    expect(max).toBe(last);
    const history = (await r.call('LATENCY', 'HISTORY', 'command')) as [number, number][];
    out.push(history.length, history[0][0] === time, history[0][1] === last);
    out.push(await r.call('LATENCY', 'HISTORY', 'nosuch'));
    out.push(await r.call('LATENCY', 'HISTORY', 'COMMAND')); // names are exact here
    const graph = (await r.call('LATENCY', 'GRAPH', 'command')) as string;
    out.push(typeof graph, graph.startsWith('command'));
    const doctor = (await r.call('LATENCY', 'DOCTOR')) as string;
    out.push(typeof doctor, doctor.includes('command'));
    out.push(await answer(r, 'LATENCY', 'GRAPH', 'nosuch'));
    out.push(await r.call('LATENCY', 'RESET', 'nosuch', 'COMMAND', 'command'));
    out.push(await r.call('LATENCY', 'LATEST'));
    await r.call('DEBUG', 'SLEEP', '0.05');
    out.push(await r.call('LATENCY', 'RESET'));
    // Off: nothing is recorded.
    await r.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
    await r.call('DEBUG', 'SLEEP', '0.05');
    out.push(await r.call('LATENCY', 'LATEST'));
  }
  expect(seen.tsredis).toEqual(seen.redis);
  expect(seen.tsredis[1]).toBe('command');
});

/** The power-of-two levels redis-server reports histogram buckets at (µs). */
const LEVELS = new Set([
  1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33816, 67633, 135266, 270532, 541065,
  1073741,
]);

/** LATENCY HISTOGRAM's RESP2 reply as {name: {calls, buckets}}, its form checked. */
function histograms(reply: unknown): Record<string, number> {
  const flat = reply as (string | [string, number, string, number[]])[];
  const out: Record<string, number> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const [calls, n, hu, buckets] = flat[i + 1] as [string, number, string, number[]];
    expect([calls, hu]).toEqual(['calls', 'histogram_usec']);
    expect(buckets.length % 2).toBe(0);
    for (let j = 0; j < buckets.length; j += 2) {
      expect(LEVELS.has(buckets[j])).toBe(true);
      if (j > 0) expect(buckets[j + 1]).toBeGreaterThan(buckets[j - 1]);
    }
    expect(buckets[buckets.length - 1]).toBe(n);
    out[flat[i] as string] = n;
  }
  return out;
}

test('LATENCY HISTOGRAM: calls and cumulative power-of-two buckets per command and subcommand', async () => {
  const servers = await both();
  const seen: Record<Kind, unknown[]> = { redis: [], tsredis: [] };
  for (const kind of KINDS) {
    const { r } = servers[kind];
    const out = seen[kind];
    for (let i = 0; i < 3; i++) await r.call('SET', 'k', String(i));
    await r.call('GET', 'k');
    await r.call('CONFIG', 'SET', 'maxmemory-samples', '5');
    await r.call('CONFIG', 'GET', 'maxmemory-samples');
    out.push(histograms(await r.call('LATENCY', 'HISTOGRAM', 'set', 'GET', 'nosuch', 'config|nosuch')));
    out.push(histograms(await r.call('LATENCY', 'HISTOGRAM', 'config')));
    out.push(histograms(await r.call('LATENCY', 'HISTOGRAM', 'CONFIG|SET')));
    const all = histograms(await r.call('LATENCY', 'HISTOGRAM'));
    out.push(['set', 'get', 'config|set', 'config|get', 'latency|histogram'].map((n) => all[n]));
    out.push(all.ping);
    // Tracking off: nothing new is counted; what was counted stays.
    await r.call('CONFIG', 'SET', 'latency-tracking', 'no');
    await r.call('SET', 'k', 'x');
    await r.call('PING');
    out.push(histograms(await r.call('LATENCY', 'HISTOGRAM', 'set', 'ping')));
  }
  expect(seen.tsredis).toEqual(seen.redis);
  expect(seen.tsredis[0]).toEqual({ set: 3, get: 1 });
  expect(seen.tsredis[1]).toEqual({ 'config|set': 1, 'config|get': 1 });
});

/** RESP3 replies as tagged values, so both servers' replies compare by type and shape. */
type R3 = string | number | null | { t: string; v: R3[] | string };

function parseResp3(s: string): R3[] {
  let pos = 0;
  const line = (): string => {
    const end = s.indexOf('\r\n', pos);
    const l = s.slice(pos, end);
    pos = end + 2;
    return l;
  };
  const one = (): R3 => {
    const l = line();
    const t = l[0];
    const rest = l.slice(1);
    if (t === ':') return Number(rest);
    if (t === '_') return null;
    if (t === '+' || t === '-') return { t, v: rest };
    if (t === '$' || t === '=') {
      const n = Number(rest);
      const body = s.slice(pos, pos + n);
      pos += n + 2;
      return t === '$' ? body : { t, v: body.slice(0, 4) };
    }
    const n = Number(rest) * (t === '%' ? 2 : 1);
    const v: R3[] = [];
    for (let i = 0; i < n; i++) v.push(one());
    return { t, v };
  };
  const out: R3[] = [];
  while (pos < s.length) out.push(one());
  return out;
}

/** Numbers that vary between runs (times, durations, counts) and ports become their type. */
function shape(v: R3): unknown {
  if (typeof v === 'number') return 'int';
  if (typeof v === 'string') return v.replace(/^127\.0\.0\.1:[0-9]+$/, 'peer');
  if (v === null || typeof v.v === 'string') return v;
  const t = v.t;
  const items = v.v.map(shape);
  // A histogram_usec map: its length depends on timings; its form does not.
  if (t === '%' && items.every((x) => x === 'int')) return { '%': 'int -> int' };
  return { [t]: items };
}

test('RESP3: SLOWLOG GET, LATENCY LATEST / HISTOGRAM / DOCTOR have the shapes redis-server sends', async () => {
  const servers = await both();
  const seen: Record<Kind, unknown> = { redis: null, tsredis: null };
  const commands = [
    ['HELLO', '3'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
    ['SET', 'k', 'v'],
    ['SLOWLOG', 'GET', '1'],
    ['LATENCY', 'HISTOGRAM', 'set'],
    ['LATENCY', 'LATEST'],
    ['LATENCY', 'DOCTOR'],
    ['SLOWLOG', 'LEN'],
    ['PING'],
  ];
  const wire = commands
    .map((a) => `*${a.length}\r\n${a.map((x) => `$${x.length}\r\n${x}\r\n`).join('')}`)
    .join('');
  for (const kind of KINDS) {
    const got = await rawExchange(servers[kind].port, wire, (s) => s.endsWith('+PONG\r\n'));
    const replies = parseResp3(got);
    expect(replies).toHaveLength(commands.length);
    seen[kind] = replies.slice(1).map(shape);
  }
  expect(seen.tsredis).toEqual(seen.redis);
  const [, , slow, hist, latest, doctor] = seen.tsredis as unknown[];
  expect(slow).toEqual({ '*': [{ '*': ['int', 'int', 'int', { '*': ['SET', 'k', 'v'] }, 'peer', ''] }] });
  expect(hist).toEqual({
    '%': ['set', { '%': ['calls', 'int', 'histogram_usec', { '%': 'int -> int' }] }],
  });
  expect(latest).toEqual({ '*': [] });
  expect(doctor).toEqual({ t: '=', v: 'txt:' });
});

test('wrong arguments get the error texts redis-server sends; HELP replies are lists of lines', async () => {
  const servers = await both();
  const calls = [
    ['SLOWLOG'],
    ['SLOWLOG', 'foo'],
    ['SLOWLOG', 'GET', '-2'],
    ['SLOWLOG', 'GET', 'x'],
    ['SLOWLOG', 'GET', '99999999999999999999'],
    ['SLOWLOG', 'GET', '01'],
    ['SLOWLOG', 'Get', '1', '2'],
    ['SLOWLOG', 'LEN', 'x'],
    ['SLOWLOG', 'RESET', 'x'],
    ['SLOWLOG', 'HELP', 'x'],
    ['LATENCY'],
    ['LATENCY', 'foo'],
    ['LATENCY', 'LATEST', 'x'],
    ['LATENCY', 'HISTORY'],
    ['LATENCY', 'HISTORY', 'a', 'b'],
    ['LATENCY', 'GRAPH'],
    ['LATENCY', 'GRAPH', 'command'],
    ['LATENCY', 'DOCTOR', 'x'],
    ['LATENCY', 'HELP', 'x'],
  ];
  const seen: Record<Kind, unknown[]> = { redis: [], tsredis: [] };
  for (const kind of KINDS) {
    const { r } = servers[kind];
    for (const c of calls) seen[kind].push(await answer(r, ...c));
    for (const help of [
      ['SLOWLOG', 'HELP'],
      ['LATENCY', 'HELP'],
    ]) {
      const lines = (await r.call(help[0], help[1])) as string[];
      expect(lines.every((l) => typeof l === 'string')).toBe(true);
      seen[kind].push(lines[0], lines.filter((l) => !l.startsWith(' ')).join(' '));
    }
  }
  expect(seen.tsredis).toEqual(seen.redis);
  expect(seen.tsredis[2]).toBe('ERROR ERR count should be greater than or equal to -1');
});

test('INFO latencystats lines: one per command that ran, with the configured percentiles', async () => {
  // tsredis: a server in this process (installDiagnostics as node.ts does); both answer INFO.
  const config = new Config();
  const port = await freePort();
  config.set('port', [String(port)], false);
  config.set('bind', ['127.0.0.1'], false);
  const server = new Server(config);
  server.register(allCommands());
  installDiagnostics(server);
  await server.listen();
  try {
    const { r: redis } = await startKind('redis');
    const ts = clientFor(port);
    const infoLines = async (r: Redis): Promise<string[]> =>
      ((await r.call('INFO', 'latencystats')) as string)
        .split('\r\n')
        .filter((l) => l.startsWith('latency_'));
    const lines: Record<Kind, () => Promise<string[]>> = {
      redis: () => infoLines(redis),
      tsredis: () => infoLines(ts),
    };
    const seen: Record<Kind, unknown[]> = { redis: [], tsredis: [] };
    for (const kind of KINDS) {
      const r = kind === 'redis' ? redis : ts;
      const out = seen[kind];
      await r.call('SET', 'k', 'v');
      await r.call('GET', 'k');
      await r.call('CONFIG', 'SET', 'maxmemory-samples', '5');
      const byName = async (): Promise<Record<string, string>> =>
        Object.fromEntries(
          (await lines[kind]())
            .map((l) => /^latency_percentiles_usec_([^:]+):(.*)$/.exec(l) as RegExpExecArray)
            .map((m) => [m[1], m[2].replace(/=[0-9]+\.[0-9]{3}/g, '=N')]),
        );
      const first = await byName();
      out.push(first.set, first.get, first['config|set']);
      await r.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '0 0.1 99.99 100');
      out.push((await byName()).set);
      await r.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '');
      out.push((await byName()).get);
      await r.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50');
      await r.call('CONFIG', 'RESETSTAT');
      out.push(Object.keys(await byName())); // only what ran since: CONFIG RESETSTAT clears the histograms
      await r.call('CONFIG', 'SET', 'latency-tracking', 'no');
      out.push(await lines[kind]());
    }
    expect(seen.tsredis).toEqual(seen.redis);
    expect(seen.tsredis).toEqual([
      'p50=N,p99=N,p99.9=N',
      'p50=N,p99=N,p99.9=N',
      'p50=N,p99=N,p99.9=N',
      'p0=N,p0.1=N,p99.99=N,p100=N',
      '',
      ['config|resetstat'],
      [],
    ]);
  } finally {
    await server.close();
  }
});

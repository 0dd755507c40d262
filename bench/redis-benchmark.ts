// `npm run bench`: runs redis-benchmark against tsredis-server and Debian's redis-server in the same
// run (same machine, same client settings) and prints ops/s, p50/p99 latency and the tsredis/redis ratio.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { startRedis, startTsredis, type RunningServer } from '../test/helpers/procs.js';

const TESTS = ['set', 'get', 'incr', 'lpush', 'lpop', 'sadd', 'hset', 'zadd', 'mset'];
const CLIENTS = 50;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100000);
const PIPELINES = [1, 16];
/** Each configuration runs this many times per server (alternating which server goes first); medians are reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/**
 * Pinning (BENCH_PIN=no turns it off): each server runs on CPU 0 (all its threads, V8's GC helpers
 * included) and redis-benchmark on CPU 1, so that neither
 * server gets a core of its own by chance. Unpinned on this 2-core machine, the per-round ratio of one
 * test ranged 0.72-1.44; pinned, 0.84-0.99.
 */
const PIN = process.env.BENCH_PIN !== 'no' && os.cpus().length >= 2 && hasTaskset();
const SERVER_CPU = '0';
const CLIENT_CPU = '1';

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
}

/** Moves a running server (every thread) to the server CPU. */
function pinServer(s: RunningServer): RunningServer {
  if (PIN && s.proc.pid !== undefined) {
    execFileSync('taskset', ['-a', '-p', '-c', SERVER_CPU, String(s.proc.pid)], { stdio: 'ignore' });
  }
  return s;
}

/** redis-benchmark with args, on the client CPU when pinning. */
function benchmark(args: string[]): string {
  const [cmd, argv] = PIN
    ? ['taskset', ['-c', CLIENT_CPU, 'redis-benchmark', ...args]]
    : ['redis-benchmark', args];
  return execFileSync(cmd, argv, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
}

interface Row {
  test: string;
  rps: number;
  p50: number;
  p99: number;
}

/** The options every measured run shares: clients, requests, pipeline, random keys, CSV output. */
function measured(port: number, pipeline: number): string[] {
  return [
    '-p',
    String(port),
    '-c',
    String(CLIENTS),
    '-n',
    String(REQUESTS),
    '-P',
    String(pipeline),
    '-r',
    '100000',
    '--csv',
  ];
}

function runBenchmark(port: number, pipeline: number, tests: string[] = TESTS): Row[] {
  const out = benchmark([...measured(port, pipeline), '-t', tests.join(',')]);
  const rows: Row[] = [];
  for (const line of out.split('\n')) {
    const cells = line.split('","').map((c) => c.replace(/"/g, ''));
    if (cells.length < 7 || cells[0] === 'test') continue;
    rows.push({ test: cells[0], rps: Number(cells[1]), p50: Number(cells[4]), p99: Number(cells[6]) });
  }
  return rows;
}

/**
 * Commands redis-benchmark has no built-in test for. Scripting, as applications use it: a one-call EVAL,
 * an EVALSHA doing five calls, a one-call FCALL.
 */
const FIVE_CALLS = [
  "local v = redis.call('incr', KEYS[1])",
  "redis.call('set', KEYS[1] .. ':last', v)",
  "redis.call('get', KEYS[1] .. ':last')",
  "redis.call('expire', KEYS[1], 3600)",
  "return redis.call('ttl', KEYS[1])",
].join('\n');
const LIBRARY =
  "#!lua name=benchlib\nredis.register_function('bget', function(keys) return redis.call('get', keys[1]) end)";
interface CustomTest {
  test: string;
  argv: (sha: string) => string[];
  /** Run (with redis-cli / redis-benchmark) before each measurement, so every round starts alike. */
  setup?: (port: number) => void;
}

const cliOn = (port: number, ...args: string[]): string =>
  execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();

/** Fills a stream with REQUESTS entries (pipelined) and gives it a group reading from the start. */
function streamForGroup(port: number): void {
  cliOn(port, 'del', 'bench:xg');
  execFileSync('redis-benchmark', [
    '-p',
    String(port),
    '-n',
    String(REQUESTS),
    '-P',
    '16',
    '-q',
    'xadd',
    'bench:xg',
    '*',
    'f',
    'v',
  ]);
  cliOn(port, 'xgroup', 'create', 'bench:xg', 'g', '0');
}

const CUSTOM_TESTS: CustomTest[] = [
  {
    test: 'EVAL (1 call)',
    argv: () => ['eval', "return redis.call('get', KEYS[1])", '1', 'key:__rand_int__'],
  },
  { test: 'EVALSHA (5 calls)', argv: (sha) => ['evalsha', sha, '1', 'counter:__rand_int__'] },
  { test: 'FCALL (1 call)', argv: () => ['fcall', 'bget', '1', 'key:__rand_int__'] },
  // The types of issue 16: streams (append, a 10-entry range, a group read), HyperLogLog, geo.
  {
    test: 'XADD',
    argv: () => ['xadd', 'bench:xa', 'MAXLEN', '~', '100000', '*', 'field', 'value:__rand_int__'],
  },
  {
    test: 'XRANGE (10 entries)',
    argv: () => ['xrange', 'bench:xr', '-', '+', 'COUNT', '10'],
    setup: (port) => {
      cliOn(port, 'del', 'bench:xr');
      execFileSync('redis-benchmark', [
        '-p',
        String(port),
        '-n',
        '1000',
        '-q',
        'xadd',
        'bench:xr',
        '*',
        'f',
        'v',
      ]);
    },
  },
  {
    test: 'XREADGROUP (1 entry)',
    argv: () => ['xreadgroup', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 'bench:xg', '>'],
    setup: streamForGroup,
  },
  { test: 'PFADD', argv: () => ['pfadd', 'bench:hll', 'element:__rand_int__'] },
  { test: 'GEOADD', argv: () => ['geoadd', 'bench:geo', '13.361389', '38.115556', 'member:__rand_int__'] },
];

/** Loads the script and the library the scripting tests call; returns the script's SHA. */
function loadScripts(port: number): string {
  cliOn(port, 'function', 'load', 'replace', LIBRARY);
  return cliOn(port, 'script', 'load', FIVE_CALLS);
}

function runCustomBenchmark(port: number, pipeline: number, sha: string): Row[] {
  return CUSTOM_TESTS.map(({ test, argv, setup }) => {
    setup?.(port);
    const out = benchmark([...measured(port, pipeline), ...argv(sha)]);
    const line = out.split('\n').find((l) => l.startsWith('"') && !l.startsWith('"test"'));
    const cells = (line ?? '').split('","').map((c) => c.replace(/"/g, ''));
    if (cells.length < 7) throw new Error(`redis-benchmark gave no result for ${test}: ${out}`);
    return { test, rps: Number(cells[1]), p50: Number(cells[4]), p99: Number(cells[6]) };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The per-field median of one test across rounds. */
function medianRow(runs: Row[][], test: string): Row | undefined {
  const rows = runs.map((r) => r.find((x) => x.test === test)).filter((x): x is Row => x !== undefined);
  if (rows.length === 0) return undefined;
  return {
    test,
    rps: median(rows.map((r) => r.rps)),
    p50: median(rows.map((r) => r.p50)),
    p99: median(rows.map((r) => r.p99)),
  };
}

interface Compared {
  pipeline: number;
  test: string;
  redis: Row;
  tsredis: Row;
  ratio: number;
}

/** Runs `bench` on both servers ROUNDS times per pipeline (alternating who goes first); medians. */
function compare(
  redis: RunningServer,
  ts: RunningServer,
  bench: (port: number, p: number) => Row[],
): Compared[] {
  const out: Compared[] = [];
  for (const p of PIPELINES) {
    const rRuns: Row[][] = [];
    const tRuns: Row[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which server goes first so neither always runs on a warmer (or busier) machine.
      if (round % 2 === 0) {
        rRuns.push(bench(redis.port, p));
        tRuns.push(bench(ts.port, p));
      } else {
        tRuns.push(bench(ts.port, p));
        rRuns.push(bench(redis.port, p));
      }
    }
    for (const test of rRuns[0].map((x) => x.test)) {
      const rr = medianRow(rRuns, test);
      const tt = medianRow(tRuns, test);
      if (rr === undefined || tt === undefined) continue;
      out.push({ pipeline: p, test, redis: rr, tsredis: tt, ratio: tt.rps / rr.rps });
    }
  }
  return out;
}

function table(title: string, results: Compared[]): string {
  const lines = [title];
  lines.push('| -P | test | redis ops/s | tsredis ops/s | ratio | redis p50/p99 ms | tsredis p50/p99 ms |');
  lines.push('|---:|---|---:|---:|---:|---:|---:|');
  for (const x of results) {
    lines.push(
      `| ${x.pipeline} | ${x.test} | ${x.redis.rps.toFixed(0)} | ${x.tsredis.rps.toFixed(0)} | ${x.ratio.toFixed(2)} | ${x.redis.p50}/${x.redis.p99} | ${x.tsredis.p50}/${x.tsredis.p99} |`,
    );
  }
  return lines.join('\n');
}

/** The writes again with appendonly yes, both servers configured alike, for each fsync policy. */
const AOF_TESTS = ['set', 'incr', 'lpush'];
const AOF_POLICIES = ['everysec', 'always'];

async function aofComparison(): Promise<{ fsync: string; results: Compared[] }[]> {
  const out: { fsync: string; results: Compared[] }[] = [];
  for (const fsync of AOF_POLICIES) {
    const args = ['--appendonly', 'yes', '--appendfsync', fsync, '--save', ''];
    const redis = pinServer(await startRedis(args));
    const ts = pinServer(await startTsredis(args));
    try {
      out.push({ fsync, results: compare(redis, ts, (port, p) => runBenchmark(port, p, AOF_TESTS)) });
    } finally {
      await ts.stop();
      await redis.stop();
    }
  }
  return out;
}

async function main(): Promise<void> {
  const redis: RunningServer = pinServer(await startRedis());
  const ts: RunningServer = pinServer(await startTsredis(['--save', '']));
  const rSha = loadScripts(redis.port);
  const tSha = loadScripts(ts.port);
  if (rSha !== tSha) throw new Error(`SCRIPT LOAD gave ${rSha} on redis-server and ${tSha} on tsredis`);
  const both = (port: number, p: number): Row[] => [
    ...runBenchmark(port, p),
    ...runCustomBenchmark(port, p, rSha),
  ];
  let results: Compared[] = [];
  try {
    // BENCH_MAIN=no: only the appendonly tables (BENCH_AOF=no: only the main one).
    if (process.env.BENCH_MAIN !== 'no') results = compare(redis, ts, both);
  } finally {
    await ts.stop();
    await redis.stop();
  }
  const aof = process.env.BENCH_AOF === 'no' ? [] : await aofComparison();
  const head = `redis-benchmark: ${CLIENTS} clients, ${REQUESTS} requests per test, random keys (-r 100000), median of ${ROUNDS} rounds, ${PIN ? `servers on CPU ${SERVER_CPU}, redis-benchmark on CPU ${CLIENT_CPU}` : 'not pinned'}`;
  const text = [
    table(head, results),
    ...aof.map((a) => table(`\nappendonly yes, appendfsync ${a.fsync} (both servers):`, a.results)),
  ].join('\n');
  process.stdout.write(text + '\n');
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(
    process.env.BENCH_MAIN === 'no'
      ? 'bench/results/redis-benchmark-aof.json'
      : 'bench/results/redis-benchmark.json',
    JSON.stringify({ date: new Date().toISOString(), pinned: PIN, results, aof }, null, 2),
  );
}

void main();

// `npm run bench`: runs redis-benchmark against tsredis-server and Debian's redis-server in the same
// run (same machine, same client settings) and prints ops/s, p50/p99 latency and the tsredis/redis ratio.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { startRedis, startTsredis, type RunningServer } from '../test/helpers/procs.js';

const TESTS = ['set', 'get', 'incr', 'lpush', 'lpop', 'sadd', 'hset', 'zadd', 'mset'];
const CLIENTS = 50;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100000);
const PIPELINES = [1, 16];
/** Each configuration runs this many times per server (alternating which server goes first); medians are reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Row {
  test: string;
  rps: number;
  p50: number;
  p99: number;
}

function runBenchmark(port: number, pipeline: number): Row[] {
  const out = execFileSync(
    'redis-benchmark',
    [
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
      '-t',
      TESTS.join(','),
      '--csv',
    ],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const rows: Row[] = [];
  for (const line of out.split('\n')) {
    const cells = line.split('","').map((c) => c.replace(/"/g, ''));
    if (cells.length < 7 || cells[0] === 'test') continue;
    rows.push({ test: cells[0], rps: Number(cells[1]), p50: Number(cells[4]), p99: Number(cells[6]) });
  }
  return rows;
}

/** Scripting, as applications use it: a one-call EVAL, an EVALSHA doing five calls, a one-call FCALL. */
const FIVE_CALLS = [
  "local v = redis.call('incr', KEYS[1])",
  "redis.call('set', KEYS[1] .. ':last', v)",
  "redis.call('get', KEYS[1] .. ':last')",
  "redis.call('expire', KEYS[1], 3600)",
  "return redis.call('ttl', KEYS[1])",
].join('\n');
const LIBRARY =
  "#!lua name=benchlib\nredis.register_function('bget', function(keys) return redis.call('get', keys[1]) end)";
const SCRIPT_TESTS: { test: string; argv: (sha: string) => string[] }[] = [
  {
    test: 'EVAL (1 call)',
    argv: () => ['eval', "return redis.call('get', KEYS[1])", '1', 'key:__rand_int__'],
  },
  { test: 'EVALSHA (5 calls)', argv: (sha) => ['evalsha', sha, '1', 'counter:__rand_int__'] },
  { test: 'FCALL (1 call)', argv: () => ['fcall', 'bget', '1', 'key:__rand_int__'] },
];

/** Loads the script and the library the scripting tests call; returns the script's SHA. */
function loadScripts(port: number): string {
  const cli = (...args: string[]): string =>
    execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();
  cli('function', 'load', 'replace', LIBRARY);
  return cli('script', 'load', FIVE_CALLS);
}

function runScriptBenchmark(port: number, pipeline: number, sha: string): Row[] {
  return SCRIPT_TESTS.map(({ test, argv }) => {
    const out = execFileSync(
      'redis-benchmark',
      [
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
        ...argv(sha),
      ],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
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

async function main(): Promise<void> {
  const redis: RunningServer = await startRedis();
  const ts: RunningServer = await startTsredis(['--save', '']);
  const results: { pipeline: number; test: string; redis: Row; tsredis: Row; ratio: number }[] = [];
  const rSha = loadScripts(redis.port);
  const tSha = loadScripts(ts.port);
  if (rSha !== tSha) throw new Error(`SCRIPT LOAD gave ${rSha} on redis-server and ${tSha} on tsredis`);
  const both = (port: number, p: number): Row[] => [
    ...runBenchmark(port, p),
    ...runScriptBenchmark(port, p, rSha),
  ];
  try {
    for (const p of PIPELINES) {
      const rRuns: Row[][] = [];
      const tRuns: Row[][] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which server goes first so neither always runs on a warmer (or busier) machine.
        if (round % 2 === 0) {
          rRuns.push(both(redis.port, p));
          tRuns.push(both(ts.port, p));
        } else {
          tRuns.push(both(ts.port, p));
          rRuns.push(both(redis.port, p));
        }
      }
      for (const test of rRuns[0].map((x) => x.test)) {
        const rr = medianRow(rRuns, test);
        const tt = medianRow(tRuns, test);
        if (rr === undefined || tt === undefined) continue;
        results.push({ pipeline: p, test, redis: rr, tsredis: tt, ratio: tt.rps / rr.rps });
      }
    }
  } finally {
    await ts.stop();
    await redis.stop();
  }
  const lines: string[] = [];
  lines.push(
    `redis-benchmark: ${CLIENTS} clients, ${REQUESTS} requests per test, random keys (-r 100000), median of ${ROUNDS} rounds`,
  );
  lines.push('| -P | test | redis ops/s | tsredis ops/s | ratio | redis p50/p99 ms | tsredis p50/p99 ms |');
  lines.push('|---:|---|---:|---:|---:|---:|---:|');
  for (const x of results) {
    lines.push(
      `| ${x.pipeline} | ${x.test} | ${x.redis.rps.toFixed(0)} | ${x.tsredis.rps.toFixed(0)} | ${x.ratio.toFixed(2)} | ${x.redis.p50}/${x.redis.p99} | ${x.tsredis.p50}/${x.tsredis.p99} |`,
    );
  }
  const text = lines.join('\n');
  process.stdout.write(text + '\n');
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(
    'bench/results/redis-benchmark.json',
    JSON.stringify({ date: new Date().toISOString(), results }, null, 2),
  );
}

void main();

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
  try {
    for (const p of PIPELINES) {
      const rRuns: Row[][] = [];
      const tRuns: Row[][] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which server goes first so neither always runs on a warmer (or busier) machine.
        if (round % 2 === 0) {
          rRuns.push(runBenchmark(redis.port, p));
          tRuns.push(runBenchmark(ts.port, p));
        } else {
          tRuns.push(runBenchmark(ts.port, p));
          rRuns.push(runBenchmark(redis.port, p));
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

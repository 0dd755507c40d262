// `npm run bench`: runs redis-benchmark against tsredis-server and Debian's redis-server in the same
// run (same machine, same client settings) and prints ops/s, p50/p99 latency and the tsredis/redis ratio.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { startRedis, startTsredis, type RunningServer } from '../test/helpers/procs.js';

const TESTS = ['set', 'get', 'incr', 'lpush', 'lpop', 'sadd', 'hset', 'zadd', 'mset'];
const CLIENTS = 50;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100000);
const PIPELINES = [1, 16];

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

async function main(): Promise<void> {
  const redis: RunningServer = await startRedis();
  const ts: RunningServer = await startTsredis(['--save', '']);
  const results: { pipeline: number; test: string; redis: Row; tsredis: Row; ratio: number }[] = [];
  try {
    for (const p of PIPELINES) {
      // Alternate the servers per pipeline setting so neither always runs on a warmer machine.
      const r = runBenchmark(redis.port, p);
      const t = runBenchmark(ts.port, p);
      for (const rr of r) {
        const tt = t.find((x) => x.test === rr.test);
        if (tt === undefined) continue;
        results.push({ pipeline: p, test: rr.test, redis: rr, tsredis: tt, ratio: tt.rps / rr.rps });
      }
    }
  } finally {
    await ts.stop();
    await redis.stop();
  }
  const lines: string[] = [];
  lines.push(`redis-benchmark: ${CLIENTS} clients, ${REQUESTS} requests per test, random keys (-r 100000)`);
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

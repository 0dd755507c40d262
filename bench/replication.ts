// `npm run bench:replication`: full-sync time of 1M mixed keys master -> replica, and steady-state
// replication lag under a paced write load, for a tsredis pair and a redis-server pair in the same run.
import { Redis } from 'ioredis';
import * as fs from 'node:fs';
import { startRedis, startTsredis, waitFor, type RunningServer } from '../test/helpers/procs.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const RATE = Number(process.env.BENCH_RATE ?? 20_000);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 10);
/** Full syncs per server (each to a fresh replica); the median is reported, every run is listed. */
const SYNC_RUNS = Number(process.env.BENCH_SYNC_RUNS ?? 3);

type Starter = (extra: string[]) => Promise<RunningServer>;

async function infoField(r: Redis, field: string): Promise<string> {
  const text = await r.info('replication');
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
  return m === null ? '' : m[1].trim();
}

async function populate(r: Redis, n: number): Promise<void> {
  const batch = 5000;
  for (let i = 0; i < n; i += batch) {
    const p = r.pipeline();
    for (let j = i; j < Math.min(n, i + batch); j++) {
      switch (j % 5) {
        case 0:
          p.set(`str:${j}`, `value-${j}-${'x'.repeat(j % 40)}`);
          break;
        case 1:
          p.hset(`hash:${j}`, 'a', String(j), 'b', 'bbbbbbbb');
          break;
        case 2:
          p.rpush(`list:${j}`, 'a', 'b', String(j));
          break;
        case 3:
          p.sadd(`set:${j}`, String(j), String(j + 1));
          break;
        default:
          p.zadd(`zset:${j}`, j, 'm1', j + 0.5, 'm2');
      }
    }
    await p.exec();
  }
}

interface Measured {
  name: string;
  fullSyncMs: number;
  fullSyncRuns: number[];
  lag: LagStats;
}

/** A fresh replica of master: REPLICAOF until the link is up; returns it with the time taken. */
async function syncReplica(
  name: string,
  start: Starter,
  masterPort: number,
): Promise<{ replica: RunningServer; R: Redis; ms: number }> {
  const replica = await start([]);
  const R = new Redis({ port: replica.port });
  const t0 = performance.now();
  await R.call('REPLICAOF', '127.0.0.1', String(masterPort));
  await waitFor(async () => (await infoField(R, 'master_link_status')) === 'up', 600000, 'full sync');
  const ms = performance.now() - t0;
  const dbsize = await R.dbsize();
  if (dbsize !== KEYS) throw new Error(`${name}: replica has ${dbsize} keys, expected ${KEYS}`);
  return { replica, R, ms };
}

async function measure(name: string, start: Starter): Promise<Measured> {
  const master = await start([]);
  const M = new Redis({ port: master.port });
  try {
    await populate(M, KEYS);
    const runs: number[] = [];
    for (let i = 0; ; i++) {
      const { replica, R, ms } = await syncReplica(name, start, master.port);
      runs.push(ms);
      try {
        if (i + 1 >= SYNC_RUNS) {
          const lag = await steadyLag(M, R);
          return { name, fullSyncMs: pct(runs, 50), fullSyncRuns: runs, lag };
        }
      } finally {
        R.disconnect();
        await replica.stop();
      }
    }
  } finally {
    M.disconnect();
    await master.stop();
  }
}

interface LagStats {
  writesPerSec: number;
  offsetGapP50: number;
  offsetGapP99: number;
  visibleMsP50: number;
  visibleMsP99: number;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Writes at RATE/s for LAG_SECONDS; samples offset gaps and how long a marker takes to appear. */
async function steadyLag(M: Redis, R: Redis): Promise<LagStats> {
  const W = new Redis({ port: M.options.port as number });
  const stopAt = Date.now() + LAG_SECONDS * 1000;
  let written = 0;
  const t0 = Date.now();
  const writer = (async () => {
    while (Date.now() < stopAt) {
      const due = Math.floor(((Date.now() - t0) / 1000) * RATE) - written;
      if (due > 0) {
        const p = W.pipeline();
        for (let i = 0; i < due; i++) p.set(`lag:${(written + i) % 10000}`, String(written + i));
        written += due;
        await p.exec();
      } else await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const gaps: number[] = [];
  const visible: number[] = [];
  let marker = 0;
  while (Date.now() < stopAt) {
    const [mo, ro] = await Promise.all([
      infoField(M, 'master_repl_offset'),
      infoField(R, 'master_repl_offset'),
    ]);
    gaps.push(Math.max(0, Number(mo) - Number(ro)));
    const key = `marker:${marker++}`;
    const sent = performance.now();
    await M.set(key, '1');
    while ((await R.exists(key)) === 0) await new Promise((r) => setImmediate(r));
    visible.push(performance.now() - sent);
    await new Promise((r) => setTimeout(r, 50));
  }
  await writer;
  W.disconnect();
  return {
    writesPerSec: written / ((Date.now() - t0) / 1000),
    offsetGapP50: pct(gaps, 50),
    offsetGapP99: pct(gaps, 99),
    visibleMsP50: pct(visible, 50),
    visibleMsP99: pct(visible, 99),
  };
}

async function main(): Promise<void> {
  const results = [];
  results.push(
    await measure('redis-server', (extra) => startRedis(['--repl-diskless-sync-delay', '0', ...extra])),
  );
  results.push(
    await measure('tsredis', (extra) =>
      startTsredis(['--save', '', '--repl-diskless-sync-delay', '0', ...extra]),
    ),
  );
  const [r, t] = results;
  const lines = [
    `Replication bench: ${KEYS} mixed keys (string/hash/list/set/zset), full sync median of ${SYNC_RUNS} (fresh replica each), paced writer at ${RATE}/s for ${LAG_SECONDS}s`,
    '| | redis-server | tsredis | ratio (tsredis/redis) |',
    '|---|---:|---:|---:|',
    `| full sync ms (median) | ${r.fullSyncMs.toFixed(0)} | ${t.fullSyncMs.toFixed(0)} | ${(t.fullSyncMs / r.fullSyncMs).toFixed(2)} |`,
    `| full sync ms (each run) | ${r.fullSyncRuns.map((x) => x.toFixed(0)).join(', ')} | ${t.fullSyncRuns.map((x) => x.toFixed(0)).join(', ')} | |`,
    `| writes/s achieved | ${r.lag.writesPerSec.toFixed(0)} | ${t.lag.writesPerSec.toFixed(0)} | |`,
    `| offset gap p50/p99 bytes | ${r.lag.offsetGapP50}/${r.lag.offsetGapP99} | ${t.lag.offsetGapP50}/${t.lag.offsetGapP99} | |`,
    `| write visible on replica p50/p99 ms | ${r.lag.visibleMsP50.toFixed(2)}/${r.lag.visibleMsP99.toFixed(2)} | ${t.lag.visibleMsP50.toFixed(2)}/${t.lag.visibleMsP99.toFixed(2)} | |`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(
    'bench/results/replication.json',
    JSON.stringify({ date: new Date().toISOString(), results }, null, 2),
  );
}

void main();

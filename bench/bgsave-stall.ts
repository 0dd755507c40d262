// `npm run bench:bgsave`: the longest event-loop stall while BGSAVE snapshots 1M keys, and while
// BGREWRITEAOF rewrites them (appendonly yes), seen from a client issuing PINGs back to back, for
// tsredis and (fork-based) redis-server in the same run; with the duration of each.
import { Redis } from 'ioredis';
import * as fs from 'node:fs';
import { startRedis, startTsredis, waitFor, type RunningServer } from '../test/helpers/procs.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);

async function fill(r: Redis): Promise<void> {
  for (let i = 0; i < KEYS; i += 10000) {
    const p = r.pipeline();
    for (let j = i; j < Math.min(KEYS, i + 10000); j++) {
      if (j % 4 === 0) p.hset(`h:${j}`, 'f', String(j));
      else p.set(`k:${j}`, `value-${j}`);
    }
    await p.exec();
  }
}

type Op = 'bgsave' | 'bgrewriteaof';

async function run(name: string, srv: RunningServer, op: Op): Promise<Record<string, number | string>> {
  const r = new Redis({ port: srv.port });
  const probe = new Redis({ port: srv.port });
  try {
    await fill(r);
    const lat: number[] = [];
    let saving = true;
    const pinger = (async () => {
      while (saving) {
        const t = performance.now();
        await probe.ping();
        lat.push(performance.now() - t);
      }
    })();
    await new Promise((res) => setTimeout(res, 300));
    const before = lat.length;
    const t0 = performance.now();
    if (op === 'bgsave') await r.bgsave();
    else await r.bgrewriteaof();
    const done = op === 'bgsave' ? 'rdb_bgsave_in_progress:0' : 'aof_rewrite_in_progress:0';
    await waitFor(async () => (await r.info('persistence')).includes(done), 600000, op);
    const took = performance.now() - t0;
    saving = false;
    await pinger;
    const during = lat.slice(before);
    const info = await r.info('persistence');
    const slice = /rdb_last_bgsave_longest_slice_ms:([0-9.]+)/.exec(info)?.[1] ?? 'n/a';
    return {
      server: name,
      op,
      keys: KEYS,
      ms: Math.round(took),
      pingsDuringSave: during.length,
      maxPingMs: Number(Math.max(...during).toFixed(2)),
      p99PingMs: Number([...during].sort((a, b) => a - b)[Math.floor(during.length * 0.99)].toFixed(2)),
      longestSliceMs: op === 'bgsave' ? slice : 'n/a',
    };
  } finally {
    r.disconnect();
    probe.disconnect();
    await srv.stop();
  }
}

async function main(): Promise<void> {
  const aof = ['--appendonly', 'yes'];
  const rows = [
    await run('redis-server (fork)', await startRedis(), 'bgsave'),
    await run('tsredis (copy-on-write slices)', await startTsredis(['--save', '']), 'bgsave'),
    await run('redis-server (fork)', await startRedis(aof), 'bgrewriteaof'),
    await run('tsredis (copy-on-write slices)', await startTsredis(['--save', '', ...aof]), 'bgrewriteaof'),
  ];
  for (const row of rows) process.stdout.write(JSON.stringify(row) + '\n');
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(
    'bench/results/bgsave-stall.json',
    JSON.stringify({ date: new Date().toISOString(), rows }, null, 2),
  );
}

void main();

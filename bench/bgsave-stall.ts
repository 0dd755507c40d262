// `npm run bench:bgsave`: the longest event-loop stall while BGSAVE snapshots 1M keys, seen from a
// client issuing PINGs back to back, for tsredis and (fork-based) redis-server in the same run.
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

async function run(name: string, srv: RunningServer): Promise<Record<string, number | string>> {
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
    await r.bgsave();
    await waitFor(
      async () => (await r.info('persistence')).includes('rdb_bgsave_in_progress:0'),
      600000,
      'bgsave',
    );
    const took = performance.now() - t0;
    saving = false;
    await pinger;
    const during = lat.slice(before);
    const info = await r.info('persistence');
    const slice = /rdb_last_bgsave_longest_slice_ms:([0-9.]+)/.exec(info)?.[1] ?? 'n/a';
    return {
      server: name,
      keys: KEYS,
      bgsaveMs: Math.round(took),
      pingsDuringSave: during.length,
      maxPingMs: Number(Math.max(...during).toFixed(2)),
      p99PingMs: Number([...during].sort((a, b) => a - b)[Math.floor(during.length * 0.99)].toFixed(2)),
      longestSliceMs: slice,
    };
  } finally {
    r.disconnect();
    probe.disconnect();
    await srv.stop();
  }
}

async function main(): Promise<void> {
  const rows = [
    await run('redis-server (fork)', await startRedis()),
    await run('tsredis (copy-on-write slices)', await startTsredis(['--save', ''])),
  ];
  for (const row of rows) process.stdout.write(JSON.stringify(row) + '\n');
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(
    'bench/results/bgsave-stall.json',
    JSON.stringify({ date: new Date().toISOString(), rows }, null, 2),
  );
}

void main();

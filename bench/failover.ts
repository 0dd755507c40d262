// `npm run bench:failover`: time from a master failure to the first write accepted by the new master,
// over BENCH_RUNS runs (default 10) per series, on the local control plane with the operator installed
// by Helm: SIGKILL of the master container and SIGSTOP (freeze, a hard failure that only health checks
// detect), each at downAfterMilliseconds 1000 and at the default (5000), on a real node (kubelet +
// containerd running our images). Prints median and p95.
import { Redis } from 'ioredis';
import * as fs from 'node:fs';
import { TestCluster } from '../test/cluster/fixture.js';
import { installOperator, getRR, rr, waitReady, password, wiredTo, podIps } from '../test/e2e/harness.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const NS = 'bench';

/** Tries SET on every node until one accepts it; returns when, or throws after 60 s. */
async function firstAcceptedWrite(ips: string[], pass: string, deadline: number): Promise<number> {
  const clients = ips.map((ip) => {
    const c = new Redis({
      host: ip,
      port: 6379,
      password: pass,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: 200,
      commandTimeout: 200,
      retryStrategy: () => 50,
    });
    c.on('error', () => {});
    void c.connect().catch(() => {});
    return c;
  });
  try {
    while (Date.now() < deadline) {
      const results = await Promise.allSettled(
        clients.map((c) => c.set('bench:failover', String(Date.now()))),
      );
      if (results.some((r) => r.status === 'fulfilled')) return Date.now();
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no node accepted a write within 60 s');
  } finally {
    for (const c of clients) c.disconnect();
  }
}

function stats(xs: number[]): { median: number; p95: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p95: at(0.95) };
}

async function series(
  cluster: TestCluster,
  name: string,
  downAfter: number,
  fault: 'kill' | 'stop',
): Promise<number[]> {
  await cluster.apply(NS, rr(name, { replicas: 2, failover: { downAfterMilliseconds: downAfter } }));
  await waitReady(name, 2);
  const pass = await password(name);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await waitReady(name, 2, 120_000);
    await cluster.waitFor('replicas linked', () => wiredTo(name, pass), 60_000);
    const master = (await getRR(name))?.status?.master?.pod ?? '';
    const ips = [...(await podIps(`app.kubernetes.io/instance=${name}`)).values()];
    const t0 = Date.now();
    await cluster.fault({ action: fault, namespace: NS, pod: master });
    try {
      const t1 = await firstAcceptedWrite(ips, pass, t0 + 60_000);
      times.push(t1 - t0);
      process.stderr.write(`  ${fault} downAfter=${downAfter} run ${i + 1}: ${t1 - t0} ms\n`);
    } finally {
      if (fault === 'stop') await cluster.fault({ action: 'cont', namespace: NS, pod: master });
      // A fresh pod for the next run: killing the same container again would meet kubelet's crash
      // back-off (10 s, 20 s, 40 s, ...), which is not what this measures.
      if (fault === 'kill') await cluster.kubectl('delete', 'pod', '-n', NS, master, '--wait=true');
    }
  }
  await cluster.kubectl('delete', 'rr', name, '-n', NS, '--wait=true');
  return times;
}

async function main(): Promise<void> {
  const cluster = await TestCluster.start('bench', 1);
  const lines: string[] = [];
  try {
    await installOperator(cluster, NS);
    for (const fault of ['kill', 'stop'] as const) {
      for (const downAfter of [1000, 5000]) {
        const t = await series(cluster, `${fault}-${downAfter}`, downAfter, fault);
        const s = stats(t);
        lines.push(
          `| ${fault === 'kill' ? 'SIGKILL (container restarts)' : 'SIGSTOP (frozen)'} | ${downAfter} | ${t.length} | ${s.median} | ${s.p95} | ${Math.min(...t)} | ${Math.max(...t)} |`,
        );
      }
    }
  } finally {
    await cluster.stop();
  }
  const table = [
    '| fault | downAfterMilliseconds | runs | median ms | p95 ms | min ms | max ms |',
    '|---|---|---|---|---|---|---|',
    ...lines,
  ].join('\n');
  console.log(
    `\nTime from the fault to the first write accepted by the new master (real node, ${new Date().toISOString()}):\n${table}`,
  );
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(`bench/results/failover-${Date.now()}.md`, table + '\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

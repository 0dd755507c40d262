// `npm run bench:failover`: time from a master failure to the first write accepted by the new master,
// over BENCH_RUNS runs (default 10) per series, on a local cluster of 4 real nodes (kubelet +
// containerd running our images) with the operator installed by Helm and pinned to node 0: SIGKILL of
// the master container and SIGSTOP (freeze, a hard failure that only health checks detect), each at
// downAfterMilliseconds 1000 and at the default (5000), and the loss of the master's whole node
// (kubelet, containerd and containers stopped, its network down) at 1000. For that one the three pods
// are on nodes 1-3, so that the new master keeps a replica: with min-replicas-to-write 1 (the
// operator's fence), a master whose replicas are all gone refuses writes. Prints median and p95.
import { Redis } from 'ioredis';
import * as fs from 'node:fs';
import { TestCluster } from '../test/cluster/fixture.js';
import { realNodeLayout } from '../test/cluster/real-node.js';
import {
  installOperator,
  operatorOn,
  getRR,
  rr,
  waitReady,
  password,
  wiredTo,
  podIps,
  spreadAwayFrom,
} from '../test/e2e/harness.js';

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
  fault: 'kill' | 'stop' | 'node',
): Promise<number[]> {
  // Node loss: the three pods on the three nodes other than the operator's.
  const replicas = 2;
  const spec = { replicas, failover: { downAfterMilliseconds: downAfter } };
  const node0 = realNodeLayout(cluster.layout, 0).name;
  await cluster.apply(
    NS,
    rr(name, fault === 'node' ? { ...spec, affinity: spreadAwayFrom(node0, name) } : spec),
  );
  await waitReady(name, replicas);
  const pass = await password(name);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await waitReady(name, replicas, 120_000);
    await cluster.waitFor('replicas linked', () => wiredTo(name, pass), 60_000);
    const master = (await getRR(name))?.status?.master?.pod ?? '';
    const ips = [...(await podIps(`app.kubernetes.io/instance=${name}`)).values()];
    const node = (await cluster.placeOf(NS, master)).i;
    const t0 = Date.now();
    await cluster.fault(
      fault === 'node' ? { action: 'node-fail', node } : { action: fault, namespace: NS, pod: master },
    );
    try {
      const t1 = await firstAcceptedWrite(ips, pass, t0 + 60_000);
      times.push(t1 - t0);
      process.stderr.write(`  ${fault} downAfter=${downAfter} run ${i + 1}: ${t1 - t0} ms\n`);
    } finally {
      if (fault === 'node') await cluster.fault({ action: 'node-recover', node });
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
  const cluster = await TestCluster.start('bench', 4);
  const lines: string[] = [];
  const label = { kill: 'SIGKILL (container restarts)', stop: 'SIGSTOP (frozen)', node: 'node lost' };
  try {
    await installOperator(cluster, NS, operatorOn(realNodeLayout(cluster.layout, 0).name));
    const plan = [
      ['kill', 1000],
      ['kill', 5000],
      ['stop', 1000],
      ['stop', 5000],
      ['node', 1000],
    ] as const;
    for (const [fault, downAfter] of plan) {
      const t = await series(cluster, `${fault}-${downAfter}`, downAfter, fault);
      const s = stats(t);
      lines.push(
        `| ${label[fault]} | ${downAfter} | ${t.length} | ${s.median} | ${s.p95} | ${Math.min(...t)} | ${Math.max(...t)} |`,
      );
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
    `\nTime from the fault to the first write accepted by the new master (4 real nodes, ${new Date().toISOString()}):\n${table}`,
  );
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(`bench/results/failover-${Date.now()}.md`, table + '\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

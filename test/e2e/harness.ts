// Shared helpers of the end-to-end operator tests: the cluster and namespace under test, reading
// RedisReplications, waiting for an honest Ready, talking to node pods directly (ioredis and raw RESP),
// Service endpoints, and installing the operator with Helm.
import { Redis } from 'ioredis';
import net from 'node:net';
import path from 'node:path';
import { isReady, type TestCluster } from '../cluster/fixture.js';
import { projectRoot } from '../cluster/control-plane.js';
import type { RedisReplication } from '../../operator/src/api/types.js';

/** Set by each test file's beforeAll. */
export const ctx = { cluster: undefined as unknown as TestCluster, ns: 'apps' };

/**
 * helm install of the operator and the test namespace; `values` are helm's --set arguments (by default
 * the image tag dev: the images images.sh built from the checkout, imported into every node).
 */
export async function installOperator(
  cluster: TestCluster,
  ns: string,
  values: string[] = ['--set', 'image.tag=dev'],
): Promise<void> {
  ctx.cluster = cluster;
  ctx.ns = ns;
  await cluster.run('helm', [
    'install',
    'tsredis-operator',
    path.join(projectRoot, 'helm', 'tsredis-operator'),
    '--namespace',
    'tsredis-system',
    '--create-namespace',
    ...values,
    '--wait',
    '--timeout',
    '120s',
  ]);
  await cluster.kubectl('create', 'namespace', ns);
  await cluster.waitFor('default ServiceAccount', () =>
    cluster.api.getOrNull(`/api/v1/namespaces/${ns}/serviceaccounts/default`),
  );
}

/** installOperator's values that pin the operator's pods to one node (the chart's nodeSelector). */
export function operatorOn(node: string): string[] {
  return ['--set-string', `nodeSelector.kubernetes\\.io/hostname=${node}`];
}

export const rrPath = (name: string) =>
  `/apis/tsredis.dev/v1alpha1/namespaces/${ctx.ns}/redisreplications/${name}`;
export const getRR = (name: string) => ctx.cluster.api.getOrNull<RedisReplication>(rrPath(name));

export function rr(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'tsredis.dev/v1alpha1',
    kind: 'RedisReplication',
    metadata: { name },
    spec: { image: 'tsredis/node:dev', ...spec },
  };
}

/**
 * A RedisReplication's affinity that keeps its pods off `node` (where the tests pin the operator) and
 * never puts two of them on one node: for the node-loss test and bench.
 */
export function spreadAwayFrom(node: string, name: string) {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: [node] }] },
        ],
      },
    },
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          topologyKey: 'kubernetes.io/hostname',
          labelSelector: { matchLabels: { 'app.kubernetes.io/instance': name } },
        },
      ],
    },
  };
}

/** Ready in status, and the status agrees with the live pods (the master pod has the IP status names). */
export async function waitReady(
  name: string,
  replicas: number,
  timeoutMs = 90_000,
): Promise<RedisReplication> {
  return ctx.cluster
    .waitFor(
      `${name} Ready with ${replicas + 1} pods`,
      async () => {
        const r = await getRR(name);
        const ok =
          r?.status?.phase === 'Ready' &&
          r.status.ready === `${replicas + 1}/${replicas + 1}` &&
          r.status.observedGeneration === r.metadata.generation;
        if (!ok || !r.status?.master) return undefined;
        // The status must describe the pods that exist now: right after a pod is deleted it still counts
        // the old one Ready, and a test reading the nodes then would race the new pod's first REPLICAOF.
        const pods = await ctx.cluster.pods(ctx.ns, `app.kubernetes.io/instance=${name}`);
        if (pods.length !== replicas + 1 || !pods.every(isReady)) return undefined;
        const ipOf = new Map(pods.map((p) => [p.metadata?.name ?? '', p.status?.podIP]));
        const listed = r.status.replicas ?? [];
        const current =
          ipOf.get(r.status.master.pod) === r.status.master.ip &&
          pods.every((p) => listed.some((x) => x.pod === p.metadata?.name && x.ip === p.status?.podIP));
        return current ? r : undefined;
      },
      timeoutMs,
    )
    .catch(async (e: unknown) => {
      throw new Error(`${String(e)}\n${await describeState(name)}`);
    });
}

/**
 * What a failed wait saw, for the test's error message: the CR's status, its pods, its Events and the
 * operator pods' last log lines (each part best-effort).
 */
export async function describeState(name: string): Promise<string> {
  const part = async (title: string, f: () => Promise<string>) =>
    `--- ${title}\n${await f().catch((e: unknown) => `(unavailable: ${String(e)})`)}`;
  const c = ctx.cluster;
  const parts = await Promise.all([
    part(`status of ${name}`, async () => JSON.stringify((await getRR(name))?.status ?? null)),
    part('pods', () => c.kubectl('get', 'pods', '-A', '-o', 'wide')),
    part('events', () => c.kubectl('get', 'events', '-n', ctx.ns, '--sort-by=.lastTimestamp').then(tail(30))),
    part('operator logs', async () => {
      const pods = await c.pods('tsredis-system', 'app.kubernetes.io/name=tsredis-operator');
      const logs = await Promise.all(
        pods.map(
          async (p) =>
            `[${p.metadata.name}]\n${await c.kubectl('logs', '-n', 'tsredis-system', p.metadata.name, '--tail=40').catch((e: unknown) => String(e))}`,
        ),
      );
      return logs.join('\n');
    }),
  ]);
  return parts.join('\n');
}

const tail = (n: number) => (text: string) => text.split('\n').slice(-n).join('\n');

export async function password(name: string): Promise<string> {
  const s = await ctx.cluster.api.get<{ data: Record<string, string> }>(
    `/api/v1/namespaces/${ctx.ns}/secrets/${name}-auth`,
  );
  return Buffer.from(s.data.password, 'base64').toString('utf8');
}

export async function node<T>(
  ip: string,
  pass: string | undefined,
  fn: (r: Redis) => Promise<T>,
): Promise<T> {
  const r = new Redis({
    host: ip,
    port: 6379,
    password: pass,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3000,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** One command over a raw connection (no client library between us and the reply). */
export function rawReply(ip: string, command: string, port = 6379): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: ip, port }, () => sock.write(command));
    sock.setTimeout(3000, () => sock.destroy(new Error('timeout')));
    sock.once('data', (d: Buffer) => {
      sock.destroy();
      resolve(d.toString('utf8'));
    });
    sock.on('error', reject);
    // A server that closes the connection without a reply (a client kill) settles it too.
    sock.once('close', () => reject(new Error('connection closed without a reply')));
  });
}

export async function replicationInfo(ip: string, pass: string): Promise<Record<string, string>> {
  const text = await node(ip, pass, (r) => r.info('replication'));
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
  );
}

export async function endpointIps(service: string): Promise<string[]> {
  const r = await ctx.cluster.api.get<{
    items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[];
  }>(
    `/apis/discovery.k8s.io/v1/namespaces/${ctx.ns}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${service}`)}`,
  );
  return r.items
    .flatMap((s) =>
      (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses),
    )
    .sort();
}

export async function podIps(selector: string): Promise<Map<string, string>> {
  const pods = await ctx.cluster.pods(ctx.ns, selector);
  return new Map(pods.map((p) => [p.metadata.name, p.status?.podIP ?? '']));
}

/** Every replica points at the master's current pod IP and its link is up. */
export async function wiredTo(name: string, pass: string): Promise<boolean> {
  const r = await getRR(name);
  const masterPod = r?.status?.master?.pod;
  if (!masterPod) return false;
  const ips = await podIps(`app.kubernetes.io/instance=${name}`);
  const masterIp = ips.get(masterPod);
  for (const [pod, ip] of ips) {
    if (pod === masterPod) continue;
    const info = await replicationInfo(ip, pass).catch(() => undefined);
    if (info?.master_host !== masterIp || info?.master_link_status !== 'up') return false;
  }
  return true;
}

export interface WriterResult {
  acknowledged: string[];
  failures: number;
}

/**
 * A writer that follows the master named in the CR's status and counts a write as acknowledged only
 * when `WAIT 1 1000` reports a replica has it. `stop()` ends it and returns what it saw.
 */
export function startWriter(
  name: string,
  pass: string,
  prefix: string,
): { stop(): Promise<WriterResult>; acknowledged(): number } {
  const acknowledged: string[] = [];
  let failures = 0;
  let stopped = false;
  const loop = (async () => {
    let client: Redis | undefined;
    for (let i = 0; !stopped; i++) {
      try {
        if (!client) {
          const ip = (await getRR(name))?.status?.master?.ip ?? '';
          client = new Redis({
            host: ip,
            port: 6379,
            password: pass,
            maxRetriesPerRequest: 0,
            retryStrategy: () => null,
            enableOfflineQueue: false,
            lazyConnect: true,
            connectTimeout: 500,
            commandTimeout: 2000,
          });
          client.on('error', () => {});
          await client.connect();
        }
        await client.set(`${prefix}:${i}`, String(i));
        if (Number(await client.call('WAIT', '1', '1000')) >= 1) acknowledged.push(`${prefix}:${i}`);
      } catch {
        failures++;
        client?.disconnect();
        client = undefined;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    client?.disconnect();
  })();
  return {
    acknowledged: () => acknowledged.length,
    async stop() {
      stopped = true;
      await loop;
      return { acknowledged, failures };
    },
  };
}

/** The acknowledged keys missing on the node at `ip`. */
export async function missingKeys(ip: string, pass: string, keys: string[]): Promise<string[]> {
  return node(ip, pass, async (c) => {
    const out: string[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      const values = await c.mget(...chunk);
      chunk.forEach((k, j) => values[j] === null && out.push(k));
    }
    return out;
  });
}

/** kubectl patch --type=merge of a RedisReplication's spec (a JSON text or an object). */
export function patchRR(name: string, patch: string | Record<string, unknown>): Promise<string> {
  return ctx.cluster.kubectl(
    'patch',
    'rr',
    name,
    '-n',
    ctx.ns,
    '--type=merge',
    '-p',
    typeof patch === 'string' ? patch : JSON.stringify(patch),
  );
}

// End-to-end tests of the local control plane: real kube-apiserver, controllers and scheduler with
// the process kubelet running tsredis-server pods in their own network namespaces.
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { Redis } from 'ioredis';
import { TestCluster, isReady } from './fixture.js';
import { listNetns, listLinks } from './network.js';
import { daemonPids, isAlive } from './daemons.js';
import type { Pod } from './kubelet/types.js';

jest.setTimeout(120_000);
let cluster: TestCluster;
const NS = 'cluster-e2e';

function nodeStatefulSet(name: string, replicas: number) {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { clusterIP: 'None', selector: { app: name }, ports: [{ port: 6379 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name },
      spec: {
        serviceName: name,
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'node',
                image: 'tsredis/node:dev',
                args: ['--port', '6379', '--dir', '/data', '--save', ''],
                ports: [{ name: 'redis', containerPort: 6379 }],
                // PING through the server itself: a frozen process fails it (a TCP connect would not).
                readinessProbe: {
                  exec: { command: ['redis-cli', '-p', '6379', 'ping'] },
                  periodSeconds: 1,
                  timeoutSeconds: 1,
                  failureThreshold: 1,
                },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    },
  ];
}

async function readyPods(selector: string, n: number): Promise<Pod[]> {
  return cluster.waitFor(`${n} Ready pods (${selector})`, async () => {
    const pods = await cluster.pods(NS, selector);
    return pods.length === n && pods.every(isReady) ? pods : undefined;
  });
}

function canConnect(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port });
    s.setTimeout(timeoutMs, () => {
      s.destroy();
      resolve(false);
    });
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function withRedis<T>(ip: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({
    host: ip,
    port: 6379,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
  });
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

beforeAll(async () => {
  cluster = await TestCluster.start('e2e', 1, 'process');
  process.stderr.write(`e2e cluster started in ${cluster.startSeconds.toFixed(1)}s\n`);
  await cluster.kubectl('create', 'namespace', NS);
  await cluster.waitFor('default ServiceAccount', () =>
    cluster.api.getOrNull(`/api/v1/namespaces/${NS}/serviceaccounts/default`),
  );
}, 30 * 60_000); // the first run on a machine builds the Kubernetes binaries

afterAll(async () => {
  if (cluster) await cluster.stop();
}, 60_000);

test('kubectl get nodes,pods -A works against the cluster', async () => {
  const out = await cluster.kubectl('get', 'nodes,pods', '-A');
  expect(out).toMatch(/node\/e2e-node-0\s+Ready/);
});

test('a StatefulSet of 3 tsredis pods comes up Ready with distinct pod IPs, each reachable from the host', async () => {
  await cluster.apply(NS, ...nodeStatefulSet('rn', 3));
  const pods = await readyPods('app=rn', 3);
  const ips = pods.map((p) => p.status?.podIP ?? '');
  expect(new Set(ips).size).toBe(3);
  for (const ip of ips) expect(ip).toMatch(/^10\.245\.1\.\d+$/);
  for (const p of pods) {
    const ip = p.status?.podIP ?? '';
    // Each pod has its own port space: all three listen on 6379, each answers as itself.
    await withRedis(ip, async (r) => {
      expect(await r.ping()).toBe('PONG');
      await r.set('who', p.metadata.name);
      expect(await r.get('who')).toBe(p.metadata.name);
    });
  }
  // The downward API and hostname: the pod sees its own name.
  const info = await cluster.kubeletPods();
  const rn0 = info.find((p) => p.name === 'rn-0');
  expect(rn0?.containers[0].pid).toBeGreaterThan(0);
  expect(
    execFileSync('nsenter', ['-t', String(rn0?.containers[0].pid), '-u', 'hostname'], {
      encoding: 'utf8',
    }).trim(),
  ).toBe('rn-0');
  // kubectl logs goes API server -> kubelet HTTPS endpoint.
  expect(await cluster.kubectl('logs', '-n', NS, 'rn-0')).toMatch(/Ready to accept connections/);
});

test('a PVC-backed pod keeps its RDB across pod deletion', async () => {
  const before = await cluster.pod(NS, 'rn-1');
  const ip = before?.status?.podIP ?? '';
  await withRedis(ip, async (r) => {
    await r.set('durable', 'yes');
    await r.save();
  });
  await cluster.kubectl('delete', 'pod', '-n', NS, 'rn-1', '--wait=true');
  const after = await cluster.waitFor('rn-1 re-created and Ready', async () => {
    const p = await cluster.pod(NS, 'rn-1');
    return p && p.metadata.uid !== before?.metadata.uid && isReady(p) ? p : undefined;
  });
  expect(await withRedis(after.status?.podIP ?? '', (r) => r.get('durable'))).toBe('yes');
});

test('a crashed container restarts and restartCount increments', async () => {
  const restarts = async () =>
    (await cluster.pod(NS, 'rn-2'))?.status?.containerStatuses?.[0].restartCount ?? -1;
  const before = await restarts();
  const pidBefore = (await cluster.kubeletPods()).find((p) => p.name === 'rn-2')?.containers[0].pid;
  await cluster.fault({ action: 'kill', namespace: NS, pod: 'rn-2' });
  await cluster.waitFor('restartCount incremented', async () => (await restarts()) === before + 1);
  const p = await cluster.waitFor('rn-2 Ready again', async () => {
    const x = await cluster.pod(NS, 'rn-2');
    return isReady(x) ? x : undefined;
  });
  const st = p.status?.containerStatuses?.[0];
  expect(st?.lastState.terminated?.exitCode).toBe(137);
  const pidAfter = (await cluster.kubeletPods()).find((x) => x.name === 'rn-2')?.containers[0].pid;
  expect(pidAfter).not.toBe(pidBefore);
  expect(await withRedis(p.status?.podIP ?? '', (r) => r.ping())).toBe('PONG');
});

test('a frozen pod turns NotReady through its probe, and Ready again when thawed', async () => {
  await cluster.fault({ action: 'stop', namespace: NS, pod: 'rn-0' });
  try {
    await cluster.waitFor('rn-0 NotReady', async () => !isReady(await cluster.pod(NS, 'rn-0')), 30_000);
  } finally {
    await cluster.fault({ action: 'cont', namespace: NS, pod: 'rn-0' });
  }
  await cluster.waitFor('rn-0 Ready', async () => isReady(await cluster.pod(NS, 'rn-0')), 30_000);
});

test('a partitioned pod cannot be reached, and can be healed', async () => {
  const ip = (await cluster.pod(NS, 'rn-0'))?.status?.podIP ?? '';
  expect(await canConnect(ip, 6379, 1000)).toBe(true);
  await cluster.fault({ action: 'partition', namespace: NS, pod: 'rn-0' });
  expect(await canConnect(ip, 6379, 1000)).toBe(false);
  // Another pod cannot reach it either.
  const rn2 = (await cluster.kubeletPods()).find((p) => p.name === 'rn-2');
  const fromPod = () =>
    execFileSync(
      'ip',
      ['netns', 'exec', rn2?.netns ?? '', 'timeout', '2', 'redis-cli', '-h', ip, '-p', '6379', 'ping'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();
  // timeout(1) ends redis-cli's hanging connect with status 124.
  let status = 0;
  try {
    fromPod();
  } catch (e) {
    status = (e as { status?: number }).status ?? -1;
  }
  expect(status).toBe(124);
  await cluster.fault({ action: 'heal', namespace: NS, pod: 'rn-0' });
  expect(await canConnect(ip, 6379, 2000)).toBe(true);
  expect(fromPod()).toBe('PONG');
});

test('a failing liveness probe restarts the container', async () => {
  await cluster.apply(NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'liveness' },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'main',
          image: 'tsredis/toolbox',
          // Healthy for 2 s, then the file the probe checks disappears.
          command: ['/bin/sh', '-c', 'touch /tmp/alive; sleep 2; rm /tmp/alive; exec sleep 3600'],
          livenessProbe: {
            exec: { command: ['test', '-f', '/tmp/alive'] },
            periodSeconds: 1,
            failureThreshold: 2,
          },
        },
      ],
    },
  });
  const p = await cluster.waitFor(
    'a liveness restart',
    async () => {
      const x = await cluster.pod(NS, 'liveness');
      return (x?.status?.containerStatuses?.[0].restartCount ?? 0) >= 1 ? x : undefined;
    },
    30_000,
  );
  // Killed by the kubelet (SIGTERM from the liveness failure): exit status 143.
  expect(p.status?.containerStatuses?.[0].lastState.terminated?.exitCode).toBe(143);
  await cluster.kubectl('delete', 'pod', '-n', NS, 'liveness', '--wait=false');
});

test('a failed node (no heartbeats, pods cut off) turns NotReady with its pods, and recovers', async () => {
  const nodeReady = async () => {
    const n = await cluster.api.get<{ status: { conditions: { type: string; status: string }[] } }>(
      '/api/v1/nodes/e2e-node-0',
    );
    return n.status.conditions.find((c) => c.type === 'Ready')?.status;
  };
  expect(await nodeReady()).toBe('True');
  const ip = (await cluster.pod(NS, 'rn-0'))?.status?.podIP ?? '';
  await cluster.fault({ action: 'node-fail' });
  try {
    expect(await canConnect(ip, 6379, 1000)).toBe(false);
    // The node lifecycle controller notices the missing heartbeats (grace period 10 s here).
    await cluster.waitFor('node Ready=Unknown', async () => (await nodeReady()) === 'Unknown', 40_000);
    await cluster.waitFor(
      'pods marked NotReady',
      async () => !isReady(await cluster.pod(NS, 'rn-0')),
      20_000,
    );
  } finally {
    await cluster.fault({ action: 'node-recover' });
  }
  await cluster.waitFor('node Ready again', async () => (await nodeReady()) === 'True', 20_000);
  await readyPods('app=rn', 3);
  expect(await canConnect(ip, 6379, 2000)).toBe(true);
});

test('RBAC is real: a Deployment using its ServiceAccount gets what its Role grants and is denied the rest', async () => {
  const script = [
    'echo "user: $(kubectl auth whoami -o jsonpath={.status.userInfo.username})"',
    'kubectl get configmaps -o name >/dev/null 2>/tmp/e1 && echo "configmaps: allowed" || echo "configmaps: denied $(cat /tmp/e1)"',
    'kubectl get secrets -o name >/dev/null 2>/tmp/e2 && echo "secrets: allowed" || echo "secrets: denied $(cat /tmp/e2)"',
    'echo done',
    'exec sleep 3600',
  ].join('\n');
  await cluster.apply(
    NS,
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'cm-reader' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'reader-cm' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: NS }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'rbac-check' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'rbac-check' } },
        template: {
          metadata: { labels: { app: 'rbac-check' } },
          spec: {
            serviceAccountName: 'reader',
            containers: [{ name: 'check', image: 'tsredis/toolbox', command: ['/bin/sh', '-c', script] }],
          },
        },
      },
    },
  );
  const logs = await cluster.waitFor('the RBAC check to finish', async () => {
    const out = await cluster.kubectl('logs', '-n', NS, 'deploy/rbac-check').catch(() => '');
    return out.includes('done') ? out : undefined;
  });
  expect(logs).toContain(`user: system:serviceaccount:${NS}:reader`);
  expect(logs).toContain('configmaps: allowed');
  expect(logs).toMatch(/secrets: denied .*Forbidden.*cannot list resource "secrets"/);
});

test('helm works from the built binary', async () => {
  expect(await cluster.run('helm', ['version', '--short'])).toMatch(/^v3\.\d+\.\d+/);
  expect(await cluster.run('helm', ['list', '-A'])).toMatch(/NAME/);
});

test('cluster:down leaves no process, namespace, link or mount behind', async () => {
  const pids = [...daemonPids(cluster.layout.stateDir).values()];
  const podPids = (await cluster.kubeletPods())
    .flatMap((p) => p.containers.map((c) => c.pid ?? 0))
    .filter((p) => p > 0);
  expect(podPids.length).toBeGreaterThan(0);
  await cluster.stop();
  for (const p of [...pids, ...podPids]) expect(isAlive(p)).toBe(false);
  expect(listNetns(`tsr${cluster.layout.index}-`)).toEqual([]);
  expect(listLinks(`tv${cluster.layout.index}`)).toEqual([]);
  expect(listLinks(cluster.layout.bridge)).toEqual([]);
  expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(cluster.layout.stateDir);
  expect(existsSync(cluster.layout.stateDir)).toBe(false);
});

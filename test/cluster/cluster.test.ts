// End-to-end tests of the local cluster itself: real kube-apiserver, controllers and scheduler, and a
// real node (the upstream kubelet with containerd) running the node image: pods, volumes, probes,
// restarts, the faults the other end-to-end files use, RBAC, helm, and a clean cluster:down.
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { TestCluster, isReady } from './fixture.js';
import { listLinks } from './network.js';
import { daemonPids, isAlive } from './daemons.js';
import { realNodeLayout } from './real-node.js';
import type { Pod } from './pod.js';

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
        // As the operator's StatefulSets: the pods (and their volumes) are made at once.
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'node',
                image: 'tsredis/node:dev',
                args: ['--port', '6379', '--dir', '/data', '--save', '', '--protected-mode', 'no'],
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
  cluster = await TestCluster.start('e2e', 1);
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
  // The container's UTS namespace: the pod sees its own name as its hostname.
  const pid = await cluster.containerPid(NS, 'rn-0');
  expect(execFileSync('nsenter', ['-t', String(pid), '-u', 'hostname'], { encoding: 'utf8' }).trim()).toBe(
    'rn-0',
  );
  // kubectl logs goes API server -> kubelet HTTPS endpoint.
  expect(await cluster.kubectl('logs', '-n', NS, 'rn-0')).toMatch(/Ready to accept connections/);
});

test('cluster DNS (CoreDNS): Services and StatefulSet pods resolve by name inside pods; other names stay unanswered', async () => {
  const resolve = async (name: string) =>
    (await cluster.kubectl('exec', '-n', NS, 'rn-0', '--', 'getent', 'hosts', name)).trim().split(/\s+/)[0];
  // The kubelet gives pods the cluster DNS Service as their nameserver, with the search domains.
  const conf = await cluster.kubectl('exec', '-n', NS, 'rn-0', '--', 'cat', '/etc/resolv.conf');
  expect(conf).toContain(`nameserver ${cluster.layout.dnsIp}\n`);
  expect(conf).toContain(`search ${NS}.svc.cluster.local svc.cluster.local cluster.local`);
  expect(await resolve('kubernetes.default')).toBe(cluster.layout.firstServiceIp);
  const rn1 = (await cluster.pod(NS, 'rn-1'))?.status?.podIP;
  expect(await resolve('rn-1.rn')).toBe(rn1);
  expect(await resolve(`rn-1.rn.${NS}.svc.cluster.local`)).toBe(rn1);
  // CoreDNS forwards nothing: a name outside the cluster gets no address (getent exits 2).
  await expect(resolve('example.com')).rejects.toThrow(/exit code 2|command terminated/);
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
  const pidBefore = await cluster.containerPid(NS, 'rn-2');
  await cluster.fault({ action: 'kill', namespace: NS, pod: 'rn-2' });
  await cluster.waitFor('restartCount incremented', async () => (await restarts()) === before + 1);
  const p = await cluster.waitFor('rn-2 Ready again', async () => {
    const x = await cluster.pod(NS, 'rn-2');
    return isReady(x) ? x : undefined;
  });
  const st = p.status?.containerStatuses?.[0];
  expect(st?.lastState.terminated?.exitCode).toBe(137);
  const pidAfter = await cluster.containerPid(NS, 'rn-2');
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
  // Another pod cannot reach it either (redis-cli run in rn-2's network namespace).
  const rn2 = await cluster.containerPid(NS, 'rn-2');
  const fromPod = () =>
    execFileSync(
      'nsenter',
      ['-t', String(rn2), '-n', 'timeout', '2', 'redis-cli', '-h', ip, '-p', '6379', 'ping'],
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
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'main',
          image: 'tsredis/node:dev',
          // Healthy for 2 s, then the file the probe checks disappears. The shell is the container's
          // pid 1, which ignores SIGTERM unless it traps it.
          command: [
            '/bin/sh',
            '-c',
            "trap 'exit 143' TERM; touch /tmp/alive; sleep 2; rm /tmp/alive; while :; do sleep 1; done",
          ],
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
  // Stopped by the kubelet (SIGTERM after the liveness failure): exit status 143.
  expect(p.status?.containerStatuses?.[0].lastState.terminated?.exitCode).toBe(143);
  await cluster.kubectl('delete', 'pod', '-n', NS, 'liveness', '--wait=false');
});

test('a failed node (no heartbeats, pods cut off) turns NotReady with its pods, and recovers', async () => {
  const nodeReady = async () => {
    const n = await cluster.api.get<{ status: { conditions: { type: string; status: string }[] } }>(
      `/api/v1/nodes/${realNodeLayout(cluster.layout, 0).name}`,
    );
    return n.status.conditions.find((c) => c.type === 'Ready')?.status;
  };
  expect(await nodeReady()).toBe('True');
  const ip = (await cluster.pod(NS, 'rn-0'))?.status?.podIP ?? '';
  await cluster.fault({ action: 'node-fail', node: 0 });
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
    await cluster.fault({ action: 'node-recover', node: 0 });
  }
  await cluster.waitFor('node Ready again', async () => (await nodeReady()) === 'True', 20_000);
  await readyPods('app=rn', 3);
  expect(await canConnect(ip, 6379, 2000)).toBe(true);
});

test('RBAC is real: a Deployment using its ServiceAccount gets what its Role grants and is denied the rest', async () => {
  // Run in the node image with Node's fetch, as an in-cluster client does: the ServiceAccount token and
  // CA that the kubelet mounts, the API through the kubernetes Service (kube-proxy).
  const script = `
    const fs = require('fs');
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount/';
    const token = fs.readFileSync(sa + 'token', 'utf8');
    const ns = fs.readFileSync(sa + 'namespace', 'utf8');
    const base = 'https://' + process.env.KUBERNETES_SERVICE_HOST + ':' + process.env.KUBERNETES_SERVICE_PORT;
    const call = (p, init) =>
      fetch(base + p, { ...init, headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' } })
        .then(async (r) => ({ status: r.status, body: await r.json() }));
    (async () => {
      const who = await call('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
        method: 'POST',
        body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
      });
      console.log('user: ' + who.body.status.userInfo.username);
      for (const kind of ['configmaps', 'secrets']) {
        const r = await call('/api/v1/namespaces/' + ns + '/' + kind);
        console.log(kind + ': ' + (r.status === 200 ? 'allowed' : 'denied ' + r.status + ' ' + r.body.message));
      }
      console.log('done');
    })().catch((e) => console.log('failed: ' + e));
    setInterval(() => {}, 60000);
  `;
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
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'check',
                image: 'tsredis/node:dev',
                command: ['node', '-e', script],
                env: [
                  {
                    name: 'NODE_EXTRA_CA_CERTS',
                    value: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
                  },
                ],
              },
            ],
          },
        },
      },
    },
  );
  const logs = await cluster.waitFor('the RBAC check to finish', async () => {
    const out = await cluster.kubectl('logs', '-n', NS, 'deploy/rbac-check').catch(() => '');
    return out.includes('done') || out.includes('failed') ? out : undefined;
  });
  expect(logs).toContain(`user: system:serviceaccount:${NS}:reader`);
  expect(logs).toContain('configmaps: allowed');
  expect(logs).toMatch(/secrets: denied 403 .*cannot list resource "secrets"/);
});

test('helm works from the built binary', async () => {
  expect(await cluster.run('helm', ['version', '--short'])).toMatch(/^v3\.\d+\.\d+/);
  expect(await cluster.run('helm', ['list', '-A'])).toMatch(/NAME/);
});

test('cluster:down leaves no process, container, network namespace, link, cgroup or mount behind', async () => {
  const l = cluster.layout;
  const n = realNodeLayout(l, 0);
  const pids = [...daemonPids(l.stateDir).values()];
  const pods = ['rn-0', 'rn-1', 'rn-2'];
  const containerPids = await Promise.all(pods.map((p) => cluster.containerPid(NS, p)));
  // The pods' network namespaces, as containerd named them (cni-<uuid>).
  const netns = await Promise.all(
    pods.map(async (p) =>
      execFileSync('ip', ['netns', 'identify', String(await cluster.containerPid(NS, p, 'POD'))], {
        encoding: 'utf8',
      }).trim(),
    ),
  );
  for (const ns of netns) expect(ns).toMatch(/^cni-/);
  const cgroup = path.join('/sys/fs/cgroup/memory', n.cgroupRoot);
  expect(existsSync(cgroup)).toBe(true);
  await cluster.stop();
  for (const p of [...pids, ...containerPids]) expect(isAlive(p)).toBe(false);
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const ns of netns) expect(left).not.toContain(ns);
  expect(listLinks(n.cniBridge)).toEqual([]);
  expect(listLinks(l.bridge)).toEqual([]);
  expect(existsSync(cgroup)).toBe(false);
  expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(n.containerdSocket);
  expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(l.stateDir);
  expect(existsSync(l.stateDir)).toBe(false);
});

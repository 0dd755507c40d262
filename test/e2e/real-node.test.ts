// End to end on a real node: the upstream kubelet with containerd runs the images our Dockerfiles build
// (test/cluster/images.sh), nothing of the checkout mounted. `helm install` with the chart's defaults
// runs the operator image; a RedisReplication with a memory limit and the default PVC storage becomes
// Ready; the node containers run read-only with the memory limit applied in their cgroup; kubectl logs,
// exec and port-forward work; a write through the master Service (kube-proxy) reaches the replicas.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { TestCluster } from '../cluster/fixture.js';
import { projectRoot } from '../cluster/control-plane.js';
import { freePort } from '../helpers/procs.js';
import { ctx, password, waitReady } from './harness.js';

const NS = 'apps';
let cluster: TestCluster;

beforeAll(async () => {
  // A build and a cluster start, not a timing: the first run on a machine builds the images too.
  cluster = await TestCluster.start('rn', 1, 'containerd');
  ctx.cluster = cluster;
  ctx.ns = NS;
  await cluster.run('helm', [
    'install',
    'tsredis-operator',
    path.join(projectRoot, 'helm', 'tsredis-operator'),
    '--namespace',
    'tsredis-system',
    '--create-namespace',
    '--wait',
    '--timeout',
    '120s',
  ]);
  await cluster.kubectl('create', 'namespace', NS);
  await cluster.waitFor('default ServiceAccount', () =>
    cluster.api.getOrNull(`/api/v1/namespaces/${NS}/serviceaccounts/default`),
  );
}, 30 * 60_000);

afterAll(async () => {
  if (cluster) await cluster.stop();
}, 120_000);

test('the chart with its defaults runs the operator image on the real node', async () => {
  const pods = await cluster.pods('tsredis-system', 'app.kubernetes.io/name=tsredis-operator');
  expect(pods.length).toBe(2);
  for (const p of pods) {
    expect(p.spec?.containers?.[0]?.image).toBe('tsredis/operator:0.1.0');
    const status = (p.status as { containerStatuses?: { imageID?: string; ready?: boolean }[] } | undefined)
      ?.containerStatuses?.[0];
    expect(status?.ready).toBe(true);
  }
  const logs = await cluster.kubectl('logs', '-n', 'tsredis-system', pods[0].metadata.name, '--tail=50');
  expect(logs).toMatch(/"level":"info"/);
});

test('a RedisReplication with a memory limit on PVCs: Ready, read-only root, limit in the cgroup, logs, exec, port-forward, Services', async () => {
  await cluster.apply(NS, {
    apiVersion: 'tsredis.dev/v1alpha1',
    kind: 'RedisReplication',
    metadata: { name: 'real' },
    spec: { replicas: 2, resources: { limits: { memory: '256Mi' }, requests: { memory: '64Mi' } } },
  });
  const r = await waitReady('real', 2, 120_000);
  const master = r.status?.master?.pod ?? '';
  expect(master).toMatch(/^real-\d$/);
  const pass = await password('real');

  // Read-only root filesystem, non-root user, writable data volume.
  const pod = await cluster.pod(NS, master);
  const sc = (pod?.spec?.containers?.[0] as { securityContext?: { readOnlyRootFilesystem?: boolean } })
    .securityContext;
  expect(sc?.readOnlyRootFilesystem).toBe(true);
  const touch = await cluster
    .kubectl(
      'exec',
      '-n',
      NS,
      master,
      '--',
      'sh',
      '-c',
      'touch /probe 2>&1; id -u; id -g; touch /data/probe && echo data-ok',
    )
    .catch((e: unknown) => String(e));
  expect(touch).toContain('Read-only file system');
  expect(touch).toMatch(/^10001$/m);
  expect(touch).toContain('data-ok');

  // The memory limit is the container's cgroup limit (cgroup v1 here; v2 where the host has it).
  const limit = await cluster.kubectl(
    'exec',
    '-n',
    NS,
    master,
    '--',
    'sh',
    '-c',
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max',
  );
  expect(Number(limit.trim())).toBe(256 * 1024 * 1024);

  // kubectl logs: the node's own log lines.
  expect(await cluster.kubectl('logs', '-n', NS, master)).toContain('Ready to accept connections');

  // A write through the master Service from a replica pod (kube-proxy's rules), acknowledged by both
  // replicas, and SAVEd to the PVC.
  const svc = await cluster.api.get<{ spec: { clusterIP: string } }>(
    `/api/v1/namespaces/${NS}/services/real-master`,
  );
  const replica = ['real-0', 'real-1', 'real-2'].find((p) => p !== master) ?? '';
  const cli = (podName: string, ...args: string[]) =>
    cluster.kubectl('exec', '-n', NS, podName, '--', 'redis-cli', '--no-auth-warning', '-a', pass, ...args);
  expect((await cli(replica, '-h', svc.spec.clusterIP, 'SET', 'via-service', 'v1')).trim()).toBe('OK');
  expect((await cli(replica, '-h', svc.spec.clusterIP, 'WAIT', '2', '5000')).trim()).toBe('2');
  expect((await cli(replica, 'GET', 'via-service')).trim()).toBe('v1');
  expect((await cli(master, 'SAVE')).trim()).toBe('OK');
  expect(await cluster.kubectl('exec', '-n', NS, master, '--', 'ls', '/data')).toContain('dump.rdb');

  // kubectl port-forward to the master pod, then a real client through it.
  const port = await freePort();
  const pf = spawn(
    path.join(cluster.binDir, 'kubectl'),
    ['port-forward', '-n', NS, `pod/${master}`, `${port}:6379`],
    { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let pfOut = '';
  pf.stdout.on('data', (d: Buffer) => (pfOut += d.toString()));
  try {
    await cluster.waitFor('port-forward', async () => pfOut.includes('Forwarding from'), 30_000);
    const client = new Redis({
      host: '127.0.0.1',
      port,
      password: pass,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    await client.connect();
    try {
      expect(await client.get('via-service')).toBe('v1');
      expect(await client.set('via-port-forward', 'v2')).toBe('OK');
    } finally {
      client.disconnect();
    }
  } finally {
    pf.kill();
  }
  await cluster.waitFor(
    'the write through port-forward on a replica',
    async () => (await cli(replica, 'GET', 'via-port-forward')).trim() === 'v2',
  );
}, 240_000);

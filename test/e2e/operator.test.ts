// End-to-end: the operator installed with Helm on the local control plane (real API server, RBAC,
// controllers, scheduler, a real node: kubelet + containerd running the operator and node images), driven the way a
// user drives it: kubectl apply of RedisReplications.
import { jest } from '@jest/globals';
import path from 'node:path';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { load as loadYaml } from 'js-yaml';
import { toYaml } from '../../operator/src/api/yaml.js';
import { TestCluster, isReady } from '../cluster/fixture.js';
import {
  getRR,
  rr,
  waitReady,
  password,
  node,
  rawReply,
  podIps,
  endpointIps,
  wiredTo,
  installOperator,
  startWriter,
  missingKeys,
  patchRR,
} from './harness.js';
import { projectRoot } from '../cluster/control-plane.js';

jest.setTimeout(180_000);
let cluster: TestCluster;
const NS = 'apps';

beforeAll(async () => {
  cluster = await TestCluster.start('op');
  await installOperator(cluster, NS);
}, 30 * 60_000);

afterAll(async () => {
  if (cluster) await cluster.stop();
}, 60_000);

test('helm install, then a RedisReplication with 2 replicas becomes Ready: master Service -> master, replicas Service -> in-sync replicas', async () => {
  // Two operator pods, exactly one of them the elected leader.
  const operatorPods = await cluster.pods('tsredis-system', 'app.kubernetes.io/name=tsredis-operator');
  expect(operatorPods.length).toBe(2);
  expect(operatorPods.every(isReady)).toBe(true);
  await cluster.waitFor(
    'one leader',
    async () => (await cluster.pods('tsredis-system', 'tsredis.dev/operator-leader=true')).length === 1,
  );
  const lease = await cluster.api.get<{ spec: { holderIdentity: string } }>(
    '/apis/coordination.k8s.io/v1/namespaces/tsredis-system/leases/tsredis-operator-leader',
  );
  expect(operatorPods.map((p) => p.metadata.name)).toContain(lease.spec.holderIdentity.split('_')[0]);

  await cluster.apply(NS, rr('main', { replicas: 2 }));
  const r = await waitReady('main', 2);
  const out = await cluster.kubectl('get', 'rr', '-n', NS);
  expect(out).toMatch(new RegExp(`main\\s+${r.status?.master?.pod}\\s+3/3\\s+2\\s+Ready`));

  const pass = await password('main');
  const ips = await podIps('app.kubernetes.io/instance=main');
  const masterIp = ips.get(r.status?.master?.pod ?? '') ?? '';
  const replicaIps = [...ips]
    .filter(([p]) => p !== r.status?.master?.pod)
    .map(([, ip]) => ip)
    .sort();
  // Writes through the master, acknowledged by both replicas; reads from every replica see them.
  await node(masterIp, pass, async (c) => {
    for (let i = 0; i < 100; i++) await c.set(`key:${i}`, `value:${i}`);
    expect(await c.call('WAIT', '2', '5000')).toBe(2);
  });
  for (const ip of replicaIps) {
    await node(ip, pass, async (c) => {
      expect(await c.get('key:99')).toBe('value:99');
      expect(await c.dbsize()).toBe(100);
      await expect(c.set('x', '1')).rejects.toThrow(/READONLY/);
    });
  }
  await cluster.waitFor('Service endpoints to follow the roles', async () => {
    const m = await endpointIps('main-master');
    const rs = await endpointIps('main-replicas');
    return m.join() === masterIp && rs.join() === replicaIps.join();
  });
});

test('auth: the generated password is required, replicas use masterauth, nothing prints the password', async () => {
  const pass = await password('main');
  expect(pass.length).toBeGreaterThanOrEqual(24);
  const r = await getRR('main');
  const masterIp = r?.status?.master?.ip ?? '';
  expect(await rawReply(masterIp, 'GET key:1\r\n')).toBe('-NOAUTH Authentication required.\r\n');
  expect(await rawReply(masterIp, 'AUTH wrong\r\n')).toBe(
    '-WRONGPASS invalid username-password pair or user is disabled.\r\n',
  );
  // Replicas authenticate to the master with masterauth (their links are up).
  for (const st of r?.status?.replicas ?? []) if (st.role === 'replica') expect(st.link).toBe('up');
  const logs = await cluster.kubectl(
    'logs',
    '-n',
    'tsredis-system',
    '-l',
    'tsredis.dev/operator-leader=true',
    '--tail=-1',
  );
  expect(logs).toMatch(/promoted to master/);
  expect(logs).not.toContain(pass);
  expect(JSON.stringify(r?.status)).not.toContain(pass);
  expect(await cluster.kubectl('get', 'events', '-n', NS, '-o', 'json')).not.toContain(pass);
  expect(await cluster.kubectl('get', 'statefulset', 'main', '-n', NS, '-o', 'json')).not.toContain(pass);
});

test('a master container that crashes comes back read-only and is re-wired; no acknowledged write is lost', async () => {
  const pass = await password('main');
  const before = await getRR('main');
  const masterPod = before?.status?.master?.pod ?? '';
  const masterIp = before?.status?.master?.ip ?? '';
  await node(masterIp, pass, async (c) => {
    for (let i = 0; i < 50; i++) await c.set(`crash:${i}`, String(i));
    expect(await c.call('WAIT', '2', '5000')).toBe(2);
  });
  await cluster.fault({ action: 'kill', namespace: NS, pod: masterPod });
  await cluster.waitFor(
    'the master pod to restart',
    async () => ((await cluster.pod(NS, masterPod))?.status?.containerStatuses?.[0].restartCount ?? 0) >= 1,
  );
  const after = await waitReady('main', 2);
  // It restarted empty (no save point reached), so a replica holding the data took over.
  expect(after.status?.master?.pod).not.toBe(masterPod);
  expect(after.status?.lastFailover).toMatchObject({
    from: masterPod,
    to: after.status?.master?.pod,
    reason: 'MasterRestartedBehindReplica',
  });
  await cluster.waitFor('every replica linked to the current master', () => wiredTo('main', pass));
  for (const ip of (await podIps('app.kubernetes.io/instance=main')).values()) {
    expect(await node(ip, pass, (c) => c.get('crash:49'))).toBe('49');
    expect(await node(ip, pass, (c) => c.dbsize())).toBe(150);
  }
});

test('a master pod re-created with a new IP: every replica is re-pointed at its current address', async () => {
  const pass = await password('main');
  const before = await getRR('main');
  const masterPod = before?.status?.master?.pod ?? '';
  const oldIp = before?.status?.master?.ip ?? '';
  await node(oldIp, pass, async (c) => {
    await c.set('before-delete', 'yes');
    expect(await c.call('WAIT', '2', '5000')).toBe(2);
  });
  await cluster.kubectl('delete', 'pod', '-n', NS, masterPod);
  await cluster.waitFor('the pod re-created with a new IP', async () => {
    const p = await cluster.pod(NS, masterPod);
    return p?.status?.podIP && p.status.podIP !== oldIp && isReady(p);
  });
  await waitReady('main', 2);
  await cluster.waitFor('every replica linked to the current master', () => wiredTo('main', pass));
  const now = await getRR('main');
  const masterIp = (await podIps('app.kubernetes.io/instance=main')).get(now?.status?.master?.pod ?? '');
  expect(now?.status?.master?.ip).toBe(masterIp);
  expect(await node(masterIp ?? '', pass, (c) => c.get('before-delete'))).toBe('yes');
});

/** Waits until the replicas Service's endpoints are exactly the n replica pods' IPs. */
async function replicasServiceListsReplicas(n: number): Promise<void> {
  let seen = '';
  await cluster
    .waitFor(`the replicas Service to list the ${n} replicas`, async () => {
      const master = (await getRR('main'))?.status?.master?.pod;
      const replicas = [...(await podIps('app.kubernetes.io/instance=main')).entries()]
        .filter(([pod]) => pod !== master)
        .map(([, ip]) => ip)
        .sort();
      const listed = await endpointIps('main-replicas');
      seen = `listed ${listed.join(',')}; replicas ${replicas.join(',')}`;
      return replicas.length === n && listed.join() === replicas.join();
    })
    .catch((e: Error) => {
      throw new Error(`${e.message} (${seen})`);
    });
}

test('scaling 2 -> 4 -> 1 and a live config change converge with an honest status', async () => {
  const pass = await password('main');
  await patchRR('main', '{"spec":{"replicas":4,"config":{"maxmemory":"64mb"}}}');
  await waitReady('main', 4);
  await cluster.waitFor('every replica linked to the current master', () => wiredTo('main', pass));
  const ips = await podIps('app.kubernetes.io/instance=main');
  expect(ips.size).toBe(5);
  for (const ip of ips.values()) {
    expect(await node(ip, pass, (c) => c.call('CONFIG', 'GET', 'maxmemory'))).toEqual([
      'maxmemory',
      '67108864',
    ]);
    expect(await node(ip, pass, (c) => c.get('before-delete'))).toBe('yes');
  }
  // EndpointSlices follow the pods' readiness and labels asynchronously (readiness probe period 2 s,
  // then the EndpointSlice controller): wait for the replicas Service to list exactly the replicas.
  await replicasServiceListsReplicas(4);
  await patchRR('main', '{"spec":{"replicas":1}}');
  const r = await waitReady('main', 1);
  expect(r.status?.replicas?.length).toBe(2);
  await replicasServiceListsReplicas(1);
});

test('an image change rolls replicas first and the master last after a planned switchover; no acknowledged write is lost', async () => {
  const pass = await password('main');
  // A writer that follows the master in status and counts a write only when WAIT says a replica has it.
  const writer = startWriter('main', pass, 'roll');
  const before = await getRR('main');
  const sts0 = await cluster.api.get<{ status: { updateRevision: string } }>(
    `/apis/apps/v1/namespaces/${NS}/statefulsets/main`,
  );
  await patchRR('main', '{"spec":{"image":"tsredis/node:dev2"}}');
  const rolled = await cluster.waitFor(
    'every pod on the new revision and Ready',
    async () => {
      const sts = await cluster.api.get<{
        status: { updateRevision: string; currentRevision: string; updatedReplicas?: number };
      }>(`/apis/apps/v1/namespaces/${NS}/statefulsets/main`);
      if (sts.status.updateRevision === sts0.status.updateRevision) return undefined;
      const pods = await cluster.pods(NS, 'app.kubernetes.io/instance=main');
      const done =
        pods.length === 2 &&
        pods.every(
          (p) =>
            p.metadata.labels?.['controller-revision-hash'] === sts.status.updateRevision &&
            p.spec.containers[0].image === 'tsredis/node:dev2',
        );
      const r = await getRR('main');
      return done && r?.status?.phase === 'Ready' ? r : undefined;
    },
    150_000,
  );
  await new Promise((r) => setTimeout(r, 500));
  const { acknowledged, failures: errors } = await writer.stop();
  expect(rolled.status?.master?.pod).not.toBe(before?.status?.master?.pod);
  expect(rolled.status?.lastFailover).toMatchObject({
    from: before?.status?.master?.pod,
    reason: 'PlannedSwitchover',
  });
  expect(acknowledged.length).toBeGreaterThan(20);
  expect(await missingKeys(rolled.status?.master?.ip ?? '', pass, acknowledged)).toEqual([]);
  process.stderr.write(
    `image roll: ${acknowledged.length} acknowledged writes, ${errors} refused or failed while switching, none lost\n`,
  );
});

test('a directive that cannot change at runtime rolls the pods, which then run with it', async () => {
  const pass = await password('main');
  const before = await getRR('main');
  await patchRR('main', '{"spec":{"config":{"maxmemory":"64mb","databases":"32"}}}');
  await cluster.waitFor(
    'every node restarted with databases 32',
    async () => {
      const r = await getRR('main');
      if (r?.status?.phase !== 'Ready') return false;
      for (const ip of (await podIps('app.kubernetes.io/instance=main')).values()) {
        const v = await node(ip, pass, (c) => c.call('CONFIG', 'GET', 'databases')).catch(() => []);
        if ((v as string[])[1] !== '32') return false;
      }
      return true;
    },
    150_000,
  );
  const events = await cluster.kubectl(
    'get',
    'events',
    '-n',
    NS,
    '--field-selector',
    'reason=ConfigRestart',
    '-o',
    'name',
  );
  expect(events.trim()).not.toBe('');
  // The data survived the roll (replicas first, then a switchover).
  const r = await waitReady('main', 1);
  expect(await node(r.status?.master?.ip ?? '', pass, (c) => c.get('before-delete'))).toBe('yes');
  expect(r.status?.failovers).toBeGreaterThan(before?.status?.failovers ?? 0);
});

test('bad input: schema and CEL validation, a missing auth Secret and a forbidden directive are reported, not crashed on', async () => {
  await expect(cluster.apply(NS, rr('bad', { replicas: -1 }))).rejects.toThrow(
    /spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0/,
  );
  await expect(
    cluster.apply(NS, rr('bad', { replicas: 1, failover: { minSyncedReplicas: 3 } })),
  ).rejects.toThrow(/failover.minSyncedReplicas cannot exceed replicas/);
  await expect(cluster.apply(NS, rr('bad', { replicas: 1, imagePullPolicy: 'Sometimes' }))).rejects.toThrow(
    /Unsupported value: "Sometimes"/,
  );
  await expect(
    cluster.apply(
      NS,
      rr('bad', { replicas: 1, externalAccess: { type: 'Hostname', hostnameTemplate: 'r.example.com' } }),
    ),
  ).rejects.toThrow(/externalAccess.type Hostname needs a hostnameTemplate containing '\{pod\}'/);
  await expect(
    cluster.apply(NS, rr('bad', { replicas: 1, externalAccess: { type: 'NodePort', port: 7000 } })),
  ).rejects.toThrow(/externalAccess.hostnameTemplate and port apply only to type Hostname/);

  await cluster.apply(NS, rr('nosecret', { replicas: 1, auth: { secretName: 'does-not-exist' } }));
  const degraded = await cluster.waitFor('a Degraded status', async () => {
    const r = await getRR('nosecret');
    return r?.status?.phase === 'Degraded' ? r : undefined;
  });
  expect(degraded.status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
    status: 'True',
    reason: 'AuthSecretNotFound',
  });
  // Fixing the input recovers.
  await cluster.kubectl(
    'create',
    'secret',
    'generic',
    'does-not-exist',
    '-n',
    NS,
    '--from-literal=password=correct-horse-battery',
  );
  await waitReady('nosecret', 1);

  await patchRR(
    'nosecret',
    '{"spec":{"config":{"replicaof":"10.0.0.1 6379","maxmemory-policy":"allkeys-lru"}}}',
  );
  const refused = await cluster.waitFor('the forbidden directive reported', async () => {
    const r = await getRR('nosecret');
    const c = r?.status?.conditions?.find((x) => x.type === 'Degraded');
    return c?.reason === 'ForbiddenConfig' ? c : undefined;
  });
  expect(refused.message).toContain('replicaof');
  const operator = await cluster.pods('tsredis-system', 'app.kubernetes.io/name=tsredis-operator');
  expect(operator[0].status?.containerStatuses?.[0].restartCount).toBe(0);
});

test('deleting the RedisReplication removes every object it owns', async () => {
  await cluster.kubectl('delete', 'rr', 'nosecret', '-n', NS, '--wait=true');
  await cluster.waitFor(
    'owned objects to be garbage-collected',
    async () => {
      const sel = encodeURIComponent('app.kubernetes.io/instance=nosecret');
      const kinds = [
        '/api/v1/namespaces/apps/pods',
        '/api/v1/namespaces/apps/services',
        '/api/v1/namespaces/apps/configmaps',
        '/apis/apps/v1/namespaces/apps/statefulsets',
        '/apis/policy/v1/namespaces/apps/poddisruptionbudgets',
      ];
      for (const k of kinds)
        if ((await cluster.api.get<{ items: unknown[] }>(`${k}?labelSelector=${sel}`)).items.length > 0)
          return false;
      return (
        (await cluster.api.getOrNull(`/api/v1/namespaces/${NS}/secrets/nosecret-node-auth`)) === undefined
      );
    },
    60_000,
  );
});

test('helm upgrade with a changed CRD updates the CRD in the cluster (it is a template, not crds/)', async () => {
  const copy = mkdtempSync(path.join(tmpdir(), 'tsredis-chart-'));
  cpSync(path.join(projectRoot, 'helm', 'tsredis-operator'), copy, { recursive: true });
  const crdFile = path.join(copy, 'files', 'crd.yaml');
  // A new chart version whose CRD has one more printer column.
  const crd0 = loadYaml(readFileSync(crdFile, 'utf8')) as {
    spec: { versions: { additionalPrinterColumns: unknown[] }[] };
  };
  crd0.spec.versions[0].additionalPrinterColumns.splice(4, 0, {
    name: 'Failovers',
    type: 'integer',
    jsonPath: '.status.failovers',
  });
  writeFileSync(crdFile, toYaml(crd0));
  await cluster.run('helm', [
    'upgrade',
    'tsredis-operator',
    copy,
    '--namespace',
    'tsredis-system',
    '--reuse-values',
    '--wait',
  ]);
  const crd = await cluster.api.get<{
    spec: { versions: { additionalPrinterColumns: { name: string }[] }[] };
  }>('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/redisreplications.tsredis.dev');
  expect(crd.spec.versions[0].additionalPrinterColumns.map((c) => c.name)).toContain('Failovers');
  expect(await cluster.kubectl('get', 'rr', '-n', NS)).toMatch(/FAILOVERS/);
  rmSync(copy, { recursive: true, force: true });
});

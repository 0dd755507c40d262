// End-to-end automatic failover on the local control plane: a RedisReplication with
// downAfterMilliseconds 1000 under a writer that counts only writes acknowledged by WAIT 1, through
// the faults of the failover issue: SIGKILL, pod deletion, freeze, partition, a wiped-and-restarted
// master, and a master whose replicas may not be promoted.
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { TestCluster } from '../cluster/fixture.js';
import {
  ctx,
  getRR,
  rr,
  waitReady,
  password,
  node,
  podIps,
  endpointIps,
  wiredTo,
  installOperator,
  startWriter,
  missingKeys,
  rawReply,
  patchRR,
} from './harness.js';
import type { RedisReplication } from '../../operator/src/api/types.js';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { createNetns } from '../helpers/netns.js';
import { projectRoot } from '../cluster/control-plane.js';
import {
  buildClients,
  CLIENT_LIBS,
  firstAckAfter,
  startClient,
  type ClientLine,
  type RunningClient,
} from './sentinel-clients.js';

jest.setTimeout(180_000);
const CHART = path.join(projectRoot, 'helm', 'tsredis-operator');
let cluster: TestCluster;
const NS = 'fo';
const NAME = 'ha';

beforeAll(async () => {
  cluster = await TestCluster.start('fo');
  await installOperator(cluster, NS);
  await cluster.apply(NS, rr(NAME, { replicas: 2, failover: { downAfterMilliseconds: 1000 } }));
  await waitReady(NAME, 2);
}, 30 * 60_000);

afterAll(async () => {
  if (cluster) await cluster.stop();
}, 60_000);

async function master(): Promise<{ pod: string; ip: string; cr: RedisReplication }> {
  const cr = (await getRR(NAME)) as RedisReplication;
  return { pod: cr.status?.master?.pod ?? '', ip: cr.status?.master?.ip ?? '', cr };
}

/** Waits until status names a master other than `old`; returns how long that took. */
async function takeover(old: string, timeoutMs = 30_000): Promise<number> {
  const t0 = Date.now();
  await cluster.waitFor(`a master other than ${old}`, async () => (await master()).pod !== old, timeoutMs);
  return Date.now() - t0;
}

async function newMaster(old: string): Promise<RedisReplication> {
  await takeover(old);
  return waitReady(NAME, 2);
}

beforeEach(async () => {
  // Every test starts from a Ready set whose replicas are all linked.
  await waitReady(NAME, 2);
  const pass = await password(NAME);
  await cluster.waitFor('every replica linked to the current master', () => wiredTo(NAME, pass), 60_000);
}, 120_000);

/** After the fault: every acknowledged write on the master and on every replica, one master, converged. */
async function checkConverged(acknowledged: string[]): Promise<void> {
  const pass = await password(NAME);
  await cluster.waitFor('every replica linked to the current master', () => wiredTo(NAME, pass), 60_000);
  const m = await master();
  // Each direct read says what it was reading if it fails (the node, and when), for a flake's diagnosis.
  const step = <T>(what: string, p: Promise<T>): Promise<T> =>
    p.catch((e: unknown) => {
      throw new Error(`${what} at ${new Date().toISOString()}: ${String(e)}`);
    });
  expect(
    await step(`reading the keys on the master ${m.pod}`, missingKeys(m.ip, pass, acknowledged)),
  ).toEqual([]);
  let masters = 0;
  for (const [pod, ip] of await podIps(`app.kubernetes.io/instance=${NAME}`)) {
    const role = await step(
      `ROLE of ${pod}`,
      node(ip, pass, (c) => c.call('ROLE')),
    );
    if ((role as string[])[0] === 'master') masters++;
  }
  expect(masters).toBe(1);
  // Replicas catch up to the master's offset, and then hold every acknowledged key too.
  await cluster.waitFor('replicas at the master offset', async () => {
    const offsets = await Promise.all(
      [...(await podIps(`app.kubernetes.io/instance=${NAME}`)).values()].map((ip) =>
        node(ip, pass, async (c) => /master_repl_offset:(\d+)/.exec(await c.info('replication'))?.[1]),
      ),
    );
    return new Set(offsets).size === 1;
  });
  for (const [pod, ip] of await podIps(`app.kubernetes.io/instance=${NAME}`))
    expect(await step(`reading the keys on ${pod}`, missingKeys(ip, pass, acknowledged))).toEqual([]);
}

test('SIGKILL of the master under WAIT-acknowledged writes: a replica takes over, Service and status follow, nothing acknowledged is lost', async () => {
  const pass = await password(NAME);
  const before = await master();
  const writer = startWriter(NAME, pass, 'kill');
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = Date.now();
  await cluster.fault({ action: 'kill', namespace: NS, pod: before.pod });
  await takeover(before.pod);
  const took = Date.now() - t0; // from the SIGKILL to a status naming another master
  const after = await waitReady(NAME, 2);
  const tookReady = Date.now() - t0; // ... to Ready again, with the restarted pod re-wired
  await new Promise((r) => setTimeout(r, 500));
  const res = await writer.stop();
  expect(res.acknowledged.length).toBeGreaterThan(20);
  expect(after.status?.lastFailover?.from).toBe(before.pod);
  expect(after.status?.failovers).toBeGreaterThan(before.cr.status?.failovers ?? 0);
  await cluster.waitFor(
    'the master Service endpoint to move',
    async () => (await endpointIps(`${NAME}-master`)).join() === after.status?.master?.ip,
  );
  const events = await cluster.kubectl(
    'get',
    'events',
    '-n',
    NS,
    '--field-selector',
    'reason=PromotedMaster',
    '-o',
    'jsonpath={.items[*].message}',
  );
  expect(events).toContain(`${after.status?.master?.pod} promoted to master`);
  await checkConverged(res.acknowledged);
  process.stderr.write(
    `kill: new master named ${took} ms after the SIGKILL, Ready again after ${tookReady} ms; ${res.acknowledged.length} acknowledged writes, ${res.failures} failed attempts, none lost\n`,
  );
});

test('deleting the master pod: one writable master throughout, converged data, the re-created pod rejoins', async () => {
  const pass = await password(NAME);
  const before = await master();
  const beforeUid = (await cluster.pod(NS, before.pod))?.metadata.uid;
  const writer = startWriter(NAME, pass, 'delete');
  await new Promise((r) => setTimeout(r, 500));
  await cluster.kubectl('delete', 'pod', '-n', NS, before.pod, '--wait=true');
  // It saved its data on SIGTERM; whether it or a replica is master now depends on who has more data.
  const after = await waitReady(NAME, 2);
  const res = await writer.stop();
  expect(res.acknowledged.length).toBeGreaterThan(10);
  // The deleted pod was re-created (new uid) and is part of the Ready set again.
  const recreated = await cluster.pod(NS, before.pod);
  expect(recreated?.metadata.uid).not.toBe(beforeUid);
  expect(after.status?.replicas?.map((r) => r.pod)).toContain(before.pod);
  await checkConverged(res.acknowledged);
});

/**
 * A hard failure of the master (freeze or partition): status names a new master; when the old one
 * comes back, the first write it is offered is refused (fenced or already demoted), and it converges.
 */
async function hardFailure(
  fault: 'stop' | 'partition',
  recover: 'cont' | 'heal',
  key: string,
): Promise<void> {
  const pass = await password(NAME);
  const before = await master();
  const writer = startWriter(NAME, pass, key);
  await new Promise((r) => setTimeout(r, 500));
  await cluster.fault({ action: fault, namespace: NS, pod: before.pod });
  let reply = '';
  try {
    const ms = await takeover(before.pod);
    process.stderr.write(`${fault}: status named a new master ${ms} ms after the fault\n`);
  } finally {
    await cluster.fault({ action: recover, namespace: NS, pod: before.pod });
    reply = await rawReply(before.ip, `AUTH ${pass}\r\nSET ${key} yes\r\n`).catch((e: Error) => e.message);
  }
  const res = await writer.stop();
  expect(reply).not.toMatch(/\+OK\r\n\+OK/);
  await checkConverged(res.acknowledged);
  expect(await node((await master()).ip, pass, (c) => c.get(key))).toBeNull();
}

test('a frozen master is replaced; thawed, it refuses writes and becomes a replica', () =>
  hardFailure('stop', 'cont', 'fenced-freeze'));

test('a partitioned master is replaced; healed, it refuses writes and becomes a replica', () =>
  hardFailure('partition', 'heal', 'fenced-partition'));

test('a master whose data dir is wiped and that restarts before failover triggers never wipes its replicas', async () => {
  const pass = await password(NAME);
  const before = await master();
  await node(before.ip, pass, async (c) => {
    for (let i = 0; i < 200; i++) await c.set(`wipe:${i}`, String(i));
    await c.save();
    expect(Number(await c.call('WAIT', '2', '5000'))).toBe(2);
  });
  const pid = await cluster.containerPid(NS, before.pod);
  execFileSync('nsenter', ['-t', String(pid), '-m', '-r', '-w', 'sh', '-c', 'rm -rf /data/*']);
  await cluster.fault({ action: 'kill', namespace: NS, pod: before.pod });
  await newMaster(before.pod);
  const keys = Array.from({ length: 200 }, (_, i) => `wipe:${i}`);
  await checkConverged(keys);
});

test('no eligible replica (priority 0): no promotion, Degraded with the reason and an Event; promotion once one is eligible', async () => {
  const pass = await password(NAME);
  const before = await master();
  const others = [...(await podIps(`app.kubernetes.io/instance=${NAME}`)).keys()].filter(
    (p) => p !== before.pod,
  );
  const ordinal = (p: string) => p.split('-').pop() as string;
  await patchRR(
    NAME,
    JSON.stringify({ spec: { priority: Object.fromEntries(others.map((p) => [ordinal(p), 0])) } }),
  );
  await cluster.fault({ action: 'stop', namespace: NS, pod: before.pod });
  try {
    const blocked = await cluster.waitFor('a blocked failover in status', async () => {
      const c = (await getRR(NAME))?.status?.conditions?.find((x) => x.type === 'Degraded');
      return c?.reason === 'FailoverBlocked' ? c : undefined;
    });
    expect(blocked.message).toContain('priority 0');
    expect((await master()).pod).toBe(before.pod);
    expect(
      await cluster.kubectl(
        'get',
        'events',
        '-n',
        NS,
        '--field-selector',
        'reason=FailoverBlocked',
        '-o',
        'name',
      ),
    ).not.toBe('');
    await patchRR(NAME, JSON.stringify({ spec: { priority: { [ordinal(others[0])]: 10 } } }));
    await takeover(before.pod);
    expect((await master()).pod).toBe(others[0]);
  } finally {
    await cluster.fault({ action: 'cont', namespace: NS, pod: before.pod });
    // The next tests start with every replica eligible, also when this one failed.
    await patchRR(NAME, '{"spec":{"priority":null}}');
  }
  await cluster.waitFor('every replica linked to the current master', () => wiredTo(NAME, pass), 60_000);
  void ctx;
});

test('whole-set outage: every pod killed at once comes back; the master is the pod with the most persisted data', async () => {
  const pass = await password(NAME);
  const before = await master();
  await node(before.ip, pass, async (c) => {
    for (let i = 0; i < 300; i++) await c.set(`outage:${i}`, String(i));
    expect(Number(await c.call('WAIT', '2', '5000'))).toBe(2);
  });
  // Persist on every node (each writes its RDB with its replication offset), then kill them all.
  const ips = await podIps(`app.kubernetes.io/instance=${NAME}`);
  for (const ip of ips.values()) await node(ip, pass, (c) => c.save());
  for (const pod of ips.keys()) await cluster.fault({ action: 'kill', namespace: NS, pod });
  await cluster.waitFor('every pod restarted', async () => {
    const pods = await cluster.pods(NS, `app.kubernetes.io/instance=${NAME}`);
    return pods.every((p) => (p.status?.containerStatuses?.[0].restartCount ?? 0) > 0);
  });
  const after = await waitReady(NAME, 2);
  await cluster.waitFor('every replica linked to the current master', () => wiredTo(NAME, pass), 60_000);
  const keys = Array.from({ length: 300 }, (_, i) => `outage:${i}`);
  expect(await missingKeys(after.status?.master?.ip ?? '', pass, keys)).toEqual([]);
  for (const ip of (await podIps(`app.kubernetes.io/instance=${NAME}`)).values())
    expect(await missingKeys(ip, pass, keys)).toEqual([]);
});

test('whole-set outage with persistence.mode aof: every pod killed at once under WAIT-acknowledged writes; the set recovers by itself with every acknowledged write', async () => {
  const AOF_NAME = 'aof';
  await cluster.apply(
    NS,
    rr(AOF_NAME, {
      replicas: 2,
      failover: { downAfterMilliseconds: 1000 },
      persistence: { mode: 'aof', appendfsync: 'always' },
    }),
  );
  try {
    await waitReady(AOF_NAME, 2);
    const pass = await password(AOF_NAME);
    await cluster.waitFor('every replica linked', () => wiredTo(AOF_NAME, pass), 60_000);
    const ips = await podIps(`app.kubernetes.io/instance=${AOF_NAME}`);
    for (const ip of ips.values()) {
      const conf = await node(ip, pass, (c) => c.call('CONFIG', 'GET', 'appendonly'));
      expect(conf).toEqual(['appendonly', 'yes']);
    }
    const writer = startWriter(AOF_NAME, pass, 'aofout');
    // A load under way, not a time: the writer first looks the master up and connects.
    await cluster.waitFor('a dozen WAIT-acknowledged writes', async () => writer.acknowledged() >= 12);
    // No SAVE: only the append-only files hold the data when every pod is killed at once.
    await Promise.all([...ips.keys()].map((pod) => cluster.fault({ action: 'kill', namespace: NS, pod })));
    const res = await writer.stop();
    expect(res.acknowledged.length).toBeGreaterThan(10);
    await cluster.waitFor('every pod restarted', async () => {
      const pods = await cluster.pods(NS, `app.kubernetes.io/instance=${AOF_NAME}`);
      return pods.every((p) => (p.status?.containerStatuses?.[0].restartCount ?? 0) > 0);
    });
    const after = await waitReady(AOF_NAME, 2);
    await cluster.waitFor(
      'every replica linked to the current master',
      () => wiredTo(AOF_NAME, pass),
      60_000,
    );
    const masterIp = after.status?.master?.ip ?? '';
    expect(await missingKeys(masterIp, pass, res.acknowledged)).toEqual([]);
    // A replica's link is up as soon as its resync is accepted; WAIT 2 makes sure both have applied the
    // master's whole stream before their keys are read.
    expect(await node(masterIp, pass, (c) => c.call('WAIT', '2', '20000'))).toBe(2);
    for (const ip of (await podIps(`app.kubernetes.io/instance=${AOF_NAME}`)).values())
      expect(await missingKeys(ip, pass, res.acknowledged)).toEqual([]);
    process.stderr.write(
      `aof outage: ${res.acknowledged.length} WAIT-acknowledged writes before the kill of all 3 pods, none lost; master after: ${after.status?.master?.pod}\n`,
    );
  } finally {
    await cluster.kubectl('delete', 'redisreplication', AOF_NAME, '-n', NS, '--wait=false');
  }
});

/** Both operator pods (leader first) and their IPs. */
async function operatorPods(): Promise<{ leader: string; standby: string }> {
  const leader = (await cluster.pods('tsredis-system', 'tsredis.dev/operator-leader=true'))[0];
  const standby = (await cluster.pods('tsredis-system', 'tsredis.dev/operator-leader=false'))[0];
  return { leader: leader?.status?.podIP ?? '', standby: standby?.status?.podIP ?? '' };
}

/** Waits until every client printed ready (or one failed); returns the ready lines. */
async function allReady(clients: RunningClient[], timeoutMs = 90_000): Promise<void> {
  await cluster.waitFor(
    'every client ready (wrote through the master, read through a replica)',
    async () => {
      for (const c of clients) {
        const bad =
          c.lines.find((l) => l.event === 'error') ??
          (c.proc.exitCode !== null ? { message: `exited ${c.proc.exitCode}` } : undefined);
        if (bad) throw new Error(`${c.lib}: ${bad.message}\n${c.stderr()}`);
      }
      return clients.every((c) => c.lines.some((l) => l.event === 'ready'));
    },
    timeoutMs,
  );
  for (const c of clients) {
    const ready = c.lines.find((l) => l.event === 'ready');
    expect([c.lib, ready?.readFromReplica, ready?.replicaRefusedWrite]).toEqual([c.lib, true, true]);
  }
}

async function stopAll(clients: RunningClient[]): Promise<void> {
  for (const c of clients) if (c.proc.exitCode === null) c.proc.kill('SIGTERM');
  await Promise.all(clients.map((c) => Promise.race([c.exited, new Promise((r) => setTimeout(r, 5000))])));
  for (const c of clients) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  // For debugging a slow recovery: SENTINEL_CLIENT_LOG_DIR keeps each client's stderr (with
  // SENTINEL_CLIENT_TRACE=1, node-redis's own topology trace) and its event lines.
  const dir = process.env.SENTINEL_CLIENT_LOG_DIR;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    for (const c of clients) {
      fs.writeFileSync(path.join(dir, `${c.lib}.err`), c.stderr());
      fs.writeFileSync(path.join(dir, `${c.lib}.out`), c.lines.map((l) => JSON.stringify(l)).join('\n'));
    }
  }
}

test('Sentinel endpoint: both operator pods answer and list each other; redis-py finds the set by either name from the standby alone', async () => {
  const pass = await password(NAME);
  const ops = await operatorPods();
  const before = await master();
  for (const [ip, other] of [
    [ops.leader, ops.standby],
    [ops.standby, ops.leader],
  ]) {
    await cluster.waitFor(
      `the operator pod ${ip} gives the master and lists ${other} among its Sentinels`,
      async () =>
        (await rawReply(ip, `SENTINEL get-master-addr-by-name ${NS}/${NAME}\r\n`, 26379)).includes(
          before.ip,
        ) && (await rawReply(ip, `SENTINEL sentinels ${NS}/${NAME}\r\n`, 26379)).includes(other),
      15_000,
    );
  }
  expect(await rawReply(ops.leader, 'SENTINEL get-master-addr-by-name no-such\r\n', 26379)).toBe('*-1\r\n');
  for (const name of [NAME, `${NS}/${NAME}`]) {
    const c = startClient('redis-py', {
      sentinels: [`${ops.standby}:26379`],
      name,
      password: pass,
      prefix: `names:${name}`,
      seconds: 3,
    });
    await allReady([c]);
    expect(await c.exited).toBe(0);
    expect(c.lines.filter((l) => l.event === 'ack').length).toBeGreaterThan(0);
  }
});

test('Sentinel discovery with five client libraries (ioredis, node-redis, redis-py, go-redis, Jedis): each writes through the master, reads through a replica, and writes again on the new master after a master kill', async () => {
  const pass = await password(NAME);
  const ops = await operatorPods();
  const before = await master();
  buildClients();
  const clients = CLIENT_LIBS.map((lib) =>
    startClient(lib, {
      sentinels: [`${ops.leader}:26379`, `${ops.standby}:26379`],
      name: `${NS}/${NAME}`,
      password: pass,
      prefix: `sentinel:${lib}`,
      seconds: 120,
    }),
  );
  try {
    await allReady(clients);
    // Every client writing before the kill.
    const t0 = Date.now();
    await cluster.waitFor(
      'every client acknowledged writes',
      async () => clients.every((c) => firstAckAfter(c, t0)),
      30_000,
    );
    await cluster.fault({ action: 'kill', namespace: NS, pod: before.pod });
    // The process is gone once fault() returns: a write acknowledged after this is not the old master's.
    const killedAt = Date.now();
    await takeover(before.pod);
    await cluster
      .waitFor(
        'every client writing again after the kill',
        async () => {
          const gone = clients.find((c) => c.proc.exitCode !== null);
          if (gone) throw new Error(`${gone.lib} exited ${gone.proc.exitCode}: ${gone.stderr()}`);
          return clients.every((c) => firstAckAfter(c, killedAt + 1));
        },
        60_000,
      )
      .catch((e: Error) => {
        // Which clients did not recover, and what they last printed and logged.
        const late = clients.filter((c) => !firstAckAfter(c, killedAt + 1));
        const seen = late.map(
          (c) =>
            `${c.lib}: last lines ${c.lines
              .slice(-3)
              .map((l) => JSON.stringify(l))
              .join(' ')}; stderr tail: ${c.stderr().slice(-2000)}`,
        );
        throw new Error(`${e.message}\n${seen.join('\n')}`);
      });
    const after = await master();
    expect(after.pod).not.toBe(before.pod);
    const report: string[] = [];
    for (const c of clients) {
      // Its first write after the kill landed on the new master.
      const first = firstAckAfter(c, killedAt + 1) as ClientLine;
      const key = `sentinel:${c.lib}:${first.i}`;
      expect([c.lib, await node(after.ip, pass, (r) => r.get(key))]).toEqual([c.lib, String(first.i)]);
      report.push(`${c.lib} ${(first.t ?? 0) - killedAt} ms`);
    }
    process.stderr.write(
      `sentinel clients: first write accepted after the master kill: ${report.join(', ')}\n`,
    );
  } finally {
    await stopAll(clients);
  }
});

/** Sets the chart's sentinel.service.type (a Service change only: the operator pods stay). */
async function sentinelServiceType(type: 'NodePort' | 'ClusterIP'): Promise<void> {
  await cluster.run('helm', [
    'upgrade',
    'tsredis-operator',
    CHART,
    '--namespace',
    'tsredis-system',
    '--reuse-values',
    '--set',
    `sentinel.service.type=${type}`,
    '--wait',
    '--timeout',
    '60s',
  ]);
}

test('external access (NodePort): a client that reaches only the node address follows a failover through the per-pod Services', async () => {
  const EXT = 'ext';
  await cluster.apply(
    NS,
    rr(EXT, { replicas: 1, failover: { downAfterMilliseconds: 1000 }, externalAccess: { type: 'NodePort' } }),
  );
  const ns = createNetns('ext');
  let client: RunningClient | undefined;
  try {
    await waitReady(EXT, 1);
    const nodeIp = cluster.layout.gatewayIp.replace(/\.1$/, '.10');
    const cr = await cluster.waitFor(
      'an announced address per pod',
      async () => {
        const c = await getRR(EXT);
        return Object.keys(c?.status?.externalAddresses ?? {}).length === 2 ? c : undefined;
      },
      60_000,
    );
    const addrs = cr.status?.externalAddresses ?? {};
    for (const a of Object.values(addrs))
      expect(a).toMatch(new RegExp(`^${nodeIp.replace(/\./g, '\\.')}:3\\d{4}$`));
    // The Sentinel endpoint too, through a NodePort Service.
    await sentinelServiceType('NodePort');
    const svc = await cluster.api.get<{ spec: { ports: { nodePort: number }[] } }>(
      '/api/v1/namespaces/tsredis-system/services/tsredis-operator-sentinel',
    );
    const sentinelAt = `${nodeIp}:${svc.spec.ports[0].nodePort}`;
    // The namespace reaches the node's address and nothing else: not the pod IPs.
    execFileSync('ip', ['netns', 'exec', ns.name, 'ip', 'route', 'add', `${nodeIp}/32`, 'via', ns.hostIp]);
    const before = (await getRR(EXT))?.status?.master;
    expect(
      ns.run('bash', ['-c', `exec 3<>/dev/tcp/${before?.ip}/6379 && echo connected`], 3000),
    ).not.toContain('connected');
    const pass = await password(EXT);
    client = startClient('ioredis', {
      sentinels: [sentinelAt],
      name: `${NS}/${EXT}`,
      password: pass,
      prefix: 'ext',
      seconds: 120,
      netns: ns.name,
    });
    await allReady([client]);
    const t0 = Date.now();
    await cluster.waitFor(
      'the client writing',
      async () => !!firstAckAfter(client as RunningClient, t0),
      20_000,
    );
    await cluster.fault({ action: 'kill', namespace: NS, pod: before?.pod ?? '' });
    const killedAt = Date.now();
    await cluster.waitFor(
      'a new master',
      async () => (await getRR(EXT))?.status?.master?.pod !== before?.pod,
      30_000,
    );
    await cluster.waitFor(
      'the client writing on the new master',
      async () => !!firstAckAfter(client as RunningClient, killedAt + 1),
      60_000,
    );
    const first = firstAckAfter(client, killedAt + 1) as ClientLine;
    const now = (await getRR(EXT))?.status?.master;
    expect(now?.pod).not.toBe(before?.pod);
    expect(await node(now?.ip ?? '', pass, (r) => r.get(`ext:${first.i}`))).toBe(String(first.i));
    process.stderr.write(
      `external access: first write through the NodePort address ${(first.t ?? 0) - killedAt} ms after the kill\n`,
    );
  } finally {
    if (client) await stopAll([client]);
    ns.remove();
    await sentinelServiceType('ClusterIP');
    await cluster.kubectl('delete', 'redisreplication', EXT, '-n', NS, '--wait=false');
  }
});

test('metrics record the failovers, the failover duration and the node roles', async () => {
  const op = (await cluster.pods('tsredis-system', 'tsredis.dev/operator-leader=true'))[0];
  const text = await (await fetch(`http://${op.status?.podIP}:8080/metrics`)).text();
  expect(text).toMatch(new RegExp(`tsredis_operator_failovers_total\\{[^}]*name="${NAME}"[^}]*\\} [1-9]`));
  expect(text).toMatch(/tsredis_operator_failover_duration_seconds_count\{[^}]*\} [1-9]/);
  expect(text).toMatch(new RegExp(`tsredis_node_role\\{[^}]*role="master"[^}]*\\} 1`));
  expect(text).toContain('tsredis_operator_leader 1');
  expect(text).not.toContain(await password(NAME));
});

test('operator leader failover: the standby takes the Lease within seconds and completes a master failover', async () => {
  const leaderPod = (await cluster.pods('tsredis-system', 'tsredis.dev/operator-leader=true'))[0].metadata
    .name;
  const leasePath = '/apis/coordination.k8s.io/v1/namespaces/tsredis-system/leases/tsredis-operator-leader';
  const oldHolder = (await cluster.api.get<{ spec: { holderIdentity?: string } }>(leasePath)).spec
    .holderIdentity;
  expect(oldHolder?.startsWith(`${leaderPod}_`)).toBe(true);
  const before = await master();
  // Kill the active operator and, at the same moment, freeze the master: the standby must handle it.
  await cluster.fault({ action: 'kill', namespace: 'tsredis-system', pod: leaderPod });
  await cluster.fault({ action: 'stop', namespace: NS, pod: before.pod });
  try {
    const newLeader = await cluster.waitFor(
      'another operator process to hold the Lease',
      async () => {
        const l = await cluster.api.get<{ spec: { holderIdentity?: string } }>(leasePath);
        return l.spec.holderIdentity && l.spec.holderIdentity !== oldHolder
          ? l.spec.holderIdentity
          : undefined;
      },
      20_000,
    );
    expect(newLeader).not.toBe(oldHolder);
    await takeover(before.pod, 30_000);
  } finally {
    await cluster.fault({ action: 'cont', namespace: NS, pod: before.pod });
  }
  const pass = await password(NAME);
  await cluster.waitFor('every replica linked to the current master', () => wiredTo(NAME, pass), 60_000);
  // Exactly one operator labelled leader once the killed one is back as a standby.
  await cluster.waitFor(
    'one leader label',
    async () => (await cluster.pods('tsredis-system', 'tsredis.dev/operator-leader=true')).length === 1,
    30_000,
  );
});

/** A small seeded PRNG (mulberry32), so a chaos run can be replayed with CHAOS_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('seeded chaos: 20 random faults under WAIT-acknowledged writes end converged with nothing acknowledged lost', async () => {
  const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1e9));
  process.stderr.write(`chaos seed: ${seed} (replay with CHAOS_SEED=${seed})\n`);
  const rand = rng(seed);
  const pass = await password(NAME);
  const writer = startWriter(NAME, pass, 'chaos');
  const faults = ['kill', 'stop', 'partition', 'delete'] as const;
  const log: string[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      await waitReady(NAME, 2, 150_000);
      await cluster.waitFor('every replica linked to the current master', () => wiredTo(NAME, pass), 90_000);
      const m = await master();
      const pods = [...(await podIps(`app.kubernetes.io/instance=${NAME}`)).keys()];
      const target = rand() < 0.6 ? m.pod : pods[Math.floor(rand() * pods.length)];
      const fault = faults[Math.floor(rand() * faults.length)];
      const holdMs = 300 + Math.floor(rand() * 2500);
      log.push(`${i + 1}: ${fault} ${target}${target === m.pod ? ' (master)' : ''} for ${holdMs} ms`);
      if (fault === 'kill') {
        await cluster.fault({ action: 'kill', namespace: NS, pod: target });
        await new Promise((r) => setTimeout(r, holdMs));
        // A fresh pod afterwards, so kubelet's crash back-off does not stretch the run.
        await cluster.kubectl('delete', 'pod', '-n', NS, target, '--wait=true');
      } else if (fault === 'delete') {
        await cluster.kubectl('delete', 'pod', '-n', NS, target, '--wait=false');
        await new Promise((r) => setTimeout(r, holdMs));
      } else {
        await cluster.fault({ action: fault, namespace: NS, pod: target });
        await new Promise((r) => setTimeout(r, holdMs));
        await cluster.fault({ action: fault === 'stop' ? 'cont' : 'heal', namespace: NS, pod: target });
      }
    }
    await waitReady(NAME, 2, 150_000);
  } finally {
    process.stderr.write(`chaos faults (seed ${seed}):\n  ${log.join('\n  ')}\n`);
  }
  const res = await writer.stop();
  expect(res.acknowledged.length).toBeGreaterThan(100);
  await checkConverged(res.acknowledged);
  process.stderr.write(
    `chaos: ${res.acknowledged.length} acknowledged writes, ${res.failures} failed attempts, none lost\n`,
  );
}, 900_000);

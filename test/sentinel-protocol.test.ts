// The operator's Sentinel-compatible endpoint side by side with a real Sentinel (redis-server 7.0 in
// sentinel mode, two of them, monitoring a real master and replica on loopback): the endpoint's
// registry describes the same master and replica, and its replies are compared with the real ones —
// byte for byte where they do not depend on timing (addresses, errors, Pub/Sub, HELLO, CKQUORUM), by
// field names and order where they do (SENTINEL MASTER / MASTERS / REPLICAS / SENTINELS, INFO); then
// both go through the same failover and the event messages on the channels clients read are compared.
import { jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect as netConnect, type Server as NetServer } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { Conn, encode, sleep, type Node } from './helpers/raw-resp.js';
import { freePort, startRedis, tmpDir, type RunningServer } from './helpers/procs.js';
import { SentinelRegistry, type ReplicationView } from '../operator/src/sentinel/registry.js';
import { startSentinelServer } from '../operator/src/sentinel/server.js';

jest.setTimeout(60_000);

let master: RunningServer;
let replica: RunningServer;
const sentinels: { port: number; proc: ChildProcess }[] = [];
let ours: NetServer;
let oursPort = 0;
const registry = new SentinelRegistry();
const PEER_ID = 'f'.repeat(40);

async function startSentinel(
  masterPort: number,
  extra: string[] = [],
): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const dir = tmpDir();
  const conf = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor mymaster 127.0.0.1 ${masterPort} 1`,
      'sentinel down-after-milliseconds mymaster 1000',
      // Two Sentinels can split their votes (each for itself) and then wait 2 × failover-timeout before the
      // next election: a short timeout keeps the retry within the failover test's bound (a CI run split).
      'sentinel failover-timeout mymaster 3000',
      ...extra,
      '',
    ].join('\n'),
  );
  const proc = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  return { port, proc };
}

async function reply(port: number, ...cmds: string[][]): Promise<Node[]> {
  const c = await Conn.open(port);
  try {
    const out: Node[] = [];
    for (const cmd of cmds) out.push(await c.send(cmd));
    return out;
  } finally {
    c.close();
  }
}

/** A flat reply's keys (even positions) in order. */
const keys = (n: Node): string[] =>
  (n.c ?? []).filter((_, i) => i % 2 === 0).map((k) => k.raw.split('\r\n')[1]);

function view(masterPort: number, replicaPort: number | null, down = false): ReplicationView {
  return {
    namespace: 'default',
    name: 'mymaster',
    master: { pod: 'mymaster-0', ip: '127.0.0.1', port: masterPort, runId: 'r'.repeat(40), offset: 0 },
    replicas:
      replicaPort === null
        ? []
        : [{ pod: 'mymaster-1', ip: '127.0.0.1', port: replicaPort, linkUp: true, offset: 0, priority: 100 }],
    downAfterMs: 1000,
    masterDown: down,
  };
}

beforeAll(async () => {
  master = await startRedis();
  replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
  sentinels.push(await startSentinel(master.port), await startSentinel(master.port));
  // Until the first real Sentinel knows the replica and the other Sentinel (their HELLOs go every 2 s).
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await reply(
      sentinels[0].port,
      ['SENTINEL', 'REPLICAS', 'mymaster'],
      ['SENTINEL', 'SENTINELS', 'mymaster'],
    ).catch(() => []);
    if (r.length === 2 && r[0].c?.length === 1 && r[1].c?.length === 1) break;
    if (Date.now() > deadline) throw new Error('the real Sentinels did not discover each other');
    await sleep(200);
  }
  oursPort = await freePort();
  registry.update(view(master.port, replica.port));
  ours = startSentinelServer(oursPort, registry, {
    myId: 'e'.repeat(40),
    peers: () => [{ id: PEER_ID, ip: '127.0.0.1', port: sentinels[1].port }],
    host: '127.0.0.1',
  });
  await new Promise((r) => ours.once('listening', r));
}, 60_000);

afterAll(async () => {
  ours?.close();
  for (const s of sentinels) s.proc.kill('SIGKILL');
  await replica?.stop();
  await master?.stop('SIGKILL');
});

test('byte-identical replies: addresses, CKQUORUM, errors, CLIENT, PING, HELLO, AUTH', async () => {
  const cmds = [
    ['SENTINEL', 'get-master-addr-by-name', 'mymaster'],
    ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'nosuch'],
    ['SENTINEL', 'ckquorum', 'mymaster'],
    ['SENTINEL', 'master', 'nosuch'],
    ['SENTINEL', 'replicas', 'nosuch'],
    ['SENTINEL', 'slaves', 'nosuch'],
    ['SENTINEL', 'sentinels', 'nosuch'],
    ['SENTINEL', 'ckquorum', 'nosuch'],
    ['SENTINEL', 'foo'],
    ['SENTINEL', 'get-master-addr-by-name'],
    ['FOO', 'bar', 'baz'],
    ['FOO'],
    ['AUTH', 'x'],
    ['AUTH', 'default', 'x'],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME', 'a b'],
    ['CLIENT', 'SETNAME', 'app-1'],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'FOO'],
    ['PING'],
    ['PING', 'hi'],
    ['HELLO', '4'],
    ['HELLO', 'x'],
    ['SUBSCRIBE'],
    ['PSUBSCRIBE'],
    ['UNSUBSCRIBE'],
    ['PUNSUBSCRIBE'],
  ];
  const real = await reply(sentinels[0].port, ...cmds);
  const mine = await reply(oursPort, ...cmds);
  for (let i = 0; i < cmds.length; i++) expect([cmds[i], mine[i].raw]).toEqual([cmds[i], real[i].raw]);
});

test('with a password (requirepass / SENTINEL_PASSWORD): NOAUTH, WRONGPASS, AUTH and HELLO AUTH as the real one', async () => {
  const real = await startSentinel(master.port, ['requirepass s3cret']);
  sentinels.push(real);
  const port = await freePort();
  const guarded = startSentinelServer(port, registry, {
    myId: 'd'.repeat(40),
    password: 's3cret',
    host: '127.0.0.1',
  });
  await new Promise((r) => guarded.once('listening', r));
  try {
    const deadline = Date.now() + 10_000;
    while ((await reply(real.port, ['PING']).catch(() => [])).length === 0) {
      if (Date.now() > deadline) throw new Error('the real Sentinel did not start');
      await sleep(100);
    }
    const cmds = [
      ['PING'],
      ['SENTINEL', 'get-master-addr-by-name', 'mymaster'],
      ['HELLO', '3'],
      ['AUTH', 'wrong'],
      ['AUTH', 'default', 'wrong'],
      ['HELLO', '2', 'AUTH', 'default', 'wrong'],
      ['AUTH', 's3cret'],
      ['PING'],
      ['SENTINEL', 'get-master-addr-by-name', 'mymaster'],
    ];
    const want = await reply(real.port, ...cmds);
    const got = await reply(port, ...cmds);
    for (let i = 0; i < cmds.length; i++) expect([cmds[i], got[i].raw]).toEqual([cmds[i], want[i].raw]);
  } finally {
    guarded.close();
    // Not a voter in the failover test below (its events need AUTH to be read).
    real.proc.kill('SIGKILL');
    sentinels.pop();
  }
});

test('SENTINEL MASTER, MASTERS, REPLICAS and SENTINELS carry the real field names, in order', async () => {
  const q = [
    ['SENTINEL', 'MASTER', 'mymaster'],
    ['SENTINEL', 'MASTERS'],
    ['SENTINEL', 'REPLICAS', 'mymaster'],
    ['SENTINEL', 'SENTINELS', 'mymaster'],
  ];
  const [rMaster, rMasters, rReplicas, rSentinels] = await reply(sentinels[0].port, ...q);
  const [mMaster, mMasters, mReplicas, mSentinels] = await reply(oursPort, ...q);
  expect(keys(mMaster)).toEqual(keys(rMaster));
  for (const m of mMasters.c ?? []) expect(keys(m)).toEqual(keys((rMasters.c ?? [])[0]));
  expect(mReplicas.c?.length).toBe(1);
  expect(keys((mReplicas.c ?? [])[0])).toEqual(keys((rReplicas.c ?? [])[0]));
  expect(keys((mSentinels.c ?? [])[0])).toEqual(keys((rSentinels.c ?? [])[0]));
  // Both names of the set are listed: the canonical namespace/name, and the bare name.
  const names = (mMasters.c ?? []).map((m) => (m.c ?? [])[1].raw.split('\r\n')[1]);
  expect(names).toEqual(['default/mymaster', 'mymaster']);
});

test('RESP3: HELLO 3 and the replies after it have the real types and keys', async () => {
  const q = [
    ['HELLO', '3'],
    ['SENTINEL', 'MASTER', 'mymaster'],
    ['SENTINEL', 'get-master-addr-by-name', 'nosuch'],
    ['CLIENT', 'GETNAME'],
  ];
  const real = await reply(sentinels[0].port, ...q);
  const mine = await reply(oursPort, ...q);
  expect(mine[0].t).toBe(real[0].t);
  expect(keys(mine[0])).toEqual(keys(real[0]));
  expect(mine[1].t).toBe(real[1].t);
  expect(keys(mine[1])).toEqual(keys(real[1]));
  expect(mine[2].raw).toBe(real[2].raw);
  expect(mine[3].raw).toBe(real[3].raw);
});

test('INFO sentinel: the same fields, and the master line in the same form', async () => {
  const text = (n: Node): string[] => n.raw.split('\r\n').filter((l) => l.includes(':'));
  const [real] = await reply(sentinels[0].port, ['INFO', 'sentinel']);
  const [mine] = await reply(oursPort, ['INFO', 'sentinel']);
  const fields = (ls: string[]) => ls.filter((l) => !l.startsWith('master')).map((l) => l.split(':')[0]);
  expect(fields(text(mine))).toEqual(fields(text(real)));
  const line = (ls: string[]) => ls.find((l) => l.includes('name=mymaster,')) ?? '';
  expect(line(text(mine)).replace(/^master\d+/, 'masterN')).toBe(
    line(text(real)).replace(/^master\d+/, 'masterN'),
  );
});

test('Pub/Sub: subscription replies, PING and refusals while subscribed are byte-identical', async () => {
  const q = [
    ['SUBSCRIBE', '+switch-master', '+sdown'],
    ['PSUBSCRIBE', '*', '+o*'],
    ['PING'],
    ['PING', 'x'],
    ['SENTINEL', 'masters'],
    // A bare UNSUBSCRIBE of several channels answers in the server's hash order: one at a time here.
    ['UNSUBSCRIBE', '+sdown', 'never-subscribed'],
    ['UNSUBSCRIBE'],
    ['PUNSUBSCRIBE', '*'],
    ['PUNSUBSCRIBE'],
    ['PUNSUBSCRIBE'],
  ];
  // Sent as one pipeline; everything answered within a moment, compared as one byte string.
  const run = (port: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const sock = netConnect(port, '127.0.0.1');
      let got = '';
      sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
      sock.on('error', reject);
      sock.once('connect', () => {
        sock.write(Buffer.concat(q.map((c) => encode(c))));
        setTimeout(() => {
          sock.destroy();
          resolve(got);
        }, 500);
      });
    });
  expect(await run(oursPort)).toEqual(await run(sentinels[0].port));
});

test('a failover: the master events and +switch-master read as the real Sentinels write them', async () => {
  const subscribe = async (port: number): Promise<Conn> => {
    const c = await Conn.open(port);
    await c.send(['PSUBSCRIBE', '*']);
    return c;
  };
  const realSubs = await Promise.all(sentinels.map((s) => subscribe(s.port)));
  const mine = await subscribe(oursPort);
  // The real failover: the master killed, the replica promoted by the Sentinels.
  const killedPort = master.port;
  await master.stop('SIGKILL');
  const channels = ['+sdown', '+odown', '+promoted-slave', '+failover-end', '+switch-master'];
  /** The messages of those channels about the master of `mymaster` (not its replicas' +sdown later). */
  const messages = (c: Conn): Map<string, Set<string>> => {
    const m = new Map<string, Set<string>>();
    for (const n of c.extra) {
      const [, , ch, msg] = (n.c ?? []).map((x) => x.raw.split('\r\n')[1]);
      const about =
        ch === '+switch-master'
          ? msg.startsWith('mymaster ')
          : ch === '+promoted-slave'
            ? msg.includes(' @ mymaster ')
            : msg.startsWith('master mymaster ');
      if (!channels.includes(ch) || !about) continue;
      m.set(ch, new Set([...(m.get(ch) ?? []), msg]));
    }
    return m;
  };
  const deadline = Date.now() + 30_000;
  // Until every channel compared has had its message from one of the real Sentinels.
  const union = () => new Set(realSubs.flatMap((c) => [...messages(c).keys()]));
  while (union().size < channels.length) {
    if (Date.now() > deadline) throw new Error('the real Sentinels did not fail over');
    await sleep(100);
  }
  // The same failover as the operator sees it: the master failing, then the replica promoted.
  registry.update(view(killedPort, replica.port, true));
  registry.update({
    ...view(replica.port, null),
    master: { pod: 'mymaster-1', ip: '127.0.0.1', port: replica.port, offset: 0 },
  });
  await sleep(200);
  const real = new Map<string, Set<string>>();
  for (const c of realSubs)
    for (const [ch, ms] of messages(c))
      for (const msg of ms) real.set(ch, new Set([...(real.get(ch) ?? []), msg]));
  const got = messages(mine);
  for (const ch of channels)
    expect([ch, [...(got.get(ch) ?? [])].sort()]).toEqual([ch, [...(real.get(ch) ?? [])].sort()]);
  for (const c of [...realSubs, mine]) c.close();
});

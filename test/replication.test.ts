// Replication end to end with real processes: tsredis chains, interop with Debian's redis-server
// in both directions, link cuts (partial vs full resync), failover with WAIT, restart from RDB, auth.
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { startRedis, startTsredis, tmpDir, waitFor, freePort, type RunningServer } from './helpers/procs.js';
import { dumpAll, randomWrites } from './helpers/dataset.js';
import { TcpProxy } from './helpers/proxy.js';

jest.setTimeout(120000);

const started: RunningServer[] = [];
const clients: Redis[] = [];

// DEBUG DIGEST compares datasets, so every node here turns DEBUG on (the default, as in Redis, is no).
async function ts(extra: string[] = [], dir?: string): Promise<RunningServer> {
  const s = await startTsredis(
    ['--save', '', '--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes', ...extra],
    dir,
  );
  started.push(s);
  return s;
}

async function real(extra: string[] = []): Promise<RunningServer> {
  const s = await startRedis(['--repl-diskless-sync-delay', '0', ...extra]);
  started.push(s);
  return s;
}

function client(port: number): Redis {
  const r = new Redis({ port, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  clients.push(r);
  return r;
}

async function info(r: Redis, section = 'replication'): Promise<Record<string, string>> {
  const text = await r.info(section);
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function offset(r: Redis): Promise<number> {
  return Number((await info(r)).master_repl_offset);
}

/** Waits until every replica's link is up and its offset equals the master's. */
async function inSync(master: Redis, replicas: Redis[], timeoutMs = 30000): Promise<void> {
  let seen = '';
  await waitFor(
    async () => {
      const m = await offset(master);
      seen = `master ${m}`;
      let ok = true;
      for (const r of replicas) {
        const i = await info(r);
        seen += `, replica ${i.master_link_status} ${i.master_repl_offset}`;
        if (i.master_link_status !== 'up' || Number(i.master_repl_offset) !== m) ok = false;
      }
      return ok && m === (await offset(master));
    },
    timeoutMs,
    'replicas in sync',
  ).catch((e: Error) => {
    throw new Error(`${e.message} (last seen: ${seen})`);
  });
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of started.splice(0)) await s.stop('SIGKILL');
});

test('master -> two replicas -> chained replica: identical data, digests and offsets', async () => {
  const m = await ts();
  const r1 = await ts(['--replicaof', '127.0.0.1', String(m.port)]);
  const r2 = await ts(['--replicaof', '127.0.0.1', String(m.port)]);
  const mc = client(m.port);
  await randomWrites(mc, 500, 1);
  const c1 = await ts(['--replicaof', '127.0.0.1', String(r1.port)]);
  await randomWrites(mc, 3000, 2);
  const [M, R1, R2, C1] = [mc, client(r1.port), client(r2.port), client(c1.port)];
  await inSync(M, [R1, R2]);
  await inSync(M, [C1]);
  const digest = await M.call('DEBUG', 'DIGEST');
  expect(digest).not.toBe('0'.repeat(40));
  for (const r of [R1, R2, C1]) expect(await r.call('DEBUG', 'DIGEST')).toBe(digest);
  const dump = await dumpAll(M, 3);
  expect(await dumpAll(C1, 3)).toEqual(dump);
  const mi = await info(M);
  expect(mi.connected_slaves).toBe('2');
  expect((await info(R1)).master_replid).toBe(mi.master_replid);
  expect((await info(C1)).master_replid).toBe(mi.master_replid);
  await expect(R1.set('x', '1')).rejects.toThrow("READONLY You can't write against a read only replica.");
  const role = (await R1.call('ROLE')) as unknown[];
  expect(role.slice(0, 4)).toEqual(['slave', '127.0.0.1', m.port, 'connected']);
  const mrole = (await M.call('ROLE')) as unknown[];
  expect(mrole[0]).toBe('master');
  expect((mrole[2] as unknown[]).length).toBe(2);
});

test('interop: redis-server 7.0 replicates from tsredis (full, then partial after a link cut)', async () => {
  const m = await ts();
  const M = client(m.port);
  await randomWrites(M, 2000, 3);
  const rr = await real(['--replicaof', '127.0.0.1', String(m.port)]);
  const R = client(rr.port);
  await inSync(M, [R]);
  expect(await dumpAll(R, 3)).toEqual(await dumpAll(M, 3));
  const before = await info(M, 'stats');
  expect(before.sync_full).toBe('1');
  // Cut the link from the master side while writes continue.
  await M.client('KILL', 'TYPE', 'replica');
  await randomWrites(M, 500, 4);
  await inSync(M, [R]);
  const after = await info(M, 'stats');
  expect(after.sync_full).toBe('1');
  expect(Number(after.sync_partial_ok)).toBe(Number(before.sync_partial_ok) + 1);
  expect(await dumpAll(R, 3)).toEqual(await dumpAll(M, 3));
});

test('interop: tsredis replicates from redis-server 7.0 (listpack/intset/quicklist/LZF), then partially', async () => {
  const rm = await real();
  const R = client(rm.port);
  await R.hset('hsmall', 'a', '1', 'b', '2');
  const bigHash: string[] = [];
  for (let i = 0; i < 300; i++) bigHash.push(`f${i}`, `v${i}`);
  await R.hset('hbig', ...bigHash);
  await R.sadd('ints', ...Array.from({ length: 100 }, (_, i) => String(i * 3)));
  await R.sadd('strs', 'a', 'b', 'c');
  await R.rpush('list', ...Array.from({ length: 5000 }, (_, i) => `item-${i}`));
  await R.zadd('zsmall', 1, 'a', 2.5, 'b');
  const zargs: (string | number)[] = [];
  for (let i = 0; i < 300; i++) zargs.push(i / 3, `m${i}`);
  await R.zadd('zbig', ...zargs);
  await R.set('lzf', 'abcdefgh'.repeat(200));
  await R.set('int', '123456789');
  await R.set('ttl', 'v', 'EX', 5000);
  expect(await R.object('ENCODING', 'hsmall')).toBe('listpack');
  expect(await R.object('ENCODING', 'ints')).toBe('intset');
  expect(await R.object('ENCODING', 'list')).toBe('quicklist');
  await randomWrites(R, 1000, 5);
  const t = await ts(['--replicaof', '127.0.0.1', String(rm.port)]);
  const T = client(t.port);
  await inSync(R, [T]);
  expect(await dumpAll(T, 3)).toEqual(await dumpAll(R, 3));
  const before = await info(R, 'stats');
  await R.client('KILL', 'TYPE', 'replica');
  await randomWrites(R, 500, 6);
  await inSync(R, [T]);
  const after = await info(R, 'stats');
  expect(after.sync_full).toBe(before.sync_full);
  expect(Number(after.sync_partial_ok)).toBe(Number(before.sync_partial_ok) + 1);
  expect(await dumpAll(T, 3)).toEqual(await dumpAll(R, 3));
});

test('link cut mid-stream: partial resync; with a backlog too small for the gap, a full sync', async () => {
  // Disk framing ($<len>) here; the other tests use the diskless default ($EOF:<mark>).
  const m = await ts(['--repl-diskless-sync', 'no']);
  const M = client(m.port);
  const proxy = new TcpProxy(m.port);
  await proxy.start();
  const r = await ts(['--replicaof', '127.0.0.1', String(proxy.port)]);
  const R = client(r.port);
  await randomWrites(M, 500, 7);
  await inSync(M, [R]);
  let writing = true;
  let n = 0;
  const writer = (async () => {
    while (writing) await M.set(`w:${n++ % 1000}`, `value-${n}`);
  })();
  await new Promise((res) => setTimeout(res, 200));
  proxy.cutAll();
  await new Promise((res) => setTimeout(res, 300));
  writing = false;
  await writer;
  await inSync(M, [R]);
  let stats = await info(M, 'stats');
  expect(stats.sync_full).toBe('1');
  expect(stats.sync_partial_ok).toBe('1');
  expect(await R.call('DEBUG', 'DIGEST')).toBe(await M.call('DEBUG', 'DIGEST'));

  // Now a gap larger than the backlog: stall the link, cut it, write more than 16 KB, resume.
  await M.config('SET', 'repl-backlog-size', '16384');
  proxy.stall();
  proxy.cutAll();
  await randomWrites(M, 3000, 8);
  proxy.resume();
  await inSync(M, [R]);
  stats = await info(M, 'stats');
  expect(stats.sync_full).toBe('2');
  expect(Number(stats.sync_partial_err)).toBeGreaterThanOrEqual(1);
  expect(await R.call('DEBUG', 'DIGEST')).toBe(await M.call('DEBUG', 'DIGEST'));
  await proxy.stop();
});

test('failover: promote a replica during writes; the others resync partially; no WAIT-acked write lost', async () => {
  const m = await ts();
  const r1 = await ts(['--replicaof', '127.0.0.1', String(m.port)]);
  const r2 = await ts(['--replicaof', '127.0.0.1', String(m.port)]);
  const [M, R1, R2] = [client(m.port), client(r1.port), client(r2.port)];
  await inSync(M, [R1, R2]);
  const oldReplid = (await info(M)).master_replid;
  const acked: string[] = [];
  // The writer has its own connections: a paused write blocks its whole connection, as in Redis.
  let target = client(m.port);
  const newMasterWriter = client(r1.port);
  let writing = true;
  let i = 0;
  const writer = (async () => {
    while (writing) {
      const key = `acked:${i++}`;
      try {
        await target.set(key, 'v');
        const n = Number(await target.call('WAIT', '1', '200'));
        if (n >= 1) acked.push(key);
      } catch (e) {
        if (!String(e).includes('READONLY')) throw e;
        target = newMasterWriter; // the old master refuses writes once demoted: follow the new one
      }
    }
  })();
  await waitFor(() => acked.length > 50, 10000, 'some acked writes');
  // Planned failover, as the operator does it: pause writes, let the replica catch up, promote.
  await M.client('PAUSE', '10000', 'WRITE');
  await inSync(M, [R1, R2]);
  const ackedBeforePromotion = acked.length;
  await R1.call('REPLICAOF', 'NO', 'ONE');
  await R2.call('REPLICAOF', '127.0.0.1', String(r1.port));
  await M.call('REPLICAOF', '127.0.0.1', String(r1.port));
  await M.client('UNPAUSE');
  await waitFor(() => acked.length > ackedBeforePromotion + 50, 15000, 'writes on the new master');
  writing = false;
  await writer;
  await inSync(R1, [R2, M]);
  const st = await info(R1, 'stats');
  expect(st.sync_partial_ok).toBe('2');
  expect(st.sync_full).toBe('0');
  for (const key of acked) expect(await R1.exists(key)).toBe(1);
  const d = await R1.call('DEBUG', 'DIGEST');
  expect(await R2.call('DEBUG', 'DIGEST')).toBe(d);
  expect(await M.call('DEBUG', 'DIGEST')).toBe(d);
  const ri = await info(R1);
  expect(ri.role).toBe('master');
  expect(ri.master_replid2).toBe(oldReplid);
  expect((await info(M)).master_replid).toBe(ri.master_replid);
  expect(Number(ri.second_repl_offset)).toBeGreaterThan(0);
});

test.each([
  ['tsredis', ts],
  ['redis-server 7.0', real],
])(
  'REPLICAOF inside MULTI (%s): INFO in the same transaction gives exactly where the replica left its master',
  async (_name, start) => {
    const m = await start();
    const r = await start(['--replicaof', '127.0.0.1', String(m.port)]);
    const [M, R] = [client(m.port), client(r.port)];
    await inSync(M, [R]);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await M.set(`k${i % 1000}`, String(i));
    })();
    await waitFor(async () => (await offset(R)) > 10000, 10000, 'stream flowing');
    const nowhere = await freePort(); // nothing listens: the replica keeps what it has
    const res = await R.multi().info('replication').replicaof('127.0.0.1', nowhere).exec();
    expect(res?.[1]).toEqual([null, 'OK']);
    const at = Number(/master_repl_offset:(\d+)/.exec(String(res?.[0]?.[1]))?.[1]);
    await new Promise((done) => setTimeout(done, 300));
    const after = await info(R);
    writing = false;
    await writer;
    expect(after.master_port).toBe(String(nowhere));
    expect(Number(after.master_repl_offset)).toBe(at);
    expect(await offset(M)).toBeGreaterThan(at);
  },
);

test('restart: a replica and then a master restarted from their RDB files resync partially', async () => {
  const mdir = tmpDir();
  const rdir = tmpDir();
  const mport = await freePort();
  const save = ['--save', '3600 1'];
  let m = await ts(['--port', String(mport), ...save], mdir);
  let r = await ts(['--replicaof', '127.0.0.1', String(mport), ...save], rdir);
  let M = client(mport);
  await randomWrites(M, 1000, 9);
  await inSync(M, [client(r.port)]);
  // Replica restart (SIGTERM saves its RDB with repl-id/repl-offset).
  await r.stop('SIGTERM');
  started.splice(started.indexOf(r), 1);
  await randomWrites(M, 200, 10);
  r = await ts(['--replicaof', '127.0.0.1', String(mport), ...save], rdir);
  const R = client(r.port);
  await inSync(M, [R]);
  let st = await info(M, 'stats');
  expect(st.sync_full).toBe('1');
  expect(st.sync_partial_ok).toBe('1');
  // Master restart on the same port.
  await m.stop('SIGTERM');
  started.splice(started.indexOf(m), 1);
  M.disconnect();
  m = await ts(['--port', String(mport), ...save], mdir);
  M = client(mport);
  await inSync(M, [R]);
  st = await info(M, 'stats');
  expect(st.sync_full).toBe('0');
  expect(st.sync_partial_ok).toBe('1');
  expect(await R.call('DEBUG', 'DIGEST')).toBe(await M.call('DEBUG', 'DIGEST'));
});

test('auth: wrong masterauth fails the handshake with a clear log and retries; the right one syncs', async () => {
  const m = await ts(['--requirepass', 'sekret']);
  const r = await ts(['--replicaof', '127.0.0.1', String(m.port), '--masterauth', 'wrong']);
  const R = client(r.port);
  await waitFor(() => r.output().includes('Unable to AUTH to MASTER'), 10000, 'auth failure log');
  expect((await info(R)).master_link_status).toBe('down');
  await R.config('SET', 'masterauth', 'sekret');
  const M = new Redis({ port: m.port, password: 'sekret' });
  clients.push(M);
  await M.set('k', 'v');
  await inSync(M, [R]);
  expect(await R.get('k')).toBe('v');
});

test('min-replicas-to-write refuses writes without enough good replicas; MASTERDOWN when configured', async () => {
  const m = await ts(['--min-replicas-to-write', '1', '--min-replicas-max-lag', '10']);
  const M = client(m.port);
  await expect(M.set('k', 'v')).rejects.toThrow('NOREPLICAS Not enough good replicas to write.');
  const r = await ts(['--replicaof', '127.0.0.1', String(m.port), '--replica-serve-stale-data', 'no']);
  const R = client(r.port);
  await waitFor(async () => (await info(M)).min_slaves_good_slaves === '1', 10000, 'a good replica');
  expect(await M.set('k', 'v')).toBe('OK');
  await inSync(M, [R]);
  expect(await R.get('k')).toBe('v');
  await m.stop('SIGKILL');
  await waitFor(async () => (await info(R)).master_link_status === 'down', 10000, 'link down');
  await expect(R.get('k')).rejects.toThrow(
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
  );
  expect(await R.ping()).toBe('PONG');
});

test('a slow full sync (link stalled mid-transfer for seconds) completes as one full sync', async () => {
  const m = await ts();
  const M = client(m.port);
  const p = M.pipeline();
  for (let i = 0; i < 50000; i++) p.set(`big:${i}`, 'x'.repeat(100));
  await p.exec();
  const proxy = new TcpProxy(m.port);
  await proxy.start();
  const r = await ts(['--replicaof', '127.0.0.1', String(proxy.port)]);
  const R = client(r.port);
  await waitFor(async () => (await info(M, 'stats')).sync_full === '1', 10000, 'full sync started');
  proxy.stall(); // the master's cron runs several times while the payload is held back
  await new Promise((res) => setTimeout(res, 2500));
  proxy.resume();
  await inSync(M, [R]);
  expect((await info(M, 'stats')).sync_full).toBe('1');
  expect(await R.dbsize()).toBe(50000);
  await proxy.stop();
});

test('a replica that falls behind past the output-buffer limit is dropped, then resyncs; the master stays up', async () => {
  const m = await ts(['--client-output-buffer-limit', 'replica 1mb 0 0', '--repl-backlog-size', '16mb']);
  const M = client(m.port);
  const proxy = new TcpProxy(m.port);
  await proxy.start();
  const r = await ts(['--replicaof', '127.0.0.1', String(proxy.port)]);
  const R = client(r.port);
  await M.set('seed', '1');
  await inSync(M, [R]);
  proxy.freeze(); // nobody reads the master's stream any more: its output buffer for the replica grows
  const big = 'y'.repeat(64 * 1024);
  for (let i = 0; i < 200; i++) await M.set(`big:${i % 50}`, big);
  await waitFor(() => m.output().includes('overcoming of output buffer limits'), 15000, 'replica dropped');
  expect(await M.ping()).toBe('PONG');
  proxy.cutAll();
  proxy.resume();
  await inSync(M, [R]);
  expect(await R.call('DEBUG', 'DIGEST')).toBe(await M.call('DEBUG', 'DIGEST'));
  await proxy.stop();
});

test('start-masterless: read-only with its loaded data until REPLICAOF decides; a restarted master keeps its data and never syncs anyone', async () => {
  const dir = tmpDir();
  const first = await ts(['--save', '3600 1'], dir);
  const a = client(first.port);
  await a.set('kept', 'v1');
  await first.stop(); // SIGTERM saves (save points configured)
  const node = await ts(['--start-masterless', 'yes'], dir);
  const n = client(node.port);
  // Read-only, as a replica, with what it loaded.
  expect(await n.get('kept')).toBe('v1');
  await expect(n.set('x', '1')).rejects.toThrow("READONLY You can't write against a read only replica.");
  expect(await n.call('ROLE')).toEqual(['slave', '', 0, 'none', -1]);
  const i = await info(n);
  expect(i.role).toBe('slave');
  expect(i.master_link_status).toBe('down');
  // A node pointed at it is refused (-NOMASTERLINK, as Redis refuses PSYNC while it has no master
  // link): a restarted, maybe empty, former master cannot wipe anyone until it is given a role.
  const other = await ts();
  const o = client(other.port);
  await o.set('mine', 'still here');
  await o.call('REPLICAOF', '127.0.0.1', String(node.port));
  await waitFor(() => other.output().includes('NOMASTERLINK'), 10000, 'the PSYNC refusal');
  expect(await o.get('mine')).toBe('still here');
  expect(await o.get('kept')).toBeNull();
  // Promotion decides: now the other node syncs from it.
  expect(await n.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
  expect((await info(n)).role).toBe('master');
  await n.set('after', 'promotion');
  // While it loads the full sync's RDB the replica answers -LOADING, as Redis does: not yet.
  await waitFor(
    async () =>
      (await o.get('after').catch((e: Error) => {
        if (e.message.startsWith('LOADING')) return null;
        throw e;
      })) === 'promotion',
    15000,
    'the write to replicate',
  );
  expect(await o.get('kept')).toBe('v1');
  expect(await o.get('mine')).toBeNull();
});

test('SIGTERM of a master with replicas: writes are held while a lagging replica catches up, then it exits', async () => {
  const m = await ts();
  const r = await ts(['--replicaof', '127.0.0.1', String(m.port)]);
  const M = client(m.port);
  const R = client(r.port);
  await M.set('before', '1');
  await inSync(M, [R]);
  r.proc.kill('SIGSTOP'); // the replica lags: it cannot read or acknowledge anything
  try {
    await M.set('acked-by-master-only', '1');
    const exited = m.stop('SIGTERM');
    await waitFor(() => m.output().includes('Waiting for replicas before shutting down.'), 5000, 'wait log');
    // A write sent now is held, never executed: the master is leaving and its replica must not miss it.
    const late = new Redis({ port: m.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    late.on('error', () => {});
    const lateSet = late.set('late', '1').then(
      () => 'executed',
      () => 'not executed',
    );
    await new Promise((res) => setTimeout(res, 700));
    expect(m.proc.exitCode).toBeNull(); // still waiting for the frozen replica
    r.proc.kill('SIGCONT');
    await exited;
    expect(await lateSet).toBe('not executed');
    late.disconnect();
    expect(m.output()).toContain('1 of 1 replicas are in sync when shutting down.');
    expect(await R.get('acked-by-master-only')).toBe('1');
    expect(await R.get('late')).toBeNull();
  } finally {
    r.proc.kill('SIGCONT');
  }
});

test('SIGTERM of a master whose replica never answers waits shutdown-timeout, reports it, and exits', async () => {
  const m = await ts(['--shutdown-timeout', '1']);
  const r = await ts(['--replicaof', '127.0.0.1', String(m.port)]);
  const M = client(m.port);
  await M.set('k', '1');
  await inSync(M, [client(r.port)]);
  r.proc.kill('SIGSTOP');
  try {
    await M.set('k2', '1');
    const t0 = Date.now();
    await m.stop('SIGTERM');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(m.output()).toMatch(/Lagging replica 127\.0\.0\.1:\d+ reported offset \d+ behind master/);
    expect(m.output()).toContain('0 of 1 replicas are in sync when shutting down.');
  } finally {
    r.proc.kill('SIGCONT');
  }
});

test('min-replicas-max-lag 1 with a healthy replica never refuses a write (the good-replica count does not flap between ACKs)', async () => {
  const m = await ts(['--min-replicas-to-write', '1', '--min-replicas-max-lag', '1']);
  const r = await ts(['--replicaof', '127.0.0.1', String(m.port)]);
  const M = client(m.port);
  await waitFor(async () => (await info(M)).min_slaves_good_slaves === '1', 10000, 'a good replica');
  await inSync(M, [client(r.port)]);
  // Writes for 3 s: the replica's own ACK comes once a second, so without the master's GETACKs some of
  // these would meet a last ACK just over 1 s old.
  let refused = 0;
  let written = 0;
  const end = Date.now() + 3000;
  while (Date.now() < end) {
    await M.set(`k${written}`, 'v').then(
      () => written++,
      () => refused++,
    );
    await new Promise((res) => setTimeout(res, 2));
  }
  expect(written).toBeGreaterThan(300);
  expect(refused).toBe(0);
});

test('RESTORE with a relative TTL reaches a replica (redis-server too) with the same absolute expiry', async () => {
  const m = await ts();
  const M = client(m.port);
  const r1 = await ts(['--replicaof', '127.0.0.1', String(m.port)]);
  const r2 = await real(['--replicaof', '127.0.0.1', String(m.port)]);
  const replicas = [client(r1.port), client(r2.port)];
  await inSync(M, replicas);
  await M.rpush('src', 'a', 'b', 'c');
  const payload = (await M.dumpBuffer('src')) as Buffer;
  expect(await M.restore('copy', 60000, payload)).toBe('OK');
  expect(await M.restore('src', 0, payload, 'REPLACE')).toBe('OK');
  await inSync(M, replicas);
  const at = await M.call('PEXPIRETIME', 'copy');
  expect(Number(at)).toBeGreaterThan(Date.now() + 50000);
  for (const R of replicas) {
    expect(await R.call('PEXPIRETIME', 'copy')).toBe(at);
    expect(await R.lrange('copy', 0, -1)).toEqual(['a', 'b', 'c']);
    expect(await R.pttl('src')).toBe(-1);
  }
});

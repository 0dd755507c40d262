// The append-only file with real processes: restarts load every write; BGREWRITEAOF under a writer
// keeps every acknowledged write and leaves a manifest that names only existing files; a truncated
// tail and a corrupt middle are handled with Redis's rules and log lines; CONFIG SET appendonly at
// runtime; appendonlydirs written by redis-server 7.0 load in tsredis and tsredis's load in
// redis-server, and redis-check-aof accepts tsredis's; a replica's AOF through a full sync; the INFO
// fields redis-server has.
import { jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { startRedis, startTsredis, tmpDir, waitFor, type RunningServer } from './helpers/procs.js';
import { dumpAll, randomWrites } from './helpers/dataset.js';

jest.setTimeout(120000);

const started: RunningServer[] = [];
const clients: Redis[] = [];

const AOF = ['--appendonly', 'yes', '--save', ''];

async function ts(dir: string, extra: string[] = []): Promise<RunningServer> {
  const s = await startTsredis([...AOF, ...extra], dir);
  started.push(s);
  return s;
}

async function real(dir: string, extra: string[] = []): Promise<RunningServer> {
  const s = await startRedis([...AOF, ...extra], dir);
  started.push(s);
  return s;
}

function client(port: number): Redis {
  const r = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: false });
  r.on('error', () => undefined);
  clients.push(r);
  return r;
}

async function stop(s: RunningServer, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  await s.stop(signal);
  started.splice(started.indexOf(s), 1);
}

async function info(r: Redis, section = 'persistence'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of (await r.info(section)).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const aofDir = (dir: string): string => path.join(dir, 'appendonlydir');
const manifest = (dir: string): string =>
  fs.readFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'latin1');

/** The files the manifest names exist, and nothing else is in the directory but the manifest. */
function expectTidyDir(dir: string): void {
  const named = [...manifest(dir).matchAll(/^file (\S+) seq \d+ type [bi]$/gm)].map((m) => m[1]);
  expect(named.length).toBeGreaterThan(0);
  const present = fs.readdirSync(aofDir(dir)).sort();
  expect(present).toEqual([...named, 'appendonly.aof.manifest'].sort());
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of started.splice(0)) await s.stop('SIGKILL');
});

test('every write survives kill -9 and a restart: types, TTLs, dbs, MULTI, scripts, FLUSHDB', async () => {
  const dir = tmpDir();
  let s = await ts(dir);
  let c = client(s.port);
  await randomWrites(c, 2000, 11, 3);
  await c.multi().set('tx:a', '1').incr('tx:n').exec();
  await c.eval(
    "redis.call('set', KEYS[1], ARGV[1]); return redis.call('incr', KEYS[2])",
    2,
    'lua:a',
    'lua:n',
    'v',
  );
  await c.set('ttl', 'v', 'EX', 1000);
  await c.select(2);
  await c.flushdb();
  await c.select(0);
  const before = await dumpAll(c, 3);
  const ttl = await c.pttl('ttl');
  await stop(s);
  s = await ts(dir);
  c = client(s.port);
  expect(await dumpAll(c, 3)).toEqual(before);
  const ttl2 = await c.pttl('ttl');
  expect(ttl2).toBeLessThanOrEqual(ttl);
  expect(ttl2).toBeGreaterThan(ttl - 30000);
  expect(s.output()).toContain('DB loaded from append only file');
  expectTidyDir(dir);
});

test('BGREWRITEAOF under a writer: no acknowledged write lost, history removed, manifest switched', async () => {
  const dir = tmpDir();
  let s = await ts(dir);
  let c = client(s.port);
  await randomWrites(c, 5000, 12, 2);
  const w = client(s.port);
  let acked = 0;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      await w.set(`w:${acked}`, String(acked));
      acked++;
    }
  })();
  await waitFor(() => acked > 200, 10000, 'writes');
  expect(await c.bgrewriteaof()).toBe('Background append only file rewriting started');
  await waitFor(async () => (await info(c)).aof_rewrite_in_progress === '0', 20000, 'the rewrite');
  await waitFor(() => acked > 2000, 20000, 'more writes');
  writing = false;
  await writer;
  const i = await info(c);
  expect(i.aof_rewrites).toBe('1');
  expect(i.aof_last_bgrewrite_status).toBe('ok');
  expect(manifest(dir)).toMatch(
    /^file appendonly\.aof\.2\.base\.rdb seq 2 type b\nfile appendonly\.aof\.2\.incr\.aof seq 2 type i\n$/,
  );
  expectTidyDir(dir);
  const before = await dumpAll(c, 2);
  await stop(s);
  s = await ts(dir);
  c = client(s.port);
  expect(await dumpAll(c, 2)).toEqual(before);
  for (let k = 0; k < acked; k += 97) expect(await c.get(`w:${k}`)).toBe(String(k));
});

test('history entries naming files already removed (a crash during the removal) load, and are dropped', async () => {
  const dir = tmpDir();
  let s = await ts(dir);
  let c = client(s.port);
  await c.set('a', '1');
  await stop(s, 'SIGTERM');
  const m = path.join(aofDir(dir), 'appendonly.aof.manifest');
  const listed = fs.readFileSync(m, 'latin1');
  fs.writeFileSync(
    m,
    `${listed}file appendonly.aof.0.base.rdb seq 0 type h\nfile appendonly.aof.0.incr.aof seq 0 type h\n`,
  );
  s = await ts(dir);
  c = client(s.port);
  expect(await c.get('a')).toBe('1');
  expect(manifest(dir)).toBe(listed);
  expectTidyDir(dir);
});

test('a truncated tail: loaded and truncated with aof-load-truncated yes, refused with no', async () => {
  const dir = tmpDir();
  let s = await ts(dir);
  let c = client(s.port);
  await c.set('a', '1');
  await c.set('b', '2');
  await stop(s, 'SIGTERM');
  const incr = path.join(aofDir(dir), 'appendonly.aof.1.incr.aof');
  const whole = fs.statSync(incr).size;
  fs.appendFileSync(incr, '*3\r\n$3\r\nset\r\n$1\r\nc\r\n$2\r\n3');
  const refused = await startTsredis([...AOF, '--aof-load-truncated', 'no'], dir).then(
    (x) => {
      started.push(x);
      return 'started';
    },
    (e: Error) => e.message,
  );
  expect(refused).toContain(
    "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
  );
  s = await ts(dir);
  c = client(s.port);
  expect(await c.mget('a', 'b', 'c')).toEqual(['1', '2', null]);
  expect(s.output()).toContain(`!!! Truncating the AOF appendonly.aof.1.incr.aof at offset ${whole} !!!`);
  expect(s.output()).toContain(
    'AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled',
  );
  expect(fs.statSync(incr).size).toBe(whole);
  // A transaction cut before its EXEC is reverted as a whole.
  await c.set('after', 'x');
  await stop(s, 'SIGTERM');
  fs.appendFileSync(incr, '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$2\r\ntx\r\n$1\r\n1\r\n');
  s = await ts(dir);
  c = client(s.port);
  expect(await c.get('tx')).toBeNull();
  expect(await c.get('after')).toBe('x');
  expect(s.output()).toContain(
    'Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof',
  );
});

test('a corrupt middle is refused with Redis message, as redis-server refuses it', async () => {
  for (const kind of ['tsredis', 'redis-server'] as const) {
    const dir = tmpDir();
    const s = kind === 'tsredis' ? await ts(dir) : await real(dir);
    const c = client(s.port);
    await c.set('a', '1');
    await stop(s, 'SIGTERM');
    fs.appendFileSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof'), 'garbage\r\n*1\r\n$4\r\nPING\r\n');
    const start = kind === 'tsredis' ? startTsredis(AOF, dir) : startRedis(AOF, dir);
    const err = await start.then(
      (x) => {
        started.push(x);
        return 'started';
      },
      (e: Error) => e.message,
    );
    expect(err).toContain(
      'Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>',
    );
  }
});

test('CONFIG SET appendonly yes writes a base of the data, then appends; no stops; restart loads all', async () => {
  const dir = tmpDir();
  let s = await startTsredis(['--save', ''], dir);
  started.push(s);
  let c = client(s.port);
  await randomWrites(c, 1000, 13, 2);
  expect((await info(c)).aof_enabled).toBe('0');
  expect(await c.config('SET', 'appendonly', 'yes')).toBe('OK');
  await waitFor(async () => (await info(c)).aof_rewrites === '1', 20000, 'the first base');
  expect((await info(c)).aof_enabled).toBe('1');
  await c.set('after-on', '1');
  expect(manifest(dir)).toBe(
    'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
  );
  const before = await dumpAll(c, 2);
  expect(await c.config('SET', 'appendonly', 'no')).toBe('OK');
  expect((await info(c)).aof_enabled).toBe('0');
  await c.set('after-off', '1');
  await stop(s);
  s = await ts(dir);
  c = client(s.port);
  expect(await dumpAll(c, 2)).toEqual(before);
  expect(await c.get('after-off')).toBeNull();
});

test('interop: tsredis loads what redis-server wrote (with and without the RDB preamble), and the reverse', async () => {
  for (const preamble of ['yes', 'no']) {
    const dir = tmpDir();
    const r = await real(dir, ['--aof-use-rdb-preamble', preamble]);
    const rc = client(r.port);
    await randomWrites(rc, 1500, 14, 2);
    await rc.bgrewriteaof();
    await waitFor(async () => (await info(rc)).aof_rewrite_in_progress === '0', 20000, 'redis rewrite');
    await randomWrites(rc, 500, 15, 2);
    const want = await dumpAll(rc, 2);
    await stop(r, 'SIGTERM');
    expect(
      fs.readdirSync(aofDir(dir)).some((f) => f.endsWith(preamble === 'yes' ? '.base.rdb' : '.base.aof')),
    ).toBe(true);
    const t = await ts(dir, ['--aof-use-rdb-preamble', preamble]);
    const tc = client(t.port);
    expect(await dumpAll(tc, 2)).toEqual(want);
    // ... and redis-server loads what tsredis then wrote (a rewrite, in the same form, and appends).
    await tc.bgrewriteaof();
    await waitFor(async () => (await info(tc)).aof_rewrite_in_progress === '0', 20000, 'tsredis rewrite');
    await randomWrites(tc, 500, 16, 2);
    const want2 = await dumpAll(tc, 2);
    await stop(t, 'SIGTERM');
    expect(manifest(dir)).toContain(preamble === 'yes' ? '.base.rdb seq' : '.base.aof seq');
    const check = execFileSync('redis-check-aof', [
      path.join(aofDir(dir), 'appendonly.aof.manifest'),
    ]).toString();
    expect(check).toContain('All AOF files and manifest are valid');
    const r2 = await real(dir);
    expect(await dumpAll(client(r2.port), 2)).toEqual(want2);
  }
});

test('aof-timestamp-enabled annotates the file; redis-server and redis-check-aof accept it', async () => {
  const dir = tmpDir();
  const t = await ts(dir, ['--aof-timestamp-enabled', 'yes']);
  const c = client(t.port);
  await c.set('a', '1');
  await c.set('b', '2');
  await stop(t, 'SIGTERM');
  const incr = fs.readFileSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof'), 'latin1');
  expect(incr).toMatch(/^#TS:\d+\r\n\*2\r\n\$6\r\nSELECT/);
  execFileSync('redis-check-aof', [path.join(aofDir(dir), 'appendonly.aof.manifest')]);
  const r = await real(dir);
  expect(await client(r.port).mget('a', 'b')).toEqual(['1', '2']);
});

test('the INFO persistence aof_* fields are redis-server 7.0s', async () => {
  const [t, r] = await Promise.all([ts(tmpDir()), real(tmpDir())]);
  const names = async (p: number) => Object.keys(await info(client(p))).filter((k) => k.startsWith('aof_'));
  expect(await names(t.port)).toEqual(await names(r.port));
});

test('BGSAVE and BGREWRITEAOF wait for each other as in Redis', async () => {
  const s = await ts(tmpDir());
  const c = client(s.port);
  await randomWrites(c, 20000, 17, 1);
  // Each group in one pipeline: the server runs the commands of one read back to back, so the rewrite
  // (or the BGSAVE) cannot have finished between them, however the test process is scheduled.
  const first = (await c.pipeline().bgrewriteaof().bgrewriteaof().bgsave().exec()) ?? [];
  expect(first[0]).toEqual([null, 'Background append only file rewriting started']);
  expect(String(first[1][0])).toContain('ERR Background append only file rewriting already in progress');
  expect(String(first[2][0])).toContain(
    "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
  );
  await waitFor(async () => (await info(c)).aof_rewrite_in_progress === '0', 20000, 'the rewrite');
  const second = (await c.pipeline().bgsave().bgrewriteaof().exec()) ?? [];
  expect(second).toEqual([
    [null, 'Background saving started'],
    [null, 'Background append only file rewriting scheduled'],
  ]);
  await waitFor(async () => (await info(c)).aof_rewrites === '2', 20000, 'the scheduled rewrite');
});

test('a replica with AOF: a full sync replaces its AOF by a base of the new data; the stream is appended', async () => {
  const m = await startTsredis(['--save', '', '--repl-diskless-sync-delay', '0'], tmpDir());
  started.push(m);
  const M = client(m.port);
  await randomWrites(M, 1000, 18, 2);
  const rdir = tmpDir();
  let r = await ts(rdir);
  let R = client(r.port);
  await R.set('local-before-sync', '1');
  await R.replicaof('127.0.0.1', String(m.port));
  await waitFor(async () => (await info(R, 'replication')).master_link_status === 'up', 20000, 'link');
  await waitFor(async () => (await info(R)).aof_rewrites === '1', 20000, 'the base after the sync');
  await randomWrites(M, 500, 19, 2);
  await waitFor(
    async () =>
      (await info(R, 'replication')).master_repl_offset === (await info(M, 'replication')).master_repl_offset,
    20000,
    'in sync',
  );
  const want = await dumpAll(M, 2);
  await stop(r);
  r = await ts(rdir);
  R = client(r.port);
  expect(await dumpAll(R, 2)).toEqual(want);
  expect(await R.get('local-before-sync')).toBeNull();
});

test('a single-file AOF from before Redis 7.0 (RDB preamble + commands) is upgraded and loaded', async () => {
  // The preamble: an RDB as redis-server writes it; then commands, as Redis 6 appended them.
  const src = tmpDir();
  const r = await startRedis(['--save', ''], src);
  started.push(r);
  const rc = client(r.port);
  await rc.set('from-rdb', '1');
  await rc.save();
  await stop(r, 'SIGTERM');
  const dir = tmpDir();
  const legacy = Buffer.concat([
    fs.readFileSync(path.join(src, 'dump.rdb')),
    Buffer.from(
      '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$9\r\nfrom-cmds\r\n$1\r\n2\r\n',
      'latin1',
    ),
  ]);
  fs.writeFileSync(path.join(dir, 'appendonly.aof'), legacy);
  const t = await ts(dir);
  const c = client(t.port);
  expect(await c.mget('from-rdb', 'from-cmds')).toEqual(['1', '2']);
  expect(fs.existsSync(path.join(dir, 'appendonly.aof'))).toBe(false);
  expect(manifest(dir)).toBe(
    'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
  );
  await c.set('after', '3');
  await stop(t, 'SIGTERM');
  const r2 = await real(dir);
  expect(await client(r2.port).mget('from-rdb', 'from-cmds', 'after')).toEqual(['1', '2', '3']);
});

test('the replication position survives in the AOF: a killed replica resumes by partial resync, a killed master keeps its history', async () => {
  const mdir = tmpDir();
  let m = await ts(mdir, ['--repl-diskless-sync-delay', '0']);
  let M = client(m.port);
  await randomWrites(M, 800, 20, 1);
  await M.select(3); // the stream's db must come back too
  const rdir = tmpDir();
  let r = await ts(rdir, ['--replicaof', '127.0.0.1', String(m.port)]);
  let R = client(r.port);
  const synced = async () =>
    (await info(R, 'replication')).master_link_status === 'up' &&
    (await info(R, 'replication')).master_repl_offset === (await info(M, 'replication')).master_repl_offset;
  await waitFor(synced, 20000, 'in sync');
  await M.set('k1', 'v1');
  await waitFor(synced, 20000, 'in sync');
  await stop(r);
  await M.set('k2', 'v2'); // written while the replica is down: the partial resync brings it
  r = await ts(rdir, ['--replicaof', '127.0.0.1', String(m.port)]);
  R = client(r.port);
  await waitFor(synced, 20000, 'resynced');
  const stats = await info(M, 'stats');
  expect(stats.sync_partial_ok).toBe('1');
  expect(stats.sync_full).toBe('1');
  await R.select(3);
  expect(await R.mget('k1', 'k2')).toEqual(['v1', 'v2']);
  expect(await dumpAll(R, 4)).toEqual(await dumpAll(M, 4));
  // The master, killed and restarted from its AOF, continues the same history.
  const before = await info(M, 'replication');
  await stop(m);
  m = await ts(mdir);
  M = client(m.port);
  const after = await info(M, 'replication');
  expect(after.master_replid).toBe(before.master_replid);
  expect(Number(after.master_repl_offset)).toBeLessThanOrEqual(Number(before.master_repl_offset));
  expect(Number(after.master_repl_offset)).toBeGreaterThan(0);
});

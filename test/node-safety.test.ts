// Integration, side by side with redis-server 7.0: the node's safety contract for what Redis protects:
// DEBUG gated by enable-debug-command, protected configs (dir, dbfilename) and file names without a
// path, protected-mode from a non-loopback peer (a network namespace this test creates), the process
// title that hides the command line, stale temp RDB files removed at start, and the error texts.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startRedis, startTsredis, tmpDir, TSREDIS_MAIN, freePort, waitFor } from './helpers/procs.js';
import { createNetns, type TestNetns } from './helpers/netns.js';
import { answer, clientFor, KINDS, startKind, stopAll, track, type Kind } from './helpers/side-by-side.js';

let ns: TestNetns;

beforeAll(() => {
  ns = createNetns('safe');
});
afterAll(() => ns.remove());
afterEach(async () => {
  await stopAll();
});

/** Both servers, same directives, same commands: the answers side by side. */
async function bothAnswer(extra: string[], ...commands: string[][]): Promise<Record<Kind, unknown[]>> {
  const out: Record<Kind, unknown[]> = { redis: [], tsredis: [] };
  for (const kind of KINDS) {
    const { r } = await startKind(kind, extra);
    for (const c of commands) out[kind].push(await answer(r, ...c));
  }
  return out;
}

/** redis-cli from inside the namespace: what a client on another host gets. */
function fromOutside(port: number, ...args: string[]): string {
  return ns.run('redis-cli', ['-h', ns.hostIp, '-p', String(port), ...args]).trim();
}

test('DEBUG is refused by default with Redis text, also queued in MULTI; enable-debug-command yes allows it', async () => {
  const refused = await bothAnswer([], ['DEBUG', 'SLEEP', '0'], ['MULTI'], ['DEBUG', 'SLEEP', '0'], ['EXEC']);
  expect(refused.tsredis).toEqual(refused.redis);
  expect(String(refused.tsredis[0])).toContain('ERR DEBUG command not allowed. If the enable-debug-command');
  expect(refused.tsredis[3]).toMatch(/EXECABORT/);
  const allowed = await bothAnswer(['--enable-debug-command', 'yes'], ['DEBUG', 'SLEEP', '0']);
  expect(allowed.tsredis).toEqual(['OK']);
  expect(allowed.redis).toEqual(['OK']);
});

test('enable-debug-command local: allowed on loopback, refused from another host, as redis-server does', async () => {
  for (const kind of KINDS) {
    const { s, r } = await startKind(kind, [
      '--bind',
      `127.0.0.1 ${ns.hostIp}`,
      '--protected-mode',
      'no',
      '--enable-debug-command',
      'local',
    ]);
    expect(await answer(r, 'DEBUG', 'SLEEP', '0')).toBe('OK');
    expect(fromOutside(s.port, 'DEBUG', 'SLEEP', '0')).toMatch(/^ERR DEBUG command not allowed/);
    expect(fromOutside(s.port, 'PING')).toBe('PONG');
  }
});

test('dir and dbfilename are protected configs; with them enabled, a path in dbfilename and a missing dir are refused', async () => {
  const dir = tmpDir();
  const commands = [
    ['CONFIG', 'SET', 'dir', dir],
    ['CONFIG', 'SET', 'dbfilename', 'x.sh'],
    ['CONFIG', 'SET', 'dir', dir, 'maxclients', '100'],
    ['CONFIG', 'GET', 'maxclients'],
  ];
  const off = await bothAnswer([], ...commands);
  expect(off.tsredis).toEqual(off.redis);
  expect(off.tsredis[0]).toBe(
    "ERROR ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config",
  );
  const on = await bothAnswer(
    ['--enable-protected-configs', 'yes'],
    ['CONFIG', 'SET', 'dbfilename', '../escape.rdb'],
    ['CONFIG', 'SET', 'dbfilename', 'sub/x.rdb'],
    ['CONFIG', 'SET', 'dir', path.join(dir, 'missing')],
    ['CONFIG', 'SET', 'dir', '/etc/hostname'],
    ['CONFIG', 'SET', 'dbfilename', 'other.rdb'],
    ['CONFIG', 'GET', 'dbfilename'],
    ['CONFIG', 'SET', 'enable-protected-configs', 'no'],
  );
  expect(on.tsredis).toEqual(on.redis);
  expect(on.tsredis[0]).toBe(
    "ERROR ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename",
  );
  expect(on.tsredis[5]).toEqual(['dbfilename', 'other.rdb']);
  // The gate is not a flag COMMAND INFO shows (Redis 7.0 does not list it either).
  const flags = await bothAnswer([], ['COMMAND', 'INFO', 'DEBUG']);
  const flagsOf = (v: unknown): unknown => (v as unknown[][][])[0][2];
  expect(flagsOf(flags.tsredis[0])).toEqual(flagsOf(flags.redis[0]));
});

test('a dbfilename with a path or a missing dir is a fatal config error at start', async () => {
  for (const bad of [
    ['--dbfilename', '../x.rdb'],
    ['--dir', '/nonexistent-dir-for-test'],
  ]) {
    const port = String(await freePort());
    const ours = spawnSync(process.execPath, [TSREDIS_MAIN, '--port', port, ...bad], { encoding: 'utf8' });
    const real = spawnSync('redis-server', ['--port', port, ...bad], { encoding: 'utf8' });
    expect(ours.status).toBe(1);
    expect(real.status).toBe(1);
    const why = (out: string): string => out.trim().split('\n').slice(-1)[0];
    expect(why(ours.stderr)).toBe(why(real.stdout + real.stderr));
  }
});

test('protected-mode: no password means a non-loopback peer gets the DENIED text; a password or protected-mode no lets it in', async () => {
  const cases: [string[], RegExp][] = [
    [[], /^DENIED Redis is running in protected mode because protected mode is enabled and no password/],
    [['--requirepass', 'pw'], /^NOAUTH Authentication required/],
    [['--protected-mode', 'no'], /^PONG$/],
  ];
  for (const [extra, want] of cases) {
    const got: Record<string, string> = {};
    for (const kind of KINDS) {
      const { s, r } = await startKind(kind, ['--bind', `127.0.0.1 ${ns.hostIp}`, ...extra]);
      got[kind] = fromOutside(s.port, 'PING');
      if (extra.length === 0) expect(await answer(r, 'PING')).toBe('PONG'); // loopback is always served
    }
    expect(got.tsredis).toMatch(want);
    expect(got.tsredis).toBe(got.redis);
  }
  // Turned off at runtime, from loopback, as the DENIED text advises.
  const { s, r } = await startKind('tsredis', ['--bind', `127.0.0.1 ${ns.hostIp}`]);
  expect(await answer(r, 'CONFIG', 'SET', 'protected-mode', 'no')).toBe('OK');
  expect(fromOutside(s.port, 'PING')).toBe('PONG');
  const info = String(await answer(r, 'INFO', 'stats'));
  expect(info).toMatch(/rejected_connections:0/);
});

test('the process title hides the command line, secrets included, like redis-server', async () => {
  const s = await startTsredis(['--requirepass', 'hunter2-secret']);
  track(s);
  const r = clientFor(s.port, 'hunter2-secret');
  const cmdline = (): string => fs.readFileSync(`/proc/${s.proc.pid}/cmdline`, 'latin1').replace(/\0+$/, '');
  expect(cmdline().replace(/\0/g, ' ').trim()).toBe(`tsredis-server 127.0.0.1:${s.port}`);
  expect(cmdline()).not.toContain('hunter2');
  const bad = await bothAnswer([], ['CONFIG', 'SET', 'proc-title-template', '{title} {bogus}']);
  expect(bad.tsredis).toEqual(bad.redis);
  expect(await answer(r, 'CONFIG', 'SET', 'proc-title-template', 'tsr {port}')).toBe('OK');
  expect(cmdline().replace(/\0/g, ' ').trim()).toBe(`tsr ${s.port}`);
});

test('a start removes temp RDB files left by a killed writer, and keeps everything else', async () => {
  // A pid that certainly no longer runs: a child that has exited.
  const gone = spawn('true');
  await new Promise((res) => gone.once('exit', res));
  const deadPid = gone.pid as number;
  const dir = tmpDir();
  const stale = [`temp-bg-${deadPid}.rdb`, `temp-${deadPid}.rdb`, `temp-1764000000000.${deadPid}.rdb`];
  for (const n of [...stale, 'keep-me.rdb', `temp-bg-${process.pid}.rdb`])
    fs.writeFileSync(path.join(dir, n), 'x');
  const s = await startTsredis([], dir);
  track(s);
  const left = fs.readdirSync(dir).sort();
  for (const n of stale) expect(left).not.toContain(n);
  expect(left).toContain('keep-me.rdb');
  expect(left).toContain(`temp-bg-${process.pid}.rdb`); // its writer (this test process) is alive
  expect(s.output()).toContain(`Removed stale temporary RDB file temp-bg-${deadPid}.rdb`);
});

test('notify-keyspace-events is parsed and shown as redis-server does, invalid classes refused', async () => {
  const cmds = ['KEA', 'Ex', 'AKEmn', 'Kgxedtn', 'zhsl', '', 'Q'].flatMap((v) => [
    ['CONFIG', 'SET', 'notify-keyspace-events', v],
    ['CONFIG', 'GET', 'notify-keyspace-events'],
  ]);
  const got = await bothAnswer([], ...cmds);
  expect(got.tsredis).toEqual(got.redis);
});

test('directives tsredis cannot honour are refused at start and by CONFIG SET, with a message saying why', async () => {
  for (const bad of [
    ['--daemonize', 'yes'],
    ['--supervised', 'systemd'],
    ['--oom-score-adj', 'yes'],
  ]) {
    const port = String(await freePort());
    const ours = spawnSync(process.execPath, [TSREDIS_MAIN, '--port', port, ...bad], { encoding: 'utf8' });
    expect(ours.status).toBe(1);
    expect(ours.stderr).toContain('FATAL CONFIG FILE ERROR');
    expect(ours.stderr).toMatch(/tsredis/);
  }
  const { r } = await startKind('tsredis');
  expect(await answer(r, 'CONFIG', 'SET', 'oom-score-adj', 'yes')).toBe(
    "ERROR ERR CONFIG SET failed (possibly related to argument 'oom-score-adj') - tsredis does not set its oom_score_adj: set it in the pod or unit instead",
  );
  expect(await answer(r, 'CONFIG', 'GET', 'oom-score-adj')).toEqual(['oom-score-adj', 'no']);
});

test('a knob tsredis ignores is logged once, with the reason, when set to a non-default value', async () => {
  const { s, r } = await startKind('tsredis', ['--lazyfree-lazy-user-del', 'yes', '--maxmemory', '100mb']);
  expect(s.output()).toContain(
    'lazyfree-lazy-user-del yes: ignored by tsredis (memory is freed by the garbage',
  );
  // maxmemory is enforced: it is not among the ignored.
  expect(s.output()).not.toContain('maxmemory 104857600: ignored');
  expect(await answer(r, 'CONFIG', 'SET', 'activerehashing', 'no')).toBe('OK');
  expect(await answer(r, 'CONFIG', 'SET', 'activerehashing', 'yes')).toBe('OK');
  expect(await answer(r, 'CONFIG', 'SET', 'activerehashing', 'no')).toBe('OK');
  expect(s.output().split('activerehashing no: ignored by tsredis').length - 1).toBe(1);
});

test('stop-writes-on-bgsave-error: after a failed BGSAVE writes and PING get MISCONF, as on redis-server', async () => {
  const got: Record<string, unknown[]> = {};
  for (const kind of KINDS) {
    const dir = tmpDir();
    const s =
      kind === 'redis'
        ? await startRedis(['--save', '3600 1'], dir)
        : await startTsredis(['--save', '3600 1'], dir);
    track(s);
    const r = clientFor(s.port);
    await r.set('a', '1');
    fs.rmSync(dir, { recursive: true }); // the next snapshot cannot be written
    got[kind] = [await answer(r, 'BGSAVE')];
    await waitFor(
      async () => (await r.info('persistence')).includes('rdb_last_bgsave_status:err'),
      5000,
      'failed bgsave',
    );
    got[kind].push(await answer(r, 'SET', 'b', '1'), await answer(r, 'PING'), await answer(r, 'GET', 'a'));
    got[kind].push(await answer(r, 'CONFIG', 'SET', 'save', ''), await answer(r, 'SET', 'b', '1'));
  }
  expect(got.tsredis).toEqual(got.redis);
  expect(String(got.tsredis[1])).toMatch(/^ERROR MISCONF Redis is configured to save RDB snapshots/);
});

test('pidfile is written once the server listens and removed at SHUTDOWN', async () => {
  const dir = tmpDir();
  const pidfile = path.join(dir, 'tsredis.pid');
  const s = await startTsredis(['--pidfile', pidfile]);
  track(s);
  expect(fs.readFileSync(pidfile, 'utf8')).toBe(`${s.proc.pid}\n`);
  const r = clientFor(s.port);
  await r.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
  await new Promise((res) => s.proc.once('exit', res));
  expect(fs.existsSync(pidfile)).toBe(false);
});

// Integration, side by side with redis-server 7.0: bad clients cannot grow the server's memory without
// bound. Unread large replies and an unread subscriber under a publish flood are closed by
// client-output-buffer-limit before the server holds much more than the limit; 2,000 connections,
// a giant announced bulk and malformed RESP get Redis's answers. Each load is bounded in count.
import { Redis } from 'ioredis';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { waitFor } from './helpers/procs.js';
import { KINDS, startKind, stopAll } from './helpers/side-by-side.js';

const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await stopAll();
});

const MB = 1024 * 1024;

/** Resets the process's peak resident memory (VmHWM) to its current RSS (Linux clear_refs 5). */
function resetPeak(pid: number): void {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** The process's peak resident memory since the last reset (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+([0-9]+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** A client that sends and never reads: what the server sends piles up in its buffers. */
function silentClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.pause();
      resolve(s);
    });
    s.setNoDelay(true);
    s.on('error', () => undefined);
    s.once('error', reject);
    sockets.push(s);
  });
}

function raw(port: number, data: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('error', () => undefined);
    const timer = setTimeout(() => s.destroy(), 3000);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    sockets.push(s);
  });
}

async function connectedClients(r: Redis): Promise<number> {
  return Number(/connected_clients:([0-9]+)/.exec(await r.info('clients'))?.[1]);
}

test('100 pipelined GETs of a 10 MB value, never read: the client is closed near its 32 MB limit', async () => {
  const growth: Record<string, number> = {};
  for (const kind of KINDS) {
    const { s, r } = await startKind(kind, ['--client-output-buffer-limit', 'normal 32mb 16mb 10']);
    await r.set('big', 'x'.repeat(10 * MB));
    await r.get('big'); // one reply built and sent, so the baseline holds it once
    resetPeak(s.proc.pid as number);
    const before = peakRss(s.proc.pid as number);
    const c = await silentClient(s.port);
    c.write('GET big\r\n'.repeat(100));
    await waitFor(async () => (await connectedClients(r)) === 1, 20000, `${kind} closes the slow client`);
    growth[kind] = peakRss(s.proc.pid as number) - before;
    expect(await r.get('k')).toBeNull(); // still serving
    if (kind === 'tsredis') expect(s.output()).toContain('for overcoming of output buffer limits');
  }
  process.stderr.write(
    `unread replies: peak RSS growth redis-server ${(growth.redis / MB).toFixed(1)} MB, tsredis ${(growth.tsredis / MB).toFixed(1)} MB\n`,
  );
  // 100 replies are 1,000 MB; the limit is 32 MB. The bound leaves room for one reply being copied
  // into the socket and the garbage collector's lag, and fails on any reply-building without limit.
  expect(growth.tsredis).toBeLessThan(160 * MB);
});

test('an unread subscriber under a publish flood is closed at the pubsub limit; the publisher goes on', async () => {
  const growth: Record<string, number> = {};
  for (const kind of KINDS) {
    const { s, r } = await startKind(kind, ['--client-output-buffer-limit', 'pubsub 8mb 4mb 60']);
    const sub = await silentClient(s.port);
    sub.write('SUBSCRIBE flood\r\n');
    await waitFor(
      async () => ((await r.call('PUBSUB', 'NUMSUB', 'flood')) as unknown[])[1] === 1,
      5000,
      'sub',
    );
    resetPeak(s.proc.pid as number);
    const before = peakRss(s.proc.pid as number);
    const msg = 'm'.repeat(1024);
    let receivers = 1;
    // 200 MB published in rounds of 1,000 messages, until the subscriber is gone (at most 200 rounds).
    for (let round = 0; round < 200 && receivers > 0; round++) {
      const p = r.pipeline();
      for (let i = 0; i < 1000; i++) p.publish('flood', msg);
      const res = (await p.exec()) ?? [];
      receivers = Number(res[res.length - 1][1]);
    }
    expect(receivers).toBe(0);
    growth[kind] = peakRss(s.proc.pid as number) - before;
    expect(await r.call('PUBSUB', 'NUMSUB', 'flood')).toEqual(['flood', 0]);
  }
  process.stderr.write(
    `publish flood: peak RSS growth redis-server ${(growth.redis / MB).toFixed(1)} MB, tsredis ${(growth.tsredis / MB).toFixed(1)} MB\n`,
  );
  expect(growth.tsredis).toBeLessThan(96 * MB);
});

test('2,000 connections are all served, and all given back when they close', async () => {
  const { s, r } = await startKind('tsredis');
  const before = peakRss(s.proc.pid as number);
  const clients = await Promise.all(
    Array.from({ length: 2000 }, () => {
      return new Promise<net.Socket>((resolve, reject) => {
        const c = net.connect(s.port, '127.0.0.1', () => resolve(c));
        c.on('error', reject);
        sockets.push(c);
      });
    }),
  );
  const pongs = await Promise.all(
    clients.map(
      (c) =>
        new Promise<string>((resolve) => {
          c.once('data', (d: Buffer) => resolve(d.toString()));
          c.write('PING\r\n');
        }),
    ),
  );
  expect(pongs.every((p) => p === '+PONG\r\n')).toBe(true);
  expect(await connectedClients(r)).toBe(2001);
  const growth = peakRss(s.proc.pid as number) - before;
  process.stderr.write(`2,000 connections: peak RSS growth ${(growth / MB).toFixed(1)} MB\n`);
  expect(growth).toBeLessThan(64 * MB);
  for (const c of clients) c.destroy();
  await waitFor(async () => (await connectedClients(r)) === 1, 10000, 'connections released');
});

test('a giant announced bulk and malformed RESP get the same protocol errors as redis-server', async () => {
  const inputs = [
    '*2\r\n$3\r\nGET\r\n$2000000000\r\n', // over proto-max-bulk-len: refused before anything is read
    '*abc\r\n',
    '*1\r\n$x\r\n',
    '*2000000000\r\n', // a huge multibulk count: nothing is allocated for it
  ];
  const got: Record<string, string[]> = { redis: [], tsredis: [] };
  for (const kind of KINDS) {
    const { s, r } = await startKind(kind);
    for (const input of inputs) got[kind].push(await raw(s.port, input).then((x) => x.slice(0, 200)));
    expect(await r.ping()).toBe('PONG');
  }
  expect(got.tsredis.slice(0, 3)).toEqual(got.redis.slice(0, 3));
  expect(got.tsredis[0]).toMatch(/^-ERR Protocol error: invalid bulk length/);
});

// Integration, side by side with redis-server 7.0: maxmemory-clients (client eviction). A client that
// asks for large replies and never reads them is closed once clients together hold more than the
// limit, counted in INFO's evicted_clients; a client that ran CLIENT NO-EVICT on is kept; small
// clients are not touched. Every load is bounded in count.
import * as net from 'node:net';
import { waitFor } from './helpers/procs.js';
import { KINDS, answer, startKind, stopAll } from './helpers/side-by-side.js';

const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await stopAll();
});

/** A connection that sends and never reads: replies pile up in the server's buffers for it. */
function silentClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.pause();
      resolve(s);
    });
    s.on('error', () => undefined);
    s.once('error', reject);
    sockets.push(s);
  });
}

/** Connections CLIENT LIST shows (a paused socket does not see its own close, the server's list does). */
async function clientCount(r: import('ioredis').Redis): Promise<number> {
  return String(await r.call('CLIENT', 'LIST'))
    .split('\n')
    .filter((l) => l.startsWith('id=')).length;
}

async function evictedClients(r: import('ioredis').Redis): Promise<number> {
  const info = String(await r.info('stats'));
  return Number(/evicted_clients:([0-9]+)/.exec(info)?.[1] ?? NaN);
}

/** 40 GETs of a 1 MB value, never read: about 40 MB of replies for that client. */
const FLOOD = '*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n'.repeat(40);

test.each(KINDS)(
  '[%s] maxmemory-clients 10mb: an unread reader is evicted and counted, the others stay',
  async (kind) => {
    const { s, r } = await startKind(kind, ['--maxmemory-clients', '10mb']);
    expect(await answer(r, 'CONFIG', 'GET', 'maxmemory-clients')).toEqual(['maxmemory-clients', '10485760']);
    await r.set('big', 'x'.repeat(1024 * 1024));
    const reader = await silentClient(s.port);
    await waitFor(async () => (await clientCount(r)) === 2, 5000, 'the reader connected');
    reader.write(FLOOD);
    await waitFor(async () => (await evictedClients(r)) === 1, 5000, 'evicted_clients 1');
    // The reader is gone; the client doing the checking holds next to nothing and is still served.
    expect(await clientCount(r)).toBe(1);
    expect(await r.ping()).toBe('PONG');
  },
  30000,
);

test.each(KINDS)('[%s] CLIENT NO-EVICT on keeps a client past maxmemory-clients', async (kind) => {
  const { s, r } = await startKind(kind, ['--maxmemory-clients', '10mb']);
  await r.set('big', 'x'.repeat(1024 * 1024));
  // The checking client is exempt too: with the reader over the limit and exempt, Redis would
  // otherwise evict every other client, however small, trying to get under it.
  expect(await r.call('CLIENT', 'NO-EVICT', 'on')).toBe('OK');
  const reader = await silentClient(s.port);
  reader.write('*3\r\n$6\r\nCLIENT\r\n$8\r\nNO-EVICT\r\n$2\r\non\r\n' + FLOOD);
  // Give the server time to queue the replies and run its checks (a cron tick is 100 ms).
  await new Promise((res) => setTimeout(res, 1500));
  expect(await evictedClients(r)).toBe(0);
  expect(await clientCount(r)).toBe(2);
  const list = String(await r.call('CLIENT', 'LIST'));
  expect(list.split('\n').filter((l) => / flags=e /.test(l))).toHaveLength(2);
});

test('maxmemory-clients takes a percentage of maxmemory, and refuses nonsense with the same error', async () => {
  const errors: unknown[] = [];
  for (const kind of KINDS) {
    const { r } = await startKind(kind, ['--maxmemory', '100mb']);
    expect(await answer(r, 'CONFIG', 'SET', 'maxmemory-clients', '5%')).toBe('OK');
    expect(await answer(r, 'CONFIG', 'GET', 'maxmemory-clients')).toEqual(['maxmemory-clients', '5%']);
    errors.push(await answer(r, 'CONFIG', 'SET', 'maxmemory-clients', 'lots'));
  }
  expect(String(errors[0])).toMatch(/^ERROR /);
  expect(errors[1]).toEqual(errors[0]);
});

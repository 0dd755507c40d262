// The operator's role changes against real tsredis nodes (on loopback addresses, port 6379 as in a
// pod): REPLICAOF target, REPLICAOF NO ONE and the offset-recording REPLICAOF each drop the node's
// normal clients in the same transaction, as Sentinel does, so that a pooled connection to a demoted
// master reconnects and asks Sentinel again instead of getting READONLY forever; Pub/Sub clients and
// the node's replication links stay.
import { Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropNormalClients, replicaOf, replicaofLeftAt } from '../operator/src/topology/observe.js';

const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../node/src/main.js');
const A = '127.0.0.10';
const B = '127.0.0.11';

const nodes: ChildProcess[] = [];
const clients: Redis[] = [];

function start(ip: string): ChildProcess {
  const p = spawn(process.execPath, [main, '--port', '6379', '--bind', ip, '--save', ''], {
    stdio: 'ignore',
  });
  nodes.push(p);
  return p;
}

/** A connected client that does not reconnect; `closed` resolves when the server drops it. */
async function client(ip: string): Promise<{ r: Redis; closed: Promise<void> }> {
  const r = new Redis({ host: ip, port: 6379, retryStrategy: () => null, lazyConnect: true });
  r.on('error', () => {});
  clients.push(r);
  const closed = new Promise<void>((resolve) => r.once('end', () => resolve()));
  await r.connect();
  return { r, closed };
}

async function ready(ip: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const c = new Redis({ host: ip, port: 6379, retryStrategy: () => null, lazyConnect: true });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.ping();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      c.disconnect();
    }
  }
  throw new Error(`no node at ${ip}`);
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);

beforeAll(async () => {
  start(A);
  start(B);
  await Promise.all([ready(A), ready(B)]);
});

afterAll(() => {
  for (const c of clients) c.disconnect();
  for (const n of nodes) n.kill('SIGKILL');
});

test('demoting a master drops its normal clients, keeps its Pub/Sub clients, and it replicates', async () => {
  const normal = await client(B);
  const sub = await client(B);
  await sub.r.subscribe('ch');
  const got: string[] = [];
  sub.r.on('message', (_ch: string, m: string) => got.push(m));
  await replicaOf(B, undefined, A, 2000);
  expect(await within(normal.closed, 2000)).toBeUndefined();
  const check = await client(B);
  const role = (await check.r.call('ROLE')) as [string, string, number];
  expect(role.slice(0, 3)).toEqual(['slave', A, 6379]);
  // The subscriber is still connected: a message published on B after the kill reaches it.
  expect(await check.r.publish('ch', 'after')).toBe(1);
  for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(got).toEqual(['after']);
});

test("REPLICAOF NO ONE drops the normal clients too; a replica's link to the node survives it", async () => {
  // A replicates from B, so B has a replica link (client type replica) that the kill must spare.
  await replicaOf(B, undefined, null, 2000);
  await replicaOf(A, undefined, B, 2000);
  const onB = await client(B);
  const linked = async () => /slave0:.*state=online/.test(await onB.r.info('replication'));
  for (let i = 0; i < 100 && !(await linked()); i++) await new Promise((r) => setTimeout(r, 50));
  expect(await linked()).toBe(true);
  const syncs = async () => /sync_full:\d+\r\nsync_partial_ok:\d+/.exec(await onB.r.info('stats'))?.[0];
  const before = await syncs();
  const reader = await client(B);
  await replicaOf(B, undefined, null, 2000);
  expect(await within(reader.closed, 2000)).toBeUndefined();
  expect(await within(onB.closed, 2000)).toBeUndefined(); // a normal client too
  const check = await client(B);
  expect(((await check.r.call('ROLE')) as string[])[0]).toBe('master');
  expect(/slave0:.*state=online/.test(await check.r.info('replication'))).toBe(true);
  expect(/sync_full:\d+\r\nsync_partial_ok:\d+/.exec(await check.r.info('stats'))?.[0]).toBe(before);
});

test('the REPLICAOF that records where a replica left its stream drops its normal clients as well', async () => {
  await replicaOf(B, undefined, A, 2000);
  const normal = await client(B);
  const left = await replicaofLeftAt(B, undefined, A, 2000);
  expect(left.offset).toBeGreaterThanOrEqual(0);
  expect(await within(normal.closed, 2000)).toBeUndefined();
});

test("after a switch, the old master's normal clients are dropped (its role unchanged, its Pub/Sub clients kept)", async () => {
  // B is a replica of A, as a restarted old master is once re-pointed; a client reached it meanwhile.
  await replicaOf(B, undefined, A, 2000);
  const stale = await client(B);
  const sub = await client(B);
  await sub.r.subscribe('ch2');
  expect(await dropNormalClients(B, undefined, 2000)).toBe(1);
  expect(await within(stale.closed, 2000)).toBeUndefined();
  const check = await client(B);
  expect(((await check.r.call('ROLE')) as string[]).slice(0, 2)).toEqual(['slave', A]);
  expect(await check.r.publish('ch2', 'x')).toBe(1);
});

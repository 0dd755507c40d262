// Integration: real client libraries on the newer data types, against redis-server 7.0 and tsredis in
// one run, each library's transcript on tsredis equal to its transcript on redis-server (so the server,
// not the test, decides what is right):
// 1. node-redis (pinned in package.json): a consumer-group job loop — XGROUP CREATE MKSTREAM, workers
//    blocked in XREADGROUP woken by XADD, XACK, a worker that stops with entries pending and another
//    that takes them over with XAUTOCLAIM once they idled, XPENDING and XINFO GROUPS at the end; a
//    unique-visitor count with PFADD / PFCOUNT / PFMERGE; GEOADD and GEOSEARCH.
// 2. redis-py (Debian's python3-redis, installed by .ci/run): the same kinds of use from Python
//    (test/helpers/redis-py-data-types.py prints a JSON transcript).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { serverPair } from './helpers/differential.js';
import { pythonWithRedis } from './helpers/python.js';
import { sleep } from './helpers/raw-resp.js';

const P = serverPair();
const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test -> test/helpers (the Python driver is not compiled). */
const PY_DRIVER = path.resolve(here, '../../test/helpers/redis-py-data-types.py');

async function nodeRedisTranscript(port: number): Promise<Record<string, unknown>> {
  const open = async (): Promise<ReturnType<typeof createClient>> => {
    const c = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false } });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  const [app, alice, bob] = await Promise.all([open(), open(), open()]);
  const out: Record<string, unknown> = {};
  const step = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      out[name] = await fn();
    } catch (e) {
      out[name] = `error: ${(e as Error).message}`;
    }
  };
  try {
    await app.flushAll();
    await step('group', () => app.xGroupCreate('jobs', 'workers', '$', { MKSTREAM: true }));
    await step('group again', () => app.xGroupCreate('jobs', 'workers', '$'));
    // Two workers block before any job exists; the producer's XADDs wake them in order.
    const aliceRead = alice.xReadGroup(
      'workers',
      'alice',
      { key: 'jobs', id: '>' },
      { COUNT: 2, BLOCK: 5000 },
    );
    // Alice blocks first (the first entry is hers), then Bob.
    for (let i = 0; i < 500 && !/blocked_clients:1\r/.test(await app.info('clients')); i++) await sleep(10);
    const bobRead = bob.xReadGroup('workers', 'bob', { key: 'jobs', id: '>' }, { COUNT: 2, BLOCK: 5000 });
    // Both are blocked (INFO says so) before the first job is added.
    for (let i = 0; i < 500 && !/blocked_clients:2\r/.test(await app.info('clients')); i++) await sleep(10);
    await step('produce', async () => {
      const ids: string[] = [];
      for (let i = 1; i <= 6; i++) ids.push(await app.xAdd('jobs', `${i}-1`, { n: String(i) }));
      return ids;
    });
    out['alice woken'] = await aliceRead;
    out['bob woken'] = await bobRead;
    await step('alice acks', () => app.xAck('jobs', 'workers', '1-1'));
    await step('pending', () => app.xPending('jobs', 'workers'));
    // Bob stops; after his entries idled 100 ms carol takes them over and finishes all that is left.
    await sleep(250);
    await step('carol claims', () => app.xAutoClaim('jobs', 'workers', 'carol', 100, '0-0', { COUNT: 10 }));
    await step('carol reads the rest', () => app.xReadGroup('workers', 'carol', { key: 'jobs', id: '>' }));
    await step('carol acks', () => app.xAck('jobs', 'workers', ['2-1', '3-1', '4-1', '5-1', '6-1']));
    await step('pending after', () => app.xPending('jobs', 'workers'));
    await step('groups', async () =>
      (await app.xInfoGroups('jobs')).map((g) => ({ ...g, consumers: g.consumers, pending: g.pending })),
    );
    await step('pfadd', () =>
      app.pfAdd(
        'visitors:mon',
        Array.from({ length: 1000 }, (_, i) => `user${i}`),
      ),
    );
    await step('pfadd again', () => app.pfAdd('visitors:mon', 'user1'));
    await step('pfadd tue', () =>
      app.pfAdd(
        'visitors:tue',
        Array.from({ length: 1200 }, (_, i) => `user${i + 500}`),
      ),
    );
    await step('pfcount both', () => app.pfCount(['visitors:mon', 'visitors:tue']));
    await step('pfmerge', () => app.pfMerge('visitors:week', ['visitors:mon', 'visitors:tue']));
    await step('pfcount week', () => app.pfCount('visitors:week'));
    await step('geoadd', () =>
      app.geoAdd('shops', [
        { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' },
        { longitude: 15.087269, latitude: 37.502669, member: 'Catania' },
        { longitude: 13.583333, latitude: 37.316667, member: 'Agrigento' },
      ]),
    );
    await step('geosearch', () =>
      app.geoSearchWith(
        'shops',
        { longitude: 15, latitude: 37 },
        { radius: 200, unit: 'km' },
        ['WITHDIST', 'WITHCOORD'],
        { SORT: 'ASC' },
      ),
    );
  } finally {
    for (const c of [app, alice, bob]) c.destroy();
  }
  return out;
}

function redisPyTranscript(port: number): Record<string, unknown> {
  const python = pythonWithRedis();
  const run = spawnSync(python, [PY_DRIVER, String(port)], { encoding: 'utf8', timeout: 30000 });
  if (run.status !== 0) throw new Error(`${python} ${PY_DRIVER} exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('node-redis and redis-py on streams, HyperLogLog and geo', () => {
  test('node-redis: a consumer-group job loop, unique visitors, a shop search', async () => {
    const redis = await nodeRedisTranscript(P.R.port);
    const tsredis = await nodeRedisTranscript(P.T.port);
    expect(tsredis).toEqual(redis);
    // What the library saw, so a transcript of errors cannot pass.
    expect(redis['carol claims']).toMatchObject({ messages: expect.arrayContaining([expect.anything()]) });
    expect(redis['pending after']).toMatchObject({ pending: 0 });
    expect(redis['pfcount week']).toBe(redis['pfcount both']);
  }, 60000);

  test('redis-py: the same kinds of use', () => {
    const redis = redisPyTranscript(P.R.port);
    const tsredis = redisPyTranscript(P.T.port);
    expect(tsredis).toEqual(redis);
    expect(redis['pending after']).toMatchObject({ pending: 0 });
    expect(Array.isArray(redis['alice woken'])).toBe(true);
  }, 60000);
});

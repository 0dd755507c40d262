// RDB interop with Debian's redis-server 7.0, both directions, compared key by key: a dataset saved
// by tsredis loads in redis-server, and one saved by redis-server (listpack, intset, quicklist, LZF
// encodings) loads in tsredis.
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startRedis, startTsredis, tmpDir, type RunningServer } from './helpers/procs.js';
import { dumpAll } from './helpers/dataset.js';

jest.setTimeout(60000);

const running: RunningServer[] = [];
const conns: Redis[] = [];

afterEach(async () => {
  for (const c of conns.splice(0)) c.disconnect();
  for (const s of running.splice(0)) await s.stop('SIGKILL');
});

function conn(port: number): Redis {
  const r = new Redis({ port });
  conns.push(r);
  return r;
}

async function populate(r: Redis): Promise<void> {
  const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await r.set('bin', bin);
  await r.set('int8', '-12');
  await r.set('int16', '30000');
  await r.set('int32', '-2000000000');
  await r.set('int64', '9223372036854775807');
  await r.set('lzf', 'compress me please '.repeat(100));
  await r.set('empty', '');
  await r.set('ttl', 'soon', 'PX', 3_600_000);
  await r.rpush('small-list', 'a', '1', '-5', 'xyz');
  await r.rpush(
    'big-list',
    ...Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? String(i) : `item-${i}-${'v'.repeat(i % 90)}`)),
  );
  await r.hset('small-hash', 'a', '1', 'b', 'two');
  const big: string[] = [];
  for (let i = 0; i < 400; i++) big.push(`field-${i}`, i % 2 ? String(i) : `value-${'w'.repeat(i % 100)}`);
  await r.hset('big-hash', ...big);
  await r.hset('long-value-hash', 'f', 'x'.repeat(100));
  await r.sadd('intset', '1', '-3', '65536', '4294967296');
  await r.sadd('strset', 'a', 'b', 'c');
  await r.sadd('bigset', ...Array.from({ length: 1000 }, (_, i) => `m${i}`));
  await r.zadd('small-zset', 1.5, 'a', -2, 'b', 0, 'c');
  await r.zadd('inf-zset', 'inf', 'top', '-inf', 'bottom', 3.14159, 'pi');
  const zargs: (string | number)[] = [];
  for (let i = 0; i < 500; i++) zargs.push(i / 7, `member-${i}`);
  await r.zadd('big-zset', ...zargs);
  await r.expire('big-zset', 100000);
  await r.select(3);
  await r.set('in-db3', 'yes');
  await r.hset('h3', 'x', 'y');
  await r.select(15);
  await r.rpush('l15', 'q');
  await r.select(0);
}

/** SAVE on a running server, then start another one (tsredis or redis-server) from a copy of its file. */
async function startFromSave(
  from: RunningServer,
  fromConn: Redis,
  start: (dir: string) => Promise<RunningServer>,
): Promise<{ server: RunningServer; c: Redis }> {
  expect(await fromConn.save()).toBe('OK');
  const dir = tmpDir();
  fs.copyFileSync(path.join(from.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
  const server = await start(dir);
  running.push(server);
  return { server, c: conn(server.port) };
}

const tsredisIn = (dir: string): Promise<RunningServer> => startTsredis(['--save', ''], dir);
const redisIn = (dir: string): Promise<RunningServer> => startRedis([], dir);

test('an RDB saved by tsredis loads in redis-server 7.0 with identical contents', async () => {
  const ts = await startTsredis(['--save', '']);
  running.push(ts);
  const T = conn(ts.port);
  await populate(T);
  const { server: rs, c: R } = await startFromSave(ts, T, redisIn);
  expect(await R.dbsize()).toBe(await T.dbsize());
  expect(await dumpAll(R)).toEqual(await dumpAll(T));
  expect(rs.output()).toContain('DB loaded from disk');
});

test('an RDB saved by redis-server 7.0 (compact encodings) loads in tsredis with identical contents', async () => {
  const rs = await startRedis();
  running.push(rs);
  const R = conn(rs.port);
  await populate(R);
  expect(await R.object('ENCODING', 'small-list')).toBe('quicklist');
  expect(await R.object('ENCODING', 'small-hash')).toBe('listpack');
  expect(await R.object('ENCODING', 'intset')).toBe('intset');
  expect(await R.object('ENCODING', 'small-zset')).toBe('listpack');
  expect(await R.object('ENCODING', 'big-zset')).toBe('skiplist');
  const { server: ts, c: T } = await startFromSave(rs, R, tsredisIn);
  expect(await dumpAll(T)).toEqual(await dumpAll(R));
  expect(ts.output()).toContain('DB loaded from disk');
});

test('values loaded packed from an RDB are saved back verbatim (redis-server reads them) and work with commands', async () => {
  const rs = await startRedis();
  running.push(rs);
  const R = conn(rs.port);
  await populate(R);
  const { server: ts, c: T } = await startFromSave(rs, R, tsredisIn);
  // Saved before any command touched the loaded collections: their payloads are copied as loaded.
  const { c: R2 } = await startFromSave(ts, T, redisIn);
  expect(await dumpAll(R2)).toEqual(await dumpAll(R));
  // DUMP of still-packed values (their stored bytes) restores in redis-server.
  for (const k of ['big-hash', 'small-hash', 'intset', 'big-list', 'big-zset']) {
    expect(await R2.restore(`copy-${k}`, 0, (await T.dumpBuffer(k)) as Buffer)).toBe('OK');
  }
  expect(await R2.hgetall('copy-big-hash')).toEqual(await R.hgetall('big-hash'));
  expect(await R2.hgetall('copy-small-hash')).toEqual(await R.hgetall('small-hash'));
  expect((await R2.smembers('copy-intset')).sort()).toEqual((await R.smembers('intset')).sort());
  expect(await R2.lrange('copy-big-list', 0, -1)).toEqual(await R.lrange('big-list', 0, -1));
  expect(await R2.zrange('copy-big-zset', 0, -1, 'WITHSCORES')).toEqual(
    await R.zrange('big-zset', 0, -1, 'WITHSCORES'),
  );
  // The same writes on both sides, on keys still packed in tsredis.
  for (const c of [R, T]) {
    await c.hset('big-hash', 'field-1', 'changed');
    await c.sadd('intset', '7');
    await c.zadd('big-zset', 99, 'member-3');
    await c.rpush('big-list', 'tail');
    await c.lpop('small-list');
    await c.srem('bigset', 'm5');
  }
  expect(await dumpAll(T)).toEqual(await dumpAll(R));
});

/** Every key of db 0..15 of `from` DUMPed and RESTOREd (with its TTL) into `to`. */
async function dumpRestoreAll(from: Redis, to: Redis): Promise<number> {
  let moved = 0;
  for (let db = 0; db < 16; db++) {
    await from.select(db);
    await to.select(db);
    for (const k of await from.keys('*')) {
      const payload = await from.dumpBuffer(k);
      const pttl = await from.pttl(k);
      expect(await to.restore(k, pttl > 0 ? pttl : 0, payload as Buffer)).toBe('OK');
      moved++;
    }
  }
  await from.select(0);
  await to.select(0);
  return moved;
}

test('DUMP/RESTORE: payloads move between redis-server 7.0 and tsredis both ways; errors as Redis', async () => {
  const rs = await startRedis();
  const ts = await startTsredis(['--save', '']);
  running.push(rs, ts);
  const R = conn(rs.port);
  const T = conn(ts.port);
  await populate(R);
  expect(await dumpRestoreAll(R, T)).toBeGreaterThan(20);
  expect(await dumpAll(T)).toEqual(await dumpAll(R));
  // The other way, into an empty redis-server.
  const rs2 = await startRedis();
  running.push(rs2);
  const R2 = conn(rs2.port);
  await dumpRestoreAll(T, R2);
  expect(await dumpAll(R2)).toEqual(await dumpAll(T));
  // A string's payload is byte for byte what redis-server produces.
  await R.set('plain', 'hello');
  await T.set('plain', 'hello');
  expect(await T.dumpBuffer('plain')).toEqual(await R.dumpBuffer('plain'));
  expect(await T.dump('missing')).toBeNull();
  // Errors, compared with redis-server's own replies.
  const good = (await R.dumpBuffer('plain')) as Buffer;
  const flipped = Buffer.from(good);
  flipped[2] ^= 1;
  for (const args of [
    ['plain', '0', good],
    ['fresh', '-1', good],
    ['fresh', 'abc', good],
    ['fresh', '0', flipped],
    ['fresh', '0', Buffer.from('short')],
    ['fresh', '0', good, 'IDLETIME', '-1'],
    ['fresh', '0', good, 'FREQ', '256'],
    ['fresh', '0', good, 'BOGUS'],
  ] as (string | Buffer)[][]) {
    const fromRedis = await R.call('RESTORE', ...args).catch((e: Error) => e.message);
    const fromTs = await T.call('RESTORE', ...args).catch((e: Error) => e.message);
    expect([args.slice(0, 2).join(' '), fromTs]).toEqual([args.slice(0, 2).join(' '), fromRedis]);
  }
  // REPLACE, a relative TTL, and an absolute TTL already in the past (nothing is created).
  expect(await T.restore('plain', 0, good, 'REPLACE')).toBe('OK');
  expect(await T.restore('ttl-key', 5000, good)).toBe('OK');
  expect(await T.pttl('ttl-key')).toBeGreaterThan(4000);
  expect(await T.call('RESTORE', 'gone', String(Date.now() - 1000), good, 'ABSTTL')).toBe('OK');
  expect(await T.exists('gone')).toBe(0);
});

test('a corrupt RDB file is refused at start with a clear error, not loaded half-way', async () => {
  const dir = tmpDir();
  fs.writeFileSync(
    path.join(dir, 'dump.rdb'),
    Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0xfe, 0x00, 0x00, 0x05])]),
  );
  await expect(startTsredis(['--save', ''], dir)).rejects.toThrow(/Unexpected EOF reading RDB file/);
});

test('SIGTERM saves when save points are configured; the data is there after restart', async () => {
  const dir = tmpDir();
  const ts = await startTsredis(['--save', '3600 1'], dir);
  const T = new Redis({ port: ts.port });
  await T.set('persist-me', 'v');
  await T.rpush('list', '1', '2');
  T.disconnect();
  await ts.stop('SIGTERM');
  expect(ts.output()).toContain('Saving the final RDB snapshot before exiting.');
  const again = await startTsredis(['--save', '3600 1'], dir);
  running.push(again);
  const A = conn(again.port);
  expect(await A.get('persist-me')).toBe('v');
  expect(await A.lrange('list', 0, -1)).toEqual(['1', '2']);
});

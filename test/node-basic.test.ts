// Integration: a spawned tsredis-server driven by real clients (ioredis and redis-cli): strings,
// lists, hashes, sets, zsets, expiry, transactions, pub/sub, RESP3, auth, config, errors.
import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTsredis, startRedis, type RunningServer, waitFor, rawExchange } from './helpers/procs.js';

let srv: RunningServer;
let r: Redis;

function cli(...args: string[]): string {
  return execFileSync('redis-cli', ['-p', String(srv.port), ...args], { encoding: 'latin1' }).trimEnd();
}

beforeAll(async () => {
  srv = await startTsredis(['--save', '']);
  r = new Redis({ port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
});

afterAll(async () => {
  r.disconnect();
  await srv.stop();
});

beforeEach(async () => {
  await r.flushall();
});

test('strings and counters through ioredis', async () => {
  expect(await r.set('k', 'v')).toBe('OK');
  expect(await r.get('k')).toBe('v');
  expect(await r.incr('n')).toBe(1);
  expect(await r.incrbyfloat('f', '1.5')).toBe('1.5');
  await expect(r.incr('k')).rejects.toThrow('ERR value is not an integer or out of range');
  const bin = Buffer.from([0, 1, 2, 255, 254, 13, 10]);
  await r.set('bin', bin);
  expect(await r.getBuffer('bin')).toEqual(bin);
  const utf = 'héllo wörld ✓';
  await r.set('utf', utf);
  expect(await r.get('utf')).toBe(utf);
  expect(await r.strlen('utf')).toBe(Buffer.byteLength(utf));
});

test('data types through ioredis', async () => {
  expect(await r.rpush('l', 'a', 'b', 'c')).toBe(3);
  expect(await r.lrange('l', 0, -1)).toEqual(['a', 'b', 'c']);
  expect(await r.hset('h', 'f1', 'v1', 'f2', 'v2')).toBe(2);
  expect(await r.hgetall('h')).toEqual({ f1: 'v1', f2: 'v2' });
  expect(await r.sadd('s', '1', '2', '3')).toBe(3);
  expect((await r.smembers('s')).sort()).toEqual(['1', '2', '3']);
  expect(await r.zadd('z', 1, 'a', 2.5, 'b')).toBe(2);
  expect(await r.zrange('z', 0, -1, 'WITHSCORES')).toEqual(['a', '1', 'b', '2.5']);
  expect(await r.type('z')).toBe('zset');
  await expect(r.lpush('h', 'x')).rejects.toThrow('WRONGTYPE');
});

test('blocking pop is served by a push from another client', async () => {
  const b = new Redis({ port: srv.port });
  const pending = b.blpop('q', 5);
  await waitFor(async () => (await r.info('clients')).includes('blocked_clients:1'), 5000, 'client to block');
  await r.rpush('q', 'job');
  expect(await pending).toEqual(['q', 'job']);
  expect(await b.blpop('q', 0.1)).toBeNull();
  b.disconnect();
});

test("input queued behind a blocked command survives other clients' reads, then runs in order", async () => {
  // The server reads every socket into one shared buffer; what a blocked client has sent but not yet
  // run must be kept apart from it while other clients' (large) commands arrive.
  const net = await import('node:net');
  const a = net.connect(srv.port, '127.0.0.1');
  let got = '';
  a.on('data', (d: Buffer) => (got += d.toString('latin1')));
  await new Promise<void>((res) => a.once('connect', () => res()));
  const big = 'v'.repeat(30000);
  const queued = `*3\r\n$3\r\nSET\r\n$2\r\nka\r\n$${big.length}\r\n${big}\r\n*2\r\n$3\r\nGET\r\n$2\r\nka\r\n`;
  // BLPOP, two whole commands, and the first half of a third (split inside its bulk).
  a.write(`*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n${queued}*2\r\n$4\r\nECHO\r\n$6\r\nhal`);
  await waitFor(async () => (await r.info('clients')).includes('blocked_clients:1'), 5000, 'client to block');
  for (let i = 0; i < 20; i++) await r.set(`other${i}`, String.fromCharCode(65 + i).repeat(60000));
  await r.rpush('q', 'job');
  a.write('ves\r\n');
  const want = `*2\r\n$1\r\nq\r\n$3\r\njob\r\n+OK\r\n$${big.length}\r\n${big}\r\n$6\r\nhalves\r\n`;
  await waitFor(() => got.length >= want.length, 5000, 'replies');
  expect(got).toBe(want);
  a.destroy();
});

test('expiry: TTL and active expiry removes keys nobody reads', async () => {
  await r.set('t', 'v', 'PX', 100);
  const ttl = await r.pttl('t');
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(100);
  for (let i = 0; i < 100; i++) await r.set(`vol${i}`, 'x', 'PX', 50);
  await waitFor(async () => (await r.dbsize()) === 0, 5000, 'active expiry');
  expect(await r.dbsize()).toBe(0);
});

test('MULTI/EXEC, WATCH aborts when a watched key changes', async () => {
  expect(await r.multi().set('a', '1').incr('a').get('a').exec()).toEqual([
    [null, 'OK'],
    [null, 2],
    [null, '2'],
  ]);
  const other = new Redis({ port: srv.port });
  await r.watch('w');
  await other.set('w', 'changed');
  expect(await r.multi().set('w', 'mine').exec()).toBeNull();
  expect(await r.get('w')).toBe('changed');
  other.disconnect();
  // A queued command with a wrong arity aborts the whole transaction.
  await r.call('MULTI');
  await expect(r.call('GET')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
  await expect(r.call('EXEC')).rejects.toThrow('EXECABORT Transaction discarded because of previous errors.');
});

test('pub/sub with channels and patterns', async () => {
  const sub = new Redis({ port: srv.port });
  const got: string[] = [];
  sub.on('message', (ch: string, msg: string) => got.push(`${ch}:${msg}`));
  sub.on('pmessage', (p: string, ch: string, msg: string) => got.push(`${p}|${ch}:${msg}`));
  await sub.subscribe('news');
  await sub.psubscribe('n*');
  expect(await r.publish('news', 'hello')).toBe(2);
  expect(await r.pubsub('NUMSUB', 'news')).toEqual(['news', 1]);
  await waitFor(() => got.length === 2, 5000, 'messages');
  expect(got.sort()).toEqual(['n*|news:hello', 'news:hello']);
  sub.disconnect();
});

test('RESP3 via HELLO 3 on the wire: maps, doubles, nulls, push messages', async () => {
  await r.hset('h3', 'a', '1');
  await r.zadd('z3', 2.5, 'm');
  const wire = 'HELLO 3\r\nHGETALL h3\r\nZSCORE z3 m\r\nGET missing\r\nSMEMBERS nosuch\r\nSUBSCRIBE ch\r\n';
  const out = await rawExchange(srv.port, wire, (got) => got.endsWith(':1\r\n') && got.includes('subscribe'));
  const afterHello = out.slice(out.indexOf('$7\r\nmodules\r\n*0\r\n') + '$7\r\nmodules\r\n*0\r\n'.length);
  expect(out.startsWith('%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n')).toBe(true);
  expect(afterHello).toBe(
    '%1\r\n$1\r\na\r\n$1\r\n1\r\n,2.5\r\n_\r\n~0\r\n>3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n',
  );
});

test('redis-cli shows the same replies from tsredis and redis-server 7.0 (RESP2 and RESP3)', async () => {
  const real = await startRedis();
  try {
    const script: string[][] = [
      ['SET', 's', 'hello'],
      ['GET', 's'],
      ['GET', 'missing'],
      ['INCRBYFLOAT', 'f', '10.5'],
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['LRANGE', 'l', '0', '-1'],
      ['LPOP', 'l', '2'],
      ['LPOP', 'nolist', '2'],
      ['HSET', 'h', 'f1', 'v1', 'f2', 'v2'],
      ['HGETALL', 'h'],
      ['HGETALL', 'nokey'],
      ['SADD', 'set', '3', '1', '2'],
      ['SMEMBERS', 'set'],
      ['SISMEMBER', 'set', '1'],
      ['ZADD', 'z', '1.5', 'a', '2', 'b', '0.1', 'c'],
      ['ZSCORE', 'z', 'a'],
      ['ZSCORE', 'z', 'c'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZRANGE', 'z', '(0.1', '+inf', 'BYSCORE', 'LIMIT', '0', '1'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z', '5'],
      ['ZINCRBY', 'z2', '0.1', 'x'],
      ['ZADD', 'z2', 'INCR', '0.2', 'x'],
      ['ZRANDMEMBER', 'nokey'],
      ['EXISTS', 's', 'h', 'nokey'],
      ['TYPE', 'h'],
      ['TTL', 's'],
      ['EXPIRE', 's', '100', 'NX'],
      ['OBJECT', 'ENCODING', 'h'],
      ['LPUSH', 's', 'x'],
      ['ZADD', 'z', 'NX', 'XX', '1', 'a'],
      ['ZADD', 'z', 'abc', 'a'],
      ['HINCRBY', 'h', 'f1', '1'],
      ['SET', 'k', 'v', 'EX', '0'],
      ['SETRANGE', 's2', '2', 'ab'],
      ['GET', 's2'],
      ['GETRANGE', 's2', '0', '-1'],
      ['MGET', 's2', 'nokey', 'h'],
      ['MSET', 'a', '1', 'b'],
      ['LPOS', 'l', 'c', 'RANK', '0'],
      ['SINTERCARD', '1', 'set', 'LIMIT', '-1'],
      ['ZRANGESTORE', 'dst', 'z', '0', '-1'],
      ['HRANDFIELD', 'nokey', '-5', 'WITHVALUES'],
      ['BLPOP', 'nolist', '0.01'],
      ['PING'],
      ['ECHO', 'héllo wörld'],
    ];
    for (const proto of ['-2', '-3']) {
      for (const port of [srv.port, real.port]) {
        execFileSync('redis-cli', ['-p', String(port), 'FLUSHALL']);
      }
      for (const cmd of script) {
        const run = (port: number): string =>
          execFileSync('redis-cli', ['-p', String(port), proto, '--no-raw', ...cmd], { encoding: 'latin1' });
        expect([proto, cmd.join(' '), run(srv.port)]).toEqual([proto, cmd.join(' '), run(real.port)]);
      }
    }
  } finally {
    await real.stop();
  }
});

test('redis-cli: inline and RESP commands, errors as Redis prints them', () => {
  expect(cli('SET', 'greeting', 'hello world')).toBe('OK');
  expect(cli('GET', 'greeting')).toBe('hello world');
  // redis-cli prints the error text; our cli() trims the trailing space Redis puts after the args.
  expect(cli('NOSUCHCMD', 'a', 'b')).toBe(
    "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b'",
  );
  expect(cli('GET')).toBe("ERR wrong number of arguments for 'get' command");
  expect(cli('LPUSH', 'greeting', 'x')).toBe(
    'WRONGTYPE Operation against a key holding the wrong kind of value',
  );
  // inline protocol, as telnet would send it
  const out = execFileSync(
    'bash',
    [
      '-c',
      `printf 'PING\\r\\nECHO "a b"\\r\\n' | timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${srv.port}; cat >&3; sleep 0.3; timeout 0.5 cat <&3' || true`,
    ],
    {
      encoding: 'latin1',
    },
  );
  expect(out).toBe('+PONG\r\n$3\r\na b\r\n');
});

test('CONFIG GET/SET and INFO sections', async () => {
  expect(await r.config('GET', 'maxclients')).toEqual(['maxclients', '10000']);
  expect(await r.config('SET', 'hash-max-ziplist-entries', '64')).toBe('OK');
  expect(await r.config('GET', 'hash-max-listpack-entries')).toEqual(['hash-max-listpack-entries', '64']);
  await expect(r.config('SET', 'nosuch', '1')).rejects.toThrow(
    "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'",
  );
  await expect(r.config('SET', 'maxclients', 'abc')).rejects.toThrow('CONFIG SET failed');
  const info = await r.info();
  for (const s of [
    '# Server',
    '# Clients',
    '# Memory',
    '# Persistence',
    '# Stats',
    '# Replication',
    '# CPU',
    '# Keyspace',
  ]) {
    expect(info).toContain(s);
  }
  await r.set('x', '1');
  expect(await r.info('keyspace')).toContain('db0:keys=1,expires=0,avg_ttl=0');
  await r.set('y', '1', 'EX', 100);
  expect(await r.info('keyspace')).toMatch(/db0:keys=2,expires=1,avg_ttl=(99\d\d\d|100000)/);
  expect(await r.info('commandstats')).toMatch(/cmdstat_set:calls=\d+,usec=\d+/);
});

test('OBJECT ENCODING reports Redis-like encodings', async () => {
  await r.set('i', '12345');
  await r.set('e', 'short');
  await r.set('raw', 'x'.repeat(100));
  await r.hset('h', 'a', '1');
  await r.sadd('si', '1', '2');
  await r.sadd('ss', 'a');
  await r.zadd('z', 1, 'a');
  await r.rpush('l', 'a');
  const enc = async (k: string): Promise<unknown> => r.object('ENCODING', k);
  expect(await enc('i')).toBe('int');
  expect(await enc('e')).toBe('embstr');
  expect(await enc('raw')).toBe('raw');
  expect(await enc('h')).toBe('listpack');
  expect(await enc('si')).toBe('intset');
  expect(await enc('ss')).toBe('hashtable');
  expect(await enc('z')).toBe('listpack');
  expect(await enc('l')).toBe('quicklist');
});

test('SELECT, SWAPDB, DBSIZE, FLUSHDB', async () => {
  await r.set('a', '0');
  await r.select(1);
  await r.set('b', '1');
  expect(await r.dbsize()).toBe(1);
  await r.swapdb(0, 1);
  expect(await r.get('a')).toBe('0');
  await r.select(0);
  expect(await r.get('b')).toBe('1');
  await expect(r.select(16)).rejects.toThrow('ERR DB index is out of range');
  await r.flushdb();
  expect(await r.dbsize()).toBe(0);
});

test('CLIENT SETNAME/GETNAME/LIST/ID/KILL', async () => {
  await r.client('SETNAME', 'tester');
  expect(await r.client('GETNAME')).toBe('tester');
  const id = (await r.client('ID')) as number;
  const list = (await r.client('LIST')) as string;
  expect(list).toContain(`id=${id} `);
  expect(list).toContain('name=tester');
  const victim = new Redis({ port: srv.port, retryStrategy: () => null });
  const vid = (await victim.client('ID')) as number;
  expect(await r.client('KILL', 'ID', String(vid))).toBe(1);
  await waitFor(() => victim.status === 'end', 5000, 'victim disconnect');
});

test('COMMAND COUNT / INFO for clients', async () => {
  const count = (await r.call('COMMAND', 'COUNT')) as number;
  expect(count).toBeGreaterThan(150);
  const info = (await r.command('INFO', 'get')) as unknown[][];
  expect(info[0][0]).toBe('get');
  expect(info[0][1]).toBe(2);
  expect(info[0][2]).toContain('readonly');
});

test('redis.conf file plus --directive overrides, and requirepass', async () => {
  const dir = fs.mkdtempSync(path.join(srv.dir, 'conf-'));
  const conf = path.join(dir, 'redis.conf');
  fs.writeFileSync(
    conf,
    '# test config\nrequirepass "s3cret"\ndatabases 4\nhash-max-ziplist-entries 10\nsave ""\n',
  );
  const s3 = await startConfigured(conf, dir);
  const out = await rawExchange(
    s3.port,
    'GET x\r\nAUTH wrong\r\nAUTH s3cret\r\nCONFIG GET databases\r\nCONFIG GET hash-max-listpack-entries\r\n',
    (got) => got.split('\r\n').length >= 14,
  );
  expect(out).toBe(
    '-NOAUTH Authentication required.\r\n' +
      '-WRONGPASS invalid username-password pair or user is disabled.\r\n' +
      '+OK\r\n' +
      '*2\r\n$9\r\ndatabases\r\n$1\r\n8\r\n' +
      '*2\r\n$25\r\nhash-max-listpack-entries\r\n$2\r\n10\r\n',
  );
  await s3.stop();
});

async function startConfigured(conf: string, dir: string): Promise<RunningServer> {
  const { spawn } = await import('node:child_process');
  const { freePort, TSREDIS_MAIN } = await import('./helpers/procs.js');
  const port = await freePort();
  const proc = spawn(process.execPath, [
    TSREDIS_MAIN,
    conf,
    '--port',
    String(port),
    '--databases',
    '8',
    '--dir',
    dir,
  ]);
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('Ready to accept connections') || proc.exitCode !== null, 10000, 'server');
  if (!out.includes('Ready')) throw new Error(out);
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  return { port, dir, proc, output: () => out, stop: async () => (proc.kill('SIGTERM'), exited) };
}

test('a bad config file is a fatal error with Redis-like text', () => {
  const dir = fs.mkdtempSync(path.join(srv.dir, 'bad-'));
  const conf = path.join(dir, 'bad.conf');
  fs.writeFileSync(conf, 'port 1234\nnosuchdirective 1\n');
  let msg = '';
  try {
    execFileSync(process.execPath, [path.resolve('dist/node/src/main.js'), conf], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (e) {
    msg = String((e as { stderr: string }).stderr);
  }
  expect(msg).toContain('FATAL CONFIG FILE ERROR');
  expect(msg).toContain('at line 2');
  expect(msg).toContain("'nosuchdirective 1'");
});

test('INFO stats count what happened: keyspace hits/misses, error replies, ops/sec', async () => {
  await r.config('RESETSTAT');
  await r.set('h', '1');
  await r.get('h');
  await r.get('h');
  await r.get('missing');
  await expect(r.incr('h2').then(() => r.call('LPUSH', 'h', 'x'))).rejects.toThrow('WRONGTYPE');
  const stats = await r.info('stats');
  const field = (name: string): number => Number(new RegExp(`${name}:(\\d+)`).exec(stats)?.[1]);
  expect(field('keyspace_hits')).toBe(2);
  expect(field('keyspace_misses')).toBe(1);
  expect(field('total_error_replies')).toBe(1);
  const p = r.pipeline();
  for (let i = 0; i < 5000; i++) p.ping();
  await p.exec();
  await waitFor(
    async () => /instantaneous_ops_per_sec:[1-9]/.test(await r.info('stats')),
    5000,
    'ops/sec sample',
  );
});

// Fuzz-style robustness: random bytes, truncated and mutated RESP frames sent over raw sockets never
// crash the server, and a well-behaved client running alongside always gets correct replies.
import { Redis } from 'ioredis';
import * as net from 'node:net';
import { startTsredis, type RunningServer } from './helpers/procs.js';
import { rng } from './helpers/dataset.js';

let srv: RunningServer;

beforeAll(async () => {
  srv = await startTsredis(['--save', '']);
});

afterAll(async () => {
  await srv.stop();
});

function validFrame(rand: () => number): Buffer {
  const cmds = [
    ['SET', 'k', 'v'],
    ['GET', 'k'],
    ['LPUSH', 'l', 'a', 'b'],
    ['HSET', 'h', 'f', 'v'],
    ['ZADD', 'z', '1', 'm'],
    ['MULTI'],
    ['EXEC'],
    ['SUBSCRIBE', 'c'],
    ['PING'],
    ['HELLO', '3'],
    ['BLPOP', 'nolist', '0.01'],
  ];
  const argv = cmds[Math.floor(rand() * cmds.length)];
  return Buffer.from(`*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`);
}

function mutate(buf: Buffer, rand: () => number): Buffer {
  const b = Buffer.from(buf);
  const kind = Math.floor(rand() * 4);
  if (kind === 0) return b.subarray(0, Math.floor(rand() * b.length)); // truncate
  if (kind === 1) {
    for (let i = 0; i < 3; i++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    return b;
  }
  if (kind === 2) {
    const junk = Buffer.alloc(Math.floor(rand() * 64));
    for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rand() * 256);
    return junk;
  }
  // absurd lengths
  const hdr = [
    '*99999999999\r\n',
    '*2\r\n$-7\r\n',
    '*1\r\n$1000000000\r\nabc',
    '$5\r\nhello\r\n',
    '*-1\r\n',
    ':1\r\n',
  ];
  return Buffer.from(hdr[Math.floor(rand() * hdr.length)]);
}

function sendAndClose(port: number, data: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', () => resolve(got));
    s.on('close', () => resolve(got));
    s.on('connect', () => {
      s.write(data);
      setTimeout(() => s.destroy(), 30);
    });
  });
}

test('random and truncated input never crashes the server or corrupts other replies', async () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  process.stdout.write(`fuzz seed: ${seed} (replay with FUZZ_SEED=${seed})\n`);
  const rand = rng(seed);
  const good = new Redis({ port: srv.port });
  let stop = false;
  let checks = 0;
  const checker = (async () => {
    let i = 0;
    while (!stop) {
      const key = `good:${i % 50}`;
      const val = `value-${i}-${'x'.repeat(i % 300)}`;
      await good.set(key, val);
      const back = await good.get(key);
      if (back !== val) throw new Error(`corrupted reply: ${back}`);
      checks++;
      i++;
    }
  })();
  for (let round = 0; round < 400; round++) {
    const n = 1 + Math.floor(rand() * 4);
    const parts: Buffer[] = [];
    for (let j = 0; j < n; j++) parts.push(rand() < 0.5 ? validFrame(rand) : mutate(validFrame(rand), rand));
    const out = await sendAndClose(srv.port, Buffer.concat(parts));
    // Any reply must be well-formed RESP types the server emits.
    if (out.length > 0) expect('+-:$*_%>,#~='.includes(out[0])).toBe(true);
  }
  stop = true;
  await checker;
  expect(checks).toBeGreaterThan(50);
  expect(await good.ping()).toBe('PONG');
  expect(srv.proc.exitCode).toBeNull();
  good.disconnect();
}, 60000);

test('protocol errors get Redis-style replies and close the connection', async () => {
  const out = await sendAndClose(srv.port, Buffer.from('*1\r\n$abc\r\n'));
  expect(out).toBe('-ERR Protocol error: invalid bulk length\r\n');
  const out2 = await sendAndClose(srv.port, Buffer.from('*1\r\n+PING\r\n'));
  expect(out2).toBe("-ERR Protocol error: expected '$', got '+'\r\n");
});

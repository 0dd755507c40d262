// observe() against real TCP servers: a node that accepts connections but never answers (what a
// SIGSTOPped redis looks like) is reported unreachable within the observation's timeout in total.
import * as net from 'node:net';
import { mustReach, observe, type PodRef } from './observe.js';

const ref: PodRef = { pod: 'p-0', ordinal: 0, ip: '127.0.0.1', deleting: false, priority: 100 };

async function listen(onConn: (s: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer(onConn);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return { server, port: (server.address() as net.AddressInfo).port };
}

test('a node that accepts but never answers is unreachable after the timeout, not a timeout per step', async () => {
  const sockets: net.Socket[] = [];
  const { server, port } = await listen((s) => sockets.push(s)); // reads nothing, writes nothing
  try {
    const t0 = Date.now();
    const o = await observe(ref, 'secret', 500, port);
    const took = Date.now() - t0;
    expect(o.reachable).toBe(false);
    expect(o.error).toMatch(/no answer within 500 ms/);
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(900);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test('a node that answers INFO is observed', async () => {
  const info =
    '# Server\r\nrun_id:abc\r\n# Replication\r\nrole:master\r\nmaster_repl_offset:42\r\nmaster_replid:r1\r\n';
  const { server, port } = await listen((s) =>
    s.on('data', (d) => {
      // Any command (ioredis's ready check, INFO server, INFO replication) gets the same INFO text.
      const n = d.toString('latin1').split('*').length - 1;
      for (let i = 0; i < n; i++) s.write(`$${info.length}\r\n${info}\r\n`);
    }),
  );
  try {
    const o = await observe(ref, undefined, 500, port);
    expect(o.reachable).toBe(true);
    expect(o.role).toBe('master');
    expect(o.offset).toBe(42);
  } finally {
    server.close();
  }
});

test('mustReach: the furthest offset a re-pointed replica of the same history held', () => {
  const left = [
    { replid: 'old', offset: 1500 },
    { replid: 'old', offset: 1720 },
    { replid: 'other', offset: 9000 }, // another history (a demoted master's): it never acked ours
  ];
  expect(mustReach('old', left)).toBe(1720);
  expect(mustReach('new', left)).toBe(0);
  expect(mustReach(undefined, left)).toBe(0);
  expect(mustReach('old', [])).toBe(0);
});

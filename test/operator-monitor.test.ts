// The master monitor against real TCP endpoints: a healthy master (a real tsredis-server) is never
// declared down; a listener that accepts connections but never answers (like a frozen process) is
// declared down once downAfterMilliseconds pass without a successful check, not before; a stall of the
// operator's own event loop longer than that is not the master's silence; a master that starts
// answering as a replica is reported at once.
import net from 'node:net';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MasterMonitor } from '../operator/src/topology/monitor.js';

const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../node/src/main.js');

test('a silent master is declared down after downAfterMilliseconds; a healthy one never', async () => {
  // The monitor always connects to port 6379, so each endpoint gets its own loopback address. Silent:
  // accepts TCP connections and never replies, as a frozen process does.
  const silent = net.createServer(() => {});
  await new Promise<void>((r) => silent.listen(6379, '127.0.0.2', r));
  const node = spawn(process.execPath, [main, '--port', '6379', '--bind', '127.0.0.3', '--save', ''], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 800));
  const downs: string[] = [];
  const m = new MasterMonitor((k) => downs.push(k));
  const t0 = Date.now();
  m.watch('silent', '127.0.0.2', undefined, 600);
  m.watch('healthy', '127.0.0.3', undefined, 600);
  try {
    await new Promise((r) => setTimeout(r, 400));
    expect(m.isDown('silent', '127.0.0.2')).toBe(false);
    await new Promise((r) => setTimeout(r, 1200));
    expect(downs).toEqual(['silent']);
    expect(m.isDown('silent', '127.0.0.2')).toBe(true);
    expect(m.failingForMs('silent')).toBeGreaterThanOrEqual(Date.now() - t0 - 700);
    expect(m.isDown('healthy', '127.0.0.3')).toBe(false);
    expect(m.failingForMs('healthy')).toBe(0);
    expect(m.lastOffset('healthy')).toBe(0);
  } finally {
    m.stop();
    node.kill();
    silent.close();
  }
});

test("a stall of the operator's event loop longer than downAfterMilliseconds does not declare a healthy master down", async () => {
  const node = spawn(process.execPath, [main, '--port', '6379', '--bind', '127.0.0.5', '--save', ''], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 800));
  const downs: string[] = [];
  const m = new MasterMonitor((k) => downs.push(k));
  try {
    m.watch('stalled', '127.0.0.5', undefined, 600); // checks every 120 ms, 240 ms timeout
    await new Promise((r) => setTimeout(r, 500));
    // A synchronous 1.2 s stall (what GC or CPU starvation does to the operator): no check is sent
    // meanwhile, and the one in flight times out before its answer is read.
    const until = Date.now() + 1200;
    while (Date.now() < until);
    expect(m.isDown('stalled', '127.0.0.5')).toBe(false);
    await new Promise((r) => setTimeout(r, 600));
    expect(downs).toEqual([]);
    expect(m.isDown('stalled', '127.0.0.5')).toBe(false);
  } finally {
    m.stop();
    node.kill();
  }
});

test('a master that answers as a replica is reported within a few checks, long before downAfterMilliseconds', async () => {
  const node = spawn(process.execPath, [main, '--port', '6379', '--bind', '127.0.0.4', '--save', ''], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 800));
  const events: string[] = [];
  const m = new MasterMonitor(
    (k) => events.push(`down ${k}`),
    (k) => events.push(`not-master ${k}`),
  );
  const c = new Redis({ host: '127.0.0.4', port: 6379 });
  try {
    m.watch('rr', '127.0.0.4', undefined, 5000); // checks every 500 ms
    await new Promise((r) => setTimeout(r, 700));
    expect(events).toEqual([]);
    const t0 = Date.now();
    await c.call('REPLICAOF', '127.0.0.9', '6379'); // nobody there: a replica without its master
    while (events.length === 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['not-master rr']);
    expect(Date.now() - t0).toBeLessThan(1500);
    // Reported once per change, not on every check; again after it was a master in between.
    await new Promise((r) => setTimeout(r, 1200));
    expect(events).toEqual(['not-master rr']);
    await c.call('REPLICAOF', 'NO', 'ONE');
    await new Promise((r) => setTimeout(r, 1200));
    await c.call('REPLICAOF', '127.0.0.9', '6379');
    await new Promise((r) => setTimeout(r, 1200));
    expect(events).toEqual(['not-master rr', 'not-master rr']);
  } finally {
    c.disconnect();
    m.stop();
    node.kill();
  }
});

test('whenDown resolves the moment the master is declared down, at once once it is, and never for a healthy one', async () => {
  const accepted = new Set<net.Socket>();
  const silent = net.createServer((sock) => void accepted.add(sock));
  await new Promise<void>((r) => silent.listen(6379, '127.0.0.6', r));
  const node = spawn(process.execPath, [main, '--port', '6379', '--bind', '127.0.0.7', '--save', ''], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 800));
  let declaredAt = 0;
  const m = new MasterMonitor(() => (declaredAt = Date.now()));
  m.watch('silent', '127.0.0.6', undefined, 600);
  m.watch('healthy', '127.0.0.7', undefined, 600);
  try {
    const w = m.whenDown('silent', '127.0.0.6');
    const other = m.whenDown('silent', '127.0.0.99'); // not the watched address: never
    const healthy = m.whenDown('healthy', '127.0.0.7');
    const settled = (p: Promise<void>) =>
      Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))]);
    await w.down;
    const resolvedAt = Date.now();
    expect(declaredAt).toBeGreaterThan(0);
    expect(resolvedAt - declaredAt).toBeLessThan(50);
    expect(await settled(m.whenDown('silent', '127.0.0.6').down)).toBe(true);
    expect(await settled(other.down)).toBe(false);
    expect(await settled(healthy.down)).toBe(false);
    healthy.cancel();
    other.cancel();
  } finally {
    m.stop();
    node.kill();
    for (const sock of accepted) sock.destroy();
    silent.close();
  }
});

test('the link to a killed master is reported down at once, long before it is declared down, and up when it answers again', async () => {
  const start = () =>
    spawn(process.execPath, [main, '--port', '6379', '--bind', '127.0.0.8', '--save', ''], {
      stdio: 'ignore',
    });
  let node = start();
  await new Promise((r) => setTimeout(r, 800));
  const events: string[] = [];
  const m = new MasterMonitor(
    (k) => events.push(`down ${k}`),
    () => {},
    (k, ip, up) => events.push(`link ${up ? 'up' : 'down'} ${k} ${ip}`),
  );
  try {
    m.watch('rr', '127.0.0.8', undefined, 10_000); // checks every 500 ms; down only after 10 s of silence
    await new Promise((r) => setTimeout(r, 700));
    expect(events).toEqual([]);
    expect(m.linkDown('rr', '127.0.0.8')).toBe(false);
    node.kill('SIGKILL');
    const t0 = Date.now();
    while (events.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['link down rr 127.0.0.8']);
    expect(m.linkDown('rr', '127.0.0.8')).toBe(true);
    expect(m.linkDown('rr', '127.0.0.9')).toBe(false); // not the watched address
    expect(m.isDown('rr', '127.0.0.8')).toBe(false);
    node = start();
    const t1 = Date.now();
    while (events.length === 1 && Date.now() - t1 < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['link down rr 127.0.0.8', 'link up rr 127.0.0.8']);
    expect(m.linkDown('rr', '127.0.0.8')).toBe(false);
  } finally {
    m.stop();
    node.kill();
  }
});

// The master monitor against real TCP endpoints: a healthy master (a real tsredis-server) is never
// declared down; a listener that accepts connections but never answers (like a frozen process) is
// declared down once downAfterMilliseconds pass without a successful check, not before.
import net from 'node:net';
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

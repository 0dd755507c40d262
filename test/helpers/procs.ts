// Test fixtures that start real servers as child processes on free loopback ports: tsredis-server
// (the built dist/node/src/main.js) and Debian's redis-server, and wait until they accept connections.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/helpers -> dist/node/src/main.js */
export const TSREDIS_MAIN = path.resolve(here, '../../node/src/main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

export function tmpDir(prefix = 'tsredis-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface RunningServer {
  port: number;
  dir: string;
  proc: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM (or the given signal) and wait for exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

async function startProcess(
  cmd: string,
  args: string[],
  port: number,
  dir: string,
  readyText: string,
  timeoutMs = 15000,
): Promise<RunningServer> {
  const proc = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  while (!out.includes(readyText)) {
    if (proc.exitCode !== null) throw new Error(`${cmd} exited early: ${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${cmd} did not become ready: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    dir,
    proc,
    output: () => out,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Starts tsredis-server with `--port <free> --dir <tmp>` plus extra directives. */
export async function startTsredis(extra: string[] = [], dir = tmpDir()): Promise<RunningServer> {
  const port = await freePort();
  return startProcess(
    process.execPath,
    [TSREDIS_MAIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...extra],
    port,
    dir,
    'Ready to accept connections',
  );
}

/** Starts Debian's redis-server 7.0 the same way (no save points unless given). */
export async function startRedis(extra: string[] = [], dir = tmpDir()): Promise<RunningServer> {
  const port = await freePort();
  return startProcess(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      ...extra,
    ],
    port,
    dir,
    'Ready to accept connections',
  );
}

/** Polls until fn returns truthy (or throws on timeout). */
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  timeoutMs = 10000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends raw bytes on a fresh connection and returns what came back once `expectBytes` arrived. */
export function rawExchange(
  port: number,
  data: string,
  until: (got: string) => boolean,
  timeoutMs = 5000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`raw exchange timed out; got ${JSON.stringify(got)}`));
    }, timeoutMs);
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (until(got)) {
        clearTimeout(timer);
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('connect', () => s.write(data, 'latin1'));
  });
}

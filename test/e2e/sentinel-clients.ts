// The client programs of test/sentinel-clients/ (one per Sentinel-aware library: ioredis, node-redis,
// redis-py, go-redis, Jedis) as the end-to-end tests run them: built (cached), started as child
// processes against a Sentinel endpoint, their JSON lines collected (ready, ack, fail, done).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonWithRedis } from '../helpers/python.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '../../..');
const compiled = path.resolve(here, '../sentinel-clients');

export type ClientLib = 'ioredis' | 'node-redis' | 'redis-py' | 'go-redis' | 'jedis';
export const CLIENT_LIBS: ClientLib[] = ['ioredis', 'node-redis', 'redis-py', 'go-redis', 'jedis'];

export interface ClientLine {
  event: 'ready' | 'ack' | 'fail' | 'done' | 'error';
  lib?: string;
  i?: number;
  t?: number;
  message?: string;
  readFromReplica?: boolean;
  replicaRefusedWrite?: boolean;
}

export interface RunningClient {
  lib: ClientLib;
  proc: ChildProcess;
  lines: ClientLine[];
  stderr: () => string;
  exited: Promise<number | null>;
}

let built: string | undefined;

/** Builds the Go and Java programs (cached by their sources' hash); returns the output directory. */
export function buildClients(): string {
  if (built) return built;
  const out = execFileSync('bash', [path.join(projectRoot, 'test/sentinel-clients/build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
  });
  built = out.trim().split('\n').pop() ?? '';
  return built;
}

function command(lib: ClientLib): [string, string[]] {
  switch (lib) {
    case 'ioredis':
      return [process.execPath, [path.join(compiled, 'ioredis.js')]];
    case 'node-redis':
      return [process.execPath, [path.join(compiled, 'node-redis.js')]];
    case 'redis-py':
      return [pythonWithRedis(), [path.join(projectRoot, 'test/sentinel-clients/python/client.py')]];
    case 'go-redis':
      return [path.join(buildClients(), 'go-client'), []];
    case 'jedis':
      return ['java', ['-jar', path.join(buildClients(), 'jedis-client.jar')]];
  }
}

export interface ClientArgs {
  sentinels: string[];
  name: string;
  password: string;
  prefix: string;
  seconds: number;
  /** Run inside this network namespace (ip netns exec). */
  netns?: string;
}

export function startClient(lib: ClientLib, a: ClientArgs): RunningClient {
  const [cmd, pre] = command(lib);
  const args = [
    ...pre,
    ...a.sentinels.flatMap((s) => ['--sentinel', s]),
    '--name',
    a.name,
    '--prefix',
    a.prefix,
    '--seconds',
    String(a.seconds),
  ];
  // The password goes through the environment: it may begin with '-', which flag parsers take for a flag.
  const env = { ...process.env, REDIS_PASSWORD: a.password };
  const proc = a.netns
    ? spawn('ip', ['netns', 'exec', a.netns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
    : spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const lines: ClientLine[] = [];
  let partial = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => {
    partial += d.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) {
      if (!l.trim()) continue;
      try {
        lines.push(JSON.parse(l) as ClientLine);
      } catch {
        err += `unparsed stdout: ${l}\n`;
      }
    }
  });
  proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { lib, proc, lines, stderr: () => err, exited };
}

/** The first acknowledged write at or after t (ms since the epoch). */
export function firstAckAfter(c: RunningClient, t: number): ClientLine | undefined {
  return c.lines.find((l) => l.event === 'ack' && (l.t ?? 0) >= t);
}

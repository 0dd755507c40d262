// Running redis-server and tsredis-server side by side in one test file: start either with the same
// directives, get an ioredis client for it, and stop everything a test started (call stopAll in
// afterEach).
import { Redis } from 'ioredis';
import { startRedis, startTsredis, type RunningServer } from './procs.js';

export type Kind = 'redis' | 'tsredis';
export const KINDS: Kind[] = ['redis', 'tsredis'];

const running: RunningServer[] = [];
const conns: Redis[] = [];

/** Starts one server (with `--port <free> --bind 127.0.0.1 --dir <tmp>` plus extra) and a client for it. */
export async function startKind(
  kind: Kind,
  extra: string[] = [],
  dir?: string,
): Promise<{ s: RunningServer; r: Redis }> {
  const s = kind === 'redis' ? await startRedis(extra, dir) : await startTsredis(extra, dir);
  running.push(s);
  return { s, r: clientFor(s.port) };
}

/** An ioredis client that never retries (a refused command is an answer, not a reason to wait). */
export function clientFor(port: number, password?: string): Redis {
  const r = new Redis({ port, password, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  conns.push(r);
  return r;
}

/** Keeps a server started some other way, so stopAll stops it too. */
export function track(s: RunningServer): RunningServer {
  running.push(s);
  return s;
}

export async function stopAll(): Promise<void> {
  for (const c of conns.splice(0)) c.disconnect();
  for (const s of running.splice(0)) await s.stop('SIGKILL');
}

/** A reply or the error text, so both servers' answers compare as plain values. */
export async function answer(r: Redis, ...args: string[]): Promise<unknown> {
  try {
    return await r.call(args[0], ...args.slice(1));
  } catch (e) {
    return `ERROR ${(e as Error).message}`;
  }
}

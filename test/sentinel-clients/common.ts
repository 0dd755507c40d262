// The contract shared by the Node Sentinel client programs (node-redis.ts, ioredis.ts; owned by
// test/sentinel-clients/): flag parsing, one JSON event per stdout line, the discovery phase (probe write on
// the master, read back on a replica, READONLY on a replica write) and the write loop. Each program supplies
// only the library calls; the contract itself is described in test/sentinel-clients/README.md.
import { parseArgs } from 'node:util';

export interface Options {
  sentinels: { host: string; port: number }[];
  name: string;
  password: string;
  prefix: string;
  seconds: number;
  intervalMs: number;
}

/** The library calls one program makes; everything else is common. */
export interface Driver {
  /** "<lib name> <version>" for the ready line. */
  lib: string;
  /** Connects (or starts connecting) the master and replica clients. */
  connect(): Promise<void>;
  setOnMaster(key: string, value: string): Promise<void>;
  getOnReplica(key: string): Promise<string | null>;
  setOnReplica(key: string, value: string): Promise<void>;
  /** Called once phase 1 is over; the replica client is no longer needed. */
  closeReplica(): Promise<void>;
}

export function emit(event: Record<string, unknown>): void {
  // process.stdout on a pipe or file is synchronous on Linux, so each line is out before the next call.
  process.stdout.write(JSON.stringify(event) + '\n');
}

export function fail(message: string): never {
  emit({ event: 'error', message });
  process.exit(1);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

export function parseOptions(argv = process.argv.slice(2)): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      sentinel: { type: 'string', multiple: true },
      name: { type: 'string' },
      prefix: { type: 'string' },
      seconds: { type: 'string' },
      'interval-ms': { type: 'string', default: '20' },
    },
    strict: true,
  });
  const sentinels = (values.sentinel ?? []).map((s) => {
    const at = s.lastIndexOf(':');
    const port = Number(s.slice(at + 1));
    if (at <= 0 || !Number.isInteger(port)) fail(`--sentinel expects host:port, got ${JSON.stringify(s)}`);
    return { host: s.slice(0, at), port };
  });
  const seconds = Number(values.seconds);
  const intervalMs = Number(values['interval-ms']);
  if (sentinels.length === 0 || !values.name || !values.prefix || !(seconds > 0) || !(intervalMs >= 0)) {
    fail('usage: --sentinel host:port [--sentinel ...] --name N --prefix K --seconds S [--interval-ms MS]');
  }
  return {
    sentinels,
    name: values.name,
    // The password comes from the environment, never argv: it may begin with '-', and argv is public (ps).
    password: process.env.REDIS_PASSWORD ?? '',
    prefix: values.prefix,
    seconds,
    intervalMs,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const pastDeadline = Symbol('past deadline');

/** The call's outcome, or pastDeadline if it is still pending at the deadline. */
async function untilDeadline<T>(call: Promise<T>, deadline: number): Promise<T | typeof pastDeadline> {
  call.catch(() => undefined); // a call abandoned at the deadline may reject later: not unhandled
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<typeof pastDeadline>((resolve) => {
    timer = setTimeout(() => resolve(pastDeadline), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([call, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs both phases of the contract and exits the process. Libraries that print diagnostics with
 * console.log would corrupt the JSON stream, so console.log is sent to stderr.
 */
export async function run(opts: Options, driver: Driver): Promise<never> {
  console.log = (...args: unknown[]) => console.error(...args);
  const deadline = Date.now() + opts.seconds * 1000;
  let acks = 0;
  let writing = false;
  const done = (): never => {
    emit({ event: 'done', acks });
    process.exit(0);
  };
  // Hard stop: exit within 2 s after --seconds even if a call hangs (the write loop also stops waiting on a
  // call at the deadline, so this fires only if discovery itself hangs).
  setTimeout(
    () => (writing ? done() : fail('hard deadline reached during discovery: a call did not return')),
    deadline - Date.now() + 1500,
  );

  // ---- Phase 1: discovery ----
  const probeKey = `${opts.prefix}:probe`;
  const probe = Math.random().toString(36).slice(2) + Date.now().toString(36);
  try {
    await driver.connect();
    await driver.setOnMaster(probeKey, probe);
  } catch (err) {
    fail(`probe write through the master client failed: ${errorMessage(err)}`);
  }
  let readFromReplica = false;
  let lastErr = 'probe not yet on the replica';
  for (const t0 = Date.now(); Date.now() - t0 < 10_000; await sleep(100)) {
    try {
      if ((await driver.getOnReplica(probeKey)) === probe) {
        readFromReplica = true;
        break;
      }
    } catch (err) {
      lastErr = errorMessage(err);
    }
  }
  if (!readFromReplica) fail(`probe value did not appear on the replica within 10 s (last: ${lastErr})`);
  let replicaRefusedWrite = false;
  try {
    await driver.setOnReplica(probeKey, 'from-replica');
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('READONLY')) replicaRefusedWrite = true;
    else fail(`write through the replica client failed with a non-READONLY error: ${errorMessage(err)}`);
  }
  if (!replicaRefusedWrite) fail('write through the replica client succeeded; expected READONLY');
  emit({ event: 'ready', lib: driver.lib, readFromReplica, replicaRefusedWrite });
  await driver.closeReplica().catch(() => undefined);

  // ---- Phase 2: writes ----
  writing = true;
  let lastFail = 0;
  for (let i = 0; Date.now() < deadline;) {
    try {
      const r = await untilDeadline(driver.setOnMaster(`${opts.prefix}:${i}`, String(i)), deadline);
      if (r === pastDeadline) break;
      emit({ event: 'ack', i, t: Date.now() });
      acks++;
      i++;
    } catch (err) {
      const now = Date.now();
      if (now < deadline && now - lastFail >= 200) {
        lastFail = now;
        emit({ event: 'fail', t: now, message: errorMessage(err) });
      }
    }
    const left = deadline - Date.now();
    if (left > 0) await sleep(Math.min(opts.intervalMs, left));
  }
  return done();
}

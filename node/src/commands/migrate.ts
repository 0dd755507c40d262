// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
// [AUTH2 username password] [KEYS key ...]: redis-server 7.0's argument parsing and replies, the keys
// sent as RESTORE commands carrying DUMP payloads (dump.ts) and their remaining TTLs, and the keys the
// target acknowledged deleted here unless COPY, with a 'del' event each and one DEL propagated for them
// all (MIGRATE itself never reaches replicas). The network exchange is migrate-worker.ts's.
//
// Atomicity: Redis runs MIGRATE as blocking I/O, so its whole server waits until the target answered,
// and nobody can change a key between its DUMP and its DEL. This does the same thing. The exchange
// runs in a worker thread, and the server's thread waits for it with Atomics.wait. Nothing else runs
// on the event loop meanwhile: no other client's command, no script, no expiry cycle, no replication
// traffic, no timer. Holding the other clients instead (as CLIENT PAUSE does) would let the replication
// link, the active expiry and the lazy expiry of commands that were let through run in between. It
// would also not work for a MIGRATE called from a script or inside MULTI/EXEC, which Redis allows and
// which need their reply at once. The wait is bounded as in Redis: each step (connecting, each 64 KB
// written, each reply line) by the command's timeout. A watchdog gives up on a worker that stopped
// making progress. The cost is Redis's too: for the length of the transfer, the server serves nobody.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import * as R from '../protocol/reply.js';
import { RedisError, ERR_SYNTAX } from '../store/errors.js';
import type { Entry } from '../store/keyspace.js';
import { NOTIFY_GENERIC, NOTIFY_KEY_MISS } from '../config/notify-classes.js';
import { dumpPayload } from './dump.js';
import { argBigInt, argInt } from './util.js';
import type { LinkRequest, LinkResult, WorkerInit } from './migrate-worker.js';

const MAX_TIMER_MS = 0x7fffffff;
/** How long a worker may go without any socket event beyond the longest step before it is abandoned. */
const STALL_MARGIN_MS = 5000;
const REDACTED = '(redacted)';

const FAILED: LinkResult = {
  connectFailed: false,
  auth: null,
  select: null,
  replies: [],
  ioError: 'reading',
};

/** The worker thread that owns the connections to targets, and the synchronous wait for it. */
class TargetLinks {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private readonly sig = new Int32Array(new SharedArrayBuffer(8));

  private start(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    const init: WorkerInit = { port: port2, signal: this.sig.buffer as SharedArrayBuffer };
    const w = new Worker(new URL('./migrate-worker.js', import.meta.url), {
      workerData: init,
      transferList: [port2],
    });
    // Neither keeps the process alive: the cached connections die with it, as Redis's do.
    w.unref();
    port1.unref();
    const forget = (): void => {
      if (this.worker === w) this.abandon();
    };
    w.on('error', forget);
    w.on('exit', forget);
    this.worker = w;
    this.port = port1;
    return port1;
  }

  private abandon(): void {
    const w = this.worker;
    this.worker = null;
    this.port?.close();
    this.port = null;
    if (w !== null) void w.terminate();
  }

  /** Runs one exchange to the end, blocking this thread meanwhile. */
  exchange(req: LinkRequest): LinkResult {
    const port = this.port ?? this.start();
    Atomics.store(this.sig, 0, 0);
    port.postMessage(req);
    const stallMs = 2 * Math.min(req.timeoutMs, MAX_TIMER_MS) + STALL_MARGIN_MS;
    let seen = Atomics.load(this.sig, 1);
    let since = Date.now();
    while (Atomics.load(this.sig, 0) === 0) {
      Atomics.wait(this.sig, 0, 0, 200);
      const progress = Atomics.load(this.sig, 1);
      if (progress !== seen) {
        seen = progress;
        since = Date.now();
      } else if (Atomics.load(this.sig, 0) === 0 && Date.now() - since > stallMs) {
        this.abandon();
        return FAILED;
      }
    }
    const m = receiveMessageOnPort(port);
    if (m === undefined) {
      this.abandon();
      return FAILED;
    }
    return m.message as LinkResult;
  }
}

const links = new TargetLinks();

/** C's atoi as Redis applies it to the port, then the 16 bits getaddrinfo keeps; -1 when refused. */
export function targetPort(arg: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(arg);
  if (m === null) return 0;
  let n = BigInt(m[1]);
  // strtol saturates at the long range; atoi then keeps an int.
  if (n > 0x7fffffffffffffffn) n = 0x7fffffffffffffffn;
  if (n < -0x8000000000000000n) n = -0x8000000000000000n;
  const port = Number(BigInt.asIntN(32, n));
  return port < 0 ? -1 : port & 0xffff;
}

interface Options {
  copy: boolean;
  replace: boolean;
  username: string | null;
  password: string | null;
  firstKey: number;
  numKeys: number;
}

/** The options after the timeout; credentials are replaced by "(redacted)" in argv as Redis does. */
function parseOptions(argv: string[]): Options {
  const o: Options = { copy: false, replace: false, username: null, password: null, firstKey: 3, numKeys: 1 };
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j].toLowerCase();
    if (opt === 'copy') o.copy = true;
    else if (opt === 'replace') o.replace = true;
    else if (opt === 'auth') {
      if (more < 1) throw new RedisError(ERR_SYNTAX);
      o.password = argv[++j];
      argv[j] = REDACTED;
    } else if (opt === 'auth2') {
      if (more < 2) throw new RedisError(ERR_SYNTAX);
      o.username = argv[++j];
      argv[j] = REDACTED;
      o.password = argv[++j];
      argv[j] = REDACTED;
    } else if (opt === 'keys') {
      if (argv[3] !== '')
        throw new RedisError(
          'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string',
        );
      o.firstKey = j + 1;
      o.numKeys = argv.length - j - 1;
      break;
    } else throw new RedisError(ERR_SYNTAX);
  }
  return o;
}

function migrate(c: Ctx, argv: string[]): void {
  // MIGRATE is never propagated as itself: only the DEL of what moved, set below.
  c.propagateAs();
  const host = argv[1];
  const portArg = argv[2];
  const o = parseOptions(argv);
  const timeoutArg = argInt(argv[5]);
  const dbid = argBigInt(argv[4]);
  const timeoutMs = timeoutArg <= 0 ? 1000 : timeoutArg;

  const found: { key: string; entry: Entry }[] = [];
  for (let i = 0; i < o.numKeys; i++) {
    const key = argv[o.firstKey + i];
    const entry = c.db.lookupEntry(key);
    if (entry === undefined) c.notify(NOTIFY_KEY_MISS, 'keymiss', key);
    else found.push({ key, entry });
  }
  if (found.length === 0) return c.simple('NOKEY');

  let body = '';
  for (const { key, entry } of found) {
    // The remaining TTL, at least 1 ms (a live key's expiry is still ahead of the command's time).
    const ttl = entry.expireAt === -1 ? 0 : Math.max(1, entry.expireAt - c.now());
    const restore = ['RESTORE', key, String(ttl), dumpPayload(c, entry)];
    if (o.replace) restore.push('REPLACE');
    body += R.command(restore);
  }
  const auth =
    o.password === null
      ? null
      : R.command(o.username === null ? ['AUTH', o.password] : ['AUTH', o.username, o.password]);
  const result = links.exchange({
    name: `${host}:${portArg}`,
    host,
    port: targetPort(portArg),
    timeoutMs,
    auth,
    dbid: String(dbid),
    body,
    count: found.length,
  });
  if (result.connectFailed) return c.error('IOERR error or timeout connecting to the client');

  // Each acknowledged key is deleted here (unless COPY); the first error the target gave is the reply.
  let targetError: string | null = null;
  const moved: string[] = [];
  result.replies.forEach((line, j) => {
    const failed = result.auth?.[0] === '-' ? result.auth : result.select?.[0] === '-' ? result.select : line;
    if (failed[0] === '-') {
      targetError ??= failed.slice(1);
      return;
    }
    if (o.copy) return;
    const key = found[j].key;
    c.db.delete(key);
    c.notify(NOTIFY_GENERIC, 'del', key);
    moved.push(key);
  });
  if (moved.length > 0) c.propagateAs(['DEL', ...moved]);
  if (targetError !== null) return c.error(`ERR Target instance replied with error: ${targetError}`);
  if (result.ioError !== null) return c.error(`IOERR error or timeout ${result.ioError} to target instance`);
  c.ok();
}

export const commands: CommandSpec[] = [cmd('migrate', -6, ['write'], [3, 3, 1], 'keyspace', migrate)];

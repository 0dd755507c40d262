// The network side of MIGRATE, run in a worker thread while the server's own thread waits for it
// (migrate.ts explains why): the connections to target instances, cached per host:port and closed
// after 10 idle seconds as Redis does, and one exchange per MIGRATE: AUTH when asked, SELECT when the
// cached connection is on another db, the RESTORE commands, then one reply line per command, each step
// bounded by the MIGRATE timeout, with Redis's single retry on a fresh connection when a socket error
// (not a timeout) happens before any RESTORE reply was read. It reports the reply lines; what they
// mean for the keys is migrate.ts's part.
import * as net from 'node:net';
import { workerData, type MessagePort } from 'node:worker_threads';

/** What migrate.ts asks for one MIGRATE. */
export interface LinkRequest {
  /** The cache key: "host:port" as the command gave them. */
  name: string;
  host: string;
  /** The port as Redis's atoi and getaddrinfo make it; -1 when Redis cannot even start connecting. */
  port: number;
  timeoutMs: number;
  /** The AUTH command to send first ([AUTH, password] or [AUTH, username, password]), as RESP. */
  auth: string | null;
  /** The destination db as decimal text. */
  dbid: string;
  /** The RESTORE commands, as RESP (latin1). */
  body: string;
  /** How many RESTORE commands body holds. */
  count: number;
}

/** What the exchange gave. */
export interface LinkResult {
  /** The connection could not even be started (IOERR ... connecting). */
  connectFailed: boolean;
  /** The reply line to AUTH, when AUTH was sent and its reply read. */
  auth: string | null;
  /** The reply line to SELECT, when SELECT was sent and its reply read. */
  select: string | null;
  /** The reply lines to the RESTORE commands read (fewer than count after a socket error). */
  replies: string[];
  /** The exchange ended with a socket error or a timeout: in which direction. */
  ioError: 'writing' | 'reading' | null;
}

export interface WorkerInit {
  port: MessagePort;
  /** Int32 [0]: set to 1 when a result was posted; [1]: bumped on every socket event. */
  signal: SharedArrayBuffer;
}

const CACHE_ITEMS = 64;
const CACHE_TTL_SECONDS = 10;
const CHUNK = 64 * 1024;
const MAX_TIMER_MS = 0x7fffffff;
/** Errors Redis gets from connect() itself (no socket to write to): "connecting". */
const CONNECT_ERRORS = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EINVAL',
]);

type Failure = 'timeout' | 'io';

const UNKNOWN_DB = '-1';

const unixSeconds = (): number => Math.floor(Date.now() / 1000);

class Link {
  private buf: Buffer = Buffer.alloc(0);
  /**
   * The db the connection has selected, "-1" when unknown, as Redis's last_dbid: a MIGRATE to db -1
   * then sends no SELECT at all, as Redis's does.
   */
  lastDbid = UNKNOWN_DB;
  lastUse = unixSeconds();
  /** A socket error or end of stream was seen: nothing more can be read or written. */
  broken = false;
  /** The connect error's code, while the connection was never established. */
  connectError: string | null = null;
  connected = false;
  private wake: (() => void) | null = null;

  constructor(
    readonly sock: net.Socket,
    private readonly progress: () => void,
  ) {
    sock.setNoDelay(true);
    sock.on('connect', () => {
      this.connected = true;
      this.poke();
    });
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.poke();
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (!this.connected && this.connectError === null) this.connectError = e.code ?? 'EIO';
      this.broken = true;
      this.poke();
    });
    sock.on('close', () => {
      this.broken = true;
      this.poke();
    });
  }

  private poke(): void {
    this.progress();
    const w = this.wake;
    this.wake = null;
    if (w !== null) w();
  }

  /** Waits for the next socket event or ms; false when the time ran out. */
  private waitEvent(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(false);
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** Waits up to ms for the connection to be established (or to fail). */
  async connect(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.connected && !this.broken) {
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.waitEvent(left))) return;
    }
  }

  /** Writes data in 64 KB chunks, each within ms. */
  async write(data: Buffer, ms: number): Promise<Failure | null> {
    for (let pos = 0; pos < data.length; pos += CHUNK) {
      if (this.broken) return 'io';
      const chunk = data.subarray(pos, pos + CHUNK);
      const r = await new Promise<Failure | null>((resolve) => {
        const timer = setTimeout(() => resolve('timeout'), ms);
        this.sock.write(chunk, (err) => {
          clearTimeout(timer);
          resolve(err ? 'io' : null);
        });
      });
      this.progress();
      if (r !== null) return r;
    }
    return null;
  }

  /** Reads one line (without its CRLF) within ms. */
  async readLine(ms: number): Promise<string | Failure> {
    const deadline = Date.now() + ms;
    for (;;) {
      const eol = this.buf.indexOf(0x0a);
      if (eol >= 0) {
        const end = eol > 0 && this.buf[eol - 1] === 0x0d ? eol - 1 : eol;
        const line = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(eol + 1);
        return line;
      }
      if (this.broken) return 'io';
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.waitEvent(left))) return 'timeout';
    }
  }

  close(): void {
    this.broken = true;
    this.sock.destroy();
  }
}

export class LinkCache {
  private readonly links = new Map<string, Link>();

  constructor(private readonly progress: () => void) {}

  /** Closes the connections idle for more than 10 seconds (Redis checks once a second). */
  sweep(): void {
    const now = unixSeconds();
    for (const [name, l] of this.links) {
      if (now - l.lastUse > CACHE_TTL_SECONDS || l.broken) {
        l.close();
        this.links.delete(name);
      }
    }
  }

  private drop(name: string): void {
    this.links.get(name)?.close();
    this.links.delete(name);
  }

  /** A cached connection, or a new one; null when connecting cannot even start. */
  private async get(req: LinkRequest): Promise<Link | null> {
    const cached = this.links.get(req.name);
    if (cached !== undefined && !cached.broken) {
      cached.lastUse = unixSeconds();
      return cached;
    }
    if (cached !== undefined) this.drop(req.name);
    // Redis's getaddrinfo refuses an empty host and a negative port before any socket exists.
    if (req.port < 0 || req.host === '') return null;
    if (this.links.size >= CACHE_ITEMS) {
      const names = [...this.links.keys()];
      this.drop(names[Math.floor(Math.random() * names.length)]);
    }
    // Port 0 (which Node will not try) is refused by the kernel: a connection broken from the start.
    const sock = req.port === 0 ? new net.Socket() : net.connect({ host: req.host, port: req.port });
    const link = new Link(sock, this.progress);
    if (req.port === 0) link.close();
    // Redis's blocking connect waits up to the timeout and goes on writing even if it did not finish.
    await link.connect(Math.min(req.timeoutMs, MAX_TIMER_MS));
    if (link.connectError !== null && CONNECT_ERRORS.has(link.connectError)) {
      link.close();
      return null;
    }
    this.links.set(req.name, link);
    return link;
  }

  async exchange(req: LinkRequest): Promise<LinkResult> {
    const ms = Math.min(req.timeoutMs, MAX_TIMER_MS);
    for (let mayRetry = true; ; mayRetry = false) {
      const result: LinkResult = {
        connectFailed: false,
        auth: null,
        select: null,
        replies: [],
        ioError: null,
      };
      const link = await this.get(req);
      if (link === null) return { ...result, connectFailed: true };
      const select = link.lastDbid !== req.dbid;
      let head = req.auth ?? '';
      if (select) head += `*2\r\n$6\r\nSELECT\r\n$${req.dbid.length}\r\n${req.dbid}\r\n`;
      let errorFromTarget = false;
      const failure = await (async (): Promise<{ f: Failure; dir: 'writing' | 'reading' } | null> => {
        const w = await link.write(Buffer.from(head + req.body, 'latin1'), ms);
        if (w !== null) return { f: w, dir: 'writing' };
        if (req.auth !== null) {
          const r = await link.readLine(ms);
          if (r === 'io' || r === 'timeout') return { f: r, dir: 'reading' };
          result.auth = r;
        }
        if (select) {
          const r = await link.readLine(ms);
          if (r === 'io' || r === 'timeout') return { f: r, dir: 'reading' };
          result.select = r;
        }
        for (let j = 0; j < req.count; j++) {
          const r = await link.readLine(ms);
          if (r === 'io' || r === 'timeout') return { f: r, dir: 'reading' };
          result.replies.push(r);
          if (result.auth?.[0] === '-' || result.select?.[0] === '-' || r[0] === '-') errorFromTarget = true;
        }
        return null;
      })();
      if (failure === null) {
        // After an error the selected db is no longer trusted: the next MIGRATE selects again.
        link.lastDbid = errorFromTarget ? UNKNOWN_DB : req.dbid;
        return result;
      }
      this.drop(req.name);
      // Retried once on a fresh connection when nothing was acknowledged and it was no timeout.
      if (mayRetry && failure.f === 'io' && result.replies.length === 0) continue;
      result.ioError = failure.dir;
      return result;
    }
  }
}

/** The worker's entry point: requests come on the port, each result is posted and signalled. */
function serve(init: WorkerInit): void {
  const sig = new Int32Array(init.signal);
  const cache = new LinkCache(() => Atomics.add(sig, 1, 1));
  setInterval(() => cache.sweep(), 1000).unref();
  init.port.on('message', (req: LinkRequest) => {
    cache
      .exchange(req)
      .catch((): LinkResult => ({
        connectFailed: false,
        auth: null,
        select: null,
        replies: [],
        ioError: 'reading',
      }))
      .then((result) => {
        init.port.postMessage(result);
        Atomics.store(sig, 0, 1);
        Atomics.notify(sig, 0);
      });
  });
}

if (workerData !== null && typeof workerData === 'object' && 'signal' in workerData) {
  serve(workerData as WorkerInit);
}

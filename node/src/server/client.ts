// Client: one connection's state (selected db, protocol version, auth, MULTI queue, WATCH, pub/sub,
// blocking) and its reply buffer. Implements Ctx, so command handlers write replies straight into it.
import type { Socket } from 'node:net';
import { RespParser, ProtocolError } from '../protocol/parser.js';
import * as R from '../protocol/reply.js';
import type { Db } from '../store/db.js';
import type { CommandSpec, Ctx } from './command.js';
import type { Server } from './server.js';
import type { TrackingState } from './tracking.js';
import type { User } from './acl-rules.js';

export interface BlockState {
  keys: string[];
  dbId: number;
  timer: NodeJS.Timeout | null;
  timeoutReply: 'nil' | 'nilArray';
  spec: CommandSpec;
  argv: string[];
  /** During a re-run: the key whose change woke it. */
  wokenBy?: string;
}

/** Replies larger than this are handed to the socket at once instead of at the end of the turn. */
export const EARLY_FLUSH_BYTES = 64 * 1024;

/** Redis's islocalClient: a unix socket (no remote address), 127.0.0.0/8 or ::1. */
export function isLoopbackOrUnix(remote: string | undefined): boolean {
  if (remote === undefined || remote === '') return true;
  const v4 = remote.startsWith('::ffff:') ? remote.slice(7) : remote;
  return v4.startsWith('127.') || remote === '::1';
}

export class Client implements Ctx {
  readonly id: number;
  name = '';
  db: Db;
  resp: 2 | 3 = 2;
  authenticated: boolean;
  /** The ACL user this connection runs as (the default user until AUTH / HELLO AUTH). */
  user: User;
  inExec = false;
  /** Queued MULTI commands; null when not in MULTI. */
  multi: { spec: CommandSpec; argv: string[]; bits: number }[] | null = null;
  multiError = false;
  /** WATCHed keys as "db\0key"; dirtyCas set when one is touched. */
  watched = new Set<string>();
  dirtyCas = false;
  channels = new Set<string>();
  patterns = new Set<string>();
  /** Sharded Pub/Sub channels (SSUBSCRIBE). */
  shardChannels = new Set<string>();
  /** Commands run by a script (its ScriptClient) see true. */
  get inScript(): boolean {
    return false;
  }
  /** CLIENT TRACKING state; null when tracking is off. */
  tracking: TrackingState | null = null;
  blocked: BlockState | null = null;
  /** The replication link to our master (its writes bypass READONLY and are not replied to). */
  isMaster = false;
  /** Set by replication when this connection became a replica link. */
  isReplica = false;
  closing = false;
  /** CLIENT NO-EVICT on: maxmemory-clients never closes this client. */
  noEvict = false;
  /** Suppresses replies (the master link, CLIENT REPLY OFF). */
  silent = false;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  lastCmd = 'NULL';
  readonly addr: string;
  readonly laddr: string;
  /** A unix-socket or loopback connection: what the "local" setting of enable-* directives allows. */
  readonly isLocal: boolean;
  readonly parser: RespParser;
  out = '';
  propagateOverride: string[][] | null = null;
  /** Set by a command that replicas must see although it changed no data (PUBLISH, SPUBLISH). */
  forcePropagate = false;
  /** When the output buffer went over the soft limit (ms), or 0. */
  softLimitSince = 0;
  /** A command held back by CLIENT PAUSE, run when the pause ends. */
  heldArgv: string[] | null = null;
  /** master_repl_offset after this client's last write (what WAIT waits for). */
  woff = 0;
  private paused = false;

  constructor(
    readonly server: Server,
    readonly socket: Socket | null,
    id: number,
    /** The address shown for a connectionless client (MONITOR shows the scripts' client as "lua"). */
    addr = '',
  ) {
    this.id = id;
    this.db = server.dbs[0];
    this.user = server.acl.defaultUser;
    this.authenticated = server.acl.defaultAuthenticated();
    this.parser = new RespParser({
      maxBulkLen: server.config.getInt('proto-max-bulk-len'),
      maxQueryBuffer: server.config.getInt('client-query-buffer-limit'),
    });
    this.addr = socket ? `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}` : addr;
    this.laddr = socket ? `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}` : '';
    this.isLocal = socket === null || isLoopbackOrUnix(socket.remoteAddress);
  }

  now(): number {
    return this.server.cmdTime;
  }

  /** How MONITOR names this client ("lua" for the scripts' client). */
  monitorAddr(): string {
    return this.addr || 'unknown';
  }

  dbAt(index: number): Db | undefined {
    return this.server.dbs[index];
  }

  /** Feeds bytes from the socket and runs every complete command (stops while blocked). */
  onData(chunk: Buffer, transient = false): void {
    this.lastInteraction = Date.now();
    try {
      this.parser.feed(chunk, transient);
    } catch (e) {
      this.protocolError(e as Error);
      return;
    }
    try {
      this.processInput();
    } finally {
      // What a blocked or paused client has not parsed yet must outlive the shared read buffer.
      if (transient) this.parser.retain();
    }
  }

  processInput(): void {
    while (!this.closing && this.blocked === null && !this.paused && !this.awaitingScript) {
      // A replica leaves its master's stream unread while a script is busy (served when it ends).
      if (this.isMaster && this.server.busyReply !== null) break;
      let argv: string[] | null;
      try {
        argv = this.parser.next();
      } catch (e) {
        if (e instanceof ProtocolError) {
          this.protocolError(e);
          return;
        }
        throw e;
      }
      if (argv === null) break;
      this.server.processCommand(this, argv);
    }
    // Replies go out once per event-loop turn (batched across clients), except while a snapshot runs:
    // then they are written at once so they never wait behind a snapshot slice.
    if (this.server.persistence?.busy() === true) this.flush();
    else this.server.flushSoon(this);
  }

  private protocolError(e: Error): void {
    this.server.log.verbose(`Protocol error (${e.message}) from client: id=${this.id} addr=${this.addr}`);
    if (e.message.startsWith('closing client')) {
      this.server.log.warning(
        `Closing client that reached max query buffer length: id=${this.id} addr=${this.addr}`,
      );
    } else {
      this.write(`-ERR ${e.message}\r\n`);
    }
    this.closeAfterReply();
  }

  /** Appends raw protocol to the reply buffer. */
  write(s: string): void {
    if (this.silent || this.overLimit) return;
    this.out += s;
    // A large reply goes to the socket as it is built, where the output limit sees it: a client over its
    // hard limit is closed mid-reply, and nothing more is built for it (as Redis's CLOSE_ASAP).
    if (this.out.length >= EARLY_FLUSH_BYTES) this.flush();
  }

  /** Set when the output limit closed this client: replies are no longer built. */
  overLimit = false;

  flush(): void {
    if (this.out.length === 0 || this.socket === null) {
      this.out = '';
      return;
    }
    for (const h of this.server.beforeReplies) h();
    const s = this.out;
    this.out = '';
    if (this.isReplica) this.server.stats.netReplOutput += s.length;
    else this.server.stats.netOutput += s.length;
    this.server.stats.writesProcessed++;
    if (!this.socket.destroyed) this.socket.write(s, 'latin1');
    if (!this.isReplica && this.socket.writableLength > 0) this.server.checkOutputLimit(this);
  }

  closeAfterReply(): void {
    this.closing = true;
    this.flush();
    this.socket?.end();
  }

  // ---- Ctx: replies ----
  ok(): void {
    this.write(R.OK);
  }
  simple(s: string): void {
    this.write(`+${s}\r\n`);
  }
  error(message: string): void {
    this.server.stats.errorReplies++;
    this.server.countError(message);
    this.write(R.error(message));
  }
  int(n: number | bigint): void {
    this.write(`:${n}\r\n`);
  }
  bulk(s: string): void {
    this.write(`$${s.length}\r\n${s}\r\n`);
  }
  nil(): void {
    this.write(this.resp === 3 ? R.NULL3 : R.NULL_BULK);
  }
  nilArray(): void {
    this.write(this.resp === 3 ? R.NULL3 : R.NULL_ARRAY);
  }
  arrayLen(n: number): void {
    this.write(`*${n}\r\n`);
  }
  mapLen(n: number): void {
    this.write(this.resp === 3 ? `%${n}\r\n` : `*${n * 2}\r\n`);
  }
  setLen(n: number): void {
    this.write(this.resp === 3 ? `~${n}\r\n` : `*${n}\r\n`);
  }
  pushLen(n: number): void {
    this.write(this.resp === 3 ? `>${n}\r\n` : `*${n}\r\n`);
  }
  double(d: number): void {
    this.write(R.double(d, this.resp));
  }
  bulks(items: readonly string[]): void {
    let s = `*${items.length}\r\n`;
    for (const it of items) s += `$${it.length}\r\n${it}\r\n`;
    this.write(s);
  }
  verbatim(s: string): void {
    this.write(this.resp === 3 ? `=${s.length + 4}\r\ntxt:${s}\r\n` : `$${s.length}\r\n${s}\r\n`);
  }
  bool(b: boolean): void {
    this.write(this.resp === 3 ? (b ? '#t\r\n' : '#f\r\n') : b ? ':1\r\n' : ':0\r\n');
  }

  // ---- Ctx: blocking and propagation ----
  block(
    keys: string[],
    timeoutMs: number,
    timeoutReply: 'nil' | 'nilArray' = 'nilArray',
    rerunArgv?: string[],
  ): void {
    this.server.blockClient(this, keys, timeoutMs, timeoutReply, rerunArgv);
  }

  wokenBy(): string | null {
    return this.blocked?.wokenBy ?? null;
  }

  /** Subscriptions of every kind (channels, patterns, shard channels): more than 0 is Pub/Sub mode. */
  pubsubCount(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  propagateAs(...argvs: string[][]): void {
    this.propagateOverride = argvs;
  }

  notify(cls: number, event: string, key: string): void {
    this.db.notify(cls, event, key);
  }

  /** Set while this client's script is busy: its next commands wait for the script's reply. */
  private awaitingScript = false;

  /** What continues when the script ends (the rest of a transaction), before the next commands. */
  afterScript: (() => void) | null = null;

  waitForScript(): void {
    this.awaitingScript = true;
  }

  awaitingScriptEnd(): boolean {
    return this.awaitingScript;
  }

  scriptDone(): void {
    this.awaitingScript = false;
    const next = this.afterScript;
    this.afterScript = null;
    if (next !== null) next();
    setImmediate(() => this.processInput());
  }

  /** Stops reading commands (CLIENT PAUSE is not implemented; used while a replica loads). */
  setPaused(p: boolean): void {
    this.paused = p;
    if (!p) this.processInput();
  }
}

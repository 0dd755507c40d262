// Server: owns the databases, clients, command table and dispatch (auth, MULTI queueing, pub/sub mode,
// read-only replicas, blocking, WATCH), propagation of writes, and the periodic cron (active expiry,
// client timeouts, save points).
import * as net from 'node:net';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Db, type DbHost } from '../store/db.js';
import { RedisError, unknownSubcommand, wrongArity } from '../store/errors.js';
import type { Config } from '../config/table.js';
import { Client, isLoopbackOrUnix } from './client.js';
import { PROTECTED_MODE_DENIED, protectedModeRefuses } from './protected-mode.js';
import {
  type CommandSpec,
  flagBits,
  F_WRITE,
  F_NO_AUTH,
  F_MAY_REPLICATE,
  F_NO_MULTI,
  F_NOT_MONITORED,
  F_PROTECTED,
  F_DENYOOM,
  F_ALLOW_BUSY,
} from './command.js';
import { monitorLine } from './monitor.js';
import { readWithSharedBuffer } from './socket-reader.js';
import { Logger, type LogLevel } from './log.js';
import { PubSub } from './pubsub.js';
import { parseOutputLimits, type OutputLimits } from '../config/output-limits.js';
import { NOTIFY_EVICTED, NOTIFY_EXPIRED, parseNotifyFlags } from '../config/notify-classes.js';
import { MaxMemory, OOM_ERROR } from './maxmemory.js';
import { clientBytes } from './memory.js';
import type { AccessPolicy } from '../store/lru.js';
import { publishKeyspaceEvent } from './notify.js';
import * as R from '../protocol/reply.js';
import { arityAccepts, commandKeys, handlerSubcommand, redisCommand } from '../commands/command-info.js';
import { Tracking } from './tracking.js';
import { Acl, type LogContext } from './acl.js';
import { clientInfoLine } from '../commands/connection.js';

/** The longest delay a Node.js timer takes (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
export interface CommandStats {
  calls: number;
  usec: number;
  rejected: number;
  failed: number;
}

/** What the persistence layer offers the admin commands (SAVE, BGSAVE, LASTSAVE, INFO, DEBUG RELOAD). */
export interface PersistenceControl {
  /** Unix time (s) of the last successful save. */
  readonly lastSave: number;
  /** True while any snapshot (BGSAVE or a replication full sync) is being produced. */
  busy(): boolean;
  bgsaveInProgress(): boolean;
  /** The snapshot running, by Redis's child types: 'rdb' (BGSAVE, replication) or 'aof' (rewrite). */
  childKind(): 'rdb' | 'aof' | null;
  saveSync(): void;
  bgsave(): void;
  scheduleBgsave(): void;
  debugReload(): Promise<void>;
  afterFlushAll(): void;
  infoLines(): string[];
  /** Called by shutdown: save if asked (null: save if save points are configured). */
  onShutdown(save: boolean | null): Promise<void>;
  /** MISCONF while the last BGSAVE failed (stop-writes-on-bgsave-error), else null. */
  writeRefusal(): string | null;
}

/** What INFO memory reports of scripting (scripting/ replaces Server.scriptingMemory). */
export interface ScriptingMemory {
  /** Lua's memory in EVAL's VM and in the functions' VM. */
  vmEval: number;
  vmFunctions: number;
  /** The cached EVAL scripts and their bytes; the libraries, functions and their bytes. */
  cachedScripts: number;
  scriptsBytes: number;
  libraries: number;
  functions: number;
  functionsBytes: number;
}

export type PropagationListener = (dbId: number, argv: string[]) => void;

/** Why clients are paused: each purpose's pause is kept and lifted on its own, as in Redis 7.0. */
export type PausePurpose = 'client' | 'shutdown' | 'failover';

const PUBSUB_ALLOWED = new Set([
  'subscribe',
  'psubscribe',
  'unsubscribe',
  'punsubscribe',
  'ssubscribe',
  'sunsubscribe',
  'ping',
  'quit',
  'reset',
]);
/** A client's output past this makes the server check maxmemory-clients at once, not at the next tick. */
const CLIENT_EVICTION_CHECK_BYTES = 1024 * 1024;
interface TxPropagation {
  /** MULTI went out: every further effect follows it, and EXEC closes it. */
  started: boolean;
  /** The first effect, held until a second one makes a transaction of them. */
  pending: { dbId: number; argv: string[] } | null;
}

/** The most command-name spellings Server.specFor remembers. */
const SPELLINGS_MAX = 512;
/** Read-only entry points of scripts: their commands are tracked, not the script call (as Redis). */
const UNTRACKED_READS = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export class Server implements DbHost {
  readonly dbs: Db[] = [];
  readonly clients = new Map<number, Client>();
  readonly commands = new Map<string, CommandSpec>();
  readonly pubsub = new PubSub();
  readonly tracking = new Tracking(
    (id) => this.clients.get(id),
    (c) => this.flushSoon(c),
  );
  /** The client whose command runs now (null between commands: expiry, eviction, the cron). */
  currentClient: Client | null = null;
  readonly log = new Logger();
  readonly startedAt = Date.now();
  readonly runId: string;
  readonly stats = {
    connections: 0,
    commands: 0,
    expiredKeys: 0,
    rejectedConns: 0,
    netInput: 0,
    netOutput: 0,
    /** Replication traffic: read from our master, written to our replicas (not in netInput/Output). */
    netReplInput: 0,
    netReplOutput: 0,
    /** Per second over the last cron sample, in KB (INFO's instantaneous_*_kbps). */
    inputKbps: 0,
    outputKbps: 0,
    replInputKbps: 0,
    replOutputKbps: 0,
    /** Active expiry: the share of sampled keys found expired last cycle (%), cycles cut short, CPU ms. */
    expiredStalePerc: 0,
    expireTimeCapReached: 0,
    expireCycleMs: 0,
    errorReplies: 0,
    readsProcessed: 0,
    writesProcessed: 0,
    /** Commands per second over the last cron sample. */
    opsPerSec: 0,
  };
  /** Clients closed by maxmemory-clients (INFO evicted_clients). */
  evictedClients = 0;
  readonly lookups = { hits: 0, misses: 0, counting: true };
  private opsSample = { at: Date.now(), commands: 0, input: 0, output: 0, replInput: 0, replOutput: 0 };
  /** Error replies by their code (the first word: ERR, WRONGTYPE, ...), for INFO errorstats. */
  readonly errorStats = new Map<string, number>();

  /** Counts an error reply under its code; as Redis, at most 128 codes are kept. */
  countError(message: string): void {
    const sp = message.indexOf(' ');
    const code = (sp < 0 ? message : message.slice(0, sp)).replace(/^-/, '');
    const n = this.errorStats.get(code);
    if (n !== undefined) this.errorStats.set(code, n + 1);
    else if (this.errorStats.size < 128) this.errorStats.set(code, 1);
  }
  readonly cmdStats = new Map<string, CommandStats>();
  /** Same objects as cmdStats, dropped by CONFIG RESETSTAT (clearStats). */
  private statsCache = new Map<string, CommandStats>();

  clearStats(): void {
    this.cmdStats.clear();
    this.statsCache.clear();
  }
  readonly replStats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 };
  persistence: PersistenceControl | null = null;
  /** Replication's INFO section; the replication module replaces it. */
  replicationInfo: () => string[] = () => [
    'role:master',
    'connected_slaves:0',
    'master_failover_state:no-failover',
    'master_replid:' + this.runId,
    'master_replid2:0000000000000000000000000000000000000000',
    'master_repl_offset:0',
    'second_repl_offset:-1',
    'repl_backlog_active:0',
    'repl_backlog_size:1048576',
    'repl_backlog_first_byte_offset:0',
    'repl_backlog_histlen:0',
  ];
  activeExpireEnabled = true;
  /** master_repl_offset, for WAIT's per-client write offset; replication replaces it. */
  currentReplOffset: () => number = () => 0;
  scriptingMemory: () => ScriptingMemory = () => ({
    vmEval: 0,
    vmFunctions: 0,
    cachedScripts: 0,
    scriptsBytes: 0,
    libraries: 0,
    functions: 0,
    functionsBytes: 0,
  });
  /** The FUNCTION libraries' code, for RDB files (scripting replaces it). */
  functionLibraries: () => string[] = () => [];
  /** Replaces every FUNCTION library with these (an RDB was loaded); throws on a bad library. */
  restoreFunctions: (codes: string[]) => void = () => {};
  /** A replica's link to its master is up; replication replaces it. */
  replicaLinkUp: () => boolean = () => true;
  /** NOREPLICAS while min-replicas-to-write is not met (a master), else null; replication replaces it. */
  minReplicasRefusal: () => string | null = () => null;
  private shuttingDown = false;
  dirty = 0;
  /** Clients that ran MONITOR: every executed command is shown to them. */
  readonly monitors = new Set<Client>();
  cmdTime = Date.now();
  /**
   * Date.now() minus performance.now(), re-anchored every cron tick: a command's wall-clock time comes
   * from the monotonic clock reading it takes anyway for its duration (one clock call instead of two).
   */
  private wallOffset = Date.now() - performance.now();
  /** Set by replication: true while this node replicates from a master. */
  replicaMode = false;
  /** Listeners fed every propagated write (replication backlog, MONITOR-like consumers). */
  readonly propagation: PropagationListener[] = [];
  private nextClientId = 1;
  private listeners: net.Server[] = [];
  private blockedByKey = new Map<string, Set<Client>>();
  private readyKeys: string[] = [];
  private watchers = new Map<string, Set<Client>>();
  private toFlush = new Set<Client>();
  private flushScheduled = false;
  private cron: NodeJS.Timeout | null = null;
  /** Set around a script's command run under redis.set_repl(REPL_NONE / REPL_AOF): not replicated. */
  propagationMuted = false;
  /** The db of the last propagated write (a script's EXEC goes with it). */
  private propagatedDb = 0;
  /** Inside EXEC: whether MULTI was already propagated. */
  /**
   * Inside EXEC or a script: its effects. As Redis 7.0 propagates them, one effect goes alone and
   * several go as MULTI ... EXEC, so the first is held until a second comes or the transaction ends.
   */
  private execPropagation: TxPropagation | null = null;
  /** Told of every executed command and its duration (SLOWLOG, LATENCY, latency tracking). */
  readonly callObservers: ((c: Client, spec: CommandSpec, argv: string[], usec: number) => void)[] = [];
  /** Hooks run by the cron (persistence save points, replication timers). */
  readonly cronHooks: (() => void)[] = [];
  /** Hooks run at shutdown before exit (persistence SAVE on shutdown). */
  shutdownHooks: ((save: boolean | null) => Promise<void>)[] = [];
  /** Hooks run at shutdown before anything is saved (a master letting its replicas catch up). */
  preShutdownHooks: (() => Promise<void>)[] = [];

  /** maxmemory, eviction and the memory breakdown (server/maxmemory.ts). */
  readonly memory: MaxMemory;
  /** DbHost.access: the same object as memory.access, read by every key lookup. */
  readonly access: AccessPolicy;
  /** Set by replication: what the backlog and the replicas' links hold. */
  replicationMemory: () => { backlog: number; replicas: number } = () => ({ backlog: 0, replicas: 0 });

  /** Users, permissions and the ACL log (server/acl.ts). */
  readonly acl: Acl;

  constructor(readonly config: Config) {
    this.acl = new Acl(config);
    this.acl.clients = () => this.clients.values();
    this.acl.current = () => this.currentClient;
    this.acl.warn = (m) => this.log.warning(m);
    this.acl.clientInfo = (c) => clientInfoLine(c);
    this.acl.loadAtStartup(config.userDirectives);
    this.memory = new MaxMemory({
      dbs: this.dbs,
      config,
      normalClients: () => this.normalClients(),
      replicationMemory: () => this.replicationMemory(),
      isReplica: () => this.replicaMode,
      now: () => this.cmdTime,
      evictKey: (db, key) => this.evictKey(db, key),
      warn: (m) => this.log.warning(m),
    });
    this.access = this.memory.access;
    const n = config.getInt('databases');
    for (let i = 0; i < n; i++) this.dbs.push(new Db(i, this));
    this.runId = [...Array(40)].map(() => Math.floor(Math.random() * 16).toString(16)).join('');
    this.log.level = config.get('loglevel') as LogLevel;
    if (config.get('logfile') !== '') this.log.setFile(config.get('logfile'));
    this.notifyFlags = parseNotifyFlags(config.givenValue('notify-keyspace-events')) ?? 0;
    this.outputLimits = parseOutputLimits(config.get('client-output-buffer-limit'));
    for (const name of config.explicitNames()) this.logIgnored(name);
    config.onChange((name, value) => {
      this.logIgnored(name);
      if (name === 'loglevel') this.log.level = value as LogLevel;
      if (name === 'notify-keyspace-events')
        this.notifyFlags = parseNotifyFlags(config.givenValue(name)) ?? 0;
      if (name === 'client-output-buffer-limit') this.outputLimits = parseOutputLimits(value);
    });
  }

  /** Each directive tsredis ignores is logged once, when first set to a value other than its default. */
  private loggedIgnored = new Set<string>();
  private logIgnored(name: string): void {
    const note = this.config.ignoredNote(name);
    if (note === null || this.loggedIgnored.has(name)) return;
    this.loggedIgnored.add(name);
    this.log.warning(note);
  }

  register(specs: CommandSpec[]): void {
    this.specBySpelling.clear();
    for (const s of specs) {
      this.commands.set(s.name, s);
      s.bits = flagBits(s.flags);
      for (const sub of s.subcommands ?? []) {
        sub.fullName = `${s.name}|${sub.name}`;
        sub.bits = flagBits(sub.flags);
      }
    }
  }

  // ---- DbHost ----
  now(): number {
    return this.cmdTime;
  }
  expireDeletes(): boolean {
    return !this.replicaMode;
  }
  private *normalClients(): Iterable<Client> {
    for (const c of this.clients.values()) if (!c.isReplica) yield c;
  }

  /** A key evicted under maxmemory: deleted, and propagated, announced and counted like Redis. */
  private evictKey(db: Db, key: string): void {
    db.ks.delete(key);
    this.touchWatched(db, key);
    if (this.tracking.clients > 0) this.tracking.invalidate(key, null, this.currentClient);
    this.propagate(db.id, ['DEL', key]);
    db.notify(NOTIFY_EVICTED, 'evicted', key);
  }

  onExpired(db: Db, key: string): void {
    this.stats.expiredKeys++;
    this.touchWatched(db, key);
    if (this.tracking.clients > 0) this.tracking.invalidate(key, null, this.currentClient);
    this.propagate(db.id, ['DEL', key]);
    db.notify(NOTIFY_EXPIRED, 'expired', key);
  }

  /** notify-keyspace-events as NOTIFY_* flags. */
  notifyFlags = 0;

  /** Publishes a keyspace event (if its class is enabled) to the key-space and key-event channels. */
  notifyKeyspaceEvent(cls: number, event: string, key: string, dbId: number): void {
    publishKeyspaceEvent(this.notifyFlags, cls, event, key, dbId, (channel, message) => {
      this.pubsub.publish(channel, message, (target) => this.flushSoon(target));
    });
  }
  onChangedQuietly(): void {
    this.dirty++;
  }

  onKeyReady(db: Db, key: string): void {
    if (this.blockedByKey.size === 0) return;
    const k = `${db.id}\0${key}`;
    if (this.blockedByKey.has(k)) this.readyKeys.push(k);
  }

  onTouched(db: Db, key: string): void {
    this.dirty++;
    if (this.tracking.clients > 0) this.tracking.invalidate(key, this.currentClient, this.currentClient);
    if (this.watchers.size > 0) this.touchWatched(db, key);
    if (this.blockedByKey.size > 0) {
      const k = `${db.id}\0${key}`;
      if (this.blockedByKey.has(k)) this.readyKeys.push(k);
    }
  }

  // ---- networking ----
  async listen(): Promise<void> {
    const port = this.config.getInt('port');
    if (port !== 0) {
      const binds = this.config
        .get('bind')
        .split(/\s+/)
        .filter((b) => b !== '');
      const hosts = binds.length === 0 ? ['0.0.0.0'] : binds;
      for (const h of hosts) {
        const optional = h.startsWith('-');
        const host = (optional ? h.slice(1) : h).replace(/^\*$/, '0.0.0.0').replace(/^::\*$/, '::');
        try {
          await this.listenOn({ host, port, ipv6Only: host === '::' });
        } catch (e) {
          if (optional) continue;
          throw e;
        }
      }
    }
    const sock = this.config.get('unixsocket');
    if (sock !== '') {
      if (fs.existsSync(sock)) fs.unlinkSync(sock);
      await this.listenOn({ path: sock });
      const perm = this.config.getInt('unixsocketperm');
      if (perm !== 0) fs.chmodSync(sock, parseInt(String(perm), 8));
    }
  }

  private listenOn(opts: net.ListenOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
      srv.once('error', reject);
      srv.listen({ ...opts, backlog: this.config.getInt('tcp-backlog') }, () => {
        srv.off('error', reject);
        this.listeners.push(srv);
        resolve();
      });
    });
  }

  /** The port actually bound (useful with port 0 in tests). */
  boundPort(): number {
    for (const l of this.listeners) {
      const a = l.address();
      if (a !== null && typeof a === 'object') return a.port;
    }
    return 0;
  }

  private accept(accepted: net.Socket): void {
    let client: Client | null = null; // null while refused: what such a socket sends is dropped
    const socket = readWithSharedBuffer(accepted, (chunk, transient) => {
      if (client !== null) this.onClientBytes(client, chunk, transient);
    });
    socket.on('error', () => {});
    socket.setNoDelay(true);
    if (this.config.getInt('tcp-keepalive') > 0)
      socket.setKeepAlive(true, this.config.getInt('tcp-keepalive') * 1000);
    if (
      protectedModeRefuses(
        this.config.getBool('protected-mode'),
        // Redis asks whether the default user has a password (requirepass sets it; so may ACL SETUSER).
        this.acl.defaultUser.nopass ? '' : '(password)',
        isLoopbackOrUnix(socket.remoteAddress),
      )
    ) {
      this.stats.rejectedConns++;
      socket.end(PROTECTED_MODE_DENIED);
      return;
    }
    if (this.clients.size >= this.config.getInt('maxclients')) {
      this.stats.rejectedConns++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    const c = this.addClient(socket);
    client = c;
    socket.on('close', () => this.removeClient(c));
  }

  private onClientBytes(c: Client, chunk: Buffer, transient: boolean): void {
    if (c.isMaster) this.stats.netReplInput += chunk.length;
    else this.stats.netInput += chunk.length;
    this.stats.readsProcessed++;
    try {
      c.onData(chunk, transient);
    } catch (e) {
      // A bug outside command handlers must cost one connection, never the server.
      this.log.warning(
        `Closing client id=${c.id} after an internal error: ${(e as Error).stack ?? String(e)}`,
      );
      c.closeAfterReply();
    }
  }

  addClient(socket: net.Socket | null): Client {
    const c = new Client(this, socket, this.nextClientId++);
    this.clients.set(c.id, c);
    this.stats.connections++;
    return c;
  }

  removeClient(c: Client): void {
    if (!this.clients.has(c.id)) return;
    c.closing = true;
    this.clients.delete(c.id);
    this.unblock(c);
    this.heldClients.delete(c);
    this.monitors.delete(c);
    this.unwatchAll(c);
    this.pubsub.removeClient(c);
    this.tracking.disable(c);
    this.toFlush.delete(c);
    for (const h of this.clientCloseHooks) h(c);
  }
  readonly clientCloseHooks: ((c: Client) => void)[] = [];

  flushSoon(c: Client): void {
    if (c.out.length === 0) return;
    this.toFlush.add(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  flushAll(): void {
    this.flushScheduled = false;
    for (const c of this.toFlush) c.flush();
    this.toFlush.clear();
  }

  // ---- dispatch ----
  /**
   * The spec of a command name as clients spell it ("SET", "set"), so that the common spellings cost
   * one Map lookup and no lower-casing. Bounded: names of unknown commands are never added, and past
   * the bound the other spellings of known ones take the lower-casing path.
   */
  private readonly specBySpelling = new Map<string, CommandSpec>();

  private specFor(raw: string): CommandSpec | undefined {
    const known = this.specBySpelling.get(raw);
    if (known !== undefined) return known;
    const spec = this.commands.get(raw.toLowerCase());
    if (spec !== undefined && this.specBySpelling.size < SPELLINGS_MAX) this.specBySpelling.set(raw, spec);
    return spec;
  }

  /** The spec argv runs, or the error reply (unknown command or subcommand, wrong arity). */
  lookupCommand(argv: string[]): CommandSpec | string {
    const spec = this.specFor(argv[0]);
    if (spec === undefined) {
      const args = argv
        .slice(1, 21)
        .map((a) => `'${a.slice(0, 128)}' `)
        .join('');
      return `ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`;
    }
    if ((spec.arity > 0 && argv.length !== spec.arity) || argv.length < -spec.arity) {
      return wrongArity(spec.name);
    }
    if (spec.subcommands !== undefined && argv.length >= 2) {
      const sub = spec.subcommands.find((s) => s.name === argv[1].toLowerCase());
      if (sub === undefined) {
        return unknownSubcommand(argv[1], spec.name);
      }
      if ((sub.arity > 0 && argv.length !== sub.arity) || argv.length < -sub.arity) {
        return `ERR wrong number of arguments for '${spec.name}|${sub.name}' command`;
      }
      return sub;
    }
    if (argv.length >= 2) {
      // A subcommand its container's handler dispatches (CLIENT SETNAME): Redis's arity for it.
      const inner = handlerSubcommand(spec.name, argv[1]);
      if (inner !== undefined && !arityAccepts(inner.arity, argv.length)) {
        return wrongArity(inner.name);
      }
    }
    return spec;
  }

  processCommand(c: Client, argv: string[]): void {
    this.stats.commands++;
    const spec = this.lookupCommand(argv);
    if (typeof spec === 'string') {
      if (c.multi !== null) c.multiError = true;
      c.error(spec);
      this.rejected(argv[0]);
      return;
    }
    const name = spec.name;
    const bits = spec.flagsFor !== undefined ? spec.flagsFor(argv) : (spec.bits ?? 0);
    if (this.busyReply !== null && (bits & F_ALLOW_BUSY) === 0) {
      if (c.multi !== null) c.multiError = true;
      c.error(this.busyReply);
      this.rejected(name);
      return;
    }
    if ((bits & F_PROTECTED) !== 0 && !this.protectedAllowed(c, spec.name)) {
      if (c.multi !== null) c.multiError = true;
      const cmdName = spec.name.toUpperCase();
      c.error(
        `ERR ${cmdName} command not allowed. If the enable-${spec.name}-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`,
      );
      this.rejected(name);
      return;
    }
    if (!c.authenticated && (bits & F_NO_AUTH) === 0 && this.acl.authRequired()) {
      if (c.multi !== null) c.multiError = true;
      c.error('NOAUTH Authentication required.');
      this.rejected(name);
      return;
    }
    // ACLs: a user allowed everything (the default user, unless restricted) costs one property read.
    if (!c.user.unrestricted && !c.isMaster && this.aclRefuses(c, spec, argv, bits)) {
      this.rejected(name);
      return;
    }
    if (this.memory.maxmemory !== 0 && !c.isMaster && this.outOfMemoryRefuses(c, spec, bits)) {
      this.rejected(name);
      return;
    }
    if (c.resp === 2 && c.pubsubCount() > 0 && !PUBSUB_ALLOWED.has(argv[0].toLowerCase())) {
      c.error(
        `ERR Can't execute '${argv[0].toLowerCase()}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
      this.rejected(name);
      return;
    }
    if (c.multi !== null && !MULTI_IMMEDIATE.has(argv[0].toLowerCase())) {
      if ((bits & F_NO_MULTI) !== 0) {
        c.multiError = true;
        c.error('ERR Command not allowed inside a transaction');
        this.rejected(name);
        return;
      }
      c.multi.push({ spec, argv, bits });
      c.write(R.QUEUED);
      return;
    }
    if (this.pause !== null && this.mustHold(c, bits, argv)) {
      c.heldArgv = argv;
      c.setPaused(true);
      this.heldClients.add(c);
      return;
    }
    const refusal = this.refusal(c, spec, bits);
    if (refusal !== null) {
      c.error(refusal);
      this.rejected(name);
      return;
    }
    this.call(c, spec, argv);
  }

  /**
   * The ACL check of processCommand (after NOAUTH, as Redis): a refused command gets Redis's NOPERM
   * error, is logged in ACL LOG, and flags a transaction being queued.
   */
  private aclRefuses(c: Client, spec: CommandSpec, argv: string[], bits: number): boolean {
    // Redis refuses a no-multi command inside MULTI before it checks ACLs.
    if (c.multi !== null && (bits & F_NO_MULTI) !== 0 && !MULTI_IMMEDIATE.has(spec.name)) return false;
    const r = this.acl.check(c.user, spec, argv);
    if (r === null) return false;
    c.lastCmd = r.cmd; // Redis's client info shows the command refused
    const context: LogContext = c.multi !== null ? 'multi' : 'toplevel';
    const { reason, pos } = r.denial;
    this.acl.addLog(c, reason, context, reason === 'command' ? r.cmd : argv[pos]);
    if (c.multi !== null) c.multiError = true;
    c.error(
      reason === 'command'
        ? `NOPERM this user has no permissions to run the '${r.cmd}' command`
        : `NOPERM this user has no permissions to access one of the ${reason === 'key' ? 'keys' : 'channels'} used as arguments`,
    );
    return true;
  }

  /** EXEC's check of a queued command: its permissions may have changed since it was queued. */
  private aclRefusesQueued(c: Client, spec: CommandSpec, argv: string[]): boolean {
    if (c.user.unrestricted || c.isMaster) return false;
    const r = this.acl.check(c.user, spec, argv);
    if (r === null) return false;
    const { reason, pos } = r.denial;
    this.acl.addLog(c, reason, 'multi', reason === 'command' ? r.cmd : argv[pos]);
    const why =
      reason === 'command'
        ? 'no permission to execute the command or subcommand'
        : reason === 'key'
          ? 'no permission to touch the specified keys'
          : 'no permission to access one of the channels used as arguments';
    c.error(
      `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${why}`,
    );
    return true;
  }

  /**
   * Evicts as maxmemory-policy allows; if memory is still over maxmemory, refuses a command that may add
   * memory (denyoom, anything queued in MULTI, EXEC of a denyoom command) with Redis's OOM error.
   */
  private outOfMemoryRefuses(c: Client, spec: CommandSpec, bits: number): boolean {
    const name = spec.name;
    let denyoom = (bits & F_DENYOOM) !== 0;
    if (c.multi !== null) {
      if (name === 'exec') denyoom = c.multi.some((q) => (q.bits & F_DENYOOM) !== 0);
      else if (name !== 'discard' && name !== 'quit' && name !== 'reset') denyoom = true;
    }
    if (!this.memory.refusesCommand(denyoom)) return false;
    if (c.multi !== null && name === 'exec') {
      c.multi = null;
      c.multiError = false;
      this.unwatchAll(c);
      c.error(`EXECABORT Transaction discarded because of: ${OOM_ERROR}`);
    } else {
      if (c.multi !== null) c.multiError = true;
      c.error(OOM_ERROR);
    }
    return true;
  }

  /** enable-debug-command / enable-module-command / enable-protected-configs: no | yes | local. */
  gateAllows(directive: string, c: Client): boolean {
    const v = this.config.get(directive);
    return v === 'yes' || (v === 'local' && c.isLocal);
  }

  private protectedAllowed(c: Client, command: string): boolean {
    if (c.isMaster) return true;
    return this.gateAllows(`enable-${command}-command`, c);
  }

  // ---- scripts ----
  /** Set while a script runs past busy-reply-threshold: the -BUSY reply other commands get. */
  busyReply: string | null = null;
  /** The time commands see while a script runs: the script's start, as in Redis. */
  private frozenTime: number | null = null;
  private ownsScriptPropagation = false;

  /** A script starts: its writes propagate as one MULTI/EXEC (unless already inside EXEC). */
  beginScript(): void {
    this.frozenTime = this.cmdTime;
    this.ownsScriptPropagation = this.execPropagation === null;
    if (this.ownsScriptPropagation) this.execPropagation = { started: false, pending: null };
  }

  endScript(): void {
    this.frozenTime = null;
    if (this.ownsScriptPropagation && this.execPropagation !== null) {
      this.finishTxPropagation(this.execPropagation, this.propagatedDb);
      this.execPropagation = null;
    }
    this.ownsScriptPropagation = false;
  }

  enterBusy(reply: string): void {
    this.busyReply = reply;
  }

  /** A busy script ended: the master link's input waiting behind it and blocked clients are served. */
  leaveBusy(): void {
    this.busyReply = null;
    for (const c of this.clients.values()) if (c.isMaster) setImmediate(() => c.processInput());
    if (this.readyKeys.length > 0) this.serveReadyKeys();
  }

  /** Shows a command to MONITOR clients (EVAL shows itself before the commands its script runs). */
  feedMonitors(c: Client, argv: string[]): void {
    if (this.monitors.size === 0) return;
    const line = `+${monitorLine(this.wallOffset + performance.now(), c.db.id, c.monitorAddr(), argv)}\r\n`;
    for (const m of this.monitors) {
      m.write(line);
      this.flushSoon(m);
    }
  }

  // ---- CLIENT PAUSE ----
  /**
   * The pause in force: the strongest of the pauses asked for (a CLIENT PAUSE, a shutdown, a FAILOVER),
   * each kept apart as Redis keeps them per purpose, so that CLIENT UNPAUSE lifts only its own.
   */
  pause: { until: number; writesOnly: boolean } | null = null;
  private pauses = new Map<PausePurpose, { until: number; writesOnly: boolean }>();
  private pauseTimer: NodeJS.Timeout | null = null;
  private heldClients = new Set<Client>();

  private mustHold(c: Client, bits: number, argv: string[]): boolean {
    if (c.isMaster || c.isReplica || this.pause === null) return false;
    if (!this.pause.writesOnly) return true;
    if ((bits & (F_WRITE | F_MAY_REPLICATE)) !== 0) return true;
    // EXEC of a transaction holding writes is held too.
    return argv[0].toLowerCase() === 'exec' && (c.multi ?? []).some((q) => (q.bits & F_WRITE) !== 0);
  }

  pauseClients(ms: number, writesOnly: boolean, purpose: PausePurpose = 'client'): void {
    this.pauses.set(purpose, { until: Date.now() + ms, writesOnly });
    this.updatePause();
  }

  /** Lifts one purpose's pause (CLIENT UNPAUSE lifts the client's; a shutdown's is never lifted). */
  unpauseClients(purpose: PausePurpose = 'client'): void {
    if (!this.pauses.delete(purpose)) return;
    this.updatePause();
  }

  private updatePause(): void {
    const now = Date.now();
    let until = 0;
    let writesOnly = true;
    for (const [purpose, p] of this.pauses) {
      if (p.until <= now) {
        this.pauses.delete(purpose);
        continue;
      }
      until = Math.max(until, p.until);
      writesOnly &&= p.writesOnly;
    }
    if (this.pauseTimer !== null) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    const was = this.pause;
    this.pause = this.pauses.size === 0 ? null : { until, writesOnly };
    if (this.pause !== null) {
      // The next pause to end re-evaluates (a timer's delay is at most 2^31-1 ms: re-armed past that).
      const next = Math.min(...[...this.pauses.values()].map((p) => p.until));
      this.pauseTimer = setTimeout(() => this.updatePause(), Math.min(next - now, MAX_TIMER_MS));
    }
    const weaker = was !== null && (this.pause === null || (this.pause.writesOnly && !was.writesOnly));
    if (weaker) this.releaseHeld();
  }

  /** The held commands run again (those still paused are held again) on a fresh turn. */
  private releaseHeld(): void {
    const held = [...this.heldClients];
    this.heldClients.clear();
    // Run the held commands on a fresh turn, not inside the UNPAUSE command itself.
    setImmediate(() => {
      for (const c of held) {
        const argv = c.heldArgv;
        c.heldArgv = null;
        if (c.closing || argv === null) continue;
        this.processCommand(c, argv);
        this.flushSoon(c);
        if (c.heldArgv === null) c.setPaused(false);
      }
    });
  }

  /**
   * Run before any reply is written to a socket: the AOF writes (and with appendfsync always, fsyncs)
   * what was propagated, so no client sees a write acknowledged before it is in the file.
   */
  beforeReplies: (() => void)[] = [];

  /** Hook for replication/persistence checks (READONLY, MASTERDOWN, NOREPLICAS, LOADING...). */
  refusalHooks: ((c: Client, spec: CommandSpec, bits: number) => string | null)[] = [];

  /** bits: the call's flags (spec.bits, or what flagsFor gave for its arguments). */
  refusal(c: Client, spec: CommandSpec, bits = spec.bits ?? 0): string | null {
    for (const h of this.refusalHooks) {
      const r = h(c, spec, bits);
      if (r !== null) return r;
    }
    return null;
  }

  private rejected(name: string): void {
    const st = this.statsFor(name.toLowerCase());
    if (st !== undefined) st.rejected++;
  }

  private statsFor(name: string): CommandStats | undefined {
    const cached = this.statsCache.get(name);
    if (cached !== undefined) return cached;
    if (!this.commands.has(name) && !name.includes('|')) return undefined;
    let st = this.cmdStats.get(name);
    if (st === undefined) this.cmdStats.set(name, (st = { calls: 0, usec: 0, rejected: 0, failed: 0 }));
    this.statsCache.set(name, st);
    return st;
  }

  /** Executes a resolved command: runs the handler, records stats, propagates if it changed data. */
  call(c: Client, spec: CommandSpec, argv: string[]): void {
    const start = performance.now();
    this.cmdTime = this.frozenTime ?? Math.floor(this.wallOffset + start);
    const dirtyBefore = this.dirty;
    c.propagateOverride = null;
    c.forcePropagate = false;
    const outerClient = this.currentClient;
    this.currentClient = c;
    if (this.tracking.clients > 0) this.tracking.limit(this.config.getInt('tracking-table-max-keys'), c);
    this.currentSpec = spec;
    this.currentArgv = argv;
    this.lookups.counting = ((spec.bits ?? 0) & F_WRITE) === 0;
    let failed = false;
    try {
      spec.handler(c, argv);
    } catch (e) {
      failed = true;
      if (e instanceof RedisError) c.error(e.message);
      else {
        this.log.warning(`Internal error running '${spec.name}': ${(e as Error).stack ?? String(e)}`);
        c.error(`ERR internal error: ${(e as Error).message}`);
      }
    }
    if (this.monitors.size > 0 && ((spec.bits ?? 0) & F_NOT_MONITORED) === 0) this.feedMonitors(c, argv);
    const fullName = spec.fullName ?? spec.name;
    const st = this.statsFor(fullName);
    const usec = Math.round((performance.now() - start) * 1000);
    if (st !== undefined) {
      st.calls++;
      st.usec += usec;
      if (failed) st.failed++;
    }
    for (const o of this.callObservers) o(c, spec, argv, usec);
    c.lastCmd = fullName;
    if (this.tracking.clients > 0) this.afterTrackedCall(c, spec, argv);
    this.currentClient = outerClient;
    const changed = this.dirty !== dirtyBefore && ((spec.bits ?? 0) & (F_WRITE | F_MAY_REPLICATE)) !== 0;
    if (changed || c.forcePropagate) {
      const override = c.propagateOverride as string[][] | null;
      if (override === null) this.propagate(c.db.id, argv);
      else if (override.length === 0) {
        // nothing: the command propagated its effects itself (EVAL, FCALL)
      } else if (override.length === 1) this.propagate(c.db.id, override[0]);
      else {
        const wrap = this.execPropagation === null;
        if (wrap) this.propagate(c.db.id, ['MULTI']);
        for (const a of override) this.propagate(c.db.id, a);
        if (wrap) this.propagate(c.db.id, ['EXEC']);
      }
    }
    if (this.dirty !== dirtyBefore) c.woff = this.currentReplOffset();
    if (this.readyKeys.length > 0 && !c.inExec) this.serveReadyKeys();
  }

  /**
   * Client tracking after a command: the keys a read-only command fetched are remembered (scripts' own
   * read-only entry points excepted, as Redis), CLIENT CACHING lasts one command (a whole transaction),
   * and the invalidations this client's own command caused follow its reply.
   */
  private afterTrackedCall(c: Client, spec: CommandSpec, argv: string[]): void {
    const st = c.tracking;
    if (st !== null) {
      if (!st.bcast && spec.flags.includes('readonly') && !UNTRACKED_READS.has(spec.name)) {
        const d = redisCommand(spec.fullName ?? spec.name);
        if (d !== undefined)
          this.tracking.remember(
            c,
            commandKeys(d, argv).map((k) => argv[k.pos]),
          );
      }
      if (!c.inExec && c.multi === null && spec.name !== 'client') st.caching = false;
    }
    if (!c.inExec) this.tracking.flushPending(c);
  }

  /** Feeds a write to the propagation listeners (inside EXEC, wrapped in MULTI ... EXEC). */
  propagate(dbId: number, argv: string[]): void {
    if (this.propagation.length === 0 || this.propagationMuted) return;
    this.propagatedDb = dbId;
    const tx = this.execPropagation;
    if (tx !== null && !tx.started && argv[0] !== 'MULTI') {
      if (tx.pending === null) {
        tx.pending = { dbId, argv };
        return;
      }
      tx.started = true;
      for (const l of this.propagation) l(tx.pending.dbId, ['MULTI']);
      for (const l of this.propagation) l(tx.pending.dbId, tx.pending.argv);
      tx.pending = null;
    }
    for (const l of this.propagation) l(dbId, argv);
  }

  /** The end of EXEC or of a script: EXEC after several effects, the one held effect alone. */
  private finishTxPropagation(tx: TxPropagation, dbId: number): void {
    if (tx.started) for (const l of this.propagation) l(dbId, ['EXEC']);
    else if (tx.pending !== null) {
      const { dbId: pdb, argv } = tx.pending;
      for (const l of this.propagation) l(pdb, argv);
    }
  }

  /** Runs a transaction's queued commands (EXEC). */
  exec(c: Client): void {
    const queue = c.multi ?? [];
    c.multi = null;
    if (c.multiError) {
      c.multiError = false;
      this.unwatchAll(c);
      c.error('EXECABORT Transaction discarded because of previous errors.');
      return;
    }
    if (c.dirtyCas) {
      this.unwatchAll(c);
      c.nilArray();
      return;
    }
    this.unwatchAll(c);
    c.arrayLen(queue.length);
    c.inExec = true;
    const outer = this.execPropagation;
    this.execPropagation = outer ?? { started: false, pending: null };
    this.runQueue(c, queue, 0, outer);
  }

  /**
   * Runs a transaction's commands from index from. A script among them that goes busy suspends the
   * transaction: the rest runs when the script ends (the client waits, everyone else gets -BUSY).
   */
  private runQueue(
    c: Client,
    queue: { spec: CommandSpec; argv: string[]; bits: number }[],
    from: number,
    outer: TxPropagation | null,
  ): void {
    try {
      for (let i = from; i < queue.length; i++) {
        const { spec, argv, bits } = queue[i];
        if (this.aclRefusesQueued(c, spec, argv)) continue;
        const refusal = this.refusal(c, spec, bits);
        if (refusal !== null) c.error(refusal);
        else this.call(c, spec, argv);
        if (c.awaitingScriptEnd()) {
          c.afterScript = () => this.runQueue(c, queue, i + 1, outer);
          return;
        }
      }
    } catch (e) {
      this.endExec(c, outer);
      throw e;
    }
    this.endExec(c, outer);
    if (this.readyKeys.length > 0) this.serveReadyKeys();
  }

  private endExec(c: Client, outer: TxPropagation | null): void {
    c.inExec = false;
    if (outer === null && this.execPropagation !== null) {
      this.finishTxPropagation(this.execPropagation, c.db.id);
      this.execPropagation = null;
    }
  }

  // ---- WATCH ----
  watch(c: Client, key: string): void {
    const k = `${c.db.id}\0${key}`;
    if (c.watched.has(k)) return;
    c.watched.add(k);
    let s = this.watchers.get(k);
    if (s === undefined) this.watchers.set(k, (s = new Set()));
    s.add(c);
  }

  unwatchAll(c: Client): void {
    for (const k of c.watched) {
      const s = this.watchers.get(k);
      if (s !== undefined) {
        s.delete(c);
        if (s.size === 0) this.watchers.delete(k);
      }
    }
    c.watched.clear();
    c.dirtyCas = false;
  }

  private touchWatched(db: Db, key: string): void {
    const s = this.watchers.get(`${db.id}\0${key}`);
    if (s !== undefined) for (const c of s) c.dirtyCas = true;
  }

  /**
   * FLUSHDB / FLUSHALL / SWAPDB: every key clients of this db are blocked on is re-examined (a blocked
   * XREADGROUP learns its stream is gone, a blocked pop finds a list swapped in), as Redis does.
   */
  signalBlockedInDb(dbId: number): void {
    const prefix = `${dbId}\0`;
    for (const k of this.blockedByKey.keys()) if (k.startsWith(prefix)) this.readyKeys.push(k);
  }

  /** FLUSHDB/FLUSHALL/SWAPDB: every watcher of a key of this db is invalidated. */
  touchAllWatched(dbId: number): void {
    const prefix = `${dbId}\0`;
    for (const [k, s] of this.watchers) if (k.startsWith(prefix)) for (const c of s) c.dirtyCas = true;
  }

  // ---- blocking ----
  blockClient(
    c: Client,
    keys: string[],
    timeoutMs: number,
    timeoutReply: 'nil' | 'nilArray',
    rerunArgv?: string[],
  ): void {
    if (c.inExec || c.isMaster) {
      if (timeoutReply === 'nil') c.nil();
      else c.nilArray();
      return;
    }
    const prev = c.blocked;
    const state = {
      keys,
      dbId: c.db.id,
      timer: prev?.timer ?? null,
      timeoutReply,
      spec: this.currentSpec as CommandSpec,
      argv: rerunArgv ?? (this.currentArgv as string[]),
    };
    c.blocked = state;
    for (const key of keys) {
      const k = `${c.db.id}\0${key}`;
      let s = this.blockedByKey.get(k);
      if (s === undefined) this.blockedByKey.set(k, (s = new Set()));
      s.add(c);
    }
    if (prev === null && timeoutMs > 0) {
      // A timer cannot wait longer than MAX_TIMER_MS: longer timeouts re-arm until their deadline.
      const deadline = Date.now() + timeoutMs;
      const fire = (): void => {
        const b = c.blocked;
        if (b === null) return;
        const left = deadline - Date.now();
        if (timeoutMs > MAX_TIMER_MS && left > 0) {
          b.timer = setTimeout(fire, Math.min(left, MAX_TIMER_MS));
          return;
        }
        this.unblock(c);
        if (b.timeoutReply === 'nil') c.nil();
        else c.nilArray();
        c.processInput();
      };
      state.timer = setTimeout(fire, Math.min(timeoutMs, MAX_TIMER_MS));
    }
  }

  private currentSpec: CommandSpec | null = null;
  private currentArgv: string[] | null = null;

  /** Removes a client's blocking registrations (keeps nothing). */
  unblock(c: Client): void {
    const b = c.blocked;
    if (b === null) return;
    if (b.timer !== null) clearTimeout(b.timer);
    for (const key of b.keys) {
      const k = `${b.dbId}\0${key}`;
      const s = this.blockedByKey.get(k);
      if (s !== undefined) {
        s.delete(c);
        if (s.size === 0) this.blockedByKey.delete(k);
      }
    }
    c.blocked = null;
  }

  private serveReadyKeys(): void {
    if (this.frozenTime !== null) return; // inside a script: blocked clients wait for its end
    while (this.readyKeys.length > 0) {
      const keys = this.readyKeys;
      this.readyKeys = [];
      for (const k of new Set(keys)) {
        const waiting = this.blockedByKey.get(k);
        if (waiting === undefined) continue;
        for (const c of [...waiting]) {
          const b = c.blocked;
          if (b === null) continue;
          // Take the registrations off but keep the timer: the re-run may block again.
          for (const key of b.keys) {
            const kk = `${b.dbId}\0${key}`;
            const s = this.blockedByKey.get(kk);
            if (s !== undefined) {
              s.delete(c);
              if (s.size === 0) this.blockedByKey.delete(kk);
            }
          }
          const timer = b.timer;
          c.blocked = { ...b, keys: [], wokenBy: k.slice(k.indexOf('\0') + 1) };
          const savedDb = c.db;
          c.db = this.dbs[b.dbId];
          const before = c.out.length;
          this.call(c, b.spec, b.argv);
          c.db = savedDb;
          if (c.blocked !== null && c.blocked.keys.length > 0) continue; // blocked again
          if (timer !== null) clearTimeout(timer);
          c.blocked = null;
          if (c.out.length !== before) this.flushSoon(c);
          setImmediate(() => c.processInput());
        }
      }
    }
  }

  // ---- cron ----
  startCron(): void {
    const hz = Math.max(1, this.config.getInt('hz'));
    this.cron = setInterval(() => this.tick(), Math.round(1000 / hz));
    this.cron.unref();
  }

  private tick(): void {
    this.cmdTime = Date.now();
    this.wallOffset = this.cmdTime - performance.now();
    const elapsed = this.cmdTime - this.opsSample.at;
    if (elapsed >= 1000) {
      const st = this.stats;
      const o = this.opsSample;
      st.opsPerSec = Math.round(((st.commands - o.commands) * 1000) / elapsed);
      const kbps = (now: number, before: number): number => (now - before) / 1024 / (elapsed / 1000);
      st.inputKbps = kbps(st.netInput, o.input);
      st.outputKbps = kbps(st.netOutput, o.output);
      st.replInputKbps = kbps(st.netReplInput, o.replInput);
      st.replOutputKbps = kbps(st.netReplOutput, o.replOutput);
      this.opsSample = {
        at: this.cmdTime,
        commands: st.commands,
        input: st.netInput,
        output: st.netOutput,
        replInput: st.netReplInput,
        replOutput: st.netReplOutput,
      };
    }
    this.memory.tick();
    this.evictClients();
    // Active expiry: a bounded amount of work per db per tick, never stalling the loop for long.
    const effort = this.config.getInt('active-expire-effort');
    const deadline = performance.now() + 2 + effort;
    // A busy script sees the data as it started (no key expires under it); save points wait too.
    const busy = this.busyReply !== null;
    const cycleStart = performance.now();
    let sampled = 0;
    let found = 0;
    for (const db of this.activeExpireEnabled && this.pause === null && !busy ? this.dbs : []) {
      for (;;) {
        const { checked, expired } = db.activeExpire(200 * effort);
        sampled += checked;
        found += expired;
        if (checked === 0 || expired * 4 < checked || performance.now() > deadline) break;
      }
      if (performance.now() > deadline) {
        this.stats.expireTimeCapReached++;
        break;
      }
    }
    this.stats.expireCycleMs += performance.now() - cycleStart;
    if (sampled > 0) this.stats.expiredStalePerc = (found * 100) / sampled;
    const timeout = this.config.getInt('timeout');
    if (timeout > 0) {
      const now = Date.now();
      for (const c of this.clients.values()) {
        if (c.isMaster || c.isReplica || c.blocked !== null || c.pubsubCount() > 0) continue;
        if (now - c.lastInteraction > timeout * 1000) {
          this.log.verbose(`Closing idle client id=${c.id}`);
          c.closeAfterReply();
        }
      }
    }
    if (!busy) for (const h of this.cronHooks) h();
    if (this.readyKeys.length > 0 && !busy) this.serveReadyKeys();
    this.flushAll();
  }

  /** client-output-buffer-limit, parsed once per change. */
  private outputLimits: OutputLimits;

  /**
   * client-output-buffer-limit for normal and pubsub clients (replica links are checked by
   * replication): what a client holds, the reply being built plus what its socket has not sent, is
   * checked after every command and every flush; a client over the hard limit, or over the soft limit
   * for longer than its seconds, is closed at once and nothing more is built for it, so a slow reader
   * cannot grow the server's memory without bound.
   */
  checkOutputLimit(c: Client): void {
    if (c.socket === null || c.closing) return;
    const l = c.pubsubCount() > 0 ? this.outputLimits.pubsub : this.outputLimits.normal;
    const used = c.out.length + c.socket.writableLength;
    if (used > CLIENT_EVICTION_CHECK_BYTES) {
      this.evictClients();
      if (c.closing) return;
    }
    if (l.hard === 0 && l.soft === 0) return;
    let over = l.hard > 0 && used > l.hard;
    if (!over && l.soft > 0 && used > l.soft) {
      const now = Date.now();
      if (c.softLimitSince === 0) c.softLimitSince = now;
      else if (now - c.softLimitSince > l.softSeconds * 1000) over = true;
    } else if (used <= l.soft) c.softLimitSince = 0;
    if (over) {
      this.log.warning(
        `Client id=${c.id} addr=${c.addr} scheduled to be closed ASAP for overcoming of output buffer limits.`,
      );
      c.closing = true;
      c.overLimit = true;
      c.out = '';
      this.toFlush.delete(c);
      c.socket.destroy();
    }
  }

  /**
   * maxmemory-clients (Redis 7.0's client eviction): while normal clients together hold more than the
   * limit, the one holding the most is closed (not the master link, replicas, or CLIENT NO-EVICT ones).
   * Run by the cron and whenever a client's unsent output grows.
   */
  evictClients(): void {
    const limit = this.memory.clientsLimit();
    if (limit === 0) return;
    let total = 0;
    const candidates: { c: Client; bytes: number }[] = [];
    for (const c of this.clients.values()) {
      if (c.isReplica || c.closing) continue;
      const bytes = clientBytes(c);
      total += bytes;
      if (!c.isMaster && !c.noEvict && c.socket !== null) candidates.push({ c, bytes });
    }
    if (total < limit) return;
    candidates.sort((a, b) => b.bytes - a.bytes);
    for (const { c, bytes } of candidates) {
      if (total < limit) break;
      this.log.verbose(`Evicting client: id=${c.id} addr=${c.addr} tot-mem=${bytes}`);
      this.evictedClients++;
      total -= bytes;
      c.closing = true;
      c.out = '';
      this.toFlush.delete(c);
      c.socket?.destroy();
    }
  }

  /** SHUTDOWN / SIGTERM: save as configured, close everything, exit the process. */
  async shutdown(save: boolean | null, reason: string): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.log.warning(`User requested shutdown... (${reason})`);
    for (const h of this.preShutdownHooks) await h();
    try {
      if (this.persistence !== null) await this.persistence.onShutdown(save);
    } catch (e) {
      this.shuttingDown = false;
      this.unpauseClients('shutdown');
      this.log.warning(`Error trying to save the DB, can't exit: ${(e as Error).message}`);
      throw e;
    }
    for (const h of this.shutdownHooks) await h(save);
    await this.close();
    this.log.warning('Redis is now ready to exit, bye bye...');
    process.exit(0);
  }

  async close(): Promise<void> {
    if (this.cron !== null) clearInterval(this.cron);
    for (const c of [...this.clients.values()]) {
      c.flush();
      c.socket?.destroy();
      this.removeClient(c);
    }
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    const sock = this.config.get('unixsocket');
    if (sock !== '' && fs.existsSync(sock)) fs.unlinkSync(sock);
  }
}

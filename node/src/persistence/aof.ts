// AofManager: Redis 7.0's multi-part append-only file for one server. Every write the server propagates
// is appended (RESP, SELECT when the db changes, `#TS:` with aof-timestamp-enabled) to the current
// incremental file, written before any reply leaves (a write is never acknowledged before it is in the
// file) and fsynced as appendfsync says: always (before the replies, once per event-loop turn for all
// clients), everysec (in the background, with Redis's postponed-write rule when an fsync is slow), no.
// BGREWRITEAOF (and the automatic rewrite) opens a new incremental file and writes a new base from a
// copy-on-write snapshot taken at that same moment, then switches the manifest atomically (temp file,
// rename, fsync of the directory) and removes the history files. Loading at start (the base, then each
// incremental file, a truncated tail handled by aof-load-truncated), CONFIG SET appendonly at runtime,
// INFO persistence's aof_* fields.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as R from '../protocol/reply.js';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { cmd, F_WRITE, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError } from '../store/errors.js';
import { loadRdbIntoDbs } from './rdb-load.js';
import type { RdbEncoder } from './snapshot.js';
import { scanAof } from './aof-scan.js';
import { fsyncInBackground } from './temp-files.js';
import { AofBuffer } from './aof-buffer.js';
import {
  baseName,
  emptyManifest,
  formatManifest,
  incrName,
  manifestName,
  nextBaseSeq,
  nextIncrSeq,
  parseManifest,
  type AofInfo,
  type AofManifest,
} from './aof-manifest.js';

/** What the AOF needs of the RDB side: one snapshot at a time, and the encoders. */
export interface AofSnapshots {
  /** Runs a snapshot of every db into `sink` through `encoder`; rejects if another one is running. */
  aofSnapshot(encoder: RdbEncoder, sink: (chunk: Buffer) => void): Promise<void>;
  /** The same, at once (the event loop waits): the base written at start. */
  aofSnapshotSync(encoder: RdbEncoder, sink: (chunk: Buffer) => void): void;
  /** Another snapshot (BGSAVE, a replica's full sync) is running. */
  busy(): boolean;
  /** An RDB encoder for an AOF base (aux aof-base 1, FUNCTION libraries included). */
  baseRdbEncoder(): RdbEncoder;
  /** A command encoder for an AOF base without the RDB preamble, or null where there is none. */
  baseCommandEncoder(): RdbEncoder | null;
  /** Called when a rewrite ends, so a BGSAVE scheduled behind it can start. */
  afterAofRewrite(): void;
}

type State = 'off' | 'on' | 'wait-rewrite';

/** A replication position: the data is exactly the history `replId` up to `offset`. */
export interface ReplPosition {
  replId: string;
  offset: number;
  /** The db the replication stream had selected there (an RDB's repl-stream-db). */
  streamDb: number;
}

/** What the AOF loaded at start. */
export interface AofLoad {
  loaded: boolean;
  /** The position of the loaded data (the last `#REPL:` annotation with no command after it), if known. */
  position: ReplPosition | null;
}

const REPL_ANNOTATION = 'REPL:';

const TEMP_PREFIX = 'temp-rewriteaof-bg-';
const DELAYED_FSYNC_MS = 2000;

export class AofManager {
  state: State = 'off';
  private manifest: AofManifest = emptyManifest();
  /** The incremental file being appended to. */
  private fd: number | null = null;
  private incr: AofInfo | null = null;
  private readonly buf = new AofBuffer();
  /** The buffer's last bytes are a `#REPL:` annotation. */
  private bufEndsAnnotated = false;
  /** appendfsync and aof-timestamp-enabled, read at every write: kept here, updated on CONFIG SET. */
  private policy: string;
  private timestamps: boolean;
  private flushQueued = false;
  private seldb = -1;
  private lastTs = 0;
  // fsync
  private fsyncInProgress = false;
  private lastFsync = Date.now();
  private writtenSinceFsync = false;
  private postponedSince = 0;
  private delayedFsyncs = 0;
  // sizes (aof_current_size, aof_base_size)
  private currentSize = 0;
  private baseSize = 0;
  // rewrite
  private rewriting: { startedAt: number; tmp: string; fd: number; cancelled: boolean } | null = null;
  private rewriteScheduled = false;
  private rewrites = 0;
  private consecutiveFailures = 0;
  private lastRewriteOk = true;
  private lastRewriteSecs = -1;
  private lastWriteError: string | null = null;
  /**
   * The node's replication position (set by node.ts). After each write of appended commands, tsredis
   * adds a `#REPL:<replid>:<offset>:<stream db>` annotation line (Redis and redis-check-aof skip `#` lines), so a
   * node restarted from its AOF knows which history its data is a prefix of, as an RDB's repl-id /
   * repl-offset AUX fields tell it: the operator then picks the node with the most data after a
   * whole-set outage, and replicas resume with a partial resync.
   */
  replPosition: () => ReplPosition | null = () => null;
  private annotated = '';
  /** The file ends with commands written after its last annotation. */
  private unannotated = false;

  constructor(
    private readonly server: Server,
    private readonly snapshots: AofSnapshots,
  ) {
    server.propagation.push((dbId, argv) => this.feed(dbId, argv));
    server.beforeReplies.push(() => this.flushBuffer(false));
    server.cronHooks.push(() => this.cron());
    server.refusalHooks.push((c, _spec, bits) => this.refusal(c, bits));
    this.policy = server.config.get('appendfsync');
    this.timestamps = server.config.getBool('aof-timestamp-enabled');
    server.config.onChange((name, value) => {
      if (name === 'appendonly') this.onAppendonlyChange(value === 'yes');
      else if (name === 'appendfsync') this.policy = value;
      else if (name === 'aof-timestamp-enabled') this.timestamps = value === 'yes';
    });
  }

  private cfg(name: string): string {
    return this.server.config.get(name);
  }

  get dir(): string {
    return path.join(this.cfg('dir'), this.cfg('appenddirname'));
  }

  private get prefix(): string {
    return this.cfg('appendfilename');
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  // ---- start ----

  /**
   * At start with appendonly yes: loads the AOF (Redis prefers it to the RDB, which is then not read),
   * or, when there is none, creates an empty base and the first incremental file. Returns whether a
   * dataset was loaded. Throws (the server does not start) on a file Redis would refuse.
   */
  loadAtStart(): AofLoad {
    this.removeTempFiles();
    this.readManifestIfAny();
    if (!this.server.config.getBool('appendonly')) return { loaded: false, position: null };
    const log = this.server.log;
    this.upgradeLegacyFile();
    let loaded = false;
    let position: ReplPosition | null = null;
    if (this.manifest.base !== null || this.manifest.incrs.length > 0) {
      position = this.loadFiles();
      loaded = true;
    }
    fs.mkdirSync(this.dir, { recursive: true });
    if (this.manifest.base === null) {
      const name = baseName(this.prefix, nextBaseSeq(this.manifest), this.preamble());
      log.notice(`Creating AOF base file ${name} on server start`);
      this.writeBaseSync(name);
      this.manifest.base = { name, seq: nextBaseSeq(this.manifest), type: 'b' };
    }
    this.deleteHistorySync();
    const last = this.manifest.incrs[this.manifest.incrs.length - 1];
    if (last === undefined) {
      const incr: AofInfo = {
        name: incrName(this.prefix, nextIncrSeq(this.manifest)),
        seq: nextIncrSeq(this.manifest),
        type: 'i',
      };
      log.notice(`Creating AOF incr file ${incr.name} on server start`);
      this.manifest.incrs.push(incr);
      this.openIncr(incr, true);
    } else {
      log.notice(`Opening AOF incr file ${last.name} on server start`);
      this.openIncr(last, false);
    }
    this.persistManifest();
    this.state = 'on';
    this.measureSizes();
    this.baseSize = this.currentSize;
    return { loaded, position };
  }

  /**
   * A single-file AOF from before Redis 7.0 (`dir/appendfilename`, no manifest) becomes the base of a
   * multi-part one, as Redis upgrades it: moved into appenddirname and named in a new manifest.
   */
  private upgradeLegacyFile(): void {
    const legacy = path.join(this.cfg('dir'), this.prefix);
    if (this.manifest.base !== null || this.manifest.incrs.length > 0 || !fs.existsSync(legacy)) return;
    fs.mkdirSync(this.dir, { recursive: true });
    fs.renameSync(legacy, this.file(this.prefix));
    this.manifest = { base: { name: this.prefix, seq: 1, type: 'b' }, incrs: [], history: [] };
    this.persistManifest();
    this.server.log.notice(
      `Successfully migrated an old-style AOF into the AOF directory ${this.cfg('appenddirname')}.`,
    );
  }

  private preamble(): boolean {
    return this.server.config.getBool('aof-use-rdb-preamble') || this.snapshots.baseCommandEncoder() === null;
  }

  private readManifestIfAny(): void {
    const f = this.file(manifestName(this.prefix));
    if (!fs.existsSync(f)) {
      this.manifest = emptyManifest();
      return;
    }
    try {
      this.manifest = parseManifest(fs.readFileSync(f, 'latin1'));
    } catch (e) {
      throw new Error(`Can't load the AOF manifest ${f}: ${(e as Error).message}`);
    }
  }

  private removeTempFiles(): void {
    if (!fs.existsSync(this.dir)) return;
    for (const n of fs.readdirSync(this.dir)) {
      if (
        n.startsWith(TEMP_PREFIX) ||
        n === `temp-${manifestName(this.prefix)}` ||
        n === this.tempIncrName()
      ) {
        fs.rmSync(this.file(n), { force: true });
        this.server.log.notice(`Removed stale temporary AOF file ${n}`);
      }
    }
  }

  /** Loads the base and then every incremental file, in the manifest's order; returns the position. */
  private loadFiles(): ReplPosition | null {
    const s = this.server;
    const log = s.log;
    const started = Date.now();
    for (const db of s.dbs) db.flush();
    const files: AofInfo[] = [
      ...(this.manifest.base !== null ? [this.manifest.base] : []),
      ...this.manifest.incrs,
    ];
    const track = { position: null as ReplPosition | null };
    const client = s.addClient(null);
    client.isMaster = true;
    client.silent = true;
    client.authenticated = true;
    s.propagationMuted = true;
    try {
      files.forEach((ai, idx) => {
        const t = Date.now();
        this.loadOne(ai, client, idx === files.length - 1, track);
        const kind = ai.type === 'b' ? 'base' : 'incr';
        log.notice(`DB loaded from ${kind} file ${ai.name}: ${((Date.now() - t) / 1000).toFixed(3)} seconds`);
      });
    } finally {
      s.propagationMuted = false;
      s.removeClient(client);
    }
    log.notice(`DB loaded from append only file: ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
    return track.position;
  }

  private loadOne(
    ai: AofInfo,
    client: Client,
    last: boolean,
    track: { position: ReplPosition | null },
  ): void {
    const s = this.server;
    const f = this.file(ai.name);
    if (!fs.existsSync(f)) throw new Error(`The AOF file ${ai.name} doesn't exist`);
    const buf = fs.readFileSync(f);
    let start = 0;
    if (buf.length >= 5 && buf.toString('latin1', 0, 5) === 'REDIS') {
      s.log.notice('Reading RDB base file on AOF loading...');
      const aux = loadRdbIntoDbs(buf, s.dbs, Date.now(), !s.replicaMode);
      s.restoreFunctions(aux.functions);
      s.log.notice(`Done loading RDB, keys loaded: ${aux.keysLoaded}, keys expired: ${aux.keysExpired}.`);
      // A legacy single-file AOF may go on with commands after its preamble; a multi-part base does not.
      start = aux.bytesRead ?? buf.length;
    }
    client.db = s.dbs[0];
    if (start > 0) track.position = null; // RDB data: no position unless an annotation follows
    const r = scanAof(
      buf,
      start,
      (argv) => {
        track.position = null; // a command after the last annotation: the position is not known
        s.processCommand(client, argv);
      },
      (text) => {
        if (!text.startsWith(REPL_ANNOTATION)) return;
        const [id, off, db] = text.slice(REPL_ANNOTATION.length).split(':');
        const offset = Number(off);
        const streamDb = Number(db);
        if (/^[0-9a-f]{40}$/.test(id) && Number.isSafeInteger(offset) && Number.isInteger(streamDb))
          track.position = { replId: id, offset, streamDb };
      },
    );
    if (r.end === 'ok') return;
    const help = 'make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>';
    if (r.end === 'bad-format') {
      throw new Error(`Bad file format reading the append only file ${ai.name}: ${help}`);
    }
    if (r.openMulti) s.log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${ai.name}`);
    if (!last || !s.config.getBool('aof-load-truncated')) {
      throw new Error(
        `Unexpected end of file reading the append only file ${ai.name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
      );
    }
    s.log.warning(`!!! Warning: short read while loading the AOF file ${ai.name}!!!`);
    s.log.warning(`!!! Truncating the AOF ${ai.name} at offset ${r.validUpTo} !!!`);
    fs.truncateSync(f, r.validUpTo);
    s.log.warning(`AOF ${ai.name} loaded anyway because aof-load-truncated is enabled`);
  }

  // ---- appending ----

  /** annotate: the new file starts with the current position (a rewrite: the base's data is that). */
  private openIncr(ai: AofInfo, create: boolean, annotate = false): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file(ai.name), create ? 'w' : 'a');
    this.incr = ai;
    this.seldb = -1;
    this.annotated = '';
    this.unannotated = false;
    if (!annotate) return;
    this.annotate(true);
    if (this.buf.length > 0 && !this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flushBuffer(false));
    }
  }

  private feed(dbId: number, argv: string[]): void {
    if (this.state === 'off' || this.fd === null) return;
    if (this.timestamps) {
      const now = Math.floor(Date.now() / 1000);
      if (now !== this.lastTs) {
        this.buf.appendRaw(`#TS:${now}\r\n`);
        this.lastTs = now;
      }
    }
    if (dbId !== this.seldb) {
      this.buf.appendRaw(R.command(['SELECT', String(dbId)]));
      this.seldb = dbId;
    }
    this.buf.appendCommand(argv);
    this.bufEndsAnnotated = false;
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flushBuffer(false));
    }
  }

  /**
   * Writes the buffer to the incremental file (before any reply goes out: beforeReplies) and, with
   * appendfsync always, fsyncs it. force: write even while a background fsync is slow.
   */
  flushBuffer(force: boolean): void {
    this.flushQueued = false;
    if (this.fd === null) return;
    // Commands written in the middle of another command (unannotated) get their annotation on the next
    // flush outside one, even when nothing new was appended.
    if (this.unannotated && this.server.currentClient === null) this.annotate();
    if (this.buf.length === 0) return;
    const policy = this.policy;
    if (policy === 'everysec' && this.fsyncInProgress && !force) {
      // Redis's rule: a write behind a slow fsync would block; wait up to 2 s, then write anyway.
      const now = Date.now();
      if (this.postponedSince === 0) {
        this.postponedSince = now;
        this.retryLater();
        return;
      }
      if (now - this.postponedSince < DELAYED_FSYNC_MS) {
        this.retryLater();
        return;
      }
      this.delayedFsyncs++;
      this.server.log.notice(
        'Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.',
      );
    }
    this.postponedSince = 0;
    this.annotate();
    const data = this.buf.bytes();
    try {
      let off = 0;
      while (off < data.length) off += fs.writeSync(this.fd, data, off);
    } catch (e) {
      this.writeFailed(e as NodeJS.ErrnoException, policy);
      return;
    }
    if (this.lastWriteError !== null) {
      this.server.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteError = null;
    }
    this.currentSize += data.length;
    this.buf.clear();
    this.writtenSinceFsync = true;
    this.unannotated = !this.bufEndsAnnotated && this.replPosition() !== null;
    if (this.unannotated && !this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flushBuffer(false));
    }
    if (policy === 'always' && !this.fsyncHeldByRewrite()) {
      try {
        fs.fdatasyncSync(this.fd);
      } catch (e) {
        this.writeFailed(e as NodeJS.ErrnoException, policy);
        return;
      }
      this.writtenSinceFsync = false;
      this.lastFsync = Date.now();
    }
  }

  /**
   * Appends `#REPL:<replid>:<offset>:<stream db>` after the buffered commands when the position moved. Not while a
   * command runs (a flush of another client's reply in the middle of it): its effects may be buffered
   * before the offset counts them; the next flush annotates.
   */
  private annotate(force = false): void {
    if (this.server.currentClient !== null && !force) return;
    const p = this.replPosition();
    if (p === null) return;
    const line = `#${REPL_ANNOTATION}${p.replId}:${p.offset}:${p.streamDb}\r\n`;
    // The same position again only when commands were written after the last annotation: a flush
    // that repeated it for nothing cost a second write (and, with always, a second fsync) per turn.
    if (line === this.annotated && this.bufEndsAnnotated) return;
    this.annotated = line;
    this.buf.appendRaw(line);
    this.bufEndsAnnotated = true;
  }

  private retryTimer: NodeJS.Timeout | null = null;

  private retryLater(): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.flushBuffer(false);
    }, 100);
  }

  private writeFailed(e: NodeJS.ErrnoException, policy: string): void {
    const msg = e.message;
    if (policy === 'always') {
      this.server.log.warning(
        `Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...: ${msg}`,
      );
      process.exit(1);
    }
    if (this.lastWriteError === null) this.server.log.warning(`Error writing to the AOF file: ${msg}`);
    this.lastWriteError = e.code !== undefined ? `${msg}` : msg;
    this.retryLater();
  }

  /** no-appendfsync-on-rewrite: no fsync while a rewrite runs. */
  private fsyncHeldByRewrite(): boolean {
    return this.rewriting !== null && this.server.config.getBool('no-appendfsync-on-rewrite');
  }

  /** Writes refused while the AOF cannot be written, as Redis's MISCONF for AOF errors. */
  private refusal(c: Client, bits: number): string | null {
    if (this.lastWriteError === null || c.isMaster || (bits & F_WRITE) === 0) return null;
    return `MISCONF Errors writing to the AOF file: ${this.lastWriteError}`;
  }

  /**
   * A replica's full sync: the AOF is closed while the new dataset loads (the files keep the old one,
   * consistent) and turned on again once it is loaded, writing a base of it, as Redis's
   * restartAOFAfterSYNC. A sync that failed leaves it off until one succeeds (or the node is promoted).
   */
  onFullSyncLoad(phase: 'start' | 'done' | 'aborted'): void {
    if (phase === 'start') {
      this.replicaLoading = true;
      if (this.state !== 'off') {
        this.server.log.notice('Stopping the AOF while the dataset of a full sync loads');
        this.stop();
      }
      return;
    }
    this.replicaLoading = phase === 'aborted' && this.server.replicaMode;
    if (phase === 'done' && this.server.config.getBool('appendonly') && this.state === 'off') this.start();
  }

  private replicaLoading = false;

  private cron(): void {
    // appendonly yes but off (a failed full sync, then a promotion): turn it back on with a new base.
    if (this.state === 'off' && !this.replicaLoading && this.server.config.getBool('appendonly')) {
      this.start();
      return;
    }
    if (this.state === 'off') return;
    const now = Date.now();
    if (
      this.policy === 'everysec' &&
      this.writtenSinceFsync &&
      !this.fsyncInProgress &&
      now - this.lastFsync >= 1000 &&
      !this.fsyncHeldByRewrite() &&
      this.fd !== null
    ) {
      this.fsyncInProgress = true;
      this.writtenSinceFsync = false;
      const fd = this.fd;
      fs.fdatasync(fd, () => {
        this.fsyncInProgress = false;
        this.lastFsync = Date.now();
      });
    }
    if (this.rewriteScheduled && this.rewriting === null && !this.snapshots.busy()) {
      this.rewriteScheduled = false;
      this.startRewrite();
      return;
    }
    this.autoRewrite();
  }

  private autoRewrite(): void {
    if (this.state !== 'on' || this.rewriting !== null || this.snapshots.busy()) return;
    const perc = this.server.config.getInt('auto-aof-rewrite-percentage');
    const min = this.server.config.getInt('auto-aof-rewrite-min-size');
    if (perc === 0 || this.currentSize <= min) return;
    const base = this.baseSize > 0 ? this.baseSize : 1;
    const growth = Math.floor(((this.currentSize - base) * 100) / base);
    if (growth < perc) return;
    this.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
    this.startRewrite();
  }

  // ---- rewrite ----

  /** BGREWRITEAOF. */
  bgrewrite(): string {
    if (this.rewriting !== null) {
      throw new RedisError('ERR Background append only file rewriting already in progress');
    }
    if (this.snapshots.busy()) {
      this.rewriteScheduled = true;
      return 'Background append only file rewriting scheduled';
    }
    this.startRewrite();
    return 'Background append only file rewriting started';
  }

  private startRewrite(): void {
    const log = this.server.log;
    fs.mkdirSync(this.dir, { recursive: true });
    // The new incremental file starts at the snapshot's point in time: appendonly on, a new one listed in
    // the manifest at once; being turned on, a temporary one named when the base is done; off, none.
    let incr: AofInfo | null = null;
    let tempIncr: string | null = null;
    if (this.state === 'on') {
      this.flushBuffer(true);
      this.retireIncrFile();
      const seq = Math.max(nextIncrSeq(this.manifest), (this.incr?.seq ?? 0) + 1);
      incr = { name: incrName(this.prefix, seq), seq, type: 'i' };
      this.openIncr(incr, true, true);
      this.manifest.incrs.push(incr);
      this.persistManifest();
      log.notice(`Creating AOF incr file ${incr.name} on background rewrite`);
    } else if (this.state === 'wait-rewrite') {
      tempIncr = this.tempIncrName();
      this.buf.clear();
      this.openIncr({ name: tempIncr, seq: 0, type: 'i' }, true, true);
      log.notice(`Creating AOF incr file ${tempIncr} on background rewrite`);
    }
    const tmp = this.file(`${TEMP_PREFIX}${process.pid}.aof`);
    const fd = fs.openSync(tmp, 'w');
    const job = { startedAt: Date.now(), tmp, fd, cancelled: false };
    this.rewriting = job;
    const rdb = this.preamble();
    const encoder = rdb ? this.snapshots.baseRdbEncoder() : this.snapshots.baseCommandEncoder();
    if (encoder === null) throw new Error('no AOF base encoder');
    log.notice('Background append only file rewriting started');
    const done = this.snapshots.aofSnapshot(encoder, (chunk) => fs.writeSync(fd, chunk));
    done
      .then(() => fsyncInBackground(fd))
      .then(() => {
        if (job.cancelled) throw new Error('rewrite cancelled');
        fs.closeSync(fd);
        return this.finishRewrite(job.tmp, incr, tempIncr, rdb);
      })
      .then(() => {
        this.lastRewriteOk = true;
        this.consecutiveFailures = 0;
        this.rewrites++;
        log.notice('Background AOF rewrite finished successfully');
      })
      .catch((e: Error) => {
        try {
          fs.closeSync(fd);
        } catch {
          // already closed
        }
        fs.rmSync(tmp, { force: true });
        this.lastRewriteOk = false;
        this.consecutiveFailures++;
        if (!job.cancelled) log.warning(`Background AOF rewrite terminated with error: ${e.message}`);
        // Turning appendonly on waits for a base: try again.
        if (this.state === 'wait-rewrite' && !job.cancelled) this.rewriteScheduled = true;
      })
      .finally(() => {
        this.lastRewriteSecs = Math.round((Date.now() - job.startedAt) / 1000);
        if (this.rewriting === job) this.rewriting = null;
        this.snapshots.afterAofRewrite();
      });
  }

  /**
   * The incremental file being left for a new one: fsynced and closed on the thread pool, as Redis's
   * aof_background_fsync_and_close does (its fsync would otherwise stall every client at the start of
   * a rewrite). The new manifest still lists it; with always, its data is already on disk.
   */
  private retireIncrFile(): void {
    const fd = this.fd;
    if (fd === null) return;
    this.fd = null;
    fsyncInBackground(fd)
      .catch((e: Error) => this.server.log.warning(`Error fsyncing the old AOF incr file: ${e.message}`))
      .finally(() => fs.close(fd, () => undefined));
  }

  private tempIncrName(): string {
    return `temp-${this.prefix}.incr`;
  }

  /** Switches to the new base (and incr file); resolves once the history files are removed. */
  private finishRewrite(
    tmp: string,
    incr: AofInfo | null,
    tempIncr: string | null,
    rdb: boolean,
  ): Promise<void> {
    const log = this.server.log;
    log.notice('Background AOF rewrite terminated with success');
    const m = this.manifest;
    const seq = nextBaseSeq(m);
    const name = baseName(this.prefix, seq, rdb);
    fs.renameSync(tmp, this.file(name));
    log.notice(`Successfully renamed the temporary AOF base file ${path.basename(tmp)} into ${name}`);
    if (tempIncr !== null) {
      const iseq = nextIncrSeq(m);
      incr = { name: incrName(this.prefix, iseq), seq: iseq, type: 'i' };
      fs.renameSync(this.file(tempIncr), this.file(incr.name));
      this.incr = incr; // the open descriptor follows the rename
      log.notice(`Successfully renamed the temporary AOF incr file ${tempIncr} into ${incr.name}`);
    }
    const history: AofInfo[] = [...m.history];
    if (m.base !== null) history.push({ ...m.base, type: 'h' });
    for (const i of m.incrs) if (i.name !== incr?.name) history.push({ ...i, type: 'h' });
    this.manifest = { base: { name, seq, type: 'b' }, incrs: incr !== null ? [incr] : [], history };
    this.persistManifest();
    if (this.state === 'wait-rewrite') {
      this.state = 'on';
      log.notice('AOF rewrite done: appendonly is on');
    }
    this.measureSizes();
    this.baseSize = this.currentSize;
    return this.deleteHistoryInBackground();
  }

  /** The history files to remove now (none with aof-disable-auto-gc yes, which keeps them listed). */
  private historyToRemove(): string[] {
    if (this.server.config.getBool('aof-disable-auto-gc')) return [];
    return this.manifest.history.map((h) => h.name);
  }

  /** At start, before any client is served: the history files removed, the manifest saying so. */
  private deleteHistorySync(): void {
    const names = this.historyToRemove();
    if (names.length === 0) return;
    for (const n of names) {
      this.server.log.notice(`Removing the history file ${n}`);
      fs.rmSync(this.file(n), { force: true });
    }
    this.forgetHistory(names);
  }

  /**
   * After a rewrite: the history files removed on the thread pool (unlinking a large base takes
   * milliseconds that would stall every client), then dropped from the manifest. A crash in between
   * leaves history entries naming missing files, which loading ignores as Redis does.
   */
  private async deleteHistoryInBackground(): Promise<void> {
    const names = this.historyToRemove();
    if (names.length === 0) return;
    const removed: string[] = [];
    await Promise.all(
      names.map(async (n) => {
        this.server.log.notice(`Removing the history file ${n} in the background`);
        try {
          await fs.promises.rm(this.file(n), { force: true });
          removed.push(n);
        } catch (e) {
          this.server.log.warning(`Can't remove the history file ${n}: ${(e as Error).message}`);
        }
      }),
    );
    this.forgetHistory(removed);
  }

  private forgetHistory(names: string[]): void {
    if (names.length === 0) return;
    this.manifest.history = this.manifest.history.filter((h) => !names.includes(h.name));
    this.persistManifest();
  }

  /** Writes the manifest by temp file + fsync + rename + fsync of the directory. */
  private persistManifest(): void {
    const final = this.file(manifestName(this.prefix));
    const tmp = this.file(`temp-${manifestName(this.prefix)}`);
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, formatManifest(this.manifest), null, 'latin1');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, final);
    const dfd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  }

  /** A base written synchronously (at start, when there is no AOF yet). */
  private writeBaseSync(name: string): void {
    const rdb = name.endsWith('.rdb');
    const encoder = rdb ? this.snapshots.baseRdbEncoder() : this.snapshots.baseCommandEncoder();
    if (encoder === null) throw new Error('no AOF base encoder');
    const tmp = this.file(`${TEMP_PREFIX}${process.pid}.aof`);
    const fd = fs.openSync(tmp, 'w');
    try {
      this.snapshots.aofSnapshotSync(encoder, (chunk) => fs.writeSync(fd, chunk));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file(name));
  }

  private measureSizes(): void {
    let n = 0;
    const m = this.manifest;
    for (const ai of [...(m.base !== null ? [m.base] : []), ...m.incrs]) {
      try {
        n += fs.statSync(this.file(ai.name)).size;
      } catch {
        // a file being created
      }
    }
    this.currentSize = n;
  }

  // ---- CONFIG SET appendonly ----

  private onAppendonlyChange(on: boolean): void {
    if (on && this.state === 'off') this.start();
    else if (!on && this.state !== 'off') this.stop();
  }

  /** appendonly yes at runtime: a base is written (behind a running snapshot, once it ends). */
  private start(): void {
    this.readManifestIfAny();
    this.state = 'wait-rewrite';
    if (this.rewriting !== null || this.snapshots.busy()) this.rewriteScheduled = true;
    else this.startRewrite();
  }

  /** appendonly no: the buffer is written and fsynced, the file closed; the files stay. */
  private stop(): void {
    this.flushBuffer(true);
    if (this.fd !== null) {
      fs.fdatasyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
    }
    if (this.rewriting !== null) {
      this.rewriting.cancelled = true;
      this.server.log.notice('Killing running AOF rewrite child');
    }
    this.state = 'off';
    this.incr = null;
    this.rewriteScheduled = false;
  }

  /** SHUTDOWN: the buffer written and fsynced; a running rewrite dropped. */
  onShutdown(): void {
    if (this.rewriting !== null) {
      this.server.log.warning('There is a child rewriting the AOF. Killing it!');
      this.rewriting.cancelled = true;
      fs.rmSync(this.rewriting.tmp, { force: true });
    }
    if (this.state === 'off' || this.fd === null) return;
    this.server.log.notice('Calling fsync() on the AOF file.');
    this.flushBuffer(true);
    fs.fdatasyncSync(this.fd);
  }

  // ---- INFO ----

  infoLines(): string[] {
    const lines = [
      `aof_enabled:${this.state === 'off' ? 0 : 1}`,
      `aof_rewrite_in_progress:${this.rewriting !== null ? 1 : 0}`,
      `aof_rewrite_scheduled:${this.rewriteScheduled ? 1 : 0}`,
      `aof_last_rewrite_time_sec:${this.lastRewriteSecs}`,
      `aof_current_rewrite_time_sec:${this.rewriting !== null ? Math.round((Date.now() - this.rewriting.startedAt) / 1000) : -1}`,
      `aof_last_bgrewrite_status:${this.lastRewriteOk ? 'ok' : 'err'}`,
      `aof_rewrites:${this.rewrites}`,
      `aof_rewrites_consecutive_failures:${this.consecutiveFailures}`,
      `aof_last_write_status:${this.lastWriteError === null ? 'ok' : 'err'}`,
      'aof_last_cow_size:0',
    ];
    if (this.state !== 'off') {
      lines.push(
        `aof_current_size:${this.currentSize}`,
        `aof_base_size:${this.baseSize}`,
        `aof_pending_rewrite:${this.rewriteScheduled ? 1 : 0}`,
        `aof_buffer_length:${this.buf.length}`,
        `aof_pending_bio_fsync:${this.fsyncInProgress ? 1 : 0}`,
        `aof_delayed_fsync:${this.delayedFsyncs}`,
      );
    }
    return lines;
  }

  commands(): CommandSpec[] {
    const bgrewriteaof = (c: Ctx): void => c.simple(this.bgrewrite());
    return [cmd('bgrewriteaof', 1, ['admin', 'noscript'], [0, 0, 0], 'server', bgrewriteaof)];
  }
}

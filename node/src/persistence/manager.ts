// PersistenceManager: RDB files for one server — load at start, SAVE (synchronous), BGSAVE (a
// copy-on-write Snapshot written in slices to a temp file, then fsync + rename), save points from the
// `save` config, save on shutdown, INFO persistence, DEBUG RELOAD, and point-in-time snapshots streamed
// to replicas.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncInBackground, removeStaleTempRdbFiles } from './temp-files.js';
import type { Server, PersistenceControl } from '../server/server.js';
import { Snapshot, type RdbEncoder } from './snapshot.js';
import { RdbWriter } from './rdb-writer.js';
import { dbLoader, loadRdbIntoDbs, type LoadedAux } from './rdb-load.js';
import { RdbStreamReader } from './rdb-reader.js';
import { RedisError } from '../store/errors.js';
import { F_WRITE } from '../server/command.js';

const MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

export interface ReplAux {
  replId: string;
  replOffset: number;
  streamDb: number;
}

export class PersistenceManager implements PersistenceControl {
  lastSave = Math.floor(Date.now() / 1000);
  private lastSaveMs = Date.now();
  private dirtyAtLastSave = 0;
  private running: Snapshot | null = null;
  private runningKind: 'bgsave' | 'replication' | 'aof' | null = null;
  private scheduled = false;
  private lastBgsaveOk = true;
  /** Successful saves since start (rdb_saves). */
  private saves = 0;
  /** What the last RDB load loaded and left out as expired (rdb_last_load_keys_*). */
  private lastLoad = { loaded: 0, expired: 0 };
  private lastBgsaveSecs = -1;
  private bgsaveStartedAt = 0;
  /** Longest event-loop slice of the last BGSAVE, in ms. */
  lastLongestSliceMs = 0;
  /** A replica's full sync replaces the dataset outside the command stream (the AOF stops meanwhile). */
  fullSyncLoad: (phase: 'start' | 'done' | 'aborted') => void = () => undefined;
  /** INFO persistence's aof_* fields (the AOF manager replaces it). */
  aofInfo: () => string[] = () => [];
  /** Where the replication ID/offset for the RDB aux fields come from (set by replication). */
  replAux: () => ReplAux | null = () => null;

  constructor(private readonly server: Server) {
    server.cronHooks.push(() => this.cron());
    server.refusalHooks.push((c, spec, bits) =>
      (!c.isMaster && (bits & F_WRITE) !== 0) || spec.name === 'ping' ? this.misconf() : null,
    );
  }

  /**
   * stop-writes-on-bgsave-error: a master with save points whose last BGSAVE failed refuses writes (and
   * PING, so a health check notices), as Redis does, until a save succeeds or save points are removed.
   */
  writeRefusal(): string | null {
    return this.misconf();
  }

  private misconf(): string | null {
    if (
      this.lastBgsaveOk ||
      this.server.replicaMode ||
      !this.server.config.getBool('stop-writes-on-bgsave-error')
    )
      return null;
    if (this.savePoints().length === 0) return null;
    return MISCONF;
  }

  get file(): string {
    return path.join(this.server.config.get('dir'), this.server.config.get('dbfilename'));
  }

  private encoder(): RdbWriter {
    const aux = this.replAux();
    return new RdbWriter({
      compress: this.server.config.getBool('rdbcompression'),
      checksum: this.server.config.getBool('rdbchecksum'),
      replId: aux?.replId,
      replOffset: aux?.replOffset,
      replStreamDb: aux?.streamDb,
      functions: this.server.functionLibraries(),
    });
  }

  /** Loads the configured RDB file if it exists; returns its aux replication fields. */
  loadAtStart(): LoadedAux | null {
    for (const n of removeStaleTempRdbFiles(this.server.config.get('dir')))
      this.server.log.notice(`Removed stale temporary RDB file ${n}`);
    const f = this.file;
    if (!fs.existsSync(f)) return null;
    const start = Date.now();
    const r = this.loadFile(f);
    let keys = 0;
    for (const db of this.server.dbs) keys += db.size;
    this.server.log.notice(
      `DB loaded from disk: ${((Date.now() - start) / 1000).toFixed(3)} seconds (${keys} keys)`,
    );
    return r;
  }

  /** Replaces every database with the content of an RDB file. */
  loadFile(file: string): LoadedAux {
    const buf = fs.readFileSync(file);
    for (const db of this.server.dbs) db.flush();
    const aux = loadRdbIntoDbs(buf, this.server.dbs, Date.now(), !this.server.replicaMode);
    this.lastLoad = { loaded: aux.keysLoaded, expired: aux.keysExpired };
    this.server.restoreFunctions(aux.functions);
    this.dirtyAtLastSave = this.server.dirty;
    return aux;
  }

  /**
   * Starts loading an RDB that arrives in pieces (a replica's full sync): the databases are emptied
   * now and filled record by record as feed() gets bytes; finish() checks the end and returns the aux.
   */
  startStreamLoad(): { feed(chunk: Buffer): void; finish(): LoadedAux; abort(): void } {
    this.fullSyncLoad('start');
    for (const db of this.server.dbs) db.flush();
    const { visitor, aux } = dbLoader(this.server.dbs, Date.now(), !this.server.replicaMode);
    const reader = new RdbStreamReader(visitor);
    return {
      feed: (chunk) => reader.feed(chunk),
      finish: () => {
        reader.finish();
        this.lastLoad = { loaded: aux.keysLoaded, expired: aux.keysExpired };
        this.server.restoreFunctions(aux.functions);
        this.dirtyAtLastSave = this.server.dirty;
        this.fullSyncLoad('done');
        return aux;
      },
      abort: () => {
        for (const db of this.server.dbs) db.flush();
        this.fullSyncLoad('aborted');
      },
    };
  }

  bgsaveInProgress(): boolean {
    return this.running !== null && this.runningKind === 'bgsave';
  }

  busy(): boolean {
    return this.running !== null;
  }

  private startSnapshot(sink: (chunk: Buffer) => void, enc: RdbEncoder = this.encoder()): Snapshot {
    return new Snapshot(
      this.server.dbs.map((d) => d.ks),
      enc,
      sink,
      { sliceMs: 2 },
    );
  }

  /** The AOF rewrite's snapshot (Redis's AOF child): one snapshot at a time, as Redis has one child. */
  async aofSnapshot(encoder: RdbEncoder, sink: (chunk: Buffer) => void): Promise<void> {
    if (this.running !== null) throw new Error('a snapshot is already running');
    const snap = this.startSnapshot(sink, encoder);
    this.running = snap;
    this.runningKind = 'aof';
    try {
      await snap.run();
    } finally {
      this.running = null;
      this.runningKind = null;
    }
  }

  aofSnapshotSync(encoder: RdbEncoder, sink: (chunk: Buffer) => void): void {
    if (this.running !== null) throw new Error('a snapshot is already running');
    this.startSnapshot(sink, encoder).runSync();
  }

  /** An AOF base in RDB form: AUX aof-base 1, the function libraries, no replication fields. */
  baseRdbEncoder(): RdbEncoder {
    return new RdbWriter({
      compress: this.server.config.getBool('rdbcompression'),
      checksum: this.server.config.getBool('rdbchecksum'),
      functions: this.server.functionLibraries(),
      aofBase: true,
    });
  }

  /** A BGSAVE scheduled while the AOF rewrite ran starts now. */
  afterAofRewrite(): void {
    if (this.scheduled && this.running === null) {
      this.scheduled = false;
      this.bgsave();
    }
  }

  /** The kind of snapshot running, as Redis's child types: 'rdb' (BGSAVE, replication), 'aof', null. */
  childKind(): 'rdb' | 'aof' | null {
    if (this.runningKind === null) return null;
    return this.runningKind === 'aof' ? 'aof' : 'rdb';
  }

  /** SAVE: a synchronous snapshot to the RDB file. */
  saveSync(): void {
    if (this.running !== null) throw new RedisError('ERR Background save already in progress');
    const dirtyBefore = this.server.dirty;
    this.writeFileAtomically((sink) => {
      const snap = this.startSnapshot(sink);
      snap.runSync();
    });
    this.saved(dirtyBefore);
    this.server.log.notice('DB saved on disk');
  }

  private writeFileAtomically(produce: (sink: (chunk: Buffer) => void) => void): void {
    const tmp = path.join(this.server.config.get('dir'), `temp-${process.pid}.rdb`);
    const fd = fs.openSync(tmp, 'w');
    try {
      produce((chunk) => {
        fs.writeSync(fd, chunk);
      });
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }

  private saved(dirtyBefore: number): void {
    this.lastBgsaveOk = true; // as Redis: any successful save lifts stop-writes-on-bgsave-error
    this.saves++;
    this.dirtyAtLastSave = dirtyBefore;
    this.lastSaveMs = Date.now();
    this.lastSave = Math.floor(this.lastSaveMs / 1000);
  }

  /** BGSAVE: the snapshot runs in slices; commands keep being served meanwhile. */
  bgsave(): void {
    if (this.runningKind === 'aof') {
      throw new RedisError(
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
      );
    }
    if (this.running !== null) throw new RedisError('ERR Background save already in progress');
    const dirtyBefore = this.server.dirty;
    const tmp = path.join(this.server.config.get('dir'), `temp-bg-${process.pid}.rdb`);
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      // Redis's child fails the same way after the parent said "started": the error is in the log and
      // INFO (rdb_last_bgsave_status:err), and stop-writes-on-bgsave-error applies.
      this.lastBgsaveOk = false;
      this.server.log.warning(
        `Failed opening the temp RDB file ${tmp} (in server root dir ${process.cwd()}) for saving: ${(e as Error).message}`,
      );
      return;
    }
    const snap = this.startSnapshot((chunk) => {
      fs.writeSync(fd, chunk);
    });
    this.running = snap;
    this.runningKind = 'bgsave';
    this.bgsaveStartedAt = Date.now();
    this.server.log.notice('Background saving started');
    snap
      .run()
      .then(() => fsyncInBackground(fd))
      .then(() => {
        // A shutdown's final SAVE may have replaced this BGSAVE meanwhile: its file must stay.
        if (this.running !== snap) throw new Error('cancelled');
        fs.closeSync(fd);
        fs.renameSync(tmp, this.file);
        this.saved(dirtyBefore);
        this.lastBgsaveOk = true;
        this.server.log.notice(
          `Background saving terminated with success (${snap.keysWritten} keys, ${snap.slices} slices, longest slice ${snap.longestSliceMs.toFixed(1)} ms)`,
        );
      })
      .catch((e: Error) => {
        try {
          fs.closeSync(fd);
        } catch {
          // already closed
        }
        fs.rmSync(tmp, { force: true });
        this.lastBgsaveOk = false;
        this.server.log.warning(`Background saving error: ${e.message}`);
      })
      .finally(() => {
        this.lastLongestSliceMs = snap.longestSliceMs;
        this.lastBgsaveSecs = Math.round((Date.now() - this.bgsaveStartedAt) / 1000);
        this.running = null;
        this.runningKind = null;
        if (this.scheduled) {
          this.scheduled = false;
          this.bgsave();
        }
      });
  }

  /** Resolves when the running BGSAVE (if any) ends. */
  async waitIdle(): Promise<void> {
    while (this.running !== null) await new Promise((r) => setTimeout(r, 5));
  }

  scheduleBgsave(): void {
    this.scheduled = true;
  }

  /** A point-in-time snapshot streamed to replicas (replication's SnapshotSource). */
  async stream(sink: (chunk: Buffer) => void, paused: () => boolean): Promise<void> {
    if (this.running !== null) throw new Error('a snapshot is already running');
    const snap = this.startSnapshot(sink);
    this.running = snap;
    this.runningKind = 'replication';
    try {
      await snap.run(paused);
    } finally {
      this.running = null;
      this.runningKind = null;
    }
  }

  async debugReload(): Promise<void> {
    await this.waitIdle();
    this.saveSync();
    this.loadFile(this.file);
  }

  afterFlushAll(): void {
    // Like Redis: FLUSHALL with save points configured rewrites the RDB so the flush persists.
    if (this.savePoints().length > 0 && this.running === null) this.saveSync();
  }

  private savePoints(): [number, number][] {
    const v = this.server.config.get('save').trim();
    if (v === '') return [];
    const parts = v.split(/\s+/).map(Number);
    const out: [number, number][] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) out.push([parts[i], parts[i + 1]]);
    return out;
  }

  private cron(): void {
    if (this.running !== null) return;
    const changes = this.server.dirty - this.dirtyAtLastSave;
    if (changes <= 0) return;
    const elapsed = (Date.now() - this.lastSaveMs) / 1000;
    for (const [secs, minChanges] of this.savePoints()) {
      if (changes >= minChanges && elapsed >= secs) {
        this.server.log.notice(`${minChanges} changes in ${secs} seconds. Saving...`);
        this.bgsave();
        return;
      }
    }
  }

  async onShutdown(save: boolean | null): Promise<void> {
    const want = save ?? this.savePoints().length > 0;
    if (this.running !== null) {
      this.running.cancel();
      await new Promise((r) => setImmediate(r));
    }
    if (!want) return;
    this.server.log.notice('Saving the final RDB snapshot before exiting.');
    this.running = null;
    this.saveSync();
  }

  infoLines(): string[] {
    const inProgress = this.bgsaveInProgress();
    return [
      'loading:0',
      'async_loading:0',
      `current_cow_peak:0`,
      `current_cow_size:0`,
      `current_cow_size_age:0`,
      `current_fork_perc:0.00`,
      `current_save_keys_processed:${this.running?.keysWritten ?? 0}`,
      `current_save_keys_total:0`,
      `rdb_changes_since_last_save:${Math.max(0, this.server.dirty - this.dirtyAtLastSave)}`,
      `rdb_bgsave_in_progress:${inProgress ? 1 : 0}`,
      `rdb_last_save_time:${this.lastSave}`,
      `rdb_last_bgsave_status:${this.lastBgsaveOk ? 'ok' : 'err'}`,
      `rdb_last_bgsave_time_sec:${this.lastBgsaveSecs}`,
      `rdb_current_bgsave_time_sec:${inProgress ? Math.round((Date.now() - this.bgsaveStartedAt) / 1000) : -1}`,
      `rdb_saves:${this.saves}`,
      `rdb_last_cow_size:0`,
      `rdb_last_load_keys_expired:${this.lastLoad.expired}`,
      `rdb_last_load_keys_loaded:${this.lastLoad.loaded}`,
      `rdb_last_bgsave_longest_slice_ms:${this.lastLongestSliceMs.toFixed(1)}`,
      ...this.aofInfo(),
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
    ];
  }
}

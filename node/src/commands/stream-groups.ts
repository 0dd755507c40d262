// Stream consumer groups as Redis 7.0.15 serves them: XGROUP (CREATE, SETID, DESTROY, CREATECONSUMER,
// DELCONSUMER, HELP), XREADGROUP (history, `>`, NOACK, blocking and the re-run that serves a blocked
// client), XACK, XPENDING, XCLAIM, XAUTOCLAIM and XINFO (STREAM [FULL], GROUPS, CONSUMERS, HELP), with
// Redis's replies, errors, keyspace events and replication: XREADGROUP, XCLAIM and XAUTOCLAIM propagate
// as the idempotent XCLAIM ... FORCE JUSTID LASTID / XGROUP SETID / XGROUP CREATECONSUMER Redis emits.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_NO_SUCH_KEY, ERR_SYNTAX } from '../store/errors.js';
import { RStream, type StreamEntry } from '../store/stream.js';
import {
  ConsumerGroup,
  ENTRIES_READ_UNKNOWN,
  type Consumer,
  type PendingEntry,
} from '../store/stream-group.js';
import { ID_MAX, formatId, idBytes, parseId, type StreamId } from '../store/stream-id.js';
import { NOTIFY_STREAM } from '../config/notify-classes.js';
import { argBigInt, getStream, parseIntStrict, replyHelp } from './util.js';
import { argIntervalId, argStreamId, parseXreadArgs, replyEntry, type XreadArgs } from './stream-util.js';

const ERR_XGROUP_NO_KEY =
  'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';
const ERR_DOLLAR_IN_XREADGROUP =
  'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.';
const ERR_UNBLOCKED_NO_KEY = 'UNBLOCKED the stream key no longer exists';
const ERR_UNBLOCKED_NO_GROUP = 'NOGROUP the consumer group this client was blocked on no longer exists';
/** What a blocked XREADGROUP is served at most per wake-up when it gave no COUNT (Redis's default). */
const BLOCKED_DEFAULT_COUNT = 1000;
/** XAUTOCLAIM scans at most COUNT times this many PEL entries. */
const AUTOCLAIM_ATTEMPTS_FACTOR = 10;
/** XAUTOCLAIM's COUNT bound: LONG_MAX / sizeof(streamID). */
const AUTOCLAIM_MAX_COUNT = 576460752303423487n;
/**
 * Redis allocates COUNT stream IDs (16 bytes each) for XAUTOCLAIM's deleted IDs up front and refuses
 * when that allocation fails; on a 64-bit Linux host with jemalloc that happens around 48 TiB.
 */
const AUTOCLAIM_ALLOC_LIMIT_COUNT = 3n << 40n;

// ---------------------------------------------------------------------------------------------------
// Shared: lookups, errors, changes, propagation

function noGroupError(key: string, group: string): RedisError {
  return new RedisError(`NOGROUP No such key '${key}' or consumer group '${group}'`);
}

function noSuchGroupForKey(key: string, group: string): RedisError {
  return new RedisError(`NOGROUP No such consumer group '${group}' for key name '${key}'`);
}

/** The stream and group of XACK-like commands (read lookup), or the NOGROUP error. */
function streamAndGroup(c: Ctx, key: string, group: string): { s: RStream; g: ConsumerGroup } {
  const s = getStream(c.db, key);
  const g = s?.groups.get(group);
  if (s === undefined || g === undefined) throw noGroupError(key, group);
  return { s, g };
}

/**
 * One command's in-place changes to stream keys: the value is announced to the snapshot writer before
 * its first change (lookupWrite), and each key whose change Redis counts (server.dirty) is signalled
 * once at the end as Redis counts it (dirty, so the dispatcher propagates the command) without signalling
 * the key: as in Redis, group changes leave WATCH and client tracking alone.
 */
class Changes {
  private readonly opened = new Set<string>();
  private readonly dirty = new Set<string>();
  constructor(private readonly c: Ctx) {}

  /** Before a change Redis does not count (a consumer's seen-time). */
  open(key: string): void {
    if (this.opened.has(key)) return;
    this.opened.add(key);
    this.c.db.lookupWrite(key);
  }

  /** Before a counted change. */
  mark(key: string): void {
    this.open(key);
    this.dirty.add(key);
  }

  done(): void {
    for (const k of this.dirty) this.c.db.changedQuietly(k);
  }
}

/** XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> FORCE JUSTID LASTID <last>. */
function xclaimArgv(key: string, group: string, g: ConsumerGroup, p: PendingEntry, id: string): string[] {
  return [
    'XCLAIM',
    key,
    group,
    p.consumer.name,
    '0',
    id,
    'TIME',
    String(p.deliveryTime),
    'RETRYCOUNT',
    String(p.deliveryCount),
    'FORCE',
    'JUSTID',
    'LASTID',
    formatId(g.lastId),
  ];
}

function setidArgv(key: string, group: string, g: ConsumerGroup): string[] {
  return ['XGROUP', 'SETID', key, group, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)];
}

/**
 * The named consumer, its seen-time refreshed, or a new one (announced, counted, and propagated as
 * XGROUP CREATECONSUMER when `propagate` is given: NOACK reads leave no XCLAIM that would create it).
 */
function lookupOrCreateConsumer(
  c: Ctx,
  ch: Changes,
  at: { key: string; group: string; g: ConsumerGroup },
  name: string,
  propagate: string[][] | null,
): Consumer {
  const found = at.g.consumers.get(name);
  if (found !== undefined) {
    ch.open(at.key);
    found.seenTime = c.now();
    return found;
  }
  ch.mark(at.key);
  const created = at.g.createConsumer(name, c.now()) as Consumer;
  c.notify(NOTIFY_STREAM, 'xgroup-createconsumer', at.key);
  propagate?.push(['XGROUP', 'CREATECONSUMER', at.key, at.group, name]);
  return created;
}

/** An int64 argument (getLongLongFromObjectOrReply) as a number, clamped to the safe range. */
function argInt64(s: string, message?: string): number {
  const n = argBigInt(s, message);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(n > max ? max : n < -max ? -max : n);
}

/** A strict ID (no `-` / `+`), or null when it does not parse. */
function strictId(s: string): StreamId | null {
  const p = parseId(s, 0n);
  return p === null ? null : p.id;
}

// ---------------------------------------------------------------------------------------------------
// XGROUP

interface XgroupOptions {
  mkstream: boolean;
  entriesRead: number;
}

/** CREATE / SETID options after the ID (MKSTREAM for CREATE, ENTRIESREAD), checked first as Redis does. */
function parseXgroupOptions(argv: string[], create: boolean): XgroupOptions {
  const o: XgroupOptions = { mkstream: false, entriesRead: ENTRIES_READ_UNKNOWN };
  const sub = argv[1];
  for (let i = 5; i < argv.length;) {
    const opt = argv[i].toUpperCase();
    if (create && opt === 'MKSTREAM') {
      o.mkstream = true;
      i++;
    } else if (opt === 'ENTRIESREAD' && i + 1 < argv.length) {
      const n = argBigInt(argv[i + 1]);
      if (n < 0n && n !== -1n) throw new RedisError('ERR value for ENTRIESREAD must be positive or -1');
      o.entriesRead = Number(n);
      i += 2;
    } else throw subcommandSyntax(sub);
  }
  return o;
}

function subcommandSyntax(sub: string): RedisError {
  return new RedisError(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try XGROUP HELP.`);
}

/** The stream of an XGROUP subcommand (write lookup), or Redis's missing-key error. */
function xgroupStream(c: Ctx, key: string, mkstream = false): RStream | undefined {
  const s = getStream(c.db, key, true);
  if (s === undefined && !mkstream) throw new RedisError(ERR_XGROUP_NO_KEY);
  return s;
}

/** The stream and group of SETID / CREATECONSUMER / DELCONSUMER. */
function xgroupTarget(c: Ctx, argv: string[]): { s: RStream; g: ConsumerGroup } {
  const s = xgroupStream(c, argv[2]) as RStream;
  const g = s.groups.get(argv[3]);
  if (g === undefined) throw noSuchGroupForKey(argv[2], argv[3]);
  return { s, g };
}

function xgroupCreate(c: Ctx, argv: string[]): void {
  const opts = parseXgroupOptions(argv, true);
  let s = xgroupStream(c, argv[2], opts.mkstream);
  if (argv.length > 8) throw subcommandSyntax(argv[1]);
  let id: StreamId;
  if (argv[4] === '$') id = s?.lastId ?? 0n;
  else id = argStreamId(argv[4], 0n, true);
  if (s === undefined) {
    s = new RStream();
    c.db.set(argv[2], s);
  }
  if (s.groups.has(argv[3])) throw new RedisError('BUSYGROUP Consumer Group name already exists');
  c.db.lookupWrite(argv[2]);
  s.groups.set(argv[3], new ConsumerGroup(id, opts.entriesRead));
  c.db.changedQuietly(argv[2]);
  c.ok();
  c.notify(NOTIFY_STREAM, 'xgroup-create', argv[2]);
}

function xgroupSetid(c: Ctx, argv: string[]): void {
  const opts = parseXgroupOptions(argv, false);
  const { s, g } = xgroupTarget(c, argv);
  if (argv.length !== 5 && argv.length !== 7) throw subcommandSyntax(argv[1]);
  const id = argv[4] === '$' ? s.lastId : argStreamId(argv[4]);
  c.db.lookupWrite(argv[2]);
  g.lastId = id;
  g.entriesRead = opts.entriesRead;
  c.db.changedQuietly(argv[2]);
  c.ok();
  c.notify(NOTIFY_STREAM, 'xgroup-setid', argv[2]);
}

function xgroupDestroy(c: Ctx, argv: string[]): void {
  const s = xgroupStream(c, argv[2]) as RStream;
  if (!s.groups.has(argv[3])) {
    c.int(0);
    return;
  }
  c.db.lookupWrite(argv[2]);
  s.groups.delete(argv[3]);
  c.db.changedQuietly(argv[2]);
  // What wakes an XREADGROUP blocked on this group (it is then told -NOGROUP).
  c.db.signalReady(argv[2]);
  c.int(1);
  c.notify(NOTIFY_STREAM, 'xgroup-destroy', argv[2]);
}

function xgroupCreateConsumer(c: Ctx, argv: string[]): void {
  const { g } = xgroupTarget(c, argv);
  if (g.consumers.has(argv[4])) {
    c.int(0);
    return;
  }
  c.db.lookupWrite(argv[2]);
  g.createConsumer(argv[4], c.now());
  c.db.changedQuietly(argv[2]);
  c.int(1);
  c.notify(NOTIFY_STREAM, 'xgroup-createconsumer', argv[2]);
}

function xgroupDelConsumer(c: Ctx, argv: string[]): void {
  const { g } = xgroupTarget(c, argv);
  const consumer = g.consumers.get(argv[4]);
  if (consumer === undefined) {
    c.int(0);
    return;
  }
  c.db.lookupWrite(argv[2]);
  const pending = g.deleteConsumer(consumer);
  c.db.changedQuietly(argv[2]);
  c.int(pending);
  c.notify(NOTIFY_STREAM, 'xgroup-delconsumer', argv[2]);
}

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

// ---------------------------------------------------------------------------------------------------
// XREADGROUP

/** One key of an XREADGROUP: its stream and group, and the history ID given (null for `>`). */
interface ReadTarget {
  key: string;
  s: RStream;
  g: ConsumerGroup;
  after: StreamId | null;
}

/** What one key served: its entries (null fields for a history entry that was deleted). */
interface Served {
  key: string;
  entries: { id: StreamId; fields: readonly string[] | null }[];
}

interface ReadRun {
  c: Ctx;
  ch: Changes;
  group: string;
  consumer: string;
  noack: boolean;
  count: number;
  propagate: string[][];
}

/**
 * What a blocked XREADGROUP saw of each key when it blocked. The dispatcher re-runs it whenever one of
 * its keys is touched; Redis serves it only on XADD, on a group destroyed and on the key deleted or
 * replaced, so a re-run that finds the same stream object, entry count and group blocks again.
 */
interface BlockSnapshot {
  s: RStream;
  entriesAdded: number;
  g: ConsumerGroup;
}
const blockedOn = new WeakMap<Ctx, Map<string, BlockSnapshot>>();

function xreadgroup(c: Ctx, argv: string[]): void {
  const a = parseXreadArgs(argv, true, c.inScript);
  const grp = a.group as { name: string; consumer: string };
  const woken = c.wokenBy();
  if (woken !== null) {
    serveWoken(c, a, grp, woken);
    return;
  }
  const targets = resolveTargets(c, a, grp.name);
  const run = newRun(c, grp, a.noack, a.count);
  const served: Served[] = [];
  for (const t of targets) {
    const out = serveTarget(run, t);
    if (out !== null) served.push(out);
  }
  run.ch.done();
  c.propagateAs(...run.propagate);
  if (served.length > 0) replyServed(c, served);
  else if (a.blockMs === null) c.nilArray();
  else blockFor(c, targets, a.blockMs);
}

function newRun(c: Ctx, grp: { name: string; consumer: string }, noack: boolean, count: number): ReadRun {
  return { c, ch: new Changes(c), group: grp.name, consumer: grp.consumer, noack, count, propagate: [] };
}

/** Every key's stream, group and ID, checked key by key (type, group, ID) before anything is served. */
function resolveTargets(c: Ctx, a: XreadArgs, group: string): ReadTarget[] {
  const out: ReadTarget[] = [];
  for (let i = 0; i < a.keys.length; i++) {
    const key = a.keys[i];
    const s = getStream(c.db, key);
    const g = s?.groups.get(group);
    if (s === undefined || g === undefined)
      throw new RedisError(
        `NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`,
      );
    const id = a.ids[i];
    if (id === '$') throw new RedisError(ERR_DOLLAR_IN_XREADGROUP);
    // The largest ID is how Redis marks `>` internally: given explicitly, it means `>` too.
    const after = id === '>' ? null : argStreamId(id, 0n, true);
    out.push({ key, s, g, after: after === ID_MAX ? null : after });
  }
  return out;
}

/** Serves one key now (history, or new entries when there are some past the group's last ID). */
function serveTarget(run: ReadRun, t: ReadTarget): Served | null {
  if (t.after === null) {
    if (t.s.length === 0 || t.s.lastLiveId() <= t.g.lastId) return null;
    return serveNew(run, t, t.g.lastId + 1n);
  }
  return serveHistory(run, t, t.after + 1n);
}

function consumerFor(run: ReadRun, t: { key: string; g: ConsumerGroup }): Consumer {
  const at = { key: t.key, group: run.group, g: t.g };
  return lookupOrCreateConsumer(run.c, run.ch, at, run.consumer, run.noack ? run.propagate : null);
}

/** The consumer's own pending entries from start on, each delivered once more (deleted ones: no fields). */
function serveHistory(run: ReadRun, t: ReadTarget, start: StreamId): Served {
  const consumer = consumerFor(run, t);
  run.ch.mark(t.key);
  const now = run.c.now();
  const entries: Served['entries'] = [];
  for (const p of consumer.pel.range(start, ID_MAX, run.count > 0 ? run.count : -1)) {
    const fields = t.s.get(p.id);
    if (fields !== undefined) {
      p.deliveryTime = now;
      p.deliveryCount++;
    }
    entries.push({ id: p.id, fields: fields ?? null });
  }
  return { key: t.key, entries };
}

/** Entries from start on, delivered to the consumer: the group moves on, the PEL records each one. */
function serveNew(run: ReadRun, t: ReadTarget, start: StreamId): Served {
  const consumer = consumerFor(run, t);
  run.ch.mark(t.key);
  const got = t.s.range(start, ID_MAX, run.count > 0 ? run.count : -1);
  let moved = false;
  for (const e of got) {
    if (e.id > t.g.lastId) {
      advanceGroup(t.s, t.g, e.id);
      moved = true;
    }
    if (!run.noack) {
      const p = t.g.deliver(e.id, consumer, run.c.now());
      run.propagate.push(xclaimArgv(t.key, run.group, t.g, p, formatId(e.id)));
    }
  }
  if (run.noack && moved) run.propagate.push(setidArgv(t.key, run.group, t.g));
  return { key: t.key, entries: got };
}

/** The group's last ID moves to id; its entries-read counter follows, or is re-estimated. */
function advanceGroup(s: RStream, g: ConsumerGroup, id: StreamId): void {
  if (g.entriesRead !== ENTRIES_READ_UNKNOWN && !s.hasTombstonesFrom(id)) g.entriesRead++;
  else if (s.entriesAdded > 0) g.entriesRead = s.estimateEntriesRead(id);
  g.lastId = id;
}

/** RESP2: [[key, entries], ...]; RESP3: {key: entries, ...}. */
function replyServed(c: Ctx, served: readonly Served[]): void {
  if (c.resp === 2) c.arrayLen(served.length);
  else c.mapLen(served.length);
  for (const s of served) {
    if (c.resp === 2) c.arrayLen(2);
    c.bulk(s.key);
    c.arrayLen(s.entries.length);
    for (const e of s.entries) replyEntry(c, e.id, e.fields);
  }
}

function blockFor(c: Ctx, targets: readonly ReadTarget[], timeoutMs: number): void {
  const snap = new Map<string, BlockSnapshot>();
  for (const t of targets) snap.set(t.key, { s: t.s, entriesAdded: t.s.entriesAdded, g: t.g });
  blockedOn.set(c, snap);
  c.block(
    targets.map((t) => t.key),
    timeoutMs,
    'nilArray',
  );
}

/**
 * A blocked XREADGROUP re-run because `key` changed, served as Redis serves a blocked client: the key
 * gone or no longer a stream unblocks it with -UNBLOCKED, its group gone with -NOGROUP; new entries
 * past the group's last ID are served (at most COUNT, 1000 without one); otherwise it blocks again.
 */
function serveWoken(c: Ctx, a: XreadArgs, grp: { name: string; consumer: string }, key: string): void {
  const v = c.db.lookupRead(key);
  if (!(v instanceof RStream)) throw new RedisError(ERR_UNBLOCKED_NO_KEY);
  const g = v.groups.get(grp.name);
  if (g === undefined) throw new RedisError(ERR_UNBLOCKED_NO_GROUP);
  const snaps = blockedOn.get(c) ?? new Map<string, BlockSnapshot>();
  const seen = snaps.get(key);
  const signalled =
    seen === undefined || seen.s !== v || seen.entriesAdded !== v.entriesAdded || seen.g !== g;
  snaps.set(key, { s: v, entriesAdded: v.entriesAdded, g });
  blockedOn.set(c, snaps);
  if (!signalled || v.lastId <= g.lastId) {
    c.block(a.keys, a.blockMs ?? 0, 'nilArray');
    return;
  }
  const run = newRun(c, grp, a.noack, a.count > 0 ? a.count : BLOCKED_DEFAULT_COUNT);
  const served = serveNew(run, { key, s: v, g, after: null }, g.lastId + 1n);
  run.ch.done();
  c.propagateAs(...run.propagate);
  replyServed(c, [served]);
}

// ---------------------------------------------------------------------------------------------------
// XACK

function xack(c: Ctx, argv: string[]): void {
  const s = getStream(c.db, argv[1]);
  const g = s?.groups.get(argv[2]);
  if (g === undefined) {
    c.int(0);
    return;
  }
  const ids = argv.slice(3).map((a) => argStreamId(a, 0n, true));
  let acked = 0;
  c.db.lookupWrite(argv[1]);
  for (const id of ids) if (g.ack(id)) acked++;
  if (acked > 0) c.db.changedQuietly(argv[1]);
  c.int(acked);
}

// ---------------------------------------------------------------------------------------------------
// XPENDING

interface PendingQuery {
  minIdle: number;
  start: StreamId;
  end: StreamId;
  count: number;
  consumer: string | null;
}

/** The extended form's arguments ([IDLE ms] start end count [consumer]), parsed before any lookup. */
function parsePendingQuery(argv: string[]): PendingQuery | null {
  if (argv.length === 3) return null;
  if (argv.length < 6 || argv.length > 9) throw new RedisError(ERR_SYNTAX);
  let at = 3;
  let minIdle = 0;
  if (argv[3].toUpperCase() === 'IDLE') {
    minIdle = argInt64(argv[4]);
    if (argv.length < 8) throw new RedisError(ERR_SYNTAX);
    at += 2;
  }
  const n = argBigInt(argv[at + 2]);
  const count = n < 0n ? 0 : n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
  const start = argIntervalId(argv[at], true);
  const end = argIntervalId(argv[at + 1], false);
  return { minIdle, start, end, count, consumer: at + 3 < argv.length ? argv[at + 3] : null };
}

function xpending(c: Ctx, argv: string[]): void {
  const q = parsePendingQuery(argv);
  const { g } = streamAndGroup(c, argv[1], argv[2]);
  if (q === null) pendingSummary(c, g);
  else pendingDetail(c, g, q);
}

/** [count, first ID, last ID, [[consumer, count], ...]] (nulls when nothing is pending). */
function pendingSummary(c: Ctx, g: ConsumerGroup): void {
  c.arrayLen(4);
  c.int(g.pel.size);
  if (g.pel.size === 0) {
    c.nil();
    c.nil();
    c.nilArray();
    return;
  }
  c.bulk(formatId(g.pel.keys[0]));
  c.bulk(formatId(g.pel.keys[g.pel.size - 1]));
  const holders = g.sortedConsumers().filter((x) => x.pel.size > 0);
  c.arrayLen(holders.length);
  for (const h of holders) {
    c.arrayLen(2);
    c.bulk(h.name);
    c.bulk(String(h.pel.size));
  }
}

/** [[id, consumer, idle, deliveries], ...] of the group's (or one consumer's) PEL in the range. */
function pendingDetail(c: Ctx, g: ConsumerGroup, q: PendingQuery): void {
  let pel = g.pel;
  if (q.consumer !== null) {
    const owner = g.consumers.get(q.consumer);
    if (owner === undefined) {
      c.arrayLen(0);
      return;
    }
    pel = owner.pel;
  }
  const now = c.now();
  const out: PendingEntry[] = [];
  if (q.count > 0 && q.start <= q.end) {
    for (let i = pel.lowerBound(q.start); i < pel.size && pel.keys[i] <= q.end; i++) {
      const p = pel.get(pel.keys[i]) as PendingEntry;
      if (q.minIdle !== 0 && now - p.deliveryTime < q.minIdle) continue;
      out.push(p);
      if (out.length >= q.count) break;
    }
  }
  c.arrayLen(out.length);
  for (const p of out) {
    c.arrayLen(4);
    c.bulk(formatId(p.id));
    c.bulk(p.consumer.name);
    c.int(now - p.deliveryTime);
    c.int(p.deliveryCount);
  }
}

// ---------------------------------------------------------------------------------------------------
// XCLAIM

interface ClaimOptions {
  /** The delivery time claimed entries get (IDLE / TIME, sanitised), ms. */
  deliveryTime: number;
  /** RETRYCOUNT, or -1 to count the claim as a delivery (unless JUSTID). */
  retryCount: number;
  force: boolean;
  justid: boolean;
  lastId: StreamId;
}

/** XCLAIM's options after the IDs, with its errors; IDLE / TIME out of range mean now. */
function parseClaimOptions(argv: string[], from: number, now: number): ClaimOptions {
  const o: ClaimOptions = { deliveryTime: -1, retryCount: -1, force: false, justid: false, lastId: 0n };
  for (let j = from; j < argv.length; j++) {
    const opt = argv[j].toUpperCase();
    const more = j + 1 < argv.length;
    if (opt === 'FORCE') o.force = true;
    else if (opt === 'JUSTID') o.justid = true;
    else if (opt === 'IDLE' && more)
      o.deliveryTime = now - argInt64(argv[++j], 'ERR Invalid IDLE option argument for XCLAIM');
    else if (opt === 'TIME' && more)
      o.deliveryTime = argInt64(argv[++j], 'ERR Invalid TIME option argument for XCLAIM');
    else if (opt === 'RETRYCOUNT' && more)
      o.retryCount = argInt64(argv[++j], 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
    else if (opt === 'LASTID' && more) o.lastId = argStreamId(argv[++j], 0n, true);
    else throw new RedisError(`ERR Unrecognized XCLAIM option '${argv[j]}'`);
  }
  if (o.deliveryTime < 0 || o.deliveryTime > now) o.deliveryTime = now;
  return o;
}

/** The claim shared by XCLAIM and XAUTOCLAIM: a pending entry moves to the claimer, delivered at `time`. */
function claimEntry(
  p: PendingEntry,
  g: ConsumerGroup,
  to: Consumer,
  time: number,
  retry: number,
  justid: boolean,
): void {
  g.transfer(p, to);
  p.deliveryTime = time;
  if (retry >= 0) p.deliveryCount = retry;
  else if (!justid) p.deliveryCount++;
}

interface ClaimRun {
  c: Ctx;
  ch: Changes;
  key: string;
  group: string;
  s: RStream;
  g: ConsumerGroup;
  consumer: Consumer | null;
  propagate: string[][];
}

/** The claiming consumer, looked up (seen now) or created at its first claim. */
function claimer(r: ClaimRun, name: string): Consumer {
  r.consumer ??= lookupOrCreateConsumer(r.c, r.ch, { key: r.key, group: r.group, g: r.g }, name, null);
  return r.consumer;
}

/** A pending entry whose stream entry is gone leaves the PEL (propagated as the XCLAIM Redis sends). */
function dropDeleted(r: ClaimRun, p: PendingEntry, idArg: string): void {
  r.ch.mark(r.key);
  r.propagate.push(xclaimArgv(r.key, r.group, r.g, p, idArg));
  r.g.dropPending(p);
}

function xclaim(c: Ctx, argv: string[]): void {
  const { s, g } = streamAndGroup(c, argv[1], argv[2]);
  const minIdle = Math.max(0, argInt64(argv[4], 'ERR Invalid min-idle-time argument for XCLAIM'));
  let j = 5;
  while (j < argv.length && strictId(argv[j]) !== null) j++;
  const now = c.now();
  const o = parseClaimOptions(argv, j, now);
  const r: ClaimRun = {
    c,
    ch: new Changes(c),
    key: argv[1],
    group: argv[2],
    s,
    g,
    consumer: null,
    propagate: [],
  };
  let lastMoved = false;
  if (o.lastId > g.lastId) {
    r.ch.mark(r.key);
    g.lastId = o.lastId;
    lastMoved = true;
  }
  const claimed: StreamEntry[] = [];
  for (let k = 5; k < j; k++) {
    const e = claimOne(r, argv[k], argv[3], o, minIdle, now);
    if (e !== null) claimed.push(e);
  }
  if (lastMoved && r.propagate.length === 0) r.propagate.push(setidArgv(r.key, r.group, g));
  r.ch.done();
  c.propagateAs(...r.propagate);
  replyClaimed(c, claimed, o.justid);
}

/** Claims one ID argument of XCLAIM; the entry claimed, or null. */
function claimOne(
  r: ClaimRun,
  idArg: string,
  name: string,
  o: ClaimOptions,
  minIdle: number,
  now: number,
): StreamEntry | null {
  const id = strictId(idArg) as StreamId;
  let p = r.g.pel.get(id);
  const fields = r.s.get(id);
  if (fields === undefined) {
    if (p !== undefined) dropDeleted(r, p, idArg);
    return null;
  }
  let forced = false;
  if (p === undefined) {
    if (!o.force) return null;
    p = r.g.addPending(id, claimer(r, name), now);
    forced = true;
  }
  if (!forced && minIdle > 0 && now - p.deliveryTime < minIdle) return null;
  r.ch.mark(r.key);
  claimEntry(p, r.g, claimer(r, name), o.deliveryTime, o.retryCount, o.justid);
  r.propagate.push(xclaimArgv(r.key, r.group, r.g, p, idArg));
  return { id, fields };
}

function replyClaimed(c: Ctx, claimed: readonly StreamEntry[], justid: boolean): void {
  c.arrayLen(claimed.length);
  for (const e of claimed) {
    if (justid) c.bulk(formatId(e.id));
    else replyEntry(c, e.id, e.fields);
  }
}

// ---------------------------------------------------------------------------------------------------
// XAUTOCLAIM

interface AutoclaimArgs {
  minIdle: number;
  start: StreamId;
  count: number;
  justid: boolean;
}

/** XAUTOCLAIM's arguments, parsed before the key is looked up (as Redis does). */
function parseAutoclaim(argv: string[]): AutoclaimArgs {
  const minIdle = Math.max(0, argInt64(argv[4], 'ERR Invalid min-idle-time argument for XAUTOCLAIM'));
  const start = argIntervalId(argv[5], true);
  let count = 100n;
  let justid = false;
  for (let j = 6; j < argv.length; j++) {
    const opt = argv[j].toUpperCase();
    if (opt === 'COUNT' && j + 1 < argv.length) {
      const n = parseIntStrict(argv[j + 1]);
      if (n === null || n < 1n || n > AUTOCLAIM_MAX_COUNT) throw new RedisError('ERR COUNT must be > 0');
      count = n;
      j++;
    } else if (opt === 'JUSTID') justid = true;
    else throw new RedisError(ERR_SYNTAX);
  }
  if (count >= AUTOCLAIM_ALLOC_LIMIT_COUNT)
    throw new RedisError('ERR Insufficient memory, failed allocating transient memory, COUNT too high.');
  return { minIdle, start, count: Number(count), justid };
}

function xautoclaim(c: Ctx, argv: string[]): void {
  const a = parseAutoclaim(argv);
  const { s, g } = streamAndGroup(c, argv[1], argv[2]);
  const r: ClaimRun = {
    c,
    ch: new Changes(c),
    key: argv[1],
    group: argv[2],
    s,
    g,
    consumer: null,
    propagate: [],
  };
  const now = c.now();
  let attempts = a.count * AUTOCLAIM_ATTEMPTS_FACTOR;
  let count = a.count;
  const from = g.pel.lowerBound(a.start);
  const ids = g.pel.keys.slice(from, from + Math.min(attempts, g.pel.size) + 1);
  const claimed: StreamEntry[] = [];
  const deleted: StreamId[] = [];
  let i = 0;
  for (; attempts > 0 && count > 0 && i < ids.length; attempts--, i++) {
    const p = g.pel.get(ids[i]) as PendingEntry;
    const fields = s.get(p.id);
    if (fields === undefined) {
      dropDeleted(r, p, formatId(p.id));
      deleted.push(p.id);
      count--;
      continue;
    }
    if (a.minIdle > 0 && now - p.deliveryTime < a.minIdle) continue;
    r.ch.mark(r.key);
    claimEntry(p, g, claimer(r, argv[3]), now, -1, a.justid);
    r.propagate.push(xclaimArgv(r.key, r.group, g, p, formatId(p.id)));
    claimed.push({ id: p.id, fields });
    count--;
  }
  r.ch.done();
  c.propagateAs(...r.propagate);
  c.arrayLen(3);
  c.bulk(i < ids.length ? formatId(ids[i]) : '0-0');
  replyClaimed(c, claimed, a.justid);
  c.arrayLen(deleted.length);
  for (const id of deleted) c.bulk(formatId(id));
}

// ---------------------------------------------------------------------------------------------------
// XINFO

function xinfoStreamOf(c: Ctx, key: string): RStream {
  const s = getStream(c.db, key);
  if (s === undefined) throw new RedisError(ERR_NO_SUCH_KEY);
  return s;
}

function infoSyntax(sub: string): RedisError {
  return new RedisError(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try XINFO HELP.`);
}

/** XINFO STREAM's options: nothing, FULL, or FULL COUNT n (negative: 10, 0: everything). */
function parseInfoStream(argv: string[]): { full: boolean; count: number } {
  const opts = argv.slice(3);
  if (opts.length === 0) return { full: false, count: 10 };
  if ((opts.length !== 1 && opts.length !== 3) || opts[0].toUpperCase() !== 'FULL') throw infoSyntax(argv[1]);
  if (opts.length === 1) return { full: true, count: 10 };
  if (opts[1].toUpperCase() !== 'COUNT') throw infoSyntax(argv[1]);
  const n = argInt64(opts[2]);
  return { full: true, count: n < 0 ? 10 : n };
}

function xinfoStream(c: Ctx, argv: string[]): void {
  const s = xinfoStreamOf(c, argv[2]);
  const o = parseInfoStream(argv);
  c.mapLen(o.full ? 9 : 10);
  c.bulk('length');
  c.int(s.length);
  c.bulk('radix-tree-keys');
  c.int(s.nodes.length);
  c.bulk('radix-tree-nodes');
  c.int(raxNodeCount(s.nodes.map((n) => idBytes(n.master))));
  idField(c, 'last-generated-id', s.lastId);
  idField(c, 'max-deleted-entry-id', s.maxDeletedId);
  c.bulk('entries-added');
  c.int(s.entriesAdded);
  idField(c, 'recorded-first-entry-id', s.firstId);
  if (o.full) streamInfoFull(c, s, o.count);
  else streamInfoBrief(c, s);
}

function idField(c: Ctx, name: string, id: StreamId): void {
  c.bulk(name);
  c.bulk(formatId(id));
}

function streamInfoBrief(c: Ctx, s: RStream): void {
  c.bulk('groups');
  c.int(s.groups.size);
  for (const [name, e] of [
    ['first-entry', s.range(0n, ID_MAX, 1)],
    ['last-entry', s.revRange(0n, ID_MAX, 1)],
  ] as const) {
    c.bulk(name);
    if (e.length === 0) c.nil();
    else replyEntry(c, e[0].id, e[0].fields);
  }
}

function streamInfoFull(c: Ctx, s: RStream, count: number): void {
  const entries = s.range(0n, ID_MAX, count === 0 ? -1 : count);
  c.bulk('entries');
  c.arrayLen(entries.length);
  for (const e of entries) replyEntry(c, e.id, e.fields);
  c.bulk('groups');
  const groups = s.sortedGroups();
  c.arrayLen(groups.length);
  for (const [name, g] of groups) groupInfoFull(c, s, name, g, count);
}

function groupInfoFull(c: Ctx, s: RStream, name: string, g: ConsumerGroup, count: number): void {
  c.mapLen(7);
  c.bulk('name');
  c.bulk(name);
  idField(c, 'last-delivered-id', g.lastId);
  entriesReadAndLag(c, s, g);
  c.bulk('pel-count');
  c.int(g.pel.size);
  c.bulk('pending');
  const pel = g.pel.range(0n, ID_MAX, count === 0 ? -1 : count);
  c.arrayLen(pel.length);
  for (const p of pel) {
    c.arrayLen(4);
    c.bulk(formatId(p.id));
    c.bulk(p.consumer.name);
    c.int(p.deliveryTime);
    c.int(p.deliveryCount);
  }
  c.bulk('consumers');
  const consumers = g.sortedConsumers();
  c.arrayLen(consumers.length);
  for (const k of consumers) consumerInfoFull(c, k, count);
}

function consumerInfoFull(c: Ctx, k: Consumer, count: number): void {
  c.mapLen(4);
  c.bulk('name');
  c.bulk(k.name);
  c.bulk('seen-time');
  c.int(k.seenTime);
  c.bulk('pel-count');
  c.int(k.pel.size);
  c.bulk('pending');
  const pel = k.pel.range(0n, ID_MAX, count === 0 ? -1 : count);
  c.arrayLen(pel.length);
  for (const p of pel) {
    c.arrayLen(3);
    c.bulk(formatId(p.id));
    c.int(p.deliveryTime);
    c.int(p.deliveryCount);
  }
}

/** entries-read (null when unknown) and lag (null when it cannot be known). */
function entriesReadAndLag(c: Ctx, s: RStream, g: ConsumerGroup): void {
  c.bulk('entries-read');
  if (g.entriesRead === ENTRIES_READ_UNKNOWN) c.nil();
  else c.int(g.entriesRead);
  c.bulk('lag');
  const lag = s.lag(g);
  if (lag === null) c.nil();
  else c.int(lag);
}

function xinfoGroups(c: Ctx, argv: string[]): void {
  const s = xinfoStreamOf(c, argv[2]);
  const groups = s.sortedGroups();
  c.arrayLen(groups.length);
  for (const [name, g] of groups) {
    c.mapLen(6);
    c.bulk('name');
    c.bulk(name);
    c.bulk('consumers');
    c.int(g.consumers.size);
    c.bulk('pending');
    c.int(g.pel.size);
    idField(c, 'last-delivered-id', g.lastId);
    entriesReadAndLag(c, s, g);
  }
}

function xinfoConsumers(c: Ctx, argv: string[]): void {
  const s = xinfoStreamOf(c, argv[2]);
  const g = s.groups.get(argv[3]);
  if (g === undefined) throw noSuchGroupForKey(argv[2], argv[3]);
  const now = c.now();
  const consumers = g.sortedConsumers();
  c.arrayLen(consumers.length);
  for (const k of consumers) {
    c.mapLen(3);
    c.bulk('name');
    c.bulk(k.name);
    c.bulk('pending');
    c.int(k.pel.size);
    c.bulk('idle');
    c.int(now - k.seenTime);
  }
}

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

/**
 * How many nodes Redis's rax holds for these 16-byte keys (XINFO's radix-tree-nodes): one node per
 * maximal single-child chain (compressed) and one per branching point, plus the leaves; the head alone
 * when empty. Insertions and deletions in rax keep this compressed shape, so it depends on the keys only.
 */
export function raxNodeCount(keys: readonly Buffer[]): number {
  if (keys.length === 0) return 1;
  const sorted = [...keys].sort(Buffer.compare);
  return raxSubtree(sorted, 0, sorted.length, 0);
}

function raxSubtree(keys: readonly Buffer[], lo: number, hi: number, depth: number): number {
  const len = keys[lo].length;
  if (depth === len) return 1;
  let p = depth;
  while (p < len && keys[lo][p] === keys[hi - 1][p]) p++;
  if (p > depth) return 1 + raxSubtree(keys, lo, hi, p);
  let n = 1;
  for (let i = lo; i < hi;) {
    let j = i;
    while (j < hi && keys[j][depth] === keys[i][depth]) j++;
    n += raxSubtree(keys, i, j, depth + 1);
    i = j;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------
// The table

const K1: [number, number, number] = [1, 1, 1];
const K2: [number, number, number] = [2, 2, 1];
const K0: [number, number, number] = [0, 0, 0];

export const commands: CommandSpec[] = [
  {
    ...cmd('xgroup', -2, [], K0, 'stream', () => undefined),
    subcommands: [
      cmd('create', -5, ['write', 'denyoom'], K2, 'stream', xgroupCreate),
      cmd('setid', -5, ['write'], K2, 'stream', xgroupSetid),
      cmd('destroy', 4, ['write'], K2, 'stream', xgroupDestroy),
      cmd('createconsumer', 5, ['write', 'denyoom'], K2, 'stream', xgroupCreateConsumer),
      cmd('delconsumer', 5, ['write'], K2, 'stream', xgroupDelConsumer),
      cmd('help', 2, ['loading', 'stale'], K0, 'stream', (c) => replyHelp(c, 'XGROUP', XGROUP_HELP)),
    ],
  },
  cmd('xreadgroup', -7, ['write', 'blocking'], K0, 'stream', xreadgroup),
  cmd('xack', -4, ['write', 'fast'], K1, 'stream', xack),
  cmd('xpending', -3, ['readonly'], K1, 'stream', xpending),
  cmd('xclaim', -6, ['write', 'fast'], K1, 'stream', xclaim),
  cmd('xautoclaim', -6, ['write', 'fast'], K1, 'stream', xautoclaim),
  {
    ...cmd('xinfo', -2, [], K0, 'stream', () => undefined),
    subcommands: [
      cmd('stream', -3, ['readonly'], K2, 'stream', xinfoStream),
      cmd('groups', 3, ['readonly'], K2, 'stream', xinfoGroups),
      cmd('consumers', 4, ['readonly'], K2, 'stream', xinfoConsumers),
      cmd('help', 2, ['loading', 'stale'], K0, 'stream', (c) => replyHelp(c, 'XINFO', XINFO_HELP)),
    ],
  },
];

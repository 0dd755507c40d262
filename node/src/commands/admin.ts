// Server administration commands: INFO, CONFIG, COMMAND (from command-info.ts), DBSIZE,
// FLUSHDB/FLUSHALL/SWAPDB, TIME, DEBUG, and the persistence commands (SAVE, BGSAVE, LASTSAVE, SHUTDOWN)
// that delegate to server.persistence.
import * as os from 'node:os';
import { createHash } from 'node:crypto';
import { cmd, NO_KEYS, serverSub, type CommandSpec, type Ctx } from '../server/command.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { RedisError, ERR_SYNTAX, unknownSubcommand } from '../store/errors.js';
import { ConfigError } from '../config/table.js';
import { rewriteConfigFile } from '../config/file.js';
import { RList } from '../store/list.js';
import { RHash } from '../store/hash.js';
import type { Db } from '../store/db.js';
import { typeOf, encodingOf, type RValue } from '../store/value.js';
import { formatDouble } from '../protocol/double.js';
import { argInt, replyHelp } from './util.js';
import { globMatch } from './glob.js';
import { REDIS_VERSION } from './connection.js';
import { latencyStatsInfoLines, resetLatencyHistograms } from './diagnostics.js';
import { memoryInfoLines } from './memory.js';
import { commandSpec } from './command-info.js';
import { RSet } from '../store/set.js';
import type { Entry } from '../store/keyspace.js';
import { RStream } from '../store/stream.js';
import { ID_MAX, formatId } from '../store/stream-id.js';

function srv(c: Ctx): Server {
  return (c as Client).server;
}

function dbsize(c: Ctx): void {
  c.int(c.db.size);
}

function flushAll(s: Server): void {
  for (const db of s.dbs) {
    if (db.size > 0) s.touchAllWatched(db.id);
    db.flush();
    s.signalBlockedInDb(db.id);
  }
  s.tracking.invalidateAll(s.clients.values());
  s.dirty++;
}

function flushArgs(argv: string[]): void {
  if (argv.length > 2) throw new RedisError(ERR_SYNTAX);
  if (argv.length === 2 && !['async', 'sync'].includes(argv[1].toLowerCase()))
    throw new RedisError(ERR_SYNTAX);
}

function flushdb(c: Ctx, argv: string[]): void {
  flushArgs(argv);
  const s = srv(c);
  if (c.db.size > 0) s.touchAllWatched(c.db.id);
  c.db.flush();
  s.signalBlockedInDb(c.db.id);
  s.tracking.invalidateAll(s.clients.values());
  s.dirty++;
  c.ok();
}

function flushall(c: Ctx, argv: string[]): void {
  flushArgs(argv);
  const s = srv(c);
  flushAll(s);
  s.persistence?.afterFlushAll();
  c.ok();
}

function swapdb(c: Ctx, argv: string[]): void {
  const s = srv(c);
  const a = argInt(argv[1], 'ERR invalid first DB index');
  const b = argInt(argv[2], 'ERR invalid second DB index');
  if (a < 0 || a >= s.dbs.length || b < 0 || b >= s.dbs.length)
    throw new RedisError('ERR DB index is out of range');
  if (a !== b) {
    const ka = s.dbs[a].ks;
    s.dbs[a].ks = s.dbs[b].ks;
    s.dbs[b].ks = ka;
    s.touchAllWatched(a);
    s.touchAllWatched(b);
    s.signalBlockedInDb(a);
    s.signalBlockedInDb(b);
  }
  s.dirty++;
  c.ok();
}

function time(c: Ctx): void {
  const now = process.hrtime.bigint();
  const wall = BigInt(Date.now()) * 1000n + ((now / 1000n) % 1000n);
  c.bulks([String(wall / 1000000n), String(wall % 1000000n)]);
}

// ---- INFO ----

function section(title: string, lines: string[]): string {
  return `# ${title}\r\n${lines.join('\r\n')}\r\n`;
}

export function infoText(s: Server, which: string[]): string {
  const want = which.map((w) => w.toLowerCase());
  const all = want.includes('all') || want.includes('everything');
  const deflt = want.length === 0 || want.includes('default') || all;
  const has = (name: string, inDefault = true): boolean => want.includes(name) || (inDefault ? deflt : all);
  const parts: string[] = [];
  const uptime = Math.floor((Date.now() - s.startedAt) / 1000);
  if (has('server')) {
    parts.push(
      section('Server', [
        `redis_version:${REDIS_VERSION}`,
        `tsredis_version:0.1.0`,
        `redis_git_sha1:00000000`,
        `redis_git_dirty:0`,
        `redis_build_id:0`,
        `redis_mode:standalone`,
        `os:${os.type()} ${os.release()} ${os.arch()}`,
        `arch_bits:64`,
        `monotonic_clock:POSIX clock_gettime`,
        `multiplexing_api:epoll`,
        `atomicvar_api:c11-builtin`,
        `gcc_version:0.0.0`,
        `process_id:${process.pid}`,
        `process_supervised:no`,
        `run_id:${s.runId}`,
        `tcp_port:${s.boundPort()}`,
        `server_time_usec:${Date.now() * 1000}`,
        `uptime_in_seconds:${uptime}`,
        `uptime_in_days:${Math.floor(uptime / 86400)}`,
        `hz:${s.config.getInt('hz')}`,
        `configured_hz:${s.config.getInt('hz')}`,
        `lru_clock:${Math.floor(Date.now() / 1000) & 0xffffff}`,
        `executable:${process.argv[1] ?? ''}`,
        `config_file:${s.config.configFile ?? ''}`,
        `io_threads_active:0`,
      ]),
    );
  }
  if (has('clients')) {
    let blocked = 0;
    let pubsub = 0;
    for (const c of s.clients.values()) {
      if (c.blocked !== null) blocked++;
      if (c.pubsubCount() > 0) pubsub++;
    }
    parts.push(
      section('Clients', [
        `connected_clients:${[...s.clients.values()].filter((c) => !c.isReplica).length}`,
        `cluster_connections:0`,
        `maxclients:${s.config.getInt('maxclients')}`,
        `client_recent_max_input_buffer:0`,
        `client_recent_max_output_buffer:0`,
        `blocked_clients:${blocked}`,
        `tracking_clients:${s.tracking.clients}`,
        `clients_in_timeout_table:${blocked}`,
        `pubsub_clients:${pubsub}`,
      ]),
    );
  }
  if (has('memory')) parts.push(section('Memory', memoryInfoLines(s)));
  if (has('persistence') && s.persistence !== null)
    parts.push(section('Persistence', s.persistence.infoLines()));
  if (has('stats')) {
    const st = s.stats;
    parts.push(
      section('Stats', [
        `total_connections_received:${st.connections}`,
        `total_commands_processed:${st.commands}`,
        `instantaneous_ops_per_sec:${st.opsPerSec}`,
        `total_net_input_bytes:${st.netInput}`,
        `total_net_output_bytes:${st.netOutput}`,
        `total_net_repl_input_bytes:${st.netReplInput}`,
        `total_net_repl_output_bytes:${st.netReplOutput}`,
        `instantaneous_input_kbps:${st.inputKbps.toFixed(2)}`,
        `instantaneous_output_kbps:${st.outputKbps.toFixed(2)}`,
        `instantaneous_input_repl_kbps:${st.replInputKbps.toFixed(2)}`,
        `instantaneous_output_repl_kbps:${st.replOutputKbps.toFixed(2)}`,
        `rejected_connections:${st.rejectedConns}`,
        `sync_full:${s.replStats.syncFull}`,
        `sync_partial_ok:${s.replStats.syncPartialOk}`,
        `sync_partial_err:${s.replStats.syncPartialErr}`,
        `expired_keys:${st.expiredKeys}`,
        `expired_stale_perc:${st.expiredStalePerc.toFixed(2)}`,
        `expired_time_cap_reached_count:${st.expireTimeCapReached}`,
        `expire_cycle_cpu_milliseconds:${Math.round(st.expireCycleMs)}`,
        `evicted_keys:${s.memory.evictor.evictedKeys}`,
        `evicted_clients:${s.evictedClients}`,
        `total_eviction_exceeded_time:${Math.round(s.memory.evictor.exceededMs)}`,
        `current_eviction_exceeded_time:0`,
        `keyspace_hits:${s.lookups.hits}`,
        `keyspace_misses:${s.lookups.misses}`,
        `pubsub_channels:${s.pubsub.channels.size}`,
        `pubsub_patterns:${s.pubsub.patterns.size}`,
        `pubsubshard_channels:${s.pubsub.shardChannels.size}`,
        // No fork, no defragmentation, no MIGRATE, no I/O threads in tsredis: these stay 0.
        `latest_fork_usec:0`,
        `total_forks:0`,
        `migrate_cached_sockets:0`,
        `slave_expires_tracked_keys:0`,
        `active_defrag_hits:0`,
        `active_defrag_misses:0`,
        `active_defrag_key_hits:0`,
        `active_defrag_key_misses:0`,
        `total_active_defrag_time:0`,
        `current_active_defrag_time:0`,
        `tracking_total_keys:${s.tracking.totalKeys}`,
        `tracking_total_items:${s.tracking.totalItems}`,
        `tracking_total_prefixes:${s.tracking.totalPrefixes}`,
        `unexpected_error_replies:0`,
        `total_error_replies:${st.errorReplies}`,
        `dump_payload_sanitizations:0`,
        `total_reads_processed:${st.readsProcessed}`,
        `total_writes_processed:${st.writesProcessed}`,
        `io_threaded_reads_processed:0`,
        `io_threaded_writes_processed:0`,
        `reply_buffer_shrinks:0`,
        `reply_buffer_expands:0`,
      ]),
    );
  }
  if (has('replication')) parts.push(section('Replication', s.replicationInfo()));
  if (has('cpu')) {
    const u = process.cpuUsage();
    parts.push(
      section('CPU', [
        `used_cpu_sys:${(u.system / 1e6).toFixed(6)}`,
        `used_cpu_user:${(u.user / 1e6).toFixed(6)}`,
        `used_cpu_sys_children:0.000000`,
        `used_cpu_user_children:0.000000`,
        // The event loop runs every command: the process's time is the main thread's.
        `used_cpu_sys_main_thread:${(u.system / 1e6).toFixed(6)}`,
        `used_cpu_user_main_thread:${(u.user / 1e6).toFixed(6)}`,
      ]),
    );
  }
  if (has('modules')) parts.push(section('Modules', []).replace(/\r\n\r\n$/, '\r\n'));
  if (has('commandstats', false)) {
    const lines: string[] = [];
    for (const [name, st] of [...s.cmdStats].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      lines.push(
        `cmdstat_${name}:calls=${st.calls},usec=${st.usec},usec_per_call=${(st.calls === 0 ? 0 : st.usec / st.calls).toFixed(2)},rejected_calls=${st.rejected},failed_calls=${st.failed}`,
      );
    }
    parts.push(lines.length === 0 ? '# Commandstats\r\n' : section('Commandstats', lines));
  }
  if (has('latencystats', false)) {
    const lines = latencyStatsInfoLines(s);
    parts.push(lines.length === 0 ? '# Latencystats\r\n' : section('Latencystats', lines));
  }
  if (has('errorstats')) {
    const lines = [...s.errorStats].map(([code, n]) => `errorstat_${code}:count=${n}`);
    parts.push(lines.length === 0 ? '# Errorstats\r\n' : section('Errorstats', lines));
  }
  if (has('cluster')) parts.push(section('Cluster', ['cluster_enabled:0']));
  if (has('keyspace')) {
    const lines: string[] = [];
    for (const db of s.dbs) {
      if (db.size === 0) continue;
      lines.push(`db${db.id}:keys=${db.size},expires=${db.ks.volatile.size},avg_ttl=${averageTtl(db)}`);
    }
    parts.push(lines.length === 0 ? '# Keyspace\r\n' : section('Keyspace', lines));
  }
  return parts.join('\r\n');
}

/** An estimate of the remaining TTL (ms) of keys with an expiry, from a small sample, like Redis. */
function averageTtl(db: Db): number {
  const now = Date.now();
  let sum = 0;
  let n = 0;
  for (const key of db.ks.volatile) {
    const e = db.ks.get(key);
    if (e !== undefined && e.expireAt > now) {
      sum += e.expireAt - now;
      n++;
    }
    if (n >= 32) break;
  }
  return n === 0 ? 0 : Math.round(sum / n);
}

function info(c: Ctx, argv: string[]): void {
  c.verbatim(infoText(srv(c), argv.slice(1)));
}

// ---- CONFIG ----

function configGet(c: Ctx, argv: string[]): void {
  const pairs = srv(c).config.getMatching(argv.slice(2), (p, s) => globMatch(p, s));
  c.mapLen(pairs.length);
  for (const [k, v] of pairs) {
    c.bulk(k);
    c.bulk(v);
  }
}

function configSet(c: Ctx, argv: string[]): void {
  const s = srv(c);
  if (argv.length < 4 || argv.length % 2 !== 0)
    throw new RedisError("ERR wrong number of arguments for 'config|set' command");
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]]);
  const names = new Set<string>();
  for (const [name] of pairs) {
    if (names.has(name.toLowerCase()))
      throw new RedisError(
        `ERR CONFIG SET failed (possibly related to argument '${name}') - duplicate parameter`,
      );
    names.add(name.toLowerCase());
  }
  const before = new Map(pairs.map(([n]) => [n, s.config.snapshot(n)]));
  for (const [name] of pairs) {
    if (s.config.isProtected(name) && !s.gateAllows('enable-protected-configs', c as Client))
      throw new RedisError(
        `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set protected config`,
      );
  }
  for (const [name, value] of pairs) {
    try {
      const args =
        name.toLowerCase() === 'save' ||
        name.toLowerCase() === 'bind' ||
        name.toLowerCase() === 'client-output-buffer-limit'
          ? value.split(/\s+/).filter((x) => x !== '')
          : [value];
      s.config.set(name, args, true);
    } catch (e) {
      // Roll back what was applied, like Redis's atomic CONFIG SET.
      for (const [n, v] of before) if (v !== null) s.config.restore(n, v);
      if (e instanceof ConfigError) {
        if (e.message === 'Bad directive or wrong number of arguments') {
          throw new RedisError(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
        }
        throw new RedisError(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${e.message}`);
      }
      throw e;
    }
  }
  c.ok();
}

function configResetstat(c: Ctx): void {
  const s = srv(c);
  s.clearStats();
  s.stats.commands = 0;
  s.stats.connections = 0;
  s.stats.expiredKeys = 0;
  s.stats.rejectedConns = 0;
  s.stats.netInput = 0;
  s.stats.netOutput = 0;
  s.stats.errorReplies = 0;
  s.errorStats.clear();
  s.lookups.hits = 0;
  s.lookups.misses = 0;
  s.replStats.syncFull = 0;
  s.replStats.syncPartialOk = 0;
  s.replStats.syncPartialErr = 0;
  s.memory.resetStats();
  s.evictedClients = 0;
  resetLatencyHistograms(s);
  c.ok();
}

function configRewrite(c: Ctx): void {
  const s = srv(c);
  try {
    rewriteConfigFile(s.config);
  } catch (e) {
    if (e instanceof ConfigError) throw new RedisError(`ERR ${e.message}`);
    throw new RedisError(`ERR Rewriting config file: ${(e as Error).message}`);
  }
  c.ok();
}

function configHelp(c: Ctx): void {
  replyHelp(c, 'CONFIG', [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'REWRITE',
    '    Rewrite the configuration file.',
  ]);
}

// ---- DEBUG ----

function sha1(s: string): Buffer {
  return createHash('sha1').update(s, 'latin1').digest();
}

function xorInto(acc: Buffer, d: Buffer): void {
  for (let i = 0; i < 20; i++) acc[i] ^= d[i];
}

/** A digest of one value: order-sensitive for lists and zsets, order-insensitive for sets and hashes. */
export function valueDigest(v: RValue): Buffer {
  const t = typeOf(v);
  if (typeof v === 'string') return sha1(`string\0${v}`);
  if (v instanceof RList) {
    const h = createHash('sha1').update('list');
    for (const e of v.toArray()) h.update(`\0${e.length}:`).update(e, 'latin1');
    return h.digest();
  }
  if (v instanceof RHash || v instanceof RSet) {
    const acc = Buffer.alloc(20);
    if (v instanceof RHash) for (const [f, val] of v) xorInto(acc, sha1(`${f.length}:${f}\0${val}`));
    else for (const m of v) xorInto(acc, sha1(m));
    return createHash('sha1').update(t).update(acc).digest();
  }
  if (v instanceof RStream) return streamDigest(v);
  const h = createHash('sha1').update('zset');
  for (const [m, sc] of v.entries())
    h.update(`\0${m.length}:`)
      .update(m, 'latin1')
      .update(`\0${formatDouble(sc)}`);
  return h.digest();
}

/** A stream's digest: its entries in order, its counters, and each group's position and pending entries. */
function streamDigest(v: RStream): Buffer {
  const h = createHash('sha1').update('stream');
  for (const e of v.range(0n, ID_MAX)) {
    h.update(`\0${formatId(e.id)}`);
    for (const f of e.fields) h.update(`\0${f.length}:`).update(f, 'latin1');
  }
  h.update(`\0${formatId(v.lastId)}\0${formatId(v.maxDeletedId)}\0${v.entriesAdded}`);
  for (const [name, g] of v.sortedGroups()) {
    h.update(`\0g${name.length}:`)
      .update(name, 'latin1')
      .update(`\0${formatId(g.lastId)}\0${g.entriesRead}`);
    for (const p of g.pel.values())
      h.update(`\0${formatId(p.id)}\0${p.consumer.name.length}:`).update(p.consumer.name, 'latin1');
  }
  return h.digest();
}

/** DEBUG DIGEST: XOR over every db's keys of sha1(db, key, value digest, expiry); 40 zeros when empty. */
export function datasetDigest(s: Server): string {
  const acc = Buffer.alloc(20);
  let any = false;
  for (const db of s.dbs) {
    for (const [k, e] of db.ks.dict) {
      any = true;
      const h = createHash('sha1')
        .update(`${db.id}\0${k.length}:`)
        .update(k, 'latin1')
        .update(valueDigest(e.value))
        .update(`\0${e.expireAt}`);
      xorInto(acc, h.digest());
    }
  }
  return any ? acc.toString('hex') : '0'.repeat(40);
}

function debug(c: Ctx, argv: string[]): void {
  const s = srv(c);
  const sub = argv[1].toLowerCase();
  if (sub === 'digest') return c.simple(datasetDigest(s));
  if (sub === 'digest-value') {
    c.arrayLen(argv.length - 2);
    for (const k of argv.slice(2)) {
      const v = c.db.lookupRead(k);
      c.simple(v === undefined ? '0'.repeat(40) : valueDigest(v).toString('hex'));
    }
    return;
  }
  if (sub === 'sleep' && argv.length === 3) {
    const secs = Number(argv[2]);
    if (!Number.isFinite(secs) || secs < 0) throw new RedisError('ERR value is not a valid float');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, secs * 1000);
    return c.ok();
  }
  if (sub === 'set-active-expire' && argv.length === 3) {
    s.activeExpireEnabled = argv[2] !== '0';
    return c.ok();
  }
  if (sub === 'object' && argv.length === 3) {
    const v = c.db.lookupRead(argv[2]);
    if (v === undefined) throw new RedisError('ERR no such key');
    return c.simple(
      `Value at:0x0 refcount:1 encoding:${encodingOf((c.db.ks.get(argv[2]) as Entry).tagged)} serializedlength:0 lru:0 lru_seconds_idle:0`,
    );
  }
  if (sub === 'reload') {
    const p = s.persistence;
    if (p === null) throw new RedisError('ERR persistence is not available');
    return replyLater(
      c as Client,
      p.debugReload(),
      () => c.ok(),
      (e) => c.error(`ERR Error trying to load the RDB dump: ${e.message}`),
    );
  }
  if (sub === 'help')
    return c.bulks([
      'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'DIGEST',
      'DIGEST-VALUE <key> [<key> ...]',
      'OBJECT <key>',
      'RELOAD',
      'SET-ACTIVE-EXPIRE <0|1>',
      'SLEEP <seconds>',
      'HELP',
    ]);
  throw new RedisError(unknownSubcommand(argv[1], 'DEBUG'));
}

/**
 * For commands that finish asynchronously: stop reading this client's next commands, reply when the
 * work settles, then resume the client (which flushes the reply).
 */
function replyLater(c: Client, work: Promise<void>, ok: () => void, fail: (e: Error) => void): void {
  c.setPaused(true);
  work.then(ok, fail).finally(() => c.setPaused(false));
}

// ---- persistence commands ----

function needPersistence(s: Server): NonNullable<Server['persistence']> {
  if (s.persistence === null) throw new RedisError('ERR persistence is not available');
  return s.persistence;
}

function save(c: Ctx): void {
  needPersistence(srv(c)).saveSync();
  c.ok();
}

function bgsave(c: Ctx, argv: string[]): void {
  const p = needPersistence(srv(c));
  if (argv.length > 2 || (argv.length === 2 && argv[1].toUpperCase() !== 'SCHEDULE'))
    throw new RedisError(ERR_SYNTAX);
  const aofChild = p.childKind() === 'aof';
  if (p.bgsaveInProgress() || aofChild) {
    if (argv.length === 2) {
      p.scheduleBgsave();
      return c.simple('Background saving scheduled');
    }
    // Behind an AOF rewrite, bgsave() gives Redis's "Another child process is active" error.
    if (!aofChild) throw new RedisError('ERR Background save already in progress');
  }
  p.bgsave();
  c.simple('Background saving started');
}

function lastsave(c: Ctx): void {
  c.int(needPersistence(srv(c)).lastSave);
}

function shutdown(c: Ctx, argv: string[]): void {
  const s = srv(c);
  let save: boolean | null = null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i].toUpperCase();
    if (a === 'NOSAVE') save = false;
    else if (a === 'SAVE') save = true;
    else if (a === 'NOW' || a === 'FORCE' || a === 'ABORT') continue;
    else throw new RedisError(ERR_SYNTAX);
  }
  // While a script is busy only SHUTDOWN NOSAVE is served: saving would store the script's half.
  if (s.busyReply !== null && save !== false) throw new RedisError(s.busyReply);
  replyLater(
    c as Client,
    s.shutdown(save, `SHUTDOWN from client id=${(c as Client).id}`),
    () => undefined,
    (e) => c.error(`ERR Errors trying to SHUTDOWN. Check logs. (${e.message})`),
  );
}

const K0 = NO_KEYS;

export const commands: CommandSpec[] = [
  cmd('dbsize', 1, ['readonly', 'fast'], K0, 'keyspace', dbsize),
  cmd('flushdb', -1, ['write'], K0, 'keyspace', flushdb),
  cmd('flushall', -1, ['write'], K0, 'keyspace', flushall),
  cmd('swapdb', 3, ['write', 'fast'], K0, 'keyspace', swapdb),
  cmd('time', 1, ['loading', 'stale', 'fast'], K0, 'server', time),
  cmd('info', -1, ['loading', 'stale'], K0, 'server', info),
  {
    ...cmd('config', -2, [], K0, 'server', () => undefined),
    subcommands: [
      serverSub('get', -3, ['admin', 'noscript', 'loading', 'stale'], configGet),
      serverSub('set', -4, ['admin', 'noscript', 'loading', 'stale'], configSet),
      serverSub('resetstat', 2, ['admin', 'noscript', 'loading', 'stale'], configResetstat),
      serverSub('rewrite', 2, ['admin', 'noscript', 'loading', 'stale'], configRewrite),
      serverSub('help', 2, ['loading', 'stale'], configHelp),
    ],
  },
  commandSpec,
  cmd('debug', -2, ['admin', 'noscript', 'loading', 'stale', 'protected'], K0, 'server', debug),
  cmd('save', 1, ['admin', 'noscript', 'no_multi'], K0, 'server', save),
  cmd('bgsave', -1, ['admin', 'noscript'], K0, 'server', bgsave),
  cmd('lastsave', 1, ['loading', 'stale', 'fast'], K0, 'server', lastsave),
  cmd(
    'shutdown',
    -1,
    ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
    K0,
    'server',
    shutdown,
  ),
];

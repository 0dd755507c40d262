// The runtime configuration table: every directive tsredis accepts (its type, default, aliases,
// whether CONFIG SET may change it), the current values, and CONFIG GET/SET/REWRITE semantics.
import * as fs from 'node:fs';
import { parseBool, parseMemory } from './units.js';
import { applyOutputLimits, formatOutputLimits, parseOutputLimits } from './output-limits.js';
import { validProcTitleTemplate } from './proc-title.js';
import { formatNotifyFlags, INVALID_CLASS_ERROR, parseNotifyFlags } from './notify-classes.js';

type Kind = 'int' | 'memory' | 'bool' | 'string' | 'enum' | 'save' | 'multi';

interface ParamDef {
  name: string;
  kind: Kind;
  default: string;
  aliases?: string[];
  /** false: only settable at startup (redis.conf / command line). */
  mutable?: boolean;
  enumValues?: string[];
  min?: number;
  max?: number;
  /** How the max prints in the range error when it is beyond a double's precision (LLONG_MAX). */
  maxText?: string;
  /** Hidden from CONFIG GET * (secrets are still returned by name, like Redis). */
  sensitive?: boolean;
  /**
   * A tuning knob that means nothing for this engine, or a feature not built yet: accepted, reported,
   * and logged once as ignored, with this reason, when set to a value other than the default.
   */
  ignored?: string;
  /** The only values tsredis supports; any other is refused with `unsupported` as the error. */
  only?: string[];
  unsupported?: string;
  /** CONFIG SET refuses it unless enable-protected-configs allows the client (Redis's PROTECTED_CONFIG). */
  protected?: boolean;
  /** Further validation after the kind's: returns the value to store, or throws ConfigError. */
  check?: (v: string) => string;
  /** Like check, for a value that updates the previous one (client-output-buffer-limit's classes). */
  merge?: (prev: string, v: string) => string;
}

const INT_MAX = 2147483647;
const LLONG_MAX = '9223372036854775807';
const P = (name: string, kind: Kind, def: string, extra: Partial<ParamDef> = {}): ParamDef => ({
  name,
  kind,
  default: def,
  ...extra,
});

export const PARAMS: ParamDef[] = [
  P('port', 'int', '6379', { min: 0, max: 65535, mutable: false }),
  P('bind', 'multi', '* -::*'),
  P('unixsocket', 'string', '', { mutable: false }),
  P('unixsocketperm', 'int', '0', { mutable: false }),
  P('requirepass', 'string', '', { sensitive: true }),
  P('masterauth', 'string', '', { sensitive: true }),
  // ACL (server/acl.ts): the ACL file (ACL LOAD / SAVE), the ACL LOG's length, what new users' channels
  // start as. `user` lines are kept apart (Config.userDirectives), as Redis loads them after the file.
  P('aclfile', 'string', '', { mutable: false }),
  P('acllog-max-len', 'int', '128', { min: 0, max: Number.MAX_SAFE_INTEGER, maxText: LLONG_MAX }),
  P('acl-pubsub-default', 'enum', 'resetchannels', { enumValues: ['allchannels', 'resetchannels'] }),
  P('masteruser', 'string', ''),
  P('dir', 'string', '.', { protected: true, check: checkDir }),
  P('dbfilename', 'string', 'dump.rdb', { protected: true, check: checkFilename('dbfilename') }),
  P('save', 'save', '3600 1 300 100 60 10000'),
  P('appendonly', 'bool', 'no'),
  P('appendfilename', 'string', 'appendonly.aof', {
    mutable: false,
    check: checkFilename('appendfilename'),
  }),
  P('appenddirname', 'string', 'appendonlydir', {
    mutable: false,
    check: checkFilename('appenddirname'),
  }),
  P('appendfsync', 'enum', 'everysec', { enumValues: ['always', 'everysec', 'no'] }),
  P('no-appendfsync-on-rewrite', 'bool', 'no'),
  P('auto-aof-rewrite-percentage', 'int', '100', { min: 0, max: INT_MAX }),
  P('auto-aof-rewrite-min-size', 'memory', '67108864', { min: 0 }),
  P('aof-load-truncated', 'bool', 'yes'),
  P('aof-use-rdb-preamble', 'bool', 'yes'),
  P('aof-timestamp-enabled', 'bool', 'no'),
  P('aof-disable-auto-gc', 'bool', 'no'),
  P('aof-rewrite-incremental-fsync', 'bool', 'yes', {
    ignored: 'tsredis fsyncs a rewritten AOF base once, when it is complete',
  }),
  P('databases', 'int', '16', { min: 1, max: INT_MAX, mutable: false }),
  P('maxclients', 'int', '10000', { min: 1, max: INT_MAX }),
  P('timeout', 'int', '0', { min: 0, max: INT_MAX }),
  P('tcp-keepalive', 'int', '300', { min: 0, max: INT_MAX }),
  P('tcp-backlog', 'int', '511', { mutable: false }),
  P('loglevel', 'enum', 'notice', { enumValues: ['debug', 'verbose', 'notice', 'warning', 'nothing'] }),
  P('logfile', 'string', '', { mutable: false }),
  P('daemonize', 'bool', 'no', {
    mutable: false,
    only: ['no'],
    unsupported: 'tsredis-server does not daemonize: run it in the foreground under a supervisor',
  }),
  P('pidfile', 'string', '', { mutable: false }),
  P('protected-mode', 'bool', 'yes'),
  P('supervised', 'enum', 'no', {
    enumValues: ['no', 'upstart', 'systemd', 'auto'],
    mutable: false,
    only: ['no'],
    unsupported: 'tsredis does not notify upstart or systemd: run it with supervised no',
  }),
  P('always-show-logo', 'bool', 'no', { mutable: false, ignored: 'tsredis prints no logo' }),
  P('set-proc-title', 'bool', 'yes', { mutable: false }),
  P('proc-title-template', 'string', '{title} {listen-addr} {server-mode}', { check: checkProcTitle }),
  P('maxmemory', 'memory', '0'),
  P('maxmemory-policy', 'enum', 'noeviction', {
    enumValues: [
      'volatile-lru',
      'volatile-lfu',
      'volatile-random',
      'volatile-ttl',
      'allkeys-lru',
      'allkeys-lfu',
      'allkeys-random',
      'noeviction',
    ],
  }),
  P('maxmemory-samples', 'int', '5', { min: 1, max: INT_MAX }),
  P('maxmemory-eviction-tenacity', 'int', '10', { min: 0, max: 100 }),
  P('maxmemory-clients', 'string', '0', { check: checkMaxmemoryClients }),
  P('lfu-log-factor', 'int', '10', { min: 0, max: INT_MAX }),
  P('lfu-decay-time', 'int', '1', { min: 0, max: INT_MAX }),
  P('replica-ignore-maxmemory', 'bool', 'yes', { aliases: ['slave-ignore-maxmemory'] }),
  P('hz', 'int', '10', { min: 1, max: 500 }),
  P('dynamic-hz', 'bool', 'yes', { ignored: 'the cron runs at hz whatever the number of clients' }),
  P('active-expire-effort', 'int', '1', { min: 1, max: 10 }),
  P('rdbcompression', 'bool', 'yes'),
  P('rdbchecksum', 'bool', 'yes'),
  P('stop-writes-on-bgsave-error', 'bool', 'yes'),
  P('rdb-del-sync-files', 'bool', 'no', {
    only: ['no'],
    unsupported: 'tsredis does not delete the RDB files used for replication: set rdb-del-sync-files no',
  }),
  P('replicaof', 'multi', '', { aliases: ['slaveof'], mutable: false }),
  // tsredis: start as a replica without a master (read-only, serving what it loaded) until REPLICAOF
  // host port or REPLICAOF NO ONE decides its role. The operator starts every pod this way.
  P('start-masterless', 'bool', 'no', { mutable: false }),
  P('replica-read-only', 'bool', 'yes', { aliases: ['slave-read-only'] }),
  P('replica-serve-stale-data', 'bool', 'yes', { aliases: ['slave-serve-stale-data'] }),
  P('replica-priority', 'int', '100', { aliases: ['slave-priority'], min: 0, max: INT_MAX }),
  P('replica-announce-ip', 'string', '', { aliases: ['slave-announce-ip'] }),
  P('replica-announce-port', 'int', '0', { aliases: ['slave-announce-port'], min: 0, max: 65535 }),
  P('replica-announced', 'bool', 'yes'),
  P('replica-lazy-flush', 'bool', 'no', {
    aliases: ['slave-lazy-flush'],
    ignored: 'memory is freed by the garbage collector, never by a background thread',
  }),
  P('repl-backlog-size', 'memory', '1048576', { min: 16384 }),
  P('repl-backlog-ttl', 'int', '3600', { min: 0, max: INT_MAX }),
  P('repl-timeout', 'int', '60', { min: 1, max: INT_MAX }),
  P('repl-ping-replica-period', 'int', '10', { aliases: ['repl-ping-slave-period'], min: 1, max: INT_MAX }),
  P('repl-diskless-sync', 'bool', 'yes'),
  P('repl-diskless-sync-delay', 'int', '5', { min: 0, max: INT_MAX }),
  // Seconds a master waits at SHUTDOWN/SIGTERM, writes paused, for its replicas to have every byte.
  P('shutdown-timeout', 'int', '10', { min: 0, max: INT_MAX }),
  P('repl-diskless-sync-max-replicas', 'int', '0', {
    min: 0,
    max: INT_MAX,
    ignored: 'a full sync starts after repl-diskless-sync-delay whatever the number of replicas waiting',
  }),
  P('repl-diskless-load', 'enum', 'disabled', {
    enumValues: ['disabled', 'on-empty-db', 'swapdb'],
    ignored: 'a replica loads the payload while it arrives and keeps a copy on disk, whatever this says',
  }),
  P('repl-disable-tcp-nodelay', 'bool', 'no', {
    only: ['no'],
    unsupported: 'tsredis always runs replication links with TCP_NODELAY',
  }),
  P('min-replicas-to-write', 'int', '0', { aliases: ['min-slaves-to-write'], min: 0, max: INT_MAX }),
  P('min-replicas-max-lag', 'int', '10', { aliases: ['min-slaves-max-lag'], min: 0, max: INT_MAX }),
  P('hash-max-listpack-entries', 'int', '512', { aliases: ['hash-max-ziplist-entries'] }),
  P('hash-max-listpack-value', 'int', '64', { aliases: ['hash-max-ziplist-value'] }),
  P('set-max-intset-entries', 'int', '512'),
  P('zset-max-listpack-entries', 'int', '128', { aliases: ['zset-max-ziplist-entries'] }),
  P('zset-max-listpack-value', 'int', '64', { aliases: ['zset-max-ziplist-value'] }),
  P('list-max-listpack-size', 'int', '-2', { aliases: ['list-max-ziplist-size'] }),
  P('list-compress-depth', 'int', '0', {
    ignored: 'a list is packed in one node while small and is not compressed',
  }),
  P('stream-node-max-bytes', 'memory', '4096', { min: 0 }),
  P('stream-node-max-entries', 'int', '100', { min: 0 }),
  P('tracking-table-max-keys', 'int', '1000000', { min: 0 }),
  P('hll-sparse-max-bytes', 'memory', '3000', { min: 0 }),
  P('activerehashing', 'bool', 'yes', { ignored: 'the JavaScript engine rehashes its own tables' }),
  P('proto-max-bulk-len', 'memory', '536870912', { min: 1048576 }),
  P('client-query-buffer-limit', 'memory', '1073741824', { min: 1048576 }),
  P(
    'client-output-buffer-limit',
    'multi',
    'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    {
      merge: mergeOutputLimits,
    },
  ),
  P('lazyfree-lazy-eviction', 'bool', 'no', {
    ignored: 'memory is freed by the garbage collector, never by a background thread',
  }),
  P('lazyfree-lazy-expire', 'bool', 'no', {
    ignored: 'memory is freed by the garbage collector, never by a background thread',
  }),
  P('lazyfree-lazy-server-del', 'bool', 'no', {
    ignored: 'memory is freed by the garbage collector, never by a background thread',
  }),
  P('lazyfree-lazy-user-del', 'bool', 'no', {
    ignored: 'memory is freed by the garbage collector, never by a background thread',
  }),
  P('lazyfree-lazy-user-flush', 'bool', 'no', {
    ignored: 'memory is freed by the garbage collector, never by a background thread',
  }),
  P('notify-keyspace-events', 'string', '', { check: checkNotifyFlags }),
  P('slowlog-log-slower-than', 'int', '10000', { min: -1, max: Number.MAX_SAFE_INTEGER, maxText: LLONG_MAX }),
  P('slowlog-max-len', 'int', '128', { min: 0, max: Number.MAX_SAFE_INTEGER, maxText: LLONG_MAX }),
  P('latency-monitor-threshold', 'int', '0', { min: 0, max: Number.MAX_SAFE_INTEGER, maxText: LLONG_MAX }),
  P('latency-tracking', 'bool', 'yes'),
  P('latency-tracking-info-percentiles', 'multi', '50 99 99.9', { check: checkPercentiles }),
  P('lua-time-limit', 'int', '5000', { aliases: ['busy-reply-threshold'] }),
  P('io-threads', 'int', '1', { mutable: false, ignored: 'tsredis serves every client on one event loop' }),
  P('io-threads-do-reads', 'bool', 'no', {
    mutable: false,
    ignored: 'tsredis serves every client on one event loop',
  }),
  P('jemalloc-bg-thread', 'bool', 'yes', { ignored: 'tsredis does not use jemalloc' }),
  P('crash-log-enabled', 'bool', 'yes', {
    ignored: 'an internal error is logged with its stack trace and costs one connection, not the process',
  }),
  P('oom-score-adj', 'enum', 'no', {
    enumValues: ['no', 'yes', 'relative', 'absolute'],
    only: ['no'],
    unsupported: 'tsredis does not set its oom_score_adj: set it in the pod or unit instead',
  }),
  P('rdb-save-incremental-fsync', 'bool', 'yes', {
    ignored: 'tsredis fsyncs an RDB once, when it is complete',
  }),
  P('enable-debug-command', 'enum', 'no', { enumValues: ['no', 'yes', 'local'], mutable: false }),
  P('enable-protected-configs', 'enum', 'no', { enumValues: ['no', 'yes', 'local'], mutable: false }),
  // Gates the MODULE command, which tsredis does not have (it loads no modules): unknown either way.
  P('enable-module-command', 'enum', 'no', { enumValues: ['no', 'yes', 'local'], mutable: false }),
];

function checkDir(v: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(v);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'No such file or directory' : String(code));
  }
  if (!st.isDirectory()) throw new ConfigError('Not a directory');
  return v;
}

/** Redis's isValidDBfilename / isValidAOFfilename: a bare file name, never a path. */
function checkFilename(name: string): (v: string) => string {
  return (v) => {
    if (v.includes('/')) throw new ConfigError(`${name} can't be a path, just a filename`);
    return v;
  };
}

function mergeOutputLimits(prev: string, v: string): string {
  const r = applyOutputLimits(parseOutputLimits(prev), v);
  if (typeof r === 'string') throw new ConfigError(r);
  return formatOutputLimits(r);
}

function checkProcTitle(v: string): string {
  if (!validProcTitleTemplate(v))
    throw new ConfigError('template format is invalid or contains unknown variables');
  return v;
}

function checkNotifyFlags(v: string): string {
  const flags = parseNotifyFlags(v);
  if (flags === null) throw new ConfigError(INVALID_CLASS_ERROR);
  return formatNotifyFlags(flags);
}

function checkPercentiles(v: string): string {
  const parts = v.split(/\s+/).filter((x) => x !== '');
  for (const x of parts) {
    const n = Number(x);
    if (!/^[0-9.eE+-]+$/.test(x) || !Number.isFinite(n))
      throw new ConfigError('Invalid latency-tracking-info-percentiles parameters');
    if (n < 0 || n > 100)
      throw new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
  }
  return parts.map((x) => String(Number(x))).join(' ');
}

const BY_NAME = new Map<string, ParamDef>();
for (const p of PARAMS) {
  BY_NAME.set(p.name, p);
  for (const a of p.aliases ?? []) BY_NAME.set(a, p);
}

export function lookupParam(name: string): ParamDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export class ConfigError extends Error {}

/** Normalises and validates a value for a parameter; throws ConfigError with Redis-like text. */
function normalise(def: ParamDef, args: string[]): string {
  if (def.kind === 'multi' || def.kind === 'save') {
    const v = args.join(' ').trim();
    if (def.kind === 'save') {
      if (v === '') return '';
      const parts = v.split(/\s+/);
      if (parts.length % 2 !== 0 || parts.some((x) => !/^[0-9]+$/.test(x)))
        throw new ConfigError('Invalid save parameters');
      return parts.join(' ');
    }
    return v;
  }
  if (args.length !== 1) throw new ConfigError('wrong number of arguments');
  const v = args[0];
  switch (def.kind) {
    case 'bool': {
      const b = parseBool(v);
      if (b === null) throw new ConfigError("argument must be 'yes' or 'no'");
      return b ? 'yes' : 'no';
    }
    case 'int': {
      if (!/^-?[0-9]+$/.test(v)) throw new ConfigError("argument couldn't be parsed into an integer");
      const n = Number(v);
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        throw new ConfigError(
          `argument must be between ${def.min ?? '-inf'} and ${def.maxText ?? def.max ?? 'inf'} inclusive`,
        );
      }
      return String(n);
    }
    case 'memory': {
      const n = parseMemory(v);
      if (n === null) throw new ConfigError('argument must be a memory value');
      if (def.min !== undefined && n < def.min) {
        throw new ConfigError(`argument must be between ${def.min} and ${Number.MAX_SAFE_INTEGER} inclusive`);
      }
      return String(n);
    }
    case 'enum': {
      const l = v.toLowerCase();
      if (!(def.enumValues ?? []).includes(l)) {
        throw new ConfigError(
          `argument(s) must be one of the following: ${(def.enumValues ?? []).join(', ')}`,
        );
      }
      return l;
    }
    default:
      return v;
  }
}

/** maxmemory-clients: a memory value, or a percentage of maxmemory (Redis's PERCENT_CONFIG). */
function checkMaxmemoryClients(v: string): string {
  const pct = /^([0-9]+)%$/.exec(v);
  if (pct !== null) {
    if (Number(pct[1]) > 100) throw new ConfigError('argument must be between 0 and 100 inclusive');
    return `${Number(pct[1])}%`;
  }
  const n = parseMemory(v);
  if (n === null) throw new ConfigError('argument must be a memory or percent value');
  return String(n);
}

export type ChangeListener = (name: string, value: string) => void;

export class Config {
  private values = new Map<string, string>();
  /** Names set explicitly (config file, command line, CONFIG SET): what REWRITE writes. */
  private explicit = new Set<string>();
  private listeners: ChangeListener[] = [];
  /** The config file this server was started with, for CONFIG REWRITE. */
  configFile: string | null = null;

  constructor() {
    for (const p of PARAMS) this.values.set(p.name, p.default);
  }

  onChange(l: ChangeListener): void {
    this.listeners.push(l);
  }

  get(name: string): string {
    const fast = this.values.get(name);
    if (fast !== undefined) return fast;
    const def = lookupParam(name);
    if (def === undefined) throw new Error(`unknown config ${name}`);
    return this.values.get(def.name) as string;
  }

  getInt(name: string): number {
    let n = this.ints.get(name);
    if (n === undefined) {
      n = Number(this.get(name));
      this.ints.set(name, n);
    }
    return n;
  }

  /** Parsed integer values, dropped whenever a value changes. */
  private ints = new Map<string, number>();

  getBool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /** The `user <name> <rules...>` lines of the configuration, in order (server/acl.ts loads them). */
  readonly userDirectives: string[][] = [];
  /** The `user` lines CONFIG REWRITE writes (set by the ACL module; none when an aclfile is used). */
  aclRewrite: (() => string[]) | null = null;

  /** Applies a directive at startup or from CONFIG SET. `runtime` enforces mutability. */
  set(name: string, args: string[], runtime: boolean): void {
    if (!runtime && name.toLowerCase() === 'user' && args.length >= 1) {
      this.userDirectives.push([...args]);
      return;
    }
    const def = lookupParam(name);
    if (def === undefined) throw new ConfigError('Bad directive or wrong number of arguments');
    if (runtime && def.mutable === false) throw new ConfigError("can't set immutable config");
    const given = normalise(def, args);
    const prev = this.values.get(def.name) as string;
    const v =
      def.merge !== undefined ? def.merge(prev, given) : def.check !== undefined ? def.check(given) : given;
    if (def.only !== undefined && !def.only.includes(v))
      throw new ConfigError(def.unsupported ?? 'unsupported value');
    this.givenValues.set(def.name, given);
    // `save` may repeat in a config file: each line adds points ("save ''" clears).
    if (def.kind === 'save' && !runtime && this.explicit.has('save') && v !== '') {
      const prev = this.values.get('save') as string;
      this.values.set('save', prev === '' ? v : `${prev} ${v}`);
    } else {
      this.values.set(def.name, v);
    }
    this.explicit.add(def.name);
    this.ints.clear();
    for (const l of this.listeners) l(def.name, this.values.get(def.name) as string);
  }

  /** What restore() needs to undo a set(): the stored value and the value as given. */
  snapshot(name: string): { stored: string; given: string } | null {
    const def = lookupParam(name);
    if (def === undefined) return null;
    return { stored: this.values.get(def.name) as string, given: this.givenValue(def.name) };
  }

  /** Puts back a snapshot() exactly (CONFIG SET's rollback), and tells the listeners. */
  restore(name: string, snap: { stored: string; given: string }): void {
    const def = lookupParam(name);
    if (def === undefined) return;
    this.values.set(def.name, snap.stored);
    this.givenValues.set(def.name, snap.given);
    this.ints.clear();
    for (const l of this.listeners) l(def.name, snap.stored);
  }

  isProtected(name: string): boolean {
    return lookupParam(name)?.protected === true;
  }

  /** The log line for a directive set to a value tsredis ignores (see ParamDef.ignored), or null. */
  ignoredNote(name: string): string | null {
    const def = lookupParam(name);
    if (def?.ignored === undefined) return null;
    const v = this.values.get(def.name) as string;
    if (v === def.default) return null;
    return `${def.name} ${v}: ignored by tsredis (${def.ignored})`;
  }

  /** Values as given, before a check rewrote them for display (notify-keyspace-events: "KEAmn" is shown
   * as "AKEm", as Redis shows it, but still means class n too). */
  private givenValues = new Map<string, string>();

  /** The value as last given (set), or the stored value. */
  givenValue(name: string): string {
    const def = lookupParam(name);
    if (def === undefined) throw new Error(`unknown config ${name}`);
    return this.givenValues.get(def.name) ?? (this.values.get(def.name) as string);
  }

  /** The explicitly set directives, in the order they were first set. */
  explicitNames(): string[] {
    return [...this.explicit];
  }

  /** CONFIG GET with glob patterns: [name, value] pairs. */
  getMatching(patterns: string[], match: (pattern: string, s: string) => boolean): [string, string][] {
    const out = new Map<string, string>();
    for (const pat of patterns) {
      const lp = pat.toLowerCase();
      const exact = lookupParam(lp);
      if (exact !== undefined && !/[*?[]/.test(lp)) {
        out.set(
          lp === exact.name || !(exact.aliases ?? []).includes(lp) ? exact.name : lp,
          this.values.get(exact.name) as string,
        );
        continue;
      }
      for (const p of PARAMS) {
        if (match(lp, p.name)) out.set(p.name, this.values.get(p.name) as string);
        for (const a of p.aliases ?? []) if (match(lp, a)) out.set(a, this.values.get(p.name) as string);
      }
    }
    return [...out];
  }

  /** The lines CONFIG REWRITE writes for explicitly-set parameters. */
  rewriteLines(): string[] {
    const lines: string[] = [];
    for (const name of this.explicit) {
      const v = this.values.get(name) as string;
      if (name === 'save') {
        if (v === '') lines.push('save ""');
        else {
          const parts = v.split(' ');
          for (let i = 0; i < parts.length; i += 2) lines.push(`save ${parts[i]} ${parts[i + 1]}`);
        }
      } else if (name === 'replicaof') {
        if (v !== '') lines.push(`replicaof ${v}`);
      } else lines.push(`${name} ${quoteConfigValue(v)}`);
    }
    if (this.aclRewrite !== null) lines.push(...this.aclRewrite());
    return lines;
  }
}

export function quoteConfigValue(v: string): string {
  if (v === '') return '""';
  if (/^[A-Za-z0-9_./:*@-]+$/.test(v) || /^[0-9a-z *:-]+$/.test(v)) return v.includes(' ') ? `"${v}"` : v;
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// The contract between the dispatcher and command families: a command's spec (name, arity, flags, key
// positions, handler) and the context a handler gets (its client's db, replies, blocking, propagation).
import type { Db } from '../store/db.js';

export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'no_multi'
  | 'allow_busy'
  /** Refused unless enable-debug-command / enable-module-command allows this client (Redis 7.0). */
  | 'protected';

export interface CommandSpec {
  /** Lower-case command name. */
  name: string;
  /** Redis arity: positive = exact argc, negative = at least -arity. Counts the name itself. */
  arity: number;
  flags: CommandFlag[];
  /** Key positions for COMMAND INFO / GETKEYS: first, last (negative counts from the end), step. */
  firstKey: number;
  lastKey: number;
  step: number;
  /** ACL-style category shown by COMMAND INFO, e.g. 'string', 'list', 'keyspace'. */
  group: string;
  handler: (c: Ctx, argv: string[]) => void;
  /** Subcommands (CONFIG GET, CLIENT LIST, ...), looked up by lower-case name. */
  subcommands?: CommandSpec[];
  /** "parent|sub" for subcommands (set when registered); stats and INFO use it. */
  fullName?: string;
  /** Flag bits (F_*) computed when registered, for the dispatcher's hot path. */
  bits?: number;
  /**
   * The flag bits of one call, when they depend on its arguments: EVAL and FCALL take a script's or a
   * function's flags (write, denyoom, stale), so the dispatcher refuses them as Redis does.
   */
  flagsFor?: (argv: string[]) => number;
}

/** What a command handler may do. Errors are raised by throwing RedisError (store/errors.ts). */
export interface Ctx {
  readonly db: Db;
  /** The protocol the client speaks: 2 (RESP2) or 3 (RESP3). */
  readonly resp: 2 | 3;
  /** True when the command runs inside EXEC (blocking commands must not block). */
  readonly inExec: boolean;
  /** True for the replication link from our master: its writes are applied as sent (no LIMIT checks). */
  readonly isMaster: boolean;
  /** True when a script's redis.call runs the command. */
  readonly inScript: boolean;
  /** Another database by index (COPY, MOVE), or undefined when out of range. */
  dbAt(index: number): Db | undefined;
  /** Time seen by this command in ms (fixed for its duration). */
  now(): number;

  ok(): void;
  simple(s: string): void;
  error(message: string): void;
  int(n: number | bigint): void;
  bulk(s: string): void;
  /** The null reply: $-1 in RESP2, _ in RESP3. */
  nil(): void;
  /** The null array: *-1 in RESP2, _ in RESP3. */
  nilArray(): void;
  arrayLen(n: number): void;
  /** A map of n pairs: flat array of 2n in RESP2, % in RESP3. */
  mapLen(n: number): void;
  /** A set: array in RESP2, ~ in RESP3. */
  setLen(n: number): void;
  /** A double: bulk string (%.17g) in RESP2, , in RESP3. */
  double(d: number): void;
  /** An array of bulk strings. */
  bulks(items: readonly string[]): void;
  /** Verbatim text (INFO, CLIENT LIST): bulk in RESP2, = txt in RESP3. */
  verbatim(s: string): void;
  bool(b: boolean): void;

  /**
   * Blocks the client until one of keys is modified or timeoutMs passes (0 = forever). The dispatcher
   * re-runs the same command when a key changes; on timeout it replies nilArray() (or nil() if
   * timeoutReply is 'nil'). Inside EXEC the timeout reply is sent at once. rerunArgv replaces the
   * arguments of the re-runs (XREAD resolves `$` to the ID that was last when it blocked).
   */
  block(keys: string[], timeoutMs: number, timeoutReply?: 'nil' | 'nilArray', rerunArgv?: string[]): void;

  /**
   * The key whose change re-runs this blocked command (rerunArgv, when block() gave one, is what runs);
   * null when the command runs for the first time.
   */
  wokenBy(): string | null;

  /** Replaces what gets propagated to replicas for this command (e.g. SET EX -> SET PXAT). */
  propagateAs(...argvs: string[][]): void;

  /**
   * A keyspace event for key in this command's db: cls is a NOTIFY_* class (config/notify-classes.ts),
   * event Redis's event name ('set', 'lpush', 'del', ...). notify-keyspace-events decides if it is sent.
   */
  notify(cls: number, event: string, key: string): void;
}

export const F_WRITE = 1;
export const F_NO_AUTH = 2;
export const F_MAY_REPLICATE = 4;
export const F_NO_MULTI = 8;
export const F_STALE = 16;
export const F_LOADING = 32;
/** Not shown to MONITOR clients (skip_monitor or admin, as in Redis). */
export const F_NOT_MONITORED = 64;
export const F_PROTECTED = 128;
/** May add memory: refused with OOM while used memory is over maxmemory. */
export const F_DENYOOM = 256;
/** Served while a script is busy (AUTH, HELLO, MULTI, SCRIPT KILL, SHUTDOWN, ...). */
export const F_ALLOW_BUSY = 512;
/** Refused inside scripts ("This Redis command is not allowed from script"). */
export const F_NOSCRIPT = 1024;

export function flagBits(flags: readonly CommandFlag[]): number {
  let b = 0;
  if (flags.includes('write')) b |= F_WRITE;
  if (flags.includes('no_auth')) b |= F_NO_AUTH;
  if (flags.includes('may_replicate')) b |= F_MAY_REPLICATE;
  if (flags.includes('no_multi')) b |= F_NO_MULTI;
  if (flags.includes('stale')) b |= F_STALE;
  if (flags.includes('loading')) b |= F_LOADING;
  if (flags.includes('skip_monitor') || flags.includes('admin')) b |= F_NOT_MONITORED;
  if (flags.includes('protected')) b |= F_PROTECTED;
  if (flags.includes('denyoom')) b |= F_DENYOOM;
  if (flags.includes('allow_busy')) b |= F_ALLOW_BUSY;
  if (flags.includes('noscript')) b |= F_NOSCRIPT;
  return b;
}

export interface CommandFamily {
  commands: CommandSpec[];
}

/** Shorthand for building a spec. */
export function cmd(
  name: string,
  arity: number,
  flags: CommandFlag[],
  keys: [number, number, number],
  group: string,
  handler: (c: Ctx, argv: string[]) => void,
): CommandSpec {
  return { name, arity, flags, firstKey: keys[0], lastKey: keys[1], step: keys[2], group, handler };
}

/** Keys [0, 0, 0]: a command without key arguments. */
export const NO_KEYS: [number, number, number] = [0, 0, 0];

/** A subcommand spec of the 'server' group with no keys (CONFIG GET, SLOWLOG LEN, ...). */
export function serverSub(
  name: string,
  arity: number,
  flags: CommandFlag[],
  handler: (c: Ctx, argv: string[]) => void,
): CommandSpec {
  return cmd(name, arity, flags, NO_KEYS, 'server', handler);
}

// The run of a script (EVAL and, through the same path, FCALL): what Redis 7.0's script.c does around
// the Lua VM. Before: the checks a script gets from its flags (READONLY on a replica, OOM, *_RO,
// stale). During: every redis.call through the script client, with the checks Redis makes per command
// (unknown, noscript, write in a read-only script, READONLY, OOM before the first write), time frozen
// at the script's start, the effects propagated as one MULTI/EXEC. A script still running after
// busy-reply-threshold yields to the event loop from its count hook: other clients then get -BUSY
// (server.busyScript), SCRIPT KILL / FUNCTION KILL / SHUTDOWN NOSAVE are served, and the script resumes
// in slices until it ends or is killed.
import { performance } from 'node:perf_hooks';
import { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import {
  F_DENYOOM,
  F_MAY_REPLICATE,
  F_NOSCRIPT,
  F_STALE,
  F_WRITE,
  type CommandSpec,
} from '../server/command.js';
import { OOM_ERROR } from '../server/maxmemory.js';
import { RedisError } from '../store/errors.js';
import { parseIntStrict } from '../commands/util.js';
import { arityAccepts, handlerSubcommand, redisCommand } from '../commands/command-info.js';
import { REDIS_VERSION } from '../commands/connection.js';
import { LuaVM, Rand48, type LuaHost, type RunStatus } from './lua-vm.js';
import * as R from '../protocol/reply.js';

/** Script flags: the shebang's (#!lua flags=...) or a function's (register_function flags). */
export const SCRIPT_NO_WRITES = 1;
export const SCRIPT_ALLOW_OOM = 2;
export const SCRIPT_ALLOW_STALE = 4;
export const SCRIPT_NO_CLUSTER = 8;
export const SCRIPT_ALLOW_CROSS_SLOT = 16;
/** An EVAL script without a shebang: Redis's backwards-compatible checks. */
export const SCRIPT_EVAL_COMPAT = 32;

export const SCRIPT_FLAG_NAMES: [string, number][] = [
  ['no-writes', SCRIPT_NO_WRITES],
  ['allow-oom', SCRIPT_ALLOW_OOM],
  ['allow-stale', SCRIPT_ALLOW_STALE],
  ['no-cluster', SCRIPT_NO_CLUSTER],
  ['allow-cross-slot-keys', SCRIPT_ALLOW_CROSS_SLOT],
];

/**
 * The flags EVAL/FCALL run with (Redis's scriptFlagsToCmdFlags): a script with flags (a shebang, a
 * function) is a write unless no-writes, denyoom unless no-writes or allow-oom, stale-ok if allow-stale;
 * an EVAL script without a shebang keeps the command's own flags.
 */
/**
 * EVAL's and FCALL's numkeys: strictly an int64 (Redis's string2ll: no '+', no leading zeros, no "-0"),
 * at most the arguments after it, not negative. `notInt` is the command's error for a non-integer.
 */
export function parseNumKeys(arg: string, argsAfter: number, notInt: string): number {
  const big = parseIntStrict(arg);
  if (big === null) throw new RedisError(notInt);
  if (big > BigInt(argsAfter))
    throw new RedisError("ERR Number of keys can't be greater than number of args");
  if (big < 0n) throw new RedisError("ERR Number of keys can't be negative");
  return Number(big);
}

export function scriptCommandBits(base: number, flags: number): number {
  if ((flags & SCRIPT_EVAL_COMPAT) !== 0) return base;
  let b = base & ~(F_STALE | F_DENYOOM | F_WRITE | F_MAY_REPLICATE);
  if ((flags & (SCRIPT_ALLOW_OOM | SCRIPT_NO_WRITES)) === 0) b |= F_DENYOOM;
  if ((flags & SCRIPT_NO_WRITES) === 0) b |= F_WRITE;
  if ((flags & SCRIPT_ALLOW_STALE) !== 0) b |= F_STALE;
  return b;
}

export const BUSY_EVAL =
  'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION =
  'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';

/** Instructions between two looks at the clock, as in Redis. */
const HOOK_EVERY = 100_000;
/** How long a busy script runs before it yields to the event loop again. */
const BUSY_SLICE_MS = 20;
/** FUNCTION LOAD's limit for running a library's code. */
const LOAD_TIMEOUT_MS = 500;
/** Lua's incremental GC gets a step every this many runs (Redis's LUA_GC_CYCLE_PERIOD). */
const GC_PERIOD = 50;

/** The client the scripts' commands run as: its replies are collected, never sent. */
export class ScriptClient extends Client {
  constructor(server: Server) {
    // SLOWLOG and CLIENT show it as Redis shows its fake clients; MONITOR as "lua".
    super(server, null, 0, '?:0');
    this.inExec = true; // blocking commands do not block inside a script
  }
  override monitorAddr(): string {
    return 'lua';
  }
  override get inScript(): boolean {
    return true;
  }
  override write(s: string): void {
    this.out += s;
  }
  override flush(): void {}
}

/** What one run needs, from start to end (a busy run outlives the command that started it). */
export interface Run {
  vm: LuaVM;
  /** The command that started it (FUNCTION STATS shows it). */
  argv: string[];
  caller: Client;
  /** The name error replies and logs use: the SHA of an EVAL script, a function's name. */
  name: string;
  evalMode: boolean;
  readOnly: boolean;
  allowOom: boolean;
  /** OOM at the start: denyoom commands are refused until the script's first write. */
  oomAtStart: boolean;
  writeDirty: boolean;
  startedAt: number;
  timedOut: boolean;
  killed: boolean;
  /** Set when the run ends after yielding: the caller's reply is written then. */
  yielded: boolean;
}

/** What a run's caller gets: the reply text (RESP) and whether it is an error. */
export interface RunResult {
  reply: string;
  error: boolean;
}

export class ScriptRunner implements LuaHost {
  /** EVAL's VM. */
  readonly vm: LuaVM;
  /** FUNCTION libraries' VM: their own state and environment, as in Redis 7.0. */
  readonly fvm: LuaVM;
  readonly client: ScriptClient;
  current: Run | null = null;
  private runs = 0;
  /** Called when a run that yielded has ended (the reply goes to its caller then). */
  private onBusyEnd: ((r: RunResult) => void) | null = null;

  constructor(private readonly server: Server) {
    this.client = new ScriptClient(server);
    const [major, minor, patch] = REDIS_VERSION.split('.').map(Number);
    const version = { num: (major << 16) | (minor << 8) | patch, text: REDIS_VERSION };
    this.vm = new LuaVM(this, version);
    this.fvm = new LuaVM(this, version, true);
  }

  /** When the library being loaded started (FUNCTION LOAD gives up after 500 ms, as Redis). */
  loadStartedAt = 0;

  loadTimedOut(): boolean {
    return performance.now() - this.loadStartedAt > LOAD_TIMEOUT_MS;
  }

  /**
   * The checks a script gets before it runs (Redis's scriptPrepareForRun); an error message or null.
   * flags: the script's; ro: called as EVAL_RO / EVALSHA_RO / FCALL_RO.
   */
  refusal(caller: Client, flags: number, ro: boolean): string | null {
    const s = this.server;
    const stale =
      s.replicaMode &&
      !s.config.getBool('replica-serve-stale-data') &&
      !s.replicaLinkUp() &&
      !caller.isMaster;
    if ((flags & SCRIPT_EVAL_COMPAT) !== 0) {
      return stale
        ? "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
        : null;
    }
    if (stale && (flags & SCRIPT_ALLOW_STALE) === 0) {
      return "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.";
    }
    if ((flags & SCRIPT_NO_WRITES) === 0) {
      if (s.replicaMode && s.config.getBool('replica-read-only') && !caller.isMaster) {
        return 'READONLY Can not run script with write flag on readonly replica';
      }
      if (s.persistence?.writeRefusal() != null && !caller.isMaster) {
        return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.";
      }
      if (ro) return 'ERR Can not execute a script with write flag using *_ro command.';
      const noReplicas = s.minReplicasRefusal();
      if (noReplicas !== null) return noReplicas;
    }
    if (
      s.memory.maxmemory !== 0 &&
      s.memory.lastEvictionFailed &&
      (flags & (SCRIPT_ALLOW_OOM | SCRIPT_NO_WRITES)) === 0 &&
      !caller.isMaster
    ) {
      return "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'";
    }
    return null;
  }

  /**
   * Runs registry[fname] for caller. Returns the result, or null when the script yielded: then
   * whenDone gets the result once it ends (the server is busy until then).
   */
  start(
    vm: LuaVM,
    caller: Client,
    fname: string,
    name: string,
    flags: number,
    ro: boolean,
    evalMode: boolean,
    keys: readonly string[],
    args: readonly string[],
    whenDone: (r: RunResult) => void,
    argv: string[],
  ): RunResult | null {
    const s = this.server;
    const sc = this.client;
    sc.db = caller.db;
    sc.resp = 2;
    sc.isMaster = caller.isMaster;
    sc.out = '';
    const compat = (flags & SCRIPT_EVAL_COMPAT) !== 0;
    const run: Run = {
      vm,
      argv,
      caller,
      name,
      evalMode,
      readOnly: ro || (!compat && (flags & SCRIPT_NO_WRITES) !== 0),
      allowOom: !compat && (flags & SCRIPT_ALLOW_OOM) !== 0,
      oomAtStart: s.memory.maxmemory !== 0 && s.memory.lastEvictionFailed,
      writeDirty: false,
      startedAt: performance.now(),
      timedOut: false,
      killed: false,
      yielded: false,
    };
    this.current = run;
    this.onBusyEnd = whenDone;
    s.beginScript();
    const threshold = s.config.getInt('busy-reply-threshold');
    let st: RunStatus;
    try {
      st = vm.run(fname, name, keys, args, !evalMode, caller.resp, threshold > 0 ? HOOK_EVERY : 0);
    } catch (e) {
      return this.failed(vm, e);
    }
    if (st === 'yield') {
      this.enterBusy(run);
      return null;
    }
    return this.end(st);
  }

  /** The host is broken (a bug or a trap in the VM): a fresh VM, and an error for this run. */
  private failed(vm: LuaVM, e: unknown): RunResult {
    this.server.log.warning(`Lua VM failure, restarting it: ${(e as Error).stack ?? String(e)}`);
    vm.reset();
    if (vm === this.vm) this.afterReset();
    else this.afterFunctionsReset();
    const r = this.end('error', `-ERR internal error in the Lua VM: ${(e as Error).message}\r\n`);
    return r;
  }

  /** Hook for the script cache: everything compiled is gone after a VM reset. */
  afterReset: () => void = () => {};
  /** Hook for the function libraries: they load again after their VM's reset. */
  afterFunctionsReset: () => void = () => {};

  private end(st: RunStatus, forced?: string): RunResult {
    const run = this.current;
    const reply = forced ?? run?.vm.output() ?? '';
    this.current = null;
    this.onBusyEnd = null;
    this.server.endScript();
    if (run?.timedOut === true) this.server.leaveBusy();
    if (++this.runs % GC_PERIOD === 0) run?.vm.gcStep(GC_PERIOD);
    return { reply: reply === '' ? R.NULL_BULK : reply, error: st === 'error' || reply.startsWith('-') };
  }

  private enterBusy(run: Run): void {
    run.timedOut = true;
    run.yielded = true;
    const elapsed = Math.round(performance.now() - run.startedAt);
    this.server.log.warning(
      `Slow script detected: still in execution after ${elapsed} milliseconds. You can try killing the script using the ${run.evalMode ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${run.name}.`,
    );
    this.server.enterBusy(run.evalMode ? BUSY_EVAL : BUSY_FUNCTION);
    this.scheduleSlice();
  }

  private sliceEnd = 0;

  private scheduleSlice(): void {
    setImmediate(() => {
      const run = this.current;
      if (run === null) return;
      this.sliceEnd = performance.now() + BUSY_SLICE_MS;
      let st: RunStatus;
      const done = this.onBusyEnd;
      try {
        st = run.vm.resume();
      } catch (e) {
        const r = this.failed(run.vm, e);
        done?.(r);
        return;
      }
      if (st === 'yield') {
        this.scheduleSlice();
        return;
      }
      const r = this.end(st);
      done?.(r);
    });
  }

  /** SCRIPT KILL / FUNCTION KILL: an error message, or null when the script will be killed. */
  kill(evalCommand: boolean): string | null {
    const run = this.current;
    if (run === null || !run.timedOut) return 'NOTBUSY No scripts in execution right now.';
    if (run.caller.isMaster) {
      return 'UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.';
    }
    if (run.writeDirty) {
      return 'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';
    }
    if (evalCommand && !run.evalMode) return BUSY_FUNCTION;
    if (!evalCommand && run.evalMode) return BUSY_EVAL;
    run.killed = true;
    return null;
  }

  // ---- LuaHost ----

  hook(yieldable: boolean): 0 | 1 | 2 {
    const run = this.current;
    if (run === null) return 0;
    if (run.killed) {
      this.server.log.warning('Lua script killed by user with SCRIPT KILL.');
      return 2;
    }
    const now = performance.now();
    if (run.timedOut) return yieldable && now >= this.sliceEnd ? 1 : 0;
    if (now - run.startedAt < this.server.config.getInt('busy-reply-threshold')) return 0;
    if (!yieldable) return 0; // inside a C call (pcall, a metamethod): yields at the next chance
    return 1;
  }

  call(argv: string[], resp: 2 | 3): string {
    const run = this.current;
    if (run === null) return R.error('ERR redis.call/pcall can only be called inside a script invocation');
    const spec = this.lookup(argv);
    if (typeof spec === 'string') return R.error(spec);
    const s = this.server;
    const bits = spec.bits ?? 0;
    const sc = this.client;
    if ((bits & F_NOSCRIPT) !== 0) return R.error('ERR This Redis command is not allowed from script');
    const isWrite = (bits & F_WRITE) !== 0;
    if (
      (bits & F_STALE) === 0 &&
      s.replicaMode &&
      !s.config.getBool('replica-serve-stale-data') &&
      !s.replicaLinkUp() &&
      !run.caller.isMaster
    ) {
      return R.error('ERR Can not execute the command on a stale replica');
    }
    // ACLs: the script runs as its caller's user; a refusal is logged with the caller's client info.
    sc.user = run.caller.user;
    if (!sc.user.unrestricted && !run.caller.isMaster) {
      const r = s.acl.check(sc.user, spec, argv);
      if (r !== null) {
        const { reason, pos } = r.denial;
        run.caller.lastCmd = s.commands.get(run.argv[0].toLowerCase())?.name ?? run.caller.lastCmd;
        s.acl.addLog(run.caller, reason, 'lua', reason === 'command' ? r.cmd : argv[pos], sc.user.name);
        return R.error(
          reason === 'command'
            ? "ERR The user executing the script can't run this command or subcommand"
            : reason === 'key'
              ? "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments"
              : "ERR The user executing the script can't publish to the channel mentioned in the command",
        );
      }
    }
    if (run.readOnly && (bits & (F_WRITE | F_MAY_REPLICATE)) !== 0) {
      return R.error('ERR Write commands are not allowed from read-only scripts.');
    }
    if (isWrite && !run.writeDirty) {
      if (s.replicaMode && s.config.getBool('replica-read-only') && !run.caller.isMaster) {
        return R.error("READONLY You can't write against a read only replica.");
      }
      if (!run.caller.isMaster) {
        const refusal = s.persistence?.writeRefusal() ?? s.minReplicasRefusal();
        if (refusal !== null) return R.error(refusal);
      }
    }
    if (
      !run.allowOom &&
      s.memory.maxmemory !== 0 &&
      !run.caller.isMaster &&
      !run.writeDirty &&
      run.oomAtStart &&
      (bits & F_DENYOOM) !== 0
    ) {
      return R.error(OOM_ERROR);
    }
    if (isWrite) run.writeDirty = true;
    sc.resp = resp;
    sc.out = '';
    // redis.set_repl: without REPL_REPLICA the command's effects stay here (tsredis has no AOF).
    s.propagationMuted = (run.vm.replFlags() & 2) === 0;
    try {
      s.call(sc, spec, argv);
    } finally {
      s.propagationMuted = false;
    }
    const reply = sc.out;
    sc.out = '';
    return reply;
  }

  known(argv: string[]): boolean {
    return typeof this.lookup(argv) !== 'string';
  }

  aclAllows(argv: string[]): boolean {
    const spec = this.lookup(argv);
    const user = (this.current?.caller ?? this.client).user;
    if (typeof spec === 'string' || user.unrestricted) return true;
    return this.server.acl.check(user, spec, argv) === null;
  }

  /** math.random's generator: one for EVAL and functions. */
  private readonly random = new Rand48();

  rand48(): number {
    return this.random.next();
  }

  srand48(seed: number): void {
    this.random.seed(seed);
  }

  log(level: number, message: string): void {
    const l = this.server.log;
    if (level === 0) l.debug(message);
    else if (level === 1) l.verbose(message);
    else if (level === 2) l.notice(message);
    else l.warning(message);
  }

  /** The command argv names, or the error Redis gives a script for it. */
  private lookup(argv: string[]): CommandSpec | string {
    const s = this.server;
    const spec = s.commands.get(argv[0].toLowerCase());
    if (spec === undefined) return 'ERR Unknown Redis command called from script';
    let found = spec;
    if (spec.subcommands !== undefined && argv.length >= 2) {
      const sub = spec.subcommands.find((x) => x.name === argv[1].toLowerCase());
      if (sub === undefined) return 'ERR Unknown Redis command called from script';
      found = sub;
    }
    // A subcommand its container's handler dispatches (OBJECT ENCODING) has Redis's arity too, and one
    // Redis does not know is an unknown command, as Redis's lookup of `container|sub` finds nothing.
    const container = found === spec && argv.length >= 2 ? redisCommand(spec.name) : undefined;
    if (
      container?.subcommands !== undefined &&
      redisCommand(`${spec.name}|${argv[1].toLowerCase()}`) === undefined
    ) {
      return 'ERR Unknown Redis command called from script';
    }
    const inner = container !== undefined ? handlerSubcommand(spec.name, argv[1]) : undefined;
    if (
      !arityAccepts(found.arity, argv.length) ||
      (inner !== undefined && !arityAccepts(inner.arity, argv.length))
    ) {
      return 'ERR Wrong number of args calling Redis command from script';
    }
    return found;
  }
}

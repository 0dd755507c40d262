// bench/lua-vm.ts — owns only this file and its output bench/results/lua-vm.json.
// Chooses the Lua VM for EVAL by measurement: fengari (Lua 5.3 in pure JS) and wasmoon (Lua 5.4 in
// WebAssembly), installed outside the project in ~/.cache/tsredis/lua-vm-candidates, plus any
// candidate another file plugs in through `Candidate` and `runBench`. Per candidate it measures
// EVAL (compile each time) and EVALSHA (call a precompiled function) of a one-call script and of a
// BullMQ-sized script, start-up and compile time, and whether `while true do end` can be interrupted;
// then it runs ~40 snippets where Lua 5.1 differs from 5.3/5.4 on each candidate and on a real
// redis-server 7.0 and counts matches.
// Run: npx tsc -p tsconfig.json && node dist/bench/lua-vm.js (fengari and wasmoon only); the full
// comparison with tsredis's own VM is bench/lua-vm-ours.ts (node dist/bench/lua-vm-ours.js), which
// writes the same results file with all three rows.
//
// Plugging in another VM from another file (its main guard must also check isMainThread, because the
// endless-loop test imports that file in a worker thread to call the factory named in `spawn`):
//   import { runBench, defaultCandidates, type Candidate } from './lua-vm.js';
//   export function createOurLua(): Candidate {
//     return { name: 'ours', luaVersion: '5.1', spawn: { module: import.meta.url, exportName: 'createOurLua' },
//              load, eval, compile, setTimeLimit, close };
//   }
//   if (isMainThread && <run as script>) await runBench([...defaultCandidates(), createOurLua()]);
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { startRedis, type RunningServer } from '../test/helpers/procs.js';

// ---------------------------------------------------------------------------------------------
// The pluggable candidate interface
// ---------------------------------------------------------------------------------------------

/** What the host (the server's command dispatcher) returns to `redis.call`. */
export type HostValue = string | number | null;
export type Host = (args: string[]) => HostValue;
/** A script's result converted as Redis converts Lua values to replies. */
export type ScriptResult = string | number | null | { err: string } | { ok: string } | ScriptResult[];
/** The EVALSHA path: a script compiled once; calling it only sets KEYS/ARGV and runs it. */
export type CompiledScript = (keys: string[], argv: string[], host: Host) => ScriptResult;

export interface Candidate {
  name: string;
  /** The Lua language version the VM implements, e.g. '5.1'. */
  luaVersion: string;
  /** Untimed set-up before load() (e.g. installing the package). Optional. */
  prepare?(): void;
  /**
   * Imports/instantiates the VM and creates one Lua state with the standard libraries, a global
   * `redis` table and `redis.call`. Timed as start-up.
   */
  load(): Promise<void>;
  /**
   * EVAL with compile each time: compiles `script`, sets globals KEYS and ARGV (tables of strings),
   * runs it. `redis.call(...)` converts its arguments to strings (numbers as Redis does, %.17g),
   * calls host(args) and converts the reply to Lua (string → string, number → number, null →
   * false). A Lua error (compile or run time) throws a JS Error with Lua's message.
   */
  eval(script: string, keys: string[], argv: string[], host: Host): ScriptResult;
  /** Compiles once and returns the function to call (EVALSHA path). Absent: not measured. */
  compile?(script: string): CompiledScript;
  /**
   * Arms (ms) or disarms (null) a limit: any later eval/compiled call running longer than ms is
   * interrupted with a Lua error (thrown as a JS Error). Absent: the VM cannot be interrupted.
   */
  setTimeLimit?(ms: number | null): void;
  close(): void;
  /**
   * How to build a fresh instance in a worker thread for the endless-loop test (which must not be
   * able to hang this process): `module` is a module URL (e.g. import.meta.url) exporting
   * `exportName`, a zero-argument function returning a Candidate. Absent: the test is not run.
   */
  spawn?: { module: string; exportName: string };
}

export interface Throughput {
  ops: number;
  ms: number;
  opsPerSec: number;
}

export interface InterruptResult {
  /** The candidate offers setTimeLimit and a spawn descriptor. */
  tested: boolean;
  limitMs: number;
  /** eval threw (was interrupted) by itself. */
  stopped: boolean;
  /** From the start of eval until it threw. */
  stoppedAfterMs: number | null;
  error: string | null;
  /** After the interruption, `return 1 + 1` still gives 2 in the same state. */
  usableAfter: boolean | null;
  /** The worker had to be terminated from outside (hard limit reached). */
  terminated: boolean;
  /** load() time in the fresh worker thread: a cold start. */
  coldLoadMs: number | null;
  note?: string;
}

export interface CandidateReport {
  name: string;
  luaVersion: string;
  /** _VERSION as the VM reports it. */
  versionString: string | null;
  loadMs: number;
  firstEvalMs: number | null;
  compileOneCallUs: number | null;
  compileBullmqUs: number | null;
  /** One redis.call round trip (4 string args, string reply) from inside a Lua loop. */
  redisCallUs: number | null;
  /** A pure-Lua numeric loop of 1M iterations (VM speed without the binding). */
  luaLoop1MMs: number | null;
  oneCallEval: Throughput | { error: string };
  oneCallPrecompiled: Throughput | { error: string } | null;
  bullmqEval: Throughput | { error: string };
  bullmqPrecompiled: Throughput | { error: string } | null;
  /** The precompiled BullMQ-sized script with the time-limit hook armed (Redis always arms one). */
  bullmqPrecompiledHooked: Throughput | { error: string } | null;
  /** First three runs of the BullMQ-sized script give the same replies as redis-server's EVAL. */
  bullmqMatchesRedis: boolean | null;
  bullmqFirstResult: ScriptResult | string;
  interrupt: InterruptResult;
  semanticMatches: number;
  errors: string[];
}

export interface SemanticRow {
  snippet: string;
  redis: string | null;
  results: Record<string, string>;
  same: Record<string, boolean | null>;
  note?: string;
}

export interface BenchReport {
  machine: { cpu: string; cores: number; os: string; node: string; date: string };
  packages: Record<string, string>;
  redisServer: string | null;
  settings: typeof SETTINGS;
  candidates: CandidateReport[];
  semantics: { total: number; matches: Record<string, number>; rows: SemanticRow[] };
}

export interface BenchOptions {
  /** Where to write the JSON report; default bench/results/lua-vm.json (relative to cwd). */
  out?: string;
  /** Skip the redis-server reference (semantics and BullMQ cross-check). */
  noRedis?: boolean;
}

export const SETTINGS = {
  oneCallCount: Number(process.env.LUA_BENCH_ONECALL ?? 20_000),
  bullmqCount: Number(process.env.LUA_BENCH_BULLMQ ?? 2_000),
  compileCount: 200,
  warmupCount: 200,
  /** Wall-clock cap per measured loop. */
  maxLoopMs: 15_000,
  interruptLimitMs: 100,
  /** The endless-loop worker is terminated after this long regardless. */
  interruptHardMs: 10_000,
  /** Instructions between time checks, as Redis's script hook (LUA_MASKCOUNT every 100000). */
  hookCount: 100_000,
};

// ---------------------------------------------------------------------------------------------
// Installing the npm candidates outside the project
// ---------------------------------------------------------------------------------------------

export const CANDIDATE_PREFIX = path.join(os.homedir(), '.cache', 'tsredis', 'lua-vm-candidates');
const PINNED: Record<string, string> = { fengari: '0.1.5', wasmoon: '1.16.0' };

function installedVersion(pkg: string): string | null {
  try {
    const p = path.join(CANDIDATE_PREFIX, 'node_modules', pkg, 'package.json');
    return (JSON.parse(fs.readFileSync(p, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** npm install --prefix ~/.cache/tsredis/lua-vm-candidates fengari@x wasmoon@y, once. */
export function ensureCandidatesInstalled(): void {
  const missing = Object.keys(PINNED).filter((p) => installedVersion(p) !== PINNED[p]);
  if (missing.length === 0) return;
  fs.mkdirSync(CANDIDATE_PREFIX, { recursive: true });
  const specs = Object.entries(PINNED).map(([p, v]) => `${p}@${v}`);
  console.log(`installing ${specs.join(' ')} into ${CANDIDATE_PREFIX}`);
  execFileSync(
    'npm',
    ['install', '--prefix', CANDIDATE_PREFIX, '--save-exact', '--no-audit', '--no-fund', ...specs],
    { stdio: 'inherit', timeout: 300_000 },
  );
}

function requireCandidate(pkg: string): unknown {
  const req = createRequire(path.join(CANDIDATE_PREFIX, 'package.json'));
  return req(pkg);
}

// ---------------------------------------------------------------------------------------------
// Shared helpers: Redis's number formatting for redis.call arguments, Lua → reply conversion
// ---------------------------------------------------------------------------------------------

// Lua type tags, the same in 5.1, 5.3 and 5.4.
const T_NIL = 0;
const T_BOOLEAN = 1;
const T_NUMBER = 3;
const T_STRING = 4;
const T_TABLE = 5;

/** printf("%.17g"), which Redis uses to turn a Lua number argument of redis.call into a string. */
export function fmt17g(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant, expStr] = n.toExponential(16).split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 17) {
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = n.toFixed(16 - exp);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** The few stack operations the reply conversion needs, per VM. */
interface StackOps {
  type(i: number): number;
  str(i: number): string;
  num(i: number): number;
  bool(i: number): boolean;
  /** Pushes t[n] of the table at i; returns its type. */
  rawgeti(i: number, n: number): number;
  /** Pushes t[k] of the table at i; returns its type. */
  getfield(i: number, k: string): number;
  pop(n: number): void;
}

/** Converts the value on top of the stack as Redis converts a script's return value. */
function luaToResult(s: StackOps, depth = 0): ScriptResult {
  switch (s.type(-1)) {
    case T_STRING:
      return s.str(-1);
    case T_NUMBER:
      return Math.trunc(s.num(-1)); // Redis replies with (long long)number
    case T_BOOLEAN:
      return s.bool(-1) ? 1 : null;
    case T_TABLE: {
      if (s.getfield(-1, 'err') === T_STRING) {
        const err = s.str(-1);
        s.pop(1);
        return { err };
      }
      s.pop(1);
      if (s.getfield(-1, 'ok') === T_STRING) {
        const ok = s.str(-1);
        s.pop(1);
        return { ok };
      }
      s.pop(1);
      const out: ScriptResult[] = [];
      // Redis stops at the first nil; bounded in length and depth.
      for (let i = 1; i <= 1_000_000 && depth < 32; i++) {
        if (s.rawgeti(-1, i) === T_NIL) {
          s.pop(1);
          break;
        }
        out.push(luaToResult(s, depth + 1));
        s.pop(1);
      }
      return out;
    }
    default:
      return null;
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const NON_STRING_ARG = 'Lua redis lib command arguments must be strings or integers';
const TIMEOUT_MSG = 'ERR script interrupted: time limit reached';

// ---------------------------------------------------------------------------------------------
// fengari (Lua 5.3, pure JS), driven through its C-like API
// ---------------------------------------------------------------------------------------------

type FState = { readonly __brand: 'fengari.lua_State' };
type FCFunction = (L: FState) => number;
interface FengariLua {
  LUA_REGISTRYINDEX: number;
  LUA_MASKCOUNT: number;
  lua_gettop(L: FState): number;
  lua_settop(L: FState, idx: number): void;
  lua_type(L: FState, idx: number): number;
  lua_tojsstring(L: FState, idx: number): string;
  lua_tonumber(L: FState, idx: number): number;
  lua_toboolean(L: FState, idx: number): boolean;
  lua_pushstring(L: FState, s: Uint8Array): void;
  lua_pushinteger(L: FState, n: number): void;
  lua_pushnumber(L: FState, n: number): void;
  lua_pushboolean(L: FState, b: boolean): void;
  lua_pushcfunction(L: FState, f: FCFunction): void;
  lua_createtable(L: FState, narr: number, nrec: number): void;
  lua_rawseti(L: FState, idx: number, n: number): void;
  lua_rawgeti(L: FState, idx: number, n: number): number;
  lua_getfield(L: FState, idx: number, k: Uint8Array): number;
  lua_setfield(L: FState, idx: number, k: Uint8Array): void;
  lua_setglobal(L: FState, name: Uint8Array): void;
  lua_pcall(L: FState, nargs: number, nresults: number, errfunc: number): number;
  lua_error(L: FState): never;
  lua_sethook(L: FState, f: ((L: FState) => void) | null, mask: number, count: number): void;
  lua_close(L: FState): void;
}
interface FengariModule {
  FENGARI_VERSION: string;
  lua: FengariLua;
  lauxlib: {
    luaL_newstate(): FState;
    luaL_loadstring(L: FState, s: Uint8Array): number;
    luaL_ref(L: FState, t: number): number;
  };
  lualib: { luaL_openlibs(L: FState): void };
  to_luastring(s: string): Uint8Array;
}

class FengariCandidate implements Candidate {
  name = 'fengari';
  luaVersion = '5.3';
  spawn = { module: import.meta.url, exportName: 'createFengariCandidate' };
  private f!: FengariModule;
  private L!: FState;
  private host: Host = () => null;
  private limitMs: number | null = null;
  private deadline = Infinity;
  private ops!: StackOps;
  private names = new Map<string, Uint8Array>();

  prepare(): void {
    ensureCandidatesInstalled();
  }

  private ls(s: string): Uint8Array {
    let b = this.names.get(s);
    if (!b) {
      b = this.f.to_luastring(s);
      this.names.set(s, b);
    }
    return b;
  }

  async load(): Promise<void> {
    this.f = requireCandidate('fengari') as FengariModule;
    const { lua, lauxlib, lualib } = this.f;
    const L = lauxlib.luaL_newstate();
    this.L = L;
    lualib.luaL_openlibs(L);
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushcfunction(L, (Ls) => this.redisCall(Ls));
    lua.lua_setfield(L, -2, this.ls('call'));
    lua.lua_setglobal(L, this.ls('redis'));
    this.ops = {
      type: (i) => lua.lua_type(L, i),
      str: (i) => lua.lua_tojsstring(L, i),
      num: (i) => lua.lua_tonumber(L, i),
      bool: (i) => lua.lua_toboolean(L, i),
      rawgeti: (i, n) => lua.lua_rawgeti(L, i, n),
      getfield: (i, k) => lua.lua_getfield(L, i, this.ls(k)),
      pop: (n) => lua.lua_settop(L, -n - 1),
    };
  }

  private raise(L: FState, msg: string): never {
    this.f.lua.lua_pushstring(L, this.f.to_luastring(msg));
    return this.f.lua.lua_error(L);
  }

  private redisCall(L: FState): number {
    const { lua } = this.f;
    const n = lua.lua_gettop(L);
    const args: string[] = [];
    for (let i = 1; i <= n; i++) {
      const t = lua.lua_type(L, i);
      if (t === T_STRING) args.push(lua.lua_tojsstring(L, i));
      else if (t === T_NUMBER) args.push(fmt17g(lua.lua_tonumber(L, i)));
      else return this.raise(L, NON_STRING_ARG);
    }
    let v: HostValue;
    try {
      v = this.host(args);
    } catch (e) {
      return this.raise(L, errorMessage(e));
    }
    if (v === null) lua.lua_pushboolean(L, false);
    else if (typeof v === 'number') {
      // fengari's integers are 32-bit; larger integers travel as floats.
      if (Number.isInteger(v) && (v | 0) === v) lua.lua_pushinteger(L, v);
      else lua.lua_pushnumber(L, v);
    } else lua.lua_pushstring(L, this.f.to_luastring(v));
    return 1;
  }

  private setArray(name: string, values: string[]): void {
    const { lua } = this.f;
    lua.lua_createtable(this.L, values.length, 0);
    for (let i = 0; i < values.length; i++) {
      lua.lua_pushstring(this.L, this.f.to_luastring(values[i]));
      lua.lua_rawseti(this.L, -2, i + 1);
    }
    lua.lua_setglobal(this.L, this.ls(name));
  }

  /** Runs the function on top of the stack. */
  private run(keys: string[], argv: string[]): ScriptResult {
    const { lua } = this.f;
    this.setArray('KEYS', keys);
    this.setArray('ARGV', argv);
    if (this.limitMs !== null) this.deadline = performance.now() + this.limitMs;
    if (lua.lua_pcall(this.L, 0, 1, 0) !== 0) {
      const msg = lua.lua_tojsstring(this.L, -1);
      lua.lua_settop(this.L, 0);
      throw new Error(msg);
    }
    const r = luaToResult(this.ops);
    lua.lua_settop(this.L, 0);
    return r;
  }

  private load1(script: string): void {
    const { lua, lauxlib } = this.f;
    if (lauxlib.luaL_loadstring(this.L, this.f.to_luastring(script)) !== 0) {
      const msg = lua.lua_tojsstring(this.L, -1);
      lua.lua_settop(this.L, 0);
      throw new Error(msg);
    }
  }

  eval(script: string, keys: string[], argv: string[], host: Host): ScriptResult {
    this.host = host;
    this.load1(script);
    return this.run(keys, argv);
  }

  compile(script: string): CompiledScript {
    const { lua, lauxlib } = this.f;
    this.load1(script);
    const ref = lauxlib.luaL_ref(this.L, lua.LUA_REGISTRYINDEX);
    return (keys, argv, host) => {
      this.host = host;
      lua.lua_rawgeti(this.L, lua.LUA_REGISTRYINDEX, ref);
      return this.run(keys, argv);
    };
  }

  setTimeLimit(ms: number | null): void {
    const { lua } = this.f;
    this.limitMs = ms;
    if (ms === null) {
      lua.lua_sethook(this.L, null, 0, 0);
      return;
    }
    lua.lua_sethook(
      this.L,
      (L) => {
        if (performance.now() > this.deadline) this.raise(L, TIMEOUT_MSG);
      },
      lua.LUA_MASKCOUNT,
      SETTINGS.hookCount,
    );
  }

  close(): void {
    this.f.lua.lua_close(this.L);
  }
}

// ---------------------------------------------------------------------------------------------
// wasmoon (Lua 5.4, WebAssembly), driven through its raw C API (not its JS-object bridge)
// ---------------------------------------------------------------------------------------------

type WState = number;
interface WasmoonLua {
  module: {
    addFunction(fn: (...args: number[]) => number | void, signature: string): number;
    removeFunction(ptr: number): void;
  };
  luaL_newstate(): WState;
  luaL_openlibs(L: WState): void;
  luaL_loadstring(L: WState, s: string): number;
  luaL_ref(L: WState, t: number): number;
  lua_pcallk(L: WState, nargs: number, nresults: number, errfunc: number, ctx: number, k: null): number;
  lua_gettop(L: WState): number;
  lua_settop(L: WState, idx: number): void;
  lua_type(L: WState, idx: number): number;
  lua_tolstring(L: WState, idx: number, len: null): string;
  lua_tonumberx(L: WState, idx: number, isnum: null): number;
  lua_toboolean(L: WState, idx: number): number;
  lua_pushstring(L: WState, s: string): void;
  /** lua_Integer is 64-bit: wasmoon's wrapper needs a BigInt. */
  lua_pushinteger(L: WState, n: bigint): void;
  lua_pushnumber(L: WState, n: number): void;
  lua_pushboolean(L: WState, b: number): void;
  lua_pushcclosure(L: WState, fn: number, n: number): void;
  lua_createtable(L: WState, narr: number, nrec: number): void;
  lua_rawseti(L: WState, idx: number, n: bigint): void;
  lua_rawgeti(L: WState, idx: number, n: bigint): number;
  lua_getfield(L: WState, idx: number, k: string): number;
  lua_setfield(L: WState, idx: number, k: string): void;
  lua_setglobal(L: WState, name: string): void;
  lua_sethook(L: WState, fn: number | null, mask: number, count: number): void;
  lua_error(L: WState): number;
  lua_close(L: WState): void;
}
interface WasmoonModule {
  LUA_REGISTRYINDEX: number;
  LuaFactory: new () => { getLuaModule(): Promise<WasmoonLua> };
}
const LUA_MASKCOUNT = 8;

class WasmoonCandidate implements Candidate {
  name = 'wasmoon';
  luaVersion = '5.4';
  spawn = { module: import.meta.url, exportName: 'createWasmoonCandidate' };
  private w!: WasmoonLua;
  private L: WState = 0;
  private registry = 0;
  private host: Host = () => null;
  private limitMs: number | null = null;
  private deadline = Infinity;
  private ops!: StackOps;
  private fnPtrs: number[] = [];
  private hookPtr: number | null = null;

  prepare(): void {
    ensureCandidatesInstalled();
  }

  async load(): Promise<void> {
    const mod = requireCandidate('wasmoon') as WasmoonModule;
    this.registry = mod.LUA_REGISTRYINDEX;
    const w = await new mod.LuaFactory().getLuaModule();
    this.w = w;
    const L = w.luaL_newstate();
    this.L = L;
    w.luaL_openlibs(L);
    const callPtr = w.module.addFunction((Ls: number) => this.redisCall(Ls), 'ii');
    this.fnPtrs.push(callPtr);
    w.lua_createtable(L, 0, 1);
    w.lua_pushcclosure(L, callPtr, 0);
    w.lua_setfield(L, -2, 'call');
    w.lua_setglobal(L, 'redis');
    this.ops = {
      type: (i) => w.lua_type(L, i),
      str: (i) => w.lua_tolstring(L, i, null),
      num: (i) => w.lua_tonumberx(L, i, null),
      bool: (i) => w.lua_toboolean(L, i) !== 0,
      rawgeti: (i, n) => w.lua_rawgeti(L, i, BigInt(n)),
      getfield: (i, k) => w.lua_getfield(L, i, k),
      pop: (n) => w.lua_settop(L, -n - 1),
    };
  }

  private raise(L: WState, msg: string): number {
    this.w.lua_pushstring(L, msg);
    return this.w.lua_error(L);
  }

  private redisCall(L: WState): number {
    const w = this.w;
    const n = w.lua_gettop(L);
    const args: string[] = [];
    for (let i = 1; i <= n; i++) {
      const t = w.lua_type(L, i);
      if (t === T_STRING) args.push(w.lua_tolstring(L, i, null));
      else if (t === T_NUMBER) args.push(fmt17g(w.lua_tonumberx(L, i, null)));
      else return this.raise(L, NON_STRING_ARG);
    }
    let v: HostValue;
    try {
      v = this.host(args);
    } catch (e) {
      return this.raise(L, errorMessage(e));
    }
    if (v === null) w.lua_pushboolean(L, 0);
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) w.lua_pushinteger(L, BigInt(v));
      else w.lua_pushnumber(L, v);
    } else w.lua_pushstring(L, v);
    return 1;
  }

  private setArray(name: string, values: string[]): void {
    const w = this.w;
    w.lua_createtable(this.L, values.length, 0);
    for (let i = 0; i < values.length; i++) {
      w.lua_pushstring(this.L, values[i]);
      w.lua_rawseti(this.L, -2, BigInt(i + 1));
    }
    w.lua_setglobal(this.L, name);
  }

  private run(keys: string[], argv: string[]): ScriptResult {
    const w = this.w;
    this.setArray('KEYS', keys);
    this.setArray('ARGV', argv);
    if (this.limitMs !== null) this.deadline = performance.now() + this.limitMs;
    if (w.lua_pcallk(this.L, 0, 1, 0, 0, null) !== 0) {
      const msg = w.lua_tolstring(this.L, -1, null);
      w.lua_settop(this.L, 0);
      throw new Error(msg);
    }
    const r = luaToResult(this.ops);
    w.lua_settop(this.L, 0);
    return r;
  }

  private load1(script: string): void {
    if (this.w.luaL_loadstring(this.L, script) !== 0) {
      const msg = this.w.lua_tolstring(this.L, -1, null);
      this.w.lua_settop(this.L, 0);
      throw new Error(msg);
    }
  }

  eval(script: string, keys: string[], argv: string[], host: Host): ScriptResult {
    this.host = host;
    this.load1(script);
    return this.run(keys, argv);
  }

  compile(script: string): CompiledScript {
    this.load1(script);
    const ref = this.w.luaL_ref(this.L, this.registry);
    return (keys, argv, host) => {
      this.host = host;
      this.w.lua_rawgeti(this.L, this.registry, BigInt(ref));
      return this.run(keys, argv);
    };
  }

  setTimeLimit(ms: number | null): void {
    const w = this.w;
    this.limitMs = ms;
    if (ms === null) {
      w.lua_sethook(this.L, null, 0, 0);
      return;
    }
    if (this.hookPtr === null) {
      this.hookPtr = w.module.addFunction((L: number) => {
        if (performance.now() > this.deadline) this.raise(L, TIMEOUT_MSG);
      }, 'vii');
      this.fnPtrs.push(this.hookPtr);
    }
    w.lua_sethook(this.L, this.hookPtr, LUA_MASKCOUNT, SETTINGS.hookCount);
  }

  close(): void {
    this.w.lua_close(this.L);
    for (const p of this.fnPtrs) this.w.module.removeFunction(p);
    this.fnPtrs = [];
  }
}

export function createFengariCandidate(): Candidate {
  return new FengariCandidate();
}
export function createWasmoonCandidate(): Candidate {
  return new WasmoonCandidate();
}
export function defaultCandidates(): Candidate[] {
  return [createFengariCandidate(), createWasmoonCandidate()];
}

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

export const ONE_CALL_SCRIPT = "return redis.call('GET', KEYS[1])";
const ONE_CALL_VALUE = 'value-of-a-typical-cache-entry';
const oneCallHost: Host = (args) => (args[0] === 'GET' ? ONE_CALL_VALUE : null);

/**
 * BullMQ-sized script, written for this benchmark after BullMQ's addStandardJob, moveToActive,
 * updateProgress and moveToFinished: option and payload parsing, a hand-written JSON encoder (no
 * cjson), backoff planning, a checksum loop, and 20-odd redis.call calls whose replies it uses.
 * Written as Lua 5.1 as Redis users write it; `unpack` is shimmed so 5.3/5.4 can run it at all.
 */
export const BULLMQ_SCRIPT = String.raw`--[[
  Adds a job, moves the next waiting job to active, reports progress and completes it.
  KEYS[1]  queue key prefix, e.g. 'bull:mail:'
  ARGV[1]  job name
  ARGV[2]  payload 'k=v;k=v;...'
  ARGV[3]  options 'k=v,k=v,...'
  ARGV[4]  timestamp (ms)
  ARGV[5]  worker token
  ARGV[6]  number of completed jobs to keep
]]
local rcall = redis.call
local unpack = unpack or table.unpack
local prefix = KEYS[1]
local jobName = ARGV[1]
local payload = ARGV[2]
local optsStr = ARGV[3]
local timestamp = tonumber(ARGV[4])
local token = ARGV[5]
local keepCompleted = tonumber(ARGV[6]) or 100

local function split(s, sep)
  local out = {}
  local start = 1
  while true do
    local i = string.find(s, sep, start, true)
    if not i then
      out[#out + 1] = string.sub(s, start)
      return out
    end
    out[#out + 1] = string.sub(s, start, i - 1)
    start = i + #sep
  end
end

local function trim(s)
  return (string.gsub(s, '^%s*(.-)%s*$', '%1'))
end

local function parseKV(s, sep)
  local t, order = {}, {}
  for _, part in ipairs(split(s, sep)) do
    local eq = string.find(part, '=', 1, true)
    if eq then
      local k = trim(string.sub(part, 1, eq - 1))
      local v = trim(string.sub(part, eq + 1))
      local n = tonumber(v)
      if n ~= nil then
        t[k] = n
      elseif v == 'true' or v == 'false' then
        t[k] = (v == 'true')
      else
        t[k] = v
      end
      order[#order + 1] = k
    end
  end
  return t, order
end

local function jsonString(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == '\\' then return '\\\\' end
    return string.format('\\u%04x', string.byte(c))
  end)
  return '"' .. s .. '"'
end

local function encodeNumber(v)
  if v == math.floor(v) then
    return string.format('%d', v)
  end
  return string.format('%.4f', v)
end

local function encodeFlat(t, order)
  local parts = {}
  for i = 1, #order do
    local k = order[i]
    local v = t[k]
    local enc
    if type(v) == 'number' then
      enc = encodeNumber(v)
    elseif type(v) == 'boolean' then
      enc = v and 'true' or 'false'
    elseif v == nil then
      enc = 'null'
    else
      enc = jsonString(tostring(v))
    end
    parts[#parts + 1] = jsonString(k) .. ':' .. enc
  end
  return '{' .. table.concat(parts, ',') .. '}'
end

local function checksum(s)
  local h = 0
  for i = 1, #s do
    h = (h * 31 + string.byte(s, i)) % 1000000007
  end
  return h
end

local function backoffDelay(spec, attemptsMade)
  if type(spec) ~= 'string' then return 0 end
  local kind, base = string.match(spec, '^(%a+):(%d+)$')
  base = tonumber(base) or 0
  if kind == 'fixed' then
    return base
  elseif kind == 'exponential' then
    return math.floor(2 ^ (attemptsMade - 1) * base + 0.5)
  end
  return 0
end

-- 1. addJob
local opts, optsOrder = parseKV(optsStr, ',')
local data, dataOrder = parseKV(payload, ';')
local jobCounter = rcall('INCR', prefix .. 'id')
local jobId = tostring(jobCounter)
if type(opts.jobId) == 'string' and opts.jobId ~= '' then
  jobId = opts.jobId
end
local jobKey = prefix .. jobId
if rcall('EXISTS', jobKey) == 1 then
  return {jobId, 'duplicated'}
end
local delay = tonumber(opts.delay) or 0
local priority = tonumber(opts.priority) or 0
local attempts = tonumber(opts.attempts) or 1
local encodedData = encodeFlat(data, dataOrder)
local encodedOpts = encodeFlat(opts, optsOrder)
local fields = {
  'name', jobName, 'data', encodedData, 'opts', encodedOpts, 'timestamp', timestamp,
  'delay', delay, 'priority', priority, 'atm', 0, 'ats', 0,
}
rcall('HSET', jobKey, unpack(fields))
rcall('PUBLISH', prefix .. 'events', 'added:' .. jobId .. ':' .. jobName)

local state
if delay > 0 then
  -- BullMQ packs a counter into the low bits of the delayed score
  rcall('ZADD', prefix .. 'delayed', (timestamp + delay) * 4096 + (jobCounter % 4096), jobId)
  state = 'delayed'
elseif priority > 0 then
  rcall('ZADD', prefix .. 'prioritized', priority * 4294967296 + jobCounter, jobId)
  state = 'prioritized'
else
  if opts.lifo == true then
    rcall('RPUSH', prefix .. 'wait', jobId)
  else
    rcall('LPUSH', prefix .. 'wait', jobId)
  end
  state = 'waiting'
end
local result = {jobId, state}

-- 2. moveToActive, unless paused or rate limited
local paused = rcall('GET', prefix .. 'paused') ~= false
local maxJobs = tonumber(opts.limiterMax) or 0
if maxJobs > 0 then
  local limiterKey = prefix .. 'limiter'
  local count = rcall('INCR', limiterKey)
  if count == 1 then
    rcall('PEXPIRE', limiterKey, tonumber(opts.limiterDuration) or 1000)
  end
  if count > maxJobs then
    paused = true
  end
end
if paused then
  return result
end

local activeId = rcall('RPOPLPUSH', prefix .. 'wait', prefix .. 'active')
if not activeId then
  return result
end
local activeKey = prefix .. activeId
rcall('SET', activeKey .. ':lock', token, 'PX', 30000)
local atm = rcall('HINCRBY', activeKey, 'atm', 1)
rcall('HSET', activeKey, 'processedOn', timestamp)
local storedData = rcall('HGET', activeKey, 'data')
local name = rcall('HGET', activeKey, 'name')

-- 3. "process" it: read the stored JSON back, plan retries, report progress
local seen, total, longest = 0, 0, ''
for k, v in string.gmatch(storedData, '"([%w_]+)":([^,}]+)') do
  seen = seen + 1
  local n = tonumber(v)
  if n then
    total = total + n
  elseif #v > #longest then
    longest = string.sub(v, 2, -2)
  end
end
local plan = {}
for attempt = 1, attempts do
  plan[#plan + 1] = string.format('%d@%d', attempt, backoffDelay(opts.backoff, attempt))
end
local progress = {}
for step = 1, 10 do
  local pct = math.floor(step * 100 / 10)
  progress[#progress + 1] = string.format('%s:%d%%', name, pct)
  rcall('HSET', activeKey, 'progress', pct)
end
rcall('PUBLISH', prefix .. 'events', 'progress:' .. activeId .. ':' .. progress[#progress])
local upperName = string.upper(string.sub(name, 1, 1)) .. string.sub(name, 2)
local tag = string.gsub(longest, '[^%w]+', '-')

-- 4. moveToFinished
local removed = rcall('LREM', prefix .. 'active', 1, activeId)
rcall('DEL', activeKey .. ':lock')
local returnValue = encodeFlat(
  {fields = seen, total = total, attempt = atm, plan = table.concat(plan, ' '), tag = tag, job = upperName},
  {'fields', 'total', 'attempt', 'plan', 'tag', 'job'}
)
rcall('HSET', activeKey, 'returnvalue', returnValue, 'finishedOn', timestamp + 5)
rcall('ZADD', prefix .. 'completed', timestamp + 5, activeId)
local completed = rcall('ZCARD', prefix .. 'completed')
if completed > keepCompleted then
  rcall('ZREMRANGEBYRANK', prefix .. 'completed', 0, completed - keepCompleted - 1)
end
rcall('PUBLISH', prefix .. 'events', 'completed:' .. activeId)
result[#result + 1] = activeId
result[#result + 1] = removed
result[#result + 1] = returnValue
result[#result + 1] = checksum(storedData)
result[#result + 1] = tostring(total)
return result
`;

const BULLMQ_KEYS = ['bull:mail:'];
const BULLMQ_ARGV = [
  'send-welcome',
  [
    'to=alice@example.com',
    'from=noreply@example.com',
    'subject=Welcome aboard "Alice"',
    'template=welcome-v2',
    'locale=en-GB',
    'userId=1048576',
    'amount=12.5',
    'credits=3',
    'score=0.25',
    'retries=0',
    'campaign=spring sale 2024',
    'priorityHint=low',
    'tracking=true',
    'region=eu-west-1',
    'shard=17',
    'weight=2.75',
    'note=line one\tline two',
    'referrer=https://example.com/?q=a&b=c',
    'tz=Europe/London',
    'version=42',
  ].join(';'),
  'attempts=5,delay=0,priority=0,backoff=exponential:1000,lifo=false,removeOnComplete=true,jobId=',
  '1700000000000',
  'worker-7f3a9c',
  '50',
];

/** A tiny in-memory Redis that answers the commands the BullMQ-sized script uses, as Redis does. */
export function makeFakeRedis(): Host {
  const strings = new Map<string, string>();
  const hashes = new Map<string, Map<string, string>>();
  const lists = new Map<string, string[]>();
  const zsets = new Map<string, Map<string, number>>();
  const exists = (k: string) => strings.has(k) || hashes.has(k) || lists.has(k) || zsets.has(k);
  const hash = (k: string) => {
    let h = hashes.get(k);
    if (!h) hashes.set(k, (h = new Map()));
    return h;
  };
  const list = (k: string) => {
    let l = lists.get(k);
    if (!l) lists.set(k, (l = []));
    return l;
  };
  const zset = (k: string) => {
    let z = zsets.get(k);
    if (!z) zsets.set(k, (z = new Map()));
    return z;
  };
  const dropEmpty = (k: string) => {
    if (lists.get(k)?.length === 0) lists.delete(k);
    if (zsets.get(k)?.size === 0) zsets.delete(k);
  };
  return (a) => {
    const cmd = a[0].toUpperCase();
    switch (cmd) {
      case 'GET':
        return strings.get(a[1]) ?? null;
      case 'SET':
        strings.set(a[1], a[2]);
        return 'OK';
      case 'INCR': {
        const v = Number(strings.get(a[1]) ?? '0') + 1;
        strings.set(a[1], String(v));
        return v;
      }
      case 'EXISTS':
        return a.slice(1).filter(exists).length;
      case 'DEL': {
        let n = 0;
        for (const k of a.slice(1)) {
          if (exists(k)) n++;
          strings.delete(k);
          hashes.delete(k);
          lists.delete(k);
          zsets.delete(k);
        }
        return n;
      }
      case 'PEXPIRE':
        return exists(a[1]) ? 1 : 0;
      case 'PUBLISH':
        return 0;
      case 'HSET': {
        const h = hash(a[1]);
        let added = 0;
        for (let i = 2; i + 1 < a.length; i += 2) {
          if (!h.has(a[i])) added++;
          h.set(a[i], a[i + 1]);
        }
        return added;
      }
      case 'HGET':
        return hashes.get(a[1])?.get(a[2]) ?? null;
      case 'HINCRBY': {
        const h = hash(a[1]);
        const v = Number(h.get(a[2]) ?? '0') + Number(a[3]);
        h.set(a[2], String(v));
        return v;
      }
      case 'LPUSH':
      case 'RPUSH': {
        const l = list(a[1]);
        for (const v of a.slice(2)) {
          if (cmd === 'LPUSH') l.unshift(v);
          else l.push(v);
        }
        return l.length;
      }
      case 'RPOPLPUSH': {
        const src = lists.get(a[1]);
        const v = src?.pop();
        if (v === undefined) return null;
        dropEmpty(a[1]);
        list(a[2]).unshift(v);
        return v;
      }
      case 'LREM': {
        const l = lists.get(a[1]);
        if (!l) return 0;
        let want = Number(a[2]) || l.length;
        let n = 0;
        for (let i = 0; i < l.length && want > 0;) {
          if (l[i] === a[3]) {
            l.splice(i, 1);
            n++;
            want--;
          } else i++;
        }
        dropEmpty(a[1]);
        return n;
      }
      case 'ZADD': {
        const z = zset(a[1]);
        let added = 0;
        for (let i = 2; i + 1 < a.length; i += 2) {
          if (!z.has(a[i + 1])) added++;
          z.set(a[i + 1], Number(a[i]));
        }
        return added;
      }
      case 'ZCARD':
        return zsets.get(a[1])?.size ?? 0;
      case 'ZREMRANGEBYRANK': {
        const z = zsets.get(a[1]);
        if (!z) return 0;
        const sorted = [...z.entries()].sort(
          (x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0),
        );
        const start = Number(a[2]);
        const stop = Number(a[3]);
        let n = 0;
        for (let i = start; i <= stop && i < sorted.length; i++) {
          z.delete(sorted[i][0]);
          n++;
        }
        dropEmpty(a[1]);
        return n;
      }
      default:
        throw new Error(`ERR fake redis: unknown command '${a[0]}'`);
    }
  };
}

/** Runs a snippet, catching compile and run errors, and returns a string describing the outcome. */
export const SEMANTIC_WRAPPER = `local f, e = (loadstring or load)(ARGV[1])
if not f then return 'syntax-error|' .. tostring(e) end
local function pack(...) return select('#', ...), {...} end
local n, t = pack(pcall(f))
if not t[1] then return 'runtime-error|' .. tostring(t[2]) end
local out = {}
for i = 2, n do out[#out + 1] = tostring(t[i]) end
return 'ok:' .. table.concat(out, ',')`;

export const SNIPPETS: { code: string; note?: string }[] = [
  { code: 'return tostring(10/2)' },
  { code: 'return tostring(3/2)' },
  { code: "return string.format('%d', 3.7)" },
  { code: "return string.format('%d', 3)" },
  { code: 'return tostring(2^53)' },
  { code: 'return tostring(1e15)' },
  { code: 'return tostring(0.1)' },
  { code: 'return #{1,2,nil,4}' },
  { code: 'return unpack({1,2,3})' },
  { code: 'return type(unpack)' },
  { code: 'return type(table.unpack)' },
  { code: 'return type(bit32)', note: 'Redis 7 errors on reading an undefined global (globals protection)' },
  { code: "return type(rawget(_G, 'bit32'))" },
  { code: 'return math.floor(-3.5)' },
  { code: 'return 7 // 2' },
  { code: 'return tostring(7 % -3)' },
  { code: 'return tostring(-7 % 3)' },
  { code: 'return tostring(math.huge)' },
  { code: 'return tostring(-0)' },
  { code: "return string.rep('a', 3, ',')" },
  { code: 'return type(loadstring)' },
  { code: 'return type(setfenv)', note: 'Redis 7.0 removes setfenv/getfenv from the script sandbox' },
  { code: 'return tostring(1e100)' },
  { code: 'return tostring(123456789012)' },
  { code: "return select('#', nil, nil)" },
  { code: 'return tostring(0/0)' },
  { code: 'return tostring(2^63)' },
  { code: "return ('%5.2f'):format(3.14159)" },
  { code: 'return tostring(9007199254740993)' },
  { code: 'return math.maxinteger' },
  { code: 'return tostring(1.0)' },
  { code: "return tostring(tonumber('1e2'))" },
  { code: "return tostring(tonumber('10') / 2)" },
  { code: 'return tostring(0x7fffffff + 1)' },
  { code: "return string.format('%d', 2^31)" },
  { code: 'return type(table.getn)' },
  { code: 'return type(math.pow)' },
  { code: 'local goto = 1 return goto' },
  { code: "return tostring(string.format('%5.1f', 2.25))" },
  { code: 'return tostring(3 == 3.0)', note: 'control: the same everywhere' },
];

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

function measure(count: number, maxMs: number, fn: () => void): Throughput {
  const warm = Math.min(SETTINGS.warmupCount, count);
  const warmStart = performance.now();
  for (let i = 0; i < warm && performance.now() - warmStart < maxMs; i++) fn();
  const t0 = performance.now();
  let ops = 0;
  while (ops < count) {
    fn();
    ops++;
    if ((ops & 15) === 0 && performance.now() - t0 > maxMs) break;
  }
  const ms = performance.now() - t0;
  return { ops, ms: round(ms, 1), opsPerSec: Math.round((ops * 1000) / ms) };
}

function tryMeasure(count: number, fn: () => void): Throughput | { error: string } {
  try {
    return measure(count, SETTINGS.maxLoopMs, fn);
  } catch (e) {
    return { error: errorMessage(e) };
  }
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function meanUs(count: number, fn: () => void): number {
  const t0 = performance.now();
  let n = 0;
  while (n < count && (n === 0 || performance.now() - t0 < 5000)) {
    fn();
    n++;
  }
  return round(((performance.now() - t0) * 1000) / n, 1);
}

interface InterruptJob {
  luaVmInterrupt: true;
  module: string;
  exportName: string;
  limitMs: number;
}
interface InterruptReply {
  coldLoadMs: number;
  stopped: boolean;
  stoppedAfterMs: number | null;
  error: string | null;
  usableAfter: boolean | null;
}

function isInterruptJob(d: unknown): d is InterruptJob {
  return typeof d === 'object' && d !== null && (d as { luaVmInterrupt?: unknown }).luaVmInterrupt === true;
}

/** Worker side: build the candidate, arm the limit, run the endless loop. */
async function interruptWorker(job: InterruptJob): Promise<InterruptReply> {
  const mod = (await import(job.module)) as Record<string, unknown>;
  const factory = mod[job.exportName];
  if (typeof factory !== 'function') throw new Error(`${job.exportName} is not exported by ${job.module}`);
  const c = (factory as () => Candidate)();
  c.prepare?.();
  const t0 = performance.now();
  await c.load();
  const coldLoadMs = round(performance.now() - t0, 1);
  if (!c.setTimeLimit) throw new Error('no setTimeLimit');
  c.setTimeLimit(job.limitMs);
  const start = performance.now();
  try {
    c.eval('while true do end', [], [], () => null);
    return { coldLoadMs, stopped: false, stoppedAfterMs: null, error: 'returned', usableAfter: null };
  } catch (e) {
    const stoppedAfterMs = round(performance.now() - start, 1);
    let usableAfter = false;
    try {
      c.setTimeLimit(null);
      usableAfter = c.eval('return 1 + 1', [], [], () => null) === 2;
    } catch {
      usableAfter = false;
    }
    return { coldLoadMs, stopped: true, stoppedAfterMs, error: errorMessage(e), usableAfter };
  }
}

async function measureInterrupt(c: Candidate): Promise<InterruptResult> {
  const limitMs = SETTINGS.interruptLimitMs;
  const base: InterruptResult = {
    tested: false,
    limitMs,
    stopped: false,
    stoppedAfterMs: null,
    error: null,
    usableAfter: null,
    terminated: false,
    coldLoadMs: null,
  };
  if (!c.setTimeLimit) return { ...base, note: 'no setTimeLimit: cannot interrupt' };
  if (!c.spawn) return { ...base, note: 'no spawn descriptor: not run (it could hang this process)' };
  const job: InterruptJob = { luaVmInterrupt: true, ...c.spawn, limitMs };
  const worker = new Worker(new URL(import.meta.url), { workerData: job });
  return new Promise<InterruptResult>((resolve) => {
    let settled = false;
    const finish = (r: InterruptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(r);
    };
    const timer = setTimeout(
      () =>
        finish({
          ...base,
          tested: true,
          terminated: true,
          note: `still running after ${SETTINGS.interruptHardMs} ms`,
        }),
      SETTINGS.interruptHardMs,
    );
    worker.once('message', (m: InterruptReply) => finish({ ...base, tested: true, ...m }));
    worker.once('error', (e) =>
      finish({ ...base, tested: true, error: errorMessage(e), note: 'worker failed' }),
    );
    worker.once('exit', (code) =>
      finish({ ...base, tested: true, note: `worker exited (${code}) without reply` }),
    );
  });
}

function canonical(s: string): string {
  return s.startsWith('ok:') ? s : (s.split('|')[0] ?? s);
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

export async function runBench(candidates: Candidate[], options: BenchOptions = {}): Promise<BenchReport> {
  let srv: RunningServer | null = null;
  let redis: Redis | null = null;
  let redisVersion: string | null = null;
  const reports: CandidateReport[] = [];
  const rows: SemanticRow[] = SNIPPETS.map((s) => ({
    snippet: s.code,
    redis: null,
    results: {},
    same: {},
    ...(s.note ? { note: s.note } : {}),
  }));
  let redisBullmq: ScriptResult[] | null = null;
  try {
    if (!options.noRedis) {
      try {
        srv = await startRedis();
        redis = new Redis({ port: srv.port, lazyConnect: false, maxRetriesPerRequest: 1 });
        redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
        for (const row of rows) {
          try {
            row.redis = String(await redis.eval(SEMANTIC_WRAPPER, 0, row.snippet));
          } catch (e) {
            row.redis = `eval-error|${errorMessage(e)}`;
          }
        }
        await redis.flushall();
        redisBullmq = [];
        for (let i = 0; i < 3; i++) {
          redisBullmq.push(
            (await redis.eval(BULLMQ_SCRIPT, 1, ...BULLMQ_KEYS, ...BULLMQ_ARGV)) as ScriptResult,
          );
        }
      } catch (e) {
        console.error(`redis-server reference unavailable: ${errorMessage(e)}`);
      }
    }

    for (const c of candidates) {
      console.log(`-- ${c.name} (Lua ${c.luaVersion})`);
      reports.push(await benchCandidate(c, rows, redisBullmq));
    }
  } finally {
    redis?.disconnect();
    if (srv) {
      await srv.stop();
      fs.rmSync(srv.dir, { recursive: true, force: true });
    }
  }

  const matches: Record<string, number> = {};
  for (const r of reports) matches[r.name] = r.semanticMatches;
  const cpus = os.cpus();
  const packages: Record<string, string> = {};
  for (const p of Object.keys(PINNED)) packages[p] = installedVersion(p) ?? 'not installed';
  const report: BenchReport = {
    machine: {
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      date: new Date().toISOString(),
    },
    packages,
    redisServer: redisVersion,
    settings: SETTINGS,
    candidates: reports,
    semantics: { total: rows.length, matches, rows },
  };
  printReport(report);
  const out = options.out ?? path.join('bench', 'results', 'lua-vm.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwrote ${out}`);
  return report;
}

async function benchCandidate(
  c: Candidate,
  rows: SemanticRow[],
  redisBullmq: ScriptResult[] | null,
): Promise<CandidateReport> {
  const errors: string[] = [];
  c.prepare?.();
  const t0 = performance.now();
  await c.load();
  const loadMs = round(performance.now() - t0, 1);
  const rep: CandidateReport = {
    name: c.name,
    luaVersion: c.luaVersion,
    versionString: null,
    loadMs,
    firstEvalMs: null,
    compileOneCallUs: null,
    compileBullmqUs: null,
    redisCallUs: null,
    luaLoop1MMs: null,
    oneCallEval: { error: 'not run' },
    oneCallPrecompiled: null,
    bullmqEval: { error: 'not run' },
    bullmqPrecompiled: null,
    bullmqPrecompiledHooked: null,
    bullmqMatchesRedis: null,
    bullmqFirstResult: 'not run',
    interrupt: {
      tested: false,
      limitMs: SETTINGS.interruptLimitMs,
      stopped: false,
      stoppedAfterMs: null,
      error: null,
      usableAfter: null,
      terminated: false,
      coldLoadMs: null,
    },
    semanticMatches: 0,
    errors,
  };
  try {
    const t1 = performance.now();
    const first = c.eval(ONE_CALL_SCRIPT, ['k1'], [], oneCallHost);
    rep.firstEvalMs = round(performance.now() - t1, 2);
    if (first !== ONE_CALL_VALUE) errors.push(`one-call script returned ${JSON.stringify(first)}`);
    const v = c.eval('return _VERSION', [], [], oneCallHost);
    rep.versionString = typeof v === 'string' ? v : JSON.stringify(v);

    // (c) compile times
    if (c.compile) {
      const compile = c.compile.bind(c);
      rep.compileOneCallUs = meanUs(SETTINGS.compileCount, () => compile(ONE_CALL_SCRIPT));
      try {
        rep.compileBullmqUs = meanUs(SETTINGS.compileCount, () => compile(BULLMQ_SCRIPT));
      } catch (e) {
        errors.push(`compile BullMQ script: ${errorMessage(e)}`);
      }
    }

    // binding and VM speed, each a single bounded Lua loop
    const calls = 20_000;
    const t2 = performance.now();
    c.eval(`for i = 1, ${calls} do redis.call('GET', KEYS[1], 'a', 'b') end`, ['k'], [], oneCallHost);
    rep.redisCallUs = round(((performance.now() - t2) * 1000) / calls, 2);
    const t3 = performance.now();
    c.eval('local s = 0 for i = 1, 1000000 do s = s + i % 7 end return s', [], [], oneCallHost);
    rep.luaLoop1MMs = round(performance.now() - t3, 1);

    // (a) one-call script
    const keys = ['user:1000:profile'];
    rep.oneCallEval = tryMeasure(SETTINGS.oneCallCount, () => {
      c.eval(ONE_CALL_SCRIPT, keys, [], oneCallHost);
    });
    if (c.compile) {
      const fn = c.compile(ONE_CALL_SCRIPT);
      rep.oneCallPrecompiled = tryMeasure(SETTINGS.oneCallCount, () => {
        fn(keys, [], oneCallHost);
      });
    }

    // (b) BullMQ-sized script: cross-check three fresh runs, then measure
    try {
      const host = makeFakeRedis();
      const mine: ScriptResult[] = [];
      for (let i = 0; i < 3; i++) mine.push(c.eval(BULLMQ_SCRIPT, BULLMQ_KEYS, BULLMQ_ARGV, host));
      rep.bullmqFirstResult = mine[0];
      if (redisBullmq) rep.bullmqMatchesRedis = JSON.stringify(mine) === JSON.stringify(redisBullmq);
      if (rep.bullmqMatchesRedis === false) {
        errors.push(`BullMQ script: redis ${JSON.stringify(redisBullmq)} vs ${JSON.stringify(mine)}`);
      }
    } catch (e) {
      rep.bullmqFirstResult = `error: ${errorMessage(e)}`;
      errors.push(`BullMQ script: ${errorMessage(e)}`);
    }
    {
      const host = makeFakeRedis();
      rep.bullmqEval = tryMeasure(SETTINGS.bullmqCount, () => {
        c.eval(BULLMQ_SCRIPT, BULLMQ_KEYS, BULLMQ_ARGV, host);
      });
    }
    if (c.compile) {
      try {
        const fn = c.compile(BULLMQ_SCRIPT);
        const host = makeFakeRedis();
        rep.bullmqPrecompiled = tryMeasure(SETTINGS.bullmqCount, () => {
          fn(BULLMQ_KEYS, BULLMQ_ARGV, host);
        });
        if (c.setTimeLimit) {
          c.setTimeLimit(60_000);
          const host2 = makeFakeRedis();
          rep.bullmqPrecompiledHooked = tryMeasure(SETTINGS.bullmqCount, () => {
            fn(BULLMQ_KEYS, BULLMQ_ARGV, host2);
          });
          c.setTimeLimit(null);
        }
      } catch (e) {
        rep.bullmqPrecompiled = { error: errorMessage(e) };
      }
    }

    // semantics
    for (const row of rows) {
      let r: string;
      try {
        const v2 = c.eval(SEMANTIC_WRAPPER, [], [row.snippet], () => null);
        r = typeof v2 === 'string' ? v2 : `non-string|${JSON.stringify(v2)}`;
      } catch (e) {
        r = `eval-error|${errorMessage(e)}`;
      }
      row.results[c.name] = r;
      const same = row.redis === null ? null : canonical(row.redis) === canonical(r);
      row.same[c.name] = same;
      if (same) rep.semanticMatches++;
    }
  } catch (e) {
    errors.push(errorMessage(e));
  } finally {
    c.close();
  }

  // (d) endless loop, in a worker thread so a VM that cannot be interrupted cannot hang the bench
  rep.interrupt = await measureInterrupt(c);
  return rep;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

function cell(t: Throughput | { error: string } | null): string {
  if (t === null) return 'n/a';
  if ('error' in t) return `error: ${t.error.slice(0, 40)}`;
  return `${t.opsPerSec.toLocaleString('en-US')}/s (${t.ops})`;
}

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

function short(s: string | null | undefined, n = 26): string {
  if (s === null || s === undefined) return 'n/a';
  const c = s.startsWith('ok:') ? s : canonical(s);
  return c.length > n ? c.slice(0, n - 1) + '…' : c;
}

function printReport(r: BenchReport): void {
  console.log(
    `\nLua VM candidates — ${r.machine.cpu} (${r.machine.cores} cores), node ${r.machine.node}, ${r.machine.date}`,
  );
  console.log(`reference: redis-server ${r.redisServer ?? 'n/a'}; packages ${JSON.stringify(r.packages)}\n`);
  const metrics: [string, (c: CandidateReport) => string][] = [
    ['Lua (_VERSION)', (c) => c.versionString ?? c.luaVersion],
    ['load (start-up) ms', (c) => String(c.loadMs)],
    ['cold load in a fresh thread ms', (c) => String(c.interrupt.coldLoadMs ?? 'n/a')],
    ['first eval ms', (c) => String(c.firstEvalMs ?? 'n/a')],
    ['compile one-call script µs', (c) => String(c.compileOneCallUs ?? 'n/a')],
    ['compile BullMQ script µs', (c) => String(c.compileBullmqUs ?? 'n/a')],
    ['redis.call round trip µs', (c) => String(c.redisCallUs ?? 'n/a')],
    ['Lua loop, 1M iterations ms', (c) => String(c.luaLoop1MMs ?? 'n/a')],
    ['one-call EVAL (compile each)', (c) => cell(c.oneCallEval)],
    ['one-call EVALSHA (precompiled)', (c) => cell(c.oneCallPrecompiled)],
    ['BullMQ EVAL (compile each)', (c) => cell(c.bullmqEval)],
    ['BullMQ EVALSHA (precompiled)', (c) => cell(c.bullmqPrecompiled)],
    ['BullMQ EVALSHA, time hook armed', (c) => cell(c.bullmqPrecompiledHooked)],
    ['BullMQ replies = redis-server', (c) => String(c.bullmqMatchesRedis ?? 'n/a')],
    [
      `while true do end, limit ${SETTINGS.interruptLimitMs} ms`,
      (c) =>
        !c.interrupt.tested
          ? `not run (${c.interrupt.note ?? ''})`
          : c.interrupt.stopped
            ? `yes, stopped after ${c.interrupt.stoppedAfterMs} ms${c.interrupt.usableAfter ? ', state usable after' : ', state NOT usable after'}`
            : `no (${c.interrupt.note ?? c.interrupt.error ?? ''})`,
    ],
    ['semantics = redis-server', (c) => `${c.semanticMatches}/${r.semantics.total}`],
  ];
  console.log(
    table(
      ['', ...r.candidates.map((c) => c.name)],
      metrics.map(([label, f]) => [label, ...r.candidates.map(f)]),
    ),
  );
  console.log('\nSemantics (value compared; errors compared by kind only; ≠ marks a difference)\n');
  const names = r.candidates.map((c) => c.name);
  console.log(
    table(
      ['snippet', 'redis-server', ...names],
      r.semantics.rows.map((row) => [
        row.snippet,
        short(row.redis),
        ...names.map((n) => `${row.same[n] === false ? '≠ ' : '  '}${short(row.results[n])}`),
      ]),
    ),
  );
  for (const c of r.candidates) for (const e of c.errors) console.log(`${c.name}: ${e.slice(0, 300)}`);
}

// ---------------------------------------------------------------------------------------------
// Entry points: the endless-loop worker, and main when run as a script (not when imported)
// ---------------------------------------------------------------------------------------------

if (!isMainThread && isInterruptJob(workerData)) {
  interruptWorker(workerData).then(
    (r) => parentPort?.postMessage(r),
    (e: unknown) => {
      throw e;
    },
  );
}

const isMain =
  isMainThread &&
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  runBench(defaultCandidates()).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

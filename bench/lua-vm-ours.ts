// bench/lua-vm-ours.ts — owns only this file: the Lua VM tsredis ships (Lua 5.1.5 in WebAssembly,
// node/src/scripting/lua-vm.ts) as a third `Candidate` of bench/lua-vm.ts, driven as runner.ts and
// eval.ts drive it (compile into the registry under a name, run with KEYS/ARGV, the RESP reply from
// output(), the host's call() answering in RESP, the count hook returning 2 to kill), and the main
// that runs the full comparison (fengari, wasmoon, ours) into bench/results/lua-vm.json.
// Run: bash node/lua/build.sh && npx tsc -p tsconfig.json && node dist/bench/lua-vm-ours.js
//      (or npm run bench:lua-vm; LUA_BENCH_ONECALL / LUA_BENCH_BULLMQ shorten the loops)
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { LuaVM, Rand48, type LuaHost, type RunStatus } from '../node/src/scripting/lua-vm.js';
import { REDIS_VERSION } from '../node/src/commands/connection.js';
import {
  SETTINGS,
  defaultCandidates,
  runBench,
  type Candidate,
  type CompiledScript,
  type Host,
  type HostValue,
  type ScriptResult,
} from './lua-vm.js';

/** The server's Lua garbage-collector step: gcStep(GC_PERIOD) every GC_PERIOD runs (runner.ts). */
const GC_PERIOD = 50;
/** Registry name of the script eval() compiles each time (an uncached EVAL compiles f_<sha>). */
const EVAL_NAME = 'f_eval';
/** What error replies call the script (the server uses the script's SHA). */
const RUN_NAME = 'bench';

// Strings cross the VM as latin1 (one char per byte), as in the server, whose strings are the bytes
// off the wire. The bench's strings are JavaScript text, so non-ASCII text travels as its UTF-8 bytes,
// as it does into fengari and wasmoon; ASCII (all of the bench's workload) needs no conversion.
function toBytes(s: string): string {
  return Buffer.byteLength(s, 'utf8') === s.length ? s : Buffer.from(s, 'utf8').toString('latin1');
}
const NON_ASCII = /[\x80-\xff]/;
function fromBytes(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

/** A host value as the RESP reply redis.call gets: string → bulk, integer → integer, null → nil. */
function hostReply(v: HostValue, resp: 2 | 3): string {
  if (v === null) return resp === 3 ? '_\r\n' : '$-1\r\n';
  if (typeof v === 'number') {
    // Commands reply with integers; any other number goes as Redis sends a double in RESP2: a bulk.
    if (Number.isInteger(v)) return `:${v}\r\n`;
    const s = String(v);
    return `$${s.length}\r\n${s}\r\n`;
  }
  const b = toBytes(v);
  return `$${b.length}\r\n${b}\r\n`;
}

/** An error reply: one line, as Redis's addReplyError makes it. */
function errorReply(message: string): string {
  return `-${toBytes(message).replace(/[\r\n]+/g, ' ')}\r\n`;
}

/** Parses the RESP2 reply the VM writes (its output()) into the bench's ScriptResult. */
function parseReply(s: string): ScriptResult {
  const p = { at: 0 };
  const r = parseValue(s, p, 0);
  if (p.at !== s.length) throw new Error(`trailing bytes in the VM's reply: ${JSON.stringify(s)}`);
  return r;
}

function parseValue(s: string, p: { at: number }, depth: number): ScriptResult {
  const eol = s.indexOf('\r\n', p.at);
  if (eol < 0) throw new Error(`truncated reply from the VM: ${JSON.stringify(s.slice(p.at, p.at + 40))}`);
  const type = s[p.at];
  const line = s.slice(p.at + 1, eol);
  p.at = eol + 2;
  switch (type) {
    case '$': {
      const n = Number(line);
      if (n < 0) return null;
      const v = s.slice(p.at, p.at + n);
      p.at += n + 2;
      return fromBytes(v);
    }
    case ':':
      return Number(line);
    case '+':
      return { ok: fromBytes(line) };
    case '-':
      return { err: fromBytes(line) };
    case '*': {
      const n = Number(line);
      if (n < 0) return null;
      const out: ScriptResult[] = [];
      for (let i = 0; i < n; i++) out.push(parseValue(s, p, depth + 1));
      return out;
    }
    default:
      throw new Error(`unexpected reply type ${JSON.stringify(type)} from the VM`);
  }
}

/** The error message of an error reply (`-msg\r\n`), for a thrown Error. */
function errorText(reply: string): string {
  const msg = reply.startsWith('-') ? reply.slice(1) : reply;
  return fromBytes(msg.endsWith('\r\n') ? msg.slice(0, -2) : msg);
}

class OurLuaCandidate implements Candidate, LuaHost {
  name = 'tsredis';
  luaVersion = '5.1';
  spawn = { module: import.meta.url, exportName: 'createOurLua' };
  private vm: LuaVM | null = null;
  private readonly random = new Rand48();
  private host: Host = () => null;
  private limitMs: number | null = null;
  private deadline = Infinity;
  private runs = 0;
  private compiled = 0;

  async load(): Promise<void> {
    const [major, minor, patch] = REDIS_VERSION.split('.').map(Number);
    // Instantiates the module (compiling lua51.wasm on the first instance of the thread) and the state.
    this.vm = new LuaVM(this, { num: (major << 16) | (minor << 8) | patch, text: REDIS_VERSION });
    return Promise.resolve();
  }

  private get lua(): LuaVM {
    if (this.vm === null) throw new Error('the VM is not loaded');
    return this.vm;
  }

  private compileAs(fname: string, script: string): void {
    const err = this.lua.compile(fname, toBytes(script));
    if (err !== null) throw new Error(fromBytes(err));
  }

  /** Runs registry[fname] as an EVAL script: KEYS and ARGV as globals, RESP2, as the server does. */
  private run(fname: string, keys: string[], argv: string[], host: Host): ScriptResult {
    const vm = this.lua;
    this.host = host;
    if (this.limitMs !== null) this.deadline = performance.now() + this.limitMs;
    let st: RunStatus = vm.run(
      fname,
      RUN_NAME,
      keys.map(toBytes),
      argv.map(toBytes),
      false,
      2,
      this.limitMs === null ? 0 : SETTINGS.hookCount,
    );
    // The hook never asks to yield here; a script can still yield its own run's coroutine.
    while (st === 'yield') st = vm.resume();
    const out = vm.output();
    if (++this.runs % GC_PERIOD === 0) vm.gcStep(GC_PERIOD);
    if (st === 'error') throw new Error(errorText(out));
    return out === '' ? null : parseReply(out);
  }

  eval(script: string, keys: string[], argv: string[], host: Host): ScriptResult {
    this.compileAs(EVAL_NAME, script);
    return this.run(EVAL_NAME, keys, argv, host);
  }

  compile(script: string): CompiledScript {
    const fname = `f_c${++this.compiled}`;
    this.compileAs(fname, script);
    return (keys, argv, host) => this.run(fname, keys, argv, host);
  }

  setTimeLimit(ms: number | null): void {
    this.limitMs = ms;
  }

  close(): void {
    // LuaVM has no close: dropping it frees its WebAssembly instance and memory.
    this.vm = null;
  }

  // ---- LuaHost: what the VM asks of the host while a script runs (none of it may throw) ----

  call(argv: string[], resp: 2 | 3): string {
    try {
      return hostReply(this.host(argv.map(fromBytes)), resp);
    } catch (e) {
      return errorReply(e instanceof Error ? e.message : String(e));
    }
  }

  hook(): 0 | 1 | 2 {
    return performance.now() > this.deadline ? 2 : 0;
  }

  log(): void {}

  known(): boolean {
    return true;
  }

  loadTimedOut(): boolean {
    return false;
  }

  rand48(): number {
    return this.random.next();
  }

  srand48(seed: number): void {
    this.random.seed(seed);
  }
}

export function createOurLua(): Candidate {
  return new OurLuaCandidate();
}

const isMain =
  isMainThread &&
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  runBench([...defaultCandidates(), createOurLua()]).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

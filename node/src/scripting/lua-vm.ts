// The Lua 5.1 VM (node/lua: Lua 5.1.5 and our glue, compiled to WebAssembly by node/lua/build.sh) as
// the server sees it: load the module, compile a script, run it as a coroutine that may yield when busy,
// and answer the VM's calls back (redis.call's command, the count hook, redis.log, sha1hex). Strings
// cross as latin1 (one char per byte), as everywhere in the node. A Lua error unwinds through a JS
// exception to the protected call that the VM asked the host to make (tsr_protected in luaconf.h).
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';

/** What the VM asks of the server while a script runs. None of these may throw. */
export interface LuaHost {
  /** Runs a command for redis.call/pcall; returns its RESP reply (errors included). */
  call(argv: string[], resp: 2 | 3): string;
  /** The count hook: 0 go on, 1 yield to the event loop (asked only when the script can), 2 kill. */
  hook(yieldable: boolean): 0 | 1 | 2;
  /** redis.log: level 0 debug .. 3 warning. */
  log(level: number, message: string): void;
  /** redis.acl_check_cmd: whether argv names a known command. */
  known(argv: string[]): boolean;
  /** redis.acl_check_cmd of a known command: whether the script's user may run it (default: yes). */
  aclAllows?(argv: string[]): boolean;
  /** FUNCTION LOAD's count hook: whether the library's code ran too long. */
  loadTimedOut(): boolean;
  /** math.random's generator (Redis's redisLrand48): the next value, 0 .. 2^31-1. */
  rand48(): number;
  /** math.randomseed (Redis's redisSrand48). */
  srand48(seed: number): void;
}

/**
 * The generator behind math.random, as Redis's rand.c: the 48-bit lrand48 sequence, the same on every
 * platform. One per server, shared by its EVAL and FUNCTION VMs, as Redis's both Lua states share it.
 */
export class Rand48 {
  /** Its state before any seed: lrand48's, as Redis starts with. */
  private x = 0x1234abcd330en;

  next(): number {
    this.x = (this.x * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
    return Number(this.x >> 17n);
  }

  seed(seed: number): void {
    this.x = (BigInt(seed >>> 0) << 16n) | 0x330en;
  }
}

/** A function a library registered while it loaded. */
export interface RegisteredFunction {
  name: string;
  /** SCRIPT_* flags (runner.ts). */
  flags: number;
  description: string | null;
}

/** How a run ended: done (reply is the RESP to send), error (reply is the RESP error), or yielded. */
export type RunStatus = 'done' | 'yield' | 'error';

interface Exports {
  memory: WebAssembly.Memory;
  __stack_pointer: WebAssembly.Global;
  _initialize(): void;
  tsr_buffer(n: number): number;
  tsr_alloc(n: number): number;
  tsr_out_ptr(): number;
  tsr_out_len(): number;
  tsr_argv(): number;
  tsr_invoke(f: number, L: number, ud: number): void;
  tsr_repl_flags(): number;
  tsr_init(versionNum: number, version: number, functions: number): number;
  tsr_load(L: number, len: number): number;
  tsr_commit(L: number, ok: number): void;
  tsr_close(L: number): void;
  tsr_memory(L: number): bigint;
  tsr_gc_step(L: number, n: number): void;
  tsr_compile(L: number, name: number, len: number, chunk: number): number;
  tsr_forget(L: number, name: number): void;
  tsr_run(
    L: number,
    fname: number,
    name: number,
    nkeys: number,
    nargs: number,
    asFunction: number,
    resp: number,
    hook: number,
  ): number;
  tsr_resume(L: number): number;
}

/** Thrown by the VM's throw import: a Lua error on its way to the protected call that catches it. */
const LUA_ERROR = Object.freeze({ luaError: true });
/** WASI errno values the stubs return: the VM has no files, clocks or environment. */
const ENOSYS = 52;
const EBADF = 8;

const WASM_URL = new URL('../../lua/lua51.wasm', import.meta.url);
let compiled: WebAssembly.Module | null = null;

/** The compiled module, shared by every VM instance of the process. */
function wasmModule(): WebAssembly.Module {
  if (compiled === null) {
    if (!fs.existsSync(WASM_URL)) {
      throw new Error(
        `the Lua VM ${WASM_URL.pathname} is missing: npm run build makes it (node/lua/build.sh)`,
      );
    }
    compiled = new WebAssembly.Module(fs.readFileSync(WASM_URL));
  }
  return compiled;
}

export function sha1hex(s: string): string {
  return createHash('sha1').update(s, 'latin1').digest('hex');
}

export class LuaVM {
  private ex!: Exports;
  private heap!: Buffer;
  private L = 0;
  private readonly names = new Map<string, number>();
  private chunkName = 0;

  /**
   * functions: the environment of FUNCTION libraries (their own state, as in Redis 7.0): scripts see
   * the globals through an empty read-only table, and a loading library sees only its API.
   */
  constructor(
    private readonly host: LuaHost,
    private readonly version: { num: number; text: string },
    private readonly functions = false,
  ) {
    this.start();
  }

  /** A fresh instance: new memory, a new Lua state (SCRIPT FLUSH, or after an internal failure). */
  start(): void {
    const mem = (): Buffer => this.mem();
    const wasi = {
      fd_close: () => ENOSYS,
      fd_fdstat_get: () => ENOSYS,
      fd_fdstat_set_flags: () => ENOSYS,
      fd_prestat_get: () => EBADF,
      fd_prestat_dir_name: () => EBADF,
      fd_read: () => ENOSYS,
      fd_renumber: () => ENOSYS,
      fd_seek: () => ENOSYS,
      fd_write: () => ENOSYS,
      path_open: () => ENOSYS,
      proc_exit: (code: number) => {
        throw new Error(`the Lua VM exited (${code})`);
      },
    };
    const tsredis = {
      throw: () => {
        throw LUA_ERROR;
      },
      protected: (f: number, L: number, ud: number): number => {
        const sp = this.ex.__stack_pointer.value as number;
        try {
          this.ex.tsr_invoke(f, L, ud);
          return 0;
        } catch (e) {
          if (e !== LUA_ERROR) throw e;
          this.ex.__stack_pointer.value = sp;
          return 1;
        }
      },
      call: (resp: number): number => {
        let reply: string;
        try {
          reply = this.host.call(this.argv(), resp === 3 ? 3 : 2);
        } catch (e) {
          reply = `-ERR internal error: ${(e as Error).message}\r\n`;
        }
        const p = this.ex.tsr_buffer(reply.length);
        if (p === 0) return 0;
        this.mem().write(reply, p, reply.length, 'latin1');
        return reply.length;
      },
      hook: (yieldable: number): number => {
        try {
          if (yieldable === -1) return this.host.loadTimedOut() ? 2 : 0;
          return this.host.hook(yieldable !== 0);
        } catch {
          return 0;
        }
      },
      log: (level: number, p: number, n: number): void => {
        try {
          this.host.log(level, mem().toString('latin1', p, p + n));
        } catch {
          // logging must never fail a script
        }
      },
      sha1hex: (p: number, n: number, out: number): void => {
        const m = mem();
        m.write(sha1hex(m.toString('latin1', p, p + n)), out, 40, 'latin1');
      },
      rand48: (): number => this.host.rand48(),
      srand48: (seed: number): void => {
        this.host.srand48(seed);
      },
      known: (): number => {
        try {
          const argv = this.argv();
          if (!this.host.known(argv)) return 0;
          return this.host.aclAllows === undefined || this.host.aclAllows(argv) ? 1 : 2;
        } catch {
          return 0;
        }
      },
    };
    const instance = new WebAssembly.Instance(wasmModule(), { wasi_snapshot_preview1: wasi, tsredis });
    this.ex = instance.exports as unknown as Exports;
    this.heap = Buffer.from(this.ex.memory.buffer);
    this.ex._initialize();
    this.names.clear();
    const version = this.cstring(this.version.text);
    this.L = this.ex.tsr_init(this.version.num, version, this.functions ? 1 : 0);
    if (this.L === 0) throw new Error('the Lua VM could not create its state');
    this.chunkName = this.cstring('@user_script');
  }

  /** Closes the Lua state and starts a new one (SCRIPT FLUSH). */
  reset(): void {
    this.start();
  }

  /** Lua's memory in bytes. */
  memoryBytes(): number {
    return Number(this.ex.tsr_memory(this.L));
  }

  /** The whole instance's linear memory (Lua's heap, stacks, buffers). */
  vmBytes(): number {
    return this.ex.memory.buffer.byteLength;
  }

  gcStep(n: number): void {
    this.ex.tsr_gc_step(this.L, n);
  }

  /** Compiles body as registry[name]; null, or Lua's error message. */
  compile(name: string, body: string, chunk = '@user_script'): string | null {
    const p = this.ex.tsr_buffer(body.length);
    if (p === 0) return 'not enough memory';
    this.mem().write(body, p, body.length, 'latin1');
    const c = chunk === '@user_script' ? this.chunkName : this.cstring(chunk);
    return this.ex.tsr_compile(this.L, this.cname(name), body.length, c) === 0 ? null : this.output();
  }

  /**
   * Runs a library's code (the shebang line removed) so that it registers its functions: their list,
   * kept pending until commit(), or the error message.
   */
  load(code: string): RegisteredFunction[] | string {
    const p = this.ex.tsr_buffer(code.length);
    if (p === 0) return 'not enough memory';
    this.mem().write(code, p, code.length, 'latin1');
    if (this.ex.tsr_load(this.L, code.length) !== 0) return this.output();
    const n = this.ex.tsr_out_len();
    const m = this.mem();
    let at = this.ex.tsr_out_ptr();
    const end = at + n;
    const count = m.readUInt32LE(at);
    at += 4;
    const out: RegisteredFunction[] = [];
    for (let i = 0; i < count && at < end; i++) {
      const flags = m.readUInt32LE(at);
      const nameLen = m.readUInt32LE(at + 4);
      const name = m.toString('latin1', at + 8, at + 8 + nameLen);
      at += 8 + nameLen;
      const descLen = m.readUInt32LE(at);
      at += 4;
      let description: string | null = null;
      if (descLen !== 0xffffffff) {
        description = m.toString('latin1', at, at + descLen);
        at += descLen;
      }
      out.push({ name, flags, description });
    }
    return out;
  }

  /** Keeps (ok) or drops the functions the last load() registered: they run as registry "F:<name>". */
  commit(ok: boolean): void {
    this.ex.tsr_commit(this.L, ok ? 1 : 0);
  }

  forget(name: string): void {
    this.ex.tsr_forget(this.L, this.cname(name));
  }

  /**
   * Runs registry[fname] with keys and args (as the KEYS/ARGV globals, or as a function's two
   * arguments). name is what error replies call the script; hookEvery the instructions between two busy
   * checks (0: none).
   */
  run(
    fname: string,
    name: string,
    keys: readonly string[],
    args: readonly string[],
    asFunction: boolean,
    resp: 2 | 3,
    hookEvery: number,
  ): RunStatus {
    let total = 0;
    for (const k of keys) total += 4 + k.length;
    for (const a of args) total += 4 + a.length;
    const p = this.ex.tsr_buffer(total);
    if (p === 0) return 'error';
    const m = this.mem();
    let at = p;
    for (const list of [keys, args]) {
      for (const s of list) {
        m.writeUInt32LE(s.length, at);
        m.write(s, at + 4, s.length, 'latin1');
        at += 4 + s.length;
      }
    }
    const st = this.ex.tsr_run(
      this.L,
      this.cname(fname),
      this.cname(name),
      keys.length,
      args.length,
      asFunction ? 1 : 0,
      resp,
      hookEvery,
    );
    return st === 0 ? 'done' : st === 1 ? 'yield' : 'error';
  }

  resume(): RunStatus {
    const st = this.ex.tsr_resume(this.L);
    return st === 0 ? 'done' : st === 1 ? 'yield' : 'error';
  }

  /** The reply (or error) of the last run, as RESP; the message of the last compile error. */
  output(): string {
    const n = this.ex.tsr_out_len();
    if (n === 0) return '';
    const p = this.ex.tsr_out_ptr();
    return this.mem().toString('latin1', p, p + n);
  }

  /** redis.set_repl's flags for the current run: 1 AOF, 2 replicas. */
  replFlags(): number {
    return this.ex.tsr_repl_flags();
  }

  private mem(): Buffer {
    // Memory growth detaches the old buffer, and a view of a detached buffer has length 0.
    if (this.heap.length === 0) this.heap = Buffer.from(this.ex.memory.buffer);
    return this.heap;
  }

  /** redis.call's argument vector, read from the VM. */
  private argv(): string[] {
    const m = this.mem();
    const d = this.ex.tsr_argv();
    const argc = m.readUInt32LE(d);
    const ptrs = m.readUInt32LE(d + 4);
    const lens = m.readUInt32LE(d + 8);
    const argv = new Array<string>(argc);
    for (let i = 0; i < argc; i++) {
      const p = m.readUInt32LE(ptrs + 4 * i);
      argv[i] = m.toString('latin1', p, p + m.readUInt32LE(lens + 4 * i));
    }
    return argv;
  }

  /** A NUL-terminated copy of s in the VM, kept for the life of the instance (names are few). */
  private cname(s: string): number {
    const have = this.names.get(s);
    if (have !== undefined) return have;
    const p = this.cstring(s);
    this.names.set(s, p);
    return p;
  }

  private cstring(s: string): number {
    const p = this.alloc(s.length + 1);
    const m = this.mem();
    m.write(s, p, s.length, 'latin1');
    m[p + s.length] = 0;
    return p;
  }

  private alloc(n: number): number {
    return this.ex.tsr_alloc(n);
  }
}

// Redis 7.0 functions: FUNCTION LOAD [REPLACE], DELETE, LIST [LIBRARYNAME pattern] [WITHCODE], FLUSH,
// DUMP, RESTORE [FLUSH|APPEND|REPLACE], STATS, KILL, HELP; FCALL and FCALL_RO. A library is Lua code with
// a "#!lua name=<lib>" first line that calls redis.register_function while it loads (in the functions
// VM, lua-vm.ts); its functions then run like EVAL scripts, with the flags they were registered with.
// The libraries persist in RDB files (opcode FUNCTION2) and replicate as the FUNCTION commands.
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { cmd, NO_KEYS, serverSub, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError } from '../store/errors.js';
import { RdbWriter } from '../persistence/rdb-writer.js';
import { decodeFunctionsPayload } from '../persistence/rdb-reader.js';
import { globMatch } from '../commands/glob.js';

import type { RegisteredFunction } from './lua-vm.js';
import {
  BUSY_EVAL,
  SCRIPT_FLAG_NAMES,
  parseNumKeys,
  scriptCommandBits,
  type ScriptRunner,
} from './runner.js';
import { reply, replyLater } from './eval.js';

interface Library {
  name: string;
  /** The whole code, shebang line included (what FUNCTION LIST WITHCODE, DUMP and RDB files hold). */
  code: string;
  functions: RegisteredFunction[];
}

const NAME_RE = /^[A-Za-z0-9_]+$/;

/** Redis's addReplySubcommandSyntaxError, for FUNCTION's subcommands. */
function subcommandSyntaxError(argv: string[]): RedisError {
  return new RedisError(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
  );
}

/** The library name and the code to run from a library's first line (Redis's functionExtractLibMetaData). */
export function parseLibraryHeader(code: string): { name: string; engine: string; body: string } | string {
  if (!code.startsWith('#!')) return 'ERR Missing library metadata';
  const end = code.indexOf('\n');
  if (end < 0) return 'ERR Invalid library metadata';
  const parts = code
    .slice(2, end)
    .split(/[ \t\r]+/)
    .filter((p) => p !== '');
  if (parts.length === 0) return 'ERR Invalid library metadata';
  let name: string | null = null;
  for (const p of parts.slice(1)) {
    if (p.toLowerCase().startsWith('name=')) {
      if (name !== null) return 'ERR Invalid metadata value, name argument was given multiple times';
      name = p.slice(5);
    } else {
      return `ERR Invalid metadata value given: ${p}`;
    }
  }
  if (name === null) return 'ERR Library name was not given';
  // The shebang line goes; its newline stays, so line numbers in errors are the user's.
  return { name, engine: parts[0], body: code.slice(end) };
}

export class FunctionLibraries {
  private libraries = new Map<string, Library>();
  /**
   * Function name (lower case) -> its library: names are unique across libraries, and FCALL finds them
   * whatever their case, as in Redis (library names are case-sensitive).
   */
  private functions = new Map<string, { library: Library; fn: RegisteredFunction }>();

  constructor(
    private readonly server: Server,
    private readonly runner: ScriptRunner,
  ) {
    server.functionLibraries = () => [...this.libraries.values()].map((l) => l.code);
    server.restoreFunctions = (codes) => {
      this.replaceAll(codes);
    };
    runner.afterFunctionsReset = () => {
      const codes = [...this.libraries.values()].map((l) => l.code);
      this.libraries.clear();
      this.functions.clear();
      for (const code of codes) this.create(code, false);
    };
  }

  /** INFO memory: libraries, functions, and the bytes of their code and names. */
  sizes(): { libraries: number; functions: number; bytes: number } {
    let bytes = 0;
    for (const l of this.libraries.values()) bytes += l.code.length + l.name.length;
    for (const f of this.functions.keys()) bytes += f.length;
    return { libraries: this.libraries.size, functions: this.functions.size, bytes };
  }

  /** Loads a library; its name, or the error reply. */
  create(code: string, replace: boolean): string | RedisError {
    const header = parseLibraryHeader(code);
    if (typeof header === 'string') return new RedisError(header);
    if (header.engine.toLowerCase() !== 'lua')
      return new RedisError(`ERR Engine '${header.engine}' not found`);
    if (!NAME_RE.test(header.name)) {
      return new RedisError(
        'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long',
      );
    }
    const old = this.libraries.get(header.name);
    if (old !== undefined && !replace) return new RedisError(`ERR Library '${header.name}' already exists`);
    const vm = this.runner.fvm;
    this.runner.loadStartedAt = performance.now();
    const loaded = vm.load(header.body);
    if (typeof loaded === 'string') return new RedisError(`ERR ${loaded}`);
    if (loaded.length === 0) {
      vm.commit(false);
      return new RedisError('ERR No functions registered');
    }
    for (const f of loaded) {
      const other = this.functions.get(f.name.toLowerCase());
      if (other !== undefined && other.library !== old) {
        vm.commit(false);
        return new RedisError(`ERR Function ${f.name} already exists`);
      }
    }
    if (old !== undefined) this.unlink(old, new Set(loaded.map((f) => f.name)));
    vm.commit(true);
    const lib: Library = { name: header.name, code, functions: loaded };
    this.libraries.set(lib.name, lib);
    for (const fn of loaded) {
      const k = fn.name.toLowerCase();
      // Two names of one library that differ only in case: the first is the one FCALL finds.
      if (!this.functions.has(k)) this.functions.set(k, { library: lib, fn });
    }
    return lib.name;
  }

  /** Drops a library's functions (those in keep are about to be replaced, not forgotten). */
  private unlink(lib: Library, keep: ReadonlySet<string> = new Set()): void {
    for (const f of lib.functions) {
      const k = f.name.toLowerCase();
      if (this.functions.get(k)?.library === lib) this.functions.delete(k);
      if (!keep.has(f.name)) this.runner.fvm.forget(`F:${f.name}`);
    }
    this.libraries.delete(lib.name);
  }

  private flush(): void {
    this.libraries.clear();
    this.functions.clear();
    this.runner.fvm.reset();
  }

  /** An RDB's libraries replace what is loaded (a restart, a full sync, DEBUG RELOAD). */
  private replaceAll(codes: string[]): void {
    this.flush();
    for (const code of codes) {
      const r = this.create(code, false);
      if (r instanceof RedisError) throw new Error(`Failed loading library from RDB: ${r.message}`);
    }
  }

  /** FCALL / FCALL_RO. */
  private fcall(c: Client, argv: string[], ro: boolean): void {
    this.server.feedMonitors(c, argv);
    c.propagateAs();
    // As Redis's fcallCommandGeneric: the function first, then numkeys (strictly an int64).
    const found = this.functions.get(argv[1].toLowerCase());
    if (found === undefined) throw new RedisError('ERR Function not found');
    const n = parseNumKeys(argv[2], argv.length - 3, 'ERR Bad number of keys provided');
    const refusal = this.runner.refusal(c, found.fn.flags, ro);
    if (refusal !== null) throw new RedisError(refusal);
    const result = this.runner.start(
      this.runner.fvm,
      c,
      `F:${found.fn.name}`,
      found.fn.name,
      found.fn.flags,
      ro,
      false,
      argv.slice(3, 3 + n),
      argv.slice(3 + n),
      (r) => replyLater(this.server, c, r),
      argv,
    );
    if (result === null) {
      c.waitForScript();
      return;
    }
    reply(c, result);
  }

  private list(c: Ctx, argv: string[]): void {
    let pattern: string | null = null;
    let withCode = false;
    for (let i = 2; i < argv.length; i++) {
      const a = argv[i].toLowerCase();
      if (a === 'withcode' && !withCode) withCode = true;
      else if (a === 'libraryname' && pattern === null) {
        if (i + 1 >= argv.length) throw new RedisError('ERR library name argument was not given');
        pattern = argv[++i];
      } else throw new RedisError(`ERR Unknown argument ${argv[i]}`);
    }
    const libs = [...this.libraries.values()].filter(
      (l) => pattern === null || globMatch(pattern, l.name, true),
    );
    c.arrayLen(libs.length);
    for (const lib of libs) {
      c.mapLen(withCode ? 4 : 3);
      c.bulk('library_name');
      c.bulk(lib.name);
      c.bulk('engine');
      c.bulk('LUA');
      c.bulk('functions');
      c.arrayLen(lib.functions.length);
      for (const f of lib.functions) {
        c.mapLen(3);
        c.bulk('name');
        c.bulk(f.name);
        c.bulk('description');
        if (f.description === null) c.nil();
        else c.bulk(f.description);
        c.bulk('flags');
        const names = SCRIPT_FLAG_NAMES.filter(([, bit]) => (f.flags & bit) !== 0).map(([n]) => n);
        // Status replies, as Redis gives the flags (in RESP2 and RESP3 alike).
        c.setLen(names.length);
        for (const n of names) c.simple(n);
      }
      if (withCode) {
        c.bulk('library_code');
        c.bulk(lib.code);
      }
    }
  }

  /**
   * FUNCTION RESTORE as Redis's functionRestoreCommand: the payload's libraries load on their own
   * first (its errors are a LOAD's), then FLUSH takes them as they are, APPEND and REPLACE join them to
   * the current ones (libraryJoin): a library of the same name is an error ("Library x already
   * exists", unquoted) or replaced, and a function of the same name in another library an error.
   * Nothing changes unless all of it succeeds.
   */
  private restore(c: Ctx, argv: string[]): void {
    if (argv.length > 4) throw subcommandSyntaxError(argv);
    const policy = (argv[3] ?? 'append').toLowerCase();
    if (!['flush', 'append', 'replace'].includes(policy)) {
      throw new RedisError(
        'ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.',
      );
    }
    let codes: string[];
    try {
      codes = decodeFunctionsPayload(Buffer.from(argv[2], 'latin1'));
    } catch (e) {
      throw new RedisError((e as Error).message);
    }
    const before = [...this.libraries.values()];
    const saved = before.map((l) => l.code);
    // The payload alone, as Redis loads it into a context of its own.
    this.flush();
    const restored: Library[] = [];
    try {
      for (const code of codes) {
        const r = this.create(code, false);
        if (r instanceof RedisError) throw r;
        const lib = this.libraries.get(r);
        if (lib !== undefined) restored.push(lib);
      }
      if (policy !== 'flush') {
        const names = new Set(restored.map((l) => l.name));
        if (policy === 'append') {
          const clash = restored.find((l) => before.some((b) => b.name === l.name));
          if (clash !== undefined) throw new RedisError(`ERR Library ${clash.name} already exists`);
        }
        // REPLACE: the current libraries of those names go; every other one stays beside the payload's.
        const kept = before.filter((b) => !names.has(b.name));
        const keptFunctions = new Set(kept.flatMap((b) => b.functions.map((f) => f.name.toLowerCase())));
        for (const lib of restored) {
          const clash = lib.functions.find((f) => keptFunctions.has(f.name.toLowerCase()));
          if (clash !== undefined) throw new RedisError(`ERR Function ${clash.name} already exists`);
        }
        for (const b of kept) {
          const r = this.create(b.code, false);
          if (r instanceof RedisError) throw r;
        }
      }
    } catch (e) {
      this.replaceAll(saved);
      throw e;
    }
    this.server.dirty++;
    c.ok();
  }

  private stats(c: Ctx): void {
    const run = this.runner.current;
    // While an EVAL script is busy, Redis's functionStatsCommand refuses, with EVAL's BUSY error.
    if (run !== null && run.evalMode) throw new RedisError(BUSY_EVAL);
    c.mapLen(2);
    c.bulk('running_script');
    if (run === null || run.evalMode) c.nil();
    else {
      c.mapLen(3);
      c.bulk('name');
      c.bulk(run.name);
      c.bulk('command');
      c.bulks(run.argv);
      c.bulk('duration_ms');
      c.int(Math.round(performance.now() - run.startedAt));
    }
    c.bulk('engines');
    c.mapLen(1);
    c.bulk('LUA');
    c.mapLen(2);
    c.bulk('libraries_count');
    c.int(this.libraries.size);
    c.bulk('functions_count');
    c.int(this.functions.size);
  }

  commands(): CommandSpec[] {
    const sub = (
      name: string,
      arity: number,
      flags: Parameters<typeof serverSub>[2],
      handler: (c: Ctx, argv: string[]) => void,
    ): CommandSpec => ({ ...serverSub(name, arity, flags, handler), group: 'scripting' });
    const withFunctionFlags = (spec: CommandSpec): CommandSpec => {
      spec.flagsFor = (argv) => {
        const f = argv.length >= 2 ? this.functions.get(argv[1].toLowerCase()) : undefined;
        return f === undefined ? (spec.bits ?? 0) : scriptCommandBits(spec.bits ?? 0, f.fn.flags);
      };
      return spec;
    };
    return [
      withFunctionFlags(
        cmd(
          'fcall',
          -3,
          ['noscript', 'skip_monitor', 'may_replicate', 'stale'],
          NO_KEYS,
          'scripting',
          (c, a) => this.fcall(c as Client, a, false),
        ),
      ),
      withFunctionFlags(
        cmd('fcall_ro', -3, ['noscript', 'skip_monitor', 'stale', 'readonly'], NO_KEYS, 'scripting', (c, a) =>
          this.fcall(c as Client, a, true),
        ),
      ),
      {
        ...cmd('function', -2, [], NO_KEYS, 'scripting', () => {}),
        subcommands: [
          sub('load', -3, ['write', 'denyoom', 'noscript'], (c, a) => {
            let replace = false;
            let i = 2;
            for (; i < a.length - 1; i++) {
              if (a[i].toLowerCase() === 'replace') replace = true;
              else throw new RedisError(`ERR Unknown option given: ${a[i]}`);
            }
            if (i !== a.length - 1) throw new RedisError('ERR Function code was not given');
            const r = this.create(a[a.length - 1], replace);
            if (r instanceof RedisError) throw r;
            this.server.dirty++;
            c.bulk(r);
          }),
          sub('delete', 3, ['write', 'noscript'], (c, a) => {
            const lib = this.libraries.get(a[2]);
            if (lib === undefined) throw new RedisError('ERR Library not found');
            this.unlink(lib);
            this.server.dirty++;
            c.ok();
          }),
          sub('list', -2, ['noscript'], (c, a) => this.list(c, a)),
          sub('flush', -2, ['write', 'noscript'], (c, a) => {
            if (a.length > 3) throw subcommandSyntaxError(a);
            if (a.length === 3 && !/^(a?sync)$/i.test(a[2])) {
              throw new RedisError('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
            }
            this.flush();
            this.server.dirty++;
            c.ok();
          }),
          sub('dump', 2, ['noscript'], (c) => {
            const codes = [...this.libraries.values()].map((l) => l.code);
            c.bulk(
              RdbWriter.functionsPayload(codes, this.server.config.getBool('rdbcompression')).toString(
                'latin1',
              ),
            );
          }),
          sub('restore', -3, ['write', 'denyoom', 'noscript'], (c, a) => this.restore(c, a)),
          sub('stats', 2, ['noscript', 'allow_busy'], (c) => this.stats(c)),
          sub('kill', 2, ['noscript', 'allow_busy'], (c) => {
            const err = this.runner.kill(false);
            if (err !== null) throw new RedisError(err);
            c.ok();
          }),
          sub('help', 2, ['loading', 'stale'], (c) => {
            c.arrayLen(HELP.length);
            for (const line of HELP) c.simple(line);
          }),
        ],
      },
    ];
  }
}

const HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (LOAD, EXISTS, FLUSH, KILL, HELP) as in Redis 7.0: the
// script cache (SHA1 -> body and shebang flags; compiled into the VM as f_<sha> on first use), the
// shebang (#!lua flags=...), the numkeys checks, and the reply of a run to its caller, at once or,
// for a script that went busy, when it ends.
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { cmd, NO_KEYS, serverSub, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_NOT_INTEGER } from '../store/errors.js';

import { sha1hex } from './lua-vm.js';
import {
  SCRIPT_EVAL_COMPAT,
  SCRIPT_FLAG_NAMES,
  ScriptRunner,
  parseNumKeys,
  scriptCommandBits,
  type RunResult,
} from './runner.js';

export interface CachedScript {
  sha: string;
  body: string;
  flags: number;
  /** The shebang line's length: the VM compiles what follows it (its newline kept, for line numbers). */
  shebangLen: number;
  /** The VM generation it was compiled in (0: not yet). */
  compiledIn: number;
}

/** Parses a script's shebang (Redis's evalExtractShebangFlags): its flags and length, or an error. */
export function parseShebang(body: string): { flags: number; len: number } | { error: string } {
  if (!body.startsWith('#!')) return { flags: SCRIPT_EVAL_COMPAT, len: 0 };
  const end = body.indexOf('\n');
  if (end < 0) return { error: 'ERR Invalid script shebang' };
  const parts = body
    .slice(0, end)
    .split(/[ \t\r]+/)
    .filter((p) => p !== '');
  if (parts.length === 0) return { error: 'ERR Invalid engine in script shebang' };
  if (parts[0] !== '#!lua') return { error: `ERR Unexpected engine in script shebang: ${parts[0]}` };
  let flags = 0;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return { error: `ERR Unknown lua shebang option: ${part}` };
    const list = part.slice(6);
    for (const f of list === '' ? [] : list.split(',')) {
      const known = SCRIPT_FLAG_NAMES.find(([n]) => n === f);
      if (known === undefined) return { error: `ERR Unexpected flag in script shebang: ${f}` };
      flags |= known[1];
    }
  }
  return { flags, len: end };
}

export class EvalScripts {
  readonly scripts = new Map<string, CachedScript>();
  /** EVAL finds its script by body without hashing it again. */
  private byBody = new Map<string, CachedScript>();
  /** Bumped by every VM reset: scripts compiled in an older generation are compiled again. */
  private generation = 1;
  /** Bytes of the cached bodies (INFO used_memory_scripts_eval). */
  bodyBytes = 0;

  constructor(
    private readonly server: Server,
    readonly runner: ScriptRunner,
  ) {
    runner.afterReset = () => this.generation++;
  }

  /** SCRIPT LOAD and EVAL: the cached script for body, created (not compiled) when new. */
  private add(body: string): CachedScript | string {
    const known = this.byBody.get(body);
    if (known !== undefined) return known;
    const sha = sha1hex(body);
    const same = this.scripts.get(sha);
    if (same !== undefined) return same;
    const sb = parseShebang(body);
    if ('error' in sb) return sb.error;
    const s: CachedScript = { sha, body, flags: sb.flags, shebangLen: sb.len, compiledIn: 0 };
    const err = this.compile(s);
    if (err !== null) return err;
    this.scripts.set(sha, s);
    this.byBody.set(body, s);
    this.bodyBytes += body.length + 40;
    return s;
  }

  /** Compiles s into the current VM if it is not there; an error reply or null. */
  private compile(s: CachedScript): string | null {
    if (s.compiledIn === this.generation) return null;
    const code = s.shebangLen === 0 ? s.body : s.body.slice(s.shebangLen);
    const err = this.runner.vm.compile(`f_${s.sha}`, code);
    if (err !== null) return `ERR Error compiling script (new function): ${err}`;
    s.compiledIn = this.generation;
    return null;
  }

  flush(): void {
    this.scripts.clear();
    this.byBody.clear();
    this.bodyBytes = 0;
    this.runner.vm.reset();
    this.generation++;
  }

  /** EVAL / EVALSHA and their _RO forms. */
  eval(c: Client, argv: string[], bySha: boolean, ro: boolean): void {
    // EVAL shows itself to MONITOR before the commands its script runs (it is skip_monitor).
    this.server.feedMonitors(c, argv);
    // The script's effects are propagated as it runs them, never the EVAL itself.
    c.propagateAs();
    const n = parseNumKeys(argv[2], argv.length - 3, ERR_NOT_INTEGER);
    let script: CachedScript | string | undefined;
    if (bySha) {
      script = argv[1].length === 40 ? this.scripts.get(argv[1].toLowerCase()) : undefined;
      if (script === undefined) throw new RedisError('NOSCRIPT No matching script. Please use EVAL.');
      const err = this.compile(script);
      if (err !== null) throw new RedisError(err);
    } else {
      script = this.add(argv[1]);
      if (typeof script === 'string') throw new RedisError(script);
      const err = this.compile(script);
      if (err !== null) throw new RedisError(err);
    }
    const refusal = this.runner.refusal(c, script.flags, ro);
    if (refusal !== null) throw new RedisError(refusal);
    const keys = argv.slice(3, 3 + n);
    const args = argv.slice(3 + n);
    const result = this.runner.start(
      this.runner.vm,
      c,
      `f_${script.sha}`,
      script.sha,
      script.flags,
      ro,
      true,
      keys,
      args,
      (r) => replyLater(this.server, c, r),
      argv,
    );
    if (result === null) {
      c.waitForScript();
      return;
    }
    reply(c, result);
  }

  /** The flags of the script an EVAL/EVALSHA names (compat when unknown: the command's own apply). */
  private scriptFlags(argv: string[], bySha: boolean): number {
    if (argv.length < 2) return SCRIPT_EVAL_COMPAT;
    if (bySha) return this.scripts.get(argv[1].toLowerCase())?.flags ?? SCRIPT_EVAL_COMPAT;
    const known = this.byBody.get(argv[1]);
    if (known !== undefined) return known.flags;
    const sb = parseShebang(argv[1]);
    return 'error' in sb ? SCRIPT_EVAL_COMPAT : sb.flags;
  }

  /** Gives an EVAL-family spec the flags of the script each call runs. */
  private withScriptFlags(spec: CommandSpec, bySha: boolean): CommandSpec {
    spec.flagsFor = (argv) => scriptCommandBits(spec.bits ?? 0, this.scriptFlags(argv, bySha));
    return spec;
  }

  commands(): CommandSpec[] {
    const evalFlags = ['noscript', 'skip_monitor', 'may_replicate', 'stale'] as const;
    const roFlags = ['noscript', 'skip_monitor', 'stale', 'readonly'] as const;
    const sub = (name: string, arity: number, handler: (c: Ctx, argv: string[]) => void): CommandSpec =>
      serverSub(name, arity, ['noscript'], handler);
    return [
      cmd('eval', -3, [...evalFlags], NO_KEYS, 'scripting', (c, a) =>
        this.eval(c as Client, a, false, false),
      ),
      cmd('evalsha', -3, [...evalFlags], NO_KEYS, 'scripting', (c, a) =>
        this.eval(c as Client, a, true, false),
      ),
      cmd('eval_ro', -3, [...roFlags], NO_KEYS, 'scripting', (c, a) =>
        this.eval(c as Client, a, false, true),
      ),
      cmd('evalsha_ro', -3, [...roFlags], NO_KEYS, 'scripting', (c, a) =>
        this.eval(c as Client, a, true, true),
      ),
      {
        ...cmd('script', -2, [], NO_KEYS, 'scripting', () => {}),
        subcommands: [
          sub('load', 3, (c, a) => {
            const s = this.add(a[2]);
            if (typeof s === 'string') throw new RedisError(s);
            c.bulk(s.sha);
          }),
          sub('exists', -3, (c, a) => {
            c.arrayLen(a.length - 2);
            for (const sha of a.slice(2)) c.int(this.scripts.has(sha.toLowerCase()) ? 1 : 0);
          }),
          sub('flush', -2, (c, a) => {
            if (a.length > 3 || (a.length === 3 && !/^(a?sync)$/i.test(a[2]))) {
              throw new RedisError('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
            }
            this.flush();
            c.ok();
          }),
          {
            ...serverSub('kill', 2, ['noscript', 'allow_busy'], (c) => {
              const err = this.runner.kill(true);
              if (err !== null) throw new RedisError(err);
              c.ok();
            }),
          },
          sub('debug', 3, (_c, a) => {
            // The mode is checked as Redis checks it; then every mode is refused (no Lua debugger).
            if (!/^(yes|sync|no)$/i.test(a[2])) throw new RedisError('ERR Use SCRIPT DEBUG YES/SYNC/NO');
            throw new RedisError(
              'ERR SCRIPT DEBUG is not supported by tsredis: its Lua debugger is not implemented',
            );
          }),
          sub('help', 2, (c) => {
            c.arrayLen(HELP.length);
            for (const line of HELP) c.simple(line);
          }),
        ],
      },
    ];
  }
}

const HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  // Listed as Redis lists it: SCRIPT DEBUG exists, though tsredis refuses its modes.
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

/** The reply of a run that went busy, when it ends; then the server serves everyone again. */
export function replyLater(server: Server, c: Client, r: RunResult): void {
  if (!c.closing) {
    if (r.error && r.reply.startsWith('-')) c.error(r.reply.slice(1, r.reply.length - 2));
    else c.write(r.reply);
    server.flushSoon(c);
  }
  c.scriptDone();
}

/** Writes a run's reply inside its command: an error is thrown (a failed call, as Redis counts it). */
export function reply(c: Client, r: RunResult): void {
  if (r.error && r.reply.startsWith('-')) throw new RedisError(r.reply.slice(1, r.reply.length - 2));
  c.write(r.reply);
}

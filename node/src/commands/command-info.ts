// COMMAND and its subcommands (INFO, DOCS, COUNT, LIST, GETKEYS, GETKEYSANDFLAGS, HELP) as redis-server
// 7.0 answers them, from its own table (server/redis-command-table.ts) restricted to the commands and
// subcommands this server registers; key extraction by key specs with Redis's getkeys fallbacks; and
// the arities of subcommands that one handler dispatches (CLIENT, OBJECT, PUBSUB), for the dispatcher.
import { cmd, NO_KEYS, type CommandSpec, type Ctx } from '../server/command.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import {
  REDIS_COMMANDS,
  type CommandArg,
  type CommandDocs,
  type KeySpec,
  type RedisCommand,
} from '../server/redis-command-table.js';
import { RedisError, ERR_SYNTAX } from '../store/errors.js';
import { globMatch } from './glob.js';
import { parseIntStrict, replyHelp } from './util.js';

/** Redis's facts by full name ('get', 'client|kill'). */
const DATA = new Map<string, RedisCommand>();
for (const c of REDIS_COMMANDS) {
  DATA.set(c.name, c);
  for (const s of c.subcommands ?? []) DATA.set(s.name, s);
}

export function redisCommand(fullName: string): RedisCommand | undefined {
  return DATA.get(fullName);
}

/**
 * The subcommands that a container's single handler implements (it has no subcommand specs): COMMAND
 * shows only these, and the dispatcher checks their arities. test/command-table.test.ts checks this
 * list against what the handlers answer.
 */
export const HANDLER_SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = {
  client: [
    'caching',
    'getname',
    'getredir',
    'help',
    'id',
    'info',
    'kill',
    'list',
    'no-evict',
    'pause',
    'reply',
    'setname',
    'tracking',
    'trackinginfo',
    'unblock',
    'unpause',
  ],
  object: ['encoding', 'freq', 'help', 'idletime', 'refcount'],
  pubsub: ['channels', 'help', 'numpat', 'numsub', 'shardchannels', 'shardnumsub'],
};

const HANDLER_SUBS = new Map<string, Map<string, RedisCommand>>();
for (const [parent, subs] of Object.entries(HANDLER_SUBCOMMANDS)) {
  const m = new Map<string, RedisCommand>();
  for (const s of subs) {
    const d = DATA.get(`${parent}|${s}`);
    if (d !== undefined) m.set(s, d);
  }
  HANDLER_SUBS.set(parent, m);
}

/** Redis's arity rule: positive = exactly, negative = at least. */
export function arityAccepts(arity: number, argc: number): boolean {
  return arity > 0 ? argc === arity : argc >= -arity;
}

/**
 * For the dispatcher: Redis's facts of `parent sub` when parent's handler dispatches sub itself and
 * implements it; undefined otherwise (then the handler answers, "unknown subcommand" included).
 */
export function handlerSubcommand(parent: string, sub: string): RedisCommand | undefined {
  const subs = HANDLER_SUBS.get(parent);
  return subs === undefined ? undefined : subs.get(sub.toLowerCase());
}

/** The lower-case names of the subcommands spec implements. */
function implementedSubs(spec: CommandSpec): Set<string> {
  if (spec.subcommands !== undefined) return new Set(spec.subcommands.map((s) => s.name));
  return new Set(HANDLER_SUBCOMMANDS[spec.name] ?? []);
}

/** Redis's facts for a spec without any (a tsredis-only command): from the spec's own key range. */
function fromSpec(spec: CommandSpec, fullName: string): RedisCommand {
  const keySpecs: KeySpec[] = [];
  if (spec.firstKey > 0) {
    const last = spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey;
    keySpecs.push({ flags: [], bs: ['index', spec.firstKey], fk: ['range', last, spec.step, 0] });
  }
  return {
    name: fullName,
    arity: spec.arity,
    flags: spec.flags.filter((f) => f !== 'protected'),
    range: [spec.firstKey, spec.lastKey, spec.step],
    acl: [`@${spec.group}`],
    keySpecs,
    docs: { group: spec.group },
  };
}

/** A registered command (or one of its registered subcommands) as COMMAND shows it. */
interface Shown {
  data: RedisCommand;
  subs: RedisCommand[];
}

function shown(spec: CommandSpec): Shown {
  const data = DATA.get(spec.name) ?? fromSpec(spec, spec.name);
  const have = implementedSubs(spec);
  const subs = (data.subcommands ?? []).filter((s) => have.has(s.name.slice(spec.name.length + 1)));
  for (const sub of spec.subcommands ?? []) {
    const full = `${spec.name}|${sub.name}`;
    if (!DATA.has(full)) subs.push(fromSpec(sub, full));
  }
  return { data, subs };
}

function isContainer(spec: CommandSpec): boolean {
  return spec.subcommands !== undefined || DATA.get(spec.name)?.subcommands !== undefined;
}

/**
 * Redis's lookupCommandLogic over this server's table: argv[0] (and argv[1] for a container) to what
 * COMMAND shows, or null when not registered. strict: argv is a whole name ("client|list" split).
 */
export function lookupShown(s: Server, argv: readonly string[], strict: boolean): RedisCommand | null {
  const spec = s.commands.get(argv[0].toLowerCase());
  if (spec === undefined) return null;
  if (argv.length === 1 || !isContainer(spec)) {
    if (strict && argv.length !== 1) return null;
    return shown(spec).data;
  }
  if (strict && argv.length !== 2) return null;
  const full = `${spec.name}|${argv[1].toLowerCase()}`;
  return shown(spec).subs.find((x) => x.name === full) ?? null;
}

/** lookupCommandBySds: "name" or "parent|sub". */
function lookupByName(s: Server, name: string): RedisCommand | null {
  const parts = name.split('|');
  if (parts.length > 2 || name.length === 0) return null;
  return lookupShown(s, parts, true);
}

// ---- replies ----

type Out = Pick<Ctx, 'arrayLen' | 'mapLen' | 'setLen' | 'bulk' | 'simple' | 'int'>;

function statusSet(o: Out, items: readonly string[]): void {
  o.setLen(items.length);
  for (const x of items) o.simple(x);
}

function replyKeySpec(o: Out, k: KeySpec): void {
  o.mapLen(k.notes === undefined ? 3 : 4);
  if (k.notes !== undefined) {
    o.bulk('notes');
    o.bulk(k.notes);
  }
  o.bulk('flags');
  statusSet(o, k.flags);
  o.bulk('begin_search');
  o.mapLen(2);
  o.bulk('type');
  o.bulk(k.bs[0]);
  o.bulk('spec');
  const bs = k.bs;
  if (bs[0] === 'index') intMap(o, ['index'], [bs[1]]);
  else if (bs[0] === 'keyword') {
    o.mapLen(2);
    o.bulk('keyword');
    o.bulk(bs[1]);
    o.bulk('startfrom');
    o.int(bs[2]);
  } else o.mapLen(0);
  o.bulk('find_keys');
  o.mapLen(2);
  o.bulk('type');
  o.bulk(k.fk[0]);
  o.bulk('spec');
  const fk = k.fk;
  if (fk[0] === 'range') intMap(o, ['lastkey', 'keystep', 'limit'], [fk[1], fk[2], fk[3]]);
  else if (fk[0] === 'keynum') intMap(o, ['keynumidx', 'firstkey', 'keystep'], [fk[1], fk[2], fk[3]]);
  else o.mapLen(0);
}

function intMap(o: Out, keys: readonly string[], values: readonly number[]): void {
  o.mapLen(keys.length);
  keys.forEach((k, i) => {
    o.bulk(k);
    o.int(values[i]);
  });
}

/** One COMMAND INFO entry; subs are the subcommands shown (undefined: not a container). */
export function replyInfo(o: Out, d: RedisCommand, subs: readonly RedisCommand[] | undefined): void {
  o.arrayLen(10);
  o.bulk(d.name);
  o.int(d.arity);
  statusSet(o, d.flags);
  o.int(d.range[0]);
  o.int(d.range[1]);
  o.int(d.range[2]);
  statusSet(o, d.acl);
  const tips = d.tips ?? [];
  o.setLen(tips.length);
  for (const t of tips) o.bulk(t);
  const specs = d.keySpecs ?? [];
  o.setLen(specs.length);
  for (const k of specs) replyKeySpec(o, k);
  if (subs === undefined) return o.setLen(0);
  o.arrayLen(subs.length);
  for (const s of subs) replyInfo(o, s, undefined);
}

/** COMMAND DOCS argument fields, in the order Redis writes them (the generator checks that order). */
export const ARG_KEYS = [
  'name',
  'type',
  'key_spec_index',
  'token',
  'summary',
  'since',
  'flags',
  'deprecated_since',
  'arguments',
] as const;

function replyArgs(o: Out, args: readonly CommandArg[]): void {
  o.arrayLen(args.length);
  for (const a of args) {
    const keys = ARG_KEYS.filter((k) => a[k] !== undefined);
    o.mapLen(keys.length);
    for (const k of keys) {
      o.bulk(k);
      if (k === 'key_spec_index') o.int(a[k] as number);
      else if (k === 'flags') statusSet(o, a[k] as string[]);
      else if (k === 'arguments') replyArgs(o, a[k] as CommandArg[]);
      else o.bulk(a[k] as string);
    }
  }
}

const DOC_KEYS = [
  'summary',
  'since',
  'group',
  'complexity',
  'doc_flags',
  'deprecated_since',
  'replaced_by',
  'history',
  'arguments',
] as const;

/** One COMMAND DOCS value; subs as for replyInfo. */
export function replyDocs(o: Out, d: CommandDocs, subs: readonly RedisCommand[] | undefined): void {
  const keys = DOC_KEYS.filter((k) => d[k] !== undefined);
  o.mapLen(keys.length + (subs === undefined ? 0 : 1));
  for (const k of keys) {
    o.bulk(k);
    if (k === 'doc_flags') statusSet(o, d[k] as string[]);
    else if (k === 'arguments') replyArgs(o, d[k] as CommandArg[]);
    else if (k === 'history') {
      const h = d[k] as readonly (readonly [string, string])[];
      o.setLen(h.length);
      for (const [since, what] of h) {
        o.arrayLen(2);
        o.bulk(since);
        o.bulk(what);
      }
    } else o.bulk(d[k] as string);
  }
  if (subs === undefined) return;
  o.bulk('subcommands');
  o.mapLen(subs.length);
  for (const s of subs) {
    o.bulk(s.name);
    replyDocs(o, s.docs, undefined);
  }
}

// ---- key extraction (db.c getKeysFromCommandWithSpecs and the getkeys procs) ----

export interface KeyRef {
  /** Index into argv (argv[0] is the command name). */
  pos: number;
  flags: readonly string[];
}

function lowerAscii(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function eqNoCase(a: string, b: string): boolean {
  return a.length === b.length && lowerAscii(a) === lowerAscii(b);
}

/** begin_search: the index of the first key, 0 when a keyword is absent, -1 for an unknown spec. */
function beginSearch(k: KeySpec, argv: readonly string[]): number {
  const bs = k.bs;
  if (bs[0] === 'index') return bs[1];
  if (bs[0] === 'unknown') return -1;
  const argc = argv.length;
  const from = bs[2];
  const start = from > 0 ? from : argc + from;
  const end = from > 0 ? argc - 1 : 1;
  for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
    if (i >= argc || i < 1) break;
    if (eqNoCase(argv[i], bs[1])) return i + 1;
  }
  return 0;
}

/** find_keys: [first, last, step] of the keys after begin_search found first, or null (invalid). */
function findKeys(k: KeySpec, argv: readonly string[], first: number): [number, number, number] | null {
  const argc = argv.length;
  const fk = k.fk;
  if (fk[0] === 'range') {
    const [, lastkey, keystep, limit] = fk;
    if (lastkey >= 0) return [first, first + lastkey, keystep];
    if (limit === 0) return [first, argc + lastkey, keystep];
    return [first, first + (Math.trunc((argc - first) / limit) + lastkey), keystep];
  }
  if (fk[0] === 'keynum') {
    const [, keynumidx, firstkey, keystep] = fk;
    if (first + keynumidx >= argc) return null;
    const n = parseIntStrict(argv[first + keynumidx]);
    if (n === null || n < 0n) return null;
    const f = first + firstkey;
    return [f, f + Number(n) - 1, keystep];
  }
  return null;
}

/** getKeysUsingKeySpecs: every key the specs find, or null when one spec is invalid or incomplete. */
export function keysFromSpecs(d: RedisCommand, argv: readonly string[]): KeyRef[] | null {
  const out: KeyRef[] = [];
  const argc = argv.length;
  for (const k of d.keySpecs ?? []) {
    if (k.flags.includes('not_key')) continue;
    const first = beginSearch(k, argv);
    if (first === 0) continue;
    if (first < 0) return null;
    const range = findKeys(k, argv, first);
    if (range === null) return null;
    const [f, last, step] = range;
    if (last >= argc || last < f || f >= argc) return null;
    for (let i = f; i <= last; i += step) out.push({ pos: i, flags: k.flags });
    if (k.flags.includes('incomplete')) return null;
  }
  return out;
}

/** C's atoi: leading blanks, a sign, digits; 0 when none. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  return m === null ? 0 : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Number(m[1])));
}

const NO_FLAGS: readonly string[] = [];

/** genericGetKeys: [store] numkeys key... as the fallback procs of ZUNIONSTORE, EVAL, LMPOP... see it. */
function genericKeys(store: number, count: number, first: number, argv: readonly string[]): KeyRef[] {
  const n = atoi(argv[count]);
  if (n < 1 || n > argv.length - first) return [];
  const out: KeyRef[] = [];
  for (let i = 0; i < n; i++) out.push({ pos: first + i, flags: NO_FLAGS });
  if (store > 0) out.push({ pos: store, flags: NO_FLAGS });
  return out;
}

function sortKeys(argv: readonly string[]): KeyRef[] {
  const out: KeyRef[] = [{ pos: 1, flags: ['RO', 'access'] }];
  let store = -1;
  const skip: Record<string, number> = { limit: 2, get: 1, by: 1 };
  for (let i = 2; i < argv.length; i++) {
    const a = lowerAscii(argv[i]);
    if (skip[a] !== undefined) i += skip[a];
    else if (a === 'store' && i + 1 < argv.length) store = i + 1;
  }
  if (store > 0) out.push({ pos: store, flags: ['OW', 'update'] });
  return out;
}

function migrateKeys(argv: readonly string[]): KeyRef[] {
  let first = 3;
  let num = 1;
  const skip: Record<string, number> = { copy: 0, replace: 0, auth: 1, auth2: 2 };
  for (let i = 6; i < argv.length; i++) {
    const a = lowerAscii(argv[i]);
    if (a === 'keys') {
      if (argv[3].length > 0) return [];
      first = i + 1;
      num = argv.length - first;
      break;
    }
    if (skip[a] !== undefined) i += skip[a];
  }
  const out: KeyRef[] = [];
  for (let i = 0; i < num; i++) out.push({ pos: first + i, flags: ['RW', 'access', 'delete'] });
  return out;
}

function georadiusKeys(argv: readonly string[]): KeyRef[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    const a = lowerAscii(argv[i]);
    if ((a === 'store' || a === 'storedist') && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  const out: KeyRef[] = [{ pos: 1, flags: NO_FLAGS }];
  if (stored > 0) out.push({ pos: stored, flags: NO_FLAGS });
  return out;
}

function xreadKeys(argv: readonly string[]): KeyRef[] {
  let streams = -1;
  for (let i = 1; i < argv.length; i++) {
    const a = lowerAscii(argv[i]);
    if (a === 'block' || a === 'count') i++;
    else if (a === 'group') i += 2;
    else if (a === 'noack') continue;
    else {
      if (a === 'streams') streams = i;
      break;
    }
  }
  const num = streams < 0 ? 0 : argv.length - streams - 1;
  if (streams < 0 || num === 0 || num % 2 !== 0) return [];
  const out: KeyRef[] = [];
  for (let i = streams + 1; i < argv.length - num / 2; i++) out.push({ pos: i, flags: NO_FLAGS });
  return out;
}

function setKeys(argv: readonly string[]): KeyRef[] {
  for (let i = 3; i < argv.length; i++) {
    if (eqNoCase(argv[i], 'get')) return [{ pos: 1, flags: ['RW', 'access', 'update'] }];
  }
  return [{ pos: 1, flags: ['OW', 'update'] }];
}

function bitfieldKeys(argv: readonly string[]): KeyRef[] {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const rem = argv.length - i - 1;
    const a = lowerAscii(argv[i]);
    if (a === 'get' && rem >= 2) i += 2;
    else if ((a === 'set' || a === 'incrby') && rem >= 3) {
      readonly = false;
      break;
    } else if (a === 'overflow' && rem >= 1) i += 1;
    else {
      readonly = false;
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? ['RO', 'access'] : ['RW', 'access', 'update'] }];
}

type KeysProc = (argv: readonly string[]) => KeyRef[];
const generic =
  (store: number, count: number, first: number): KeysProc =>
  (argv) =>
    genericKeys(store, count, first, argv);

/** Redis 7.0's getkeys_proc of each command that has one. */
const KEYS_PROCS: Record<string, KeysProc> = {
  zunionstore: generic(1, 2, 3),
  zinterstore: generic(1, 2, 3),
  zdiffstore: generic(1, 2, 3),
  zunion: generic(0, 1, 2),
  zinter: generic(0, 1, 2),
  zdiff: generic(0, 1, 2),
  zintercard: generic(0, 1, 2),
  sintercard: generic(0, 1, 2),
  eval: generic(0, 2, 3),
  evalsha: generic(0, 2, 3),
  eval_ro: generic(0, 2, 3),
  evalsha_ro: generic(0, 2, 3),
  fcall: generic(0, 2, 3),
  fcall_ro: generic(0, 2, 3),
  lmpop: generic(0, 1, 2),
  blmpop: generic(0, 2, 3),
  zmpop: generic(0, 1, 2),
  bzmpop: generic(0, 2, 3),
  sort: sortKeys,
  sort_ro: () => [{ pos: 1, flags: ['RO', 'access'] }],
  migrate: migrateKeys,
  georadius: georadiusKeys,
  georadiusbymember: georadiusKeys,
  xread: xreadKeys,
  xreadgroup: xreadKeys,
  set: setKeys,
  bitfield: bitfieldKeys,
};

/** doesCommandHaveKeys. */
export function hasKeys(d: RedisCommand): boolean {
  return KEYS_PROCS[d.name] !== undefined || (d.keySpecs ?? []).some((k) => !k.flags.includes('not_key'));
}

/** getKeysFromCommandWithSpecs: key specs first (unless their flags vary), then the command's proc. */
export function commandKeys(d: RedisCommand, argv: readonly string[]): KeyRef[] {
  const specs = d.keySpecs ?? [];
  const usable = specs.some((k) => !k.flags.includes('not_key'));
  const varies = specs.some((k) => k.flags.includes('variable_flags'));
  if (usable && !varies) {
    const keys = keysFromSpecs(d, argv);
    if (keys !== null) return keys;
  }
  const proc = KEYS_PROCS[d.name];
  return proc === undefined ? [] : proc(argv);
}

// ---- COMMAND ----

function srv(c: Ctx): Server {
  return (c as Client).server;
}

function replyAllInfo(c: Ctx): void {
  const s = srv(c);
  c.arrayLen(s.commands.size);
  for (const spec of s.commands.values()) {
    const { data, subs } = shown(spec);
    replyInfo(c, data, isContainer(spec) ? subs : undefined);
  }
}

/** The subcommands shown with d, when d is a registered container. */
function subsOf(s: Server, d: RedisCommand): RedisCommand[] | undefined {
  if (d.name.includes('|')) return undefined;
  const spec = s.commands.get(d.name);
  return spec === undefined || !isContainer(spec) ? undefined : shown(spec).subs;
}

function commandInfo(c: Ctx, argv: string[]): void {
  if (argv.length === 2) return replyAllInfo(c);
  const s = srv(c);
  c.arrayLen(argv.length - 2);
  for (const name of argv.slice(2)) {
    const d = lookupByName(s, name);
    if (d === null) c.nil();
    else replyInfo(c, d, subsOf(s, d));
  }
}

function commandDocs(c: Ctx, argv: string[]): void {
  const s = srv(c);
  const found: RedisCommand[] = [];
  if (argv.length === 2) {
    for (const spec of s.commands.values()) found.push(shown(spec).data);
  } else {
    for (const name of argv.slice(2)) {
      const d = lookupByName(s, name);
      if (d !== null) found.push(d);
    }
  }
  c.mapLen(found.length);
  for (const d of found) {
    c.bulk(d.name);
    replyDocs(c, d.docs, subsOf(s, d));
  }
}

export type ListFilter = (d: RedisCommand) => boolean;

function listFilter(argv: string[]): ListFilter | null {
  if (argv.length === 2) return null;
  if (argv.length !== 5 || !eqNoCase(argv[2], 'filterby')) throw new RedisError(ERR_SYNTAX);
  const kind = lowerAscii(argv[3]);
  const arg = argv[4];
  if (kind === 'module') return () => false;
  if (kind === 'aclcat') return (d) => d.acl.some((a) => eqNoCase(a, `@${arg}`));
  if (kind === 'pattern') return (d) => globMatch(arg, d.name, true);
  throw new RedisError(ERR_SYNTAX);
}

/** Every command and subcommand COMMAND shows for s (COMMAND LIST's order), kept by keep. */
export function shownCommands(s: Server, keep: ListFilter | null = null): RedisCommand[] {
  const out: RedisCommand[] = [];
  for (const spec of s.commands.values()) {
    const { data, subs } = shown(spec);
    for (const d of [data, ...subs]) if (keep === null || keep(d)) out.push(d);
  }
  return out;
}

function commandList(c: Ctx, argv: string[]): void {
  c.bulks(shownCommands(srv(c), listFilter(argv)).map((d) => d.name));
}

/**
 * What COMMAND GETKEYS answers for args (a whole command) that d describes (null: no such command):
 * the keys, or Redis's error.
 */
export function getKeysResult(d: RedisCommand | null, args: readonly string[]): KeyRef[] | string {
  if (d === null) return 'ERR Invalid command specified';
  if (!hasKeys(d)) return 'ERR The command has no key arguments';
  if (!arityAccepts(d.arity, args.length)) return 'ERR Invalid number of arguments specified for command';
  const keys = commandKeys(d, args);
  if (keys.length > 0 || d.flags.includes('no_mandatory_keys')) return keys;
  return 'ERR Invalid arguments specified for command';
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS: the keys of the command in argv[2..]. */
function getKeys(withFlags: boolean): (c: Ctx, argv: string[]) => void {
  return (c, argv) => {
    const args = argv.slice(2);
    const keys = getKeysResult(lookupShown(srv(c), args, false), args);
    if (typeof keys === 'string') throw new RedisError(keys);
    c.arrayLen(keys.length);
    for (const k of keys) {
      if (withFlags) c.arrayLen(2);
      c.bulk(args[k.pos]);
      if (withFlags) statusSet(c, k.flags);
    }
  };
}

const HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

const sub = (name: string, arity: number, handler: (c: Ctx, argv: string[]) => void): CommandSpec =>
  cmd(name, arity, ['loading', 'stale'], NO_KEYS, 'connection', handler);

export const commandSpec: CommandSpec = {
  ...cmd('command', -1, ['loading', 'stale'], NO_KEYS, 'connection', replyAllInfo),
  subcommands: [
    sub('count', 2, (c) => c.int(srv(c).commands.size)),
    sub('docs', -2, commandDocs),
    sub('getkeys', -4, getKeys(false)),
    sub('getkeysandflags', -4, getKeys(true)),
    sub('help', 2, (c) => replyHelp(c, 'COMMAND', HELP)),
    sub('info', -2, commandInfo),
    sub('list', -2, commandList),
  ],
};

// ACL rules as Redis 7.0 has them, with no server state: the command index (every command and
// subcommand of redis-server 7.0.15's table with its ACL categories), users and their selectors,
// applying one rule string to a user (ACL SETUSER, `user` directives, ACL files) with Redis's error
// reasons, merging selector arguments, and describing a user the way ACL LIST and ACL GETUSER show it.
import { createHash } from 'node:crypto';
import { REDIS_COMMANDS, type RedisCommand } from './redis-command-table.js';
import { splitInlineArgs } from '../protocol/parser.js';

/** Redis's categories, in the order ACL CAT lists them and the describer tries them. */
export const CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
] as const;

/** The bit of a category (by lower-case name), or 0 when there is no such category. */
export function categoryBit(name: string): number {
  const i = (CATEGORIES as readonly string[]).indexOf(name.toLowerCase());
  return i < 0 ? 0 : 2 ** i;
}

/** One command or subcommand of the index. */
export interface AclCommand {
  readonly id: number;
  /** Full lower-case name: 'get', 'config|get'. */
  readonly name: string;
  /** Category bits (categoryBit). */
  readonly cats: number;
  readonly noAuth: boolean;
  readonly parent: AclCommand | null;
  readonly subs: readonly AclCommand[];
  /** Redis's facts (key specs for the key checks). */
  readonly data: RedisCommand;
}

/** Every command of Redis's table with an id, as ACLs number them. */
export class CommandIndex {
  readonly top: AclCommand[] = [];
  readonly all: AclCommand[] = [];
  private readonly byName = new Map<string, AclCommand>();

  constructor(table: readonly RedisCommand[]) {
    for (const c of table) this.top.push(this.add(c, null));
  }

  private add(d: RedisCommand, parent: AclCommand | null): AclCommand {
    let cats = 0;
    for (const a of d.acl) cats |= categoryBit(a.slice(1));
    const subs: AclCommand[] = [];
    const e: AclCommand = {
      id: this.all.length,
      name: d.name,
      cats,
      noAuth: d.flags.includes('no_auth'),
      parent,
      subs,
      data: d,
    };
    this.all.push(e);
    this.byName.set(d.name, e);
    for (const s of d.subcommands ?? []) subs.push(this.add(s, e));
    return e;
  }

  /** The number of ids; the id after the last is the "future commands" bit of +@all. */
  get size(): number {
    return this.all.length;
  }

  /** The command or subcommand of this exact full name ('get', 'config|get'). */
  get(fullName: string): AclCommand | undefined {
    return this.byName.get(fullName);
  }

  /** lookupCommandBySdsLogic: "name" or "container|sub", case-insensitive; undefined when unknown. */
  lookup(name: string): AclCommand | undefined {
    const parts = name.toLowerCase().split('|');
    if (parts.length < 1 || parts.length > 2) return undefined;
    const base = this.byName.get(parts[0]);
    if (base === undefined) return undefined;
    if (parts.length === 1 || base.subs.length === 0) return parts.length === 1 ? base : undefined;
    return this.byName.get(`${parts[0]}|${parts[1]}`);
  }

  /** lookupCommand (not strict) over argv: the container's subcommand, when argv names one. */
  lookupArgv(argv: readonly string[]): AclCommand | undefined {
    const base = this.byName.get(argv[0].toLowerCase());
    if (base === undefined || base.subs.length === 0 || argv.length === 1) return base;
    return this.byName.get(`${base.name}|${argv[1].toLowerCase()}`);
  }
}

export const INDEX = new CommandIndex(REDIS_COMMANDS);

/** Key pattern permissions. */
export const KEY_READ = 1;
export const KEY_WRITE = 2;
export const KEY_ALL = 3;

export interface KeyPattern {
  pattern: string;
  flags: number;
}

/** A selector: the root one (rules outside parentheses) or one added with (...). */
export interface Selector {
  root: boolean;
  allKeys: boolean;
  allChannels: boolean;
  allCommands: boolean;
  /** One byte per command id, plus the future-commands byte at index INDEX.size. */
  bits: Uint8Array;
  /** First arguments allowed for a command whose bit is off (+select|0), by command id. */
  firstArgs: Map<number, string[]> | null;
  keys: KeyPattern[];
  channels: string[];
}

export interface User {
  readonly name: string;
  enabled: boolean;
  nopass: boolean;
  /** skip-sanitize-payload / sanitize-payload, or neither. */
  sanitize: 'skip' | 'sanitize' | null;
  /** SHA-256 hex digests. */
  passwords: string[];
  /** The root selector first. */
  selectors: Selector[];
  /**
   * Everything allowed (one selector with all commands, keys and channels): the dispatcher skips the
   * check. Kept current by applyRule.
   */
  unrestricted: boolean;
}

/** What new selectors start with: acl-pubsub-default allchannels or resetchannels. */
export interface RuleContext {
  pubsubAllChannels: boolean;
}

/** Why a rule was refused (Redis's errno of ACLSetUser). */
export type RuleErrorCode =
  'ENOENT' | 'EINVAL' | 'EEXIST' | 'EISDIR' | 'ENODEV' | 'EBADMSG' | 'ECHILD' | 'EALREADY';

export class AclRuleError extends Error {
  constructor(readonly code: RuleErrorCode) {
    super(ruleErrorText(code));
  }
}

/** ACLSetUserStringError. */
export function ruleErrorText(code: RuleErrorCode): string {
  switch (code) {
    case 'ENOENT':
      return 'Unknown command or category name in ACL';
    case 'EINVAL':
      return 'Syntax error';
    case 'EEXIST':
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case 'EISDIR':
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    case 'ENODEV':
      return 'The password you are trying to remove from the user does not exist';
    case 'EBADMSG':
      return 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
    case 'EALREADY':
      return 'Duplicate user found. A user can only be defined once in config files';
    case 'ECHILD':
      return 'Allowing first-arg of a subcommand is not supported';
  }
}

export function hashPassword(clear: string): string {
  return createHash('sha256').update(Buffer.from(clear, 'latin1')).digest('hex');
}

function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

/** ACLStringHasSpaces: isspace() or NUL anywhere. */
export function hasSpaces(s: string): boolean {
  return /[\t\n\v\f\r \0]/.test(s);
}

export function newSelector(root: boolean, ctx: RuleContext): Selector {
  return {
    root,
    allKeys: false,
    allChannels: ctx.pubsubAllChannels,
    allCommands: false,
    bits: new Uint8Array(INDEX.size + 1),
    firstArgs: null,
    keys: [],
    channels: [],
  };
}

function copySelector(s: Selector): Selector {
  const firstArgs = s.firstArgs === null ? null : new Map<number, string[]>();
  if (firstArgs !== null && s.firstArgs !== null) for (const [k, v] of s.firstArgs) firstArgs.set(k, [...v]);
  return {
    ...s,
    bits: s.bits.slice(),
    firstArgs,
    keys: s.keys.map((k) => ({ ...k })),
    channels: [...s.channels],
  };
}

/** A new user as ACLCreateUser makes it: off, no passwords, a root selector allowing nothing. */
export function newUser(name: string, ctx: RuleContext): User {
  return {
    name,
    enabled: false,
    nopass: false,
    sanitize: null,
    passwords: [],
    selectors: [newSelector(true, ctx)],
    unrestricted: false,
  };
}

/** ACLCopyUser: dst gets src's rules (a deep copy), keeping its name. */
export function copyUserInto(dst: User, src: User): void {
  dst.enabled = src.enabled;
  dst.nopass = src.nopass;
  dst.sanitize = src.sanitize;
  dst.passwords = [...src.passwords];
  dst.selectors = src.selectors.map(copySelector);
  dst.unrestricted = src.unrestricted;
}

export function cloneUser(u: User, name = u.name): User {
  const c: User = { ...u, name };
  copyUserInto(c, u);
  return c;
}

/** The default user as Redis creates it: on, nopass, ~* &* +@all. */
export function defaultUser(ctx: RuleContext): User {
  const u = newUser('default', ctx);
  for (const r of ['+@all', '~*', '&*', 'on', 'nopass']) applyRule(u, r, ctx);
  return u;
}

function refreshUnrestricted(u: User): void {
  const r = u.selectors[0];
  u.unrestricted = u.selectors.length === 1 && r.allCommands && r.allKeys && r.allChannels;
}

// ---- command bits ----

function setBit(s: Selector, id: number, on: boolean): void {
  s.bits[id] = on ? 1 : 0;
  if (!on) s.allCommands = false;
}

function changePerm(s: Selector, cmd: AclCommand, allow: boolean): void {
  setBit(s, cmd.id, allow);
  s.firstArgs?.delete(cmd.id);
  for (const sub of cmd.subs) setBit(s, sub.id, allow);
}

function setCategory(s: Selector, cmds: readonly AclCommand[], bit: number, allow: boolean): void {
  for (const c of cmds) {
    if ((c.cats & bit) !== 0) changePerm(s, c, allow);
    if (c.subs.length > 0) setCategory(s, c.subs, bit, allow);
  }
}

function addFirstArg(s: Selector, id: number, arg: string): void {
  if (s.firstArgs === null) s.firstArgs = new Map();
  let list = s.firstArgs.get(id);
  if (list === undefined) s.firstArgs.set(id, (list = []));
  const low = arg.toLowerCase();
  if (list.some((x) => x.toLowerCase() === low)) return;
  list.push(arg);
}

// ---- applying rules ----

const eq = (a: string, b: string): boolean => a.toLowerCase() === b;

/** ACLSetSelector: one selector rule (keys, channels, commands). Throws AclRuleError. */
export function applySelectorRule(s: Selector, op: string): void {
  if (eq(op, 'allkeys') || op === '~*') {
    s.allKeys = true;
    s.keys = [];
  } else if (eq(op, 'resetkeys')) {
    s.allKeys = false;
    s.keys = [];
  } else if (eq(op, 'allchannels') || op === '&*') {
    s.allChannels = true;
    s.channels = [];
  } else if (eq(op, 'resetchannels')) {
    s.allChannels = false;
    s.channels = [];
  } else if (eq(op, 'allcommands') || eq(op, '+@all')) {
    s.bits.fill(1);
    s.allCommands = true;
    s.firstArgs = null;
  } else if (eq(op, 'nocommands') || eq(op, '-@all')) {
    s.bits.fill(0);
    s.allCommands = false;
    s.firstArgs = null;
  } else if (op[0] === '~' || op[0] === '%') {
    if (s.allKeys) throw new AclRuleError('EEXIST');
    let flags = 0;
    let offset = 1;
    if (op[0] === '%') {
      for (; offset < op.length; offset++) {
        const ch = op[offset].toUpperCase();
        if (ch === 'R' && (flags & KEY_READ) === 0) flags |= KEY_READ;
        else if (ch === 'W' && (flags & KEY_WRITE) === 0) flags |= KEY_WRITE;
        else if (op[offset] === '~') {
          offset++;
          break;
        } else throw new AclRuleError('EINVAL');
      }
    } else flags = KEY_ALL;
    const pattern = op.slice(offset);
    if (hasSpaces(pattern)) throw new AclRuleError('EINVAL');
    const same = s.keys.find((k) => k.pattern === pattern);
    if (same === undefined) s.keys.push({ pattern, flags });
    else same.flags |= flags;
    s.allKeys = false;
  } else if (op[0] === '&') {
    if (s.allChannels) throw new AclRuleError('EISDIR');
    const pattern = op.slice(1);
    if (hasSpaces(pattern)) throw new AclRuleError('EINVAL');
    if (!s.channels.includes(pattern)) s.channels.push(pattern);
    s.allChannels = false;
  } else if (op[0] === '+' && op[1] !== '@') {
    const bar = op.lastIndexOf('|');
    if (bar < 0) {
      const cmd = INDEX.lookup(op.slice(1));
      if (cmd === undefined) throw new AclRuleError('ENOENT');
      changePerm(s, cmd, true);
    } else {
      const sub = op.slice(bar + 1);
      const cmd = INDEX.lookup(op.slice(1, bar));
      if (cmd === undefined) throw new AclRuleError('ENOENT');
      if (cmd.parent !== null) throw new AclRuleError('ECHILD');
      if (sub.length === 0) throw new AclRuleError('EINVAL');
      if (cmd.subs.length > 0) {
        const full = INDEX.lookup(op.slice(1));
        if (full === undefined) throw new AclRuleError('ENOENT');
        changePerm(s, full, true);
      } else addFirstArg(s, cmd.id, sub);
    }
  } else if (op[0] === '-' && op[1] !== '@') {
    const cmd = INDEX.lookup(op.slice(1));
    if (cmd === undefined) throw new AclRuleError('ENOENT');
    changePerm(s, cmd, false);
  } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
    const bit = categoryBit(op.slice(2));
    if (bit === 0) throw new AclRuleError('ENOENT');
    setCategory(s, INDEX.top, bit, op[0] === '+');
  } else throw new AclRuleError('EINVAL');
}

/** aclCreateSelectorFromOpSet: "(rule rule ...)" as a new selector. */
function selectorFromOpSet(op: string, ctx: RuleContext): Selector {
  const s = newSelector(false, ctx);
  for (const r of splitInlineArgs(op.slice(1, -1)) ?? []) applySelectorRule(s, r);
  return s;
}

/**
 * ACLSetUser: applies one rule to u (flags, passwords, selectors, reset, or a root-selector rule).
 * Throws AclRuleError; u may then be partly changed (callers apply rules to a copy).
 */
export function applyRule(u: User, op: string, ctx: RuleContext): void {
  applyRuleInner(u, op, ctx);
  refreshUnrestricted(u);
}

function applyRuleInner(u: User, op: string, ctx: RuleContext): void {
  if (op.length === 0) return;
  if (eq(op, 'on')) u.enabled = true;
  else if (eq(op, 'off')) u.enabled = false;
  else if (eq(op, 'skip-sanitize-payload')) u.sanitize = 'skip';
  else if (eq(op, 'sanitize-payload')) u.sanitize = 'sanitize';
  else if (eq(op, 'nopass')) {
    u.nopass = true;
    u.passwords = [];
  } else if (eq(op, 'resetpass')) {
    u.nopass = false;
    u.passwords = [];
  } else if (op[0] === '>' || op[0] === '#') {
    let hash: string;
    if (op[0] === '>') hash = hashPassword(op.slice(1));
    else {
      hash = op.slice(1);
      if (!validHash(hash)) throw new AclRuleError('EBADMSG');
    }
    if (!u.passwords.includes(hash)) u.passwords.push(hash);
    u.nopass = false;
  } else if (op[0] === '<' || op[0] === '!') {
    let hash: string;
    if (op[0] === '<') hash = hashPassword(op.slice(1));
    else {
      hash = op.slice(1);
      if (!validHash(hash)) throw new AclRuleError('EBADMSG');
    }
    const i = u.passwords.indexOf(hash);
    if (i < 0) throw new AclRuleError('ENODEV');
    u.passwords.splice(i, 1);
  } else if (op[0] === '(' && op[op.length - 1] === ')') {
    u.selectors.push(selectorFromOpSet(op, ctx));
  } else if (eq(op, 'clearselectors')) {
    u.selectors.length = 1;
  } else if (eq(op, 'reset')) {
    for (const r of ['resetpass', 'resetkeys', 'resetchannels']) applyRuleInner(u, r, ctx);
    if (ctx.pubsubAllChannels) applyRuleInner(u, 'allchannels', ctx);
    for (const r of ['off', 'sanitize-payload', 'clearselectors', '-@all']) applyRuleInner(u, r, ctx);
  } else applySelectorRule(u.selectors[0], op);
}

/**
 * ACLMergeSelectorArguments: a selector spread over several arguments ("(+get" "~k)") becomes one.
 * Returns the merged rules, or the index of the argument whose parenthesis is never closed.
 */
export function mergeSelectorArgs(args: readonly string[]): string[] | { unmatched: number } {
  const out: string[] = [];
  let open = -1;
  let sel = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      sel = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      sel += ` ${op}`;
      if (op[op.length - 1] === ')') {
        open = -1;
        out.push(sel);
      }
      continue;
    }
    out.push(op);
  }
  return open !== -1 ? { unmatched: open } : out;
}

// ---- describing ----

function bitsEqual(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function countCategory(s: Selector, cmds: readonly AclCommand[], bit: number, acc: [number, number]): void {
  for (const c of cmds) {
    if ((c.cats & bit) !== 0) acc[s.bits[c.id] !== 0 ? 0 : 1]++;
    if (c.subs.length > 0) countCategory(s, c.subs, bit, acc);
  }
}

function describeSingles(s: Selector, fake: Selector, cmds: readonly AclCommand[], out: string[]): void {
  for (const c of cmds) {
    const userbit = s.bits[c.id] !== 0;
    const fakebit = fake.bits[c.id] !== 0;
    if (userbit !== fakebit) {
      out.push(`${userbit ? '+' : '-'}${c.name}`);
      changePerm(fake, c, userbit);
    }
    if (c.subs.length > 0) describeSingles(s, fake, c.subs, out);
    const first = s.firstArgs?.get(c.id);
    if (!userbit && first !== undefined) for (const a of first) out.push(`+${c.name}|${a}`);
  }
}

/**
 * ACLDescribeSelectorCommandRules: +@all or -@all, then the categories that fit best, then single
 * commands. Redis emits the single commands in its command dict's (hash seed) order, which differs
 * from one redis-server run to the next; here they follow the command table's order.
 */
export function describeCommandRules(s: Selector): string {
  const ctx: RuleContext = { pubsubAllChannels: false };
  const fake = newSelector(false, ctx);
  const future = s.bits[INDEX.size] !== 0;
  const additive = !future;
  const out: string[] = [future ? '+@all' : '-@all'];
  applySelectorRule(fake, out[0]);
  const temp = newSelector(false, ctx);
  temp.bits.set(s.bits);
  const applied = new Set<number>();
  for (;;) {
    let best = -1;
    let mindiff = 2 ** 31 - 1;
    let maxsame = 0;
    for (let j = 0; j < CATEGORIES.length; j++) {
      if (applied.has(j)) continue;
      const acc: [number, number] = [0, 0];
      countCategory(temp, INDEX.top, 2 ** j, acc);
      const [on, off] = acc;
      const diff = additive ? off : on;
      const same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
        best = j;
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best === -1) break;
    const name = CATEGORIES[best];
    const op = `${additive ? '+@' : '-@'}${name}`;
    applySelectorRule(fake, op);
    applySelectorRule(temp, `${additive ? '-@' : '+@'}${name}`);
    out.push(op);
    applied.add(best);
  }
  describeSingles(s, fake, INDEX.top, out);
  if (!bitsEqual(fake.bits.subarray(0, INDEX.size), s.bits.subarray(0, INDEX.size))) {
    throw new Error(`ACL rules do not reproduce the user's commands: ${out.join(' ')}`);
  }
  return out.join(' ');
}

function keyPatternText(k: KeyPattern): string {
  const prefix = k.flags === KEY_ALL ? '~' : k.flags === KEY_READ ? '%R~' : '%W~';
  return prefix + k.pattern;
}

/** ACLDescribeSelector: keys, channels, command rules. */
export function describeSelector(s: Selector): string {
  const parts: string[] = [];
  if (s.allKeys) parts.push('~*');
  else for (const k of s.keys) parts.push(keyPatternText(k));
  if (s.allChannels) parts.push('&*');
  else {
    parts.push('resetchannels');
    for (const ch of s.channels) parts.push(`&${ch}`);
  }
  parts.push(describeCommandRules(s));
  return parts.join(' ');
}

/** The flags ACL GETUSER lists and ACL LIST starts with, in Redis's order. */
export function userFlags(u: User): string[] {
  const f = [u.enabled ? 'on' : 'off'];
  if (u.nopass) f.push('nopass');
  if (u.sanitize === 'skip') f.push('skip-sanitize-payload');
  if (u.sanitize === 'sanitize') f.push('sanitize-payload');
  return f;
}

/** ACLDescribeUser: the rules after "user <name> " in ACL LIST, ACL SAVE and CONFIG REWRITE. */
export function describeUser(u: User): string {
  let res = '';
  for (const f of userFlags(u)) res += `${f} `;
  for (const p of u.passwords) res += `#${p} `;
  for (const s of u.selectors) res += s.root ? describeSelector(s) : ` (${describeSelector(s)})`;
  return res;
}

/** GETUSER's "keys" field of a selector. */
export function selectorKeysText(s: Selector): string {
  return s.allKeys ? '~*' : s.keys.map(keyPatternText).join(' ');
}

/** GETUSER's "channels" field of a selector. */
export function selectorChannelsText(s: Selector): string {
  return s.allChannels ? '&*' : s.channels.map((c) => `&${c}`).join(' ');
}

// The ACL state of a server: its users (the default user among them, whose password requirepass sets),
// authentication, the permission check of a command (commands, keys by their key specs, Pub/Sub
// channels, over every selector of the user), the ACL log, ACL files (LOAD, SAVE, the aclfile at
// startup), `user` directives, and closing the clients of users that are deleted or lose channels.
import * as fs from 'node:fs';
import type { Config } from '../config/table.js';
import type { CommandSpec } from './command.js';
import type { Client } from './client.js';
import { commandKeys, hasKeys } from '../commands/command-info.js';
import { globMatch } from '../commands/glob.js';
import {
  INDEX,
  KEY_READ,
  KEY_WRITE,
  AclRuleError,
  applyRule,
  cloneUser,
  copyUserInto,
  defaultUser,
  describeUser,
  hashPassword,
  hasSpaces,
  mergeSelectorArgs,
  newUser,
  ruleErrorText,
  type AclCommand,
  type RuleContext,
  type Selector,
  type User,
} from './acl-rules.js';

/** Redis's ACL_DENIED_* values: the order decides which denial of several selectors is reported. */
const DENIED_CMD = 1;
const DENIED_KEY = 2;
const DENIED_CHANNEL = 4;

export type DenialReason = 'command' | 'key' | 'channel';
export type LogContext = 'toplevel' | 'multi' | 'lua';

export interface Denial {
  reason: DenialReason;
  /** The argv index of the key or channel refused (0 for a command). */
  pos: number;
}

export interface AclLogEntry {
  count: number;
  reason: DenialReason | 'auth';
  context: LogContext;
  object: string;
  username: string;
  /** ms. */
  ctime: number;
  cinfo: string;
}

/** Entries this close in time (ms), with the same reason, context, object and user, are one entry. */
const LOG_GROUPING_MS = 60000;

const CHANNEL_COMMANDS = new Set(['publish', 'spublish', 'subscribe', 'ssubscribe', 'psubscribe']);

/** Redis's strerror for the errors opening a file can give. */
function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
    EMFILE: 'Too many open files',
  };
  return (code !== undefined ? known[code] : undefined) ?? (e as Error).message;
}

function keyPermission(flags: readonly string[]): number {
  let f = 0;
  for (const x of flags) {
    if (x === 'access') f |= KEY_READ;
    else if (x === 'insert' || x === 'delete' || x === 'update') f |= KEY_WRITE;
  }
  return f;
}

function checkKey(s: Selector, key: string, flags: number): boolean {
  for (const p of s.keys) {
    if ((p.flags & flags) !== flags) continue;
    if (globMatch(p.pattern, key)) return true;
  }
  return false;
}

function channelAllowed(list: readonly string[], channel: string, literal: boolean): boolean {
  for (const p of list) if (literal ? p === channel : globMatch(p, channel)) return true;
  return false;
}

interface KeyCache {
  keys: { pos: number; flags: number }[] | null;
}

/** ACLSelectorCheckCmd: 0 when allowed, else a DENIED_* code and pos.idx set for a key or channel. */
function checkSelector(
  s: Selector,
  cmd: AclCommand | null,
  argv: readonly string[],
  pos: { idx: number },
  cache: KeyCache,
): number {
  if (!s.allCommands && !(cmd !== null && cmd.noAuth)) {
    if (cmd === null) return DENIED_CMD;
    if (s.bits[cmd.id] === 0) {
      const first = s.firstArgs?.get(cmd.id);
      if (argv.length < 2 || first === undefined) return DENIED_CMD;
      const arg = argv[cmd.parent !== null ? 2 : 1] ?? '';
      const low = arg.toLowerCase();
      if (!first.some((a) => a.toLowerCase() === low)) return DENIED_CMD;
    }
  }
  if (cmd === null) return 0;
  if (!s.allKeys && hasKeys(cmd.data)) {
    if (cache.keys === null)
      cache.keys = commandKeys(cmd.data, argv).map((k) => ({ pos: k.pos, flags: keyPermission(k.flags) }));
    for (const k of cache.keys) {
      if (!checkKey(s, argv[k.pos], k.flags)) {
        pos.idx = k.pos;
        return DENIED_KEY;
      }
    }
  }
  const name = cmd.name;
  if (!s.allChannels && CHANNEL_COMMANDS.has(name)) {
    const literal = name === 'psubscribe';
    const last = name === 'publish' || name === 'spublish' ? 2 : argv.length;
    for (let j = 1; j < last; j++) {
      if (!channelAllowed(s.channels, argv[j], literal)) {
        pos.idx = j;
        return DENIED_CHANNEL;
      }
    }
  }
  return 0;
}

/** ACLCheckAllUserCommandPerm: null when some selector of u allows the command, else the denial. */
export function checkUserCommand(u: User, cmd: AclCommand | null, argv: readonly string[]): Denial | null {
  let relevant = DENIED_CMD;
  let lastIdx = 0;
  const pos = { idx: 0 };
  const cache: KeyCache = { keys: null };
  for (const s of u.selectors) {
    const r = checkSelector(s, cmd, argv, pos, cache);
    if (r === 0) return null;
    if (r > relevant || (r === relevant && pos.idx > lastIdx)) {
      relevant = r;
      lastIdx = pos.idx;
    }
  }
  return {
    reason: relevant === DENIED_CMD ? 'command' : relevant === DENIED_KEY ? 'key' : 'channel',
    pos: lastIdx,
  };
}

/** Thrown for ACL file and `user` directive errors at startup. */
export class AclStartupError extends Error {}

export class Acl {
  /** By name; the default user is always there (the same object for the server's whole life). */
  users = new Map<string, User>();
  readonly defaultUser: User;
  /** Newest first. */
  readonly log: AclLogEntry[] = [];
  /** The server's clients, to close those of a deleted user (set by Server). */
  clients: () => Iterable<Client> = () => [];
  /** The client whose command runs now (it is closed after its reply, not at once). */
  current: () => Client | null = () => null;
  /** The warning log (set by Server). */
  warn: (m: string) => void = () => {};
  /** CLIENT INFO of a client, as ACL LOG entries keep it (set by Server). */
  clientInfo: (c: Client) => string = () => '';
  private readonly specCache = new WeakMap<CommandSpec, AclCommand | null>();

  constructor(private readonly config: Config) {
    this.defaultUser = defaultUser(this.ruleContext());
    this.users.set('default', this.defaultUser);
    this.updateDefaultPassword(config.get('requirepass'));
    config.onChange((name, value) => {
      if (name === 'requirepass') this.updateDefaultPassword(value);
    });
    config.aclRewrite = () =>
      this.config.get('aclfile') !== ''
        ? []
        : this.sortedUsers().map((u) => `user ${u.name} ${describeUser(u)}`);
  }

  ruleContext(): RuleContext {
    return { pubsubAllChannels: this.config.get('acl-pubsub-default') === 'allchannels' };
  }

  /** ACLUpdateDefaultUserPassword: requirepass sets the default user's only password ('' = nopass). */
  private updateDefaultPassword(pass: string): void {
    const ctx = this.ruleContext();
    applyRule(this.defaultUser, 'resetpass', ctx);
    applyRule(this.defaultUser, pass === '' ? 'nopass' : `>${pass}`, ctx);
  }

  /** Users in Redis's order (its radix tree: bytewise by name). */
  sortedUsers(): User[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** authRequired: a new or reset connection must AUTH first. */
  authRequired(): boolean {
    return !this.defaultUser.nopass || !this.defaultUser.enabled;
  }

  /** A connection's state at creation or RESET: the default user, authenticated if it needs no AUTH. */
  defaultAuthenticated(): boolean {
    return this.defaultUser.nopass && this.defaultUser.enabled;
  }

  /** ACLCheckUserCredentials: the user, or null (unknown, disabled, wrong password). */
  checkCredentials(name: string, pass: string): User | null {
    const u = this.users.get(name);
    if (u === undefined || !u.enabled) return null;
    if (u.nopass) return u;
    const h = hashPassword(pass);
    return u.passwords.includes(h) ? u : null;
  }

  /**
   * ACLAuthenticateUser: on success the client is authenticated as that user; a failure is logged
   * (object: the command name as sent).
   */
  authenticate(c: Client, name: string, pass: string, cmdName: string): boolean {
    const u = this.checkCredentials(name, pass);
    if (u === null) {
      if (!c.inExec) c.lastCmd = cmdName.toLowerCase(); // Redis's client info shows the command
      this.addLog(c, 'auth', c.multi !== null || c.inExec ? 'multi' : 'toplevel', cmdName, name);
      return false;
    }
    c.authenticated = true;
    c.user = u;
    return true;
  }

  /**
   * Redis's command (or subcommand) for a resolved spec and its arguments; null when Redis's table
   * has no such command (only a user allowed all commands runs it), undefined when argv names no
   * subcommand of a container (its handler answers the unknown subcommand, as Redis does before ACLs).
   */
  commandOf(spec: CommandSpec, argv: readonly string[]): AclCommand | null | undefined {
    let e = this.specCache.get(spec);
    if (e === undefined) {
      e = INDEX.get(spec.fullName ?? spec.name) ?? null;
      this.specCache.set(spec, e);
    }
    if (e === null || e.subs.length === 0 || spec.fullName !== undefined || argv.length < 2) return e;
    return INDEX.get(`${e.name}|${argv[1].toLowerCase()}`);
  }

  /** The permission check the dispatcher makes; null when allowed. */
  check(u: User, spec: CommandSpec, argv: readonly string[]): { denial: Denial; cmd: string } | null {
    const cmd = this.commandOf(spec, argv);
    if (cmd === undefined) return null;
    const denial = checkUserCommand(u, cmd, argv);
    return denial === null ? null : { denial, cmd: cmd?.name ?? spec.fullName ?? spec.name };
  }

  /**
   * addACLLogEntry. c: the client refused (a script's caller for its commands); username: the user
   * (the client's by default).
   */
  addLog(
    c: Client,
    reason: AclLogEntry['reason'],
    context: LogContext,
    object: string,
    username = c.user.name,
  ): void {
    const le: AclLogEntry = {
      count: 1,
      reason,
      context,
      object,
      username,
      ctime: Date.now(),
      cinfo: this.clientInfo(c),
    };
    for (let i = 0; i < Math.min(10, this.log.length); i++) {
      const cur = this.log[i];
      if (
        cur.reason === le.reason &&
        cur.context === le.context &&
        Math.abs(cur.ctime - le.ctime) <= LOG_GROUPING_MS &&
        cur.object === le.object &&
        cur.username === le.username
      ) {
        this.log.splice(i, 1);
        this.log.unshift(cur);
        cur.cinfo = le.cinfo;
        cur.ctime = le.ctime;
        cur.count++;
        return;
      }
    }
    this.log.unshift(le);
    const max = this.config.getInt('acllog-max-len');
    while (this.log.length > max) this.log.pop();
  }

  /** ACL SETUSER: the error reply, or null when every rule applied (then all of them are). */
  setUser(name: string, rules: readonly string[]): string | null {
    if (hasSpaces(name)) return "ERR Usernames can't contain spaces or null characters";
    const merged = mergeSelectorArgs(rules);
    if (!Array.isArray(merged))
      return `ERR Unmatched parenthesis in acl selector starting at '${rules[merged.unmatched]}'.`;
    const ctx = this.ruleContext();
    const existing = this.users.get(name);
    const temp = existing !== undefined ? cloneUser(existing) : newUser(name, ctx);
    for (const r of merged) {
      try {
        applyRule(temp, r, ctx);
      } catch (e) {
        if (e instanceof AclRuleError) return `ERR Error in ACL SETUSER modifier '${r}': ${e.message}`;
        throw e;
      }
    }
    if (existing !== undefined) {
      this.killPubsubClientsIfNeeded(temp, existing);
      copyUserInto(existing, temp);
    } else this.users.set(name, temp);
    return null;
  }

  /** ACL DELUSER (default excluded by the caller): the number deleted; their clients are closed. */
  delUsers(names: readonly string[]): number {
    let n = 0;
    for (const name of names) {
      const u = this.users.get(name);
      if (u === undefined || u === this.defaultUser) continue;
      this.users.delete(name);
      this.freeUserAndKillClients(u);
      n++;
    }
    return n;
  }

  /** ACLFreeUserAndKillClients: u's connections go back to the default user, unauthenticated, and close. */
  private freeUserAndKillClients(u: User): void {
    const current = this.current();
    for (const c of [...this.clients()]) {
      if (c.user !== u) continue;
      c.user = this.defaultUser;
      c.authenticated = false;
      this.closeClient(c, current);
    }
  }

  private closeClient(c: Client, current: Client | null): void {
    if (c === current)
      c.closing = true; // closed once its reply is written (the caller does it)
    else c.closeAfterReply();
  }

  /** ACLKillPubsubClientsIfNeeded: subscribers of original that next no longer allows are closed. */
  private killPubsubClientsIfNeeded(next: User, original: User): void {
    if (next.selectors.some((s) => s.allChannels)) return;
    const upcoming = next.selectors.flatMap((s) => s.channels);
    const covered = original.selectors.every((s) => s.channels.every((ch) => upcoming.includes(ch)));
    if (covered) return;
    const current = this.current();
    for (const c of [...this.clients()]) {
      if (c.user !== original || c.pubsubCount() === 0 || c.isMaster || c.isReplica) continue;
      let kill = false;
      for (const p of c.patterns) if (!channelAllowed(upcoming, p, true)) kill = true;
      for (const ch of c.channels) if (!kill && !channelAllowed(upcoming, ch, false)) kill = true;
      for (const ch of c.shardChannels) if (!kill && !channelAllowed(upcoming, ch, false)) kill = true;
      if (kill) this.closeClient(c, current);
    }
  }

  // ---- ACL files ----

  /** ACLLoadFromFile: null when loaded (then the users are replaced), else the errors, nothing changed. */
  loadFile(filename: string): string | null {
    let text: string;
    try {
      text = fs.readFileSync(filename, 'latin1');
    } catch (e) {
      return `Error loading ACLs, opening file '${filename}': ${strerror(e)}`;
    }
    const ctx = this.ruleContext();
    const users = new Map<string, User>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      const n = i + 1;
      if (line === '') continue;
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${filename}:${n} should start with user keyword followed by the username. `;
        continue;
      }
      if (hasSpaces(argv[1])) {
        errors += `'${filename}:${n}: username '${argv[1]}' contains invalid characters. `;
        continue;
      }
      if (users.has(argv[1])) {
        errors += `WARNING: Duplicate user '${argv[1]}' found on line ${n}. `;
        continue;
      }
      const u = newUser(argv[1], ctx);
      users.set(argv[1], u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if (!Array.isArray(merged)) {
        errors += `${filename}:${n}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      for (const raw of merged) {
        const r = raw.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        try {
          applyRule(u, r, ctx);
        } catch (e) {
          if (!(e instanceof AclRuleError)) throw e;
          // An unknown command is named; any other refused rule is not (it may hold a password).
          errors +=
            e.code === 'ENOENT'
              ? `${filename}:${n}: Error in applying operation '${r}': ${e.message}. `
              : `${filename}:${n}: ${e.message}. `;
          break;
        }
      }
    }
    if (errors !== '')
      return `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`;
    const newDefault = users.get('default') ?? defaultUser(ctx);
    copyUserInto(this.defaultUser, newDefault);
    users.set('default', this.defaultUser);
    const old = this.users;
    this.users = users;
    for (const u of old.values()) if (u !== this.defaultUser) this.freeUserAndKillClients(u);
    return null;
  }

  /** ACLSaveToFile: every user as "user <name> <rules>", written to a temporary file and renamed. */
  saveFile(filename: string): boolean {
    const text = this.sortedUsers()
      .map((u) => `user ${u.name} ${describeUser(u)}\n`)
      .join('');
    const tmp = `${filename}.tmp-${process.pid}-${Date.now()}`;
    try {
      fs.writeFileSync(tmp, text, 'latin1');
      fs.renameSync(tmp, filename);
      return true;
    } catch (e) {
      this.warn(`Writing ACL file for ACL SAVE: ${strerror(e)}`);
      fs.rmSync(tmp, { force: true });
      return false;
    }
  }

  /**
   * ACLLoadUsersAtStartup: the `user` directives of the configuration, then the aclfile (not both).
   * Throws AclStartupError with Redis's message when they cannot be loaded.
   */
  loadAtStartup(userDirectives: readonly (readonly string[])[]): void {
    const aclfile = this.config.get('aclfile');
    if (aclfile !== '' && userDirectives.length > 0) {
      throw new AclStartupError(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
      );
    }
    const ctx = this.ruleContext();
    const seen = new Set<string>();
    const pending: { name: string; rules: string[] }[] = [];
    // ACLAppendUserForLoading: syntax errors are fatal at once; unknown commands when loading.
    for (const d of userDirectives) {
      const fail = (arg: string, why: string): never => {
        throw new AclStartupError(`Error in user declaration '${arg}': ${why}`);
      };
      if (seen.has(d[0])) fail(d[0], ruleErrorText('EALREADY'));
      seen.add(d[0]);
      const merged = mergeSelectorArgs(d.slice(1));
      if (!Array.isArray(merged)) return fail(d[merged.unmatched + 1], ruleErrorText('EINVAL'));
      const fake = newUser('__fakeuser__', ctx);
      for (const r of merged) {
        try {
          applyRule(fake, r, ctx);
        } catch (e) {
          if (!(e instanceof AclRuleError)) throw e;
          if (e.code !== 'ENOENT') fail(r, e.message);
        }
      }
      pending.push({ name: d[0], rules: merged });
    }
    // ACLLoadConfiguredUsers.
    for (const { name, rules } of pending) {
      if (hasSpaces(name)) throw new AclStartupError('Spaces not allowed in ACL usernames');
      let u = this.users.get(name);
      if (u === undefined) this.users.set(name, (u = newUser(name, ctx)));
      else applyRule(u, 'reset', ctx);
      for (const r of rules) {
        try {
          applyRule(u, r, ctx);
        } catch (e) {
          if (!(e instanceof AclRuleError)) throw e;
          throw new AclStartupError(
            `Error loading ACL rule '${r}' for the user named '${name}': ${e.message}`,
          );
        }
      }
    }
    if (aclfile !== '') {
      const errors = this.loadFile(aclfile);
      if (errors !== null)
        throw new AclStartupError(`Aborting Redis startup because of ACL errors: ${errors}`);
    }
  }
}

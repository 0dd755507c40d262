// The ACL command and its subcommands (CAT, DELUSER, DRYRUN, GENPASS, GETUSER, HELP, LIST, LOAD, LOG,
// SAVE, SETUSER, USERS, WHOAMI) with redis-server 7.0.15's replies; the users and checks they show or
// change are server/acl.ts's.
import { randomBytes } from 'node:crypto';
import { cmd, NO_KEYS, type CommandFlag, type CommandSpec, type Ctx } from '../server/command.js';
import type { Client } from '../server/client.js';
import { checkUserCommand } from '../server/acl.js';
import {
  CATEGORIES,
  INDEX,
  categoryBit,
  describeCommandRules,
  describeUser,
  selectorChannelsText,
  selectorKeysText,
  userFlags,
  type AclCommand,
  type Selector,
} from '../server/acl-rules.js';
import { RedisError } from '../store/errors.js';
import { argInt, replyHelp } from './util.js';
import { arityAccepts } from './command-info.js';

/** addReplySubcommandSyntaxError. */
function syntaxError(argv: string[]): string {
  return `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ACL HELP.`;
}

function cl(c: Ctx): Client {
  return c as Client;
}

const NO_ACL_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

function aclFile(c: Client): string {
  const f = c.server.config.get('aclfile');
  if (f === '') throw new RedisError(NO_ACL_FILE);
  return f;
}

/** A client that closed itself (DELUSER of its own user, ...) goes once its reply is written. */
function closeIfKilled(c: Client): void {
  if (c.closing) c.closeAfterReply();
}

function setuser(c: Ctx, argv: string[]): void {
  const client = cl(c);
  const err = client.server.acl.setUser(argv[2], argv.slice(3));
  if (err !== null) throw new RedisError(err);
  c.ok();
  closeIfKilled(client);
}

function deluser(c: Ctx, argv: string[]): void {
  const client = cl(c);
  const names = argv.slice(2);
  if (names.includes('default')) throw new RedisError("ERR The 'default' user cannot be removed");
  c.int(client.server.acl.delUsers(names));
  closeIfKilled(client);
}

function replySelector(c: Ctx, s: Selector): void {
  c.bulk('commands');
  c.bulk(describeCommandRules(s));
  c.bulk('keys');
  c.bulk(selectorKeysText(s));
  c.bulk('channels');
  c.bulk(selectorChannelsText(s));
}

function getuser(c: Ctx, argv: string[]): void {
  const u = cl(c).server.acl.users.get(argv[2]);
  if (u === undefined) return c.nil();
  c.mapLen(6);
  c.bulk('flags');
  const flags = userFlags(u);
  c.setLen(flags.length);
  for (const f of flags) c.bulk(f);
  c.bulk('passwords');
  c.bulks(u.passwords);
  replySelector(c, u.selectors[0]);
  c.bulk('selectors');
  c.arrayLen(u.selectors.length - 1);
  for (const s of u.selectors.slice(1)) {
    c.mapLen(3);
    replySelector(c, s);
  }
}

function list(c: Ctx): void {
  c.bulks(
    cl(c)
      .server.acl.sortedUsers()
      .map((u) => `user ${u.name} ${describeUser(u)}`),
  );
}

function users(c: Ctx): void {
  c.bulks(
    cl(c)
      .server.acl.sortedUsers()
      .map((u) => u.name),
  );
}

function whoami(c: Ctx): void {
  c.bulk(cl(c).user.name);
}

function load(c: Ctx): void {
  const client = cl(c);
  const errors = client.server.acl.loadFile(aclFile(client));
  if (errors !== null) throw new RedisError(`ERR ${errors}`);
  c.ok();
  closeIfKilled(client);
}

function save(c: Ctx): void {
  const client = cl(c);
  if (!client.server.acl.saveFile(aclFile(client))) {
    throw new RedisError(
      'ERR There was an error trying to save the ACLs. Please check the server logs for more information',
    );
  }
  c.ok();
}

function catNames(cmds: readonly AclCommand[], bit: number, out: string[]): void {
  for (const x of cmds) {
    if ((x.cats & bit) !== 0) out.push(x.name);
    if (x.subs.length > 0) catNames(x.subs, bit, out);
  }
}

function cat(c: Ctx, argv: string[]): void {
  if (argv.length === 2) return c.bulks(CATEGORIES);
  if (argv.length !== 3) throw new RedisError(syntaxError(argv));
  const bit = categoryBit(argv[2]);
  if (bit === 0) throw new RedisError(`ERR Unknown category '${argv[2].slice(0, 128)}'`);
  const out: string[] = [];
  catNames(INDEX.top, bit, out);
  c.bulks(out);
}

function genpass(c: Ctx, argv: string[]): void {
  if (argv.length > 3) throw new RedisError(syntaxError(argv));
  const bits = argv.length === 3 ? argInt(argv[2]) : 256;
  if (bits <= 0 || bits > 4096) {
    throw new RedisError(
      'ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096',
    );
  }
  const chars = Math.floor((bits + 3) / 4);
  c.bulk(
    randomBytes(Math.ceil(chars / 2))
      .toString('hex')
      .slice(0, chars),
  );
}

function log(c: Ctx, argv: string[]): void {
  const acl = cl(c).server.acl;
  if (argv.length > 3) throw new RedisError(syntaxError(argv));
  let count = 10;
  if (argv.length === 3) {
    if (argv[2].toLowerCase() === 'reset') {
      acl.log.length = 0;
      return c.ok();
    }
    count = Math.max(0, argInt(argv[2]));
  }
  const entries = acl.log.slice(0, count);
  const now = Date.now();
  c.arrayLen(entries.length);
  for (const e of entries) {
    c.mapLen(7);
    c.bulk('count');
    c.int(e.count);
    c.bulk('reason');
    c.bulk(e.reason);
    c.bulk('context');
    c.bulk(e.context);
    c.bulk('object');
    c.bulk(e.object);
    c.bulk('username');
    c.bulk(e.username);
    c.bulk('age-seconds');
    c.double((now - e.ctime) / 1000);
    c.bulk('client-info');
    c.bulk(e.cinfo);
  }
}

function dryrun(c: Ctx, argv: string[]): void {
  const acl = cl(c).server.acl;
  const u = acl.users.get(argv[2]);
  if (u === undefined) throw new RedisError(`ERR User '${argv[2]}' not found`);
  const args = argv.slice(3);
  const target = INDEX.lookupArgv(args);
  if (target === undefined) throw new RedisError(`ERR Command '${argv[3]}' not found`);
  if (!arityAccepts(target.data.arity, args.length))
    throw new RedisError(`ERR wrong number of arguments for '${target.name}' command`);
  const d = checkUserCommand(u, target, args);
  if (d === null) return c.ok();
  if (d.reason === 'command')
    return c.bulk(`This user has no permissions to run the '${target.name}' command`);
  c.bulk(`This user has no permissions to access the '${args[d.pos]}' ${d.reason}`);
}

function help(c: Ctx): void {
  replyHelp(c, 'ACL', [
    'CAT [<category>]',
    '    List all commands that belong to <category>, or all command categories',
    '    when no category is specified.',
    'DELUSER <username> [<username> ...]',
    '    Delete a list of users.',
    'DRYRUN <username> <command> [<arg> ...]',
    '    Returns whether the user can execute the given command without executing the command.',
    'GETUSER <username>',
    "    Get the user's details.",
    'GENPASS [<bits>]',
    '    Generate a secure 256-bit user password. The optional `bits` argument can',
    '    be used to specify a different size.',
    'LIST',
    '    Show users details in config file format.',
    'LOAD',
    '    Reload users from the ACL file.',
    'LOG [<count> | RESET]',
    '    Show the ACL log entries.',
    'SAVE',
    '    Save the current config to the ACL file.',
    'SETUSER <username> <attribute> [<attribute> ...]',
    '    Create or modify a user with the specified attributes.',
    'USERS',
    '    List all the registered usernames.',
    'WHOAMI',
    '    Return the current connection username.',
  ]);
}

const ADMIN: CommandFlag[] = ['admin', 'noscript', 'loading', 'stale'];
const PLAIN: CommandFlag[] = ['noscript', 'loading', 'stale'];
const sub = (
  name: string,
  arity: number,
  flags: CommandFlag[],
  handler: (c: Ctx, argv: string[]) => void,
): CommandSpec => cmd(name, arity, flags, NO_KEYS, 'server', handler);

const acl = cmd('acl', -2, [], NO_KEYS, 'server', () => {});
acl.subcommands = [
  sub('cat', -2, PLAIN, cat),
  sub('deluser', -3, ADMIN, deluser),
  sub('dryrun', -4, ADMIN, dryrun),
  sub('genpass', -2, PLAIN, genpass),
  sub('getuser', 3, ADMIN, getuser),
  sub('help', 2, ['loading', 'stale'], help),
  sub('list', 2, ADMIN, list),
  sub('load', 2, ADMIN, load),
  sub('log', -2, ADMIN, log),
  sub('save', 2, ADMIN, save),
  sub('setuser', -3, ADMIN, setuser),
  sub('users', 2, ADMIN, users),
  sub('whoami', 2, PLAIN, whoami),
];

export const commands: CommandSpec[] = [acl];

// Connection and session commands: PING/ECHO/AUTH/HELLO/SELECT/QUIT/RESET/CLIENT, transactions
// (MULTI/EXEC/DISCARD/WATCH/UNWATCH) and Pub/Sub.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import type { Client } from '../server/client.js';
import { RedisError, ERR_SYNTAX, unknownSubcommand } from '../store/errors.js';
import { argInt, replyHelp } from './util.js';
import { clientCaching, clientGetredir, clientTracking, clientTrackingInfo } from './client-tracking.js';
import { globMatch } from './glob.js';
import { clientBuffers, clientBytes } from '../server/memory.js';

export const REDIS_VERSION = '7.0.15';

/** Handlers here need the connection itself, not just Ctx. */
function cl(c: Ctx): Client {
  return c as Client;
}

function ping(c: Ctx, argv: string[]): void {
  if (argv.length > 2) throw new RedisError("ERR wrong number of arguments for 'ping' command");
  const client = cl(c);
  if (client.resp === 2 && client.pubsubCount() > 0) {
    client.bulks(['pong', argv[1] ?? '']);
    return;
  }
  if (argv.length === 2) c.bulk(argv[1]);
  else c.simple('PONG');
}

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

function auth(c: Ctx, argv: string[]): void {
  const client = cl(c);
  const acl = client.server.acl;
  if (argv.length > 3) throw new RedisError(ERR_SYNTAX);
  if (argv.length === 2 && acl.defaultUser.nopass) {
    throw new RedisError(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
  }
  const user = argv.length === 3 ? argv[1] : 'default';
  const pass = argv[argv.length - 1];
  if (!acl.authenticate(client, user, pass, argv[0])) {
    client.server.log.verbose(`AUTH failed for client id=${client.id}`);
    throw new RedisError(WRONGPASS);
  }
  c.ok();
}

function hello(c: Ctx, argv: string[]): void {
  const client = cl(c);
  let proto = client.resp as number;
  let i = 1;
  if (argv.length >= 2) {
    const v = /^-?[0-9]+$/.test(argv[1]) ? Number(argv[1]) : NaN;
    if (Number.isNaN(v)) throw new RedisError('ERR Protocol version is not an integer or out of range');
    if (v < 2 || v > 3) throw new RedisError('NOPROTO unsupported protocol version');
    proto = v;
    i = 2;
  }
  // As Redis 7.0: every option is parsed first, then AUTH (the last one given), then SETNAME.
  let setname: string | null = null;
  let credentials: [string, string] | null = null;
  for (; i < argv.length; i++) {
    const a = argv[i].toUpperCase();
    if (a === 'AUTH' && i + 2 < argv.length) {
      credentials = [argv[i + 1], argv[i + 2]];
      i += 2;
    } else if (a === 'SETNAME' && i + 1 < argv.length) {
      setname = argv[++i];
    } else throw new RedisError(`ERR Syntax error in HELLO option '${argv[i]}'`);
  }
  if (credentials !== null && !client.server.acl.authenticate(client, ...credentials, argv[0])) {
    throw new RedisError(WRONGPASS);
  }
  if (!client.authenticated) {
    throw new RedisError(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (setname !== null) {
    if (/[\s]/.test(setname) || /[^\x21-\x7e]/.test(setname)) {
      throw new RedisError('ERR Client names cannot contain spaces, newlines or special characters.');
    }
    client.name = setname;
  }
  client.resp = proto as 2 | 3;
  client.mapLen(7);
  client.bulk('server');
  client.bulk('redis');
  client.bulk('version');
  client.bulk(REDIS_VERSION);
  client.bulk('proto');
  client.int(proto);
  client.bulk('id');
  client.int(client.id);
  client.bulk('mode');
  client.bulk('standalone');
  client.bulk('role');
  client.bulk(client.server.replicaMode ? 'replica' : 'master');
  client.bulk('modules');
  client.arrayLen(0);
}

function echo(c: Ctx, argv: string[]): void {
  c.bulk(argv[1]);
}

function select(c: Ctx, argv: string[]): void {
  const idx = argInt(argv[1], 'ERR invalid DB index');
  const db = c.dbAt(idx);
  if (db === undefined) throw new RedisError('ERR DB index is out of range');
  cl(c).db = db;
  c.ok();
}

function quit(c: Ctx): void {
  const client = cl(c);
  client.ok();
  client.closeAfterReply();
}

function reset(c: Ctx): void {
  const client = cl(c);
  const s = client.server;
  client.multi = null;
  client.multiError = false;
  s.unwatchAll(client);
  s.pubsub.removeClient(client);
  s.tracking.disable(client);
  client.db = s.dbs[0];
  client.resp = 2;
  client.name = '';
  client.user = s.acl.defaultUser;
  client.authenticated = s.acl.defaultAuthenticated();
  client.simple('RESET');
}

// ---- CLIENT ----

export function clientInfoLine(c: Client): string {
  const now = Date.now();
  const flags =
    (c.isMaster ? 'M' : '') +
    (c.isReplica ? 'S' : '') +
    (c.blocked !== null ? 'b' : '') +
    (c.multi !== null ? 'x' : '') +
    (c.pubsubCount() > 0 ? 'P' : '') +
    (c.tracking !== null ? 't' : '') +
    (c.tracking?.brokenRedirect === true ? 'R' : '') +
    (c.tracking?.bcast === true ? 'B' : '') +
    (c.noEvict ? 'e' : '');
  const buffers = clientBuffers(c);
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.socket ? 8 : -1} name=${c.name} ` +
    `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} ` +
    `flags=${flags === '' ? 'N' : flags} db=${c.db.id} sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} ` +
    `multi=${c.multi === null ? -1 : c.multi.length} qbuf=${buffers.query} qbuf-free=0 argv-mem=0 ` +
    `multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=${buffers.output} tot-mem=${clientBytes(c)} events=r ` +
    `cmd=${c.lastCmd} user=${c.user.name} redir=${c.tracking === null ? -1 : c.tracking.redirect} resp=${c.resp}`
  );
}

/** MONITOR: from now on this connection is sent every command the server executes. */
function monitor(c: Ctx): void {
  const client = cl(c);
  client.server.monitors.add(client);
  c.ok();
}

type ClientType = 'master' | 'replica' | 'pubsub' | 'normal';

/** A TYPE argument of CLIENT LIST / CLIENT KILL ('slave' is 'replica'), or Redis's error for another. */
function clientType(arg: string): ClientType {
  const t = arg.toLowerCase();
  if (t === 'slave') return 'replica';
  if (t === 'master' || t === 'replica' || t === 'pubsub' || t === 'normal') return t;
  throw new RedisError(`ERR Unknown client type '${arg}'`);
}

/** Redis's type of a client: its master link, a replica, then subscribed to anything, else normal. */
function typeOfClient(x: Client): ClientType {
  if (x.isMaster) return 'master';
  if (x.isReplica) return 'replica';
  return x.pubsubCount() > 0 ? 'pubsub' : 'normal';
}

function clientCmd(c: Ctx, argv: string[]): void {
  const client = cl(c);
  const s = client.server;
  const sub = argv[1].toLowerCase();
  switch (sub) {
    case 'id':
      return c.int(client.id);
    case 'tracking':
      if (argv.length < 3) break;
      return clientTracking(client, argv);
    case 'caching':
      if (argv.length !== 3) break;
      return clientCaching(client, argv);
    case 'getredir':
      if (argv.length !== 2) break;
      return clientGetredir(client);
    case 'trackinginfo':
      if (argv.length !== 2) break;
      return clientTrackingInfo(client);
    case 'getname':
      return client.name === '' ? c.nil() : c.bulk(client.name);
    case 'setname': {
      if (argv.length !== 3) break;
      const n = argv[2];
      if (/[^\x21-\x7e]/.test(n)) {
        throw new RedisError('ERR Client names cannot contain spaces, newlines or special characters.');
      }
      client.name = n;
      return c.ok();
    }
    case 'info':
      return c.verbatim(clientInfoLine(client) + '\n');
    case 'list': {
      let lines = '';
      let ids: Set<number> | null = null;
      if (argv.length > 2) {
        if (argv[2].toUpperCase() === 'ID' && argv.length > 3)
          ids = new Set(argv.slice(3).map((x) => argInt(x)));
        else if (argv[2].toUpperCase() === 'TYPE' && argv.length === 4) {
          const t = clientType(argv[3]);
          ids = new Set([...s.clients.values()].filter((x) => typeOfClient(x) === t).map((x) => x.id));
        } else throw new RedisError(ERR_SYNTAX);
      }
      for (const x of s.clients.values())
        if (ids === null || ids.has(x.id)) lines += clientInfoLine(x) + '\n';
      return c.verbatim(lines);
    }
    case 'kill': {
      if (argv.length === 3) {
        const victim = [...s.clients.values()].find((x) => x.addr === argv[2]);
        if (victim === undefined) throw new RedisError('ERR No such client');
        victim.closeAfterReply();
        return c.ok();
      }
      let killed = 0;
      let skipme = true;
      const filters: ((x: Client) => boolean)[] = [];
      for (let i = 2; i < argv.length; i += 2) {
        const f = argv[i].toLowerCase();
        const v = argv[i + 1];
        if (v === undefined) throw new RedisError(ERR_SYNTAX);
        if (f === 'id') {
          const id = argInt(v, 'ERR client-id should be greater than 0');
          filters.push((x) => x.id === id);
        } else if (f === 'addr') filters.push((x) => x.addr === v);
        else if (f === 'laddr') filters.push((x) => x.laddr === v);
        else if (f === 'type') {
          const t = clientType(v);
          filters.push((x) => typeOfClient(x) === t);
        } else if (f === 'skipme') {
          const y = v.toLowerCase();
          if (y !== 'yes' && y !== 'no') throw new RedisError(ERR_SYNTAX);
          skipme = y === 'yes';
        } else if (f === 'user') {
          const u = s.acl.users.get(v);
          if (u === undefined) throw new RedisError(`ERR No such user '${v}'`);
          filters.push((x) => x.user === u);
        } else throw new RedisError(ERR_SYNTAX);
      }
      for (const x of [...s.clients.values()]) {
        if (skipme && x === client) continue;
        if (filters.every((f) => f(x))) {
          if (x === client) client.closing = true;
          else x.closeAfterReply();
          killed++;
        }
      }
      c.int(killed);
      if (client.closing) client.closeAfterReply();
      return;
    }
    case 'no-evict': {
      const v = (argv[2] ?? '').toLowerCase();
      if (argv.length !== 3 || (v !== 'on' && v !== 'off')) throw new RedisError(ERR_SYNTAX);
      client.noEvict = v === 'on';
      return c.ok();
    }
    case 'reply': {
      const v = (argv[2] ?? '').toLowerCase();
      if (v === 'on') {
        client.silent = false;
        return c.ok();
      }
      if (v === 'off' || v === 'skip') {
        client.silent = true;
        return;
      }
      throw new RedisError(ERR_SYNTAX);
    }
    case 'unblock': {
      const id = argInt(argv[2] ?? '');
      const target = s.clients.get(id);
      const error = (argv[3] ?? 'TIMEOUT').toUpperCase() === 'ERROR';
      if (target === undefined || target.blocked === null) return c.int(0);
      const reply = target.blocked.timeoutReply;
      s.unblock(target);
      if (error) target.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
      else if (reply === 'nil') target.nil();
      else target.nilArray();
      setImmediate(() => target.processInput());
      return c.int(1);
    }
    case 'pause': {
      const ms = argInt(argv[2] ?? '', 'ERR timeout is not an integer or out of range');
      if (ms < 0) throw new RedisError('ERR timeout is negative');
      let writesOnly = false;
      if (argv.length === 4) {
        const mode = argv[3].toUpperCase();
        if (mode === 'WRITE') writesOnly = true;
        else if (mode !== 'ALL') throw new RedisError(ERR_SYNTAX);
      } else if (argv.length !== 3) throw new RedisError(ERR_SYNTAX);
      s.pauseClients(ms, writesOnly);
      return c.ok();
    }
    case 'unpause':
      s.unpauseClients();
      return c.ok();
    case 'help':
      return replyHelp(c, 'CLIENT', [
        'CACHING (YES|NO)',
        '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
        'GETREDIR',
        '    Return the client ID we are redirecting to when tracking is enabled.',
        'GETNAME',
        '    Return the name of the current connection.',
        'ID',
        '    Return the ID of the current connection.',
        'INFO',
        '    Return information about the current client connection.',
        'KILL <ip:port>',
        '    Kill connection made from <ip:port>.',
        'KILL <option> <value> [<option> <value> [...]]',
        '    Kill connections. Options are:',
        '    * ADDR (<ip:port>|<unixsocket>:0)',
        '      Kill connections made from the specified address',
        '    * LADDR (<ip:port>|<unixsocket>:0)',
        '      Kill connections made to specified local address',
        '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
        '      Kill connections by type.',
        '    * USER <username>',
        '      Kill connections authenticated by <username>.',
        '    * SKIPME (YES|NO)',
        '      Skip killing current connection (default: yes).',
        'LIST [options ...]',
        '    Return information about client connections. Options:',
        '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
        '      Return clients of specified type.',
        'UNPAUSE',
        '    Stop the current client pause, resuming traffic.',
        'PAUSE <timeout> [WRITE|ALL]',
        '    Suspend all, or just write, clients for <timeout> milliseconds.',
        'REPLY (ON|OFF|SKIP)',
        '    Control the replies sent to the current connection.',
        'SETNAME <name>',
        '    Assign the name <name> to the current connection.',
        'UNBLOCK <clientid> [TIMEOUT|ERROR]',
        '    Unblock the specified blocked client.',
        'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
        '         [OPTIN] [OPTOUT] [NOLOOP]',
        '    Control server assisted client side caching.',
        'TRACKINGINFO',
        '    Report tracking status for the current connection.',
        'NO-EVICT (ON|OFF)',
        '    Protect current client connection from eviction.',
      ]);
  }
  throw new RedisError(unknownSubcommand(argv[1], 'CLIENT'));
}

// ---- transactions ----

function multi(c: Ctx): void {
  const client = cl(c);
  if (client.multi !== null) throw new RedisError('ERR MULTI calls can not be nested');
  client.multi = [];
  client.multiError = false;
  c.ok();
}

function exec(c: Ctx): void {
  const client = cl(c);
  if (client.multi === null) throw new RedisError('ERR EXEC without MULTI');
  client.server.exec(client);
}

function discard(c: Ctx): void {
  const client = cl(c);
  if (client.multi === null) throw new RedisError('ERR DISCARD without MULTI');
  client.multi = null;
  client.multiError = false;
  client.server.unwatchAll(client);
  c.ok();
}

function watch(c: Ctx, argv: string[]): void {
  const client = cl(c);
  if (client.multi !== null) throw new RedisError('ERR WATCH inside MULTI is not allowed');
  for (let i = 1; i < argv.length; i++) client.server.watch(client, argv[i]);
  c.ok();
}

function unwatch(c: Ctx): void {
  const client = cl(c);
  client.server.unwatchAll(client);
  c.ok();
}

// ---- pub/sub ----

function subCount(c: Client): number {
  return c.channels.size + c.patterns.size;
}

function subReply(c: Client, kind: string, name: string | null): void {
  c.pushLen(3);
  c.bulk(kind);
  if (name === null) c.nil();
  else c.bulk(name);
  c.int(kind === 'ssubscribe' || kind === 'sunsubscribe' ? c.shardChannels.size : subCount(c));
}

function subscribe(c: Ctx, argv: string[]): void {
  const client = cl(c);
  if (client.inExec) throw new RedisError("ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client");
  for (let i = 1; i < argv.length; i++) {
    client.server.pubsub.subscribe(client, argv[i]);
    subReply(client, 'subscribe', argv[i]);
  }
}

function psubscribe(c: Ctx, argv: string[]): void {
  const client = cl(c);
  if (client.inExec) throw new RedisError("ERR PSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  for (let i = 1; i < argv.length; i++) {
    client.server.pubsub.psubscribe(client, argv[i]);
    subReply(client, 'psubscribe', argv[i]);
  }
}

function unsubscribe(c: Ctx, argv: string[]): void {
  const client = cl(c);
  const ps = client.server.pubsub;
  const list = argv.length > 1 ? argv.slice(1) : [...client.channels];
  if (list.length === 0) return subReply(client, 'unsubscribe', null);
  for (const ch of list) {
    ps.unsubscribe(client, ch);
    subReply(client, 'unsubscribe', ch);
  }
}

function punsubscribe(c: Ctx, argv: string[]): void {
  const client = cl(c);
  const ps = client.server.pubsub;
  const list = argv.length > 1 ? argv.slice(1) : [...client.patterns];
  if (list.length === 0) return subReply(client, 'punsubscribe', null);
  for (const p of list) {
    ps.punsubscribe(client, p);
    subReply(client, 'punsubscribe', p);
  }
}

function ssubscribe(c: Ctx, argv: string[]): void {
  const client = cl(c);
  // Unlike SUBSCRIBE, refused inside MULTI too (Redis 7.0 checks only the deny-blocking flag).
  if (client.inExec || client.multi !== null)
    throw new RedisError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  for (let i = 1; i < argv.length; i++) {
    client.server.pubsub.ssubscribe(client, argv[i]);
    subReply(client, 'ssubscribe', argv[i]);
  }
}

function sunsubscribe(c: Ctx, argv: string[]): void {
  const client = cl(c);
  const ps = client.server.pubsub;
  const list = argv.length > 1 ? argv.slice(1) : [...client.shardChannels];
  if (list.length === 0) return subReply(client, 'sunsubscribe', null);
  for (const ch of list) {
    ps.sunsubscribe(client, ch);
    subReply(client, 'sunsubscribe', ch);
  }
}

function spublish(c: Ctx, argv: string[]): void {
  const client = cl(c);
  const s = client.server;
  const n = s.pubsub.spublish(argv[1], argv[2], (target) => {
    if (target !== client) s.flushSoon(target);
  });
  // As Redis without cluster mode: replicas get the message too, for their own subscribers.
  client.forcePropagate = true;
  c.int(n);
}

function publish(c: Ctx, argv: string[]): void {
  const client = cl(c);
  const s = client.server;
  const n = s.pubsub.publish(argv[1], argv[2], (target) => {
    if (target !== client) s.flushSoon(target);
  });
  // As Redis without cluster mode: replicas get the message too, for their own subscribers.
  client.forcePropagate = true;
  c.int(n);
}

function pubsubCmd(c: Ctx, argv: string[]): void {
  const client = cl(c);
  const ps = client.server.pubsub;
  const sub = argv[1].toLowerCase();
  if (sub === 'channels' && argv.length <= 3) {
    const pat = argv[2];
    return c.bulks([...ps.channels.keys()].filter((ch) => pat === undefined || globMatch(pat, ch)));
  }
  if (sub === 'numsub') {
    c.mapLen(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      c.bulk(argv[i]);
      c.int(ps.channels.get(argv[i])?.size ?? 0);
    }
    return;
  }
  if (sub === 'numpat' && argv.length === 2) return c.int(ps.patterns.size);
  if (sub === 'shardchannels' && argv.length <= 3) {
    const pat = argv[2];
    return c.bulks([...ps.shardChannels.keys()].filter((ch) => pat === undefined || globMatch(pat, ch)));
  }
  if (sub === 'shardnumsub') {
    c.mapLen(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      c.bulk(argv[i]);
      c.int(ps.shardChannels.get(argv[i])?.size ?? 0);
    }
    return;
  }
  if (sub === 'help') {
    return replyHelp(c, 'PUBSUB', [
      'CHANNELS [<pattern>]',
      "    Return the currently active channels matching a <pattern> (default: '*').",
      'NUMPAT',
      '    Return number of subscriptions to patterns.',
      'NUMSUB [<channel> ...]',
      '    Return the number of subscribers for the specified channels, excluding',
      '    pattern subscriptions(default: no channels).',
      'SHARDCHANNELS [<pattern>]',
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      'SHARDNUMSUB [<shardchannel> ...]',
      '    Return the number of subscribers for the specified shard level channel(s)',
    ]);
  }
  throw new RedisError(unknownSubcommand(argv[1], 'PUBSUB'));
}

const K0: [number, number, number] = [0, 0, 0];

export const commands: CommandSpec[] = [
  cmd('ping', -1, ['fast', 'stale'], K0, 'connection', ping),
  cmd('echo', 2, ['fast', 'stale'], K0, 'connection', echo),
  cmd('auth', -2, ['no_auth', 'fast', 'stale', 'noscript', 'loading', 'allow_busy'], K0, 'connection', auth),
  cmd(
    'hello',
    -1,
    ['no_auth', 'fast', 'stale', 'noscript', 'loading', 'allow_busy'],
    K0,
    'connection',
    hello,
  ),
  cmd('select', 2, ['fast', 'stale', 'loading'], K0, 'connection', select),
  cmd('quit', -1, ['no_auth', 'fast', 'stale', 'noscript', 'loading', 'allow_busy'], K0, 'connection', quit),
  cmd('reset', 1, ['no_auth', 'fast', 'stale', 'noscript', 'loading', 'allow_busy'], K0, 'connection', reset),
  cmd('client', -2, ['stale', 'loading', 'noscript'], K0, 'connection', clientCmd),
  cmd('monitor', 1, ['admin', 'noscript', 'loading', 'stale', 'no_multi'], K0, 'server', monitor),
  cmd('multi', 1, ['fast', 'stale', 'loading', 'noscript', 'allow_busy'], K0, 'transactions', multi),
  cmd('exec', 1, ['stale', 'loading', 'noscript', 'skip_monitor'], K0, 'transactions', exec),
  cmd('discard', 1, ['fast', 'stale', 'loading', 'noscript', 'allow_busy'], K0, 'transactions', discard),
  cmd(
    'watch',
    -2,
    ['fast', 'stale', 'loading', 'noscript', 'no_multi', 'allow_busy'],
    [1, -1, 1],
    'transactions',
    watch,
  ),
  cmd('unwatch', 1, ['fast', 'stale', 'loading', 'noscript', 'allow_busy'], K0, 'transactions', unwatch),
  cmd('subscribe', -2, ['pubsub', 'noscript', 'loading', 'stale'], K0, 'pubsub', subscribe),
  cmd('psubscribe', -2, ['pubsub', 'noscript', 'loading', 'stale'], K0, 'pubsub', psubscribe),
  cmd('unsubscribe', -1, ['pubsub', 'noscript', 'loading', 'stale'], K0, 'pubsub', unsubscribe),
  cmd('punsubscribe', -1, ['pubsub', 'noscript', 'loading', 'stale'], K0, 'pubsub', punsubscribe),
  cmd('publish', 3, ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'], K0, 'pubsub', publish),
  cmd('ssubscribe', -2, ['pubsub', 'noscript', 'loading', 'stale'], [1, -1, 1], 'pubsub', ssubscribe),
  cmd('sunsubscribe', -1, ['pubsub', 'noscript', 'loading', 'stale'], [1, -1, 1], 'pubsub', sunsubscribe),
  cmd('spublish', 3, ['pubsub', 'loading', 'stale', 'fast'], [1, 1, 1], 'pubsub', spublish),
  cmd('pubsub', -2, ['pubsub', 'loading', 'stale'], K0, 'pubsub', pubsubCmd),
];

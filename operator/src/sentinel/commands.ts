// The Sentinel protocol's commands as client libraries use them, answered from the registry with real
// Sentinel's reply shapes, field names and error strings (Redis 7.0 in sentinel mode): PING, HELLO,
// AUTH, CLIENT SETNAME / GETNAME / ID, ROLE, INFO, SENTINEL MASTERS / MASTER / REPLICAS / SLAVES /
// SENTINELS / GET-MASTER-ADDR-BY-NAME / CKQUORUM / MYID, (P)SUBSCRIBE / (P)UNSUBSCRIBE, RESET, QUIT.
// The commands that reconfigure a Sentinel (MONITOR, REMOVE, SET, FAILOVER, ...) are refused with a
// clear error: the operator owns the topology. Pure: a function of the host's state and the argv.
import { bulk, error, int, NULL_ARRAY, NULL3, OK } from '../../../node/src/protocol/reply.js';
import { REDIS_PORT } from '../api/types.js';
import { FAILOVER_TIMEOUT_MS, type ReplicationView, type SentinelRegistry } from './registry.js';
import { globMatch } from './pattern.js';
import type { SentinelEvent } from './events.js';

/** Reported as Sentinel's version (the Redis 7.0 protocol this endpoint speaks). */
export const SENTINEL_VERSION = '7.0.15';

/** Another operator pod serving this endpoint. */
export interface Peer {
  id: string;
  ip: string;
  port: number;
}

export interface SentinelHost {
  registry: SentinelRegistry;
  myId: string;
  port: number;
  /** The other operator pods (SENTINEL SENTINELS, num-other-sentinels, CKQUORUM). */
  peers(): Peer[];
  /** The password clients must give (AUTH / HELLO AUTH), or '' for none. */
  password: string;
  now(): number;
  startedAt: number;
  connectedClients(): number;
}

export interface SentinelConn {
  id: number;
  resp: 2 | 3;
  name: string;
  authed: boolean;
  channels: Set<string>;
  patterns: Set<string>;
  /** Set by QUIT: the server closes the connection after the reply. */
  close: boolean;
}

export function newConn(id: number, host: SentinelHost): SentinelConn {
  return {
    id,
    resp: 2,
    name: '',
    authed: host.password === '',
    channels: new Set(),
    patterns: new Set(),
    close: false,
  };
}

type Field = [string, string | number];

function fields(conn: SentinelConn, fs: Field[]): string {
  let s = conn.resp === 3 ? `%${fs.length}\r\n` : `*${fs.length * 2}\r\n`;
  for (const [k, v] of fs) s += bulk(k) + bulk(String(v));
  return s;
}

function array(items: string[]): string {
  return `*${items.length}\r\n${items.join('')}`;
}

const argsError = (cmd: string): string => error(`ERR wrong number of arguments for '${cmd}' command`);
const NO_SUCH = error('ERR No such master with that name');

function masterFields(host: SentinelHost, name: string, v: ReplicationView): Field[] {
  const m = v.master;
  const now = host.now();
  const seen = now - (v.observedAt ?? now);
  const down = host.registry.downSince(v);
  // In Sentinel's order: s_down, o_down, the role, then disconnected.
  const flags = [
    ...(v.masterDown ? ['s_down', 'o_down'] : []),
    'master',
    ...(!m || v.masterLinkDown ? ['disconnected'] : []),
  ].join(',');
  const out: Field[] = [
    ['name', name],
    ['ip', m?.ip ?? ''],
    ['port', m?.port ?? REDIS_PORT],
    ['runid', m?.runId ?? ''],
    ['flags', flags],
    ['link-pending-commands', 0],
    ['link-refcount', 1],
    ['last-ping-sent', v.masterDown && down > 0 ? now - down : 0],
    ['last-ok-ping-reply', v.masterDown && down > 0 ? now - down + seen : seen],
    ['last-ping-reply', seen],
  ];
  if (v.masterDown && down > 0) out.push(['s-down-time', now - down], ['o-down-time', now - down]);
  out.push(
    ['down-after-milliseconds', v.downAfterMs],
    ['info-refresh', seen],
    ['role-reported', 'master'],
    ['role-reported-time', now - host.startedAt],
    ['config-epoch', host.registry.epoch(v)],
    ['num-slaves', v.replicas.length],
    ['num-other-sentinels', host.peers().length],
    ['quorum', 1],
    ['failover-timeout', FAILOVER_TIMEOUT_MS],
    ['parallel-syncs', 1],
  );
  return out;
}

function replicaFields(
  host: SentinelHost,
  v: ReplicationView,
  r: ReplicationView['replicas'][number],
): Field[] {
  const now = host.now();
  const seen = now - (v.observedAt ?? now);
  const port = r.port ?? REDIS_PORT;
  return [
    ['name', `${r.ip}:${port}`],
    ['ip', r.ip],
    ['port', port],
    ['runid', r.runId ?? ''],
    ['flags', 'slave'],
    ['link-pending-commands', 0],
    ['link-refcount', 1],
    ['last-ping-sent', 0],
    ['last-ok-ping-reply', seen],
    ['last-ping-reply', seen],
    ['down-after-milliseconds', v.downAfterMs],
    ['info-refresh', seen],
    ['role-reported', 'slave'],
    ['role-reported-time', now - host.startedAt],
    ['master-link-down-time', 0],
    ['master-link-status', r.linkUp ? 'ok' : 'err'],
    ['master-host', v.master?.ip ?? '?'],
    ['master-port', v.master?.port ?? REDIS_PORT],
    ['slave-priority', r.priority],
    ['slave-repl-offset', r.offset],
    ['replica-announced', 1],
  ];
}

function peerFields(p: Peer): Field[] {
  return [
    ['name', p.id],
    ['ip', p.ip],
    ['port', p.port],
    ['runid', p.id],
    ['flags', 'sentinel'],
    ['link-pending-commands', 0],
    ['link-refcount', 1],
    ['last-ping-sent', 0],
    ['last-ok-ping-reply', 0],
    ['last-ping-reply', 0],
    ['down-after-milliseconds', 30000],
    ['last-hello-message', 0],
    ['voted-leader', '?'],
    ['voted-leader-epoch', 0],
  ];
}

/** SENTINEL subcommands that change a Sentinel's configuration: the operator owns these decisions. */
const MANAGEMENT = new Set([
  'monitor',
  'remove',
  'set',
  'failover',
  'reset',
  'flushconfig',
  'config',
  'simulate-failure',
  'debug',
  'is-master-down-by-addr',
  'info-cache',
  'pending-scripts',
]);

function sentinel(host: SentinelHost, conn: SentinelConn, argv: string[]): string {
  const sub = (argv[1] ?? '').toLowerCase();
  const reg = host.registry;
  const named = (): ReplicationView | string =>
    argv.length !== 3 ? argsError(`sentinel|${sub}`) : (reg.find(argv[2]) ?? NO_SUCH);
  switch (sub) {
    case 'get-master-addr-by-name': {
      if (argv.length !== 3) return argsError('sentinel|get-master-addr-by-name');
      const m = reg.find(argv[2])?.master;
      if (!m) return conn.resp === 3 ? NULL3 : NULL_ARRAY;
      return array([bulk(m.ip), bulk(String(m.port ?? REDIS_PORT))]);
    }
    case 'masters':
      if (argv.length !== 2) return argsError('sentinel|masters');
      return array(reg.named().map(({ name, view }) => fields(conn, masterFields(host, name, view))));
    case 'master': {
      const v = named();
      return typeof v === 'string' ? v : fields(conn, masterFields(host, argv[2], v));
    }
    case 'replicas':
    case 'slaves': {
      const v = named();
      if (typeof v === 'string') return v;
      return array(v.replicas.map((r) => fields(conn, replicaFields(host, v, r))));
    }
    case 'sentinels': {
      const v = named();
      return typeof v === 'string' ? v : array(host.peers().map((p) => fields(conn, peerFields(p))));
    }
    case 'ckquorum': {
      const v = named();
      if (typeof v === 'string') return v;
      const usable = host.peers().length + 1;
      return `+OK ${usable} usable Sentinels. Quorum and failover authorization can be reached\r\n`;
    }
    case 'myid':
      if (argv.length !== 2) return argsError('sentinel|myid');
      return bulk(host.myId);
    default:
      if (MANAGEMENT.has(sub))
        return error(
          `ERR SENTINEL ${sub.toUpperCase()} is not available: the tsredis operator monitors and fails over its RedisReplications; change the RedisReplication instead`,
        );
      return error(`ERR unknown subcommand '${argv[1] ?? ''}'. Try SENTINEL HELP.`);
  }
}

function info(host: SentinelHost, section: string): string {
  const reg = host.registry;
  const sections: Record<string, string[]> = {
    server: [
      '# Server',
      `redis_version:${SENTINEL_VERSION}`,
      'redis_mode:sentinel',
      'tsredis_operator:1',
      `tcp_port:${host.port}`,
      `uptime_in_seconds:${Math.floor((host.now() - host.startedAt) / 1000)}`,
    ],
    clients: ['# Clients', `connected_clients:${host.connectedClients()}`],
    sentinel: [
      '# Sentinel',
      `sentinel_masters:${reg.named().length}`,
      'sentinel_tilt:0',
      'sentinel_tilt_since_seconds:-1',
      'sentinel_running_scripts:0',
      'sentinel_scripts_queue_length:0',
      'sentinel_simulate_failure_flags:0',
      ...reg.named().map(({ name, view: v }, i) => {
        const status = !v.master ? 'odown' : v.masterDown ? 'odown' : 'ok';
        const a = v.master ? `${v.master.ip}:${v.master.port ?? REDIS_PORT}` : ':0';
        return `master${i}:name=${name},status=${status},address=${a},slaves=${v.replicas.length},sentinels=${host.peers().length + 1}`;
      }),
    ],
  };
  const s = section.toLowerCase();
  const chosen =
    s === '' || s === 'all' || s === 'default' || s === 'everything' ? Object.keys(sections) : [s];
  const text = chosen
    .filter((k) => sections[k] !== undefined)
    .map((k) => sections[k].join('\r\n') + '\r\n')
    .join('\r\n');
  return bulk(text);
}

function subscriptionReply(conn: SentinelConn, kind: string, target: string | null): string {
  const head = conn.resp === 3 ? '>3\r\n' : '*3\r\n';
  const count = conn.channels.size + conn.patterns.size;
  return (
    head + bulk(kind) + (target === null ? (conn.resp === 3 ? NULL3 : '$-1\r\n') : bulk(target)) + int(count)
  );
}

function subscribe(conn: SentinelConn, argv: string[], patterns: boolean): string {
  const set = patterns ? conn.patterns : conn.channels;
  let out = '';
  for (const t of argv.slice(1)) {
    set.add(t);
    out += subscriptionReply(conn, patterns ? 'psubscribe' : 'subscribe', t);
  }
  return out;
}

function unsubscribe(conn: SentinelConn, argv: string[], patterns: boolean): string {
  const set = patterns ? conn.patterns : conn.channels;
  const kind = patterns ? 'punsubscribe' : 'unsubscribe';
  const targets = argv.length > 1 ? argv.slice(1) : [...set];
  if (targets.length === 0) return subscriptionReply(conn, kind, null);
  let out = '';
  for (const t of targets) {
    set.delete(t);
    out += subscriptionReply(conn, kind, t);
  }
  return out;
}

function hello(host: SentinelHost, conn: SentinelConn, argv: string[]): string {
  let proto: number = conn.resp;
  if (argv.length > 1) {
    proto = Number(argv[1]);
    if (!/^-?\d+$/.test(argv[1])) return error('ERR Protocol version is not an integer or out of range');
    if (proto !== 2 && proto !== 3) return error('NOPROTO unsupported protocol version');
  }
  for (let i = 2; i < argv.length; i++) {
    const opt = argv[i].toLowerCase();
    if (opt === 'auth' && i + 2 < argv.length) {
      const r = auth(host, conn, argv[i + 1], argv[i + 2]);
      if (r !== OK) return r;
      i += 2;
    } else if (opt === 'setname' && i + 1 < argv.length) {
      const r = setName(conn, argv[i + 1]);
      if (r !== OK) return r;
      i += 1;
    } else return error(`ERR Syntax error in HELLO option '${argv[i]}'`);
  }
  if (!conn.authed)
    return error(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  conn.resp = proto as 2 | 3;
  const fs: Field[] = [
    ['server', 'redis'],
    ['version', SENTINEL_VERSION],
    ['proto', proto],
    ['id', conn.id],
    ['mode', 'sentinel'],
  ];
  let s = conn.resp === 3 ? `%${fs.length + 1}\r\n` : `*${(fs.length + 1) * 2}\r\n`;
  for (const [k, v] of fs) s += bulk(k) + (typeof v === 'number' ? int(v) : bulk(v));
  return s + bulk('modules') + '*0\r\n';
}

function auth(host: SentinelHost, conn: SentinelConn, user: string, pass: string, legacy = false): string {
  // Without a password the default user takes any (AUTH default <anything> is +OK, as in Redis); only
  // the one-argument form is refused, with Redis's hint.
  if (host.password === '' && legacy)
    return error(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
  if (user !== 'default' || (host.password !== '' && pass !== host.password)) {
    return error('WRONGPASS invalid username-password pair or user is disabled.');
  }
  conn.authed = true;
  return OK;
}

function setName(conn: SentinelConn, name: string): string {
  if (/[^!-~]/.test(name))
    return error('ERR Client names cannot contain spaces, newlines or special characters.');
  conn.name = name;
  return OK;
}

function client(conn: SentinelConn, argv: string[]): string {
  const sub = (argv[1] ?? '').toLowerCase();
  if (sub === 'setname' && argv.length === 3) return setName(conn, argv[2]);
  if (sub === 'getname' && argv.length === 2)
    return conn.name ? bulk(conn.name) : conn.resp === 3 ? NULL3 : '$-1\r\n';
  if (sub === 'id' && argv.length === 2) return int(conn.id);
  if (sub === 'setname' || sub === 'getname' || sub === 'id') return argsError(`client|${sub}`);
  return error(`ERR unknown subcommand '${argv[1] ?? ''}'. Try CLIENT HELP.`);
}

/** A command's name as Redis's errors give it: `sentinel|masters` for a subcommand. */
function fullName(argv: string[]): string {
  const cmd = argv[0].toLowerCase();
  return (cmd === 'sentinel' || cmd === 'client') && argv.length > 1
    ? `${cmd}|${argv[1].toLowerCase()}`
    : cmd;
}

const SUBSCRIBED_ALLOWED = new Set([
  'subscribe',
  'psubscribe',
  'unsubscribe',
  'punsubscribe',
  'ping',
  'quit',
  'reset',
]);

/** The reply (one or more RESP replies) to one command on one connection. */
export function handleCommand(host: SentinelHost, conn: SentinelConn, argv: string[]): string {
  const cmd = argv[0].toLowerCase();
  if (!conn.authed && cmd !== 'auth' && cmd !== 'hello' && cmd !== 'quit')
    return error('NOAUTH Authentication required.');
  const subscribed = conn.channels.size + conn.patterns.size > 0;
  if (subscribed && conn.resp === 2 && !SUBSCRIBED_ALLOWED.has(cmd))
    return error(
      `ERR Can't execute '${fullName(argv)}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    );
  switch (cmd) {
    case 'ping':
      if (argv.length > 2) return argsError('ping');
      if (subscribed && conn.resp === 2) return '*2\r\n' + bulk('pong') + bulk(argv[1] ?? '');
      return argv.length === 2 ? bulk(argv[1]) : '+PONG\r\n';
    case 'sentinel':
      if (argv.length < 2) return argsError('sentinel');
      return sentinel(host, conn, argv);
    case 'subscribe':
    case 'psubscribe':
      if (argv.length < 2) return argsError(cmd);
      return subscribe(conn, argv, cmd === 'psubscribe');
    case 'unsubscribe':
    case 'punsubscribe':
      return unsubscribe(conn, argv, cmd === 'punsubscribe');
    case 'hello':
      return hello(host, conn, argv);
    case 'auth':
      if (argv.length === 2) return auth(host, conn, 'default', argv[1], true);
      if (argv.length === 3) return auth(host, conn, argv[1], argv[2]);
      return error('ERR syntax error');
    case 'client':
      if (argv.length < 2) return argsError('client');
      return client(conn, argv);
    case 'role':
      if (argv.length !== 1) return argsError('role');
      return '*2\r\n' + bulk('sentinel') + array(host.registry.named().map((n) => bulk(n.name)));
    case 'info':
      if (argv.length > 2) return error('ERR syntax error');
      return info(host, argv[1] ?? '');
    case 'reset':
      conn.channels.clear();
      conn.patterns.clear();
      conn.name = '';
      conn.resp = 2;
      conn.authed = host.password === '';
      return '+RESET\r\n';
    case 'quit':
      conn.close = true;
      return OK;
    default:
      return error(
        `ERR unknown command '${argv[0]}', with args beginning with: ${argv
          .slice(1, 4)
          .map((a) => `'${a}' `)
          .join('')}`,
      );
  }
}

/** The Pub/Sub message(s) an event means for one connection: one per subscription it matches. */
export function deliver(conn: SentinelConn, e: SentinelEvent): string {
  let out = '';
  if (conn.channels.has(e.channel))
    out += (conn.resp === 3 ? '>3\r\n' : '*3\r\n') + bulk('message') + bulk(e.channel) + bulk(e.message);
  for (const p of conn.patterns)
    if (globMatch(p, e.channel))
      out +=
        (conn.resp === 3 ? '>4\r\n' : '*4\r\n') +
        bulk('pmessage') +
        bulk(p) +
        bulk(e.channel) +
        bulk(e.message);
  return out;
}

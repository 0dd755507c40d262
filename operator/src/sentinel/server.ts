// The Sentinel-compatible discovery endpoint (RESP2 over TCP, port 26379 by default): the subset of
// the Redis Sentinel protocol that clients use to find a master — PING, SENTINEL
// get-master-addr-by-name / master / masters / replicas (slaves) / sentinels / myid, SUBSCRIBE to
// +switch-master (published at the moment of promotion), CLIENT SETNAME/GETNAME, INFO, QUIT — so that
// Sentinel-aware clients follow a failover at once without any Sentinel pods.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { RespParser, ProtocolError } from '../../../node/src/protocol/parser.js';
import { bulk, command, error, int, NULL_ARRAY, OK } from '../../../node/src/protocol/reply.js';
import { REDIS_PORT } from '../api/types.js';
import type { ReplicationView, SentinelRegistry } from './registry.js';

const myId = randomBytes(20).toString('hex');

function flat(fields: [string, string | number][]): string {
  return command(fields.flatMap(([k, v]) => [k, String(v)]));
}

function masterFields(v: ReplicationView): [string, string | number][] {
  const m = v.master;
  return [
    ['name', `${v.namespace}/${v.name}`],
    ['ip', m?.ip ?? ''],
    ['port', REDIS_PORT],
    ['runid', m?.runId ?? ''],
    ['flags', !m ? 'master,disconnected' : v.masterDown ? 'master,s_down,o_down' : 'master'],
    ['link-pending-commands', 0],
    ['link-refcount', 1],
    ['down-after-milliseconds', v.downAfterMs],
    ['role-reported', 'master'],
    ['config-epoch', 0],
    ['num-slaves', v.replicas.length],
    ['num-other-sentinels', 0],
    ['quorum', 1],
    ['failover-timeout', 60000],
    ['parallel-syncs', 1],
  ];
}

function replicaFields(
  v: ReplicationView,
  r: ReplicationView['replicas'][number],
): [string, string | number][] {
  return [
    ['name', `${r.ip}:${REDIS_PORT}`],
    ['ip', r.ip],
    ['port', REDIS_PORT],
    ['runid', ''],
    ['flags', r.linkUp ? 'slave' : 'slave,disconnected'],
    ['link-pending-commands', 0],
    ['link-refcount', 1],
    ['role-reported', 'slave'],
    ['master-link-down-time', 0],
    ['master-link-status', r.linkUp ? 'ok' : 'err'],
    ['master-host', v.master?.ip ?? ''],
    ['master-port', REDIS_PORT],
    ['slave-priority', r.priority],
    ['slave-repl-offset', r.offset],
    ['replica-announced', 1],
  ];
}

function sentinelCommand(reg: SentinelRegistry, argv: string[]): string {
  const sub = (argv[1] ?? '').toLowerCase();
  const named = (): ReplicationView | string => {
    if (argv.length < 3) return error(`ERR wrong number of arguments for 'sentinel|${sub}' command`);
    return reg.find(argv[2]) ?? error('ERR No such master with that name');
  };
  switch (sub) {
    case 'get-master-addr-by-name': {
      if (argv.length !== 3)
        return error("ERR wrong number of arguments for 'sentinel|get-master-addr-by-name' command");
      const v = reg.find(argv[2]);
      return v?.master ? command([v.master.ip, String(REDIS_PORT)]) : NULL_ARRAY;
    }
    case 'masters': {
      const all = reg.all();
      return `*${all.length}\r\n` + all.map((v) => flat(masterFields(v))).join('');
    }
    case 'master': {
      const v = named();
      return typeof v === 'string' ? v : flat(masterFields(v));
    }
    case 'replicas':
    case 'slaves': {
      const v = named();
      if (typeof v === 'string') return v;
      return `*${v.replicas.length}\r\n` + v.replicas.map((r) => flat(replicaFields(v, r))).join('');
    }
    case 'sentinels': {
      const v = named();
      return typeof v === 'string' ? v : '*0\r\n';
    }
    case 'myid':
      return bulk(myId);
    default:
      return error(`ERR unknown subcommand '${argv[1] ?? ''}'. Try SENTINEL HELP.`);
  }
}

export function startSentinelServer(port: number, reg: SentinelRegistry, host = '0.0.0.0'): net.Server {
  const server = net.createServer((sock) => {
    const parser = new RespParser({ maxBulkLen: 1 << 20, maxQueryBuffer: 1 << 20 });
    const channels = new Set<string>();
    let name = '';
    let unsubscribe: (() => void) | undefined;
    const send = (s: string) => {
      if (!sock.destroyed) sock.write(s);
    };
    sock.on('error', () => {});
    sock.on('close', () => unsubscribe?.());
    sock.on('data', (chunk: Buffer) => {
      try {
        parser.feed(chunk);
        for (let argv = parser.next(); argv !== null; argv = parser.next()) {
          if (argv.length === 0) continue;
          const cmd = argv[0].toLowerCase();
          if (cmd === 'ping') send(channels.size ? command(['pong', '']) : '+PONG\r\n');
          else if (cmd === 'sentinel') send(sentinelCommand(reg, argv));
          else if (cmd === 'subscribe') {
            for (const ch of argv.slice(1)) {
              channels.add(ch);
              send(`*3\r\n${bulk('subscribe')}${bulk(ch)}${int(channels.size)}`);
            }
            unsubscribe ??= reg.onSwitch((msg) => {
              if (channels.has('+switch-master'))
                send(`*3\r\n${bulk('message')}${bulk('+switch-master')}${bulk(msg)}`);
            });
          } else if (cmd === 'unsubscribe') {
            const chs = argv.length > 1 ? argv.slice(1) : [...channels];
            for (const ch of chs) {
              channels.delete(ch);
              send(`*3\r\n${bulk('unsubscribe')}${bulk(ch)}${int(channels.size)}`);
            }
          } else if (cmd === 'client') {
            const sub = (argv[1] ?? '').toLowerCase();
            if (sub === 'setname') {
              name = argv[2] ?? '';
              send(OK);
            } else if (sub === 'getname') send(name ? bulk(name) : '$-1\r\n');
            else send(error(`ERR unknown subcommand '${argv[1] ?? ''}'.`));
          } else if (cmd === 'info') {
            const lines = [
              '# Server',
              'redis_mode:sentinel',
              'tsredis_operator:1',
              '',
              '# Sentinel',
              `sentinel_masters:${reg.all().length}`,
            ];
            reg
              .all()
              .forEach((v, i) =>
                lines.push(
                  `master${i}:name=${v.namespace}/${v.name},status=${v.master ? 'ok' : 'odown'},address=${v.master?.ip ?? ''}:${REDIS_PORT},slaves=${v.replicas.length},sentinels=1`,
                ),
              );
            send(bulk(lines.join('\r\n') + '\r\n'));
          } else if (cmd === 'quit') {
            send(OK);
            sock.end();
          } else
            send(
              error(
                `ERR unknown command '${argv[0]}', with args beginning with: ${argv
                  .slice(1, 4)
                  .map((a) => `'${a}' `)
                  .join('')}`,
              ),
            );
        }
      } catch (e) {
        if (e instanceof ProtocolError) send(error(`ERR Protocol error: ${e.message}`));
        sock.destroy();
      }
    });
  });
  server.listen(port, host);
  return server;
}

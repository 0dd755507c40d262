// The Sentinel-compatible discovery endpoint's sockets (RESP2/RESP3 over TCP, port 26379 by default):
// parses each connection's commands, answers them (sentinel/commands.ts) and delivers the registry's
// events to the connections subscribed to them, so Sentinel-aware clients find the master and follow a
// failover at once without any Sentinel pods. Every operator pod serves it (the leader from its
// reconciles, a standby from the RedisReplications' status).
import net from 'node:net';
import { RespParser, ProtocolError } from '../../../node/src/protocol/parser.js';
import { error } from '../../../node/src/protocol/reply.js';
import type { SentinelRegistry } from './registry.js';
import {
  deliver,
  handleCommand,
  newConn,
  type Peer,
  type SentinelConn,
  type SentinelHost,
} from './commands.js';

export interface SentinelOptions {
  /** This endpoint's Sentinel ID (40 hex characters). */
  myId: string;
  peers?: () => Peer[];
  /** Clients must AUTH with it ('' or absent: no password, as a Sentinel without requirepass). */
  password?: string;
  host?: string;
}

/** Replies queued past this for a client that does not read are a reason to drop it (1 MiB). */
const MAX_PENDING_OUTPUT = 1 << 20;

export function startSentinelServer(port: number, reg: SentinelRegistry, opts: SentinelOptions): net.Server {
  const conns = new Map<net.Socket, SentinelConn>();
  let nextId = 1;
  const host: SentinelHost = {
    registry: reg,
    myId: opts.myId,
    port,
    peers: opts.peers ?? (() => []),
    password: opts.password ?? '',
    now: Date.now,
    startedAt: Date.now(),
    connectedClients: () => conns.size,
  };
  const send = (sock: net.Socket, s: string): void => {
    if (s === '' || sock.destroyed) return;
    sock.write(s, 'latin1');
    if (sock.writableLength > MAX_PENDING_OUTPUT) sock.destroy();
  };
  const unsubscribe = reg.onEvent((e) => {
    for (const [sock, conn] of conns) send(sock, deliver(conn, e));
  });
  const server = net.createServer((sock) => {
    const parser = new RespParser({ maxBulkLen: 1 << 20, maxQueryBuffer: 1 << 20 });
    const conn = newConn(nextId++, host);
    conns.set(sock, conn);
    sock.setNoDelay(true);
    sock.on('error', () => {});
    sock.on('close', () => conns.delete(sock));
    sock.on('data', (chunk: Buffer) => {
      try {
        parser.feed(chunk);
        for (let argv = parser.next(); argv !== null; argv = parser.next()) {
          if (argv.length === 0) continue;
          send(sock, handleCommand(host, conn, argv));
          if (conn.close) {
            sock.end();
            return;
          }
        }
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        send(sock, error(`ERR Protocol error: ${e.message}`));
        sock.end();
      }
    });
  });
  server.on('close', unsubscribe);
  server.listen(port, opts.host ?? '0.0.0.0');
  return server;
}

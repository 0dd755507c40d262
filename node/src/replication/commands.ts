// Replication commands: REPLICAOF/SLAVEOF, REPLCONF, PSYNC/SYNC, WAIT, ROLE, FAILOVER.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import type { Client } from '../server/client.js';
import { RedisError } from '../store/errors.js';
import { argInt } from '../commands/util.js';
import type { Replication } from './replication.js';

export function replicationCommands(repl: Replication): CommandSpec[] {
  const cl = (c: Ctx): Client => c as Client;

  function replicaof(c: Ctx, argv: string[]): void {
    const client = cl(c);
    if (repl.failover.state !== 'no-failover')
      throw new RedisError('ERR REPLICAOF not allowed while failing over.');
    if (argv[1].toLowerCase() === 'no' && argv[2].toLowerCase() === 'one') {
      if (repl.replica !== null || repl.masterless) {
        repl.promote();
        client.server.config.set('replicaof', [], false);
      }
      return c.ok();
    }
    if (client.isReplica) throw new RedisError('ERR Command is not valid when client is a replica.');
    const port = argInt(argv[2], 'ERR Invalid master port');
    if (port < 0 || port > 65535) throw new RedisError('ERR Invalid master port');
    if (repl.replica !== null && repl.replica.host === argv[1] && repl.replica.port === port) {
      return c.simple('OK Already connected to specified master');
    }
    repl.setMaster(argv[1], port);
    client.server.config.set('replicaof', [argv[1], String(port)], false);
    c.ok();
  }

  function replconf(c: Ctx, argv: string[]): void {
    const client = cl(c);
    if (argv.length % 2 === 0) throw new RedisError('ERR syntax error');
    if (client.isMaster) {
      if (argv[1].toLowerCase() === 'getack') repl.replica?.sendAck();
      return;
    }
    if (!repl.master.replconf(client, argv)) c.ok();
  }

  /** A PSYNC ... FAILOVER from our master hands us its role (when it follows our history). */
  function takeOverFromFailover(client: Client, argv: string[]): void {
    if (argv.length <= 3 || argv[3].toLowerCase() !== 'failover') return;
    if (argv[1].toLowerCase() !== repl.state.replid) {
      throw new RedisError('ERR PSYNC FAILOVER replid must match my replid.');
    }
    repl.promote(`failover request from 'id=${client.id} addr=${client.addr}'`);
  }

  function refuseWhileFailingOver(): void {
    if (repl.failover.state !== 'no-failover') {
      throw new RedisError("NOMASTERLINK Can't SYNC while failing over");
    }
  }

  function psync(c: Ctx, argv: string[]): void {
    const client = cl(c);
    if (client.isMaster) throw new RedisError("ERR Replica can't interact with the keyspace");
    takeOverFromFailover(client, argv);
    refuseWhileFailingOver();
    if (client.server.replicaMode && !repl.replica?.linkUp) {
      throw new RedisError("NOMASTERLINK Can't SYNC while not connected with my master");
    }
    const offset = Number(argv[2]);
    repl.master.psync(client, argv[1], Number.isFinite(offset) ? offset : -1, true);
  }

  function sync(c: Ctx): void {
    const client = cl(c);
    refuseWhileFailingOver();
    if (client.server.replicaMode && !repl.replica?.linkUp) {
      throw new RedisError("NOMASTERLINK Can't SYNC while not connected with my master");
    }
    repl.master.psync(client, '?', -1, false);
  }

  function wait(c: Ctx, argv: string[]): void {
    const client = cl(c);
    if (client.server.replicaMode) {
      throw new RedisError(
        'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
      );
    }
    const n = argInt(argv[1]);
    const timeout = argInt(argv[2], 'ERR timeout is not an integer or out of range');
    if (timeout < 0) throw new RedisError('ERR timeout is negative');
    repl.master.wait(client, n, timeout, client.woff);
  }

  function role(c: Ctx): void {
    if (repl.masterless) {
      // A replica with no master yet: Redis's REPL_STATE_NONE.
      c.arrayLen(5);
      c.bulk('slave');
      c.bulk('');
      c.int(0);
      c.bulk('none');
      c.int(-1);
      return;
    }
    const r = repl.replica;
    if (r !== null) {
      c.arrayLen(5);
      c.bulk('slave');
      c.bulk(r.host);
      c.int(r.port);
      c.bulk(r.status);
      c.int(r.linkUp ? repl.state.offset : -1);
      return;
    }
    const online = [...repl.master.links].filter((l) => l.state === 'online');
    c.arrayLen(3);
    c.bulk('master');
    c.int(repl.state.offset);
    c.arrayLen(online.length);
    for (const l of online) c.bulks([l.ip, String(l.listeningPort), String(l.ackOffset)]);
  }

  function failover(c: Ctx, argv: string[]): void {
    repl.failover.start(argv, cl(c).server.replicaMode);
    c.ok();
  }

  const K0: [number, number, number] = [0, 0, 0];
  return [
    // Allowed inside MULTI, as in Redis 7.0: the operator reads INFO and moves a replica in one
    // transaction, so it knows exactly where the replica stopped in its old master's stream.
    cmd('replicaof', 3, ['admin', 'noscript', 'stale'], K0, 'server', replicaof),
    cmd('slaveof', 3, ['admin', 'noscript', 'stale'], K0, 'server', replicaof),
    cmd('replconf', -1, ['admin', 'noscript', 'loading', 'stale', 'allow_busy'], K0, 'server', replconf),
    cmd('psync', -3, ['admin', 'noscript', 'no_multi'], K0, 'server', psync),
    cmd('sync', 1, ['admin', 'noscript', 'no_multi'], K0, 'server', sync),
    cmd('wait', 3, ['noscript'], K0, 'connection', wait),
    cmd('role', 1, ['noscript', 'loading', 'stale', 'fast'], K0, 'server', role),
    cmd('failover', -1, ['admin', 'noscript', 'stale'], K0, 'server', failover),
  ];
}

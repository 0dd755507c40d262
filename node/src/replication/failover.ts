// Coordinated failover (FAILOVER, Redis 7.0): the master pauses writes, waits until a replica has
// acknowledged its whole stream, turns itself into a replica of that replica and asks it, with
// `PSYNC <replid> <offset> FAILOVER`, to become the master. This module owns the state machine
// (no-failover → waiting-for-sync → failover-in-progress → no-failover), the argument checks with
// Redis's error texts, and the replica side's answer to a PSYNC ... FAILOVER.
import { RedisError } from '../store/errors.js';
import { argInt } from '../commands/util.js';
import type { Server } from '../server/server.js';
import type { MasterSide, ReplicaLink } from './master.js';

export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

/** FAILOVER's arguments, parsed as Redis parses them (each option once, in any order). */
export interface FailoverRequest {
  abort: boolean;
  host: string | null;
  port: number;
  timeoutMs: number;
  force: boolean;
}

const SYNTAX = 'ERR syntax error';

/** Pure: FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]; throws Redis's reply for bad input. */
export function parseFailover(argv: string[]): FailoverRequest {
  const req: FailoverRequest = { abort: false, host: null, port: 0, timeoutMs: 0, force: false };
  // ABORT is only valid alone; with anything else it is a syntax error, as in Redis.
  if (argv.length === 2 && argv[1].toLowerCase() === 'abort') return { ...req, abort: true };
  for (let j = 1; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'timeout' && j + 1 < argv.length && req.timeoutMs === 0) {
      req.timeoutMs = argInt(argv[j + 1]);
      if (req.timeoutMs <= 0) throw new RedisError('ERR FAILOVER timeout must be greater than 0');
      j++;
    } else if (opt === 'to' && j + 2 < argv.length && req.host === null) {
      req.port = argInt(argv[j + 2]);
      req.host = argv[j + 1];
      j += 2;
    } else if (opt === 'force' && !req.force) {
      req.force = true;
    } else throw new RedisError(SYNTAX);
  }
  return req;
}

/** What the failover needs from the node's replication: its role changes. */
export interface RoleControl {
  /** Become a replica of host:port, continuing our own history (PSYNC with our replid). */
  followTarget(host: string, port: number): void;
  /** Become a master again (REPLICAOF NO ONE), because the failover was aborted after demotion. */
  resumeMaster(why: string): void;
}

export class Failover {
  state: FailoverState = 'no-failover';
  private targetHost: string | null = null;
  private targetPort = 0;
  private endTime = 0;
  private force = false;

  constructor(
    private readonly server: Server,
    private readonly master: MasterSide,
    private readonly roles: RoleControl,
  ) {}

  /** While waiting for the sync, the stream must not grow: no PING, no GETACK (Redis's pause). */
  get holdsStream(): boolean {
    return this.state === 'waiting-for-sync';
  }

  /** The PSYNC we send to our new master must carry FAILOVER. */
  get inProgress(): boolean {
    return this.state === 'failover-in-progress';
  }

  /** FAILOVER, on the master. Throws Redis's error replies; the caller answers +OK. */
  start(argv: string[], replicaMode: boolean): void {
    const req = parseFailover(argv);
    if (req.abort) {
      if (this.state === 'no-failover') throw new RedisError('ERR No failover in progress.');
      this.abort('Failover manually aborted');
      return;
    }
    if (this.state !== 'no-failover') throw new RedisError('ERR FAILOVER already in progress.');
    if (replicaMode) throw new RedisError('ERR FAILOVER is not valid when server is a replica.');
    if (this.master.links.size === 0) throw new RedisError('ERR FAILOVER requires connected replicas.');
    if (req.force && (req.timeoutMs === 0 || req.host === null)) {
      throw new RedisError('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
    }
    const log = this.server.log;
    if (req.host !== null) {
      const replica = this.findReplica(req.host, req.port);
      if (replica === undefined) throw new RedisError('ERR FAILOVER target HOST and PORT is not a replica.');
      if (replica.state !== 'online') throw new RedisError('ERR FAILOVER target replica is not online.');
      this.targetHost = req.host;
      this.targetPort = req.port;
      log.notice(`FAILOVER requested to ${req.host}:${req.port}.`);
    } else log.notice('FAILOVER requested to any replica.');
    this.endTime = req.timeoutMs > 0 ? Date.now() + req.timeoutMs : 0;
    this.force = req.force;
    this.state = 'waiting-for-sync';
    this.server.pauseClients(Number.MAX_SAFE_INTEGER, true, 'failover');
  }

  /** Called by the replication cron and on every REPLCONF ACK: has the target caught up? */
  update(offset: number): void {
    if (this.state !== 'waiting-for-sync') return;
    const log = this.server.log;
    if (this.endTime !== 0 && this.endTime <= Date.now()) {
      if (this.force && this.targetHost !== null) {
        log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} time out exceeded, failing over.`);
        this.failOverTo(this.targetHost, this.targetPort);
      } else this.abort('Replica never caught up before timeout');
      return;
    }
    let replica: ReplicaLink | undefined;
    if (this.targetHost !== null) replica = this.findReplica(this.targetHost, this.targetPort);
    else {
      for (const l of this.master.links) {
        if (l.ackOffset === offset) {
          replica = l;
          this.targetHost = l.ip;
          this.targetPort = l.listeningPort;
          break;
        }
      }
    }
    if (replica !== undefined && replica.ackOffset === offset && this.targetHost !== null) {
      log.notice(`Failover target ${this.targetHost}:${this.targetPort} is synced, failing over.`);
      this.failOverTo(this.targetHost, this.targetPort);
    }
  }

  private failOverTo(host: string, port: number): void {
    this.state = 'failover-in-progress';
    this.roles.followTarget(host, port);
  }

  /** The target answered our PSYNC ... FAILOVER: accepted (+CONTINUE / +FULLRESYNC) or not. */
  psyncAnswered(accepted: boolean): void {
    if (this.state !== 'failover-in-progress') return;
    if (accepted) this.clear();
    else this.abort('Failover target rejected psync request');
  }

  abort(why: string): void {
    if (this.state === 'no-failover') return;
    const log = this.server.log;
    if (this.targetHost !== null)
      log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} aborted: ${why}`);
    else log.notice(`FAILOVER to any replica aborted: ${why}`);
    // Back to master before the held writes run (they run on a later turn, after the unpause).
    if (this.state === 'failover-in-progress') this.roles.resumeMaster(why);
    this.clear();
  }

  private clear(): void {
    this.state = 'no-failover';
    this.targetHost = null;
    this.targetPort = 0;
    this.endTime = 0;
    this.force = false;
    this.server.unpauseClients('failover');
  }

  /** A replica by its announced (or peer) address and listening port, as Redis's findReplica. */
  private findReplica(host: string, port: number): ReplicaLink | undefined {
    const h = host.toLowerCase();
    for (const l of this.master.links) if (l.ip.toLowerCase() === h && l.listeningPort === port) return l;
    return undefined;
  }
}

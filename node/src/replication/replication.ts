// Replication: ties the master and replica sides to a server — the propagation hook, role changes
// (REPLICAOF host port / NO ONE with Redis's ID shifts), the write refusals (READONLY, MASTERDOWN,
// NOREPLICAS), the cron, INFO replication and ROLE.
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { F_WRITE, F_STALE, F_LOADING } from '../server/command.js';
import { MasterSide, type SnapshotSource } from './master.js';
import { ReplicaSide, type RdbFileLoader } from './replica.js';
import { ReplState } from './state.js';
import { Failover } from './failover.js';

export class Replication {
  readonly state = new ReplState();
  readonly master: MasterSide;
  replica: ReplicaSide | null = null;
  readonly failover: Failover;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly server: Server,
    snapshots: SnapshotSource,
    private readonly loader: RdbFileLoader,
  ) {
    this.master = new MasterSide(server, this.state, snapshots);
    this.failover = new Failover(server, this.master, {
      followTarget: (host, port) => this.setMaster(host, port, 'failover'),
      resumeMaster: () => this.promote('failover aborted'),
    });
    this.master.streamHeld = () => this.failover.holdsStream;
    this.master.onAck = () => this.failover.update(this.state.offset);
    server.propagation.push((dbId, argv) => {
      if (!server.replicaMode) this.master.feedCommand(dbId, argv);
    });
    server.clientCloseHooks.push((c) => this.master.forget(c));
    server.preShutdownHooks.push(() => this.letReplicasCatchUp());
    server.refusalHooks.push((c, _spec, bits) => this.refusal(c, bits));
    server.replicationInfo = () => this.infoLines();
    server.currentReplOffset = () => this.state.offset;
    server.replicaLinkUp = () => this.replica?.linkUp === true;
    server.minReplicasRefusal = () => {
      const min = server.config.getInt('min-replicas-to-write');
      return !server.replicaMode && min > 0 && this.master.goodReplicas() < min
        ? 'NOREPLICAS Not enough good replicas to write.'
        : null;
    };
    server.replicationMemory = () => {
      let replicas = 0;
      for (const l of this.master.links) replicas += l.outputBytes();
      return { backlog: this.state.backlog?.size ?? 0, replicas };
    };
    server.config.onChange((name, value) => {
      if (name === 'repl-backlog-size' && this.state.backlog !== null)
        this.state.backlog.resize(Number(value));
    });
  }

  start(): void {
    const cfg = this.server.config.get('replicaof');
    if (cfg !== '') {
      const [host, port] = cfg.split(/\s+/);
      if (host.toLowerCase() !== 'no') this.setMaster(host, Number(port));
    } else if (this.server.config.getBool('start-masterless')) {
      this.server.replicaMode = true;
      this.server.log.role = 'S';
      this.server.log.notice(
        'Starting as a replica without a master (start-masterless): read-only until REPLICAOF',
      );
    }
    this.timer = setInterval(() => this.cron(), 100);
    this.timer.unref();
  }

  /**
   * Shutdown of a master with replicas, as in Redis 7: writes are paused and the replicas get up to
   * shutdown-timeout seconds to acknowledge the whole stream, so that no write a client saw
   * acknowledged by WAIT is missing from every replica when the master is gone.
   */
  private async letReplicasCatchUp(): Promise<void> {
    const timeoutMs = this.server.config.getInt('shutdown-timeout') * 1000;
    if (this.server.replicaMode || timeoutMs === 0 || this.master.onlineReplicas() === 0) return;
    const log = this.server.log;
    log.notice('Waiting for replicas before shutting down.');
    this.server.pauseClients(timeoutMs + 60_000, true, 'shutdown'); // held until the process exits
    const all = this.master.onlineReplicas();
    const behind = await this.master.waitAllAcked(this.state.offset, timeoutMs);
    for (const l of behind)
      log.warning(
        `Lagging replica ${l.ip}:${l.listeningPort} reported offset ${l.ackOffset} behind master, lag=${Math.round((Date.now() - l.ackTime) / 1000)}, state=online.`,
      );
    log.notice(`${all - behind.length} of ${all} replicas are in sync when shutting down.`);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.replica?.stop();
    this.master.disconnectAll('shutdown');
  }

  private lastSecondCron = 0;

  private cron(): void {
    const now = Date.now();
    this.failover.update(this.state.offset);
    this.master.fastCron(this.server.replicaMode);
    if (now - this.lastSecondCron < 1000) return;
    this.lastSecondCron = now;
    this.replica?.cron();
    this.master.cron(this.server.replicaMode);
  }

  /** REPLICAOF host port, or the demotion step of a FAILOVER (our PSYNC then carries FAILOVER). */
  setMaster(host: string, port: number, why: 'user' | 'failover' = 'user'): void {
    const wasMaster = !this.server.replicaMode;
    if (this.replica !== null) {
      if (this.replica.host === host && this.replica.port === port) return;
      this.replica.stop();
    }
    this.server.replicaMode = true;
    this.server.log.role = 'S';
    // Our replicas must follow the new history; they will PSYNC with us again.
    this.master.disconnectAll('role change');
    const r = new ReplicaSide(this.server, this.state, this.master, this.loader, host, port);
    // A former master continues its own history: PSYNC <our replid> <our offset + 1> to the new master.
    r.psyncable = wasMaster
      ? this.state.backlog !== null || this.state.offset > 0
      : (this.replica?.psyncable ?? this.loadedHistory);
    if (!wasMaster || this.loadedHistory) r.streamDb = this.loadedStreamDb;
    if (why === 'failover') r.onFailoverPsync = (accepted) => this.failover.psyncAnswered(accepted);
    this.replica = r;
    if (why === 'user')
      this.server.log.notice(`REPLICAOF ${host}:${port} enabled (user request from client)`);
    r.connect();
  }

  /** Set by persistence when the RDB loaded at start carried a replication ID and offset. */
  loadedHistory = false;
  /** repl-stream-db from that RDB: the db our master's stream had selected. */
  loadedStreamDb = 0;

  /** Started with start-masterless and not yet given a role. */
  get masterless(): boolean {
    return this.server.replicaMode && this.replica === null;
  }

  /** REPLICAOF NO ONE (or a failover's end): become a master, keeping data, shifting replication IDs. */
  promote(why = 'user request from client'): void {
    if (this.replica === null && !this.masterless) return;
    this.replica?.stop();
    this.replica = null;
    this.server.replicaMode = false;
    this.server.log.role = 'M';
    this.state.shiftReplId();
    this.state.ensureBacklog(this.server.config.getInt('repl-backlog-size'));
    this.master.seldb = -1;
    this.master.disconnectAll('promoted to master');
    this.server.log.notice(
      `Setting secondary replication ID to ${this.state.replid2}, valid up to offset: ${this.state.secondReplOffset}. New replication ID is ${this.state.replid}`,
    );
    this.server.log.notice(`MASTER MODE enabled (${why})`);
  }

  private refusal(c: Client, bits: number): string | null {
    const s = this.server;
    const isWrite = (bits & F_WRITE) !== 0;
    if (s.replicaMode) {
      if (this.replica?.loading === true && !c.isMaster && (bits & F_LOADING) === 0) {
        return 'LOADING Redis is loading the dataset in memory';
      }
      if (isWrite && !c.isMaster && s.config.getBool('replica-read-only')) {
        return "READONLY You can't write against a read only replica.";
      }
      if (
        !c.isMaster &&
        (bits & F_STALE) === 0 &&
        !s.config.getBool('replica-serve-stale-data') &&
        !this.replica?.linkUp
      ) {
        return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
      }
      return null;
    }
    if (isWrite && !c.isMaster) {
      const min = s.config.getInt('min-replicas-to-write');
      if (min > 0 && this.master.goodReplicas() < min) return 'NOREPLICAS Not enough good replicas to write.';
    }
    return null;
  }

  infoLines(): string[] {
    const s = this.server;
    const st = this.state;
    const lines: string[] = [];
    const r = this.replica;
    if (r !== null) {
      const up = r.linkUp;
      lines.push(
        'role:slave',
        `master_host:${r.host}`,
        `master_port:${r.port}`,
        `master_link_status:${up ? 'up' : 'down'}`,
        `master_last_io_seconds_ago:${up ? Math.floor((Date.now() - r.lastIo) / 1000) : -1}`,
        `master_sync_in_progress:${r.syncInProgress ? 1 : 0}`,
        `slave_read_repl_offset:${st.offset}`,
        `slave_repl_offset:${st.offset}`,
      );
      if (r.syncInProgress) {
        const t = r.transfer;
        lines.push(
          `master_sync_total_bytes:${t.total}`,
          `master_sync_read_bytes:${t.read}`,
          `master_sync_left_bytes:${t.total < 0 ? -1 : t.total - t.read}`,
          `master_sync_perc:${t.total <= 0 ? '0.00' : ((t.read * 100) / t.total).toFixed(2)}`,
          `master_sync_last_io_seconds_ago:${Math.floor((Date.now() - r.lastIo) / 1000)}`,
        );
      }
      if (!up)
        lines.push(`master_link_down_since_seconds:${Math.floor((Date.now() - r.linkDownSince) / 1000)}`);
      lines.push(
        `slave_priority:${s.config.getInt('replica-priority')}`,
        `slave_read_only:${s.config.getBool('replica-read-only') ? 1 : 0}`,
        `replica_announced:${s.config.getBool('replica-announced') ? 1 : 0}`,
      );
    } else if (this.masterless) {
      lines.push(
        'role:slave',
        'master_host:',
        'master_port:0',
        'master_link_status:down',
        'master_last_io_seconds_ago:-1',
        'master_sync_in_progress:0',
        `slave_read_repl_offset:${st.offset}`,
        `slave_repl_offset:${st.offset}`,
        'master_link_down_since_seconds:-1',
        `slave_priority:${s.config.getInt('replica-priority')}`,
        `slave_read_only:${s.config.getBool('replica-read-only') ? 1 : 0}`,
        `replica_announced:${s.config.getBool('replica-announced') ? 1 : 0}`,
      );
    } else lines.push('role:master');
    lines.push(`connected_slaves:${this.master.links.size}`);
    if (!s.replicaMode && s.config.getInt('min-replicas-to-write') > 0) {
      lines.push(`min_slaves_good_slaves:${this.master.goodReplicas()}`);
    }
    lines.push(...this.master.infoLines());
    const b = st.backlog;
    lines.push(
      `master_failover_state:${this.failover.state}`,
      `master_replid:${st.replid}`,
      `master_replid2:${st.replid2}`,
      `master_repl_offset:${st.offset}`,
      `second_repl_offset:${st.secondReplOffset}`,
      `repl_backlog_active:${b === null ? 0 : 1}`,
      `repl_backlog_size:${s.config.getInt('repl-backlog-size')}`,
      `repl_backlog_first_byte_offset:${b === null ? 0 : b.firstByteOffset}`,
      `repl_backlog_histlen:${b === null ? 0 : b.histlen}`,
    );
    return lines;
  }
}

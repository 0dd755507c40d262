// MasterSide: serving replicas — the replication stream (SELECT emission, backlog feeding), PSYNC
// partial and full resynchronisation (disk and diskless framing, buffering writes during the
// transfer), REPLCONF ACK tracking, WAIT, min-replicas-to-write, pings, timeouts and output limits.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as R from '../protocol/reply.js';
import { parseOutputLimits } from '../config/output-limits.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { ReplState } from './state.js';

export type LinkState = 'wait_bgsave' | 'send_bulk' | 'wait_ack' | 'online';

export class ReplicaLink {
  state: LinkState = 'wait_bgsave';
  /** Stream bytes produced after +FULLRESYNC and not yet sent (latin1 strings). */
  pending: string[] = [];
  pendingBytes = 0;
  ackOffset = 0;
  ackTime = Date.now();
  listeningPort = 0;
  announcedIp = '';
  capaEof = false;
  capaPsync2 = false;
  /** Asked with SYNC (before PSYNC existed, as redis-cli --replica does): the payload comes unannounced. */
  prePsync = false;
  /** When the output went over the soft limit (ms), or 0. */
  softLimitSince = 0;
  /** The RDB payload ($<len> or $EOF:) has started: no keepalive newlines may be sent any more. */
  payloadStarted = false;

  constructor(readonly client: Client) {}

  get ip(): string {
    if (this.announcedIp !== '') return this.announcedIp;
    return (this.client.socket?.remoteAddress ?? '').replace(/^::ffff:/, '');
  }

  send(s: string | Buffer): void {
    const sock = this.client.socket;
    if (sock === null || sock.destroyed) return;
    if (typeof s === 'string') sock.write(s, 'latin1');
    else sock.write(s);
  }

  outputBytes(): number {
    return this.pendingBytes + (this.client.socket?.writableLength ?? 0);
  }
}

export interface SnapshotSource {
  /** True while another snapshot (BGSAVE) runs; replication waits for it. */
  busy(): boolean;
  /**
   * Starts a point-in-time snapshot streamed to sink; resolves when the last byte was produced.
   * paused() lets the snapshot wait for slow sockets.
   */
  stream(sink: (chunk: Buffer) => void, paused: () => boolean): Promise<void>;
}

interface Waiter {
  client: Client;
  target: number;
  needed: number;
  timer: NodeJS.Timeout | null;
}

export class MasterSide {
  readonly links = new Set<ReplicaLink>();
  private byClient = new Map<Client, ReplicaLink>();
  /** The db the stream last SELECTed (-1: none, forces SELECT). */
  seldb = -1;
  private syncRunning = false;
  private syncScheduled: NodeJS.Timeout | null = null;
  private waiters: Waiter[] = [];
  private getackQueued = false;
  private lastGetack = 0;
  private lastPing = Date.now();

  constructor(
    private readonly server: Server,
    private readonly state: ReplState,
    private readonly snapshots: SnapshotSource,
  ) {}

  private cfg(name: string): number {
    return this.server.config.getInt(name);
  }

  linkOf(c: Client): ReplicaLink | undefined {
    return this.byClient.get(c);
  }

  // ---- the stream ----

  /** A write executed on this master: append SELECT if needed and the command to the stream. */
  feedCommand(dbId: number, argv: string[]): void {
    if (this.state.backlog === null && this.links.size === 0) return;
    let s = '';
    if (dbId !== this.seldb) {
      s += R.command(['SELECT', String(dbId)]);
      this.seldb = dbId;
    }
    s += R.command(argv);
    this.feedRaw(s);
  }

  /** Appends raw stream bytes (also used verbatim by a replica proxying its master's stream). */
  feedRaw(s: string): void {
    this.state.ensureBacklog(this.cfg('repl-backlog-size')).feed(s);
    for (const l of this.links) {
      if (l.state === 'online') l.send(s);
      else if (l.state !== 'wait_bgsave') {
        l.pending.push(s);
        l.pendingBytes += s.length;
      }
    }
  }

  // ---- handshake commands ----

  replconf(c: Client, argv: string[]): boolean {
    // Returns false if the caller should reply OK.
    let link = this.byClient.get(c);
    for (let i = 1; i + 1 < argv.length; i += 2) {
      const opt = argv[i].toLowerCase();
      const val = argv[i + 1];
      if (opt === 'ack') {
        if (link === undefined) return true;
        const off = Number(val);
        if (Number.isFinite(off) && off > link.ackOffset) link.ackOffset = off;
        link.ackTime = Date.now();
        if (link.state === 'wait_ack') this.goOnline(link);
        this.checkWaiters();
        this.onAck();
        return true; // never replied to
      }
      if (opt === 'getack') return true;
      link ??= this.pendingLink(c);
      if (opt === 'listening-port') link.listeningPort = Number(val);
      else if (opt === 'ip-address') link.announcedIp = val;
      else if (opt === 'capa') {
        if (val.toLowerCase() === 'eof') link.capaEof = true;
        if (val.toLowerCase() === 'psync2') link.capaPsync2 = true;
      } else if (opt === 'rdb-only' || opt === 'rdb-filter-only') continue;
      else {
        c.error(`ERR Unrecognized REPLCONF option: ${argv[i]}`);
        return true;
      }
    }
    return false;
  }

  /** Options given by REPLCONF before PSYNC, kept until the link is made. */
  private preLinks = new Map<Client, ReplicaLink>();

  private pendingLink(c: Client): ReplicaLink {
    let l = this.preLinks.get(c);
    if (l === undefined) {
      l = new ReplicaLink(c);
      this.preLinks.set(c, l);
    }
    return l;
  }

  /** PSYNC <replid> <offset> (or SYNC when psync is false). */
  psync(c: Client, id: string, offset: number, psync: boolean): void {
    if (this.byClient.has(c)) return; // already a replica link: ignore
    c.flush(); // replies to the pipelined handshake must precede the PSYNC answer
    const link = this.preLinks.get(c) ?? new ReplicaLink(c);
    this.preLinks.delete(c);
    c.isReplica = true;
    c.silent = false;
    link.prePsync = !psync;
    this.byClient.set(c, link);
    this.links.add(link);
    this.state.ensureBacklog(this.cfg('repl-backlog-size'));
    const log = this.server.log;
    const who = `${link.ip}:${link.listeningPort}`;
    if (psync && id !== '?' && this.state.canPartial(id, offset)) {
      const backlog = this.state.backlog;
      if (backlog === null) throw new Error('backlog vanished');
      c.write(link.capaPsync2 ? `+CONTINUE ${this.state.replid}\r\n` : '+CONTINUE\r\n');
      c.flush();
      c.silent = true;
      const data = backlog.readFrom(offset);
      link.send(data);
      link.state = 'online';
      link.ackOffset = offset - 1;
      this.server.replStats.syncPartialOk++;
      log.notice(
        `Partial resynchronization request from ${who} accepted. Sending ${data.length} bytes of backlog starting from offset ${offset}.`,
      );
      return;
    }
    if (psync && id !== '?') {
      this.server.replStats.syncPartialErr++;
      if (id !== this.state.replid && id !== this.state.replid2) {
        log.notice(
          `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${id}', my replication IDs are '${this.state.replid}' and '${this.state.replid2}')`,
        );
      } else {
        log.notice(
          `Unable to partial resync with replica ${who} for lack of backlog (Replica request was: ${offset}).`,
        );
      }
    }
    log.notice(`Replica ${who} asks for synchronization; starting full resynchronization`);
    this.server.replStats.syncFull++;
    link.state = 'wait_bgsave';
    c.silent = true;
    this.scheduleFullSync();
  }

  private scheduleFullSync(): void {
    if (this.syncRunning || this.syncScheduled !== null) return;
    // The diskless delay (time for more replicas to join one transfer) applies only when the payload can
    // go to the sockets: a replica that cannot read an EOF-marked payload gets a file at once.
    const waiting = [...this.links].filter((l) => l.state === 'wait_bgsave');
    const diskless = this.server.config.getBool('repl-diskless-sync') && waiting.every((l) => l.capaEof);
    const delay = diskless ? this.cfg('repl-diskless-sync-delay') * 1000 : 0;
    this.syncScheduled = setTimeout(() => {
      this.syncScheduled = null;
      this.startFullSync();
    }, delay);
  }

  private startFullSync(): void {
    const waiting = [...this.links].filter((l) => l.state === 'wait_bgsave');
    if (waiting.length === 0) return;
    if (this.snapshots.busy()) {
      this.syncScheduled = setTimeout(() => {
        this.syncScheduled = null;
        this.startFullSync();
      }, 100);
      return;
    }
    const diskless = this.server.config.getBool('repl-diskless-sync');
    const offset = this.state.offset;
    this.seldb = -1; // the replica starts with no selected db
    for (const l of waiting) {
      l.state = 'send_bulk';
      l.payloadStarted = false;
      l.pending = [];
      l.pendingBytes = 0;
      if (!l.prePsync) l.send(`+FULLRESYNC ${this.state.replid} ${offset}\r\n`);
    }
    const useEof = diskless && waiting.every((l) => l.capaEof);
    this.syncRunning = true;
    this.server.log.notice(
      `Starting BGSAVE for SYNC with target: ${useEof ? 'replicas sockets' : 'disk'} (${waiting.length} replica(s))`,
    );
    const done = useEof ? this.streamDiskless(waiting) : this.streamViaDisk(waiting);
    done
      .catch((e: Error) => {
        this.server.log.warning(`Full resync failed: ${e.message}`);
        for (const l of waiting) if (l.state === 'send_bulk') this.drop(l, 'full sync failed');
      })
      .finally(() => {
        this.syncRunning = false;
        if ([...this.links].some((l) => l.state === 'wait_bgsave')) this.scheduleFullSync();
      });
  }

  private async streamDiskless(links: ReplicaLink[]): Promise<void> {
    const mark = randomBytes(20).toString('hex');
    for (const l of links) {
      l.payloadStarted = true;
      l.send(`$EOF:${mark}\r\n`);
    }
    const alive = (): ReplicaLink[] => links.filter((l) => this.links.has(l));
    await this.snapshots.stream(
      (chunk) => {
        for (const l of alive()) l.send(chunk);
      },
      () => alive().some((l) => (l.client.socket?.writableLength ?? 0) > 8 * 1024 * 1024),
    );
    for (const l of alive()) {
      l.send(mark);
      l.state = 'wait_ack';
      this.server.log.notice(
        `Streamed RDB transfer with replica ${l.ip}:${l.listeningPort} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`,
      );
    }
  }

  private async streamViaDisk(links: ReplicaLink[]): Promise<void> {
    const dir = this.server.config.get('dir');
    const tmp = path.join(dir, `temp-repl-${process.pid}-${Date.now()}.rdb`);
    const fd = fs.openSync(tmp, 'w');
    try {
      await this.snapshots.stream(
        (chunk) => {
          fs.writeSync(fd, chunk);
        },
        () => false,
      );
      fs.closeSync(fd);
      const data = fs.readFileSync(tmp);
      for (const l of links) {
        if (!this.links.has(l)) continue;
        l.payloadStarted = true;
        l.send(`$${data.length}\r\n`);
        l.send(data);
        this.server.log.notice(`Synchronization with replica ${l.ip}:${l.listeningPort} succeeded`);
        this.goOnline(l);
      }
    } finally {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
      fs.rmSync(tmp, { force: true });
    }
  }

  private goOnline(l: ReplicaLink): void {
    for (const s of l.pending) l.send(s);
    l.pending = [];
    l.pendingBytes = 0;
    l.state = 'online';
    l.ackTime = Date.now();
  }

  drop(l: ReplicaLink, why: string): void {
    this.server.log.notice(`Connection with replica ${l.ip}:${l.listeningPort} lost (${why}).`);
    this.forget(l.client);
    l.client.socket?.destroy();
  }

  /** Called when a client disconnects. */
  forget(c: Client): void {
    this.preLinks.delete(c);
    const l = this.byClient.get(c);
    if (l === undefined) return;
    this.byClient.delete(c);
    this.links.delete(l);
    if (this.links.size === 0) this.state.noReplicasSince = Date.now();
    this.checkWaiters();
  }

  disconnectAll(why: string): void {
    for (const l of [...this.links]) this.drop(l, why);
  }

  // ---- WAIT and min-replicas ----

  ackedAtLeast(offset: number): number {
    let n = 0;
    for (const l of this.links) if (l.state === 'online' && l.ackOffset >= offset) n++;
    return n;
  }

  wait(c: Client, needed: number, timeoutMs: number, target: number): void {
    const have = this.ackedAtLeast(target);
    if (have >= needed || c.inExec) {
      c.int(have);
      return;
    }
    const w: Waiter = { client: c, target, needed, timer: null };
    if (timeoutMs > 0) w.timer = setTimeout(() => this.resolveWaiter(w), timeoutMs);
    this.waiters.push(w);
    c.setPaused(true);
    this.requestAcks();
  }

  private resolveWaiter(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    if (w.timer !== null) clearTimeout(w.timer);
    if (w.client.closing) return;
    w.client.int(this.ackedAtLeast(w.target));
    this.server.flushSoon(w.client);
    w.client.setPaused(false);
  }

  private checkWaiters(): void {
    for (const w of [...this.waiters])
      if (w.client.closing || this.ackedAtLeast(w.target) >= w.needed) this.resolveWaiter(w);
  }

  /** Online replicas, for the shutdown wait. */
  onlineReplicas(): number {
    let n = 0;
    for (const l of this.links) if (l.state === 'online') n++;
    return n;
  }

  /**
   * Waits (asking for ACKs) until every online replica has acknowledged `offset`, or `timeoutMs` passed;
   * resolves to the links still behind.
   */
  async waitAllAcked(offset: number, timeoutMs: number): Promise<ReplicaLink[]> {
    const deadline = Date.now() + timeoutMs;
    const behind = () => [...this.links].filter((l) => l.state === 'online' && l.ackOffset < offset);
    while (behind().length > 0 && Date.now() < deadline) {
      this.requestAcks();
      await new Promise((r) => setTimeout(r, 20));
    }
    return behind();
  }

  /**
   * Set by a FAILOVER waiting for a replica to catch up: the stream must not grow meanwhile (no PING,
   * no GETACK, which a replica acknowledges only up to the offset before it).
   */
  streamHeld: () => boolean = () => false;
  /** Called after each REPLCONF ACK (a FAILOVER checks whether its target caught up). */
  onAck: () => void = () => undefined;

  /** Sends REPLCONF GETACK * once per event-loop turn. */
  requestAcks(): void {
    if (this.getackQueued || this.streamHeld()) return;
    this.getackQueued = true;
    setImmediate(() => {
      this.getackQueued = false;
      if (this.links.size > 0 && !this.streamHeld()) this.feedRaw(R.command(['REPLCONF', 'GETACK', '*']));
    });
  }

  /** Replicas whose last ACK is within min-replicas-max-lag seconds. */
  goodReplicas(): number {
    const maxLag = this.cfg('min-replicas-max-lag') * 1000;
    const now = Date.now();
    let n = 0;
    for (const l of this.links) if (l.state === 'online' && now - l.ackTime <= maxLag) n++;
    return n;
  }

  // ---- cron ----

  /**
   * Every 100 ms. With min-replicas-to-write, a replica counts as good only while its last ACK is
   * younger than min-replicas-max-lag. Replicas ACK on their own once a second, which at a lag of 1 s
   * makes the count flap (writes fail with NOREPLICAS on a healthy set) between two ACKs: ask for ACKs
   * four times a second instead, so the count is current to ~250 ms and the lag can stay strict.
   */
  fastCron(isReplica: boolean): void {
    const now = Date.now();
    if (isReplica || this.links.size === 0 || this.cfg('min-replicas-to-write') === 0) return;
    if (now - this.lastGetack < 250) return;
    this.lastGetack = now;
    this.requestAcks();
  }

  cron(isReplica: boolean): void {
    const now = Date.now();
    const period = this.cfg('repl-ping-replica-period') * 1000;
    if (!isReplica && this.links.size > 0 && now - this.lastPing >= period && !this.streamHeld()) {
      this.lastPing = now;
      this.feedRaw(R.command(['PING']));
    }
    const timeout = this.cfg('repl-timeout') * 1000;
    const [hard, soft, softSecs] = this.replicaOutputLimits();
    for (const l of [...this.links]) {
      // Keepalive newlines while the replica waits for the payload (it skips them), never inside it.
      if ((l.state === 'wait_bgsave' || l.state === 'send_bulk') && !l.payloadStarted) l.send('\n');
      // A SYNC replica never sends REPLCONF ACK: it is not timed out (as Redis exempts CLIENT_PRE_PSYNC).
      if (l.state === 'online' && !l.prePsync && now - l.ackTime > timeout) {
        this.server.log.warning(
          `Disconnecting timedout replica (streaming sync): ${l.ip}:${l.listeningPort}`,
        );
        this.drop(l, 'timeout');
        continue;
      }
      const out = l.outputBytes();
      if (hard > 0 && out > hard) {
        this.server.log.warning(
          `Client id=${l.client.id} scheduled to be closed ASAP for overcoming of output buffer limits.`,
        );
        this.drop(l, 'output buffer limit');
      } else if (soft > 0 && out > soft) {
        if (l.softLimitSince === 0) l.softLimitSince = now;
        else if (now - l.softLimitSince > softSecs * 1000) this.drop(l, 'output buffer soft limit');
      } else l.softLimitSince = 0;
    }
    const ttl = this.cfg('repl-backlog-ttl') * 1000;
    if (
      !isReplica &&
      ttl > 0 &&
      this.links.size === 0 &&
      this.state.backlog !== null &&
      now - this.state.noReplicasSince > ttl
    ) {
      this.server.log.notice(
        `Replication backlog freed after ${ttl / 1000} seconds without connected replicas.`,
      );
      this.state.freeBacklog();
      this.state.replid2 = '0'.repeat(40);
      this.state.secondReplOffset = -1;
    }
  }

  private replicaOutputLimits(): [number, number, number] {
    const l = parseOutputLimits(this.server.config.get('client-output-buffer-limit')).replica;
    return [l.hard, l.soft, l.softSeconds];
  }

  infoLines(): string[] {
    const lines: string[] = [];
    let i = 0;
    const now = Date.now();
    for (const l of this.links) {
      const st = l.state === 'online' ? 'online' : l.state === 'wait_bgsave' ? 'wait_bgsave' : 'send_bulk';
      lines.push(
        `slave${i++}:ip=${l.ip},port=${l.listeningPort},state=${st},offset=${l.ackOffset},lag=${Math.floor((now - l.ackTime) / 1000)}`,
      );
    }
    return lines;
  }
}

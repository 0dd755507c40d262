// ReplicaSide: this node's link to its master — the handshake state machine (PING, AUTH, REPLCONF,
// PSYNC), receiving the RDB of a full sync into a temp file and loading it, applying the command
// stream through a master client, proxying the same bytes verbatim to our own replicas, ACKs, GETACK,
// timeouts and reconnects.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as R from '../protocol/reply.js';
import { RespParser } from '../protocol/parser.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { MasterSide } from './master.js';
import type { ReplState } from './state.js';

export type ReplicaStatus = 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

export interface RdbLoad {
  feed(chunk: Buffer): void;
  finish(): unknown;
  abort(): void;
}

export interface RdbFileLoader {
  /** Empties the dataset and loads an RDB as it arrives (see PersistenceManager.startStreamLoad). */
  startStreamLoad(): RdbLoad;
}

type Phase = 'ping' | 'handshake' | 'psync' | 'bulk-header' | 'bulk' | 'stream';

export class ReplicaSide {
  status: ReplicaStatus = 'connect';
  private socket: net.Socket | null = null;
  private phase: Phase = 'ping';
  private inbuf: Buffer = Buffer.alloc(0);
  private handshakeReplies: { kind: 'auth' | 'replconf' }[] = [];
  lastIo = Date.now();
  linkDownSince = Date.now();
  private connectStarted = 0;
  // full sync transfer
  private fullSync: { replid: string; offset: number } | null = null;
  private bulkTotal = -1;
  private bulkRead = 0;
  private eofMark: string | null = null;
  private tail = Buffer.alloc(0);
  private tmpFd: number | null = null;
  /** The RDB being loaded while it arrives; clients get -LOADING meanwhile. */
  private load: RdbLoad | null = null;
  private tmpPath = '';
  // stream
  private parser: RespParser | null = null;
  private fedTotal = 0;
  private consumedTotal = 0;
  private rawChunks: Buffer[] = [];
  private rawSkip = 0;
  masterClient: Client | null = null;
  private lastAck = 0;
  /** The db our master's stream had selected when the link dropped (or from the RDB at restart). */
  streamDb = 0;
  /** Our data is a consistent prefix of (state.replid, state.offset): PSYNC may continue it. */
  psyncable = false;
  /**
   * Set while a FAILOVER hands the master role to this link's peer: our PSYNC carries FAILOVER, and
   * the peer's answer (accepted: +CONTINUE / +FULLRESYNC; else rejected) is reported once.
   */
  onFailoverPsync: ((accepted: boolean) => void) | null = null;

  constructor(
    private readonly server: Server,
    private readonly state: ReplState,
    private readonly master: MasterSide,
    private readonly loader: RdbFileLoader,
    public host: string,
    public port: number,
  ) {}

  get loading(): boolean {
    return this.load !== null;
  }

  get syncInProgress(): boolean {
    return this.phase === 'bulk' || this.phase === 'bulk-header';
  }

  get linkUp(): boolean {
    return this.status === 'connected';
  }

  get transfer(): { total: number; read: number } {
    return { total: this.bulkTotal, read: this.bulkRead };
  }

  private log(msg: string): void {
    this.server.log.notice(msg);
  }

  connect(): void {
    if (this.socket !== null) return;
    this.status = 'connecting';
    this.phase = 'ping';
    this.connectStarted = Date.now();
    this.lastIo = Date.now();
    this.log(`Connecting to MASTER ${this.host}:${this.port}`);
    const sock = net.connect({ host: this.host, port: this.port });
    this.socket = sock;
    sock.setNoDelay(true);
    sock.on('connect', () => {
      this.log('MASTER <-> REPLICA sync started');
      this.status = 'handshake';
      this.lastIo = Date.now();
      sock.write(R.command(['PING']));
    });
    sock.on('data', (d: Buffer) => {
      this.lastIo = Date.now();
      try {
        this.onData(d);
      } catch (e) {
        this.server.log.warning(`Error in the replication link: ${(e as Error).message}`);
        this.abort('protocol error');
      }
    });
    sock.on('error', (e) => {
      if (this.socket === sock) this.server.log.warning(`Error condition on socket for SYNC: ${e.message}`);
    });
    sock.on('close', () => {
      if (this.socket === sock) this.onLinkLost();
    });
  }

  /** Tears the link down; the cron reconnects. */
  abort(why: string): void {
    const sock = this.socket;
    if (sock === null) return;
    this.log(`Aborting replication link: ${why}`);
    this.socket = null;
    sock.destroy();
    this.onLinkLost();
  }

  private onLinkLost(): void {
    const wasUp = this.status === 'connected';
    this.socket = null;
    this.status = 'connect';
    this.phase = 'ping';
    this.inbuf = Buffer.alloc(0);
    this.parser = null;
    this.cleanupTransfer();
    if (this.masterClient !== null) {
      this.streamDb = this.masterClient.db.id;
      this.server.removeClient(this.masterClient);
      this.masterClient = null;
    }
    if (wasUp) {
      this.linkDownSince = Date.now();
      this.log('Connection with master lost.');
      this.log('Caching the disconnected master state.');
    }
  }

  private cleanupTransfer(): void {
    if (this.load !== null) {
      // A half-loaded dataset is never served: empty it; the next sync is a full one.
      this.load.abort();
      this.load = null;
      this.psyncable = false;
    }
    if (this.tmpFd !== null) {
      fs.closeSync(this.tmpFd);
      this.tmpFd = null;
      fs.rmSync(this.tmpPath, { force: true });
    }
    this.fullSync = null;
    this.bulkTotal = -1;
    this.bulkRead = 0;
    this.eofMark = null;
    this.tail = Buffer.alloc(0);
  }

  /** Stops replicating (REPLICAOF NO ONE or a new master). */
  stop(): void {
    const sock = this.socket;
    this.socket = null;
    sock?.destroy();
    this.onLinkLost();
  }

  private readLine(): string | null {
    const i = this.inbuf.indexOf(10);
    if (i < 0) return null;
    const line = this.inbuf.toString('latin1', 0, i > 0 && this.inbuf[i - 1] === 13 ? i - 1 : i);
    this.inbuf = this.inbuf.subarray(i + 1);
    return line;
  }

  private send(argv: string[]): void {
    this.socket?.write(R.command(argv), 'latin1');
  }

  private onData(d: Buffer): void {
    if (this.phase === 'stream') {
      this.onStream(d);
      return;
    }
    if (this.phase === 'bulk') {
      this.onBulk(d);
      return;
    }
    this.inbuf = this.inbuf.length === 0 ? d : Buffer.concat([this.inbuf, d]);
    this.pump();
  }

  private pump(): void {
    for (;;) {
      if (this.phase === 'bulk') {
        const rest = this.inbuf;
        this.inbuf = Buffer.alloc(0);
        if (rest.length > 0) this.onBulk(rest);
        return;
      }
      if (this.phase === 'stream') {
        const rest = this.inbuf;
        this.inbuf = Buffer.alloc(0);
        if (rest.length > 0) this.onStream(rest);
        return;
      }
      const line = this.readLine();
      if (line === null) return;
      this.onLine(line);
      if (this.socket === null) return;
    }
  }

  private onLine(line: string): void {
    const cfg = this.server.config;
    switch (this.phase) {
      case 'ping': {
        if (line.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(line)) {
          this.server.log.warning(`Error reply to PING from master: '${line}'`);
          this.abort('PING failed');
          return;
        }
        this.log('Master replied to PING, replication can continue...');
        let out = '';
        this.handshakeReplies = [];
        const pass = cfg.get('masterauth');
        if (pass !== '') {
          const user = cfg.get('masteruser');
          out += R.command(user !== '' ? ['AUTH', user, pass] : ['AUTH', pass]);
          this.handshakeReplies.push({ kind: 'auth' });
        }
        const announcePort = cfg.getInt('replica-announce-port') || this.server.boundPort();
        out += R.command(['REPLCONF', 'listening-port', String(announcePort)]);
        this.handshakeReplies.push({ kind: 'replconf' });
        const ip = cfg.get('replica-announce-ip');
        if (ip !== '') {
          out += R.command(['REPLCONF', 'ip-address', ip]);
          this.handshakeReplies.push({ kind: 'replconf' });
        }
        out += R.command(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
        this.handshakeReplies.push({ kind: 'replconf' });
        this.socket?.write(out, 'latin1');
        this.phase = 'handshake';
        return;
      }
      case 'handshake': {
        const expected = this.handshakeReplies.shift();
        if (expected?.kind === 'auth' && line.startsWith('-')) {
          this.server.log.warning(`Unable to AUTH to MASTER: ${line.slice(1)}`);
          this.abort('AUTH failed');
          return;
        }
        if (expected?.kind === 'replconf' && line.startsWith('-')) {
          this.log(`(Non critical) Master does not understand REPLCONF: ${line.slice(1)}`);
        }
        if (line.startsWith('-NOAUTH')) {
          this.server.log.warning(`Master requires authentication: ${line.slice(1)} (set masterauth)`);
          this.abort('NOAUTH');
          return;
        }
        if (this.handshakeReplies.length === 0) {
          if (this.psyncable) {
            this.log(
              `Trying a partial resynchronization (request ${this.state.replid}:${this.state.offset + 1}).`,
            );
            this.send(['PSYNC', this.state.replid, String(this.state.offset + 1), ...this.failoverArg()]);
          } else {
            this.log('Partial resynchronization not possible (no cached master)');
            this.send(['PSYNC', '?', '-1', ...this.failoverArg()]);
          }
          this.phase = 'psync';
        }
        return;
      }
      case 'psync': {
        if (line === '') return; // keepalive newline
        const failover = this.onFailoverPsync;
        if (failover !== null) {
          this.onFailoverPsync = null;
          const accepted = line.startsWith('+FULLRESYNC') || line.startsWith('+CONTINUE');
          failover(accepted);
          // A rejected failover made us a master again: this link is gone.
          if (!accepted) return;
        }
        if (line.startsWith('+FULLRESYNC')) {
          const [, id, off] = line.split(' ');
          this.fullSync = { replid: id, offset: Number(off) };
          this.log(`Full resync from master: ${id}:${off}`);
          this.status = 'sync';
          this.phase = 'bulk-header';
          return;
        }
        if (line.startsWith('+CONTINUE')) {
          const newId = line.split(' ')[1];
          if (newId !== undefined && newId !== this.state.replid) {
            const oldId = this.state.replid;
            this.state.replid2 = oldId;
            this.state.secondReplOffset = this.state.offset + 1;
            this.state.replid = newId;
            this.log(`Master replication ID changed to ${newId}`);
            this.master.disconnectAll('master replication ID changed');
          }
          this.log('Successful partial resynchronization with master.');
          this.log('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
          this.startStream();
          return;
        }
        if (line.startsWith('-NOMASTERLINK') || line.startsWith('-LOADING')) {
          this.log(`Master is currently unable to PSYNC but should be in the future: ${line}`);
        } else this.server.log.warning(`Unexpected reply to PSYNC from master: ${line}`);
        this.abort('PSYNC refused');
        return;
      }
      case 'bulk-header': {
        if (line === '') return;
        if (!line.startsWith('$')) {
          this.server.log.warning(
            `Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`,
          );
          this.abort('bad bulk header');
          return;
        }
        const dir = this.server.config.get('dir');
        this.tmpPath = path.join(dir, `temp-${Date.now()}.${process.pid}.rdb`);
        this.tmpFd = fs.openSync(this.tmpPath, 'w');
        this.bulkRead = 0;
        this.log('MASTER <-> REPLICA sync: Flushing old data');
        this.log('MASTER <-> REPLICA sync: Loading DB in memory while it arrives');
        this.load = this.loader.startStreamLoad();
        if (line.startsWith('$EOF:')) {
          this.eofMark = line.slice(5);
          this.bulkTotal = -1;
          this.log('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
        } else {
          this.bulkTotal = Number(line.slice(1));
          this.log(`MASTER <-> REPLICA sync: receiving ${this.bulkTotal} bytes from master to disk`);
        }
        this.phase = 'bulk';
        return;
      }
      default:
        return;
    }
  }

  private onBulk(d: Buffer): void {
    const fd = this.tmpFd;
    if (fd === null) return;
    if (this.eofMark === null) {
      const want = this.bulkTotal - this.bulkRead;
      const take = Math.min(want, d.length);
      this.payload(fd, d.subarray(0, take));
      this.bulkRead += take;
      if (this.bulkRead === this.bulkTotal) {
        const rest = d.subarray(take);
        this.finishBulk(rest);
      }
      return;
    }
    // EOF-marked: everything is payload until the last 40 bytes equal the mark.
    const mark = this.eofMark;
    const combined = this.tail.length === 0 ? d : Buffer.concat([this.tail, d]);
    const idx = combined.indexOf(mark, 0, 'latin1');
    if (idx >= 0) {
      this.payload(fd, combined.subarray(0, idx));
      this.bulkRead += idx - this.tail.length + this.tail.length;
      this.tail = Buffer.alloc(0);
      this.finishBulk(combined.subarray(idx + mark.length));
      return;
    }
    const keep = Math.min(combined.length, mark.length - 1);
    this.payload(fd, combined.subarray(0, combined.length - keep));
    this.bulkRead += combined.length - keep;
    this.tail = Buffer.from(combined.subarray(combined.length - keep));
  }

  /** RDB payload bytes: into the temp file (it becomes our dump.rdb) and into the streaming load. */
  private payload(fd: number, bytes: Buffer): void {
    if (bytes.length === 0) return;
    fs.writeSync(fd, bytes);
    this.load?.feed(bytes);
  }

  private finishBulk(rest: Buffer): void {
    const fd = this.tmpFd;
    const sync = this.fullSync;
    if (fd === null || sync === null) return;
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    this.tmpFd = null;
    try {
      this.load?.finish();
      this.load = null;
    } catch (e) {
      this.server.log.warning(`Failed trying to load the MASTER synchronization DB: ${(e as Error).message}`);
      fs.rmSync(this.tmpPath, { force: true });
      this.abort('RDB load failed');
      return;
    }
    // Only a fully loaded, checksummed RDB becomes our dump file.
    fs.renameSync(
      this.tmpPath,
      path.join(this.server.config.get('dir'), this.server.config.get('dbfilename')),
    );
    this.state.replid = sync.replid;
    this.state.clearReplId2();
    this.state.offset = sync.offset;
    this.master.disconnectAll('new replication history after full sync');
    this.master.seldb = -1;
    this.streamDb = 0;
    this.fullSync = null;
    this.log('MASTER <-> REPLICA sync: Finished with success');
    this.startStream();
    if (rest.length > 0) this.onStream(rest);
  }

  private startStream(): void {
    this.phase = 'stream';
    this.status = 'connected';
    this.psyncable = true;
    this.parser = new RespParser({ maxBulkLen: 1 << 30, maxQueryBuffer: 1 << 30 });
    this.fedTotal = 0;
    this.consumedTotal = 0;
    this.rawChunks = [];
    this.rawSkip = 0;
    const mc = this.server.addClient(null);
    mc.isMaster = true;
    mc.silent = true;
    mc.authenticated = true;
    mc.db = this.server.dbs[this.streamDb] ?? this.server.dbs[0];
    this.masterClient = mc;
    this.sendAck();
    const rest = this.inbuf;
    this.inbuf = Buffer.alloc(0);
    if (rest.length > 0) this.onStream(rest);
  }

  private takeRaw(n: number): string {
    let out = '';
    while (n > 0) {
      const c = this.rawChunks[0];
      const avail = c.length - this.rawSkip;
      const take = Math.min(avail, n);
      out += c.toString('latin1', this.rawSkip, this.rawSkip + take);
      n -= take;
      this.rawSkip += take;
      if (this.rawSkip === c.length) {
        this.rawChunks.shift();
        this.rawSkip = 0;
      }
    }
    return out;
  }

  private onStream(d: Buffer): void {
    const parser = this.parser;
    const mc = this.masterClient;
    if (parser === null || mc === null) return;
    parser.feed(d);
    this.rawChunks.push(d);
    this.fedTotal += d.length;
    for (;;) {
      const argv = parser.next();
      if (argv === null) break;
      const consumed = this.fedTotal - parser.buffered();
      const bytes = consumed - this.consumedTotal;
      this.consumedTotal = consumed;
      this.server.processCommand(mc, argv);
      // Proxy the exact bytes to our backlog and sub-replicas; this advances our offset.
      this.master.feedRaw(this.takeRaw(bytes));
      if (this.socket === null) return;
    }
    this.server.flushAll();
  }

  private failoverArg(): string[] {
    return this.onFailoverPsync !== null ? ['FAILOVER'] : [];
  }

  /** REPLCONF GETACK from the master: answer with the offset before the GETACK command. */
  sendAck(): void {
    if (this.socket === null || this.status !== 'connected') return;
    this.lastAck = Date.now();
    // What we acknowledge is in our AOF first (as Redis writes the AOF before any reply).
    for (const h of this.server.beforeReplies) h();
    this.send(['REPLCONF', 'ACK', String(this.state.offset)]);
  }

  cron(): void {
    const now = Date.now();
    const timeout = this.server.config.getInt('repl-timeout') * 1000;
    if (this.socket === null) {
      this.connect();
      return;
    }
    if (this.status !== 'connected' && now - this.lastIo > timeout) {
      this.server.log.warning(
        this.status === 'sync'
          ? 'Timeout receiving bulk data from MASTER... If the problem persists try to set the repl-timeout parameter in redis.conf to a larger value.'
          : 'Timeout connecting to the MASTER...',
      );
      this.abort('timeout');
      return;
    }
    if (this.status === 'connected') {
      if (now - this.lastIo > timeout) {
        this.server.log.warning('MASTER timeout: no data nor PING received...');
        this.abort('timeout');
        return;
      }
      if (now - this.lastAck >= 1000) this.sendAck();
    }
    void this.connectStarted;
  }
}

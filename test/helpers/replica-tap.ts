// A replica's view of a master, for tests: a raw connection that asks for a full resynchronisation
// (PSYNC ? -1, disk-based payload), skips the RDB payload and then collects every command the master
// propagates, as arrays of strings, so tests compare what two masters send their replicas.
import * as net from 'node:net';
import { parseAt, sleep, type Node } from './raw-resp.js';

export class ReplicaTap {
  /** Propagated commands (PING and REPLCONF GETACK left out), in order. */
  readonly commands: string[][] = [];
  private buf = Buffer.alloc(0);
  private stage: 'fullresync' | 'payload' | 'stream' = 'fullresync';

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.consume();
    });
    sock.on('error', () => undefined);
  }

  /** Connects and waits until the payload is through, so later writes arrive as commands. */
  static async open(port: number, timeoutMs = 10_000): Promise<ReplicaTap> {
    const sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const tap = new ReplicaTap(sock);
    sock.write('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n');
    const deadline = Date.now() + timeoutMs;
    while (tap.stage !== 'stream') {
      if (Date.now() > deadline) throw new Error(`no full resync from port ${port}`);
      await sleep(10);
    }
    return tap;
  }

  private consume(): void {
    for (;;) {
      if (this.stage === 'fullresync') {
        // Newlines may come first (keepalives while the payload is prepared).
        while (this.buf.length > 0 && this.buf[0] === 0x0a) this.buf = this.buf.subarray(1);
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) return;
        const line = this.buf.toString('latin1', 0, eol);
        if (!line.startsWith('+FULLRESYNC')) throw new Error(`unexpected PSYNC reply ${line}`);
        this.buf = this.buf.subarray(eol + 2);
        this.stage = 'payload';
      } else if (this.stage === 'payload') {
        while (this.buf.length > 0 && this.buf[0] === 0x0a) this.buf = this.buf.subarray(1);
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) return;
        const n = Number(this.buf.toString('latin1', 1, eol));
        if (this.buf.length < eol + 2 + n) return;
        this.buf = this.buf.subarray(eol + 2 + n);
        this.stage = 'stream';
      } else {
        const r = parseAt(this.buf, 0);
        if (r === null) return;
        this.buf = this.buf.subarray(r[1]);
        const argv = argvOf(r[0]);
        const name = argv[0]?.toUpperCase();
        if (name !== 'PING' && !(name === 'REPLCONF' && argv[1]?.toUpperCase() === 'GETACK'))
          this.commands.push(argv);
      }
    }
  }

  /** Waits until at least n commands arrived (or the deadline) and returns them. */
  async waitFor(n: number, timeoutMs = 3000): Promise<string[][]> {
    const deadline = Date.now() + timeoutMs;
    while (this.commands.length < n && Date.now() < deadline) await sleep(10);
    return this.commands.slice();
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A RESP array of bulk strings as its strings. */
function argvOf(n: Node): string[] {
  const out: string[] = [];
  for (const c of n.c ?? []) {
    const b = Buffer.from(c.raw, 'latin1');
    const eol = b.indexOf('\r\n');
    out.push(b.toString('latin1', eol + 2, b.length - 2));
  }
  return out;
}

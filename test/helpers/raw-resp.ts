// Raw RESP connections for differential tests: commands sent as RESP arrays, each reply parsed with its
// exact bytes kept (and its children for aggregates), so two servers' replies compare byte for byte.
import * as net from 'node:net';

export type Arg = string | Buffer;

/** One parsed reply: its type byte, its exact bytes (latin1) and, for aggregates, its children. */
export interface Node {
  t: string;
  raw: string;
  head?: string;
  c?: Node[];
}

export function parseAt(b: Buffer, i: number): [Node, number] | null {
  if (i >= b.length) return null;
  const t = String.fromCharCode(b[i]);
  const eol = b.indexOf('\r\n', i);
  if (eol < 0) return null;
  const head = b.toString('latin1', i + 1, eol);
  let p = eol + 2;
  const raw = (end: number): string => b.toString('latin1', i, end);
  switch (t) {
    case '$':
    case '!':
    case '=': {
      const n = Number(head);
      if (n < 0) return [{ t, raw: raw(p) }, p];
      if (b.length < p + n + 2) return null;
      return [{ t, raw: raw(p + n + 2) }, p + n + 2];
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      const n = Number(head);
      if (n < 0) return [{ t, raw: raw(p) }, p];
      const count = (t === '%' || t === '|' ? 2 * n : n) + (t === '|' ? 1 : 0);
      const c: Node[] = [];
      for (let k = 0; k < count; k++) {
        const r = parseAt(b, p);
        if (!r) return null;
        c.push(r[0]);
        p = r[1];
      }
      return [{ t, raw: raw(p), head, c }, p];
    }
    default:
      return [{ t, raw: raw(p) }, p];
  }
}

export const synthetic = (text: string): Node => ({ t: '?', raw: text });

export function encode(args: Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** A connection speaking raw RESP; replies nobody waits for (MONITOR lines, pushes) go to `extra`. */
export class Conn {
  readonly extra: Node[] = [];
  closed = false;
  private buf = Buffer.alloc(0);
  private readonly waiters: ((n: Node) => void)[] = [];

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (;;) {
        const r = parseAt(this.buf, 0);
        if (!r) break;
        this.buf = this.buf.subarray(r[1]);
        const w = this.waiters.shift();
        if (w) w(r[0]);
        else this.extra.push(r[0]);
      }
    });
    const end = (): void => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(synthetic('<connection closed>'));
    };
    sock.on('close', end);
    sock.on('error', end);
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  /** Sends one command; a reply that does not come within timeoutMs poisons the connection. */
  send(args: Arg[], timeoutMs = 4000): Promise<Node> {
    if (this.closed) return Promise.resolve(synthetic('<connection closed>'));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve(synthetic(`<no reply within ${timeoutMs} ms>`));
        this.sock.destroy();
      }, timeoutMs);
      this.waiters.push((n) => {
        clearTimeout(timer);
        resolve(n);
      });
      this.sock.write(encode(args));
    });
  }

  /** Waits until `extra` holds n replies (or the deadline). */
  async waitExtra(n: number, timeoutMs = 3000): Promise<Node[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.extra.length < n && Date.now() < deadline && !this.closed) await sleep(10);
    return this.extra.slice();
  }

  close(): void {
    this.sock.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A bulk string reply's bytes. */
export function bulkBytes(n: Node): Buffer | null {
  if (n.t !== '$' || n.raw.startsWith('$-1')) return null;
  const b = Buffer.from(n.raw, 'latin1');
  const eol = b.indexOf('\r\n');
  return b.subarray(eol + 2, b.length - 2);
}

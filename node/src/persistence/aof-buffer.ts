// AofBuffer: the commands waiting to be written to the append-only file, encoded as RESP straight into
// one growing byte buffer (no per-command strings to join and convert at every flush). Arguments are
// latin1 strings, one byte per character, as everywhere in the node.

const INITIAL = 16 * 1024;
/** After a flush, a buffer grown past this is dropped, so one burst does not pin its memory. */
const KEEP_MAX = 1024 * 1024;

export class AofBuffer {
  private buf = Buffer.allocUnsafe(INITIAL);
  private len = 0;

  /** Bytes waiting. */
  get length(): number {
    return this.len;
  }

  /** The waiting bytes (a view, valid until the next append or clear). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** Appends argv as a RESP array of bulk strings. */
  appendCommand(argv: readonly string[]): void {
    let need = 16;
    for (const a of argv) need += a.length + 16;
    this.reserve(need);
    this.len += this.buf.write(`*${argv.length}\r\n`, this.len, 'latin1');
    for (const a of argv) {
      this.len += this.buf.write(`$${a.length}\r\n`, this.len, 'latin1');
      this.len += this.buf.write(a, this.len, 'latin1');
      this.buf[this.len++] = 13;
      this.buf[this.len++] = 10;
    }
  }

  /** Appends protocol text as it is (a `#` annotation line, a SELECT already encoded). */
  appendRaw(s: string): void {
    this.reserve(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  clear(): void {
    this.len = 0;
    if (this.buf.length > KEEP_MAX) this.buf = Buffer.allocUnsafe(INITIAL);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

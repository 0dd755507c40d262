// AofBuffer: the commands waiting to be written to the append-only file, encoded as RESP straight into
// one growing byte buffer (no per-command strings to join and convert at every flush). Arguments are
// latin1 strings, one byte per character, as everywhere in the node. Lengths and short arguments are
// written byte by byte in JS: Buffer#write crosses into C++ for each call (~100 ns whatever the
// length), which made it 11% of the CPU at SET -P16 with the AOF on (seven calls per SET).

const INITIAL = 16 * 1024;
/** After a flush, a buffer grown past this is dropped, so one burst does not pin its memory. */
const KEEP_MAX = 1024 * 1024;
/** Arguments up to this length are copied by a JS loop; longer ones by Buffer#write. */
const COPY_IN_JS_MAX = 64;

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
    for (let i = 0; i < argv.length; i++) need += argv[i].length + 16;
    this.reserve(need);
    const b = this.buf;
    let p = this.header(42 /* * */, argv.length, this.len);
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      const n = a.length;
      p = this.header(36 /* $ */, n, p);
      if (n <= COPY_IN_JS_MAX) {
        for (let j = 0; j < n; j++) b[p + j] = a.charCodeAt(j);
        p += n;
      } else {
        p += b.write(a, p, 'latin1');
      }
      b[p++] = 13;
      b[p++] = 10;
    }
    this.len = p;
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

  /** Writes `<type><n>\r\n` at p (n a non-negative integer); returns the position after it. */
  private header(type: number, n: number, p: number): number {
    const b = this.buf;
    b[p++] = type;
    if (n < 10) {
      b[p++] = 48 + n;
    } else {
      let digits = 1;
      for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
      for (let i = digits - 1, x = n; i >= 0; i--, x = Math.floor(x / 10)) b[p + i] = 48 + (x % 10);
      p += digits;
    }
    b[p++] = 13;
    b[p++] = 10;
    return p;
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

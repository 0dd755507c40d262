// Backlog: the replication backlog, a fixed-size ring buffer of the most recent bytes of the
// replication stream, addressed by absolute replication offsets (Redis's master_repl_offset).

export class Backlog {
  private buf: Buffer;
  /** Write position inside buf. */
  private idx = 0;
  /** Bytes of history held (<= buf.length). */
  histlen = 0;
  /** Offset of the last byte fed (master_repl_offset). */
  offset: number;

  constructor(size: number, startOffset: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.offset = startOffset;
  }

  get size(): number {
    return this.buf.length;
  }

  /** Offset of the first byte held (repl_backlog_first_byte_offset). */
  get firstByteOffset(): number {
    return this.offset - this.histlen + 1;
  }

  /** Appends stream bytes (a latin1 string or a Buffer). */
  feed(data: string | Buffer): void {
    const src = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.offset += src.length;
    const size = this.buf.length;
    let from = src.length > size ? src.length - size : 0;
    while (from < src.length) {
      const n = Math.min(size - this.idx, src.length - from);
      src.copy(this.buf, this.idx, from, from + n);
      this.idx = (this.idx + n) % size;
      from += n;
    }
    this.histlen = Math.min(size, this.histlen + src.length);
  }

  /** True when every byte from `offset` (inclusive) up to the current end is still held. */
  canServeFrom(offset: number): boolean {
    if (this.histlen === 0) return offset === this.offset + 1;
    return offset >= this.firstByteOffset && offset <= this.offset + 1;
  }

  /** The bytes from `offset` (inclusive) to the end; caller checked canServeFrom. */
  readFrom(offset: number): Buffer {
    const len = this.offset + 1 - offset;
    if (len <= 0) return Buffer.alloc(0);
    const size = this.buf.length;
    const start = (this.idx - len + size * 2) % size;
    if (start + len <= size) return Buffer.from(this.buf.subarray(start, start + len));
    return Buffer.concat([this.buf.subarray(start), this.buf.subarray(0, len - (size - start))]);
  }

  /** Changes the capacity, keeping as much of the most recent history as fits. */
  resize(size: number): void {
    if (size === this.buf.length) return;
    const keep = Math.min(this.histlen, size);
    const recent = keep === 0 ? Buffer.alloc(0) : this.readFrom(this.offset + 1 - keep);
    this.buf = Buffer.allocUnsafe(size);
    recent.copy(this.buf, 0);
    this.idx = keep % size;
    this.histlen = keep;
  }

  /** Drops all history and restarts at `offset` (new replication history). */
  reset(offset: number): void {
    this.idx = 0;
    this.histlen = 0;
    this.offset = offset;
  }
}

// RespParser: incremental request parser for RESP multibulk and inline commands. Keeps its state across
// reads (so a command split over many packets is parsed once, and a huge bulk is copied once), enforces
// Redis's limits, and reports malformed input as a ProtocolError carrying Redis's message.
import { latin1String } from './latin1.js';

export class ProtocolError extends Error {}

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** client-query-buffer-limit: bytes buffered for one unparsed command */
  maxQueryBuffer: number;
}

const INLINE_MAX = 64 * 1024;
const MAX_MULTIBULK = 1024 * 1024;
const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);
/** The parser's args between commands: a shared empty array, replaced before anything is stored. */
const NO_ARGS: string[] = [];

export class RespParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** buf is a caller's transient chunk (see feed). */
  private bufTransient = false;
  /** Bytes that must be available from pos before parsing can progress. */
  private need = 1;
  /** Arguments still expected in the current multibulk; -1 when between commands. */
  private remaining = -1;
  /** The command being parsed; NO_ARGS (never written) between commands. */
  private args: string[] = NO_ARGS;
  /** Arguments parsed so far into args (preallocated from the multibulk count, like Redis's argv). */
  private argc = 0;
  /** Length of the bulk whose payload we wait for; -1 when expecting a $ header. */
  private bulkLen = -1;

  constructor(private readonly limits: ParserLimits) {}

  /**
   * Adds received bytes. A `transient` chunk is one the caller will overwrite after this read (a shared
   * read buffer): it is parsed in place, and `retain()` must be called before the next read.
   */
  feed(chunk: Buffer, transient = false): void {
    if (this.pos >= this.buf.length && this.pendingBytes === 0) {
      this.buf = chunk;
      this.pos = 0;
      this.bufTransient = transient;
    } else {
      this.pending.push(transient ? Buffer.from(chunk) : chunk);
      this.pendingBytes += chunk.length;
    }
    if (this.buffered() > this.limits.maxQueryBuffer) {
      throw new ProtocolError('closing client that reached max query buffer length');
    }
  }

  /** Copies the unconsumed bytes of a transient chunk, so the caller may reuse its buffer. */
  retain(): void {
    if (!this.bufTransient) return;
    this.bufTransient = false;
    if (this.pos >= this.buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
      return;
    }
    this.buf = Buffer.from(this.buf.subarray(this.pos));
    this.pos = 0;
  }

  /** Bytes received but not yet consumed. */
  buffered(): number {
    return this.buf.length - this.pos + this.pendingBytes;
  }

  private merge(): void {
    const rest = this.buf.subarray(this.pos);
    this.buf = Buffer.concat([rest, ...this.pending], rest.length + this.pendingBytes);
    this.bufTransient = false;
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** The next complete command, or null when more input is needed. Throws ProtocolError. */
  next(): string[] | null {
    for (;;) {
      if (this.buf.length - this.pos < this.need) {
        if (this.buffered() < this.need || this.pendingBytes === 0) return null;
        this.merge();
      }
      const r = this.step();
      if (r === STEP_MORE) {
        // Need more bytes than we have: wait for at least one more byte, or the whole bulk.
        if (this.pendingBytes > 0 && this.buffered() >= this.need) continue;
        return null;
      }
      if (r !== STEP_CONTINUE) return r;
    }
  }

  private step(): string[] | typeof STEP_MORE | typeof STEP_CONTINUE {
    const buf = this.buf;
    if (this.remaining === -1) {
      if (buf[this.pos] === 42 /* '*' */) return this.parseMultibulkHeader();
      return this.parseInline();
    }
    if (this.bulkLen === -1) {
      // Fast path: a complete, well-formed "$<digits>\r\n" is read in place; anything else (split
      // header, malformed, too long) takes the checked path below.
      if (buf[this.pos] === 36 /* '$' */) {
        const end = scanDigits(buf, this.pos + 1);
        if (end !== -1 && scannedValue <= this.limits.maxBulkLen) {
          this.pos = end + 2;
          this.bulkLen = scannedValue;
          this.need = scannedValue + 2;
          return STEP_CONTINUE;
        }
      }
      const eol = buf.indexOf(LF, this.pos);
      if (eol === -1 || buf[eol - 1] !== CR) {
        if (eol === -1 && buf.length - this.pos > INLINE_MAX) {
          throw new ProtocolError('Protocol error: too big bulk count string');
        }
        if (eol !== -1) {
          throw new ProtocolError('Protocol error: invalid bulk length');
        }
        this.need = buf.length - this.pos + 1;
        return STEP_MORE;
      }
      if (buf[this.pos] !== 36 /* '$' */) {
        throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(buf[this.pos])}'`);
      }
      const n = parseDecimal(buf, this.pos + 1, eol - 1);
      if (n < 0 || n > this.limits.maxBulkLen) throw new ProtocolError('Protocol error: invalid bulk length');
      this.pos = eol + 1;
      this.bulkLen = n;
      this.need = n + 2;
      return STEP_CONTINUE;
    }
    // Bulk payload
    const end = this.pos + this.bulkLen;
    if (buf.length < end + 2) {
      this.need = this.bulkLen + 2;
      return STEP_MORE;
    }
    this.args[this.argc++] = latin1String(buf, this.pos, end);
    this.pos = end + 2;
    this.bulkLen = -1;
    this.need = 1;
    if (--this.remaining === 0) return this.finish();
    return STEP_CONTINUE;
  }

  private finish(): string[] {
    const args = this.args;
    this.args = NO_ARGS;
    this.argc = 0;
    this.remaining = -1;
    this.need = 1;
    if (this.pos >= this.buf.length && this.pendingBytes === 0) {
      this.buf = EMPTY;
      this.pos = 0;
    }
    return args;
  }

  private parseMultibulkHeader(): string[] | typeof STEP_MORE | typeof STEP_CONTINUE {
    const buf = this.buf;
    const end = scanDigits(buf, this.pos + 1);
    if (end !== -1 && scannedValue > 0 && scannedValue <= MAX_MULTIBULK) {
      this.pos = end + 2;
      return this.startMultibulk(scannedValue);
    }
    const eol = buf.indexOf(LF, this.pos);
    if (eol === -1) {
      if (buf.length - this.pos > INLINE_MAX)
        throw new ProtocolError('Protocol error: too big mbulk count string');
      this.need = buf.length - this.pos + 1;
      return STEP_MORE;
    }
    if (buf[eol - 1] !== CR) throw new ProtocolError('Protocol error: invalid multibulk length');
    const n = parseDecimal(buf, this.pos + 1, eol - 1);
    if (n === -2 || n > MAX_MULTIBULK) throw new ProtocolError('Protocol error: invalid multibulk length');
    this.pos = eol + 1;
    this.need = 1;
    if (n <= 0) {
      // "*0" and "*-1" are empty commands: skipped like Redis does.
      if (this.pos >= this.buf.length && this.pendingBytes === 0) {
        this.buf = EMPTY;
        this.pos = 0;
      }
      return STEP_CONTINUE;
    }
    return this.startMultibulk(n);
  }

  private startMultibulk(n: number): typeof STEP_CONTINUE {
    this.need = 1;
    this.remaining = n;
    this.bulkLen = -1;
    // Preallocated up to 1024 arguments (a huge count is not trusted before its bulks arrive).
    this.args = n <= 1024 ? new Array<string>(n) : [];
    this.argc = 0;
    return STEP_CONTINUE;
  }

  private parseInline(): string[] | typeof STEP_MORE | typeof STEP_CONTINUE {
    const buf = this.buf;
    let eol = buf.indexOf(LF, this.pos);
    // Redis looks for the newline with strchr, which stops at a NUL byte: a line with a NUL before its
    // newline is never complete, and the buffer grows until it is too big an inline request.
    if (eol !== -1) {
      const nul = buf.indexOf(0, this.pos);
      if (nul !== -1 && nul < eol) eol = -1;
    }
    if (eol === -1) {
      if (buf.length - this.pos > INLINE_MAX)
        throw new ProtocolError('Protocol error: too big inline request');
      this.need = buf.length - this.pos + 1;
      return STEP_MORE;
    }
    const lineEnd = eol > this.pos && buf[eol - 1] === CR ? eol - 1 : eol;
    const line = buf.toString('latin1', this.pos, lineEnd);
    this.pos = eol + 1;
    this.need = 1;
    const args = splitInlineArgs(line);
    if (args === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    if (this.pos >= this.buf.length && this.pendingBytes === 0) {
      this.buf = EMPTY;
      this.pos = 0;
    }
    if (args.length === 0) return STEP_CONTINUE;
    return args;
  }
}

const STEP_MORE = 0 as const;
const STEP_CONTINUE = 1 as const;

/** The number scanDigits read (a module variable, so the hot path returns two values without allocating). */
let scannedValue = 0;

/**
 * Reads 1-18 decimal digits at buf[start] followed by CR LF, all already in the buffer: returns the
 * index of the CR and leaves the number in scannedValue, or -1 when the bytes are not exactly that.
 */
function scanDigits(buf: Buffer, start: number): number {
  const limit = Math.min(buf.length, start + 18);
  let n = 0;
  let i = start;
  for (; i < limit; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  if (i === start || i + 1 >= buf.length || buf[i] !== CR || buf[i + 1] !== LF) return -1;
  scannedValue = n;
  return i;
}

/** Parses a non-negative or -1 decimal in buf[start, end); returns -2 on malformed input. */
function parseDecimal(buf: Buffer, start: number, end: number): number {
  if (start >= end || end - start > 18) return -2;
  let neg = false;
  let i = start;
  if (buf[i] === 45 /* '-' */) {
    neg = true;
    i++;
    if (i === end) return -2;
  }
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return -2;
    n = n * 10 + d;
  }
  if (neg) return n === 1 ? -1 : -2;
  return n;
}

const HEX = '0123456789abcdefABCDEF';

/**
 * Splits an inline command line like Redis's sdssplitargs: spaces separate arguments, "double quotes"
 * support \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' support \'. Returns null on unbalanced
 * quotes or a closing quote not followed by a space.
 */
export function splitInlineArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return out;
    let cur = '';
    let inDq = false;
    let inSq = false;
    for (;;) {
      if (inDq) {
        if (i >= n) return null;
        const ch = line[i];
        if (ch === '\\' && line[i + 1] === 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (ch === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          cur +=
            e === 'n'
              ? '\n'
              : e === 'r'
                ? '\r'
                : e === 't'
                  ? '\t'
                  : e === 'b'
                    ? '\b'
                    : e === 'a'
                      ? '\x07'
                      : e;
        } else if (ch === '"') {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          inDq = false;
          i++;
          break;
        } else cur += ch;
        i++;
      } else if (inSq) {
        if (i >= n) return null;
        const ch = line[i];
        if (ch === '\\' && line[i + 1] === "'") {
          cur += "'";
          i += 2;
          continue;
        }
        if (ch === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          inSq = false;
          i++;
          break;
        }
        cur += ch;
        i++;
      } else {
        if (i >= n) break;
        const ch = line[i];
        if (isSpace(line.charCodeAt(i))) break;
        if (ch === '"') inDq = true;
        else if (ch === "'") inSq = true;
        else cur += ch;
        i++;
      }
    }
    out.push(cur);
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0;
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && HEX.includes(c);
}

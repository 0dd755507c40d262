// The slow log as data (pure): entries newest first, each with an id that keeps growing across
// SLOWLOG RESET, the unix time it was logged, the duration in microseconds, the arguments as Redis 7.0
// keeps them (credentials redacted, at most 32 arguments, each at most 128 bytes plus a note of what
// was cut), the client's address and name. Which commands are logged, and when, is the caller's part.
import { lookupParam } from '../config/table.js';

/** Redis keeps at most this many arguments; the last one kept says how many more there were. */
export const SLOWLOG_ENTRY_MAX_ARGC = 32;
/** Redis keeps at most this many bytes of one argument, then says how many more there were. */
export const SLOWLOG_ENTRY_MAX_STRING = 128;
export const REDACTED = '(redacted)';

export interface SlowlogEntry {
  id: number;
  /** Unix time in seconds when the entry was logged. */
  time: number;
  /** Execution time in microseconds. */
  duration: number;
  argv: string[];
  /** The client's address, ip:port. */
  peer: string;
  /** The client's name ('' when it has none). */
  name: string;
}

/** A directive whose value CONFIG SET must not reveal (Redis 7.0 redacts these in SLOWLOG and MONITOR). */
function sensitiveDirective(name: string): boolean {
  const def = lookupParam(name);
  if (def === undefined) return false;
  // redis-server 7.0 redacts masteruser too; the table does not mark it sensitive.
  return def.sensitive === true || def.name === 'masteruser';
}

/**
 * The positions of argv that hold credentials, as Redis 7.0 redacts them: AUTH's arguments, HELLO's
 * AUTH username and password, the value of a sensitive directive in CONFIG SET, MIGRATE's AUTH/AUTH2
 * credentials and ACL SETUSER's rules. Where Redis leaves a secret in the log because the command
 * failed before it parsed that far (AUTH with too many arguments, HELLO with a bad protocol version),
 * this redacts anyway: a log is no place for a password.
 */
export function redactedPositions(argv: readonly string[]): number[] {
  const name = argv[0]?.toLowerCase();
  const out: number[] = [];
  if (name === 'auth') {
    for (let i = 1; i < argv.length; i++) out.push(i);
  } else if (name === 'hello') {
    for (let j = 2; j < argv.length; j++) {
      const more = argv.length - 1 - j;
      const opt = argv[j].toLowerCase();
      if (opt === 'auth' && more >= 2) {
        out.push(j + 1, j + 2);
        j += 2;
      } else if (opt === 'setname' && more >= 1) j++;
      else break;
    }
  } else if (name === 'config' && argv[1]?.toLowerCase() === 'set') {
    for (let j = 2; j + 1 < argv.length; j += 2) if (sensitiveDirective(argv[j])) out.push(j + 1);
  } else if (name === 'migrate') {
    for (let j = 6; j < argv.length; j++) {
      const opt = argv[j].toLowerCase();
      if (opt === 'auth' && j + 1 < argv.length) out.push(++j);
      else if (opt === 'auth2' && j + 2 < argv.length) {
        out.push(j + 1, j + 2);
        j += 2;
      } else if (opt === 'keys') break;
    }
  } else if (name === 'acl' && argv[1]?.toLowerCase() === 'setuser') {
    for (let j = 2; j < argv.length; j++) out.push(j);
  }
  return out;
}

/** The arguments as an entry keeps them: credentials redacted, then cut to Redis's limits. */
export function slowlogArgv(argv: readonly string[]): string[] {
  const redact = redactedPositions(argv);
  const argc = Math.min(argv.length, SLOWLOG_ENTRY_MAX_ARGC);
  const out: string[] = new Array<string>(argc);
  for (let j = 0; j < argc; j++) {
    if (argc !== argv.length && j === argc - 1) {
      out[j] = `... (${argv.length - argc + 1} more arguments)`;
      continue;
    }
    const a = redact.includes(j) ? REDACTED : argv[j];
    out[j] =
      a.length > SLOWLOG_ENTRY_MAX_STRING
        ? `${a.slice(0, SLOWLOG_ENTRY_MAX_STRING)}... (${a.length - SLOWLOG_ENTRY_MAX_STRING} more bytes)`
        : a;
  }
  return out;
}

/** The log itself: a queue, oldest first in memory, read newest first. */
export class SlowLog {
  /** Entries oldest first, from `head` on (what is before head was trimmed and awaits compaction). */
  private items: SlowlogEntry[] = [];
  private head = 0;
  /** The id the next entry gets; SLOWLOG RESET does not rewind it (as in Redis). */
  nextId = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** Logs a command and trims the log to maxLen entries. */
  push(
    argv: readonly string[],
    duration: number,
    peer: string,
    name: string,
    time: number,
    maxLen: number,
  ): void {
    this.items.push({ id: this.nextId++, time, duration, argv: slowlogArgv(argv), peer, name });
    this.trim(maxLen);
  }

  /** Drops the oldest entries until at most maxLen remain. */
  trim(maxLen: number): void {
    if (this.length <= maxLen) return;
    this.head = this.items.length - maxLen;
    // Trimmed entries are let go in batches, so a full log costs O(1) amortised per push.
    if (this.head >= 64 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Up to count entries, newest first (count < 0: all of them). */
  newest(count: number): SlowlogEntry[] {
    const n = count < 0 ? this.length : Math.min(count, this.length);
    const out: SlowlogEntry[] = [];
    for (let i = this.items.length - 1; i >= this.head && out.length < n; i--) out.push(this.items[i]);
    return out;
  }

  reset(): void {
    this.items = [];
    this.head = 0;
  }
}

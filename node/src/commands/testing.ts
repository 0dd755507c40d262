// A Ctx for unit tests of command handlers: runs a handler against plain Dbs and records the reply as
// JS values (strings, numbers, arrays, null, Error-like objects), with no sockets involved.
import { Db, type DbHost } from '../store/db.js';
import { RedisError } from '../store/errors.js';
import type { CommandSpec, Ctx } from '../server/command.js';
import {
  NOTIFY_ALL,
  NOTIFY_EXPIRED,
  NOTIFY_KEY_MISS,
  NOTIFY_KEYEVENT,
  NOTIFY_KEYSPACE,
  NOTIFY_NEW,
} from '../config/notify-classes.js';

export type Reply =
  string | number | bigint | boolean | null | Reply[] | { error: string } | { double: number };

class Recorder {
  stack: { items: Reply[]; remaining: number }[] = [];
  root: Reply[] = [];

  push(v: Reply): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      this.root.push(v);
      return;
    }
    top.items.push(v);
    top.remaining--;
    this.settle();
  }

  open(n: number): void {
    if (n === 0) {
      this.push([]);
      return;
    }
    this.stack.push({ items: [], remaining: n });
  }

  private settle(): void {
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined || top.remaining > 0) return;
      this.stack.pop();
      this.push(top.items);
    }
  }
}

export class TestHost implements DbHost {
  time = Date.now();
  deletes = true;
  expired: string[] = [];
  touched: string[] = [];
  readonly lookups = { hits: 0, misses: 0, counting: true };
  /** LRU by default; a test sets lfu to try LFU counters. */
  readonly access = { lfu: false, logFactor: 10, decayMinutes: 1 };
  /** Every class by default (notify-keyspace-events KEAmn), so tests see every event. */
  notifyFlags = NOTIFY_KEYSPACE | NOTIFY_KEYEVENT | NOTIFY_ALL | NOTIFY_KEY_MISS | NOTIFY_NEW;
  /** Where events go (TestCtx records them). */
  onEvent: ((cls: number, event: string, key: string, dbId: number) => void) | null = null;
  now(): number {
    return this.time;
  }
  expireDeletes(): boolean {
    return this.deletes;
  }
  onExpired(db: Db, key: string): void {
    this.expired.push(key);
    // As the server does: an expired key announced when it is deleted.
    if ((this.notifyFlags & NOTIFY_EXPIRED) !== 0)
      this.notifyKeyspaceEvent(NOTIFY_EXPIRED, 'expired', key, db.id);
  }
  notifyKeyspaceEvent(cls: number, event: string, key: string, dbId: number): void {
    this.onEvent?.(cls, event, key, dbId);
  }
  onTouched(_db: Db, key: string): void {
    this.touched.push(key);
  }
  onChangedQuietly(_db: Db, key: string): void {
    this.touched.push(key);
  }
  onKeyReady(): void {
    // no blocked clients in unit tests
  }
}

export class TestCtx implements Ctx {
  readonly host = new TestHost();
  readonly dbs: Db[] = [];
  db: Db;
  resp: 2 | 3 = 2;
  inExec = false;
  isMaster = false;
  inScript = false;
  blocked: { keys: string[]; timeoutMs: number; rerunArgv?: string[] } | null = null;
  propagated: string[][] | null = null;
  /**
   * Keyspace events the last command announced, in order: [class, event, key] for the selected db,
   * [class, event, key, db] for another db. Only classes enabled in host.notifyFlags are recorded.
   */
  events: [number, string, string, number?][] = [];
  private rec = new Recorder();

  constructor(private readonly specs: CommandSpec[]) {
    for (let i = 0; i < 16; i++) this.dbs.push(new Db(i, this.host));
    this.db = this.dbs[0];
    this.host.onEvent = (cls, event, key, dbId) => {
      this.events.push(dbId === this.db.id ? [cls, event, key] : [cls, event, key, dbId]);
    };
  }

  /** The last command's events as "event:key" (":db" appended for another db), for compact asserts. */
  eventNames(): string[] {
    return this.events.map(([, ev, key, db]) => (db === undefined ? `${ev}:${key}` : `${ev}:${key}:${db}`));
  }

  now(): number {
    return this.host.now();
  }

  dbAt(index: number): Db | undefined {
    return this.dbs[index];
  }

  /** Runs a command by name and returns its (single) reply. */
  run(...argv: (string | number)[]): Reply {
    const args = argv.map(String);
    const spec = this.specs.find((s) => s.name === args[0].toLowerCase());
    if (spec === undefined) throw new Error(`no such command in this family: ${args[0]}`);
    if ((spec.arity > 0 && args.length !== spec.arity) || (spec.arity < 0 && args.length < -spec.arity)) {
      return { error: `ERR wrong number of arguments for '${spec.name}' command` };
    }
    this.rec = new Recorder();
    this.blocked = null;
    this.propagated = null;
    this.events = [];
    try {
      spec.handler(this, args);
    } catch (e) {
      if (e instanceof RedisError) this.rec.push({ error: e.message });
      else throw e;
    }
    if (this.rec.root.length !== 1 && this.blocked === null) {
      throw new Error(`command produced ${this.rec.root.length} replies`);
    }
    return this.rec.root[0] ?? null;
  }

  ok(): void {
    this.rec.push('OK');
  }
  simple(s: string): void {
    this.rec.push(s);
  }
  error(message: string): void {
    this.rec.push({ error: message });
  }
  int(n: number | bigint): void {
    this.rec.push(typeof n === 'bigint' ? Number(n) : n);
  }
  bulk(s: string): void {
    this.rec.push(s);
  }
  nil(): void {
    this.rec.push(null);
  }
  nilArray(): void {
    this.rec.push(null);
  }
  arrayLen(n: number): void {
    this.rec.open(n);
  }
  mapLen(n: number): void {
    this.rec.open(n * 2);
  }
  setLen(n: number): void {
    this.rec.open(n);
  }
  double(d: number): void {
    this.rec.push({ double: d });
  }
  bulks(items: readonly string[]): void {
    this.rec.push([...items]);
  }
  verbatim(s: string): void {
    this.rec.push(s);
  }
  bool(b: boolean): void {
    this.rec.push(b ? 1 : 0);
  }
  block(keys: string[], timeoutMs: number, _timeoutReply?: 'nil' | 'nilArray', rerunArgv?: string[]): void {
    this.blocked = { keys, timeoutMs, rerunArgv };
  }
  /** Set by a test to run a command as the re-run of a blocked one, woken by this key. */
  woken: string | null = null;
  wokenBy(): string | null {
    return this.woken;
  }
  propagateAs(...argvs: string[][]): void {
    this.propagated = argvs;
  }
  notify(cls: number, event: string, key: string): void {
    if ((this.host.notifyFlags & cls) !== 0) this.host.notifyKeyspaceEvent(cls, event, key, this.db.id);
  }
}

/** Error replies that many command tests expect, as TestCtx records them. */
export const REPLY_WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' };
export const REPLY_NOT_INT = { error: 'ERR value is not an integer or out of range' };
export const REPLY_SYNTAX = { error: 'ERR syntax error' };

/** A command's [arity, flags, firstKey, lastKey, step] as COMMAND INFO reports them. */
export function commandSpecOf(
  table: CommandSpec[],
  name: string,
): [number, string[], number, number, number] {
  const s = table.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no command ${name}`);
  return [s.arity, s.flags, s.firstKey, s.lastKey, s.step];
}

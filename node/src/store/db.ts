// Db: one numbered database as commands see it — a Keyspace plus Redis's expiry policy (lazy expiry on
// access, deletion only where the host allows it, i.e. on masters) and the hooks that tell the server a
// key changed (dirty counter, WATCH, blocked clients, propagation of expiry DELs).
import { Entry, Keyspace } from './keyspace.js';
import type { RValue } from './value.js';
import { NOTIFY_NEW } from '../config/notify-classes.js';
import { accessed, initialAccess, type AccessPolicy } from './lru.js';
import type { TaggedString } from './tagged-string.js';

export interface DbHost {
  /** The time commands see: fixed for the duration of one command, like Redis's cached mstime. */
  now(): number;
  /** Masters delete expired keys; replicas only hide them and wait for the master's DEL. */
  expireDeletes(): boolean;
  /** An expired key was deleted (propagate DEL, count it). */
  onExpired(db: Db, key: string): void;
  /** A key was modified by a command (dirty++, invalidate WATCH, wake blocked clients). */
  onTouched(db: Db, key: string): void;
  /** A change Redis counts (dirty++) without signalling the key (consumer-group changes). */
  onChangedQuietly(db: Db, key: string): void;
  /** Blocked clients waiting on key look again, WATCH untouched (XGROUP DESTROY). */
  onKeyReady(db: Db, key: string): void;
  /**
   * Read lookups that found / did not find their key (INFO keyspace_hits / keyspace_misses); like
   * Redis, only read-only commands count (counting is switched off around write commands).
   */
  readonly lookups: { hits: number; misses: number; counting: boolean };
  /** notify-keyspace-events as NOTIFY_* flags (config/notify-classes.ts); read before every event. */
  readonly notifyFlags: number;
  /** Publishes one keyspace event of db dbId (called only when its class is enabled). */
  notifyKeyspaceEvent(cls: number, event: string, key: string, dbId: number): void;
  /** How reads and writes record an access on the key (LRU clock or LFU counter). */
  readonly access: AccessPolicy;
}

export class Db {
  ks = new Keyspace();
  /** The entry lookupWrite() returned last, so touched() re-accounts it without a second lookup. */
  private writing: { key: string; entry: Entry | null; ks: Keyspace | null } = {
    key: '',
    entry: null,
    ks: null,
  };

  constructor(
    public readonly id: number,
    private readonly host: DbHost,
  ) {
    this.ks.access = host.access;
  }

  /** The live entry for key, applying lazy expiry. */
  lookupEntry(key: string): Entry | undefined {
    const e = this.ks.get(key);
    if (e === undefined) return undefined;
    if (e.expireAt !== -1 && e.expireAt <= this.host.now()) {
      if (this.host.expireDeletes()) {
        this.ks.delete(key);
        this.host.onExpired(this, key);
      }
      return undefined;
    }
    return e;
  }

  /** A read: counts a hit or a miss and records an access (touch false: Redis's LOOKUP_NOTOUCH, as TYPE). */
  lookupRead(key: string, touch = true): RValue | undefined {
    const e = this.lookupEntry(key);
    const l = this.host.lookups;
    if (e === undefined) {
      if (l.counting) l.misses++;
      return undefined;
    }
    if (l.counting) l.hits++;
    if (touch) e.lru = accessed(e.lru, this.host.now(), this.host.access);
    if (e.isPacked) {
      const v = e.value;
      this.ks.account(key, e);
      return v;
    }
    return e.value;
  }

  /** How accesses are recorded (OBJECT IDLETIME / FREQ read them with it). */
  get access(): AccessPolicy {
    return this.host.access;
  }

  /** For in-place mutation: the snapshot observer sees the old value first. Call touched() afterwards. */
  lookupWrite(key: string): RValue | undefined {
    const e = this.lookupEntry(key);
    if (e === undefined) return undefined;
    this.ks.willWrite(key, e);
    e.lru = accessed(e.lru, this.host.now(), this.host.access);
    this.writing.key = key;
    this.writing.entry = e;
    this.writing.ks = this.ks;
    return e.value;
  }

  exists(key: string): boolean {
    return this.lookupEntry(key) !== undefined;
  }

  /** Stores value under key (replacing any), drops the TTL unless keepTtl, and signals the change. */
  set(key: string, value: RValue | TaggedString, keepTtl = false): void {
    let e = this.ks.get(key);
    if (e !== undefined && e.expireAt !== -1 && e.expireAt <= this.host.now()) {
      if (this.host.expireDeletes()) {
        this.ks.delete(key);
        this.host.onExpired(this, key);
        e = undefined;
      } else keepTtl = false; // a logically expired key is replaced as if it did not exist
    }
    const entry = this.ks.setFound(key, e, value, keepTtl);
    const now = this.host.now();
    entry.lru =
      e === undefined ? initialAccess(now, this.host.access) : accessed(entry.lru, now, this.host.access);
    this.host.onTouched(this, key);
    // Redis's dbAdd: a key that did not exist is announced as 'new' (class n) before the command's event.
    if (e === undefined && (this.host.notifyFlags & NOTIFY_NEW) !== 0)
      this.host.notifyKeyspaceEvent(NOTIFY_NEW, 'new', key, this.id);
  }

  /**
   * A keyspace event for key in this db, for events of a db other than the command's own (MOVE's
   * move_to, COPY ... DB's copy_to); a flag test when the class is off. Commands use Ctx.notify otherwise.
   */
  notify(cls: number, event: string, key: string): void {
    if ((this.host.notifyFlags & cls) !== 0) this.host.notifyKeyspaceEvent(cls, event, key, this.id);
  }

  /** Deletes key if it is live; signals the change. */
  delete(key: string): boolean {
    if (this.lookupEntry(key) === undefined) return false;
    this.ks.delete(key);
    this.host.onTouched(this, key);
    return true;
  }

  /**
   * An in-place change after lookupWrite() that Redis counts but does not signal: memory re-accounted,
   * dirty counted (so it propagates), WATCH and client tracking untouched (consumer-group changes).
   */
  changedQuietly(key: string): void {
    const e = this.ks.get(key);
    if (e !== undefined) this.ks.account(key, e);
    this.host.onChangedQuietly(this, key);
  }

  /** Clients blocked on key look again (Redis's signalKeyAsReady), without touching WATCH. */
  signalReady(key: string): void {
    this.host.onKeyReady(this, key);
  }

  /** The entry lookupWrite(key) returned, if it is still the key's (null: look it up again). */
  private lookedUp(key: string): Entry | null {
    const w = this.writing;
    const e = w.key === key && w.ks === this.ks ? w.entry : null;
    // A cached entry deleted since (Entry.mem === -1) may have been replaced under the same key.
    return e === null || e.mem === -1 ? null : e;
  }

  /**
   * Replaces the value lookupWrite(key) just returned by a new one, keeping its TTL, as set(key,
   * value, true) would for that live key, without a second lookup (INCR and its kin).
   */
  replaceLooked(key: string, value: RValue | TaggedString): void {
    const e = this.lookedUp(key);
    if (e === null) {
      this.set(key, value, true);
      return;
    }
    e.put(value);
    this.touched(key);
  }

  /** Signals an in-place change made after lookupWrite(). */
  touched(key: string): void {
    const e = this.lookedUp(key) ?? this.ks.get(key) ?? null;
    if (e !== null) this.ks.account(key, e);
    this.host.onTouched(this, key);
  }

  /** Absolute expiry in ms, -1 for none, -2 for a missing key. */
  getExpire(key: string): number {
    const e = this.lookupEntry(key);
    if (e === undefined) return -2;
    return e.expireAt;
  }

  /** Sets an absolute expiry (or -1 to persist) on a live key; returns false if the key is missing. */
  setExpire(key: string, at: number): boolean {
    const e = this.lookupEntry(key);
    if (e === undefined) return false;
    this.ks.setExpire(key, e, at);
    this.host.onTouched(this, key);
    return true;
  }

  /** Number of keys, counting expired-but-not-yet-collected ones as Redis's DBSIZE does. */
  get size(): number {
    return this.ks.size;
  }

  /** Replaces the keyspace with an empty one (a running snapshot keeps the old one). */
  flush(): Keyspace {
    const old = this.ks;
    this.ks = new Keyspace();
    this.ks.access = this.host.access;
    return old;
  }

  now(): number {
    return this.host.now();
  }

  /** Runs one bounded pass of active expiry over the volatile keys; returns how many were deleted. */
  activeExpire(maxChecks: number): { checked: number; expired: number } {
    let checked = 0;
    let expired = 0;
    if (!this.host.expireDeletes() || this.ks.volatile.size === 0) return { checked, expired };
    const now = this.host.now();
    const it = this.volatileCursor();
    while (checked < maxChecks) {
      const n = it.next();
      if (n.done) {
        this.cursor = null;
        break;
      }
      checked++;
      const key = n.value;
      const e = this.ks.get(key);
      if (e !== undefined && e.expireAt !== -1 && e.expireAt <= now) {
        this.ks.delete(key);
        this.host.onExpired(this, key);
        expired++;
      }
    }
    return { checked, expired };
  }

  private cursor: { ks: Keyspace; it: Iterator<string> } | null = null;

  private volatileCursor(): Iterator<string> {
    if (this.cursor === null || this.cursor.ks !== this.ks) {
      this.cursor = { ks: this.ks, it: this.ks.volatile.values() };
    }
    return this.cursor.it;
  }
}

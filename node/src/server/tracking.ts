// Client-side caching (CLIENT TRACKING) as Redis 7.0's tracking.c: the table of keys clients read (key →
// client IDs, for every db at once, as Redis's), the broadcast prefixes (BCAST) with the keys changed
// under each since the last event-loop turn, and the invalidation messages: RESP3 `invalidate` pushes,
// or Pub/Sub messages on __redis__:invalidate to a RESP2 client that a tracking client redirects to.
// OPTIN / OPTOUT with CLIENT CACHING, NOLOOP, a broken redirection reported as tracking-redir-broken,
// invalidations of the current client's own keys held until its reply is out, FLUSHDB / FLUSHALL as a
// null invalidation, and tracking-table-max-keys enforced by invalidating keys (oldest remembered first).
import type { Client } from './client.js';

export interface TrackingState {
  /** The client ID invalidations go to; 0 for the client itself. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES (OPTIN) or NO (OPTOUT) was given for the next command. */
  caching: boolean;
  brokenRedirect: boolean;
  prefixes: Set<string>;
}

interface Broadcast {
  /** Keys changed since the last broadcast, each with the client that changed it last (for NOLOOP). */
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

const CHANNEL = '__redis__:invalidate';

function bulk(s: string): string {
  return `$${s.length}\r\n${s}\r\n`;
}

export class Tracking {
  /** Key → IDs of the clients that may cache it. */
  private readonly table = new Map<string, Set<number>>();
  private readonly prefixes = new Map<string, Broadcast>();
  private items = 0;
  clients = 0;
  /** Invalidations for the client whose command is running, sent after its reply. */
  private pendingSelf: string[] = [];
  private broadcastScheduled = false;

  constructor(
    private readonly clientById: (id: number) => Client | undefined,
    /** Hands a client's output to its socket soon (a message written outside its own command). */
    private readonly flushSoon: (c: Client) => void,
  ) {}

  get totalKeys(): number {
    return this.table.size;
  }
  get totalItems(): number {
    return this.items;
  }
  get totalPrefixes(): number {
    return this.prefixes.size;
  }

  enable(
    c: Client,
    opts: Omit<TrackingState, 'caching' | 'brokenRedirect' | 'prefixes'>,
    prefixes: string[],
  ): void {
    if (c.tracking === null) this.clients++;
    const prev = c.tracking;
    const st: TrackingState = {
      ...opts,
      caching: prev?.caching ?? false,
      brokenRedirect: false,
      prefixes: prev?.prefixes ?? new Set(),
    };
    c.tracking = st;
    if (opts.bcast) {
      const list = prefixes.length === 0 ? [''] : prefixes;
      for (const p of list) {
        let b = this.prefixes.get(p);
        if (b === undefined) this.prefixes.set(p, (b = { keys: new Map(), clients: new Set() }));
        b.clients.add(c);
        st.prefixes.add(p);
      }
    }
  }

  disable(c: Client): void {
    const st = c.tracking;
    if (st === null) return;
    for (const p of st.prefixes) {
      const b = this.prefixes.get(p);
      if (b === undefined) continue;
      b.clients.delete(c);
      if (b.clients.size === 0) this.prefixes.delete(p);
    }
    c.tracking = null;
    this.clients--;
  }

  /** A prefix that overlaps (one starts the other) one of `existing`, or null. */
  static overlap(p: string, existing: Iterable<string>): string | null {
    for (const e of existing) if (p.startsWith(e) || e.startsWith(p)) return e;
    return null;
  }

  /** After a read-only command: the keys it read may now be cached by c (unless OPTIN/OPTOUT says no). */
  remember(c: Client, keys: readonly string[]): void {
    const st = c.tracking;
    if (st === null || st.bcast) return;
    if ((st.optin && !st.caching) || (st.optout && st.caching)) return;
    for (const k of keys) {
      let ids = this.table.get(k);
      if (ids === undefined) this.table.set(k, (ids = new Set()));
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.items++;
      }
    }
  }

  /**
   * A key changed (by `by`, null outside any client: expiry, eviction): every client that may cache it
   * is told, and it is no longer tracked; with bcast, it is also queued for its prefixes' broadcast.
   */
  invalidate(key: string, by: Client | null, current: Client | null, bcast = true): void {
    if (this.clients === 0 && this.table.size === 0) return;
    if (bcast && this.prefixes.size > 0) this.queueBroadcast(key, by);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    for (const id of ids) {
      const target = this.clientById(id);
      if (target === undefined || target.tracking === null || target.tracking.bcast) continue;
      if (target.tracking.noloop && target === by) continue;
      if (target === current) this.pendingSelf.push(key);
      else this.send(target, `*1\r\n${bulk(key)}`);
    }
    this.items -= ids.size;
    this.table.delete(key);
  }

  /** The invalidations the current client's own command caused, after its reply. */
  flushPending(current: Client): void {
    if (this.pendingSelf.length === 0) return;
    const keys = this.pendingSelf;
    this.pendingSelf = [];
    for (const k of keys) this.send(current, `*1\r\n${bulk(k)}`);
  }

  /**
   * FLUSHDB / FLUSHALL: every tracking client is told that all its keys are invalid: a null, in the
   * tracking client's own protocol (also when it goes to the client it redirects to).
   */
  invalidateAll(clients: Iterable<Client>): void {
    for (const c of clients) if (c.tracking !== null) this.send(c, c.resp === 3 ? '_\r\n' : '$-1\r\n');
    this.table.clear();
    this.items = 0;
  }

  /** tracking-table-max-keys: over the limit, keys are invalidated (oldest remembered first). */
  limit(maxKeys: number, current: Client | null): void {
    if (maxKeys === 0) return;
    for (const k of this.table.keys()) {
      if (this.table.size <= maxKeys) return;
      this.invalidate(k, null, current, false);
    }
  }

  private queueBroadcast(key: string, by: Client | null): void {
    for (const [p, b] of this.prefixes) {
      if (!key.startsWith(p)) continue;
      b.keys.set(key, by);
    }
    if (!this.broadcastScheduled) {
      this.broadcastScheduled = true;
      setImmediate(() => this.broadcast());
    }
  }

  /** Once per event-loop turn: each prefix's changed keys (prefixes and keys in byte order) to its clients. */
  broadcast(): void {
    this.broadcastScheduled = false;
    const order = [...this.prefixes.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    for (const p of order) {
      const b = this.prefixes.get(p) as Broadcast;
      if (b.keys.size === 0) continue;
      const keys = [...b.keys].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      b.keys = new Map();
      for (const c of b.clients) {
        const mine = c.tracking?.noloop === true ? keys.filter(([, by]) => by !== c) : keys;
        if (mine.length === 0) continue;
        this.send(c, `*${mine.length}\r\n${mine.map(([k]) => bulk(k)).join('')}`);
      }
    }
  }

  /** sendTrackingMessage: payload is the RESP of the keys (an array, or a null for all of them). */
  private send(c: Client, payload: string): void {
    const st = c.tracking;
    let target = c;
    let redirected = false;
    if (st !== null && st.redirect !== 0) {
      const r = this.clientById(st.redirect);
      if (r === undefined) {
        st.brokenRedirect = true;
        if (c.resp === 3) {
          c.write(`>2\r\n${bulk('tracking-redir-broken')}:${st.redirect}\r\n`);
          this.flushSoon(c);
        }
        return;
      }
      target = r;
      redirected = true;
    }
    if (target.resp === 3) {
      target.write(`>2\r\n${bulk('invalidate')}${payload}`);
    } else if (redirected && target.pubsubCount() > 0) {
      target.write(`*3\r\n${bulk('message')}${bulk(CHANNEL)}${payload}`);
    } else return; // RESP2 without a redirection: Redis has no way to tell it
    this.flushSoon(target);
  }
}

// Eviction under maxmemory, as Redis 7.0's evict.c: before a command runs, keys are evicted until the
// used memory is back under maxmemory. LRU, LFU and TTL policies sample maxmemory-samples keys per
// database into a pool of the 16 best candidates kept across calls, and evict the best one that still
// exists; the random policies take a random key, database after database. Eviction stops after a time
// limit set by maxmemory-eviction-tenacity and goes on in the next turns of the event loop.
import type { Db } from '../store/db.js';
import type { Entry } from '../store/keyspace.js';
import { idleMs, lfuCounter, type AccessPolicy } from '../store/lru.js';

export type Policy =
  | 'noeviction'
  | 'allkeys-lru'
  | 'allkeys-lfu'
  | 'allkeys-random'
  | 'volatile-lru'
  | 'volatile-lfu'
  | 'volatile-random'
  | 'volatile-ttl';

/** ok: under the limit; running: still over, eviction goes on in the background; fail: nothing to evict. */
export type EvictResult = 'ok' | 'running' | 'fail';

export interface EvictionHost {
  readonly dbs: readonly Db[];
  /** Bytes maxmemory is compared with. */
  usedForEviction(): number;
  readonly maxmemory: number;
  readonly policy: Policy;
  readonly samples: number;
  readonly tenacity: number;
  readonly access: AccessPolicy;
  now(): number;
  /** Deletes the key as evicted: propagate DEL, count it, notify 'evicted', invalidate WATCH. */
  evict(db: Db, key: string): void;
}

const POOL_SIZE = 16;

interface Candidate {
  idle: number;
  key: string;
  dbId: number;
}

/** Microseconds one eviction run may take (evictionTimeLimitUs): 500 µs at the default tenacity 10. */
export function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return Math.floor(500 * Math.pow(1.15, tenacity - 10));
  return Infinity;
}

/** The pool's ranking: higher evicts first. */
export function candidateScore(policy: Policy, e: Entry, now: number, access: AccessPolicy): number {
  if (policy.endsWith('-lru')) return idleMs(e.lru, now);
  if (policy.endsWith('-lfu')) return 255 - lfuCounter(e.lru, now, access);
  return Number.MAX_SAFE_INTEGER - e.expireAt; // volatile-ttl: the soonest to expire goes first
}

export class Evictor {
  /** Best candidates, ascending by score: the end is evicted first. */
  private pool: Candidate[] = [];
  private nextDb = 0;
  private background = false;
  evictedKeys = 0;
  /** Eviction runs that hit the time limit (INFO's eviction_exceeded_time is their total). */
  exceededMs = 0;

  constructor(private readonly host: EvictionHost) {}

  get running(): boolean {
    return this.background;
  }

  /** Evicts until under maxmemory, the time limit, or no candidate is left. */
  perform(): EvictResult {
    const h = this.host;
    if (h.maxmemory === 0 || h.usedForEviction() <= h.maxmemory) return 'ok';
    if (h.policy === 'noeviction') return 'fail';
    const start = performance.now();
    const limitMs = evictionTimeLimitUs(h.tenacity) / 1000;
    let freed = 0;
    for (;;) {
      if (h.usedForEviction() <= h.maxmemory) return 'ok';
      const picked = h.policy.endsWith('-random') ? this.pickRandom() : this.pickFromPool();
      if (picked === null) return 'fail';
      h.evict(picked.db, picked.key);
      this.evictedKeys++;
      if (++freed % 16 === 0 && performance.now() - start > limitMs) {
        this.exceededMs += performance.now() - start;
        this.continueLater();
        return 'running';
      }
    }
  }

  private continueLater(): void {
    if (this.background) return;
    this.background = true;
    setImmediate(() => {
      this.background = false;
      this.perform(); // when still over the time limit, perform() schedules the next turn itself
    });
  }

  private volatileOnly(): boolean {
    return this.host.policy.startsWith('volatile-');
  }

  private pickRandom(): { db: Db; key: string } | null {
    const dbs = this.host.dbs;
    const volatile = this.volatileOnly();
    for (let i = 0; i < dbs.length; i++) {
      this.nextDb = (this.nextDb + 1) % dbs.length;
      const db = dbs[this.nextDb];
      let key: string | null = null;
      db.ks.sample(1, volatile, (k) => (key = k));
      if (key !== null) return { db, key };
    }
    return null;
  }

  private pickFromPool(): { db: Db; key: string } | null {
    const h = this.host;
    const volatile = this.volatileOnly();
    const now = h.now();
    for (;;) {
      let total = 0;
      for (const db of h.dbs) {
        const n = volatile ? db.ks.volatile.size : db.ks.size;
        if (n === 0) continue;
        total += n;
        db.ks.sample(h.samples, volatile, (key, e) =>
          this.offer(candidateScore(h.policy, e, now, h.access), key, db.id),
        );
      }
      if (total === 0) return null;
      while (this.pool.length > 0) {
        const c = this.pool.pop() as Candidate;
        const db = h.dbs[c.dbId];
        const e = db.ks.get(c.key);
        if (e !== undefined && (!volatile || e.expireAt !== -1)) return { db, key: c.key };
      }
    }
  }

  /** Inserts a sampled key into the pool, keeping it sorted and at most POOL_SIZE long. */
  private offer(idle: number, key: string, dbId: number): void {
    const pool = this.pool;
    let i = 0;
    while (i < pool.length && pool[i].idle < idle) i++;
    // Already pooled (sampled again): keep one entry, with the fresh score.
    for (let j = 0; j < pool.length; j++) {
      if (pool[j].key === key && pool[j].dbId === dbId) {
        pool.splice(j, 1);
        if (j < i) i--;
        break;
      }
    }
    if (pool.length >= POOL_SIZE) {
      if (i === 0) return; // worse than every candidate in a full pool
      pool.shift();
      i--;
    }
    pool.splice(i, 0, { idle, key, dbId });
  }
}

// Dataset helpers for replication and persistence tests: random writes across types/DBs/TTLs, and a
// key-by-key dump of a server (any Redis-protocol server) for exact comparison.
import type { Redis } from 'ioredis';

export interface KeyDump {
  type: string;
  value: unknown;
  /** Absolute expiry (ms) rounded to the second, or -1. */
  expireSec: number;
}

export type Dump = Record<string, KeyDump>;

/** A small seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Issues `count` random write commands (strings, lists, hashes, sets, zsets, TTLs, several DBs). */
export async function randomWrites(r: Redis, count: number, seed: number, dbs = 3): Promise<void> {
  const rand = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const pipe = r.pipeline();
  for (let i = 0; i < count; i++) {
    const db = Math.floor(rand() * dbs);
    pipe.select(db);
    const k = `k${Math.floor(rand() * 200)}`;
    const n = Math.floor(rand() * 1000);
    switch (Math.floor(rand() * 12)) {
      case 0:
        pipe.set(`s:${k}`, `v${n}`);
        break;
      case 1:
        pipe.incrby(`n:${k}`, n);
        break;
      case 2:
        pipe.rpush(`l:${k}`, `e${n}`, `f${n}`);
        break;
      case 3:
        pipe.lpop(`l:${k}`);
        break;
      case 4:
        pipe.hset(`h:${k}`, `f${n % 20}`, `v${n}`);
        break;
      case 5:
        pipe.sadd(`set:${k}`, String(n % 50), `m${n % 7}`);
        break;
      case 6:
        pipe.zadd(`z:${k}`, n / 7, `m${n % 30}`);
        break;
      case 7:
        pipe.set(`t:${k}`, `ttl${n}`, 'EX', 1000 + n);
        break;
      case 8:
        pipe.del(pick([`s:${k}`, `l:${k}`, `h:${k}`]));
        break;
      case 9:
        pipe.expire(`h:${k}`, 500 + n);
        break;
      case 10:
        pipe.zincrby(`z:${k}`, 1.5, `m${n % 30}`);
        break;
      default:
        pipe.append(`s:${k}`, 'x');
    }
  }
  pipe.select(0);
  await pipe.exec();
}

/** Every key of every non-empty db (0..dbs-1), with type, full value and expiry. */
export async function dumpAll(r: Redis, dbs = 16): Promise<Dump> {
  const out: Dump = {};
  for (let db = 0; db < dbs; db++) {
    await r.select(db);
    let cursor = '0';
    const keys: string[] = [];
    do {
      const [next, batch] = await r.scan(cursor, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    for (const key of keys) {
      const type = await r.type(key);
      let value: unknown;
      if (type === 'string') value = (await r.getBuffer(key))?.toString('hex');
      else if (type === 'list') value = await r.lrange(key, 0, -1);
      else if (type === 'hash') value = sortObj(await r.hgetall(key));
      else if (type === 'set') value = (await r.smembers(key)).sort();
      else if (type === 'zset') value = await r.zrange(key, 0, -1, 'WITHSCORES');
      else if (type === 'none') continue;
      const pexp = Number(await r.call('PEXPIRETIME', key));
      out[`${db}:${key}`] = { type, value, expireSec: pexp < 0 ? -1 : Math.round(pexp / 1000) };
    }
  }
  await r.select(0);
  return out;
}

function sortObj(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

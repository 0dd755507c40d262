// The values MEMORY USAGE is compared on, by test/node-maxmemory.test.ts (reply shapes, ordering) and
// bench/memory-usage.ts (the figures beside redis-server's): small and large strings and collections.
import type { Redis } from 'ioredis';

export const MEMORY_VALUES: [string, (r: Redis) => Promise<unknown>][] = [
  ['str3', (r) => r.set('str3', 'abc')],
  ['str100', (r) => r.set('str100', 's'.repeat(100))],
  ['str10000', (r) => r.set('str10000', 's'.repeat(10000))],
  ['int', (r) => r.set('int', '123456789')],
  ['list100', (r) => r.rpush('list100', ...Array.from({ length: 100 }, (_, i) => `e${i}`))],
  [
    'list10000x100',
    async (r) => {
      for (let b = 0; b < 10; b++) {
        await r.rpush(
          'list10000x100',
          ...Array.from({ length: 1000 }, (_, i) => `${b}-${i}-`.padEnd(100, 'x')),
        );
      }
    },
  ],
  [
    'hash10',
    (r) => r.hset('hash10', Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, `v${i}`]))),
  ],
  [
    'hash1000',
    (r) =>
      r.hset(
        'hash1000',
        Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`field${i}`, `value${i}`])),
      ),
  ],
  ['setint100', (r) => r.sadd('setint100', ...Array.from({ length: 100 }, (_, i) => String(i * 3)))],
  ['setstr1000', (r) => r.sadd('setstr1000', ...Array.from({ length: 1000 }, (_, i) => `member-${i}`))],
  ['zset100', (r) => r.zadd('zset100', ...Array.from({ length: 100 }, (_, i) => [i, `m${i}`]).flat())],
  [
    'zset1000',
    (r) => r.zadd('zset1000', ...Array.from({ length: 1000 }, (_, i) => [i, `member-${i}`]).flat()),
  ],
];

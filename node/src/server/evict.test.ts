// Eviction against real Dbs (TestHost): each policy picks what Redis's would, stops once under the
// limit, reports 'fail' when nothing may be evicted, and honours the time limit of the tenacity.
import { jest } from '@jest/globals';
import { Db } from '../store/db.js';
import { TestHost } from '../commands/testing.js';
import { Evictor, evictionTimeLimitUs, type Policy } from './evict.js';

function setup(policy: Policy, keys: number, volatileEvery = 0) {
  const host = new TestHost();
  const db = new Db(0, host);
  for (let i = 0; i < keys; i++) {
    host.time += 1000; // one second apart: key i was last accessed (keys - i) s before the end
    db.set(`k${i}`, 'x'.repeat(100));
    if (volatileEvery > 0 && i % volatileEvery === 0) db.setExpire(`k${i}`, host.time + 1_000_000 + i * 1000);
  }
  const evicted: string[] = [];
  const limit = { max: db.ks.bytes };
  const ev = new Evictor({
    dbs: [db],
    usedForEviction: () => db.ks.bytes,
    get maxmemory() {
      return limit.max;
    },
    policy,
    samples: 10,
    tenacity: 100,
    access: host.access,
    now: () => host.time,
    evict: (d, key) => {
      d.ks.delete(key);
      evicted.push(key);
    },
  });
  return { db, ev, evicted, limit, host };
}

test('under the limit nothing is evicted; noeviction fails once over it', () => {
  const { ev, evicted, limit } = setup('noeviction', 100);
  expect(ev.perform()).toBe('ok');
  limit.max -= 1;
  expect(ev.perform()).toBe('fail');
  expect(evicted).toEqual([]);
});

test('allkeys-lru evicts until under the limit, and mostly the least recently used keys', () => {
  const { db, ev, evicted, limit } = setup('allkeys-lru', 1000);
  limit.max = db.ks.bytes / 2;
  expect(ev.perform()).toBe('ok');
  expect(db.ks.bytes).toBeLessThanOrEqual(limit.max);
  expect(evicted.length).toBeGreaterThan(450);
  const ages = evicted.map((k) => Number(k.slice(1)));
  const oldHalf = ages.filter((i) => i < 500).length;
  // Sampled LRU is approximate (as Redis's): most evicted keys are from the older half.
  expect(oldHalf / evicted.length).toBeGreaterThan(0.8);
});

test('volatile policies evict only keys with a TTL, and fail when none is left', () => {
  for (const policy of ['volatile-lru', 'volatile-random', 'volatile-ttl', 'volatile-lfu'] as Policy[]) {
    const { db, ev, evicted, limit } = setup(policy, 200, 4);
    limit.max = 0.1;
    expect(ev.perform()).toBe('fail');
    expect(evicted.length).toBe(50);
    expect(db.ks.volatile.size).toBe(0);
    expect(db.ks.size).toBe(150);
  }
});

test('volatile-ttl evicts the keys closest to expiring first', () => {
  const { db, ev, evicted, limit } = setup('volatile-ttl', 400, 1);
  limit.max = db.ks.bytes * 0.75;
  ev.perform();
  const order = evicted.map((k) => Number(k.slice(1)));
  expect(order.filter((i) => i < 200).length / order.length).toBeGreaterThan(0.8);
});

test('allkeys-random evicts until under the limit', () => {
  const { db, ev, limit } = setup('allkeys-random', 500);
  limit.max = db.ks.bytes / 4;
  expect(ev.perform()).toBe('ok');
  expect(db.ks.bytes).toBeLessThanOrEqual(limit.max);
});

test("the tenacity's time limit: 50 us per step up to 10, then 15% more per step, unlimited at 100", () => {
  expect(evictionTimeLimitUs(0)).toBe(0);
  expect(evictionTimeLimitUs(10)).toBe(500);
  expect(evictionTimeLimitUs(11)).toBe(575);
  expect(evictionTimeLimitUs(100)).toBe(Infinity);
});

test('allkeys-random finds a key even when every random probe hits a hole in the scan index', () => {
  const { db, ev, evicted, limit } = setup('allkeys-random', 100);
  db.ks.delete('k0'); // index 0 is now a hole, and every probe below lands on it
  limit.max = db.ks.bytes - 1;
  const random = jest.spyOn(Math, 'random').mockReturnValue(0);
  try {
    expect(ev.perform()).toBe('ok');
  } finally {
    random.mockRestore();
  }
  expect(evicted).toHaveLength(1);
});

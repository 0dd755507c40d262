// Access tracking: the LRU clock and idle time, and the LFU counter's growth and decay.
import {
  accessed,
  idleMs,
  initialAccess,
  lfuAccess,
  lfuCounter,
  LFU_INIT_VAL,
  lruClock,
  LRU_CLOCK_MAX,
} from './lru.js';

const LRU = { lfu: false, logFactor: 10, decayMinutes: 1 };
const LFU = { lfu: true, logFactor: 10, decayMinutes: 1 };
const T0 = 1_764_000_000_000;

test('idle time is the seconds since the recorded LRU clock, across the clock wrap', () => {
  const f = initialAccess(T0, LRU);
  expect(idleMs(f, T0)).toBe(0);
  expect(idleMs(f, T0 + 5_400)).toBe(5_000);
  expect(idleMs(accessed(f, T0 + 7_000, LRU), T0 + 7_000)).toBe(0);
  // The clock is 24 bits of seconds: an access just before it wraps is still 2 s old after it.
  const wrapAt = (LRU_CLOCK_MAX + 1) * 1000 * Math.ceil(T0 / ((LRU_CLOCK_MAX + 1) * 1000));
  const before = lruClock(wrapAt - 1000);
  expect(before).toBe(LRU_CLOCK_MAX);
  expect(idleMs(before, wrapAt + 1000)).toBe(1000);
});

test('a new key starts at LFU_INIT_VAL; with log factor 0 every access counts, up to 255', () => {
  let f = initialAccess(T0, LFU);
  expect(lfuCounter(f, T0, LFU)).toBe(LFU_INIT_VAL);
  const every = { ...LFU, logFactor: 0 };
  for (let i = 0; i < 300; i++) f = lfuAccess(f, T0, every, 0.999);
  expect(lfuCounter(f, T0, every)).toBe(255);
});

test('the LFU increment gets rarer as the counter grows (probability 1/((c-5)*factor+1))', () => {
  const f = (5 + 10) | ((Math.floor(T0 / 60000) & 0xffff) << 8); // counter 15
  // p = 1 / (10 * 10 + 1) ~ 0.0099: a draw above it leaves the counter, one below increments it.
  expect(lfuCounter(lfuAccess(f, T0, LFU, 0.5), T0, LFU)).toBe(15);
  expect(lfuCounter(lfuAccess(f, T0, LFU, 0.005), T0, LFU)).toBe(16);
});

test('the counter decays by one per lfu-decay-time minutes, never below 0, and not at all with 0', () => {
  const f = initialAccess(T0, LFU); // 5
  expect(lfuCounter(f, T0 + 3 * 60_000, LFU)).toBe(2);
  expect(lfuCounter(f, T0 + 30 * 60_000, LFU)).toBe(0);
  expect(lfuCounter(f, T0 + 6 * 60_000, { ...LFU, decayMinutes: 2 })).toBe(2);
  expect(lfuCounter(f, T0 + 600 * 60_000, { ...LFU, decayMinutes: 0 })).toBe(5);
});

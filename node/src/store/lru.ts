// Access tracking per key, as Redis keeps it in the 24 bits of robj.lru: under an LRU (or no) policy
// the field is the LRU clock (seconds, 24 bits) of the last access; under an LFU policy it is
// (minutes, 16 bits) << 8 | a logarithmic access counter (8 bits). Pure functions over that number;
// the eviction pool ranks keys by them and OBJECT IDLETIME / FREQ report them.

export const LRU_CLOCK_MAX = (1 << 24) - 1;
/** The counter a new key starts with under LFU, so it is not evicted before it had a chance. */
export const LFU_INIT_VAL = 5;

/** How keys' accesses are recorded: lfu-log-factor and lfu-decay-time matter only when lfu is true. */
export interface AccessPolicy {
  lfu: boolean;
  logFactor: number;
  /** lfu-decay-time: minutes for the counter to drop by one; 0 = never decays. */
  decayMinutes: number;
}

export function lruClock(nowMs: number): number {
  return Math.floor(nowMs / 1000) & LRU_CLOCK_MAX;
}

/** Milliseconds since the access recorded in an LRU field (the clock wraps every 194 days). */
export function idleMs(lru: number, nowMs: number): number {
  const clock = lruClock(nowMs);
  return (clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru)) * 1000;
}

function minutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 0xffff;
}

function minutesSince(ldt: number, nowMs: number): number {
  const now = minutes(nowMs);
  return now >= ldt ? now - ldt : 0xffff - ldt + now;
}

/** The LFU counter with the decay for the minutes elapsed since the last access applied. */
export function lfuCounter(field: number, nowMs: number, p: AccessPolicy): number {
  const counter = field & 0xff;
  if (p.decayMinutes === 0) return counter;
  const periods = Math.floor(minutesSince(field >>> 8, nowMs) / p.decayMinutes);
  return periods > counter ? 0 : counter - periods;
}

/** One access under LFU: decay, then a probabilistic increment that gets rarer as the counter grows. */
export function lfuAccess(field: number, nowMs: number, p: AccessPolicy, rand: number): number {
  let counter = lfuCounter(field, nowMs, p);
  if (counter < 255) {
    const base = Math.max(0, counter - LFU_INIT_VAL);
    if (rand < 1 / (base * p.logFactor + 1)) counter++;
  }
  return (minutes(nowMs) << 8) | counter;
}

/** The field of a key created now. */
export function initialAccess(nowMs: number, p: AccessPolicy): number {
  return p.lfu ? (minutes(nowMs) << 8) | LFU_INIT_VAL : lruClock(nowMs);
}

/** The field after an access now. */
export function accessed(field: number, nowMs: number, p: AccessPolicy): number {
  return p.lfu ? lfuAccess(field, nowMs, p, Math.random()) : lruClock(nowMs);
}

// The memory model: how many bytes of the V8 heap a key and its value hold. The dataset's accounting
// (used_memory, maxmemory, MEMORY USAGE) sums these per key instead of asking the garbage-collected
// heap, whose figure includes garbage not yet collected and would not drop when a key is evicted.
// The constants were measured on Node 20 / x64 (V8 11.3, no pointer compression) as the heap growth
// per structure after a full GC; `npm run bench:memory-model` measures them again
// and prints the model beside the heap, shape by shape.
import { RList } from './list.js';
import { RZSet } from './zset.js';
import { PackedValue, type StoredValue } from './packed.js';
import { RHash } from './hash.js';
import { RSet } from './set.js';
import { TaggedString } from './tagged-string.js';
import { RStream } from './stream.js';

/** A sequential one-byte string: map + hash + length, the bytes rounded up to 8. One-char strings are shared. */
export function stringBytes(len: number): number {
  return len <= 1 ? 0 : 16 + ((len + 7) & ~7);
}

/** A sequential two-byte string (an intset's keys): map + hash + length, 2 bytes a char rounded up to 8. */
export function twoByteStringBytes(len: number): number {
  return len === 0 ? 0 : 16 + ((2 * len + 7) & ~7);
}

/** Per key beside its name and value: its Entry object (Redis's dictEntry and object header). */
export const ENTRY_BYTES = 64;
/**
 * Per key, the keyspace's tables: its share of the key table's slots and of the scan index. Like the
 * dict's bucket array in Redis, this is overhead.hashtable.main, not part of a key's MEMORY USAGE.
 */
export const KEY_TABLE_BYTES = 68;
/** A key with a TTL: the boxed expiry time in its entry. */
export const EXPIRY_BYTES = 16;
/** A key with a TTL: its slot in the set of volatile keys (overhead.hashtable.expires). */
export const VOLATILE_TABLE_BYTES = 64;

/** A number held in a field: a small integer is immediate; any other is a boxed 8-byte double. */
export function numberBytes(n: number): number {
  return n >= -0x80000000 && n <= 0x7fffffff && Number.isInteger(n) ? 0 : 16;
}

/** Per collection type: the empty structure, and each element beside its strings. */
const COST = {
  hash: { compact: 48, base: 108, each: 46 },
  set: { compact: 48, base: 108, each: 33 },
  list: { compact: 56, base: 176, slot: 8 },
  zset: { compact: 48, base: 2200, each: 112 },
  /** A value still in its RDB encoding: a small object and the payload string. */
  packed: { base: 40, each: 0 },
  /** A stream's object, node array and group map; its entries and groups count in RStream.heapBytes. */
  stream: { base: 240 },
} as const;

/** The tag object of a string held in a non-default encoding (store/tagged-string.ts). */
const TAGGED_BYTES = 40;

/** Elements sampled by default (MEMORY USAGE's SAMPLES, and the accounting of every write). */
export const DEFAULT_SAMPLES = 5;

/**
 * The bytes a value holds. Collections are estimated as Redis's MEMORY USAGE does: the average of the
 * first `samples` elements times the element count (samples 0 = every element).
 */
export function valueBytes(v: StoredValue | TaggedString | number, samples = DEFAULT_SAMPLES): number {
  if (typeof v === 'string') return stringBytes(v.length);
  if (typeof v === 'number') return numberBytes(v);
  if (v instanceof TaggedString) return TAGGED_BYTES + stringBytes(v.s.length);
  if (v instanceof PackedValue) return COST.packed.base + stringBytes(v.payload.length);
  if (v instanceof RList) {
    if (v.compact) return COST.list.compact + stringBytes(v.packedLength);
    return COST.list.base + listElements(v, samples);
  }
  if (v instanceof RHash) {
    if (v.compact) return COST.hash.compact + stringBytes(v.packedLength);
    const n = v.size;
    if (n === 0) return COST.hash.base;
    let seen = 0;
    let sum = 0;
    for (const [f, val] of v) {
      sum += stringBytes(f.length) + stringBytes(val.length);
      if (++seen === samples) break;
    }
    return COST.hash.base + n * COST.hash.each + Math.round((sum / seen) * n);
  }
  if (v instanceof RSet) {
    if (v.compact) return COST.set.compact + twoByteStringBytes(v.packedLength);
    const n = v.size;
    if (n === 0) return COST.set.base;
    let seen = 0;
    let sum = 0;
    for (const m of v) {
      sum += stringBytes(m.length);
      if (++seen === samples) break;
    }
    return COST.set.base + n * COST.set.each + Math.round((sum / seen) * n);
  }
  if (v instanceof RStream) return COST.stream.base + v.heapBytes;
  if (v.compact) return COST.zset.compact + stringBytes(v.packedLength);
  return COST.zset.base + zsetMembers(v, samples);
}

function listElements(l: RList, samples: number): number {
  const n = l.length;
  if (n === 0) return 0;
  const take = samples === 0 || samples > n ? n : samples;
  let sum = 0;
  for (let i = 0; i < take; i++) sum += stringBytes((l.at(i) as string).length);
  return l.slots * COST.list.slot + Math.round((sum / take) * n);
}

function zsetMembers(z: RZSet, samples: number): number {
  const n = z.size;
  if (n === 0) return 0;
  let seen = 0;
  let sum = 0;
  for (const [m] of z.entries()) {
    sum += stringBytes(m.length);
    if (++seen === samples) break;
  }
  return n * COST.zset.each + Math.round((sum / seen) * n);
}

/**
 * What one key holds, as MEMORY USAGE reports it: its name, its value, its entry and expiry time.
 * The keyspace tables' share is counted apart (keyTableBytes), as Redis counts its dicts' buckets.
 */
export function keyBytes(
  key: string,
  v: StoredValue | TaggedString | number,
  volatile: boolean,
  samples = DEFAULT_SAMPLES,
): number {
  return ENTRY_BYTES + stringBytes(key.length) + valueBytes(v, samples) + (volatile ? EXPIRY_BYTES : 0);
}

/** The keyspace tables' bytes for `keys` keys of which `volatile` have a TTL. */
export function keyTableBytes(keys: number, volatile: number): number {
  return keys * KEY_TABLE_BYTES + volatile * VOLATILE_TABLE_BYTES;
}

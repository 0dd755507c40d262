// `npm run bench:memory-model`: the memory model (node/src/store/memory-model.ts) beside the V8 heap,
// shape by shape. For each shape it stores N keys in a Keyspace, measures the heap growth after full
// collections, and prints it per key beside the model's figure and their ratio. Run it after a Node
// or V8 upgrade, or after changing a value structure, and update the model's constants if a ratio
// drifts away from 1.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Keyspace } from '../node/src/store/keyspace.js';
import { RList } from '../node/src/store/list.js';
import { RZSet } from '../node/src/store/zset.js';
import type { RValue } from '../node/src/store/value.js';
import { keyTableBytes } from '../node/src/store/memory-model.js';
import { RHash } from '../node/src/store/hash.js';
import { RSet } from '../node/src/store/set.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const N = Number(process.env.BENCH_KEYS ?? 20000);

/** A flat (sequential) latin1 string of len bytes, distinct per i. */
function str(len: number, i: number): string {
  const b = Buffer.alloc(len, 97 + (i % 26));
  const tag = String(i);
  b.write(tag.slice(-len), Math.max(0, len - tag.length), 'latin1');
  return b.toString('latin1');
}

function heap(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const shapes: [string, (i: number) => RValue][] = [
  ['string 10 B', (i) => str(10, i)],
  ['string 100 B', (i) => str(100, i)],
  ['string 1 KB', (i) => str(1024, i)],
  ['integer < 2^31', (i) => String(i * 7919)],
  ['integer of 12 digits', (i) => String(100_000_000_000 + i)],
  [
    'hash 10 fields of 8 B',
    (i) => RHash.from([...Array(10)].map((_, j) => [str(8, j), str(8, i)] as [string, string])),
  ],
  [
    'hash 10 fields, one HSET each',
    (i) => {
      const h = new RHash();
      for (let j = 0; j < 10; j++) h.put(str(8, j), str(8, i));
      return h;
    },
  ],
  [
    'hash 600 fields of 8 B',
    (i) => RHash.from([...Array(600)].map((_, j) => [str(8, j), str(8, i)] as [string, string])),
  ],
  ['set 10 members of 8 B', (i) => RSet.from([...Array(10)].map((_, j) => str(8, i * 10 + j)))],
  ['set 100 integers < 32768', (i) => RSet.from([...Array(100)].map((_, j) => String((i + j * 3) % 30000)))],
  ['set 600 integers', (i) => RSet.from([...Array(600)].map((_, j) => String(i * 1000 + j)))],
  ['list 10 elements of 8 B', (i) => RList.from([...Array(10)].map((_, j) => str(8, i * 10 + j)))],
  ['list 1000 elements of 8 B', (i) => RList.from([...Array(1000)].map((_, j) => str(8, i * 1000 + j)))],
  [
    'zset 10 members of 8 B',
    (i) => {
      const z = new RZSet();
      for (let j = 0; j < 10; j++) z.add(str(8, i * 10 + j), j);
      return z;
    },
  ],
  [
    'zset 200 members of 8 B',
    (i) => {
      const z = new RZSet();
      for (let j = 0; j < 200; j++) z.add(str(8, i * 200 + j), j);
      return z;
    },
  ],
];

console.log(`${N} keys per shape (keys of 16 bytes); bytes per key`);
console.log('shape'.padEnd(28), 'heap'.padStart(8), 'model'.padStart(8), 'model/heap'.padStart(11));
for (const [name, make] of shapes) {
  const ks = new Keyspace();
  const before = heap();
  for (let i = 0; i < N; i++) ks.set(str(16, i), make(i));
  const measured = (heap() - before) / N;
  const model = (ks.bytes + keyTableBytes(ks.size, ks.volatile.size)) / N;
  console.log(
    name.padEnd(28),
    measured.toFixed(0).padStart(8),
    model.toFixed(0).padStart(8),
    (model / measured).toFixed(2).padStart(11),
  );
}

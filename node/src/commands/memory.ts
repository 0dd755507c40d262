// MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP and INFO's memory section: the memory
// accounting (server/memory.ts, store/memory-model.ts) as Redis 7.0 reports it, and the V8 heap beside
// it (what the allocator figures mean for this engine).
import * as os from 'node:os';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { cmd, serverSub, type CommandSpec, type Ctx } from '../server/command.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { RedisError, ERR_SYNTAX } from '../store/errors.js';
import { keyBytes, keyTableBytes } from '../store/memory-model.js';
import type { MemoryBreakdown } from '../server/memory.js';
import { replyHelp } from './util.js';

function srv(c: Ctx): Server {
  return (c as Client).server;
}

/** Redis's bytesToHuman: 1023B, 1.00K, 2.50M ... */
export function bytesHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)}${units[u]}`;
}

/** The V8 heap as the allocator figures: allocated (live + garbage), active (committed), resident. */
function heapFigures(): { allocated: number; active: number; resident: number } {
  const m = process.memoryUsage();
  return { allocated: m.heapUsed + m.external, active: m.heapTotal + m.external, resident: m.rss };
}

/** Redis's overhead: everything but the dataset proper (startup, clients, backlog, key tables). */
function overheadOf(s: Server, b: MemoryBreakdown): { total: number; perDb: [number, number, number][] } {
  const perDb: [number, number, number][] = [];
  let tables = 0;
  for (const db of s.dbs) {
    if (db.ks.size === 0) continue;
    const main = keyTableBytes(db.ks.size, 0);
    const expires = keyTableBytes(0, db.ks.volatile.size);
    perDb.push([db.id, main, expires]);
    tables += main + expires;
  }
  return {
    total: b.startup + b.gcReserve + b.clientsNormal + b.clientsReplicas + b.backlog + tables,
    perDb,
  };
}

export function memoryInfoLines(s: Server): string[] {
  const b = s.memory.report();
  const h = heapFigures();
  const ov = overheadOf(s, b);
  const dataset = b.used - ov.total;
  const maxmemory = s.memory.maxmemory;
  const sm = s.scriptingMemory();
  const pct = (a: number, t: number): string => `${t === 0 ? '0.00' : ((a * 100) / t).toFixed(2)}%`;
  return [
    `used_memory:${b.used}`,
    `used_memory_human:${bytesHuman(b.used)}`,
    `used_memory_rss:${h.resident}`,
    `used_memory_rss_human:${bytesHuman(h.resident)}`,
    `used_memory_peak:${s.memory.peak}`,
    `used_memory_peak_human:${bytesHuman(s.memory.peak)}`,
    `used_memory_peak_perc:${pct(b.used, s.memory.peak)}`,
    `used_memory_overhead:${ov.total}`,
    `used_memory_startup:${b.startup}`,
    `used_memory_dataset:${dataset}`,
    `used_memory_dataset_perc:${pct(dataset, b.used - b.startup)}`,
    `allocator_allocated:${h.allocated}`,
    `allocator_active:${h.active}`,
    `allocator_resident:${h.resident}`,
    `total_system_memory:${os.totalmem()}`,
    `total_system_memory_human:${bytesHuman(os.totalmem())}`,
    `used_memory_lua:${sm.vmEval}`,
    `used_memory_vm_eval:${sm.vmEval}`,
    `used_memory_lua_human:${bytesHuman(sm.vmEval)}`,
    `used_memory_scripts_eval:${sm.scriptsBytes}`,
    `number_of_cached_scripts:${sm.cachedScripts}`,
    `number_of_functions:${sm.functions}`,
    `number_of_libraries:${sm.libraries}`,
    `used_memory_vm_functions:${sm.vmFunctions}`,
    `used_memory_vm_total:${sm.vmEval + sm.vmFunctions}`,
    `used_memory_vm_total_human:${bytesHuman(sm.vmEval + sm.vmFunctions)}`,
    `used_memory_functions:${sm.functionsBytes}`,
    `used_memory_scripts:${sm.scriptsBytes + sm.functionsBytes}`,
    `used_memory_scripts_human:${bytesHuman(sm.scriptsBytes + sm.functionsBytes)}`,
    `maxmemory:${maxmemory}`,
    `maxmemory_human:${bytesHuman(maxmemory)}`,
    `maxmemory_policy:${s.memory.policy}`,
    `allocator_frag_ratio:${(h.active / Math.max(1, h.allocated)).toFixed(2)}`,
    `allocator_frag_bytes:${h.active - h.allocated}`,
    `allocator_rss_ratio:${(h.resident / Math.max(1, h.active)).toFixed(2)}`,
    `allocator_rss_bytes:${h.resident - h.active}`,
    `rss_overhead_ratio:1.00`,
    `rss_overhead_bytes:0`,
    `mem_fragmentation_ratio:${(h.resident / Math.max(1, b.used)).toFixed(2)}`,
    `mem_fragmentation_bytes:${h.resident - b.used}`,
    `mem_not_counted_for_evict:${b.clientsReplicas}`,
    `mem_replication_backlog:${b.backlog}`,
    `mem_total_replication_buffers:${b.backlog + b.clientsReplicas}`,
    `mem_clients_slaves:${b.clientsReplicas}`,
    `mem_clients_normal:${b.clientsNormal}`,
    `mem_cluster_links:0`,
    `mem_aof_buffer:0`,
    `mem_gc_reserve:${b.gcReserve}`,
    `mem_allocator:v8`,
    `active_defrag_running:0`,
    `lazyfree_pending_objects:0`,
    `lazyfreed_objects:0`,
  ];
}

function usage(c: Ctx, argv: string[]): void {
  let samples = 5;
  for (let j = 3; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
      const v = argv[j + 1];
      if (!/^-?[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v)))
        throw new RedisError('ERR value is not an integer or out of range');
      const n = Number(v);
      if (n < 0) throw new RedisError(ERR_SYNTAX);
      samples = n;
      j++;
    } else throw new RedisError(ERR_SYNTAX);
  }
  // Like Redis, the key as stored: no expiry check, and not an access.
  const e = c.db.ks.get(argv[2]);
  if (e === undefined) return c.nil();
  c.int(keyBytes(argv[2], e.held, e.expireAt !== -1, samples));
}

function stats(c: Ctx): void {
  const s = srv(c);
  const b = s.memory.report();
  const h = heapFigures();
  const ov = overheadOf(s, b);
  const dataset = b.used - ov.total;
  /** [name, value, reported as a double]; a db's entry is a nested map. */
  const out: [string, number | [string, number][], boolean][] = [
    ['peak.allocated', s.memory.peak, false],
    ['total.allocated', b.used, false],
    ['startup.allocated', b.startup, false],
    ['replication.backlog', b.backlog, false],
    ['clients.slaves', b.clientsReplicas, false],
    ['clients.normal', b.clientsNormal, false],
    ['cluster.links', 0, false],
    ['aof.buffer', 0, false],
    ['lua.caches', 0, false],
    ['functions.caches', 0, false],
    ['gc.reserve', b.gcReserve, false],
  ];
  for (const [id, main, expires] of ov.perDb)
    out.push([
      `db.${id}`,
      [
        ['overhead.hashtable.main', main],
        ['overhead.hashtable.expires', expires],
      ],
      false,
    ]);
  const net = b.used - b.startup;
  out.push(
    ['overhead.total', ov.total, false],
    ['keys.count', b.keys, false],
    ['keys.bytes-per-key', b.keys === 0 ? 0 : Math.floor(net / b.keys), false],
    ['dataset.bytes', dataset, false],
    ['dataset.percentage', net === 0 ? 0 : (dataset * 100) / net, true],
    ['peak.percentage', s.memory.peak === 0 ? 0 : (b.used * 100) / s.memory.peak, true],
    ['allocator.allocated', h.allocated, false],
    ['allocator.active', h.active, false],
    ['allocator.resident', h.resident, false],
    ['allocator-fragmentation.ratio', h.active / Math.max(1, h.allocated), true],
    ['allocator-fragmentation.bytes', h.active - h.allocated, false],
    ['allocator.rss-ratio', h.resident / Math.max(1, h.active), true],
    ['allocator.rss-bytes', h.resident - h.active, false],
    ['rss-overhead.ratio', 1, true],
    ['rss-overhead.bytes', 0, false],
    ['fragmentation', h.resident / Math.max(1, b.used), true],
    ['fragmentation.bytes', h.resident - b.used, false],
  );
  c.mapLen(out.length);
  for (const [k, v, isDouble] of out) {
    c.bulk(k);
    if (Array.isArray(v)) {
      c.mapLen(v.length);
      for (const [k2, n] of v) {
        c.bulk(k2);
        c.int(n);
      }
    } else if (isDouble) c.double(v);
    else c.int(v);
  }
}

/** A short report in plain words: what stands out in the figures, or that nothing does. */
function doctorReport(s: Server): string {
  const b = s.memory.report();
  const h = heapFigures();
  if (b.used - b.startup < 5 * 1024 * 1024)
    return 'This instance holds very little data (under 5 MB): there is nothing to diagnose yet. Ask again once it carries some load.';
  const notes: string[] = [];
  if (s.memory.peak > b.used * 1.5)
    notes.push(
      `* Peak memory: the peak (${bytesHuman(s.memory.peak)}) is more than 150% of what is used now (${bytesHuman(b.used)}); the V8 heap keeps some of the space it grew into until the garbage collector gives it back.`,
    );
  if (h.resident > b.used * 2)
    notes.push(
      `* Heap overhead: the process's RSS (${bytesHuman(h.resident)}) is more than twice used_memory (${bytesHuman(b.used)}). The difference is the Node.js runtime, code, and garbage not yet collected; MEMORY PURGE runs a full collection.`,
    );
  if (b.clientsNormal > 200 * 1024 * 1024 || b.clientsNormal > b.used / 4)
    notes.push(
      `* Client buffers: clients hold ${bytesHuman(b.clientsNormal)}. Look for slow readers (CLIENT LIST omem) and set client-output-buffer-limit or maxmemory-clients.`,
    );
  if (b.clientsReplicas > 10 * 1024 * 1024)
    notes.push(
      `* Replica buffers: replica links hold ${bytesHuman(b.clientsReplicas)}; a replica may be too slow or its link too narrow.`,
    );
  if (s.memory.maxmemory > 0 && s.memory.evictor.evictedKeys > 0)
    notes.push(
      `* Eviction: ${s.memory.evictor.evictedKeys} keys were evicted under maxmemory ${bytesHuman(s.memory.maxmemory)} (${s.memory.policy}).`,
    );
  if (notes.length === 0) return 'No memory problem stands out in this instance.';
  return `What stands out in this instance's memory:\n\n${notes.join('\n\n')}\n`;
}

function doctor(c: Ctx): void {
  c.verbatim(doctorReport(srv(c)));
}

function mallocStats(c: Ctx): void {
  const lines = ['V8 heap spaces (bytes): space size used available physical'];
  for (const sp of v8.getHeapSpaceStatistics()) {
    lines.push(
      `${sp.space_name} ${sp.space_size} ${sp.space_used_size} ${sp.space_available_size} ${sp.physical_space_size}`,
    );
  }
  const hs = v8.getHeapStatistics();
  lines.push(
    `total_heap_size ${hs.total_heap_size}`,
    `used_heap_size ${hs.used_heap_size}`,
    `heap_size_limit ${hs.heap_size_limit}`,
    `malloced_memory ${hs.malloced_memory}`,
    `external_memory ${hs.external_memory}`,
  );
  c.verbatim(lines.join('\n') + '\n');
}

let collect: (() => void) | null = null;

/** A full garbage collection; V8 gives the emptied pages back to the system. */
function fullGc(): void {
  if (collect === null) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  collect();
}

function purge(c: Ctx): void {
  fullGc();
  c.ok();
}

function help(c: Ctx): void {
  replyHelp(c, 'MEMORY', [
    'DOCTOR',
    '    Return memory problems reports.',
    'MALLOC-STATS',
    '    Return internal statistics report from the memory allocator.',
    'PURGE',
    '    Attempt to purge dirty pages for reclamation by the allocator.',
    'STATS',
    '    Return information about the memory usage of the server.',
    'USAGE <key> [SAMPLES <count>]',
    '    Return memory in bytes used by <key> and its value. Nested values are',
    '    sampled up to <count> times (default: 5, 0 means sample all).',
  ]);
}

export const commands: CommandSpec[] = [
  {
    ...cmd('memory', -2, [], [0, 0, 0], 'server', () => undefined),
    subcommands: [
      cmd('usage', -3, ['readonly'], [2, 2, 1], 'keyspace', usage),
      serverSub('stats', 2, [], stats),
      serverSub('doctor', 2, [], doctor),
      serverSub('malloc-stats', 2, [], mallocStats),
      serverSub('purge', 2, [], purge),
      serverSub('help', 2, ['loading', 'stale'], help),
    ],
  },
];

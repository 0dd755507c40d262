// Memory accounting: what used_memory is made of. The dataset's bytes come from the memory model
// (store/memory-model.ts, summed per key as keys change); clients count their fixed share plus what
// their query and output buffers hold; the replication backlog its allocation; replicas' links what
// their output holds; the GC reserve what the heap needs beside live data. startup is the heap the
// server held before it served anything. These are the
// figures maxmemory compares against (without replicas' output, as Redis does), INFO memory and
// MEMORY STATS report, and client eviction (maxmemory-clients) sums.
import type { Db } from '../store/db.js';
import { keyTableBytes } from '../store/memory-model.js';

/**
 * One connection's fixed share beside its buffers: its socket, handle, parser and Client object in the
 * V8 heap (measured on Node 20: the heap growth per idle connection over 2,000 connections).
 */
export const CLIENT_BASE_BYTES = 3500;

/** What a client holds for memory accounting: the parts of a Client this module reads. */
export interface ClientMemory {
  readonly parser: { buffered(): number };
  readonly out: string;
  readonly socket: { readonly writableLength: number } | null;
}

/** Bytes one client holds: its fixed share, its unparsed input, and its reply not yet sent. */
export function clientBytes(c: ClientMemory): number {
  return CLIENT_BASE_BYTES + c.parser.buffered() + c.out.length + (c.socket?.writableLength ?? 0);
}

/** Bytes of the query buffer and of the output (INFO's qbuf and omem). */
export function clientBuffers(c: ClientMemory): { query: number; output: number } {
  return { query: c.parser.buffered(), output: c.out.length + (c.socket?.writableLength ?? 0) };
}

/**
 * The V8 heap's working space under churn, as a share of the dataset: a deleted or evicted key is
 * garbage until a collection finds it, and the old generation keeps free and fragmented pages. Under
 * 10 s of mixed writes with eviction at maxmemory 100mb (test/node-maxmemory.test.ts) the committed
 * heap peaked at 1.5-1.7x the dataset; counting 35% of the dataset as used is what keeps peak RSS
 * under (maxmemory + idle RSS) * 1.25 for every policy (measured per policy in docs/configuration.md).
 */
export const GC_RESERVE = 0.35;

export interface MemoryBreakdown {
  startup: number;
  dataset: number;
  /** GC_RESERVE of the dataset: memory the heap holds beside the live data (mem_gc_reserve). */
  gcReserve: number;
  keys: number;
  clientsNormal: number;
  clientsReplicas: number;
  backlog: number;
  /** Everything: startup + dataset + GC reserve + clients + backlog (used_memory). */
  used: number;
  /**
   * What maxmemory compares with: used without replicas' output (Redis's freeMemoryGetNotCountedMemory)
   * and without startup. The idle Node.js heap (~9 MB) is ten times Redis's (~0.9 MB): counted, it
   * would take all of a small maxmemory before the first key, so the limit applies to what the server
   * holds beyond its idle self (docs/configuration.md).
   */
  forEviction: number;
}

export function datasetBytes(dbs: readonly Db[]): { bytes: number; keys: number } {
  let bytes = 0;
  let keys = 0;
  for (const db of dbs) {
    bytes += db.ks.bytes + keyTableBytes(db.ks.size, db.ks.volatile.size);
    keys += db.ks.size;
  }
  return { bytes, keys };
}

export function breakdown(
  startup: number,
  dbs: readonly Db[],
  clientsNormal: number,
  repl: { backlog: number; replicas: number },
): MemoryBreakdown {
  const { bytes, keys } = datasetBytes(dbs);
  const gcReserve = Math.round(bytes * GC_RESERVE);
  const used = startup + bytes + gcReserve + clientsNormal + repl.backlog + repl.replicas;
  return {
    startup,
    dataset: bytes,
    gcReserve,
    keys,
    clientsNormal,
    clientsReplicas: repl.replicas,
    backlog: repl.backlog,
    used,
    forEviction: used - startup - repl.replicas,
  };
}

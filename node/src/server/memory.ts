// Memory accounting: what used_memory is made of. The dataset's bytes come from the memory model
// (store/memory-model.ts, summed per key as keys change); clients count their fixed share plus what
// their query and output buffers hold; the replication backlog its allocation; replicas' links what
// their output holds. startup is the heap the server held before it served anything. These are the
// figures maxmemory compares against (without replicas' output, as Redis does), INFO memory and
// MEMORY STATS report, and client eviction (maxmemory-clients) sums.
import type { Db } from '../store/db.js';

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

export interface MemoryBreakdown {
  startup: number;
  dataset: number;
  keys: number;
  clientsNormal: number;
  clientsReplicas: number;
  backlog: number;
  /** Everything: startup + dataset + clients + backlog (used_memory). */
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
    bytes += db.ks.bytes;
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
  const used = startup + bytes + clientsNormal + repl.backlog + repl.replicas;
  return {
    startup,
    dataset: bytes,
    keys,
    clientsNormal,
    clientsReplicas: repl.replicas,
    backlog: repl.backlog,
    used,
    forEviction: used - startup - repl.replicas,
  };
}

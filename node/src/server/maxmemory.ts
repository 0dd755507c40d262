// maxmemory as the dispatcher applies it: the directives (maxmemory, -policy, -samples,
// -eviction-tenacity, lfu-*, replica-ignore-maxmemory) read once per change, the memory breakdown, the
// eviction run before each command and the OOM refusal of commands Redis flags denyoom.
import * as v8 from 'node:v8';
import type { Config } from '../config/table.js';
import type { Db } from '../store/db.js';
import type { AccessPolicy } from '../store/lru.js';
import { Evictor, type EvictionHost, type EvictResult, type Policy } from './evict.js';
import { breakdown, clientBytes, type ClientMemory, type MemoryBreakdown } from './memory.js';

export const OOM_ERROR = "OOM command not allowed when used memory > 'maxmemory'.";

export interface MaxMemoryHost {
  readonly dbs: readonly Db[];
  readonly config: Config;
  /** Normal clients (not replica links: replication reports their output itself). */
  normalClients(): Iterable<ClientMemory>;
  /** Set by replication: the backlog's allocation and what replicas' links hold. */
  replicationMemory(): { backlog: number; replicas: number };
  /** True while this node replicates from a master. */
  isReplica(): boolean;
  now(): number;
  evictKey(db: Db, key: string): void;
  warn(message: string): void;
}

/**
 * With maxmemory set, V8 is told to favour memory over speed and to collect garbage sooner: the old
 * generation may grow 10% past what the last full collection left live (instead of up to 4x), and the
 * young generation is kept small. Evicted keys are garbage until a collection finds them; without
 * this, RSS would reach twice maxmemory. The price is throughput under load (docs/configuration.md).
 * V8's flags are only touched when the setting changes, so a server without maxmemory keeps V8's own.
 */
let heapTightened = false;
function tightenHeap(on: boolean): void {
  if (on === heapTightened) return;
  heapTightened = on;
  v8.setFlagsFromString(on ? '--heap-growing-percent=10' : '--heap-growing-percent=0');
  v8.setFlagsFromString(on ? '--max-semi-space-size=2' : '--max-semi-space-size=16');
  v8.setFlagsFromString(on ? '--optimize-for-size' : '--no-optimize-for-size');
}

export class MaxMemory implements EvictionHost {
  /** Shared with every Db (DbHost.access): how lookups record an access. */
  readonly access: AccessPolicy = { lfu: false, logFactor: 10, decayMinutes: 1 };
  maxmemory = 0;
  policy: Policy = 'noeviction';
  samples = 5;
  tenacity = 10;
  private ignoreOnReplica = true;
  /** The heap the process held before serving (used_memory_startup). */
  startup = 0;
  /** Normal clients' bytes, summed by the cron and whenever memory is reported. */
  private clientsBytes = 0;
  peak = 0;
  readonly evictor: Evictor;

  constructor(private readonly host: MaxMemoryHost) {
    this.evictor = new Evictor(this);
    for (const name of [
      'maxmemory',
      'maxmemory-policy',
      'maxmemory-samples',
      'maxmemory-eviction-tenacity',
      'lfu-log-factor',
      'lfu-decay-time',
      'replica-ignore-maxmemory',
    ])
      this.apply(name);
    host.config.onChange((name) => this.apply(name));
  }

  private apply(name: string): void {
    const cfg = this.host.config;
    switch (name) {
      case 'maxmemory':
        this.maxmemory = cfg.getInt('maxmemory');
        tightenHeap(this.maxmemory > 0);
        this.sumClients();
        if (this.maxmemory > 0 && this.usedForEviction() > this.maxmemory) {
          this.host.warn(
            'WARNING: the new maxmemory value set via CONFIG SET is smaller than the current memory usage. This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.',
          );
          this.evictIfSafe();
        }
        break;
      case 'maxmemory-policy':
        this.policy = cfg.get('maxmemory-policy') as Policy;
        this.access.lfu = this.policy.endsWith('-lfu');
        break;
      case 'maxmemory-samples':
        this.samples = cfg.getInt('maxmemory-samples');
        break;
      case 'maxmemory-eviction-tenacity':
        this.tenacity = cfg.getInt('maxmemory-eviction-tenacity');
        break;
      case 'lfu-log-factor':
        this.access.logFactor = cfg.getInt('lfu-log-factor');
        break;
      case 'lfu-decay-time':
        this.access.decayMinutes = cfg.getInt('lfu-decay-time');
        break;
      case 'replica-ignore-maxmemory':
        this.ignoreOnReplica = cfg.get('replica-ignore-maxmemory') === 'yes';
        break;
    }
  }

  /** maxmemory-clients in bytes (a percentage is of maxmemory); 0 = no client eviction. */
  clientsLimit(): number {
    const v = this.host.config.get('maxmemory-clients');
    if (v.endsWith('%')) return Math.floor((this.maxmemory * Number(v.slice(0, -1))) / 100);
    return Number(v);
  }

  // ---- EvictionHost ----
  get dbs(): readonly Db[] {
    return this.host.dbs;
  }
  now(): number {
    return this.host.now();
  }
  evict(db: Db, key: string): void {
    this.host.evictKey(db, key);
  }

  /** Sums the normal clients' bytes (cron, INFO, MEMORY STATS, client eviction). */
  sumClients(): number {
    let n = 0;
    for (const c of this.host.normalClients()) n += clientBytes(c);
    this.clientsBytes = n;
    return n;
  }

  report(): MemoryBreakdown {
    const b = breakdown(this.startup, this.host.dbs, this.sumClients(), this.host.replicationMemory());
    this.peak = Math.max(this.peak, b.used);
    return b;
  }

  usedForEviction(): number {
    return breakdown(this.startup, this.host.dbs, this.clientsBytes, this.host.replicationMemory())
      .forEviction;
  }

  /** CONFIG RESETSTAT: evicted_keys, the eviction time, and the peak (back to what is used now). */
  resetStats(): void {
    this.evictor.evictedKeys = 0;
    this.evictor.exceededMs = 0;
    this.peak = 0;
    this.tick();
  }

  /** Called by the cron. */
  tick(): void {
    this.report();
  }

  /** Redis's isSafeToPerformEvictions: a replica leaves eviction to its master unless told otherwise. */
  private evictIfSafe(): EvictResult {
    if (this.host.isReplica() && this.ignoreOnReplica) return 'ok';
    return this.evictor.perform();
  }

  /**
   * Before a command runs (with maxmemory set): evicts what the policy allows, then refuses the command
   * with the OOM error if it would add memory and memory is still over the limit. Inside MULTI every
   * command but EXEC, DISCARD, QUIT and RESET is refused then (queuing takes memory too); EXEC is
   * refused if a queued command is denyoom.
   */
  refusesCommand(denyoom: boolean): boolean {
    if (this.maxmemory === 0) return false;
    this.lastEvictionFailed = this.evictIfSafe() === 'fail';
    return this.lastEvictionFailed && denyoom;
  }

  /** Memory was still over maxmemory after the last command's evictions (Redis's pre_command_oom_state). */
  lastEvictionFailed = false;
}

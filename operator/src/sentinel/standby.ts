// The Sentinel endpoint's sources outside the reconciles: the operator pods (the Sentinel peers,
// listed every few seconds) and, while this pod is a standby, the RedisReplications' status (listed
// every second into the registry, so a client connected to the standby still finds the master and
// hears +switch-master, a moment after the leader's own). Errors are logged and retried.
import type { Kube } from '../runtime/kube.js';
import type { Logger } from '../runtime/log.js';
import type { SentinelRegistry } from './registry.js';
import type { Peer } from './commands.js';
import { peersOf, viewFromStatus, type OperatorPod } from './from-status.js';

export interface SentinelSourcesOptions {
  kube: Kube;
  log: Logger;
  registry: SentinelRegistry;
  /** The operator pods' namespace, this pod's name and the label selector of its Deployment's pods. */
  namespace?: string;
  podName?: string;
  podSelector?: string;
  sentinelPort: number;
  watchNamespace?: string;
  /** True while this pod leads (its reconciles feed the registry, not the status). */
  leading: () => boolean;
}

const PEERS_EVERY_MS = 3000;
const STATUS_EVERY_MS = 1000;

export class SentinelSources {
  private peerList: Peer[] = [];
  private timers: NodeJS.Timeout[] = [];
  private warned = new Set<string>();

  constructor(private readonly o: SentinelSourcesOptions) {}

  peers(): Peer[] {
    return this.peerList;
  }

  start(): void {
    const every = (ms: number, f: () => Promise<void>) => {
      let busy = false;
      const run = () => {
        if (busy) return;
        busy = true;
        void f().finally(() => (busy = false));
      };
      run();
      const t = setInterval(run, ms);
      t.unref();
      this.timers.push(t);
    };
    if (this.o.namespace && this.o.podSelector) every(PEERS_EVERY_MS, () => this.refreshPeers());
    every(STATUS_EVERY_MS, () => this.refreshFromStatus());
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private async refreshPeers(): Promise<void> {
    try {
      const pods = await this.o.kube.listPods(this.o.namespace as string, this.o.podSelector as string);
      const ops: OperatorPod[] = pods.map((p) => ({
        uid: p.metadata?.uid ?? '',
        name: p.metadata?.name ?? '',
        ip: p.status?.podIP,
        running: p.status?.phase === 'Running',
        deleting: p.metadata?.deletionTimestamp !== undefined,
      }));
      this.peerList = peersOf(ops, this.o.podName ?? '', this.o.sentinelPort);
      this.warned.delete('peers');
    } catch (e) {
      this.warnOnce('peers', e);
    }
  }

  private async refreshFromStatus(): Promise<void> {
    if (this.o.leading()) return;
    try {
      const list = await this.o.kube.listRR(this.o.watchNamespace);
      if (this.o.leading()) return;
      const now = Date.now();
      this.o.registry.replaceAll(list.items.map((cr) => viewFromStatus(cr, now)));
      this.warned.delete('status');
    } catch (e) {
      this.warnOnce('status', e);
    }
  }

  private warnOnce(what: string, e: unknown): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    this.o.log.warn(
      `sentinel endpoint: could not list the ${what === 'peers' ? 'operator pods' : 'RedisReplications'}`,
      {
        error: String(e),
      },
    );
  }
}

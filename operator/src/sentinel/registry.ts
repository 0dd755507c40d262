// What the Sentinel-compatible endpoint answers from: the operator's current view of each
// RedisReplication (master address, replicas), updated by every reconcile, and the `+switch-master`
// announcements made the moment a promotion is recorded. Names are `<namespace>/<name>`, or `<name>`
// alone when no other namespace has a RedisReplication of that name.
import { REDIS_PORT } from '../api/types.js';

export interface ReplicaView {
  pod: string;
  ip: string;
  linkUp: boolean;
  offset: number;
  priority: number;
}

export interface ReplicationView {
  namespace: string;
  name: string;
  master?: { pod: string; ip: string; runId?: string; offset: number };
  replicas: ReplicaView[];
  downAfterMs: number;
  /** The master is failing its health checks. */
  masterDown: boolean;
}

export type SwitchListener = (message: string) => void;

export class SentinelRegistry {
  private readonly views = new Map<string, ReplicationView>();
  private readonly listeners = new Set<SwitchListener>();

  /** Records the view of one CR; announces +switch-master when its master address changed. */
  update(view: ReplicationView): void {
    const key = `${view.namespace}/${view.name}`;
    const prev = this.views.get(key);
    this.views.set(key, view);
    if (prev?.master && view.master && prev.master.ip !== view.master.ip) {
      const msg = `${key} ${prev.master.ip} ${REDIS_PORT} ${view.master.ip} ${REDIS_PORT}`;
      for (const l of this.listeners) l(msg);
    }
  }

  remove(namespace: string, name: string): void {
    this.views.delete(`${namespace}/${name}`);
  }

  /** `ns/name`, or a bare name that only one namespace uses. */
  find(name: string): ReplicationView | undefined {
    const exact = this.views.get(name);
    if (exact) return exact;
    const matches = [...this.views.values()].filter((v) => v.name === name);
    return matches.length === 1 ? matches[0] : undefined;
  }

  all(): ReplicationView[] {
    return [...this.views.values()].sort((a, b) =>
      `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
    );
  }

  onSwitch(l: SwitchListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

// What the Sentinel-compatible endpoint answers from: the operator's current view of each
// RedisReplication (master address, replicas), updated by every reconcile on the leader (and from the
// RedisReplications' status on a standby), and the events each change means (sentinel/events.ts),
// announced the moment a view changes. Names: every set is `<namespace>/<name>`; it is also `<name>`
// while no other namespace has a RedisReplication of that name. Both names are listed by SENTINEL
// MASTERS and accepted everywhere, and every event is published once under each name, so a client
// configured with either finds it (redis-py looks its name up in SENTINEL MASTERS; Jedis and ioredis
// compare the name in +switch-master with theirs).
import { REDIS_PORT } from '../api/types.js';
import { addr, sentinelEvents, type EventView, type SentinelEvent } from './events.js';

export interface ReplicaView {
  pod: string;
  /** The address clients are given (the pod IP, or an announced external address). */
  ip: string;
  port?: number;
  linkUp: boolean;
  offset: number;
  priority: number;
  runId?: string;
}

export interface ReplicationView {
  namespace: string;
  name: string;
  master?: { pod: string; ip: string; port?: number; runId?: string; offset: number };
  replicas: ReplicaView[];
  downAfterMs: number;
  /** The master is failing its health checks. */
  masterDown: boolean;
  /** The operator's connection to the master is down (Sentinel's `disconnected` flag); absent: up. */
  masterLinkDown?: boolean;
  /** When the view was observed (ms since the epoch); the registry fills it in when absent. */
  observedAt?: number;
}

export type EventListener = (e: SentinelEvent) => void;

/** How long after a change of master replicas linking up count as reconfigured (failover-timeout). */
export const FAILOVER_TIMEOUT_MS = 60_000;

interface Entry {
  view: ReplicationView;
  /** Incremented at each change of master: SENTINEL MASTER's config-epoch. */
  epoch: number;
  known: Set<string>;
  switchedAt: number;
  downSince: number;
}

const keyOf = (v: { namespace: string; name: string }): string => `${v.namespace}/${v.name}`;

function eventView(v: ReplicationView): EventView {
  return {
    master: v.master ? { ip: v.master.ip, port: v.master.port ?? REDIS_PORT } : undefined,
    replicas: v.replicas.map((r) => ({ ip: r.ip, port: r.port ?? REDIS_PORT, linkUp: r.linkUp })),
    masterDown: v.masterDown,
  };
}

export class SentinelRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Records the view of one set and announces the events its change means. */
  update(view: ReplicationView): void {
    const key = keyOf(view);
    const now = this.clock();
    const v = { ...view, observedAt: view.observedAt ?? now };
    const prev = this.entries.get(key);
    const e: Entry = prev ?? { view: v, epoch: 0, known: new Set(), switchedAt: 0, downSince: 0 };
    const before = prev ? eventView(prev.view) : undefined;
    const after = eventView(v);
    const switched = before?.master && after.master && addr(before.master) !== addr(after.master);
    if (switched) {
      e.epoch++;
      e.switchedAt = now;
    }
    if (!v.masterDown) e.downSince = 0;
    else if (e.downSince === 0) e.downSince = now;
    e.view = v;
    this.entries.set(key, e);
    const ctx = { known: e.known, afterSwitch: e.switchedAt > 0 && now - e.switchedAt < FAILOVER_TIMEOUT_MS };
    const events: SentinelEvent[] = [];
    for (const name of this.namesOf(v)) events.push(...sentinelEvents(name, before, after, ctx));
    for (const r of after.replicas) e.known.add(addr(r));
    if (after.master) e.known.add(addr(after.master));
    for (const ev of events) for (const l of this.listeners) l(ev);
  }

  /**
   * The link to a set's master went down or up (between reconciles, from the health checks): only the
   * flag changes, and only while the view's master is still that pod. Sentinel announces no event for it.
   */
  setMasterLink(namespace: string, name: string, pod: string, down: boolean): void {
    const e = this.entries.get(`${namespace}/${name}`);
    if (e?.view.master?.pod === pod) e.view = { ...e.view, masterLinkDown: down };
  }

  remove(namespace: string, name: string): void {
    this.entries.delete(`${namespace}/${name}`);
  }

  /** Keeps exactly these views (a standby's resync from the RedisReplications' status). */
  replaceAll(views: ReplicationView[]): void {
    const keep = new Set(views.map(keyOf));
    for (const k of [...this.entries.keys()]) if (!keep.has(k)) this.entries.delete(k);
    for (const v of views) this.update(v);
  }

  /** The set a name means: `ns/name`, or a bare name that only one namespace uses. */
  find(name: string): ReplicationView | undefined {
    const exact = this.entries.get(name);
    if (exact) return exact.view;
    let found: ReplicationView | undefined;
    for (const e of this.entries.values()) {
      if (e.view.name !== name) continue;
      if (found) return undefined;
      found = e.view;
    }
    return found;
  }

  /** The names a set answers to: `ns/name` always, `name` while it is unique across namespaces. */
  namesOf(view: { namespace: string; name: string }): string[] {
    const owner = this.find(view.name);
    return owner && keyOf(owner) === keyOf(view) ? [keyOf(view), view.name] : [keyOf(view)];
  }

  /** Every accepted name with its set, sorted by name: what SENTINEL MASTERS lists. */
  named(): { name: string; view: ReplicationView }[] {
    const out: { name: string; view: ReplicationView }[] = [];
    for (const e of this.entries.values())
      for (const name of this.namesOf(e.view)) out.push({ name, view: e.view });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** SENTINEL MASTER's config-epoch: the number of master changes seen. */
  epoch(view: ReplicationView): number {
    return this.entries.get(keyOf(view))?.epoch ?? 0;
  }

  /** Since when the master has been failing (ms since the epoch), or 0. */
  downSince(view: ReplicationView): number {
    return this.entries.get(keyOf(view))?.downSince ?? 0;
  }

  all(): ReplicationView[] {
    return [...this.entries.values()].map((e) => e.view).sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
  }

  onEvent(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

// Watches and the work queue: informers (list + watch, restarted with back-off after any error, since
// client-node 1.x stops an informer on errors other than 410) for RedisReplications and the pods and
// StatefulSets they own, each event mapped to its CR's key ("namespace/name") on a de-duplicating
// queue; reconciles re-queue themselves periodically (level-based resync), and every CR is listed and
// queued every 15 s in case a watch stopped delivering. A reconcile that runs for long is reported
// with the step it is at; one that has not ended after HUNG_RECONCILE_MS is taken as hung (it holds its
// key, so that RedisReplication would never be reconciled again) and onHung is called.
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/types.js';
import { MANAGED_BY } from '../resources/names.js';
import { WorkQueue } from './queue.js';
import type { Reconciler } from './reconciler.js';
import type { Kube } from '../runtime/kube.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';

type Obj = k8s.KubernetesObject;

/** How often every RedisReplication is listed and queued regardless of watch events. */
const RELIST_MS = 15_000;
/** A reconcile running this long is logged (again every STUCK_CHECK_MS while it runs). */
const SLOW_RECONCILE_MS = 15_000;
const STUCK_CHECK_MS = 5_000;
/**
 * A reconcile running this long is taken as hung. Every node call in it is bounded by a few seconds and
 * every API request by 15 s, and a leader whose API requests time out loses its Lease within 4 s.
 */
export const HUNG_RECONCILE_MS = 90_000;

export class Manager {
  readonly queue: WorkQueue;
  private readonly informers: k8s.Informer<Obj>[] = [];
  private readonly synced = new Set<string>();
  private stopped = false;
  private relistTimer?: NodeJS.Timeout;
  private stuckTimer?: NodeJS.Timeout;
  /** Called once when a reconcile has run for HUNG_RECONCILE_MS (main exits, so a standby takes over). */
  onHung: (key: string, step: string) => void = () => {};
  private hungReported = false;

  constructor(
    private readonly kube: Kube,
    private readonly log: Logger,
    private readonly reconciler: Reconciler,
    private readonly namespace?: string,
    metrics?: Metrics,
    private readonly watchdog = { slowMs: SLOW_RECONCILE_MS, hungMs: HUNG_RECONCILE_MS },
  ) {
    this.queue = new WorkQueue(
      async (key) => {
        const [ns, name] = key.split('/');
        metrics?.inc('tsredis_operator_reconciles_total', { namespace: ns, name });
        try {
          return await reconciler.reconcile(ns, name);
        } catch (e) {
          metrics?.inc('tsredis_operator_reconcile_errors_total', { namespace: ns, name });
          throw e;
        }
      },
      4,
      (key, e, retryMs) =>
        log.error('reconcile failed', {
          rr: key,
          error: e instanceof Error ? e.message : String(e),
          retryMs,
        }),
    );
  }

  get ready(): boolean {
    return this.synced.size === 3;
  }

  /** No reconcile has been running for HUNG_RECONCILE_MS (for /healthz). */
  get healthy(): boolean {
    return this.queue.runningFor(this.watchdog.hungMs).length === 0;
  }

  /** Logs the reconciles running for long, with their step; calls onHung for one that hung (on a timer). */
  checkReconciles(): void {
    for (const r of this.queue.runningFor(this.watchdog.slowMs)) {
      const step = this.reconciler.stepOf(r.key) ?? '(unknown)';
      if (r.ms < this.watchdog.hungMs) {
        this.log.warn('reconcile still running', { rr: r.key, runningMs: r.ms, step });
      } else if (!this.hungReported) {
        this.hungReported = true;
        this.log.error('reconcile hung', { rr: r.key, runningMs: r.ms, step });
        this.onHung(r.key, step);
      }
    }
  }

  async start(): Promise<void> {
    const ns = this.namespace;
    const sel = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
    const rrPath = ns
      ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`
      : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
    this.watch(
      'redisreplications',
      rrPath,
      () => this.kube.listRR(ns) as unknown as Promise<k8s.KubernetesListObject<Obj>>,
      undefined,
      (o) => o.metadata?.name,
    );
    const owner = (o: Obj) => o.metadata?.labels?.['app.kubernetes.io/instance'];
    this.watch(
      'pods',
      ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods',
      () =>
        ns
          ? this.kube.core.listNamespacedPod({ namespace: ns, labelSelector: sel })
          : this.kube.core.listPodForAllNamespaces({ labelSelector: sel }),
      sel,
      owner,
    );
    this.relistTimer = setInterval(() => void this.relist(), RELIST_MS);
    this.stuckTimer = setInterval(() => this.checkReconciles(), STUCK_CHECK_MS);
    this.watch(
      'statefulsets',
      ns ? `/apis/apps/v1/namespaces/${ns}/statefulsets` : '/apis/apps/v1/statefulsets',
      () =>
        ns
          ? this.kube.apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: sel })
          : this.kube.apps.listStatefulSetForAllNamespaces({ labelSelector: sel }),
      sel,
      owner,
    );
  }

  private watch(
    kind: string,
    path: string,
    list: k8s.ListPromise<Obj>,
    labelSelector: string | undefined,
    crName: (o: Obj) => string | undefined,
  ): void {
    const informer = k8s.makeInformer(this.kube.kc, path, list, labelSelector);
    const enqueue = (o: Obj) => {
      const name = crName(o);
      if (name && o.metadata?.namespace) this.queue.add(`${o.metadata.namespace}/${name}`);
    };
    informer.on('add', enqueue);
    informer.on('update', enqueue);
    informer.on('delete', enqueue);
    informer.on('connect', () => {
      this.synced.add(kind);
      this.log.debug('watch connected', { kind });
    });
    // Any failure, of a list, a watch or the start itself, restarts the informer after 2 s.
    const start = (): void => {
      if (!this.stopped) void informer.start().catch(failed);
    };
    const failed = (e: unknown): void => {
      if (this.stopped) return;
      this.log.warn('watch failed; restarting', { kind, error: e instanceof Error ? e.message : String(e) });
      setTimeout(start, 2000);
    };
    informer.on('error', failed);
    this.informers.push(informer);
    start();
  }

  /**
   * Lists every RedisReplication and queues it, on a timer: the informers' watches deliver changes at
   * once, and this bounds what a watch that silently stopped delivering (or a missed first event) can
   * cost — a CR is never left unreconciled for longer than RELIST_MS.
   */
  private async relist(): Promise<void> {
    try {
      const list = await this.kube.listRR(this.namespace);
      for (const rr of list.items) this.queue.add(`${rr.metadata.namespace}/${rr.metadata.name}`);
    } catch (e) {
      this.log.warn('periodic list failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.relistTimer) clearInterval(this.relistTimer);
    if (this.stuckTimer) clearInterval(this.stuckTimer);
    for (const i of this.informers) await i.stop().catch(() => {});
    await this.queue.drain();
  }
}

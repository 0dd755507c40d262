// One level-based reconcile of a RedisReplication: read the CR and the world, make the owned objects
// what they should be (server-side apply), observe every node, decide the topology, carry it out
// (REPLICAOF, role labels, live CONFIG SET, rolling restarts), and write an honest status. Nothing
// assumes an earlier reconcile ran; everything is re-checked every time.
import { randomBytes } from 'node:crypto';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { forbiddenConfig, resolveSpec, type RedisReplication, type ResolvedSpec } from '../api/types.js';
import {
  configMap,
  digest,
  generatedPasswordSecret,
  nodeAuthSecret,
  liveDirectives,
} from '../resources/config.js';
import { names, ordinalOf, podSelector, ROLE_LABEL } from '../resources/names.js';
import { headlessService, masterService, replicasService } from '../resources/services.js';
import { passwordSource, statefulSet } from '../resources/statefulset.js';
import { podDisruptionBudget } from '../resources/pdb.js';
import {
  announcedAddresses,
  EXTERNAL_COMPONENT,
  externalServices,
  externalServiceStates,
  type Announced,
} from '../resources/external.js';
import { planTopology, switchoverTarget, type NodeObservation, type Plan } from '../topology/plan.js';
import {
  dropNormalClients,
  mustReach,
  observe,
  replicaOf,
  replicaofLeftAt,
  withNode,
  type LeftAt,
  type PodRef,
} from '../topology/observe.js';
import { MasterMonitor } from '../topology/monitor.js';
import type { SentinelRegistry } from '../sentinel/registry.js';
import type { Metrics } from '../runtime/metrics.js';
import { buildStatus } from './status.js';
import type { Kube } from '../runtime/kube.js';
import type { Logger } from '../runtime/log.js';

const RESYNC_READY_MS = 5000;
const RESYNC_BUSY_MS = 1000;
/** How long a failover waits for the chosen replica to reach what a re-pointed replica held. */
const FAILOVER_CATCH_UP_MS = 5000;
/** How long a planned switchover waits, with writes paused, for the target to have every byte. */
const SWITCHOVER_CATCH_UP_MS = 5000;

function selectorString(sel: Record<string, string>): string {
  return Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function podReady(p: V1Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export class Reconciler {
  /** The config digest applied live to each node process (by run_id), so CONFIG SET runs once per start. */
  private readonly appliedConfig = new Map<string, string>();
  /** Config digests that needed a restart (some directive refused CONFIG SET), by CR uid. */
  private readonly restartDigest = new Map<string, string>();

  /** Health checks of each CR's master; a master declared down re-queues its CR at once. */
  readonly monitor: MasterMonitor;
  /** Since when each CR (by uid) has had no master, for the whole-set-restart wait. */
  private readonly noMasterSince = new Map<string, number>();
  /** The last blocked-failover message per CR, so its Warning event is emitted once per change. */
  private readonly lastBlocked = new Map<string, string>();
  /** What each reconcile in flight is doing (by CR key), for the report of one that takes too long. */
  private readonly steps = new Map<string, string>();

  constructor(
    private readonly kube: Kube,
    private readonly log: Logger,
    trigger: (key: string) => void = () => {},
    private readonly sentinel?: SentinelRegistry,
    private readonly metrics?: Metrics,
  ) {
    this.monitor = new MasterMonitor(
      (key) => {
        this.log.warn('master declared down', { rr: key });
        trigger(key);
      },
      (key) => {
        this.log.info('master answers as a replica', { rr: key });
        trigger(key);
      },
      (key, ip, up) => this.masterLink(key, ip, up),
    );
  }

  /** The step the reconcile of `key` in flight is at (undefined when none runs). */
  stepOf(key: string): string | undefined {
    return this.steps.get(key);
  }

  private at(cr: RedisReplication, step: string): void {
    this.steps.set(`${cr.metadata.namespace}/${cr.metadata.name}`, step);
  }

  async reconcile(namespace: string, name: string): Promise<{ requeueAfterMs?: number }> {
    const key = `${namespace}/${name}`;
    this.steps.set(key, 'reading the RedisReplication');
    try {
      return await this.reconcileOnce(namespace, name, key);
    } finally {
      this.steps.delete(key);
    }
  }

  private async reconcileOnce(
    namespace: string,
    name: string,
    key: string,
  ): Promise<{ requeueAfterMs?: number }> {
    const started = Date.now();
    const cr = await this.kube.getRR(namespace, name);
    if (!cr || cr.metadata.deletionTimestamp) {
      this.sentinel?.remove(namespace, name);
      this.publishedMaster.delete(`${namespace}/${name}`);
      this.monitor.unwatch(`${namespace}/${name}`);
      return {}; // owned objects go with it (ownerReferences)
    }
    const log = this.log.child({ rr: `${namespace}/${name}` });
    const spec = resolveSpec(cr.spec);

    // Directives the operator owns are refused (reported in status) and left out of the config.
    const forbidden = forbiddenConfig(spec.config);
    const effective: ResolvedSpec = forbidden.length
      ? {
          ...spec,
          config: Object.fromEntries(
            Object.entries(spec.config).filter(([k]) => !forbidden.includes(k.toLowerCase())),
          ),
        }
      : spec;
    const blocked: { reason: string; message: string } | undefined = forbidden.length
      ? {
          reason: 'ForbiddenConfig',
          message: `spec.config may not set ${forbidden.join(', ')} (owned by the operator); ignored`,
        }
      : undefined;

    let password: string | undefined;
    this.at(cr, 'reading the password Secret');
    if (spec.auth.enabled) {
      const src = passwordSource(cr, spec);
      if (!spec.auth.secretName) {
        const created = await this.kube.createIfAbsent(
          generatedPasswordSecret(cr, randomBytes(24).toString('base64url')) as KubernetesObject,
        );
        if (created) log.info('generated the password Secret', { secret: src.name });
      }
      const data = await this.kube.readSecretData(namespace, src.name);
      password = data?.[src.key];
      if (password === undefined || password === '') {
        const why = data ? `Secret ${src.name} has no key ${src.key}` : `Secret ${src.name} not found`;
        log.warn('auth secret unusable', { reason: why });
        const status = buildStatus({
          cr,
          desiredPods: spec.replicas + 1,
          nodes: [],
          readyPods: new Set(),
          blocked: { reason: data ? 'AuthSecretKeyMissing' : 'AuthSecretNotFound', message: why },
          now: new Date().toISOString(),
        });
        await this.writeStatus(cr, status);
        return { requeueAfterMs: 10_000 };
      }
    }

    // Observe the node pods.
    this.at(cr, 'observing the nodes');
    const pods = (await this.kube.listPods(namespace, selectorString(podSelector(cr)))).filter(
      (p) => ordinalOf(p.metadata?.name ?? '', name) >= 0,
    );
    const refs: PodRef[] = pods.map((p) => {
      const pod = p.metadata?.name ?? '';
      const ordinal = ordinalOf(pod, name);
      return {
        pod,
        ordinal,
        ip: p.status?.podIP ?? '',
        deleting: !!p.metadata?.deletionTimestamp,
        priority: spec.priority[String(ordinal)] ?? 100,
        roleLabel: p.metadata?.labels?.[ROLE_LABEL],
      };
    });
    let recorded = cr.status?.master;
    // A master the health checks already see failing is not waited on again here (its timeout would
    // delay the failover); it counts as unreachable.
    const failing = recorded?.ip && this.monitor.isDown(key, recorded.ip) ? recorded.ip : undefined;
    const failed = (r: PodRef) => ({ ...r, reachable: false, offset: 0, error: 'failing health checks' });
    const observeRef = async (r: PodRef) => {
      if (r.ip && r.ip === failing) return failed(r);
      if (!r.ip || r.ip !== recorded?.ip) return observe(r, password);
      // The recorded master: its observation (up to 1 s against a frozen process) ends as soon as the
      // health checks declare it down, so that the failover is decided in this reconcile.
      const w = this.monitor.whenDown(key, r.ip);
      try {
        return await Promise.race([observe(r, password), w.down.then(() => failed(r))]);
      } finally {
        w.cancel();
      }
    };
    let nodes = await Promise.all(refs.map(observeRef));
    const observedAt = Date.now();
    // A master whose pod is being deleted gracefully still serves clients, and its replicas still
    // acknowledge its writes: a blind promotion would let a replica acknowledge writes the new master
    // never gets. Hand its role over as in a planned switchover (writes paused until a replica has every
    // byte); only when that is impossible does the failover below promote the best replica.
    this.at(cr, 'handing over from a deleted master');
    const handedOver = await this.handOverFromDeleting(cr, recorded?.pod, nodes, password, log);
    if (handedOver) {
      recorded = { pod: handedOver.to, ip: nodes.find((n) => n.pod === handedOver.to)?.ip ?? '' };
      nodes = await Promise.all(refs.map(observeRef));
    }
    // A first master is chosen once every pod answers (or after a minute, with those that do).
    if (recorded?.ip) this.monitor.watch(key, recorded.ip, password, spec.failover.downAfterMilliseconds);
    const created = Date.parse(
      String((cr.metadata as { creationTimestamp?: string }).creationTimestamp ?? 0),
    );
    const since = this.noMasterSince.get(cr.metadata.uid);
    const plan = planTopology(nodes, recorded?.pod, {
      expectedPods: Date.now() - created < 60_000 ? spec.replicas + 1 : 0,
      masterDown: recorded?.ip ? this.monitor.isDown(key, recorded.ip) : false,
      recordedMasterIp: recorded?.ip,
      waitForAll: since === undefined || Date.now() - since < 30_000,
      lastMasterOffset: this.monitor.lastOffset(key),
      maxLagBytes: spec.failover.maxLagBytes,
      minSyncedReplicas: spec.failover.minSyncedReplicas,
    });
    if (handedOver && !plan.masterChange) plan.masterChange = handedOver;
    if (plan.master) this.noMasterSince.delete(cr.metadata.uid);
    else if (since === undefined) this.noMasterSince.set(cr.metadata.uid, Date.now());
    if (plan.blockedFailover && plan.waiting && this.lastBlocked.get(cr.metadata.uid) !== plan.waiting) {
      this.lastBlocked.set(cr.metadata.uid, plan.waiting);
      log.warn('failover blocked', { reason: plan.waiting });
      this.at(cr, 'recording the blocked failover');
      await this.kube.event(cr, 'Warning', 'FailoverBlocked', plan.waiting).catch(() => {});
    }
    if (!plan.blockedFailover) this.lastBlocked.delete(cr.metadata.uid);
    if (plan.masterChange?.from)
      log.warn('failover', {
        from: plan.masterChange.from,
        to: plan.masterChange.to,
        reason: plan.masterChange.reason,
        failingForMs: this.monitor.failingForMs(key),
      });
    const t0 = Date.now();
    await this.execute(cr, plan, password, log);
    // Sentinel clients learn of a promotion at once (+switch-master), before anything else is done.
    if (plan.masterChange) this.publish(cr, spec, plan, nodes, key, this.announced.get(cr.metadata.uid));
    if (plan.masterChange?.from) this.dropOldMasterClients(plan.masterChange.from, nodes, password, log);
    this.at(cr, 'observing the nodes after the topology actions');
    if (plan.actions.some((a) => a.kind !== 'label'))
      nodes = await Promise.all(
        refs.map((r, i) => (nodes[i].reachable ? observe(r, password) : Promise.resolve(nodes[i]))),
      );

    // Owned objects, as they should be (after the topology, so that a failover never waits on them).
    const restart = this.restartDigest.get(cr.metadata.uid) ?? '';
    const objects: unknown[] = [
      configMap(cr, effective),
      ...(password !== undefined ? [nodeAuthSecret(cr, password)] : []),
      headlessService(cr),
      masterService(cr, effective),
      replicasService(cr, effective),
      statefulSet(cr, effective, restart),
      ...(spec.podDisruptionBudget.enabled ? [podDisruptionBudget(cr, effective)] : []),
      ...externalServices(cr, effective),
    ];
    const executedAt = Date.now();
    this.at(cr, 'applying the owned objects');
    for (const o of objects) await this.applyCached(cr.metadata.uid, o as KubernetesObject);
    const appliedAt = Date.now();

    // Live configuration; directives that cannot change at runtime roll the pods.
    this.at(cr, 'applying the configuration');
    if (plan.master) await this.applyConfig(cr, effective, nodes, password, log);
    this.at(cr, 'rolling the pods');
    const switched = await this.rollPods(cr, pods, plan, nodes, password, log);
    if (switched) {
      plan.masterChange = switched;
      plan.master = nodes.find((o) => o.pod === switched.to);
    }

    const failover = plan.masterChange?.from
      ? {
          time: new Date().toISOString(),
          from: plan.masterChange.from ?? '',
          to: plan.masterChange.to,
          reason: plan.masterChange.reason,
          // From the first failed health check (or the start of this reconcile) to the promotion done.
          durationMs: this.monitor.failingForMs(key) || Date.now() - t0,
        }
      : undefined;
    const status = buildStatus({
      cr,
      desiredPods: spec.replicas + 1,
      nodes: nodes.map((o) => (plan.master && o.pod === plan.master.pod ? { ...o, ip: plan.master.ip } : o)),
      plan: plan.master
        ? { ...plan, master: nodes.find((o) => o.pod === plan.master?.pod) ?? plan.master }
        : plan,
      readyPods: new Set(pods.filter(podReady).map((p) => p.metadata?.name ?? '')),
      blocked,
      now: new Date().toISOString(),
      failover,
    });
    const announced = await this.externalAddresses(cr, spec, pods);
    if (announced)
      status.externalAddresses = Object.fromEntries([...announced].map(([p, a]) => [p, `${a.ip}:${a.port}`]));
    this.at(cr, 'writing the status');
    await this.writeStatus(cr, status);
    this.publish(cr, spec, plan, nodes, key, announced);
    this.record(cr, status, failover);
    if (status.phase !== (cr.status?.phase ?? ''))
      log.info('phase', { from: cr.status?.phase ?? '', to: status.phase, ready: status.ready });
    // A reconcile is normally tens of milliseconds; a slow one delays the next (a failover included).
    const tookMs = Date.now() - started;
    if (tookMs > 1000)
      log.info('slow reconcile', {
        tookMs,
        observeMs: observedAt - started,
        executeMs: executedAt - observedAt,
        applyMs: appliedAt - executedAt,
        statusMs: Date.now() - appliedAt,
      });
    return { requeueAfterMs: status.phase === 'Ready' ? RESYNC_READY_MS : RESYNC_BUSY_MS };
  }

  private async execute(
    cr: RedisReplication,
    plan: Plan,
    password: string | undefined,
    log: Logger,
  ): Promise<void> {
    const ipOf = (pod: string) => (plan.master?.pod === pod ? plan.master.ip : undefined);
    // In a failover the others are re-pointed first (plan.ts, failoverOrder); each one's position in
    // the old master's stream is read as it leaves it, and the chosen replica is promoted only once it
    // holds all of that: had the old master been alive after all (health checks starved of CPU, or a
    // thaw mid-failover), a re-pointed replica may have acknowledged bytes the chosen one had not yet
    // read, and promoting it then would discard writes that WAIT confirmed.
    const reason = plan.masterChange?.reason;
    const failingOver =
      plan.masterChange?.from !== undefined && (reason === 'MasterDown' || reason === 'MasterDeleted');
    const leftAt: LeftAt[] = [];
    for (const a of plan.actions) {
      this.at(cr, `${a.kind} ${a.pod}`);
      if (a.kind === 'promote') {
        const ip = ipOf(a.pod) ?? '';
        const need = failingOver ? mustReach(plan.master?.replid, leftAt) : 0;
        if (need > 0) await this.waitForOffset(ip, password, need, a.pod, log);
        await replicaOf(ip, password, null, 2000);
        log.info('promoted to master', { pod: a.pod, reason: a.reason });
        await this.kube
          .event(cr, 'Normal', 'PromotedMaster', `${a.pod} promoted to master (${a.reason})`)
          .catch(() => {});
      } else if (a.kind === 'replicate') {
        const target = plan.master?.ip ?? a.masterIp;
        const obsIp = await this.podIp(cr, a.pod);
        if (!obsIp) continue;
        // Only a replica can have acknowledged the old master's writes (not a demoted master, not a
        // node that had no master).
        const moved =
          failingOver && a.reason.startsWith('RepointFrom')
            ? replicaofLeftAt(obsIp, password, target, 2000).then((l) => void leftAt.push(l))
            : replicaOf(obsIp, password, target, 2000);
        await moved.catch((e: unknown) => log.warn('REPLICAOF failed', { pod: a.pod, error: String(e) }));
        log.info('replica pointed at the master', {
          pod: a.pod,
          master: plan.master?.pod,
          masterIp: target,
          reason: a.reason,
        });
        await this.kube
          .event(cr, 'Normal', 'ReplicaOf', `${a.pod} replicates from ${plan.master?.pod} (${a.reason})`)
          .catch(() => {});
      } else {
        await this.kube.patchPodLabels(cr.metadata.namespace, a.pod, { [ROLE_LABEL]: a.role });
        if (a.role === 'master')
          await this.kube
            .event(cr, 'Normal', 'MasterLabel', `${a.pod} now receives the master Service's traffic`)
            .catch(() => {});
      }
    }
  }

  /**
   * Waits (up to FAILOVER_CATCH_UP_MS) until the replica at ip has reached offset in its master's
   * stream; a replica whose old master is really gone cannot, and is then promoted as it is (logged).
   */
  private async waitForOffset(
    ip: string,
    password: string | undefined,
    offset: number,
    pod: string,
    log: Logger,
  ): Promise<void> {
    const deadline = Date.now() + FAILOVER_CATCH_UP_MS;
    let at = -1;
    while (Date.now() < deadline) {
      at = await withNode(ip, password, 1000, async (r) =>
        Number(/master_repl_offset:(\d+)/.exec(await r.info('replication'))?.[1] ?? -1),
      ).catch(() => -1);
      if (at >= offset) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    log.warn('promoting a replica that lacks part of what another replica held', {
      pod,
      offset: at,
      needed: offset,
    });
  }

  private async podIp(cr: RedisReplication, pod: string): Promise<string | undefined> {
    const p = await this.kube.core
      .readNamespacedPod({ namespace: cr.metadata.namespace, name: pod })
      .catch(() => undefined);
    return p?.status?.podIP;
  }

  /** CONFIG SET of spec.config on each node process once per process start and config version. */
  private async applyConfig(
    cr: RedisReplication,
    spec: ResolvedSpec,
    nodes: NodeObservation[],
    password: string | undefined,
    log: Logger,
  ): Promise<void> {
    const directives = liveDirectives(spec);
    const d = digest(JSON.stringify(directives));
    for (const n of nodes) {
      if (!n.reachable || !n.runId || this.appliedConfig.get(n.runId) === d) continue;
      const refused: string[] = [];
      await withNode(n.ip, password, 2000, async (r) => {
        for (const [k, v] of directives) {
          try {
            await r.call('CONFIG', 'SET', k, v);
          } catch (e) {
            refused.push(`${k} (${e instanceof Error ? e.message : String(e)})`);
          }
        }
      }).catch((e: unknown) => refused.push(String(e)));
      if (refused.length === 0) {
        this.appliedConfig.set(n.runId, d);
      } else if (this.restartDigest.get(cr.metadata.uid) !== d) {
        // Some directive cannot change at runtime: a new pod template revision rolls the pods.
        log.info('config needs a restart', { pod: n.pod, refused });
        this.restartDigest.set(cr.metadata.uid, d);
        await this.kube
          .event(
            cr,
            'Normal',
            'ConfigRestart',
            `directives need a restart: ${refused.map((s) => s.split(' ')[0]).join(', ')}`,
          )
          .catch(() => {});
      }
    }
  }

  /**
   * OnDelete rolling update: when pods run an older template revision, delete one replica at a time
   * (only while every pod is Ready); when only the master is left, hand its role to an in-sync replica
   * first (planned switchover), and the next reconcile rolls it as a replica.
   */
  private async rollPods(
    cr: RedisReplication,
    pods: V1Pod[],
    plan: Plan,
    nodes: NodeObservation[],
    password: string | undefined,
    log: Logger,
  ): Promise<Plan['masterChange']> {
    const sts = await this.kube.getStatefulSet(cr.metadata.namespace, names(cr.metadata.name).statefulSet);
    const rev = sts?.status?.updateRevision;
    if (!rev || !plan.master) return undefined;
    const stale = pods.filter(
      (p) => p.metadata?.labels?.['controller-revision-hash'] !== rev && !p.metadata?.deletionTimestamp,
    );
    if (stale.length === 0) return undefined;
    if (!pods.every(podReady) || pods.length !== (sts?.spec?.replicas ?? 0)) return undefined; // one at a time
    const replica = stale.find((p) => p.metadata?.name !== plan.master?.pod);
    if (!replica) {
      const master = nodes.find((o) => o.pod === plan.master?.pod);
      return master ? this.switchover(cr, master, nodes, password, log) : undefined;
    }
    const podName = replica.metadata?.name ?? '';
    log.info('rolling pod to the new revision', { pod: podName, revision: rev });
    await this.kube
      .event(cr, 'Normal', 'RollingUpdate', `restarting ${podName} for revision ${rev}`)
      .catch(() => {});
    await this.kube.deletePod(cr.metadata.namespace, podName);
    return undefined;
  }

  /** The switchover away from the recorded master when its pod is being deleted but still answers. */
  private async handOverFromDeleting(
    cr: RedisReplication,
    recordedPod: string | undefined,
    nodes: NodeObservation[],
    password: string | undefined,
    log: Logger,
  ): Promise<Plan['masterChange']> {
    const m = nodes.find((n) => n.pod === recordedPod);
    if (!m || !m.deleting || !m.reachable || m.role !== 'master') return undefined;
    log.info('master pod is being deleted; handing its role over', { pod: m.pod });
    return this.switchover(cr, m, nodes, password, log, 'MasterDeleted');
  }

  /**
   * Planned switchover without losing an acknowledged write: pause writes on the master, wait until the
   * target replica has every byte, promote it, repoint the others and the old master, move the labels,
   * then release the paused clients (their writes now get -READONLY and are retried by clients).
   */
  async switchover(
    cr: RedisReplication,
    master: NodeObservation,
    nodes: NodeObservation[],
    password: string | undefined,
    log: Logger,
    reason = 'PlannedSwitchover',
  ): Promise<Plan['masterChange']> {
    const target = switchoverTarget(nodes, master);
    if (!target) {
      log.warn('switchover postponed: no in-sync replica');
      return undefined;
    }
    const t0 = Date.now();
    log.info('switchover starting', { from: master.pod, to: target.pod });
    // Each read is bounded as a whole (a frozen node accepts the connection and never answers), and so
    // is the wait: 5 s, well within the 10 s pause.
    const offsetOf = (ip: string) =>
      withNode(
        ip,
        password,
        1000,
        async (r) => Number(/master_repl_offset:(\d+)/.exec(await r.info('replication'))?.[1] ?? -1),
        { deadlineMs: 1000 },
      ).catch(() => -1);
    await withNode(master.ip, password, 2000, (r) => r.call('CLIENT', 'PAUSE', '10000', 'WRITE'));
    let caughtUp = false;
    const deadline = Date.now() + SWITCHOVER_CATCH_UP_MS;
    while (!caughtUp && Date.now() < deadline) {
      const [m, t] = await Promise.all([offsetOf(master.ip), offsetOf(target.ip)]);
      caughtUp = m >= 0 && m === t;
      if (!caughtUp) await new Promise((r) => setTimeout(r, 50));
    }
    if (!caughtUp) {
      await withNode(master.ip, password, 2000, (r) => r.call('CLIENT', 'UNPAUSE')).catch(() => {});
      log.warn('switchover aborted: the replica did not catch up within 5 s', { to: target.pod });
      return undefined;
    }
    await replicaOf(target.ip, password, null, 2000);
    await replicaOf(master.ip, password, target.ip, 2000);
    for (const n of nodes) {
      if (n.pod === master.pod || n.pod === target.pod || !n.reachable) continue;
      await replicaOf(n.ip, password, target.ip, 2000).catch(() => {});
    }
    await this.kube.patchPodLabels(cr.metadata.namespace, master.pod, { [ROLE_LABEL]: 'replica' });
    await this.kube.patchPodLabels(cr.metadata.namespace, target.pod, { [ROLE_LABEL]: 'master' });
    await withNode(master.ip, password, 2000, (r) => r.call('CLIENT', 'UNPAUSE')).catch(() => {});
    log.info('switchover done', { from: master.pod, to: target.pod, ms: Date.now() - t0 });
    await this.kube
      .event(cr, 'Normal', 'Switchover', `master moved from ${master.pod} to ${target.pod} (${reason})`)
      .catch(() => {});
    return { from: master.pod, to: target.pod, reason };
  }

  private record(
    cr: RedisReplication,
    status: ReturnType<typeof buildStatus>,
    failover: { reason: string; durationMs: number } | undefined,
  ): void {
    const m = this.metrics;
    if (!m) return;
    const id = { namespace: cr.metadata.namespace, name: cr.metadata.name };
    if (failover) {
      m.inc('tsredis_operator_failovers_total', { ...id, reason: failover.reason });
      m.observe('tsredis_operator_failover_duration_seconds', id, failover.durationMs / 1000);
    }
    m.clear('tsredis_node_role', id);
    m.clear('tsredis_node_replication_lag_bytes', id);
    for (const r of status.replicas ?? []) {
      m.set('tsredis_node_role', { ...id, pod: r.pod, role: r.role }, 1);
      if (r.role === 'replica') m.set('tsredis_node_replication_lag_bytes', { ...id, pod: r.pod }, r.lag);
    }
  }

  /** Per-CR announced addresses (spec.externalAccess), as of the last reconcile. */
  private readonly announced = new Map<string, Map<string, Announced>>();

  /**
   * With spec.externalAccess: the address each pod is announced at, from its per-pod Service; per-pod
   * Services no longer wanted (scaled down, or externalAccess removed) are deleted.
   */
  private async externalAddresses(
    cr: RedisReplication,
    spec: ResolvedSpec,
    pods: V1Pod[],
  ): Promise<Map<string, Announced> | undefined> {
    const uid = cr.metadata.uid;
    if (!spec.externalAccess && !this.announced.has(uid) && !cr.status?.externalAddresses) return undefined;
    const { namespace } = cr.metadata;
    const sel = selectorString({ ...podSelector(cr), 'app.kubernetes.io/component': EXTERNAL_COMPONENT });
    const listed = await this.kube.listServices(namespace, sel);
    const wanted = new Set(externalServices(cr, spec).map((s) => s.metadata.name));
    for (const s of listed)
      if (s.metadata?.name && !wanted.has(s.metadata.name))
        await this.kube.deleteService(namespace, s.metadata.name);
    if (!spec.externalAccess) {
      this.announced.delete(uid);
      return undefined;
    }
    const map = announcedAddresses(
      spec,
      pods.map((p) => ({ pod: p.metadata?.name ?? '', hostIP: p.status?.hostIP })),
      externalServiceStates(listed),
    );
    this.announced.set(uid, map);
    return map;
  }

  /**
   * After a new master is announced, the clients connected to the old master's address are dropped
   * (topology/observe.ts dropNormalClients). Not awaited, so that an old master that stops answering
   * meanwhile delays nothing.
   */
  private dropOldMasterClients(
    pod: string,
    nodes: NodeObservation[],
    password: string | undefined,
    log: Logger,
  ): void {
    // Only an old master that answered this reconcile's observation (restarted, or handing over in a
    // switchover): a frozen one would run the kill whenever it thaws, cutting clients that are then
    // being refused correctly, and one not up yet is re-pointed (and its clients dropped) later.
    const old = nodes.find((n) => n.pod === pod);
    if (!old?.reachable || !old.ip) return;
    const ip = old.ip;
    dropNormalClients(ip, password, 2000).then(
      (n) => log.info('clients of the old master dropped after the switch', { pod, clients: n }),
      (e: unknown) => log.debug('old master not reachable to drop its clients', { pod, error: String(e) }),
    );
  }

  /** The master each set's Sentinel view names, by `ns/name`: what a link change applies to. */
  private readonly publishedMaster = new Map<
    string,
    { namespace: string; name: string; pod: string; ip: string }
  >();

  /** The health checks' link to a master changed: the Sentinel view's `disconnected` flag follows at once. */
  private masterLink(key: string, ip: string, up: boolean): void {
    const m = this.publishedMaster.get(key);
    if (this.sentinel && m?.ip === ip) this.sentinel.setMasterLink(m.namespace, m.name, m.pod, !up);
  }

  private publish(
    cr: RedisReplication,
    spec: ResolvedSpec,
    plan: Plan,
    nodes: NodeObservation[],
    key: string,
    announced?: Map<string, Announced>,
  ): void {
    if (!this.sentinel) return;
    const m = plan.master;
    // With external access a pod is given at its announced address, and not at all until it is known.
    const at = (pod: string, ip: string): { ip: string; port?: number } | undefined =>
      spec.externalAccess ? announced?.get(pod) : { ip };
    const mAt = m ? at(m.pod, m.ip) : undefined;
    const { namespace, name } = cr.metadata;
    if (m && mAt) this.publishedMaster.set(key, { namespace, name, pod: m.pod, ip: m.ip });
    else this.publishedMaster.delete(key);
    this.sentinel.update({
      namespace,
      name,
      master: m && mAt ? { pod: m.pod, ...mAt, runId: m.runId, offset: m.offset } : undefined,
      replicas: nodes
        .filter((n) => n.pod !== m?.pod && n.reachable && at(n.pod, n.ip))
        .map((n) => ({
          pod: n.pod,
          ...(at(n.pod, n.ip) as { ip: string; port?: number }),
          linkUp: !!n.linkUp && n.masterHost === m?.ip,
          offset: n.offset,
          priority: n.priority,
        })),
      downAfterMs: spec.failover.downAfterMilliseconds,
      masterDown: m ? false : this.monitor.failingForMs(key) > 0,
      masterLinkDown: m ? this.monitor.linkDown(key, m.ip) : false,
    });
  }

  /** Applied object digests by CR uid + object; an unchanged object is re-applied once a minute. */
  private readonly applied = new Map<string, { digest: string; at: number }>();

  private async applyCached(uid: string, obj: KubernetesObject): Promise<void> {
    const key = `${uid}/${obj.kind}/${obj.metadata?.name}`;
    const d = digest(JSON.stringify(obj));
    const prev = this.applied.get(key);
    if (prev && prev.digest === d && Date.now() - prev.at < 60_000) return;
    await this.kube.apply(obj);
    this.applied.set(key, { digest: d, at: Date.now() });
  }

  private async writeStatus(cr: RedisReplication, status: ReturnType<typeof buildStatus>): Promise<void> {
    const strip = (s: unknown) =>
      JSON.stringify(s, (k, v: unknown) => (k === 'lastTransitionTime' ? undefined : v));
    if (strip(status) === strip(cr.status ?? {})) return;
    await this.kube.patchRRStatus(cr, status);
  }
}

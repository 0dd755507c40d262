// The RedisReplication status as a pure function of what the reconcile saw and decided: phase,
// master, ready count, per-pod replication state, and metav1-style conditions whose
// lastTransitionTime changes only when their status does.
import type {
  Condition,
  Phase,
  RedisReplication,
  RedisReplicationStatus,
  ReplicaStatus,
} from '../api/types.js';
import type { NodeObservation, Plan } from '../topology/plan.js';

export interface StatusInput {
  cr: RedisReplication;
  desiredPods: number;
  nodes: NodeObservation[];
  plan?: Plan;
  /** Pods whose Ready condition is true. */
  readyPods: Set<string>;
  /** A configuration problem that stops the operator from converging (reason + message). */
  blocked?: { reason: string; message: string };
  now: string;
  /** Set when this reconcile changed the master. */
  failover?: RedisReplicationStatus['lastFailover'];
}

function cond(
  prev: Condition[] | undefined,
  c: Omit<Condition, 'lastTransitionTime'>,
  now: string,
): Condition {
  const old = prev?.find((p) => p.type === c.type);
  return { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now };
}

export function buildStatus(i: StatusInput): RedisReplicationStatus {
  const prev = i.cr.status ?? {};
  const gen = i.cr.metadata.generation;
  const master = i.plan?.master;
  const masterOffset = master?.offset ?? 0;
  const replicas: ReplicaStatus[] = i.nodes
    .slice()
    .sort((a, b) => a.ordinal - b.ordinal)
    .map((n) => {
      const isMaster = n.pod === master?.pod;
      return {
        pod: n.pod,
        ...(n.ip ? { ip: n.ip } : {}),
        role: !n.reachable ? 'unknown' : isMaster ? 'master' : 'replica',
        link: isMaster ? 'n/a' : n.reachable && n.linkUp && n.masterHost === master?.ip ? 'up' : 'down',
        offset: n.offset,
        lag: isMaster || !n.reachable ? 0 : Math.max(0, masterOffset - n.offset),
      };
    });
  const syncedReplicas = replicas.filter(
    (r) => r.role === 'replica' && r.link === 'up' && i.readyPods.has(r.pod),
  ).length;
  const masterReady = master !== undefined && i.readyPods.has(master.pod);
  const readyCount = (masterReady ? 1 : 0) + syncedReplicas;
  const allThere = i.nodes.length === i.desiredPods;
  const everReady =
    prev.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') || prev.master !== undefined;

  let phase: Phase;
  if (i.blocked) phase = 'Degraded';
  else if (i.failover) phase = 'FailingOver';
  else if (i.nodes.length === 0) phase = 'Pending';
  else if (masterReady && allThere && syncedReplicas === i.desiredPods - 1) phase = 'Ready';
  else if (!everReady) phase = 'Initializing';
  else phase = 'Degraded';

  const degradedWhy = i.blocked
    ? i.blocked
    : phase === 'Degraded'
      ? !master
        ? {
            reason: i.plan?.blockedFailover ? 'FailoverBlocked' : 'NoMaster',
            message: i.plan?.waiting ?? 'no master',
          }
        : { reason: 'ReplicasNotReady', message: `${syncedReplicas}/${i.desiredPods - 1} replicas in sync` }
      : undefined;

  const conditions: Condition[] = [
    cond(
      prev.conditions,
      {
        type: 'Ready',
        status: phase === 'Ready' ? 'True' : 'False',
        reason: phase === 'Ready' ? 'AllNodesReady' : (degradedWhy?.reason ?? phase),
        message:
          phase === 'Ready'
            ? `master ${master?.pod}, ${syncedReplicas} replicas in sync`
            : (degradedWhy?.message ?? `${readyCount}/${i.desiredPods} ready`),
        observedGeneration: gen,
      },
      i.now,
    ),
    cond(
      prev.conditions,
      {
        type: 'Replicating',
        status: master && syncedReplicas === i.desiredPods - 1 ? 'True' : 'False',
        reason: master
          ? syncedReplicas === i.desiredPods - 1
            ? 'ReplicasInSync'
            : 'ReplicasBehind'
          : 'NoMaster',
        message: `${syncedReplicas}/${i.desiredPods - 1} replicas linked to the master`,
        observedGeneration: gen,
      },
      i.now,
    ),
    cond(
      prev.conditions,
      {
        type: 'FailoverInProgress',
        status: i.failover ? 'True' : 'False',
        reason: i.failover ? i.failover.reason : 'NoFailover',
        message: i.failover
          ? `${i.failover.from || '(none)'} -> ${i.failover.to}`
          : 'no failover in progress',
        observedGeneration: gen,
      },
      i.now,
    ),
    cond(
      prev.conditions,
      {
        type: 'Degraded',
        status: degradedWhy ? 'True' : 'False',
        reason: degradedWhy?.reason ?? 'AsExpected',
        message: degradedWhy?.message ?? 'all nodes as desired',
        observedGeneration: gen,
      },
      i.now,
    ),
  ];

  return {
    phase,
    ...(master ? { master: { pod: master.pod, ip: master.ip } } : prev.master ? { master: prev.master } : {}),
    ready: `${readyCount}/${i.desiredPods}`,
    readyReplicas: syncedReplicas,
    replicas,
    ...(master?.replid
      ? { replicationId: master.replid }
      : prev.replicationId
        ? { replicationId: prev.replicationId }
        : {}),
    ...(i.failover
      ? { lastFailover: i.failover }
      : prev.lastFailover
        ? { lastFailover: prev.lastFailover }
        : {}),
    failovers: (prev.failovers ?? 0) + (i.failover && i.failover.from ? 1 : 0),
    observedGeneration: gen,
    conditions,
  };
}

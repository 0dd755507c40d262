// The replication brain's decisions (pure): from what the operator observed of each node pod, which
// pod is the master and what must change — promote it, point every other node at the master's
// current address (checked on every reconcile, so a re-created pod with a new IP is always followed),
// demote an extra master, and move the role labels the Services select on. Execution is elsewhere.
import { REDIS_PORT } from '../api/types.js';

export interface NodeObservation {
  pod: string;
  ordinal: number;
  ip: string;
  deleting: boolean;
  reachable: boolean;
  /** From INFO replication, when reachable. */
  role?: 'master' | 'replica';
  /** A replica with no master yet (started masterless, or never given a role). */
  masterless?: boolean;
  masterHost?: string;
  masterPort?: number;
  linkUp?: boolean;
  offset: number;
  replid?: string;
  runId?: string;
  /** replica-priority for this ordinal: lower preferred, 0 never promoted. */
  priority: number;
  roleLabel?: string;
  error?: string;
}

export type Action =
  | { kind: 'promote'; pod: string; reason: string }
  | { kind: 'replicate'; pod: string; masterIp: string; reason: string }
  | { kind: 'label'; pod: string; role: 'master' | 'replica' };

export interface Plan {
  master?: NodeObservation;
  actions: Action[];
  /** Why no master could be chosen or kept, when none is. */
  waiting?: string;
  /** Set when the master changes from a recorded one to another pod. */
  masterChange?: { from?: string; to: string; reason: string };
  /** The master is down but no replica may be promoted (minSyncedReplicas, maxLagBytes, priority). */
  blockedFailover?: boolean;
}

/** Orders promotion candidates: most data first, then the recorded master, lower priority, lower ordinal. */
export function candidateOrder(recorded: string | undefined) {
  return (a: NodeObservation, b: NodeObservation): number =>
    b.offset - a.offset ||
    Number(b.pod === recorded) - Number(a.pod === recorded) ||
    a.priority - b.priority ||
    a.ordinal - b.ordinal;
}

export interface PlanOptions {
  /** A first master is chosen only once this many pods answer (all of them, right after creation). */
  expectedPods?: number;
  /** The recorded master failed its health checks for downAfterMilliseconds (or its pod is gone). */
  masterDown?: boolean;
  /** The recorded master's address, from status (its pod may be gone). */
  recordedMasterIp?: string;
  /** When no node is master: wait until every existing pod answers before choosing by offset. */
  waitForAll?: boolean;
  /** The master's replication offset when last seen healthy (for maxLagBytes). */
  lastMasterOffset?: number;
  maxLagBytes?: number;
  minSyncedReplicas?: number;
}

function describeDown(n: NodeObservation | undefined, pod: string): string {
  if (!n) return `master ${pod} has no pod`;
  if (n.deleting) return `master ${pod} is being deleted`;
  return `master ${pod} is unreachable${n.error ? ` (${n.error})` : ''}`;
}

export function planTopology(
  nodes: NodeObservation[],
  recordedMaster: string | undefined,
  opts: PlanOptions = {},
): Plan {
  const usable = nodes.filter((n) => n.reachable && !n.deleting);
  const actions: Action[] = [];
  let master: NodeObservation | undefined;
  let masterChange: Plan['masterChange'];

  const recorded = nodes.find((n) => n.pod === recordedMaster);
  const recordedUp = recorded !== undefined && recorded.reachable && !recorded.deleting;
  const masters = usable.filter((n) => n.role === 'master');
  const chooseByData = (reasonIfOther: string): Plan | undefined => {
    // No node is master (new set, restarted master, whole-set restart): the node with the most data
    // wins, so that a node that came back empty never wipes the others.
    const silent = nodes.filter((n) => !n.reachable && !n.deleting);
    if (opts.waitForAll && silent.length > 0) {
      return {
        actions: [],
        waiting: `waiting for ${silent.map((n) => n.pod).join(', ')} to answer before choosing a master by data`,
      };
    }
    // Once a master has been recorded, a node that claims master on its own (an old master that came
    // back) is never a candidate: its history diverged from the recorded master's.
    const candidates = usable
      .filter((n) => n.priority !== 0 && (recordedMaster === undefined || n.role !== 'master'))
      .sort(candidateOrder(recordedMaster));
    if (candidates.length === 0)
      return {
        actions: labelActions(nodes, undefined),
        waiting: 'no reachable node can be promoted',
        blockedFailover: recordedMaster !== undefined,
      };
    // Never promote an empty node (or one further behind than maxLagBytes) while a node that may not
    // be promoted (priority 0) holds the data: the others would be wiped by the resync. A few bytes
    // of difference (pings in the stream) are not a reason to stay without a master.
    const richest = usable.reduce((a, b) => (b.offset > a.offset ? b : a));
    const gap = richest.offset - candidates[0].offset;
    const tooFar =
      opts.maxLagBytes !== undefined
        ? gap > opts.maxLagBytes
        : candidates[0].offset === 0 && richest.offset > 0;
    if (tooFar) {
      return {
        actions: labelActions(nodes, undefined),
        waiting: `${richest.pod} holds the most data (offset ${richest.offset}) but may not be promoted; refusing to promote ${candidates[0].pod} (offset ${candidates[0].offset})`,
        blockedFailover: true,
      };
    }
    master = candidates[0];
    const reason =
      recordedMaster === undefined
        ? 'InitialMaster'
        : master.pod === recordedMaster
          ? 'MasterRestarted'
          : reasonIfOther;
    actions.push({ kind: 'promote', pod: master.pod, reason });
    if (recordedMaster !== master.pod) masterChange = { from: recordedMaster, to: master.pod, reason };
    return undefined;
  };

  if (recordedUp && recorded.role === 'master') {
    master = recorded;
  } else if (recordedMaster === undefined && masters.length > 0) {
    // A master the status does not name (status lost, or adopting a running set): the one with most data.
    master = [...masters].sort(candidateOrder(recordedMaster))[0];
  } else if (recordedMaster === undefined) {
    if (usable.length < (opts.expectedPods ?? 0)) {
      return {
        actions: [],
        waiting: `waiting for ${(opts.expectedPods ?? 0) - usable.length} more pod(s) before choosing the first master`,
      };
    }
    const w = chooseByData('InitialMaster');
    if (w) return w;
  } else if (recordedUp) {
    // The recorded master answers but is not a master: it restarted (masterless) or was re-pointed.
    const w = chooseByData('MasterRestartedBehindReplica');
    if (w) return w;
  } else {
    // The recorded master is down: unreachable, being deleted, or its pod is gone.
    const gone = recorded === undefined || recorded.deleting;
    if (!gone && !opts.masterDown)
      return {
        actions: labelActions(nodes, undefined),
        waiting: `${describeDown(recorded, recordedMaster)}; not yet declared down`,
      };
    const masterIp = recorded?.ip || opts.recordedMasterIp;
    const followers = usable.filter(
      (n) => n.role === 'replica' && !n.masterless && n.masterHost === masterIp,
    );
    if (followers.length === 0) {
      // Nobody followed it (e.g. the whole set restarted): choose by data among what answers.
      const w = chooseByData('MasterDown');
      if (w) return w;
    } else {
      const base = opts.lastMasterOffset ?? Math.max(...followers.map((n) => n.offset));
      const eligible = followers.filter(
        (n) => n.priority !== 0 && (opts.maxLagBytes === undefined || base - n.offset <= opts.maxLagBytes),
      );
      const need = Math.max(1, opts.minSyncedReplicas ?? 0);
      if (eligible.length < need) {
        const why = followers
          .map(
            (n) =>
              `${n.pod}: ${n.priority === 0 ? 'priority 0' : `lag ${Math.max(0, base - n.offset)} bytes`}`,
          )
          .join(', ');
        return {
          actions: labelActions(nodes, undefined),
          waiting: `${describeDown(recorded, recordedMaster)}; no eligible replica (${eligible.length} of ${need} needed; ${why || 'none linked'})`,
          blockedFailover: true,
        };
      }
      master = eligible.sort(candidateOrder(undefined))[0];
      const reason = gone ? 'MasterDeleted' : 'MasterDown';
      actions.push({ kind: 'promote', pod: master.pod, reason });
      masterChange = { from: recordedMaster, to: master.pod, reason };
    }
  }
  if (!master) return { actions: labelActions(nodes, undefined), waiting: 'no master' };

  for (const n of usable) {
    if (n === master) continue;
    const pointsAtMaster =
      n.role === 'replica' && !n.masterless && n.masterHost === master.ip && n.masterPort === REDIS_PORT;
    if (pointsAtMaster) continue;
    const reason =
      n.role === 'master'
        ? 'DemoteExtraMaster'
        : n.masterless
          ? 'AssignRole'
          : `RepointFrom ${n.masterHost ?? '?'}:${n.masterPort ?? '?'}`;
    actions.push({ kind: 'replicate', pod: n.pod, masterIp: master.ip, reason });
  }
  actions.push(...labelActions(nodes, master.pod));
  return { master, actions: failoverOrder(actions, masterChange), masterChange };
}

/**
 * In a failover away from a down master, the other nodes are pointed at the chosen replica before it
 * is promoted. Promoting first left a window (the API calls between two actions) in which the old
 * master, thawed or reconnected, could still have a replica linked: it accepted writes and that
 * replica confirmed them to WAIT, then the replica resynced from the new master and discarded them
 * (the likeliest cause of three WAIT-confirmed writes a chaos run lost). Re-pointed first, the other
 * replicas follow the chosen one (chained until the promotion), the old master has no replica but the
 * chosen one, whose data the promotion keeps, and min-replicas-to-write then fences it.
 */
function failoverOrder(actions: Action[], change: Plan['masterChange']): Action[] {
  if (change?.from === undefined || (change.reason !== 'MasterDown' && change.reason !== 'MasterDeleted'))
    return actions;
  const repoint = actions.filter((a) => a.kind === 'replicate');
  return [...repoint, ...actions.filter((a) => a.kind !== 'replicate')];
}

/** Role labels: replicas first, the master last, so the master Service never selects two pods. */
function labelActions(nodes: NodeObservation[], masterPod: string | undefined): Action[] {
  const out: Action[] = [];
  for (const n of nodes) {
    if (n.pod === masterPod || n.deleting) continue;
    // While no master is chosen, a pod keeps a master label (the Service keeps its last endpoint).
    if (masterPod === undefined && n.roleLabel === 'master') continue;
    if (n.roleLabel !== 'replica') out.push({ kind: 'label', pod: n.pod, role: 'replica' });
  }
  const m = nodes.find((n) => n.pod === masterPod);
  if (m && m.roleLabel !== 'master') out.push({ kind: 'label', pod: m.pod, role: 'master' });
  return out;
}

/** The replica a planned switchover hands the master role to: linked to the master, promotable, most data. */
export function switchoverTarget(
  nodes: NodeObservation[],
  master: NodeObservation,
): NodeObservation | undefined {
  return nodes
    .filter(
      (n) =>
        n.pod !== master.pod &&
        n.reachable &&
        !n.deleting &&
        n.priority !== 0 &&
        n.role === 'replica' &&
        n.linkUp &&
        n.masterHost === master.ip,
    )
    .sort(candidateOrder(undefined))[0];
}

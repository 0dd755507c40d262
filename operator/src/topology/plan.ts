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
}

/** Orders promotion candidates: most data first, then the recorded master, lower priority, lower ordinal. */
export function candidateOrder(recorded: string | undefined) {
  return (a: NodeObservation, b: NodeObservation): number =>
    b.offset - a.offset ||
    Number(b.pod === recorded) - Number(a.pod === recorded) ||
    a.priority - b.priority ||
    a.ordinal - b.ordinal;
}

/**
 * `expectedPods`: how many pods a first master choice should wait for (all of them right after
 * creation, so the choice is stable; the reconciler stops waiting after a grace period).
 */
export function planTopology(
  nodes: NodeObservation[],
  recordedMaster: string | undefined,
  expectedPods = 0,
): Plan {
  const usable = nodes.filter((n) => n.reachable && !n.deleting);
  const actions: Action[] = [];
  let master: NodeObservation | undefined;
  let masterChange: Plan['masterChange'];

  const recorded = nodes.find((n) => n.pod === recordedMaster);
  const masters = usable.filter((n) => n.role === 'master');
  if (recorded && recorded.reachable && !recorded.deleting && recorded.role === 'master') {
    master = recorded;
  } else if (masters.length > 0) {
    // A master the status does not name (first adoption, or status lost): keep the one with most data.
    master = [...masters].sort(candidateOrder(recordedMaster))[0];
    if (recordedMaster && master.pod !== recordedMaster)
      masterChange = { from: recordedMaster, to: master.pod, reason: 'AdoptedExistingMaster' };
  } else if (recorded && (!recorded.reachable || recorded.deleting)) {
    // Part 1 waits for the recorded master to come back (automatic failover decides otherwise).
    return {
      actions: labelActions(nodes, undefined),
      waiting: `master ${recorded.pod} is ${recorded.deleting ? 'being deleted' : `unreachable${recorded.error ? ` (${recorded.error})` : ''}`}`,
    };
  } else {
    // No master anywhere: a new deployment, or the master restarted without a role. Promote the node
    // with the most data, so that a master that came back empty never wipes its replicas.
    if (recordedMaster === undefined && usable.length < expectedPods) {
      return {
        actions: [],
        waiting: `waiting for ${expectedPods - usable.length} more pod(s) before choosing the first master`,
      };
    }
    const candidates = usable.filter((n) => n.priority !== 0).sort(candidateOrder(recordedMaster));
    if (candidates.length === 0)
      return { actions: labelActions(nodes, undefined), waiting: 'no reachable node can be promoted' };
    master = candidates[0];
    const reason =
      recordedMaster === undefined
        ? 'InitialMaster'
        : master.pod === recordedMaster
          ? 'MasterRestarted'
          : 'MasterRestartedBehindReplica';
    actions.push({ kind: 'promote', pod: master.pod, reason });
    if (recordedMaster !== master.pod) masterChange = { from: recordedMaster, to: master.pod, reason };
  }

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
  return { master, actions, masterChange };
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

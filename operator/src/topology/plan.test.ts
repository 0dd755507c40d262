// Reconcile decisions of the topology planner, as data: who becomes master and what changes.
import { planTopology, switchoverTarget, type NodeObservation } from './plan.js';

function node(pod: string, over: Partial<NodeObservation> = {}): NodeObservation {
  const ordinal = Number(pod.split('-').pop());
  return {
    pod,
    ordinal,
    ip: `10.0.0.${ordinal + 10}`,
    deleting: false,
    reachable: true,
    role: 'replica',
    masterless: true,
    offset: 0,
    priority: 100,
    ...over,
  };
}
const replicaOf = (master: NodeObservation, over: Partial<NodeObservation> = {}) => ({
  role: 'replica' as const,
  masterless: false,
  masterHost: master.ip,
  masterPort: 6379,
  linkUp: true,
  ...over,
});

test('a new deployment waits for every pod, then promotes ordinal 0 and points the others at it', () => {
  const nodes = [node('r-0'), node('r-1'), node('r-2')];
  expect(planTopology(nodes.slice(0, 2), undefined, { expectedPods: 3 }).waiting).toMatch(/1 more pod/);
  const p = planTopology(nodes, undefined, { expectedPods: 3 });
  expect(p.master?.pod).toBe('r-0');
  expect(p.actions).toEqual([
    { kind: 'promote', pod: 'r-0', reason: 'InitialMaster' },
    { kind: 'replicate', pod: 'r-1', masterIp: '10.0.0.10', reason: 'AssignRole' },
    { kind: 'replicate', pod: 'r-2', masterIp: '10.0.0.10', reason: 'AssignRole' },
    { kind: 'label', pod: 'r-1', role: 'replica' },
    { kind: 'label', pod: 'r-2', role: 'replica' },
    { kind: 'label', pod: 'r-0', role: 'master' },
  ]);
});

test('a steady topology needs nothing', () => {
  const m = node('r-0', { role: 'master', masterless: false, roleLabel: 'master', offset: 500 });
  const nodes = [m, node('r-1', { ...replicaOf(m), roleLabel: 'replica', offset: 500 })];
  expect(planTopology(nodes, 'r-0')).toEqual({ master: m, actions: [], masterChange: undefined });
});

test('a re-created master pod with a new IP: every replica still pointing at the old IP is repointed', () => {
  const old = node('r-0', { ip: '10.0.0.99' });
  const m = node('r-0', { ip: '10.0.0.50', role: 'master', masterless: false, roleLabel: 'master' });
  const r1 = node('r-1', { ...replicaOf(old, { linkUp: false }), roleLabel: 'replica' });
  const r2 = node('r-2', { ...replicaOf(m), roleLabel: 'replica' });
  const p = planTopology([m, r1, r2], 'r-0');
  expect(p.actions).toEqual([
    { kind: 'replicate', pod: 'r-1', masterIp: '10.0.0.50', reason: 'RepointFrom 10.0.0.99:6379' },
  ]);
});

test('a master that restarted empty is not re-promoted over replicas holding data', () => {
  const restarted = node('r-0', { offset: 0, roleLabel: 'master' });
  const oldIp = '10.0.0.10';
  const r1 = node('r-1', {
    role: 'replica',
    masterless: false,
    masterHost: oldIp,
    masterPort: 6379,
    linkUp: false,
    offset: 9000,
    roleLabel: 'replica',
  });
  const r2 = node('r-2', {
    role: 'replica',
    masterless: false,
    masterHost: oldIp,
    masterPort: 6379,
    linkUp: false,
    offset: 8000,
    roleLabel: 'replica',
  });
  const p = planTopology([restarted, r1, r2], 'r-0');
  expect(p.master?.pod).toBe('r-1');
  expect(p.masterChange).toEqual({ from: 'r-0', to: 'r-1', reason: 'MasterRestartedBehindReplica' });
  expect(p.actions[0]).toEqual({ kind: 'promote', pod: 'r-1', reason: 'MasterRestartedBehindReplica' });
  // The restarted one becomes a replica of the new master; labels move replicas-first.
  expect(p.actions).toContainEqual({ kind: 'replicate', pod: 'r-0', masterIp: r1.ip, reason: 'AssignRole' });
  const labels = p.actions.filter((a) => a.kind === 'label');
  expect(labels).toEqual([
    { kind: 'label', pod: 'r-0', role: 'replica' },
    { kind: 'label', pod: 'r-1', role: 'master' },
  ]);
});

test('a master that restarted with all its data keeps the role', () => {
  const restarted = node('r-0', { offset: 700, roleLabel: 'master' });
  const r1 = node('r-1', {
    role: 'replica',
    masterless: false,
    masterHost: '10.0.0.10',
    masterPort: 6379,
    linkUp: false,
    offset: 700,
  });
  const p = planTopology([restarted, r1], 'r-0');
  expect(p.master?.pod).toBe('r-0');
  expect(p.actions[0]).toEqual({ kind: 'promote', pod: 'r-0', reason: 'MasterRestarted' });
  expect(p.masterChange).toBeUndefined();
});

test('replica-priority 0 is never promoted; lower priority wins a tie', () => {
  const nodes = [
    node('r-0', { priority: 0, offset: 90 }),
    node('r-1', { priority: 50, offset: 90 }),
    node('r-2', { priority: 10, offset: 90 }),
  ];
  expect(planTopology(nodes, undefined).master?.pod).toBe('r-2');
});

test('an unreachable master is waited for until declared down, then the best linked replica is promoted', () => {
  const m = node('r-0', { reachable: false, error: 'connect ETIMEDOUT', roleLabel: 'master' });
  const follower = (pod: string, offset: number, over: Partial<NodeObservation> = {}) =>
    node(pod, {
      role: 'replica',
      masterless: false,
      masterHost: m.ip,
      masterPort: 6379,
      linkUp: false,
      roleLabel: 'replica',
      offset,
      ...over,
    });
  const nodes = [m, follower('r-1', 900), follower('r-2', 1000)];
  const waiting = planTopology(nodes, 'r-0');
  expect(waiting.master).toBeUndefined();
  expect(waiting.waiting).toBe('master r-0 is unreachable (connect ETIMEDOUT); not yet declared down');
  expect(waiting.actions).toEqual([]);
  const p = planTopology(nodes, 'r-0', { masterDown: true });
  expect(p.master?.pod).toBe('r-2');
  expect(p.masterChange).toEqual({ from: 'r-0', to: 'r-2', reason: 'MasterDown' });
  // The other replica leaves the down master before the promotion (no window for the old master to
  // have a replica confirm writes the new master never gets).
  expect(p.actions).toEqual([
    { kind: 'replicate', pod: 'r-1', masterIp: nodes[2].ip, reason: `RepointFrom ${m.ip}:6379` },
    { kind: 'promote', pod: 'r-2', reason: 'MasterDown' },
    { kind: 'label', pod: 'r-0', role: 'replica' },
    { kind: 'label', pod: 'r-2', role: 'master' },
  ]);
  // A deleted master pod needs no health-check verdict.
  expect(planTopology([{ ...m, deleting: true }, ...nodes.slice(1)], 'r-0').masterChange?.reason).toBe(
    'MasterDeleted',
  );
});

test('failover refuses replicas beyond maxLagBytes or with priority 0, and honours minSyncedReplicas', () => {
  const m = node('r-0', { reachable: false });
  const follower = (pod: string, offset: number, over: Partial<NodeObservation> = {}) =>
    node(pod, {
      role: 'replica',
      masterless: false,
      masterHost: m.ip,
      masterPort: 6379,
      linkUp: false,
      offset,
      ...over,
    });
  const nodes = [m, follower('r-1', 100), follower('r-2', 5000, { priority: 0 })];
  const blocked = planTopology(nodes, 'r-0', { masterDown: true, lastMasterOffset: 5000, maxLagBytes: 1000 });
  expect(blocked.master).toBeUndefined();
  expect(blocked.blockedFailover).toBe(true);
  expect(blocked.waiting).toContain(
    'no eligible replica (0 of 1 needed; r-1: lag 4900 bytes, r-2: priority 0)',
  );
  expect(
    planTopology(nodes, 'r-0', { masterDown: true, lastMasterOffset: 5000, maxLagBytes: 10_000 }).master?.pod,
  ).toBe('r-1');
  expect(planTopology(nodes, 'r-0', { masterDown: true, minSyncedReplicas: 2 }).blockedFailover).toBe(true);
});

test('a returning old master is demoted, never adopted back over the recorded one', () => {
  const newMaster = node('r-1', { role: 'master', masterless: false, roleLabel: 'master', offset: 100 });
  const oldMaster = node('r-0', { role: 'master', masterless: false, roleLabel: 'replica', offset: 5000 });
  const p = planTopology([oldMaster, newMaster], 'r-1');
  expect(p.master?.pod).toBe('r-1');
  expect(p.actions).toEqual([
    { kind: 'replicate', pod: 'r-0', masterIp: newMaster.ip, reason: 'DemoteExtraMaster' },
  ]);
  // Even while the recorded master is unreachable, the other one is not adopted.
  const down = planTopology([oldMaster, { ...newMaster, reachable: false }], 'r-1', { masterDown: true });
  expect(down.master).toBeUndefined();
});

test('whole-set restart: wait for every pod, then the one with the most persisted data', () => {
  const restarted = (pod: string, offset: number, reachable = true) => node(pod, { offset, reachable });
  const nodes = [restarted('r-0', 500), restarted('r-1', 0), restarted('r-2', 800, false)];
  expect(planTopology(nodes, 'r-0', { waitForAll: true }).waiting).toContain('r-2');
  const all = [restarted('r-0', 500), restarted('r-1', 0), restarted('r-2', 800)];
  expect(planTopology(all, 'r-0', { waitForAll: true }).master?.pod).toBe('r-2');
});

test('two masters: the recorded one stays, the other is demoted', () => {
  const m = node('r-0', { role: 'master', masterless: false, roleLabel: 'master' });
  const rogue = node('r-1', { role: 'master', masterless: false, roleLabel: 'replica', offset: 10_000 });
  const p = planTopology([m, rogue], 'r-0');
  expect(p.master?.pod).toBe('r-0');
  expect(p.actions).toEqual([{ kind: 'replicate', pod: 'r-1', masterIp: m.ip, reason: 'DemoteExtraMaster' }]);
});

test('switchover target: a linked, promotable replica with the most data', () => {
  const m = node('r-0', { role: 'master', masterless: false });
  const nodes = [
    m,
    node('r-1', { ...replicaOf(m), offset: 10 }),
    node('r-2', { ...replicaOf(m), offset: 20, priority: 0 }),
    node('r-3', { ...replicaOf(m, { linkUp: false }), offset: 30 }),
  ];
  expect(switchoverTarget(nodes, m)?.pod).toBe('r-1');
  expect(switchoverTarget([m], m)).toBeUndefined();
});

test('a node with less data is never promoted over a richer one that has priority 0', () => {
  const restarted = node('r-0', { offset: 0 });
  const rich = node('r-1', {
    role: 'replica',
    masterless: false,
    masterHost: '10.0.0.10',
    masterPort: 6379,
    linkUp: false,
    offset: 9000,
    priority: 0,
  });
  const p = planTopology([restarted, rich], 'r-0');
  expect(p.master).toBeUndefined();
  expect(p.blockedFailover).toBe(true);
  expect(p.waiting).toContain('refusing to promote r-0');
});

test('a priority-0 node a few bytes ahead (pings) does not block promoting an eligible one', () => {
  const a = node('r-1', { offset: 2018659 });
  const b = node('r-2', { offset: 2018673, priority: 0 });
  expect(planTopology([a, b], 'r-0', { waitForAll: true }).master?.pod).toBe('r-1');
  expect(planTopology([a, b], 'r-0', { maxLagBytes: 5 }).blockedFailover).toBe(true);
});

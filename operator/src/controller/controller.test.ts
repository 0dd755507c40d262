// The work queue's guarantees and the status builder's honesty, as pure logic.
import { Writable } from 'node:stream';
import winston from 'winston';
import { WorkQueue } from './queue.js';
import { Manager } from './manager.js';
import { Reconciler } from './reconciler.js';
import type { Kube } from '../runtime/kube.js';
import { buildStatus } from './status.js';
import type { RedisReplication } from '../api/types.js';
import type { NodeObservation } from '../topology/plan.js';

test('the queue de-duplicates keys and never runs one key twice at once', async () => {
  const runs: string[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = new WorkQueue(async (k) => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    runs.push(k);
    if (runs.length === 1) await gate;
    concurrent--;
    return {};
  });
  q.add('a');
  q.add('a'); // in flight: runs again once afterwards
  q.add('a');
  release();
  await new Promise((r) => setTimeout(r, 20));
  await q.drain();
  expect(runs).toEqual(['a', 'a']);
  expect(maxConcurrent).toBe(1);
});

test('the queue retries a failing key with back-off', async () => {
  let calls = 0;
  const errors: number[] = [];
  const q = new WorkQueue(
    async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return {};
    },
    1,
    (_k, _e, retry) => errors.push(retry),
  );
  q.add('x');
  await new Promise((r) => setTimeout(r, 1200));
  await q.drain();
  expect(errors).toEqual([1000]);
  expect(calls).toBe(2);
});

test('the queue tells which keys have been in flight for long, and forgets a key once its run ends', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = new WorkQueue(async (k) => {
    if (k === 'held') await gate;
    return {};
  });
  q.add('held');
  q.add('quick');
  await new Promise((r) => setTimeout(r, 60));
  const now = Date.now();
  expect(q.runningFor(50, now).map((r) => r.key)).toEqual(['held']);
  expect(q.runningFor(50, now)[0].ms).toBeGreaterThanOrEqual(50);
  expect(q.runningFor(60_000, now)).toEqual([]);
  release();
  await new Promise((r) => setTimeout(r, 10));
  expect(q.runningFor(0)).toEqual([]);
  await q.drain();
});
test('a reconcile that never ends is reported with its step, then reported hung once', async () => {
  const lines: Record<string, unknown>[] = [];
  const log = winston.createLogger({
    format: winston.format.json(),
    transports: [
      new winston.transports.Stream({
        stream: new Writable({
          write(chunk: Buffer, _enc, done) {
            lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
            done();
          },
        }),
      }),
    ],
  });
  // An API server that never answers the read of the custom resource.
  const kube = { getRR: () => new Promise(() => {}) } as unknown as Kube;
  const reconciler = new Reconciler(kube, log);
  const manager = new Manager(kube, log, reconciler, undefined, undefined, { slowMs: 30, hungMs: 120 });
  const hung: string[] = [];
  manager.onHung = (key, step) => hung.push(`${key}: ${step}`);
  manager.queue.add('ns/stuck');
  await new Promise((r) => setTimeout(r, 50));
  manager.checkReconciles();
  expect(manager.healthy).toBe(true);
  await new Promise((r) => setTimeout(r, 100));
  manager.checkReconciles();
  manager.checkReconciles();
  await new Promise((r) => setImmediate(r));
  expect(lines.map((l) => [l.message, l.rr, l.step])).toEqual([
    ['reconcile still running', 'ns/stuck', 'reading the RedisReplication'],
    ['reconcile hung', 'ns/stuck', 'reading the RedisReplication'],
  ]);
  expect(hung).toEqual(['ns/stuck: reading the RedisReplication']);
  expect(manager.healthy).toBe(false);
  reconciler.monitor.stop();
});

const cr: RedisReplication = {
  apiVersion: 'tsredis.dev/v1alpha1',
  kind: 'RedisReplication',
  metadata: { name: 'c', namespace: 'n', uid: 'u', generation: 2 },
  spec: { replicas: 2 },
};
const obs = (pod: string, over: Partial<NodeObservation> = {}): NodeObservation => ({
  pod,
  ordinal: Number(pod.slice(-1)),
  ip: `10.0.0.${pod.slice(-1)}`,
  deleting: false,
  reachable: true,
  offset: 100,
  priority: 100,
  ...over,
});

test('status: Ready only with the master and every replica linked and Ready', () => {
  const m = obs('c-0', { role: 'master' });
  const r = (p: string, up = true) =>
    obs(p, { role: 'replica', masterHost: m.ip, masterPort: 6379, linkUp: up, offset: 90 });
  const all = new Set(['c-0', 'c-1', 'c-2']);
  const ready = buildStatus({
    cr,
    desiredPods: 3,
    nodes: [m, r('c-1'), r('c-2')],
    plan: { master: m, actions: [] },
    readyPods: all,
    now: 'T1',
  });
  expect(ready.phase).toBe('Ready');
  expect(ready.ready).toBe('3/3');
  expect(ready.replicas?.[1]).toEqual({
    pod: 'c-1',
    ip: '10.0.0.1',
    role: 'replica',
    link: 'up',
    offset: 90,
    lag: 10,
  });
  expect(ready.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
    status: 'True',
    observedGeneration: 2,
    lastTransitionTime: 'T1',
  });
  // One replica's link goes down: Degraded (it was Ready before), with the reason.
  const later = buildStatus({
    cr: { ...cr, status: ready },
    desiredPods: 3,
    nodes: [m, r('c-1'), r('c-2', false)],
    plan: { master: m, actions: [] },
    readyPods: all,
    now: 'T2',
  });
  expect(later.phase).toBe('Degraded');
  expect(later.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
    status: 'True',
    reason: 'ReplicasNotReady',
    message: '1/2 replicas in sync',
    lastTransitionTime: 'T2',
  });
  // A condition whose status did not change keeps its transition time.
  expect(later.conditions?.find((c) => c.type === 'FailoverInProgress')?.lastTransitionTime).toBe('T1');
});

test('status: a blocking problem is reported as Degraded with its reason', () => {
  const s = buildStatus({
    cr,
    desiredPods: 3,
    nodes: [],
    readyPods: new Set(),
    blocked: { reason: 'AuthSecretNotFound', message: 'Secret x not found' },
    now: 'T',
  });
  expect(s.phase).toBe('Degraded');
  expect(s.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
    status: 'True',
    reason: 'AuthSecretNotFound',
    message: 'Secret x not found',
  });
});

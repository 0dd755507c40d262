// Unit tests of the Lease leader election against an in-memory Lease store that behaves like the API
// server for the three calls the elector makes (read, create, compare-and-swap replace), and that can
// lose a reply or never answer — the faults a real API server under load produces.
import * as k8s from '@kubernetes/client-node';
import { LeaderElector } from './leader.js';

type Fault = 'none' | 'lose-reply' | 'hang';

/** The Lease as the API server keeps it. */
class LeaseStore {
  lease?: k8s.V1Lease;
  version = 0;
}

/** One candidate's view of the API server, with the faults its requests meet. */
class LeaseApi {
  fault: Fault = 'none';
  constructor(private readonly store: LeaseStore) {}

  private async answer<T>(apply: () => T): Promise<T> {
    if (this.fault === 'hang') return new Promise<T>(() => {});
    const result = apply(); // the server acts...
    if (this.fault === 'lose-reply') throw new Error('socket hang up'); // ...but the reply is lost
    return Promise.resolve(result);
  }

  private put(body: k8s.V1Lease): k8s.V1Lease {
    const s = this.store;
    s.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++s.version) } };
    return structuredClone(s.lease);
  }

  readNamespacedLease(): Promise<k8s.V1Lease> {
    return this.answer(() => {
      if (!this.store.lease) throw new k8s.ApiException(404, 'not found', {}, {});
      return structuredClone(this.store.lease);
    });
  }

  createNamespacedLease({ body }: { body: k8s.V1Lease }): Promise<k8s.V1Lease> {
    return this.answer(() => {
      if (this.store.lease) throw new k8s.ApiException(409, 'already exists', {}, {});
      return this.put(body);
    });
  }

  replaceNamespacedLease({ body }: { body: k8s.V1Lease }): Promise<k8s.V1Lease> {
    return this.answer(() => {
      // resourceVersion makes replace a compare-and-swap, as on the API server.
      if (body.metadata?.resourceVersion !== this.store.lease?.metadata?.resourceVersion)
        throw new k8s.ApiException(409, 'conflict', {}, {});
      return this.put(body);
    });
  }
}

function elector(store: LeaseStore, identity: string) {
  const events: string[] = [];
  const api = new LeaseApi(store);
  const e = new LeaderElector(api as unknown as k8s.CoordinationV1Api, {
    namespace: 'ns',
    name: 'lease',
    identity,
    leaseDurationSeconds: 1,
    renewMs: 100,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
    log: () => {},
  });
  return { e, events, api };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('one of two candidates leads; when it stops answering, it stops acting and the other takes over', async () => {
  const store = new LeaseStore();
  const a = elector(store, 'a');
  const b = elector(store, 'b');
  a.e.start();
  await sleep(50);
  b.e.start();
  await sleep(400);
  expect(a.e.isLeader).toBe(true);
  expect(b.e.isLeader).toBe(false);
  // a's requests now never answer (partitioned, or an API server that hangs): within the 1 s lease a
  // stops acting, and only after the lease has run out does b take it.
  a.api.fault = 'hang';
  await sleep(700);
  expect(b.e.isLeader).toBe(false);
  await sleep(1000);
  expect(a.e.isLeader).toBe(false);
  expect(a.events).toEqual(['started', 'stopped']);
  expect(b.e.isLeader).toBe(true);
  expect(store.lease?.spec?.holderIdentity).toBe('b');
  await a.e.stop();
  await b.e.stop();
});

test('a create whose reply was lost still ends with the candidate leading (nobody else can)', async () => {
  const store = new LeaseStore();
  const a = elector(store, 'a');
  a.api.fault = 'lose-reply';
  a.e.start();
  await sleep(50);
  expect(store.lease?.spec?.holderIdentity).toBe('a');
  expect(a.e.isLeader).toBe(false);
  a.api.fault = 'none';
  await sleep(300);
  expect(a.e.isLeader).toBe(true);
  expect(a.events).toEqual(['started']);
  await a.e.stop();
});

test('a leader whose renewals never answer stops leading when its Lease runs out', async () => {
  const store = new LeaseStore();
  const a = elector(store, 'a');
  a.e.start();
  await sleep(200);
  expect(a.e.isLeader).toBe(true);
  a.api.fault = 'hang';
  await sleep(1600);
  expect(a.e.isLeader).toBe(false);
  expect(a.events).toEqual(['started', 'stopped']);
  await a.e.stop();
});

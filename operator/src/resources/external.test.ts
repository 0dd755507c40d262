// Unit tests of external access: the per-pod Services, the announced addresses for each type, what a
// standby announces from the status.
import { resolveSpec, type RedisReplication, type RedisReplicationSpec } from '../api/types.js';
import { announcedAddresses, externalServices, externalServiceStates } from './external.js';
import { viewFromStatus } from '../sentinel/from-status.js';

const cr = (spec: Partial<RedisReplicationSpec>): RedisReplication => ({
  apiVersion: 'tsredis.dev/v1alpha1',
  kind: 'RedisReplication',
  metadata: { name: 'web', namespace: 'shop', uid: 'u1' },
  spec: { replicas: 2, ...spec },
});

test('NodePort: one Service per pod, selecting that pod alone', () => {
  const c = cr({ externalAccess: { type: 'NodePort', serviceAnnotations: { a: 'b' } } });
  const svcs = externalServices(c, resolveSpec(c.spec));
  expect(svcs.map((s) => s.metadata.name)).toEqual(['web-0-external', 'web-1-external', 'web-2-external']);
  expect(svcs[1].spec.type).toBe('NodePort');
  expect(svcs[1].spec.selector['statefulset.kubernetes.io/pod-name']).toBe('web-1');
  expect(svcs[1].spec.selector['app.kubernetes.io/instance']).toBe('web');
  expect(svcs[1].metadata.annotations).toEqual({ a: 'b' });
  expect(svcs[1].metadata.labels['app.kubernetes.io/component']).toBe('external');
  expect(externalServices(cr({}), resolveSpec(cr({}).spec))).toEqual([]);
  const h = cr({ externalAccess: { type: 'Hostname', hostnameTemplate: '{pod}.r.example.com' } });
  expect(externalServices(h, resolveSpec(h.spec))).toEqual([]);
});

test('announced addresses: node IP and node port, load balancer ingress, hostname; unknown ones absent', () => {
  const pods = [
    { pod: 'web-0', hostIP: '192.168.1.10' },
    { pod: 'web-1', hostIP: '192.168.1.11' },
    { pod: 'web-2' },
  ];
  const listed = externalServiceStates([
    {
      metadata: { name: 'web-0-external', labels: { 'app.kubernetes.io/component': 'external' } },
      spec: { ports: [{ nodePort: 31000 }] },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.5' }] } },
    },
    {
      metadata: { name: 'web-1-external', labels: { 'app.kubernetes.io/component': 'external' } },
      spec: { ports: [{ nodePort: 31001 }] },
      status: { loadBalancer: {} },
    },
    { metadata: { name: 'web-master', labels: { 'app.kubernetes.io/component': 'master' } } },
  ]);
  expect(listed.map((s) => s.pod)).toEqual(['web-0', 'web-1']);
  const np = resolveSpec(cr({ externalAccess: { type: 'NodePort' } }).spec);
  expect([...announcedAddresses(np, pods, listed)]).toEqual([
    ['web-0', { ip: '192.168.1.10', port: 31000 }],
    ['web-1', { ip: '192.168.1.11', port: 31001 }],
  ]);
  const lb = resolveSpec(cr({ externalAccess: { type: 'LoadBalancer' } }).spec);
  expect([...announcedAddresses(lb, pods, listed)]).toEqual([['web-0', { ip: '203.0.113.5', port: 6379 }]]);
  const hn = resolveSpec(
    cr({ externalAccess: { type: 'Hostname', hostnameTemplate: '{pod}.r.example.com', port: 7000 } }).spec,
  );
  expect(announcedAddresses(hn, pods, []).get('web-2')).toEqual({ ip: 'web-2.r.example.com', port: 7000 });
});

test('a standby announces what the status records for each pod, and only that', () => {
  const c = cr({ externalAccess: { type: 'NodePort' } });
  c.status = {
    master: { pod: 'web-0', ip: '10.0.0.1' },
    replicas: [
      { pod: 'web-0', ip: '10.0.0.1', role: 'master', link: 'n/a', offset: 5, lag: 0 },
      { pod: 'web-1', ip: '10.0.0.2', role: 'replica', link: 'up', offset: 5, lag: 0 },
      { pod: 'web-2', ip: '10.0.0.3', role: 'replica', link: 'up', offset: 5, lag: 0 },
    ],
    externalAddresses: { 'web-0': '192.168.1.10:31000', 'web-1': '192.168.1.11:31001' },
  };
  const v = viewFromStatus(c, 1);
  expect(v.master).toMatchObject({ ip: '192.168.1.10', port: 31000 });
  expect(v.replicas.map((r) => `${r.ip}:${r.port}`)).toEqual(['192.168.1.11:31001']);
  // externalAccess removed: stale addresses in the status are not used.
  const plain = viewFromStatus({ ...c, spec: { replicas: 2 } }, 1);
  expect(plain.master?.ip).toBe('10.0.0.1');
  expect(plain.replicas.map((r) => r.ip)).toEqual(['10.0.0.2', '10.0.0.3']);
});

// The resource builders as data: names, labels and owner references, the node config, the
// StatefulSet's pod template, the Services' selectors and the PDB.
import {
  resolveSpec,
  forbiddenConfig,
  type RedisReplication,
  type RedisReplicationSpec,
} from '../api/types.js';
import { redisConf, authConf, configMap, nodeAuthSecret, liveDirectives } from './config.js';
import { statefulSet, READINESS_SCRIPT } from './statefulset.js';
import { headlessService, masterService, replicasService } from './services.js';
import { podDisruptionBudget } from './pdb.js';
import { ordinalOf } from './names.js';

const cr: RedisReplication = {
  apiVersion: 'tsredis.dev/v1alpha1',
  kind: 'RedisReplication',
  metadata: { name: 'cache', namespace: 'prod', uid: 'uid-1', generation: 3 },
  spec: { replicas: 2, config: { maxmemory: '100mb', 'maxmemory-policy': 'allkeys-lru', save: '900 1' } },
};

test('defaults and the operator-owned directives', () => {
  const s = resolveSpec({ replicas: 1 });
  expect(s.auth).toEqual({ enabled: true, secretName: undefined, secretKey: 'password' });
  expect(s.failover.downAfterMilliseconds).toBe(5000);
  expect(s.storage).toEqual({ size: '1Gi', storageClassName: undefined, ephemeral: false });
  expect(forbiddenConfig({ Port: '1', maxmemory: '1mb', replicaof: 'x 1' })).toEqual(['port', 'replicaof']);
});

test('redis.conf: masterless start, the auth include, then spec.config overriding the defaults', () => {
  const conf = redisConf(resolveSpec(cr.spec));
  const lines = conf.trim().split('\n');
  expect(lines).toContain('start-masterless yes');
  expect(lines).toContain('include /etc/tsredis/auth/auth.conf');
  expect(lines.slice(-3)).toEqual(['maxmemory 100mb', 'maxmemory-policy allkeys-lru', 'save 900 1']);
  expect(redisConf(resolveSpec({ replicas: 0, auth: { enabled: false } }))).not.toContain('include');
  // Full syncs start at once (not after redis-server's 5 s delay) unless spec.config says otherwise,
  // both in the file and in what is applied live, where spec.config comes last.
  expect(lines).toContain('repl-diskless-sync-delay 0');
  const own = resolveSpec({ replicas: 1, config: { 'repl-diskless-sync-delay': '2' } });
  expect(redisConf(own).trim().split('\n').slice(-1)).toEqual(['repl-diskless-sync-delay 2']);
  expect(
    liveDirectives(own)
      .filter(([k]) => k === 'repl-diskless-sync-delay')
      .at(-1),
  ).toEqual(['repl-diskless-sync-delay', '2']);
  expect(authConf('p a"ss')).toBe('requirepass "p a\\"ss"\nmasterauth "p a\\"ss"\n');
});

test('every owned object carries the labels and a controller owner reference', () => {
  const spec = resolveSpec(cr.spec);
  for (const o of [
    configMap(cr, spec),
    nodeAuthSecret(cr, 'x'),
    headlessService(cr),
    masterService(cr, spec),
    replicasService(cr, spec),
    statefulSet(cr, spec),
    podDisruptionBudget(cr, spec),
  ]) {
    expect(o.metadata.namespace).toBe('prod');
    expect(o.metadata.labels['app.kubernetes.io/instance']).toBe('cache');
    expect(o.metadata.labels['app.kubernetes.io/managed-by']).toBe('tsredis-operator');
    expect(o.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'tsredis.dev/v1alpha1',
        kind: 'RedisReplication',
        name: 'cache',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  }
});

test('the StatefulSet: replicas+1 pods, OnDelete, password from the Secret, in-sync readiness, PVCs', () => {
  const sts = statefulSet(cr, resolveSpec(cr.spec));
  expect(sts.spec.replicas).toBe(3);
  expect(sts.spec.updateStrategy).toEqual({ type: 'OnDelete' });
  expect(sts.spec.podManagementPolicy).toBe('Parallel');
  const c = sts.spec.template.spec.containers[0];
  expect(c.args).toEqual(['/etc/tsredis/redis.conf']);
  expect(c.env).toContainEqual({
    name: 'REDISCLI_AUTH',
    valueFrom: { secretKeyRef: { name: 'cache-auth', key: 'password' } },
  });
  expect(c.readinessProbe.exec.command).toEqual(['sh', '-c', READINESS_SCRIPT]);
  expect(sts.spec.volumeClaimTemplates?.[0].spec.resources.requests.storage).toBe('1Gi');
  const anti = sts.spec.template.spec.affinity as { podAntiAffinity?: unknown };
  expect(anti.podAntiAffinity).toBeDefined();
  // The selector never includes the role label (it changes), the template labels do not either.
  expect(Object.keys(sts.spec.selector.matchLabels)).not.toContain('tsredis.dev/role');
  const eph = statefulSet(
    cr,
    resolveSpec({ ...cr.spec, storage: { ephemeral: true }, auth: { enabled: false } }),
  );
  expect(eph.spec.volumeClaimTemplates).toBeUndefined();
  expect(eph.spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: {} });
  expect(eph.spec.template.spec.containers[0].env.map((e) => e.name)).not.toContain('REDISCLI_AUTH');
  const own = statefulSet(cr, resolveSpec({ ...cr.spec, auth: { secretName: 'mine', secretKey: 'pw' } }));
  expect(own.spec.template.spec.containers[0].env).toContainEqual({
    name: 'REDISCLI_AUTH',
    valueFrom: { secretKeyRef: { name: 'mine', key: 'pw' } },
  });
});

test('Services select by role; only the headless one publishes unready pods', () => {
  const spec = resolveSpec(cr.spec);
  expect(masterService(cr, spec).spec.selector['tsredis.dev/role']).toBe('master');
  expect(replicasService(cr, spec).spec.selector['tsredis.dev/role']).toBe('replica');
  expect(headlessService(cr).spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  expect(podDisruptionBudget(cr, spec).spec.maxUnavailable).toBe(1);
});

test('pod ordinals', () => {
  expect(ordinalOf('cache-12', 'cache')).toBe(12);
  expect(ordinalOf('cache-x', 'cache')).toBe(-1);
  expect(ordinalOf('cachex-1', 'cache')).toBe(-1);
});

test('spec.persistence reaches the nodes: save points and appendonly by mode, appendfsync; spec.config save wins', () => {
  const conf = (p: RedisReplicationSpec['persistence'], config?: Record<string, string>) =>
    redisConf(resolveSpec({ replicas: 1, persistence: p, config }))
      .trim()
      .split('\n');
  const pick = (lines: string[], k: string) => lines.filter((l) => l.startsWith(`${k} `));
  expect(pick(conf(undefined), 'save')).toEqual(['save 3600 1 300 100 60 10000']);
  expect(pick(conf(undefined), 'appendonly')).toEqual(['appendonly no']);
  const aof = conf({ mode: 'aof', appendfsync: 'always' });
  expect(pick(aof, 'save')).toEqual(['save ""']);
  expect(pick(aof, 'appendonly')).toEqual(['appendonly yes']);
  expect(pick(aof, 'appendfsync')).toEqual(['appendfsync always']);
  const both = conf({ mode: 'both' });
  expect(pick(both, 'save')).toEqual(['save 3600 1 300 100 60 10000']);
  expect(pick(both, 'appendonly')).toEqual(['appendonly yes']);
  expect(pick(both, 'appendfsync')).toEqual(['appendfsync everysec']);
  const none = conf({ mode: 'none' });
  expect([...pick(none, 'save'), ...pick(none, 'appendonly')]).toEqual(['save ""', 'appendonly no']);
  expect(pick(conf({ mode: 'aof' }, { save: '60 1' }), 'save').at(-1)).toBe('save 60 1');
  const live = liveDirectives(resolveSpec({ replicas: 1, persistence: { mode: 'aof' } }));
  expect(live.filter(([k]) => ['save', 'appendonly', 'appendfsync'].includes(k))).toEqual([
    ['save', ''],
    ['appendonly', 'yes'],
    ['appendfsync', 'everysec'],
  ]);
  expect(forbiddenConfig({ appendonly: 'yes', AppendFsync: 'always' }).sort()).toEqual([
    'appendfsync',
    'appendonly',
  ]);
});

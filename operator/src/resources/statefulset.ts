// The StatefulSet of replicas+1 node pods (pure builder): every pod starts masterless and read-only
// from the operator's redis.conf, with its data on a PVC (or an emptyDir), the password from the auth
// Secret, an exec readiness probe that is true only for a master or a replica whose link is up (so the
// replicas Service lists only in-sync replicas), OnDelete updates (the operator rolls pods itself,
// replicas first, the master last) and a default pod anti-affinity.
import { REDIS_PORT, type RedisReplication, type ResolvedSpec } from '../api/types.js';
import { AUTH_DIR, CONFIG_DIR, DATA_DIR } from './config.js';
import { labels, metadataFor, names, podSelector } from './names.js';

/** Ready = a master, or a replica whose ROLE says "connected". redis-cli reads REDISCLI_AUTH. */
export const READINESS_SCRIPT =
  `out=$(redis-cli -p ${REDIS_PORT} --no-auth-warning role 2>/dev/null | tr '\\n' ' '); ` +
  `case "$out" in "master "*|*" connected "*) exit 0 ;; esac; exit 1`;

export const RESTART_ANNOTATION = 'tsredis.dev/restart-digest';

export function passwordSource(cr: RedisReplication, spec: ResolvedSpec): { name: string; key: string } {
  return { name: spec.auth.secretName ?? names(cr.metadata.name).generatedSecret, key: spec.auth.secretKey };
}

export function statefulSet(cr: RedisReplication, spec: ResolvedSpec, restartDigest = '') {
  const n = names(cr.metadata.name);
  const selector = podSelector(cr);
  const env: Record<string, unknown>[] = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ];
  const volumeMounts: Record<string, unknown>[] = [
    { name: 'data', mountPath: DATA_DIR },
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    // The root filesystem is read-only; the node writes only to its data dir, Node.js may want a /tmp.
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const volumes: Record<string, unknown>[] = [
    { name: 'config', configMap: { name: n.configMap } },
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
  ];
  if (spec.auth.enabled) {
    const src = passwordSource(cr, spec);
    env.push({ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: src.name, key: src.key } } });
    volumeMounts.push({ name: 'auth', mountPath: AUTH_DIR, readOnly: true });
    volumes.push({ name: 'auth', secret: { secretName: n.nodeAuthSecret, defaultMode: 0o440 } });
  }
  if (spec.storage.ephemeral) volumes.push({ name: 'data', emptyDir: {} });
  const affinity = spec.affinity ?? {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: { matchLabels: selector },
          },
        },
      ],
    },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadataFor(cr, n.statefulSet, 'node'),
    spec: {
      replicas: spec.replicas + 1,
      serviceName: n.headless,
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: { ...labels(cr, 'node') },
          annotations: restartDigest ? { [RESTART_ANNOTATION]: restartDigest } : {},
        },
        spec: {
          terminationGracePeriodSeconds: 30,
          ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
          ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
          affinity,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 },
          containers: [
            {
              name: 'node',
              image: spec.image,
              imagePullPolicy: spec.imagePullPolicy,
              args: [`${CONFIG_DIR}/redis.conf`],
              ports: [{ name: 'redis', containerPort: REDIS_PORT }],
              env,
              securityContext: {
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
              },
              ...(spec.resources ? { resources: spec.resources } : {}),
              volumeMounts,
              readinessProbe: {
                exec: { command: ['sh', '-c', READINESS_SCRIPT] },
                periodSeconds: 2,
                timeoutSeconds: 2,
                failureThreshold: 2,
              },
              livenessProbe: {
                tcpSocket: { port: 'redis' },
                initialDelaySeconds: 10,
                periodSeconds: 5,
                failureThreshold: 6,
              },
            },
          ],
          volumes,
        },
      },
      ...(spec.storage.ephemeral
        ? {}
        : {
            volumeClaimTemplates: [
              {
                metadata: { name: 'data', labels: podSelector(cr) },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  ...(spec.storage.storageClassName
                    ? { storageClassName: spec.storage.storageClassName }
                    : {}),
                  resources: { requests: { storage: spec.storage.size } },
                },
              },
            ],
          }),
    },
  };
}

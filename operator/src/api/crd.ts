// The RedisReplication CustomResourceDefinition as data: schema with types, minimums, enums and
// defaults, CEL rules for constraints that span fields, the status subresource and printer columns.
// crds/ and the Helm chart's copy are generated from this (npm run crds) and a test keeps them equal.
import { GROUP, KIND, PLURAL, VERSION, DEFAULT_NODE_IMAGE } from './types.js';

const str = (extra: Record<string, unknown> = {}) => ({ type: 'string', ...extra });
const int = (extra: Record<string, unknown> = {}) => ({ type: 'integer', ...extra });
const map = (values: Record<string, unknown>) => ({ type: 'object', additionalProperties: values });
const free = (description: string) => ({
  type: 'object',
  description,
  'x-kubernetes-preserve-unknown-fields': true,
});

const spec = {
  type: 'object',
  required: ['replicas'],
  properties: {
    replicas: int({
      minimum: 0,
      maximum: 100,
      default: 2,
      description: 'Number of replicas beside the one master.',
    }),
    image: str({ default: DEFAULT_NODE_IMAGE, minLength: 1, description: 'The tsredis node image.' }),
    imagePullPolicy: str({ enum: ['Always', 'IfNotPresent', 'Never'], default: 'IfNotPresent' }),
    resources: free('Container resources (core/v1 ResourceRequirements).'),
    storage: {
      type: 'object',
      description:
        'A PersistentVolumeClaim per pod (size, storageClassName), or ephemeral: true for an emptyDir.',
      properties: {
        size: str({ default: '1Gi', pattern: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$' }),
        storageClassName: str(),
        ephemeral: { type: 'boolean', default: false },
      },
      'x-kubernetes-validations': [
        {
          rule: '!(has(self.ephemeral) && self.ephemeral && has(self.storageClassName))',
          message: 'storageClassName cannot be set with ephemeral storage',
        },
      ],
    },
    persistence: {
      type: 'object',
      description:
        'How the nodes persist their data: rdb (snapshots), aof (the append-only file), both, or none; appendfsync for the AOF (always, everysec, no). spec.config save still overrides the snapshot schedule.',
      properties: {
        mode: str({ enum: ['rdb', 'aof', 'both', 'none'], default: 'rdb' }),
        appendfsync: str({ enum: ['always', 'everysec', 'no'], default: 'everysec' }),
      },
    },
    auth: {
      type: 'object',
      description: 'Password auth: the Secret and key holding it; generated when secretName is absent.',
      properties: {
        enabled: { type: 'boolean', default: true },
        secretName: str({ minLength: 1, maxLength: 253 }),
        secretKey: str({ default: 'password', minLength: 1 }),
      },
      'x-kubernetes-validations': [
        {
          rule: '!has(self.enabled) || self.enabled || !has(self.secretName)',
          message: 'secretName cannot be set when auth is disabled',
        },
      ],
    },
    config: {
      ...map(str()),
      description: 'Extra redis.conf directives (name: value); directives the operator owns are refused.',
    },
    failover: {
      type: 'object',
      properties: {
        downAfterMilliseconds: int({ minimum: 500, maximum: 600000, default: 5000 }),
        minSyncedReplicas: int({ minimum: 0, default: 0 }),
        maxLagBytes: int({ minimum: 0 }),
      },
    },
    priority: {
      ...map(int({ minimum: 0 })),
      description: 'replica-priority by pod ordinal ("0", "1", ...); 0 never promoted.',
    },
    nodeSelector: map(str()),
    tolerations: { type: 'array', items: free('core/v1 Toleration') },
    affinity: free('core/v1 Affinity; by default a preferred pod anti-affinity spreads the pods over nodes.'),
    podDisruptionBudget: {
      type: 'object',
      properties: {
        enabled: { type: 'boolean', default: true },
        maxUnavailable: int({ minimum: 1, default: 1 }),
      },
    },
    service: {
      type: 'object',
      properties: {
        type: str({ enum: ['ClusterIP', 'NodePort', 'LoadBalancer'], default: 'ClusterIP' }),
        masterAnnotations: map(str()),
        replicasAnnotations: map(str()),
      },
    },
    externalAccess: {
      type: 'object',
      description:
        'Addresses for clients outside the cluster, given by the Sentinel endpoint instead of pod IPs.',
      required: ['type'],
      properties: {
        type: str({ enum: ['NodePort', 'LoadBalancer', 'Hostname'] }),
        hostnameTemplate: str({
          minLength: 1,
          maxLength: 253,
          description: 'With type Hostname: the host announced for each pod, {pod} standing for its name.',
        }),
        port: int({ minimum: 1, maximum: 65535, description: 'With type Hostname: the port announced.' }),
        serviceAnnotations: map(str()),
      },
      'x-kubernetes-validations': [
        {
          rule: "self.type != 'Hostname' || (has(self.hostnameTemplate) && self.hostnameTemplate.contains('{pod}'))",
          message: "externalAccess.type Hostname needs a hostnameTemplate containing '{pod}'",
        },
        {
          rule: "self.type == 'Hostname' || (!has(self.hostnameTemplate) && !has(self.port))",
          message: 'externalAccess.hostnameTemplate and port apply only to type Hostname',
        },
        {
          rule: "self.type != 'Hostname' || !has(self.serviceAnnotations)",
          message: 'externalAccess.serviceAnnotations apply only to types NodePort and LoadBalancer',
        },
      ],
    },
  },
  'x-kubernetes-validations': [
    {
      rule: '!has(self.failover) || !has(self.failover.minSyncedReplicas) || self.failover.minSyncedReplicas <= self.replicas',
      message: 'failover.minSyncedReplicas cannot exceed replicas',
    },
  ],
};

const condition = {
  type: 'object',
  required: ['type', 'status'],
  properties: {
    type: str(),
    status: str({ enum: ['True', 'False', 'Unknown'] }),
    reason: str(),
    message: str(),
    lastTransitionTime: str({ format: 'date-time' }),
    observedGeneration: int(),
  },
};

const status = {
  type: 'object',
  properties: {
    phase: str({ enum: ['Pending', 'Initializing', 'Ready', 'Degraded', 'FailingOver'] }),
    master: { type: 'object', properties: { pod: str(), ip: str() } },
    ready: str(),
    readyReplicas: int(),
    replicas: {
      type: 'array',
      items: {
        type: 'object',
        properties: { pod: str(), ip: str(), role: str(), link: str(), offset: int(), lag: int() },
      },
    },
    replicationId: str(),
    externalAddresses: map(str()),
    lastFailover: {
      type: 'object',
      properties: { time: str(), from: str(), to: str(), reason: str(), durationMs: int() },
    },
    failovers: int(),
    observedGeneration: int(),
    conditions: {
      type: 'array',
      items: condition,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
  },
};

export function redisReplicationCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: 'redisreplication',
        shortNames: ['rr'],
        categories: ['tsredis'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Master', type: 'string', jsonPath: '.status.master.pod' },
            { name: 'Ready', type: 'string', jsonPath: '.status.ready' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: { type: 'object', required: ['spec'], properties: { spec, status } } },
        },
      ],
    },
  };
}

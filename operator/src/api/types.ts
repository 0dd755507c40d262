// The RedisReplication API (tsredis.dev/v1alpha1): spec and status types, defaults, and the checks the
// operator makes beyond the CRD schema (the redis.conf directives it owns). The single source of truth
// for crds/ (see crd.ts).

export const GROUP = 'tsredis.dev';
export const VERSION = 'v1alpha1';
export const KIND = 'RedisReplication';
export const PLURAL = 'redisreplications';
export const API_VERSION = `${GROUP}/${VERSION}`;
/** The node image this operator version deploys when the CR names none. */
export const DEFAULT_NODE_IMAGE = 'tsredis/node:0.1.0';
export const REDIS_PORT = 6379;

export interface RedisReplicationSpec {
  replicas: number;
  image?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  resources?: Record<string, unknown>;
  storage?: { size?: string; storageClassName?: string; ephemeral?: boolean };
  /** How the nodes persist: RDB snapshots, the append-only file, both, or nothing; AOF's fsync policy. */
  persistence?: { mode?: PersistenceMode; appendfsync?: AppendFsync };
  auth?: { enabled?: boolean; secretName?: string; secretKey?: string };
  config?: Record<string, string>;
  failover?: { downAfterMilliseconds?: number; minSyncedReplicas?: number; maxLagBytes?: number };
  /** replica-priority by pod ordinal ("0", "1", ...): lower is preferred for promotion, 0 never. */
  priority?: Record<string, number>;
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
  affinity?: Record<string, unknown>;
  podDisruptionBudget?: { enabled?: boolean; maxUnavailable?: number };
  service?: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
    masterAnnotations?: Record<string, string>;
    replicasAnnotations?: Record<string, string>;
  };
  /** Addresses for clients outside the cluster: what the Sentinel endpoint gives for each node. */
  externalAccess?: ExternalAccessSpec;
}

export type ExternalAccessType = 'NodePort' | 'LoadBalancer' | 'Hostname';

export interface ExternalAccessSpec {
  /**
   * NodePort / LoadBalancer: one Service of that type per node pod, announced as its node's IP and
   * node port / its load balancer's address and 6379. Hostname: hostnameTemplate with {pod} replaced.
   */
  type: ExternalAccessType;
  hostnameTemplate?: string;
  /** The port announced with type Hostname (default 6379). */
  port?: number;
  /** Annotations of the per-pod Services (cloud load balancer settings). */
  serviceAnnotations?: Record<string, string>;
}

export type PersistenceMode = 'rdb' | 'aof' | 'both' | 'none';
export type AppendFsync = 'always' | 'everysec' | 'no';

export type Phase = 'Pending' | 'Initializing' | 'Ready' | 'Degraded' | 'FailingOver';

export interface Condition {
  type: 'Ready' | 'Replicating' | 'FailoverInProgress' | 'Degraded';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ReplicaStatus {
  pod: string;
  /** The pod's IP (what a standby operator's Sentinel endpoint answers from). */
  ip?: string;
  role: 'master' | 'replica' | 'unknown';
  link: 'up' | 'down' | 'n/a';
  offset: number;
  lag: number;
}

export interface RedisReplicationStatus {
  phase?: Phase;
  master?: { pod: string; ip: string };
  /** "ready/total" pods, for the printer column. */
  ready?: string;
  readyReplicas?: number;
  replicas?: ReplicaStatus[];
  replicationId?: string;
  lastFailover?: { time: string; from: string; to: string; reason: string; durationMs: number };
  failovers?: number;
  observedGeneration?: number;
  conditions?: Condition[];
  /** With spec.externalAccess: the address announced for each pod ("host:port"), once known. */
  externalAddresses?: Record<string, string>;
}

export interface RedisReplication {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: RedisReplicationSpec;
  status?: RedisReplicationStatus;
}

/** The spec with every default filled in. */
export interface ResolvedSpec {
  replicas: number;
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  resources?: Record<string, unknown>;
  storage: { size: string; storageClassName?: string; ephemeral: boolean };
  persistence: { mode: PersistenceMode; appendfsync: AppendFsync };
  auth: { enabled: boolean; secretName?: string; secretKey: string };
  config: Record<string, string>;
  failover: { downAfterMilliseconds: number; minSyncedReplicas: number; maxLagBytes?: number };
  priority: Record<string, number>;
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
  affinity?: Record<string, unknown>;
  podDisruptionBudget: { enabled: boolean; maxUnavailable: number };
  service: {
    type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
    masterAnnotations: Record<string, string>;
    replicasAnnotations: Record<string, string>;
  };
  externalAccess?: ExternalAccessSpec;
}

export function resolveSpec(s: RedisReplicationSpec): ResolvedSpec {
  return {
    replicas: s.replicas ?? 2,
    image: s.image ?? DEFAULT_NODE_IMAGE,
    imagePullPolicy: s.imagePullPolicy ?? 'IfNotPresent',
    resources: s.resources,
    storage: {
      size: s.storage?.size ?? '1Gi',
      storageClassName: s.storage?.storageClassName,
      ephemeral: s.storage?.ephemeral ?? false,
    },
    persistence: {
      mode: s.persistence?.mode ?? 'rdb',
      appendfsync: s.persistence?.appendfsync ?? 'everysec',
    },
    auth: {
      enabled: s.auth?.enabled ?? true,
      secretName: s.auth?.secretName,
      secretKey: s.auth?.secretKey ?? 'password',
    },
    config: s.config ?? {},
    failover: {
      downAfterMilliseconds: s.failover?.downAfterMilliseconds ?? 5000,
      minSyncedReplicas: s.failover?.minSyncedReplicas ?? 0,
      maxLagBytes: s.failover?.maxLagBytes,
    },
    priority: s.priority ?? {},
    nodeSelector: s.nodeSelector,
    tolerations: s.tolerations,
    affinity: s.affinity,
    podDisruptionBudget: {
      enabled: s.podDisruptionBudget?.enabled ?? true,
      maxUnavailable: s.podDisruptionBudget?.maxUnavailable ?? 1,
    },
    service: {
      type: s.service?.type ?? 'ClusterIP',
      masterAnnotations: s.service?.masterAnnotations ?? {},
      replicasAnnotations: s.service?.replicasAnnotations ?? {},
    },
    externalAccess: s.externalAccess,
  };
}

/** redis.conf directives the operator owns: a CR may not set them through spec.config. */
export const OWNED_DIRECTIVES = [
  'port',
  'bind',
  'dir',
  'replicaof',
  'slaveof',
  'requirepass',
  'masterauth',
  'masteruser',
  'start-masterless',
  'include',
  'unixsocket',
  'daemonize',
  'replica-announce-ip',
  'slave-announce-ip',
  'replica-announce-port',
  'slave-announce-port',
  'replica-priority',
  'slave-priority',
  'rename-command',
  'min-replicas-to-write',
  'min-slaves-to-write',
  'min-replicas-max-lag',
  'min-slaves-max-lag',
  // spec.persistence sets these.
  'appendonly',
  'appendfsync',
];

/** The spec.config directives (lower-cased, as redis.conf treats names) the operator refuses. */
export function forbiddenConfig(config: Record<string, string>): string[] {
  return Object.keys(config)
    .map((k) => k.toLowerCase())
    .filter((k) => OWNED_DIRECTIVES.includes(k))
    .sort();
}

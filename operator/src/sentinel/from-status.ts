// What a standby operator pod's Sentinel endpoint answers from (pure): the RedisReplications' status
// as the leader wrote it (master pod and IP, each pod's role, link and offset) becomes the registry's
// views; the operator pods become the Sentinel peers, each identified as real Sentinels are, by a
// 40-hex-character ID, here derived from the pod's UID so that every pod computes the same IDs.
import { createHash } from 'node:crypto';
import { resolveSpec, type RedisReplication } from '../api/types.js';
import type { ReplicationView } from './registry.js';
import type { Peer } from './commands.js';

/** The Sentinel ID of the operator pod with this UID. */
export function sentinelId(podUid: string): string {
  return createHash('sha1').update(`tsredis-sentinel:${podUid}`).digest('hex');
}

export function viewFromStatus(cr: RedisReplication, observedAt: number): ReplicationView {
  const st = cr.status ?? {};
  const master = st.master?.ip ? st.master : undefined;
  const nodes = st.replicas ?? [];
  const masterNode = nodes.find((n) => n.pod === master?.pod);
  // With spec.externalAccess, each pod at its announced address ("host:port"), and not before it is known.
  const external = cr.spec.externalAccess ? (st.externalAddresses ?? {}) : undefined;
  const at = (pod: string, ip: string | undefined): { ip: string; port?: number } | undefined => {
    if (!external) return ip ? { ip } : undefined;
    const a = external[pod];
    const colon = a?.lastIndexOf(':') ?? -1;
    return a && colon > 0 ? { ip: a.slice(0, colon), port: Number(a.slice(colon + 1)) } : undefined;
  };
  const mAt = master ? at(master.pod, master.ip) : undefined;
  return {
    namespace: cr.metadata.namespace,
    name: cr.metadata.name,
    master: master && mAt ? { pod: master.pod, ...mAt, offset: masterNode?.offset ?? 0 } : undefined,
    replicas: nodes.flatMap((n) => {
      const a = n.role === 'replica' ? at(n.pod, n.ip) : undefined;
      return a ? [{ pod: n.pod, ...a, linkUp: n.link === 'up', offset: n.offset, priority: 100 }] : [];
    }),
    downAfterMs: resolveSpec(cr.spec).failover.downAfterMilliseconds,
    masterDown: masterNode?.role === 'unknown',
    observedAt,
  };
}

export interface OperatorPod {
  uid: string;
  name: string;
  ip?: string;
  running: boolean;
  deleting: boolean;
}

/** The other operator pods that can answer (running, with an IP, not being deleted), by name. */
export function peersOf(pods: OperatorPod[], selfName: string, port: number): Peer[] {
  return pods
    .filter((p) => p.name !== selfName && p.running && !p.deleting && p.ip)
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((p) => ({ id: sentinelId(p.uid), ip: p.ip as string, port }));
}

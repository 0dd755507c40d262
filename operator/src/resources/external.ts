// External access (pure): with spec.externalAccess of type NodePort or LoadBalancer, one Service of
// that type per node pod (`<pod>-external`, selecting that pod alone by its StatefulSet pod-name
// label), and the address each pod is announced at to Sentinel clients: its node's IP and the node
// port, its load balancer's address and 6379, or (type Hostname) hostnameTemplate with {pod} replaced.
// A pod whose address is not known yet (a load balancer not yet provisioned) is not announced.
import { REDIS_PORT, type RedisReplication, type ResolvedSpec } from '../api/types.js';
import { metadataFor, names, podSelector } from './names.js';

export const EXTERNAL_COMPONENT = 'external';
const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

export const externalServiceName = (pod: string): string => `${pod}-external`;

export function externalServices(cr: RedisReplication, spec: ResolvedSpec) {
  const ea = spec.externalAccess;
  if (!ea || ea.type === 'Hostname') return [];
  const n = names(cr.metadata.name);
  return Array.from({ length: spec.replicas + 1 }, (_, i) => {
    const pod = n.pod(i);
    const selector: Record<string, string> = { ...podSelector(cr), [POD_NAME_LABEL]: pod };
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadataFor(cr, externalServiceName(pod), EXTERNAL_COMPONENT, ea.serviceAnnotations ?? {}),
      spec: {
        type: ea.type,
        // Clients reach the pod itself, whatever its role; a replica's Service answers while it syncs.
        publishNotReadyAddresses: true,
        selector,
        ports: [{ name: 'redis', port: REDIS_PORT, targetPort: 'redis', protocol: 'TCP' }],
      },
    };
  });
}

/** What announcing needs of one pod's Service, as the API server reports it. */
export interface ExternalServiceState {
  pod: string;
  nodePort?: number;
  /** The load balancer's first ingress address (IP or hostname). */
  ingress?: string;
}

export interface Announced {
  ip: string;
  port: number;
}

/** The announced address of each pod (absent: not known yet), for pods with their node's IP. */
export function announcedAddresses(
  spec: ResolvedSpec,
  pods: { pod: string; hostIP?: string }[],
  services: ExternalServiceState[],
): Map<string, Announced> {
  const out = new Map<string, Announced>();
  const ea = spec.externalAccess;
  if (!ea) return out;
  const svc = new Map(services.map((s) => [s.pod, s]));
  for (const p of pods) {
    if (ea.type === 'Hostname') {
      out.set(p.pod, {
        ip: (ea.hostnameTemplate ?? '').split('{pod}').join(p.pod),
        port: ea.port ?? REDIS_PORT,
      });
      continue;
    }
    const s = svc.get(p.pod);
    if (ea.type === 'NodePort' && s?.nodePort && p.hostIP) out.set(p.pod, { ip: p.hostIP, port: s.nodePort });
    if (ea.type === 'LoadBalancer' && s?.ingress) out.set(p.pod, { ip: s.ingress, port: REDIS_PORT });
  }
  return out;
}

/** The per-pod Services of a listing, by pod (the ones this CR owns, by their component label). */
export function externalServiceStates(
  items: {
    metadata?: { name?: string; labels?: Record<string, string> };
    spec?: { ports?: { nodePort?: number }[] };
    status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
  }[],
): ExternalServiceState[] {
  return items
    .filter((s) => s.metadata?.labels?.['app.kubernetes.io/component'] === EXTERNAL_COMPONENT)
    .map((s) => {
      const ing = s.status?.loadBalancer?.ingress?.[0];
      return {
        pod: (s.metadata?.name ?? '').replace(/-external$/, ''),
        nodePort: s.spec?.ports?.[0]?.nodePort,
        ingress: ing?.ip || ing?.hostname || undefined,
      };
    });
}

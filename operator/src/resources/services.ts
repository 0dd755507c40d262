// The Services (pure builders): a headless Service for stable pod DNS, `<name>-master` selecting the
// pod labelled role=master (writes), `<name>-replicas` selecting role=replica pods, of which only the
// Ready ones — replicas whose link to the master is up — become endpoints (reads).
import { REDIS_PORT, type RedisReplication, type ResolvedSpec } from '../api/types.js';
import { metadataFor, names, podSelector, ROLE_LABEL } from './names.js';

const port = { name: 'redis', port: REDIS_PORT, targetPort: 'redis', protocol: 'TCP' };

export function headlessService(cr: RedisReplication) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadataFor(cr, names(cr.metadata.name).headless, 'node'),
    spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: podSelector(cr), ports: [port] },
  };
}

export function masterService(cr: RedisReplication, spec: ResolvedSpec) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadataFor(cr, names(cr.metadata.name).master, 'master', spec.service.masterAnnotations),
    spec: {
      type: spec.service.type,
      selector: { ...podSelector(cr), [ROLE_LABEL]: 'master' },
      ports: [port],
    },
  };
}

export function replicasService(cr: RedisReplication, spec: ResolvedSpec) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadataFor(cr, names(cr.metadata.name).replicas, 'replicas', spec.service.replicasAnnotations),
    spec: {
      type: spec.service.type,
      selector: { ...podSelector(cr), [ROLE_LABEL]: 'replica' },
      ports: [port],
    },
  };
}

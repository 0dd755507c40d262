// Names and labels of everything the operator owns for one RedisReplication, and its owner reference.
import { API_VERSION, KIND, type RedisReplication } from '../api/types.js';

export const ROLE_LABEL = 'tsredis.dev/role';
export const MANAGED_BY = 'tsredis-operator';
export const FIELD_MANAGER = 'tsredis-operator';

export function names(name: string) {
  return {
    statefulSet: name,
    headless: `${name}-headless`,
    master: `${name}-master`,
    replicas: `${name}-replicas`,
    configMap: `${name}-config`,
    generatedSecret: `${name}-auth`,
    nodeAuthSecret: `${name}-node-auth`,
    pdb: name,
    pod: (ordinal: number) => `${name}-${ordinal}`,
  };
}

export function labels(cr: RedisReplication, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'tsredis',
    'app.kubernetes.io/instance': cr.metadata.name,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/component': component,
  };
}

/** The labels that select this CR's node pods (stable: never includes the role). */
export function podSelector(cr: RedisReplication): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'tsredis',
    'app.kubernetes.io/instance': cr.metadata.name,
    'app.kubernetes.io/component': 'node',
  };
}

export function ownerReference(cr: RedisReplication) {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: cr.metadata.name,
    uid: cr.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function metadataFor(
  cr: RedisReplication,
  name: string,
  component: string,
  annotations?: Record<string, string>,
) {
  return {
    name,
    namespace: cr.metadata.namespace,
    labels: labels(cr, component),
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
    ownerReferences: [ownerReference(cr)],
  };
}

/** The ordinal of a StatefulSet pod name, or -1. */
export function ordinalOf(podName: string, crName: string): number {
  const m = new RegExp(`^${crName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(podName);
  return m ? Number(m[1]) : -1;
}

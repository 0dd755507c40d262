// The PodDisruptionBudget (pure builder): at most maxUnavailable node pods evicted at a time.
import type { RedisReplication, ResolvedSpec } from '../api/types.js';
import { metadataFor, names, podSelector } from './names.js';

export function podDisruptionBudget(cr: RedisReplication, spec: ResolvedSpec) {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadataFor(cr, names(cr.metadata.name).pdb, 'node'),
    spec: {
      maxUnavailable: spec.podDisruptionBudget.maxUnavailable,
      selector: { matchLabels: podSelector(cr) },
    },
  };
}

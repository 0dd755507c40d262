// Writes the CRD YAML that crds/ and the Helm chart ship, from crd.ts (`npm run crds`); the unit test
// crd.test.ts fails when the committed files differ from what this would write.
import { toYaml } from './yaml.js';
import { redisReplicationCrd } from './crd.js';

export const CRD_FILES = ['crds/redisreplications.tsredis.dev.yaml', 'helm/tsredis-operator/files/crd.yaml'];

export function crdYaml(): string {
  const crd = redisReplicationCrd() as { metadata: Record<string, unknown> };
  // Kept on `helm uninstall`: deleting a CRD deletes every RedisReplication (and then their data).
  crd.metadata.annotations = { 'helm.sh/resource-policy': 'keep' };
  return '# Generated from operator/src/api/crd.ts by `npm run crds`: do not edit.\n' + toYaml(crd);
}

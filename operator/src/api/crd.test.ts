// The committed CRD files are exactly what operator/src/api/crd.ts generates (run `npm run crds`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load as loadYaml } from 'js-yaml';
import { CRD_FILES, crdYaml } from './crd-files.js';
import { redisReplicationCrd } from './crd.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

test.each(CRD_FILES)('%s is up to date', (f) => {
  expect(readFileSync(path.join(root, f), 'utf8')).toBe(crdYaml());
});

test('schema essentials: short name, status subresource, printer columns, CEL rules', () => {
  const crd = redisReplicationCrd() as {
    spec: { names: { shortNames: string[] }; versions: Record<string, unknown>[] };
  };
  expect(crd.spec.names.shortNames).toEqual(['rr']);
  const v = crd.spec.versions[0] as {
    subresources: unknown;
    additionalPrinterColumns: { name: string }[];
    schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } };
  };
  expect(v.subresources).toEqual({ status: {} });
  expect(v.additionalPrinterColumns.map((c) => c.name)).toEqual([
    'Master',
    'Ready',
    'Replicas',
    'Phase',
    'Age',
  ]);
  expect(JSON.stringify(v.schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'])).toContain(
    'minSyncedReplicas',
  );
});

test('the YAML emitter round-trips the CRD exactly (CEL rules and defaults included)', () => {
  // Parsed with a plain YAML parser (js-yaml, test-only), not client-node's typed loadYaml.
  const parsed = JSON.parse(JSON.stringify(loadYaml(crdYaml())));
  const expected = redisReplicationCrd() as { metadata: Record<string, unknown> };
  expected.metadata.annotations = { 'helm.sh/resource-policy': 'keep' };
  expect(parsed).toEqual(JSON.parse(JSON.stringify(expected)));
  expect(crdYaml()).toContain('x-kubernetes-validations');
});

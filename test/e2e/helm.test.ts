// The chart passes `helm lint --strict` and renders the objects the operator needs, with the CRD from
// files/crd.yaml kept on uninstall; values outside the schema are refused.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ensureBinaries, projectRoot } from '../cluster/control-plane.js';

const chart = path.join(projectRoot, 'helm', 'tsredis-operator');
let helm = '';

beforeAll(() => {
  helm = path.join(ensureBinaries(), 'helm');
}, 30 * 60_000);

function run(args: string[]): string {
  return execFileSync(helm, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('helm lint --strict is clean', () => {
  expect(run(['lint', '--strict', chart])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('helm template renders the operator, its RBAC and the CRD', () => {
  const out = run(['template', 'ts', chart, '--namespace', 'ops']);
  for (const kind of [
    'ServiceAccount',
    'ClusterRole',
    'ClusterRoleBinding',
    'Deployment',
    'CustomResourceDefinition',
  ]) {
    expect(out).toMatch(new RegExp(`^kind: ${kind}$`, 'm'));
  }
  expect(out).toContain('helm.sh/resource-policy: keep');
  expect(out).toContain('image: "tsredis/operator:0.1.0"');
  // Least privilege: no wildcard verbs or resources.
  expect(out).not.toMatch(/verbs:\s*\[?\s*"?\*/);
  expect(run(['template', 'ts', chart, '--set', 'installCRD=false'])).not.toContain(
    'CustomResourceDefinition',
  );
});

test('values outside the schema are refused', () => {
  expect(() => run(['template', 'ts', chart, '--set', 'replicaCount=many'])).toThrow(/replicaCount/);
  expect(() => run(['template', 'ts', chart, '--set', 'typo=1'])).toThrow(/typo/);
});

// `npm run demo`: the main job in one command — build the images (only what changed), bring up the
// local cluster on a real node (kubelet + containerd running those images; cluster `dev`, reused when
// already up, the changed images re-imported), install the operator with Helm, apply
// examples/minimal.yaml and print `kubectl get rr` once it is Ready, with the commands to explore further.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { namedLayout } from './layout.js';
import {
  clusterUp,
  clusterStatus,
  clusterRecord,
  ensureBinaries,
  ensureImages,
  adminClient,
  appVersion,
  projectRoot,
} from './control-plane.js';
import { importImages, realNodeLayout } from './real-node.js';

async function main(): Promise<void> {
  const layout = namedLayout('dev');
  const log = (s: string) => console.error(s);
  const t0 = Date.now();
  let binDir: string;
  let operatorChanged = false;
  if ((await clusterStatus(layout)).running) {
    const record = clusterRecord(layout);
    if (!record) throw new Error('cluster dev was started by an older version: `npm run cluster:down` first');
    binDir = ensureBinaries(log);
    log('cluster dev is already up; reusing it');
    const imagesDir = ensureImages(log);
    for (let i = 0; i < record.nodes; i++) {
      const imported = await importImages(realNodeLayout(layout, i), imagesDir, appVersion());
      if (imported.length) log(`node ${i}: imported ${imported.join(', ')}`);
      operatorChanged ||= imported.includes('operator');
    }
  } else binDir = (await clusterUp(layout, log)).binDir;
  const env = { ...process.env, KUBECONFIG: layout.kubeconfig };
  const run = (tool: string, args: string[]) =>
    execFileSync(path.join(binDir, tool), args, {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });

  log('installing the operator with helm (helm/tsredis-operator)');
  run('helm', [
    'upgrade',
    '--install',
    'tsredis-operator',
    path.join(projectRoot, 'helm', 'tsredis-operator'),
    '--namespace',
    'tsredis-system',
    '--create-namespace',
    '--wait',
    '--timeout',
    '180s',
  ]);
  if (operatorChanged) {
    log('the operator image changed: restarting the operator');
    run('kubectl', ['-n', 'tsredis-system', 'rollout', 'restart', 'deployment/tsredis-operator']);
    run('kubectl', [
      '-n',
      'tsredis-system',
      'rollout',
      'status',
      'deployment/tsredis-operator',
      '--timeout=120s',
    ]);
  }
  log('applying examples/minimal.yaml');
  run('kubectl', ['apply', '-f', path.join(projectRoot, 'examples', 'minimal.yaml')]);

  const api = adminClient(layout);
  const deadline = Date.now() + 180_000;
  for (;;) {
    const rr = await api.getOrNull<{ status?: { phase?: string } }>(
      '/apis/tsredis.dev/v1alpha1/namespaces/default/redisreplications/minimal',
    );
    if (rr?.status?.phase === 'Ready') break;
    if (Date.now() > deadline)
      throw new Error(`minimal did not become Ready (phase ${rr?.status?.phase ?? 'none'})`);
    await new Promise((r) => setTimeout(r, 500));
  }
  api.close();
  console.log(run('kubectl', ['get', 'rr', '-o', 'wide']));
  console.log(run('kubectl', ['get', 'pods', '-o', 'wide', '-L', 'tsredis.dev/role']));
  console.log(`demo ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  console.log(
    [
      'Explore it:',
      `  export KUBECONFIG=${layout.kubeconfig}`,
      `  export PATH=${binDir}:$PATH`,
      '  kubectl describe rr minimal',
      "  PASS=$(kubectl get secret minimal-auth -o jsonpath='{.data.password}' | base64 -d)",
      '  kubectl logs minimal-0',
      '  kubectl exec minimal-0 -- redis-cli --no-auth-warning -a "$PASS" info replication',
      '  kubectl port-forward pod/minimal-0 6390:6379 &   # then: REDISCLI_AUTH=$PASS redis-cli -p 6390',
      "  REDISCLI_AUTH=$PASS redis-cli -h $(kubectl get rr minimal -o jsonpath='{.status.master.ip}') set hello world",
      '  npm run cluster:down     # when done',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

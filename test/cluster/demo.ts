// `npm run demo`: the main job in one command — bring up the local control plane (cluster `dev`,
// reused when already up), install the operator with Helm, apply examples/minimal.yaml and print
// `kubectl get rr` once it is Ready, with the commands to explore further.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { namedLayout } from './layout.js';
import { clusterUp, clusterStatus, ensureBinaries, adminClient, projectRoot } from './control-plane.js';

async function main(): Promise<void> {
  const layout = namedLayout('dev');
  const log = (s: string) => console.error(s);
  let binDir: string;
  if ((await clusterStatus(layout)).running) {
    binDir = ensureBinaries(log);
    log(`cluster dev is already up; reusing it`);
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
  console.log(run('kubectl', ['get', 'pods', '-L', 'tsredis.dev/role']));
  console.log(
    [
      'Explore it:',
      `  export KUBECONFIG=${layout.kubeconfig}`,
      `  export PATH=${binDir}:$PATH`,
      '  kubectl describe rr minimal',
      "  PASS=$(kubectl get secret minimal-auth -o jsonpath='{.data.password}' | base64 -d)",
      "  REDISCLI_AUTH=$PASS redis-cli -h $(kubectl get rr minimal -o jsonpath='{.status.master.ip}') set hello world",
      '  npm run cluster:down     # when done',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

// `npm run cluster:up | cluster:down | cluster:status` — the local control plane as a tool for users
// and developers. Options: --name NAME (default dev), --nodes N (default 1, for up: the number of real
// nodes, each a kubelet with its own containerd).
import { namedLayout } from './layout.js';
import { clusterUp, clusterDown, clusterStatus, adminClient } from './control-plane.js';

function opt(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : def;
}

async function main(): Promise<void> {
  const cmd = process.argv[2];
  const layout = namedLayout(opt('name', 'dev'), Number(opt('nodes', '1')));
  const log = (s: string) => console.error(s);
  if (cmd === 'up') {
    const r = await clusterUp(layout, log);
    console.log(`cluster ${layout.name} is up in ${r.seconds.toFixed(1)}s`);
    console.log(`export KUBECONFIG=${r.kubeconfig}`);
    console.log(`export PATH=${r.binDir}:$PATH   # kubectl and helm built for this cluster`);
  } else if (cmd === 'down') {
    await clusterDown(layout, log);
  } else if (cmd === 'status') {
    const s = await clusterStatus(layout);
    for (const [name, state] of Object.entries(s.processes)) console.log(`${name.padEnd(26)} ${state}`);
    if (!s.running) {
      console.log(`cluster ${layout.name} is not running`);
      process.exitCode = 1;
      return;
    }
    const admin = adminClient(layout);
    const nodes = await admin.get<{
      items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
    }>('/api/v1/nodes');
    for (const n of nodes.items) {
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      console.log(`node ${n.metadata.name.padEnd(21)} ${ready ? 'Ready' : 'NotReady'}`);
    }
    admin.close();
    console.log(`export KUBECONFIG=${layout.kubeconfig}`);
  } else {
    console.error('usage: cli.js up|down|status [--name NAME] [--nodes N]');
    process.exitCode = 2;
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

// The local volume provisioner as a daemon of its own, for clusters of real nodes (the process kubelet
// runs the same provisioner inside node 0): serves the default StorageClass with host directories in
// the cluster's state directory. Usage: provisioner-main.js --cluster NAME --index I
import path from 'node:path';
import { clusterLayout } from './layout.js';
import { KubeClient, credentialsFromFiles } from './kube-client.js';
import { LocalProvisioner } from './kubelet/provisioner.js';

function arg(name: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  if (!a) throw new Error(`--${name}= is required`);
  return a.slice(name.length + 3);
}

const layout = clusterLayout(arg('cluster'), Number(arg('index')));
const pki = (f: string) => path.join(layout.pki, f);
const api = new KubeClient(
  credentialsFromFiles(
    `https://${layout.gatewayIp}:${layout.ports.apiserver}`,
    pki('ca.crt'),
    pki('provisioner.crt'),
    pki('provisioner.key'),
  ),
);
const abort = new AbortController();
const log = (msg: string, extra?: Record<string, unknown>) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), msg, ...extra }));
new LocalProvisioner(api, 'tsredis.dev/local-dir', path.join(layout.stateDir, 'volumes'), log).run(
  abort.signal,
);
process.on('SIGTERM', () => {
  abort.abort();
  api.close();
  process.exit(0);
});

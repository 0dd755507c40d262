// The process kubelet: stands in for kubelet + a container runtime on a machine without one. It
// registers its Node, keeps its Lease, runs every pod bound to it as local processes in the pod's own
// network namespace (see pod-worker.ts), serves container logs to the API server, provisions local
// volumes (node 0 only) and takes fault-injection requests on a local port.
// Usage (started by cluster:up): node kubelet/main.js --cluster=NAME --index=N --nodes=K --node=I --bin-dir=DIR
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { clusterLayout, nodeLayout } from '../layout.js';
import { KubeClient, KubeApiError, credentialsFromFiles, listWatch } from '../kube-client.js';
import { listNetns, netnsPids, deletePodNetwork, listLinks, deleteLink } from '../network.js';
import { NodeAgent } from './node-agent.js';
import { PodWorker, type PodWorkerDeps } from './pod-worker.js';
import { LocalProvisioner } from './provisioner.js';
import { startKubeletServer, startAdminServer } from './servers.js';
import type { Pod } from './types.js';
import type { ScriptTools } from './container-script.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=')] as const;
  }),
);
const layout = clusterLayout(
  args.get('cluster') ?? 'dev',
  Number(args.get('index') ?? 0),
  Number(args.get('nodes') ?? 1),
);
const nodeIndex = Number(args.get('node') ?? 0);
const nl = nodeLayout(layout, nodeIndex);
const binDir = args.get('bin-dir') ?? '';
const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..', '..');
const K8S_VERSION =
  /K8S_VERSION=(\S+)/.exec(
    readFileSync(path.join(projectRoot, 'test', 'cluster', 'versions.env'), 'utf8'),
  )?.[1] ?? 'v0.0.0';

function log(msg: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(
    JSON.stringify({ time: new Date().toISOString(), node: nl.name, msg, ...extra }) + '\n',
  );
}

const pki = (f: string) => path.join(layout.pki, f);
const server = `https://${layout.gatewayIp}:${layout.ports.apiserver}`;
const api = new KubeClient(
  credentialsFromFiles(server, pki('ca.crt'), pki(`node-${nodeIndex}.crt`), pki(`node-${nodeIndex}.key`)),
);

function tool(name: string): string {
  return execFileSync('sh', ['-c', `command -v ${name}`], {
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  }).trim();
}
const tools: ScriptTools = {
  mount: tool('mount'),
  mkdir: tool('mkdir'),
  touch: tool('touch'),
  chroot: tool('chroot'),
  env: tool('env'),
  hostname: tool('hostname'),
};

const nsPrefix = `tsr${layout.index}-n${nodeIndex}-`;
const uidPart = (uid: string) => uid.replace(/-/g, '');

// Pod IPs: .2 .. .254 of this node's /24, handed out round-robin (like host-local IPAM) so that an
// address is not reused at once while neighbours may still cache the old pod's MAC address.
const ips = new Map<string, string>();
let lastIp = 1;
function allocateIp(uid: string): string {
  const have = ips.get(uid);
  if (have) return have;
  const used = new Set(ips.values());
  for (let k = 1; k <= 253; k++) {
    const i = ((lastIp - 2 + k) % 253) + 2;
    const ip = `${nl.podSubnetPrefix}.${i}`;
    if (!used.has(ip)) {
      lastIp = i;
      ips.set(uid, ip);
      return ip;
    }
  }
  throw new Error('pod CIDR exhausted');
}

let nodeFailed = false;
const workers = new Map<string, PodWorker>();

const b64 = (data: Record<string, string> | undefined) =>
  data
    ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))
    : undefined;
async function getConfigMap(ns: string, name: string) {
  const cm = await api.getOrNull<{ data?: Record<string, string>; binaryData?: Record<string, string> }>(
    `/api/v1/namespaces/${ns}/configmaps/${name}`,
  );
  return cm ? { ...(cm.data ?? {}), ...(b64(cm.binaryData) ?? {}) } : undefined;
}
async function getSecret(ns: string, name: string) {
  const s = await api.getOrNull<{ data?: Record<string, string> }>(
    `/api/v1/namespaces/${ns}/secrets/${name}`,
  );
  return s ? (b64(s.data) ?? {}) : undefined;
}

const deps: PodWorkerDeps = {
  nodeName: nl.name,
  hostIp: layout.gatewayIp,
  podsDir: path.join(layout.stateDir, 'pods', nl.name),
  projectRoot,
  binDir,
  bridge: layout.bridge,
  gatewayIp: layout.gatewayIp,
  prefixLen: layout.podPrefixLen,
  apiServer: { host: layout.gatewayIp, port: layout.ports.apiserver },
  netnsName: (uid) => `${nsPrefix}${uidPart(uid).slice(0, 16)}`,
  vethName: (uid) => `tv${layout.index}${nodeIndex}${uidPart(uid).slice(0, 9)}`,
  allocateIp,
  releaseIp: (uid) => void ips.delete(uid),
  tools,
  volumeApi: {
    configMap: getConfigMap,
    secret: getSecret,
    async claimPath(ns, claim) {
      const pvc = await api.getOrNull<{ spec: { volumeName?: string }; status?: { phase?: string } }>(
        `/api/v1/namespaces/${ns}/persistentvolumeclaims/${claim}`,
      );
      if (!pvc) return { waiting: `persistentvolumeclaim "${claim}" not found` };
      if (pvc.status?.phase !== 'Bound' || !pvc.spec.volumeName)
        return { waiting: `persistentvolumeclaim "${claim}" is not bound` };
      const pv = await api.getOrNull<{ spec: { hostPath?: { path: string }; local?: { path: string } } }>(
        `/api/v1/persistentvolumes/${pvc.spec.volumeName}`,
      );
      const p = pv?.spec.hostPath?.path ?? pv?.spec.local?.path;
      return p ? { path: p } : { waiting: `persistentvolume "${pvc.spec.volumeName}" has no local path` };
    },
    async token(pod, audience, expirationSeconds) {
      const sa = pod.spec.serviceAccountName ?? 'default';
      const r = await api.create<{ status: { token: string; expirationTimestamp: string } }>(
        `/api/v1/namespaces/${pod.metadata.namespace}/serviceaccounts/${sa}/token`,
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: audience ? [audience] : [],
            expirationSeconds,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
          },
        },
      );
      return { token: r.status.token, expiresAt: Date.parse(r.status.expirationTimestamp) };
    },
  },
  envLookups: (ns) => ({ configMap: (n) => getConfigMap(ns, n), secret: (n) => getSecret(ns, n) }),
  async writeStatus(pod, status) {
    if (nodeFailed) return; // a failed node reports nothing; everything is re-sent on recovery
    try {
      await api.strategicPatch(
        `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`,
        { metadata: { uid: pod.metadata.uid }, status },
      );
    } catch (e) {
      if (e instanceof KubeApiError && (e.status === 404 || e.status === 409 || e.status === 422)) return; // the pod is gone or replaced
      throw e;
    }
  },
  async finalDelete(pod) {
    try {
      await api.delete(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (e) {
      if (!(e instanceof KubeApiError && (e.status === 404 || e.status === 409))) throw e;
    }
  },
  log,
};

function onPod(pod: Pod): void {
  const uid = pod.metadata.uid;
  const w = workers.get(uid);
  if (w) return w.update(pod);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    if (pod.metadata.deletionTimestamp) void deps.finalDelete(pod);
    return;
  }
  const nw = new PodWorker(pod, deps);
  workers.set(uid, nw);
  if (pod.metadata.deletionTimestamp) void nw.terminate(true);
  else nw.start();
}

async function cleanupStale(): Promise<void> {
  for (const ns of listNetns(nsPrefix)) {
    for (const pid of netnsPids(ns)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    deletePodNetwork({ netns: ns, hostVeth: '' });
  }
  for (const link of listLinks(`tv${layout.index}${nodeIndex}`)) deleteLink(link);
}

async function main(): Promise<void> {
  await cleanupStale();
  const abort = new AbortController();
  const agent = new NodeAgent(api, {
    name: nl.name,
    ip: layout.gatewayIp,
    podCidr: nl.podCidr,
    kubeletPort: nl.kubeletPort,
    kubeletVersion: K8S_VERSION,
    log,
  });
  const linkBeforeFailure = new Map<string, boolean>();
  const view = {
    worker: (ns: string, name: string) =>
      [...workers.values()].find(
        (w) => w.pod.metadata.namespace === ns && w.pod.metadata.name === name && !w.isFinished(),
      ),
    workers: () => [...workers.values()].filter((w) => !w.isFinished()),
    async setNodeFailed(failed: boolean) {
      if (failed === nodeFailed) return;
      log(failed ? 'simulating node failure: heartbeats stopped, pods cut off' : 'node recovered');
      if (failed) {
        nodeFailed = true;
        await agent.setSuspended(true);
        for (const w of view.workers()) {
          linkBeforeFailure.set(w.pod.metadata.uid, w.linkUp);
          w.setLink(false);
        }
      } else {
        nodeFailed = false;
        for (const w of view.workers()) w.setLink(linkBeforeFailure.get(w.pod.metadata.uid) ?? true);
        linkBeforeFailure.clear();
        await agent.setSuspended(false);
        for (const w of view.workers()) w.resendStatus();
      }
    },
  };
  const httpsServer = startKubeletServer(
    {
      port: nl.kubeletPort,
      host: layout.gatewayIp,
      cert: readFileSync(pki('kubelet-serving.crt'), 'utf8'),
      key: readFileSync(pki('kubelet-serving.key'), 'utf8'),
      ca: readFileSync(pki('ca.crt'), 'utf8'),
    },
    view,
  );
  const adminServer = startAdminServer(nl.adminPort, view);
  await agent.register();
  log('node registered', { podCidr: nl.podCidr });

  if (nodeIndex === 0) {
    const prov = new KubeClient(
      credentialsFromFiles(server, pki('ca.crt'), pki('provisioner.crt'), pki('provisioner.key')),
    );
    new LocalProvisioner(prov, 'tsredis.dev/local-dir', path.join(layout.stateDir, 'volumes'), log).run(
      abort.signal,
    );
  }

  void listWatch<Pod>(
    api,
    `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${nl.name}`)}`,
    {
      onList(items) {
        const live = new Set(items.map((p) => p.metadata.uid));
        for (const [uid, w] of workers) if (!live.has(uid)) void w.terminate(false);
        for (const p of items) onPod(p);
      },
      onEvent(e) {
        if (e.type === 'DELETED') {
          const w = workers.get(e.object.metadata.uid);
          if (w) void w.terminate(false);
        } else onPod(e.object);
      },
      onError: (e) => log('pod watch error', { error: String(e) }),
    },
    abort.signal,
  );

  const resync = setInterval(() => {
    for (const [uid, w] of workers) {
      if (w.isFinished()) workers.delete(uid);
      else if (!nodeFailed) void w.refresh();
    }
  }, 10_000);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log('kubelet stopping: killing its pods');
    clearInterval(resync);
    abort.abort();
    agent.stop();
    httpsServer.close();
    adminServer.close();
    await Promise.all([...workers.values()].map((w) => w.terminate(false)));
    await cleanupStale();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

main().catch((e: unknown) => {
  log('kubelet failed', { error: e instanceof Error ? e.stack : String(e) });
  process.exit(1);
});

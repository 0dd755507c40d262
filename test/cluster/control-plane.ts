// Brings a local cluster up and down: builds (or finds) the upstream binaries, makes the PKI and
// kubeconfigs, creates the pod bridge, starts etcd, kube-apiserver (RBAC + Node authorization),
// kube-controller-manager (only the controllers we need), kube-scheduler and one process kubelet per
// node, then installs the cluster's defaults (a default StorageClass served by the kubelets' local
// provisioner, and its RBAC). `down` stops everything and removes every process, namespace, link and
// file it made.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterLayout, nodeLayout, cacheRoot } from './layout.js';
import { ensurePki, kubeconfigFor, type Identity } from './pki.js';
import { startDaemon, stopDaemon, daemonNames, daemonPids, isAlive, stopPids } from './daemons.js';
import {
  ensureBridge,
  deleteBridge,
  listNetns,
  netnsPids,
  deletePodNetwork,
  listLinks,
  deleteLink,
} from './network.js';
import { KubeClient, credentialsFromFiles, KubeApiError } from './kube-client.js';
import { realNodeLayout, startRealNode, startKubeProxy, stopRealNodes } from './real-node.js';

/** How the cluster runs pods: real nodes (kubelet + containerd, our images) or the process kubelet. */
export type NodeRuntime = 'containerd' | 'process';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/test/cluster). */
export const projectRoot = path.resolve(here, '..', '..', '..');

export const PROVISIONER_NAME = 'tsredis.dev/local-dir';
export const PROVISIONER_USER = 'tsredis:local-provisioner';

/** Runs one of test/cluster's build scripts (its progress shown) and returns the directory it prints. */
function runBuildScript(script: string, what: string, log: (s: string) => void): string {
  const t0 = Date.now();
  const out = execFileSync('bash', [path.join(projectRoot, 'test', 'cluster', script)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  if (Date.now() - t0 > 5000) log(`${what} built in ${Math.round((Date.now() - t0) / 1000)}s`);
  return out.split('\n').pop() ?? '';
}

/** Builds the binaries if needed (build.sh) and returns their directory. */
export function ensureBinaries(log: (s: string) => void = () => {}): string {
  return runBuildScript('build.sh', 'binaries', log);
}

/** Builds (or finds cached) the images test/cluster/images.sh makes; returns their directory. */
export function ensureImages(log: (s: string) => void = () => {}): string {
  return runBuildScript('images.sh', 'images', log);
}

export function netnsPrefix(l: ClusterLayout): string {
  return `tsr${l.index}-`;
}
export function vethPrefix(l: ClusterLayout): string {
  return `tv${l.index}`;
}

function identities(l: ClusterLayout): Identity[] {
  const ids: Identity[] = [
    { file: 'admin', cn: 'admin', groups: ['system:masters'] },
    { file: 'controller-manager', cn: 'system:kube-controller-manager' },
    { file: 'scheduler', cn: 'system:kube-scheduler' },
    { file: 'apiserver-kubelet-client', cn: 'kube-apiserver-kubelet-client', groups: ['system:masters'] },
    { file: 'provisioner', cn: PROVISIONER_USER },
    { file: 'kube-proxy', cn: 'system:kube-proxy' },
  ];
  for (let i = 0; i < l.nodes; i++) {
    ids.push({ file: `node-${i}`, cn: `system:node:${nodeLayout(l, i).name}`, groups: ['system:nodes'] });
  }
  return ids;
}

export function apiServerUrl(l: ClusterLayout): string {
  return `https://${l.gatewayIp}:${l.ports.apiserver}`;
}

export function adminClient(l: ClusterLayout): KubeClient {
  const p = (f: string) => path.join(l.pki, f);
  return new KubeClient(credentialsFromFiles(apiServerUrl(l), p('ca.crt'), p('admin.crt'), p('admin.key')));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const CONTROLLERS = [
  'statefulset-controller',
  'deployment-controller',
  'replicaset-controller',
  'endpoints-controller',
  'endpointslice-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'clusterrole-aggregation-controller',
  'persistentvolume-binder-controller',
  'persistentvolumeclaim-protection-controller',
  'persistentvolume-protection-controller',
  'disruption-controller',
  'node-lifecycle-controller',
  'taint-eviction-controller',
  'pod-garbage-collector-controller',
  'job-controller',
  'daemonset-controller',
];

export interface UpResult {
  kubeconfig: string;
  binDir: string;
  seconds: number;
}

/** How the cluster in l's state dir runs pods (`process` for one started before real nodes existed). */
export function clusterRuntime(l: ClusterLayout): NodeRuntime {
  const file = path.join(l.stateDir, 'runtime');
  return existsSync(file) && readFileSync(file, 'utf8') === 'containerd' ? 'containerd' : 'process';
}

/** The version the chart's appVersion and the CRD's default node image carry (package.json's). */
export function appVersion(): string {
  return (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string })
    .version;
}

export async function clusterUp(
  l: ClusterLayout,
  log: (s: string) => void,
  runtime: NodeRuntime = 'process',
): Promise<UpResult> {
  const t0 = Date.now();
  const binDir = ensureBinaries(log);
  const imagesDir = runtime === 'containerd' ? ensureImages(log) : '';
  const bin = (b: string) => path.join(binDir, b);
  const alive = [...daemonPids(l.stateDir).values()].filter(isAlive);
  if (alive.length > 0) throw new Error(`cluster ${l.name} is already running (cluster:down first)`);
  // Leftovers of a cluster that was not brought down cleanly.
  await stopRealNodes(l, binDir);
  await cleanupNetwork(l);
  rmSync(l.stateDir, { recursive: true, force: true });
  mkdirSync(l.stateDir, { recursive: true });

  log(`cluster ${l.name}: certificates`);
  ensurePki(l.pki, {
    serverIps: [
      '127.0.0.1',
      l.gatewayIp,
      l.firstServiceIp,
      ...Array.from({ length: l.nodes }, (_, i) => nodeLayout(l, i).nodeIp),
    ],
    serverNames: [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
    clients: identities(l),
  });
  const server = apiServerUrl(l);
  const kc = (file: string, user: string) => {
    const f = path.join(l.stateDir, `${file}.kubeconfig`);
    writeFileSync(f, kubeconfigFor(server, l.pki, file, user));
    return f;
  };
  writeFileSync(l.kubeconfig, kubeconfigFor(server, l.pki, 'admin', 'admin'));
  const kcmConfig = kc('controller-manager', 'system:kube-controller-manager');
  const schedConfig = kc('scheduler', 'system:kube-scheduler');
  const pki = (f: string) => path.join(l.pki, f);

  ensureBridge(l.bridge, l.gatewayIp, l.podPrefixLen);

  log(`cluster ${l.name}: etcd`);
  startDaemon(l.stateDir, 'etcd', bin('etcd'), [
    '--name=default',
    `--data-dir=${path.join(l.stateDir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${l.ports.etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${l.ports.etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${l.ports.etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${l.ports.etcdPeer}`,
    `--initial-cluster=default=http://127.0.0.1:${l.ports.etcdPeer}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ]);
  await waitFor('etcd', 30_000, async () => {
    const r = await fetch(`http://127.0.0.1:${l.ports.etcdClient}/health`);
    return r.ok ? true : undefined;
  });

  log(`cluster ${l.name}: kube-apiserver`);
  startDaemon(l.stateDir, 'kube-apiserver', bin('kube-apiserver'), [
    `--etcd-servers=http://127.0.0.1:${l.ports.etcdClient}`,
    `--cert-dir=${l.pki}`,
    `--tls-cert-file=${pki('apiserver.crt')}`,
    `--tls-private-key-file=${pki('apiserver.key')}`,
    `--client-ca-file=${pki('ca.crt')}`,
    `--secure-port=${l.ports.apiserver}`,
    '--bind-address=0.0.0.0',
    `--advertise-address=${l.gatewayIp}`,
    `--service-cluster-ip-range=${l.serviceCidr}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki('sa.pub')}`,
    `--service-account-signing-key-file=${pki('sa.key')}`,
    `--kubelet-client-certificate=${pki('apiserver-kubelet-client.crt')}`,
    `--kubelet-client-key=${pki('apiserver-kubelet-client.key')}`,
    `--kubelet-certificate-authority=${pki('ca.crt')}`,
    '--kubelet-preferred-address-types=InternalIP',
    '--allow-privileged=true',
    '--profiling=false',
    '--v=1',
  ]);
  const admin = adminClient(l);
  await waitFor('kube-apiserver /readyz', 120_000, async () =>
    (await admin.send('GET', '/readyz')).status === 200 ? true : undefined,
  );
  await waitFor('kube-apiserver readiness', 120_000, async () => {
    const r = await admin.get<{ items: unknown[] }>('/api/v1/namespaces');
    return r.items.length > 0 ? true : undefined;
  });

  log(`cluster ${l.name}: controller-manager and scheduler`);
  startDaemon(l.stateDir, 'kube-controller-manager', bin('kube-controller-manager'), [
    `--kubeconfig=${kcmConfig}`,
    `--authentication-kubeconfig=${kcmConfig}`,
    `--authorization-kubeconfig=${kcmConfig}`,
    '--leader-elect=false',
    `--controllers=${CONTROLLERS.join(',')}`,
    `--service-account-private-key-file=${pki('sa.key')}`,
    `--root-ca-file=${pki('ca.crt')}`,
    '--use-service-account-credentials=true',
    `--service-cluster-ip-range=${l.serviceCidr}`,
    `--secure-port=${l.ports.controllerManager}`,
    '--bind-address=127.0.0.1',
    '--node-monitor-period=2s',
    '--node-monitor-grace-period=10s',
    '--v=1',
  ]);
  startDaemon(l.stateDir, 'kube-scheduler', bin('kube-scheduler'), [
    `--kubeconfig=${schedConfig}`,
    `--authentication-kubeconfig=${schedConfig}`,
    `--authorization-kubeconfig=${schedConfig}`,
    '--leader-elect=false',
    `--secure-port=${l.ports.scheduler}`,
    '--bind-address=127.0.0.1',
    '--v=1',
  ]);

  await installDefaults(admin);

  writeFileSync(path.join(l.stateDir, 'runtime'), runtime);
  if (runtime === 'containerd') {
    log(`cluster ${l.name}: ${l.nodes} node(s): containerd + kubelet, and kube-proxy`);
    startKubeProxy(l, binDir, kc('kube-proxy', 'system:kube-proxy'));
    startDaemon(l.stateDir, 'provisioner', process.execPath, [
      path.join(projectRoot, 'dist', 'test', 'cluster', 'provisioner-main.js'),
      `--cluster=${l.name}`,
      `--index=${l.index}`,
    ]);
    for (let i = 0; i < l.nodes; i++) {
      const n = realNodeLayout(l, i);
      await startRealNode(l, i, binDir, kc(`node-${i}`, `system:node:${n.name}`), imagesDir, appVersion());
    }
  } else {
    log(`cluster ${l.name}: ${l.nodes} process kubelet(s)`);
    const kubeletMain = path.join(projectRoot, 'dist', 'test', 'cluster', 'kubelet', 'main.js');
    for (let i = 0; i < l.nodes; i++) {
      startDaemon(l.stateDir, `kubelet-${i}`, process.execPath, [
        kubeletMain,
        `--cluster=${l.name}`,
        `--index=${l.index}`,
        `--nodes=${l.nodes}`,
        `--node=${i}`,
        `--bin-dir=${binDir}`,
      ]);
    }
  }
  await waitFor('nodes Ready', 60_000, async () => {
    const nodes = await admin.get<{
      items: { status?: { conditions?: { type: string; status: string }[] } }[];
    }>('/api/v1/nodes');
    const ready = nodes.items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    return ready.length === l.nodes ? true : undefined;
  });
  await waitFor('the default ServiceAccount and root CA ConfigMap', 60_000, async () => {
    const sa = await admin.getOrNull('/api/v1/namespaces/default/serviceaccounts/default');
    const cm = await admin.getOrNull('/api/v1/namespaces/default/configmaps/kube-root-ca.crt');
    return sa && cm ? true : undefined;
  });
  admin.close();
  return { kubeconfig: l.kubeconfig, binDir, seconds: (Date.now() - t0) / 1000 };
}

/** The default StorageClass and the RBAC of the kubelets' volume provisioner. */
async function installDefaults(admin: KubeClient): Promise<void> {
  const createOrKeep = async (p: string, body: unknown) => {
    try {
      await admin.create(p, body);
    } catch (e) {
      if (!(e instanceof KubeApiError && e.status === 409)) throw e;
    }
  };
  await createOrKeep('/apis/storage.k8s.io/v1/storageclasses', {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: PROVISIONER_NAME,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  });
  await createOrKeep('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: PROVISIONER_USER },
    rules: [
      {
        apiGroups: [''],
        resources: ['persistentvolumes'],
        verbs: ['get', 'list', 'watch', 'create', 'delete'],
      },
      {
        apiGroups: [''],
        resources: ['persistentvolumeclaims'],
        verbs: ['get', 'list', 'watch', 'update', 'patch'],
      },
      { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
    ],
  });
  await createOrKeep('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: PROVISIONER_USER },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: PROVISIONER_USER },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: PROVISIONER_USER }],
  });
}

/** Deletes the cluster's pod namespaces (killing what runs in them), veths and bridge. */
async function cleanupNetwork(l: ClusterLayout): Promise<void> {
  for (const ns of listNetns(netnsPrefix(l))) {
    await stopPids(netnsPids(ns), 2000);
    deletePodNetwork({ netns: ns, hostVeth: '' });
  }
  for (const link of listLinks(vethPrefix(l))) deleteLink(link);
  deleteBridge(l.bridge);
}

export async function clusterDown(l: ClusterLayout, log: (s: string) => void): Promise<void> {
  // Kubelets first (they stop their pods' processes), then the control plane, then whatever is left.
  await stopRealNodes(l, clusterRuntime(l) === 'containerd' ? ensureBinaries() : undefined);
  for (let i = 0; i < 10; i++) await stopDaemon(l.stateDir, `kubelet-${i}`, 15_000);
  for (const d of ['provisioner', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'])
    await stopDaemon(l.stateDir, d);
  await stopPids([...daemonPids(l.stateDir).values()], 2000);
  await cleanupNetwork(l);
  unmountUnder(l.stateDir);
  rmSync(l.stateDir, { recursive: true, force: true });
  log(`cluster ${l.name}: down`);
}

/** Unmounts anything still mounted under `dir` (deepest first); normally nothing is. */
function unmountUnder(dir: string): void {
  if (!existsSync('/proc/self/mountinfo')) return;
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((m) => m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // not mounted any more
    }
  }
}

export async function clusterStatus(
  l: ClusterLayout,
): Promise<{ processes: Record<string, string>; running: boolean }> {
  const processes: Record<string, string> = {};
  const live = daemonPids(l.stateDir);
  for (const name of daemonNames(l.stateDir)) {
    const pid = live.get(name);
    processes[name] = pid !== undefined && isAlive(pid) ? `running (pid ${pid})` : 'stopped';
  }
  const running = Object.values(processes).some((s) => s.startsWith('running'));
  return { processes, running };
}

export { cacheRoot };

// Brings a local cluster up and down: builds (or finds) the upstream binaries and the images, makes
// the PKI and kubeconfigs, creates the cluster bridge, starts etcd, kube-apiserver (RBAC + Node
// authorization), kube-controller-manager (only the controllers we need), kube-scheduler, kube-proxy
// and one real node (kubelet + containerd, real-node.ts) per node, then the add-ons (addons.ts: CoreDNS
// and local-path-provisioner with the default StorageClass). `down` stops everything and removes every
// process, container, namespace, link, cgroup and file it made.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterLayout, nodeLayout, cacheRoot } from './layout.js';
import { ensurePki, kubeconfigFor, type Identity } from './pki.js';
import { startDaemon, stopDaemon, daemonNames, daemonPids, isAlive, stopPids } from './daemons.js';
import { ensureBridge, deleteBridge } from './network.js';
import { KubeClient, credentialsFromFiles } from './kube-client.js';
import { startKubelet, startKubeProxy, startNodeRuntime, stopRealNodes } from './real-node.js';
import { coreDnsObjects, localPathObjects, type KubeObject } from './addons.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/test/cluster). */
export const projectRoot = path.resolve(here, '..', '..', '..');

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

/**
 * Builds (or finds cached) the images: ours (images.sh) and the add-ons' (addons.sh); returns the
 * directory holding their archives.
 */
export function ensureImages(log: (s: string) => void = () => {}): string {
  runBuildScript('images.sh', 'images', log);
  return runBuildScript('addons.sh', 'add-on images', log);
}

/** The pinned versions (versions.env, which the build scripts source). */
function pinnedVersions(): Record<string, string> {
  const text = readFileSync(path.join(projectRoot, 'test', 'cluster', 'versions.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => /^([A-Z_]+)=(\S+)$/.exec(line.trim()))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

/** The add-ons every cluster runs: CoreDNS and local-path-provisioner, from the images addons.sh built. */
function addonObjects(l: ClusterLayout): KubeObject[] {
  const v = pinnedVersions();
  const tag = (name: string, version: string) => `localhost/tsredis/${name}:${version.replace(/^v/, '')}`;
  return [
    ...coreDnsObjects({ clusterIp: l.dnsIp, image: tag('coredns', v.COREDNS_VERSION) }),
    // The default StorageClass `standard`, as on kind: a directory per volume on the node of its pod.
    ...localPathObjects({
      image: tag('local-path-provisioner', v.LOCAL_PATH_VERSION),
      storagePath: path.join(l.stateDir, 'volumes'),
      storageClassName: 'standard',
      isDefault: true,
    }),
  ];
}

function identities(l: ClusterLayout): Identity[] {
  const ids: Identity[] = [
    { file: 'admin', cn: 'admin', groups: ['system:masters'] },
    { file: 'controller-manager', cn: 'system:kube-controller-manager' },
    { file: 'scheduler', cn: 'system:kube-scheduler' },
    { file: 'apiserver-kubelet-client', cn: 'kube-apiserver-kubelet-client', groups: ['system:masters'] },
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

/** What `up` records in the state dir for later commands: the binaries it ran and its node count. */
interface ClusterRecord {
  binDir: string;
  nodes: number;
}
const recordFile = (l: ClusterLayout) => path.join(l.stateDir, 'cluster.json');

/** The record of the cluster in l's state dir, if one was brought up there. */
export function clusterRecord(l: ClusterLayout): ClusterRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(l), 'utf8')) as ClusterRecord;
  } catch {
    return undefined;
  }
}

/** The version the chart's appVersion and the CRD's default node image carry (package.json's). */
export function appVersion(): string {
  return (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string })
    .version;
}

export async function clusterUp(l: ClusterLayout, log: (s: string) => void): Promise<UpResult> {
  const t0 = Date.now();
  const binDir = ensureBinaries(log);
  const imagesDir = ensureImages(log);
  const bin = (b: string) => path.join(binDir, b);
  const alive = [...daemonPids(l.stateDir).values()].filter(isAlive);
  if (alive.length > 0) throw new Error(`cluster ${l.name} is already running (cluster:down first)`);
  // Leftovers of a cluster that was not brought down cleanly.
  // A run that was killed (SIGKILL to every process, as when a session or CI job is ended) leaves the
  // containers' rootfs and shm mounts and the kubelet's volume tmpfs mounted under the state dir: the
  // kernel keeps mounts when their owners die, and removing a mount point fails with EBUSY.
  await stopRealNodes(l, binDir);
  deleteBridge(l.bridge);
  unmountUnder(l.stateDir);
  rmSync(l.stateDir, { recursive: true, force: true });
  mkdirSync(l.stateDir, { recursive: true });
  writeFileSync(recordFile(l), JSON.stringify({ binDir, nodes: l.nodes } satisfies ClusterRecord));

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
  // Meanwhile, every node's containerd and its images (the imports are the slow part of a start).
  log(`cluster ${l.name}: ${l.nodes} node(s): containerd and the images`);
  await Promise.all(
    Array.from({ length: l.nodes }, (_, i) => startNodeRuntime(l, i, imagesDir, appVersion())),
  );
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

  // The add-ons are scheduled once a node is Ready; they are waited for below.
  const addons = addonObjects(l);
  execFileSync(bin('kubectl'), ['--kubeconfig', l.kubeconfig, 'apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: addons }),
    stdio: ['pipe', 'ignore', 'pipe'],
  });

  log(`cluster ${l.name}: kubelets and kube-proxy`);
  startKubeProxy(l, binDir, kc('kube-proxy', 'system:kube-proxy'));
  for (let i = 0; i < l.nodes; i++)
    startKubelet(l, i, binDir, kc(`node-${i}`, `system:node:${nodeLayout(l, i).name}`));
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
  await waitFor('the add-ons available (CoreDNS, local-path-provisioner)', 120_000, async () => {
    for (const d of addons.filter((o) => o.kind === 'Deployment')) {
      const s = await admin.get<{ status?: { availableReplicas?: number } }>(
        `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}`,
      );
      if (!s.status?.availableReplicas) return undefined;
    }
    return true;
  });
  admin.close();
  return { kubeconfig: l.kubeconfig, binDir, seconds: (Date.now() - t0) / 1000 };
}

export async function clusterDown(l: ClusterLayout, log: (s: string) => void): Promise<void> {
  // The nodes first (kubelets, containers, containerd), then the control plane, then whatever is left.
  await stopRealNodes(l, clusterRecord(l)?.binDir);
  for (const d of ['kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'])
    await stopDaemon(l.stateDir, d);
  await stopPids([...daemonPids(l.stateDir).values()], 2000);
  deleteBridge(l.bridge);
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

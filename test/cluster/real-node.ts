// A real Kubernetes node of the local cluster: the upstream kubelet (built by build.sh) with Debian's
// containerd, runc and CNI plugins, running the images test/cluster/images.sh builds. Each node has its
// own containerd (root, state, socket), CNI bridge and pod subnet, kubelet root dir and cgroup root, and
// an address of its own on the cluster bridge as its node IP; the nodes share the host's network
// namespace, so one kube-proxy (nftables) serves them all. The config builders are pure; the start and
// stop functions do the I/O.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type ClusterLayout, nodeLayout } from './layout.js';
import { daemonPids, startDaemon, stopDaemon } from './daemons.js';

export const PAUSE_IMAGE = 'localhost/tsredis/pause:1';
const CNI_BIN_DIR = '/usr/lib/cni';
const CGROUP_FS = '/sys/fs/cgroup';

/** Where node i keeps its state, and its runtime's names, beyond nodeLayout's addresses and ports. */
export function realNodeLayout(l: ClusterLayout, i: number) {
  const n = nodeLayout(l, i);
  const dir = path.join(l.stateDir, 'nodes', n.name);
  return {
    ...n,
    dir,
    containerdSocket: path.join(dir, 'containerd.sock'),
    podLogsDir: path.join(dir, 'pod-logs'),
    cniBridge: `tsrc${l.index}${i}`,
    cgroupRoot: `/tsr-${n.name}`,
  };
}
export type RealNode = ReturnType<typeof realNodeLayout>;

/** containerd 1.6's config for one node (TOML, version 2). */
export function containerdConfig(n: RealNode): string {
  const q = JSON.stringify;
  return [
    'version = 2',
    `root = ${q(path.join(n.dir, 'containerd', 'root'))}`,
    `state = ${q(path.join(n.dir, 'containerd', 'state'))}`,
    '[grpc]',
    `  address = ${q(n.containerdSocket)}`,
    '[ttrpc]',
    `  address = ${q(path.join(n.dir, 'containerd.ttrpc.sock'))}`,
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = ${q(PAUSE_IMAGE)}`,
    // This VM's root lacks CAP_SYS_RESOURCE: without it runc fails every sandbox setting oom_score_adj.
    '  restrict_oom_score_adj = true',
    '  stream_server_address = "127.0.0.1"',
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "runc"',
    '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '      runtime_type = "io.containerd.runc.v2"',
    '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    '        SystemdCgroup = false',
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    `    bin_dir = ${q(CNI_BIN_DIR)}`,
    `    conf_dir = ${q(path.join(n.dir, 'cni'))}`,
    '',
  ].join('\n');
}

/** The node's CNI network: a bridge of its own with the node's pod subnet, host-local IPAM, portmap. */
export function cniConfig(n: RealNode): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: `tsr-${n.name}`,
      plugins: [
        {
          type: 'bridge',
          bridge: n.cniBridge,
          isGateway: true,
          ipMasq: false,
          // A pod reaching itself through a Service comes back over its own port.
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: n.podCidr }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: path.join(n.dir, 'cni-ipam'),
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** The kubelet's KubeletConfiguration (YAML is a superset of JSON). */
export function kubeletConfig(l: ClusterLayout, n: RealNode): string {
  const pki = (f: string) => path.join(l.pki, f);
  return JSON.stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      cgroupDriver: 'cgroupfs',
      cgroupRoot: n.cgroupRoot,
      // This VM has cgroup v1 only; recent kubelets refuse it unless told.
      failCgroupV1: false,
      failSwapOn: false,
      address: n.nodeIp,
      port: n.kubeletPort,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort: n.healthzPort,
      tlsCertFile: pki('kubelet-serving.crt'),
      tlsPrivateKeyFile: pki('kubelet-serving.key'),
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: pki('ca.crt') },
      },
      authorization: { mode: 'Webhook' },
      podCIDR: n.podCidr,
      clusterDomain: 'cluster.local',
      clusterDNS: [l.dnsIp],
      // The containers' logs in the node's own directory (the default is the host's /var/log/pods).
      podLogsDir: n.podLogsDir,
      resolvConf: '/etc/resolv.conf',
      serializeImagePulls: false,
      // The test machine's disk and memory are shared with everything else: evict only when nearly out.
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
      imageGCHighThresholdPercent: 100,
      // Status every second, so that a lost node is noticed within the controller-manager's grace period.
      nodeStatusUpdateFrequency: '1s',
      syncFrequency: '10s',
      fileCheckFrequency: '10s',
      containerRuntimeEndpoint: `unix://${n.containerdSocket}`,
    },
    null,
    2,
  );
}

/** kube-proxy's config: nftables mode, the whole cluster's pod range, local-only health and metrics. */
export function kubeProxyConfig(l: ClusterLayout, kubeconfig: string): string {
  return JSON.stringify(
    {
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      mode: 'nftables',
      clientConnection: { kubeconfig },
      clusterCIDR: `10.${244 + l.index}.0.0/16`,
      hostnameOverride: nodeLayout(l, 0).name,
      healthzBindAddress: `127.0.0.1:${l.ports.kubeProxyHealthz}`,
      metricsBindAddress: `127.0.0.1:${l.ports.kubeProxyMetrics}`,
      conntrack: { maxPerCore: 0 },
    },
    null,
    2,
  );
}

function sysctl(key: string, value: string): void {
  writeFileSync(path.join('/proc/sys', ...key.split('.')), value);
}

/** The cgroup v1 hierarchies mounted here (cpu, memory, ...), as directories under /sys/fs/cgroup. */
function cgroupHierarchies(): string[] {
  return readdirSync(CGROUP_FS).filter(
    (d) => d !== 'unified' && existsSync(path.join(CGROUP_FS, d, 'cgroup.procs')),
  );
}

/**
 * Starts node i's containerd and imports the images into it (the slow part of a node's start, ~25 s
 * on our machine, so cluster:up runs it for all nodes at once while the API server starts).
 */
export async function startNodeRuntime(
  l: ClusterLayout,
  i: number,
  imagesDir: string,
  version: string,
): Promise<void> {
  const n = realNodeLayout(l, i);
  for (const d of ['containerd', 'cni', 'cni-ipam', 'kubelet'])
    mkdirSync(path.join(n.dir, d), { recursive: true });
  execFileSync('ip', ['addr', 'replace', `${n.nodeIp}/${l.podPrefixLen}`, 'dev', l.bridge]);
  // Pods on other nodes' bridges are routed through the host; replies crossing a bridge must pass the
  // host's netfilter so that kube-proxy's NAT is undone.
  sysctl('net.ipv4.ip_forward', '1');
  sysctl('net.bridge.bridge-nf-call-iptables', '1');
  for (const h of cgroupHierarchies()) mkdirSync(path.join(CGROUP_FS, h, n.cgroupRoot), { recursive: true });

  writeFileSync(path.join(n.dir, 'containerd.toml'), containerdConfig(n));
  writeFileSync(path.join(n.dir, 'cni', '10-tsr.conflist'), cniConfig(n));
  startDaemon(l.stateDir, `containerd-${i}`, 'containerd', ['--config', path.join(n.dir, 'containerd.toml')]);
  const ctr = ctrOf(n);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await ctr('version');
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`containerd of ${n.name} did not start: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await importImages(n, imagesDir, version);
}

/** Starts node i's kubelet (its containerd started by startNodeRuntime). */
export function startKubelet(l: ClusterLayout, i: number, binDir: string, kubeconfig: string): void {
  const n = realNodeLayout(l, i);
  writeFileSync(path.join(n.dir, 'kubelet.yaml'), kubeletConfig(l, n));
  startDaemon(l.stateDir, `kubelet-${i}`, path.join(binDir, 'kubelet'), [
    `--config=${path.join(n.dir, 'kubelet.yaml')}`,
    `--kubeconfig=${kubeconfig}`,
    `--root-dir=${path.join(n.dir, 'kubelet')}`,
    `--node-ip=${n.nodeIp}`,
    `--hostname-override=${n.name}`,
    '--v=1',
  ]);
}

/** ctr against the node's containerd, in the CRI's namespace; resolves with its stdout. */
function ctrOf(n: RealNode) {
  return (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        'ctr',
        ['--address', n.containerdSocket, '--namespace', 'k8s.io', ...args],
        { encoding: 'utf8', maxBuffer: 16 << 20 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`ctr ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
      ),
    );
}

/** The same, synchronous, for the fault and cleanup paths that run between a test's awaits. */
function ctrSyncOf(n: RealNode) {
  return (...args: string[]) =>
    execFileSync('ctr', ['--address', n.containerdSocket, '--namespace', 'k8s.io', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
}

/**
 * Imports the images into the node's containerd, each only when it differs from what the node last
 * imported (images.sh writes each image's id beside its archive); resolves with the names imported.
 */
export async function importImages(n: RealNode, imagesDir: string, version: string): Promise<string[]> {
  const ctr = ctrOf(n);
  const done: string[] = [];
  for (const img of ['pause', 'node', 'operator', 'coredns', 'local-path']) {
    const idFile = path.join(imagesDir, `${img}.${img === 'pause' ? 'sum' : 'id'}`);
    const id = existsSync(idFile) ? readFileSync(idFile, 'utf8').trim() : '';
    const mark = path.join(n.dir, `imported-${img}`);
    if (id && existsSync(mark) && readFileSync(mark, 'utf8') === id) continue;
    await ctr('images', 'import', path.join(imagesDir, `${img}.tar`));
    // Also under the names the chart and the CRD default to (tsredis/node:<version>, as the kubelet
    // spells them), so that `helm install` and a CR without an image field run our images unchanged.
    // The tests' objects name tsredis/<img>:dev (and dev2, the image-roll test's second image).
    if (img === 'node' || img === 'operator') {
      for (const tag of [version, 'dev', 'dev2']) {
        await ctr(
          'images',
          'tag',
          '--force',
          `localhost/tsredis/${img}:dev`,
          `docker.io/tsredis/${img}:${tag}`,
        );
      }
    }
    writeFileSync(mark, id);
    done.push(img);
  }
  return done;
}

/** Starts the cluster's kube-proxy (one for all nodes: they share the host's network namespace). */
export function startKubeProxy(l: ClusterLayout, binDir: string, kubeconfig: string): void {
  const file = path.join(l.stateDir, 'kube-proxy.yaml');
  writeFileSync(file, kubeProxyConfig(l, kubeconfig));
  startDaemon(l.stateDir, 'kube-proxy', path.join(binDir, 'kube-proxy'), [`--config=${file}`, '--v=1']);
}

/** Stops kube-proxy and every node's kubelet, containers and containerd; removes what they left. */
export async function stopRealNodes(l: ClusterLayout, binDir: string | undefined): Promise<void> {
  await stopDaemon(l.stateDir, 'kube-proxy');
  if (binDir && existsSync(path.join(binDir, 'kube-proxy'))) {
    try {
      execFileSync(path.join(binDir, 'kube-proxy'), ['--cleanup'], { stdio: 'ignore' });
    } catch {
      // nothing to clean
    }
  }
  for (let i = 0; i < 10; i++) {
    const n = realNodeLayout(l, i);
    // Everything below belongs to a node whose directory exists until the state dir is removed.
    if (!existsSync(n.dir)) continue;
    await stopDaemon(l.stateDir, `kubelet-${i}`, 15_000);
    // Every container of the node, then its containerd; the pods' network namespaces (which a
    // containerd stopped this way does not remove) are read from the containers' specs first.
    const netns = existsSync(n.containerdSocket) ? killContainers(n) : [];
    await stopDaemon(l.stateDir, `containerd-${i}`, 15_000);
    // The shims outlive containerd; each is a child of init named containerd-shim-runc-v2 -namespace
    // k8s.io -address <this node's socket>.
    try {
      execFileSync('pkill', ['-KILL', '-f', `containerd-shim-runc-v2 .*${n.containerdSocket}`], {
        stdio: 'ignore',
      });
    } catch {
      // none left
    }
    for (const ns of netns) {
      try {
        execFileSync('ip', ['netns', 'del', path.basename(ns)], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    try {
      execFileSync('ip', ['link', 'del', n.cniBridge], { stdio: 'ignore' });
    } catch {
      // no bridge
    }
    for (const h of existsSync(CGROUP_FS) ? cgroupHierarchies() : [])
      removeCgroupTree(path.join(CGROUP_FS, h, n.cgroupRoot));
  }
}

/** What `ctr containers info` tells of a container: its CRI labels and its network namespace. */
function containerInfo(
  ctr: ReturnType<typeof ctrSyncOf>,
  id: string,
): { labels: Record<string, string>; netns?: string } {
  const info = JSON.parse(ctr('containers', 'info', id)) as {
    Labels?: Record<string, string>;
    Spec?: { linux?: { namespaces?: { type: string; path?: string }[] } };
  };
  const net = info.Spec?.linux?.namespaces?.find((ns) => ns.type === 'network')?.path;
  return { labels: info.Labels ?? {}, netns: net?.startsWith('/var/run/netns/') ? net : undefined };
}

/** SIGKILLs every task of the node's containerd; returns the network namespaces its pods used. */
function killContainers(n: RealNode): string[] {
  const ctr = ctrSyncOf(n);
  const netns = new Set<string>();
  try {
    for (const id of ctr('containers', 'ls', '-q').split('\n').filter(Boolean)) {
      try {
        const ns = containerInfo(ctr, id).netns;
        if (ns) netns.add(ns);
      } catch {
        // a container removed meanwhile
      }
    }
    for (const id of ctr('tasks', 'ls', '-q').split('\n').filter(Boolean)) {
      try {
        ctr('tasks', 'kill', '-s', 'SIGKILL', id);
      } catch {
        // already stopped
      }
    }
  } catch {
    // containerd already gone
  }
  return [...netns];
}

/** Removes a cgroup directory and its children, deepest first (only empty cgroups can be removed). */
function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name));
  try {
    execFileSync('rmdir', [dir], { stdio: 'ignore' });
  } catch {
    // still has processes
  }
}

/**
 * Loses node i as a host that dies would be lost, or brings it back: its kubelet and containerd are
 * stopped (SIGSTOP) or resumed, every container on it frozen or thawed at once (the freezer cgroup of the
 * node's cgroup root), and its pod bridge taken down or up, so nothing on it answers. The API objects
 * stay: the node goes NotReady after the controller-manager's grace period and its pods are not deleted.
 */
export function setNodeLost(l: ClusterLayout, i: number, lost: boolean): void {
  const n = realNodeLayout(l, i);
  const freezer = path.join(CGROUP_FS, 'freezer', n.cgroupRoot, 'freezer.state');
  const signal = lost ? 'SIGSTOP' : 'SIGCONT';
  if (lost) {
    execFileSync('ip', ['link', 'set', n.cniBridge, 'down']);
    writeFileSync(freezer, 'FROZEN');
  }
  const live = daemonPids(l.stateDir);
  for (const d of [`kubelet-${i}`, `containerd-${i}`]) {
    const pid = live.get(d);
    if (pid !== undefined) process.kill(pid, signal);
  }
  if (!lost) {
    writeFileSync(freezer, 'THAWED');
    execFileSync('ip', ['link', 'set', n.cniBridge, 'up']);
  }
}

/** The node's running containers: id, host pid and the labels containerd's CRI plugin put on them. */
function runningContainers(n: RealNode): { id: string; pid: number; labels: Record<string, string> }[] {
  const ctr = ctrSyncOf(n);
  return ctr('tasks', 'ls')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && f[2] !== 'STOPPED')
    .map(([id, pid]) => ({ id, pid: Number(pid), labels: containerInfo(ctr, id).labels }));
}

/** A pod as the fixture names it to a node: the uid tells it from an earlier pod of the same name. */
export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

/**
 * The host pid of a pod's running container on node i (the pod's sandbox with container 'POD'). The
 * pod's uid is matched too: a pod deleted and re-created under the same name may still have a
 * container stopping on the node.
 */
export function containerPid(l: ClusterLayout, i: number, pod: PodRef, container: string): number {
  const n = realNodeLayout(l, i);
  const c = runningContainers(n).find(
    (t) =>
      t.labels['io.kubernetes.pod.uid'] === pod.uid &&
      t.labels['io.kubernetes.pod.namespace'] === pod.namespace &&
      t.labels['io.kubernetes.pod.name'] === pod.name &&
      (container === 'POD'
        ? t.labels['io.cri-containerd.kind'] === 'sandbox'
        : t.labels['io.kubernetes.container.name'] === container),
  );
  if (!c) {
    throw new Error(
      `no running container ${container} of ${pod.namespace}/${pod.name} (${pod.uid}) on ${n.name}`,
    );
  }
  return c.pid;
}

/** Faults on one container of a real node: SIGKILL it, freeze it (SIGSTOP) or thaw it (SIGCONT). */
export function containerFault(
  l: ClusterLayout,
  i: number,
  pod: PodRef,
  action: 'kill' | 'stop' | 'cont',
  container: string,
): void {
  const pid = containerPid(l, i, pod, container);
  try {
    process.kill(pid, action === 'kill' ? 'SIGKILL' : action === 'stop' ? 'SIGSTOP' : 'SIGCONT');
  } catch (e) {
    throw new Error(`${action} of ${pod.namespace}/${pod.name} ${container} (pid ${pid}): ${String(e)}`);
  }
}

/** Cuts a pod off the network (its eth0 down, inside its sandbox's network namespace) or heals it. */
export function setPodPartitioned(l: ClusterLayout, i: number, pod: PodRef, cut: boolean): void {
  const pid = containerPid(l, i, pod, 'POD');
  execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', 'link', 'set', 'eth0', cut ? 'down' : 'up']);
}

// Where a local cluster lives and which addresses and ports it uses, derived from its name and index
// (pure). Several clusters can run side by side (the user's `dev` cluster and the tests' `e2e` one)
// because each index owns its own bridge, subnets and port block.
import { homedir } from 'node:os';
import path from 'node:path';

export interface ClusterLayout {
  name: string;
  index: number;
  nodes: number;
  stateDir: string; // everything the running cluster owns: pki, etcd data, logs, pods, volumes
  pki: string;
  bridge: string; // Linux bridge joining the pods' veths and the host
  gatewayIp: string; // the host's address on the bridge: pods reach the API server here
  podPrefixLen: number; // the bridge subnet's prefix length (all pods are on-link)
  serviceCidr: string;
  firstServiceIp: string;
  dnsIp: string; // the cluster DNS Service (CoreDNS), the nameserver the kubelets give pods
  ports: {
    apiserver: number;
    etcdClient: number;
    etcdPeer: number;
    controllerManager: number;
    scheduler: number;
    kubeProxyHealthz: number;
    kubeProxyMetrics: number;
  };
  kubeconfig: string; // admin kubeconfig for the user and the tests
}

export function cacheRoot(): string {
  return process.env.TSREDIS_CACHE ?? path.join(homedir(), '.cache', 'tsredis');
}

export const NODE_NAME_PREFIX = 'tsr-node';

/** Node i of cluster `l`: name, pod subnet (a /24 inside the bridge subnet) and kubelet ports. */
export function nodeLayout(l: ClusterLayout, i: number) {
  const base = 16000 + l.index * 100;
  return {
    name: l.index === 0 ? `${NODE_NAME_PREFIX}-${i}` : `${l.name}-node-${i}`,
    podSubnetPrefix: `10.${244 + l.index}.${i + 1}`, // pods get .2 .. .254
    podCidr: `10.${244 + l.index}.${i + 1}.0/24`,
    kubeletPort: base + 10 + i, // the HTTPS endpoint the API server calls for logs
    // A real node's own address on the cluster bridge (the kubelet refuses a loopback node IP) and its
    // kubelet's local health port.
    nodeIp: `10.${244 + l.index}.0.${10 + i}`,
    healthzPort: base + 90 + i,
  };
}

export function clusterLayout(name: string, index: number, nodes = 1): ClusterLayout {
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(name)) throw new Error(`bad cluster name ${name}`);
  if (index < 0 || index > 9) throw new Error('cluster index must be 0..9');
  if (nodes < 1 || nodes > 9) throw new Error('nodes must be 1..9');
  const stateDir = path.join(cacheRoot(), 'clusters', name);
  const base = 16000 + index * 100;
  return {
    name,
    index,
    nodes,
    stateDir,
    pki: path.join(stateDir, 'pki'),
    bridge: `tsrbr${index}`,
    gatewayIp: `10.${244 + index}.0.1`,
    podPrefixLen: 16,
    serviceCidr: `10.${96 + index}.0.0/16`,
    firstServiceIp: `10.${96 + index}.0.1`,
    dnsIp: `10.${96 + index}.0.10`,
    ports: {
      apiserver: base + 43,
      etcdClient: base + 79,
      etcdPeer: base + 80,
      controllerManager: base + 57,
      scheduler: base + 59,
      kubeProxyHealthz: base + 60,
      kubeProxyMetrics: base + 61,
    },
    kubeconfig: path.join(stateDir, 'kubeconfig'),
  };
}

/** Fixed indexes for the clusters this repository starts (user, tests, benchmarks); others hash to 6..9. */
const KNOWN: Record<string, number> = { dev: 0, e2e: 1, op: 2, fo: 3, bench: 4, rn: 5 };

export function namedLayout(name: string, nodes?: number): ClusterLayout {
  return clusterLayout(name, KNOWN[name] ?? 6 + (hash(name) % 4), nodes);
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

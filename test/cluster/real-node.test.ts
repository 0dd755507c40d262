// The real node's configuration builders (pure): what this VM requires of containerd and the kubelet,
// and that nodes of one cluster and of two clusters never share a socket, bridge, subnet, port or root.
import { clusterLayout } from './layout.js';
import { containerdConfig, cniConfig, kubeletConfig, kubeProxyConfig, realNodeLayout } from './real-node.js';

const l = clusterLayout('dev', 0, 3);

test("containerd: the settings this VM needs, and the node's own paths", () => {
  const n = realNodeLayout(l, 1);
  const toml = containerdConfig(n);
  expect(toml).toContain('restrict_oom_score_adj = true');
  expect(toml).toContain('SystemdCgroup = false');
  expect(toml).toContain('snapshotter = "overlayfs"');
  expect(toml).toContain('sandbox_image = "localhost/tsredis/pause:1"');
  expect(toml).toContain(`address = "${n.containerdSocket}"`);
  expect(toml).toContain(`root = "${n.dir}/containerd/root"`);
});

test('kubelet: cgroupfs on cgroup v1, its node IP, port and cgroup root, the runtime of its node, cluster DNS, its own log dir', () => {
  const n = realNodeLayout(l, 2);
  const c = JSON.parse(kubeletConfig(l, n)) as Record<string, unknown>;
  expect(c).toMatchObject({
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    address: n.nodeIp,
    port: n.kubeletPort,
    readOnlyPort: 0,
    cgroupRoot: n.cgroupRoot,
    podCIDR: n.podCidr,
    containerRuntimeEndpoint: `unix://${n.containerdSocket}`,
    authorization: { mode: 'Webhook' },
    clusterDomain: 'cluster.local',
    clusterDNS: ['10.96.0.10'],
    podLogsDir: `${n.dir}/pod-logs`,
  });
  expect(n.nodeIp).not.toMatch(/^127\./);
});

test("CNI: a bridge per node with that node's pod subnet", () => {
  const n = realNodeLayout(l, 0);
  const c = JSON.parse(cniConfig(n)) as {
    plugins: { type: string; bridge?: string; ipam?: { ranges: { subnet: string }[][] } }[];
  };
  const bridge = c.plugins.find((p) => p.type === 'bridge');
  expect(bridge?.bridge).toBe(n.cniBridge);
  expect(bridge?.ipam?.ranges[0][0].subnet).toBe(n.podCidr);
  expect(c.plugins.map((p) => p.type)).toContain('portmap');
});

test('kube-proxy: nftables over the whole pod range, local-only endpoints', () => {
  const c = JSON.parse(kubeProxyConfig(l, '/k')) as Record<string, string>;
  expect(c.mode).toBe('nftables');
  expect(c.clusterCIDR).toBe('10.244.0.0/16');
  expect(c.healthzBindAddress).toMatch(/^127\.0\.0\.1:/);
  expect(c.metricsBindAddress).toMatch(/^127\.0\.0\.1:/);
});

test('no two nodes, in one cluster or two, share a name, address, port, bridge, socket or cgroup', () => {
  const nodes = [clusterLayout('dev', 0, 3), clusterLayout('e2e', 1, 3)].flatMap((c) =>
    [0, 1, 2].map((i) => realNodeLayout(c, i)),
  );
  for (const key of [
    'name',
    'nodeIp',
    'kubeletPort',
    'healthzPort',
    'cniBridge',
    'containerdSocket',
    'cgroupRoot',
    'podCidr',
  ] as const) {
    const values = nodes.map((n) => String(n[key]));
    expect(new Set(values).size).toBe(values.length);
  }
  // Linux limits interface names to 15 characters.
  for (const n of nodes) expect(n.cniBridge.length).toBeLessThanOrEqual(15);
});

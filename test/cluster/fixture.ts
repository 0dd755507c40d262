// The local cluster as a test fixture: start (building the binaries the first time), kubectl with the
// cluster's kubeconfig, typed polling helpers, fault injection through the kubelets' local API, and
// stop (cluster:down). End-to-end tests share one cluster per test file.
import { execFile } from 'node:child_process';
import path from 'node:path';
import http from 'node:http';
import { cpSync, existsSync } from 'node:fs';
import { namedLayout, nodeLayout, type ClusterLayout } from './layout.js';
import { clusterUp, clusterDown, adminClient, type NodeRuntime } from './control-plane.js';
import type { KubeClient } from './kube-client.js';
import { containerFault, containerPid, realNodeLayout, setPodPartitioned } from './real-node.js';
import type { Pod } from './kubelet/types.js';
import type { FaultRequest } from './kubelet/servers.js';

export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  ip: string;
  netns: string;
  linkUp: boolean;
  containers: { name: string; pid: number | null; restartCount: number }[];
}

function defaultRuntime(): NodeRuntime {
  return process.env.TSREDIS_E2E_RUNTIME === 'containerd' ? 'containerd' : 'process';
}

export class TestCluster {
  readonly api: KubeClient;

  private constructor(
    readonly layout: ClusterLayout,
    readonly binDir: string,
    readonly startSeconds: number,
    readonly runtime: NodeRuntime = 'process',
  ) {
    this.api = adminClient(layout);
  }

  /**
   * A fresh cluster for a test file. The runtime defaults to TSREDIS_E2E_RUNTIME (containerd or
   * process; process when unset), so that the whole suite can be run on real nodes.
   */
  static async start(name = 'e2e', nodes = 1, runtime: NodeRuntime = defaultRuntime()): Promise<TestCluster> {
    const layout = namedLayout(name, nodes);
    await clusterDown(layout, () => {}); // whatever an interrupted run left behind
    const r = await clusterUp(layout, (s) => process.stderr.write(`${s}\n`), runtime);
    return new TestCluster(layout, r.binDir, r.seconds, runtime);
  }

  get kubeconfig(): string {
    return this.layout.kubeconfig;
  }

  /** Runs a built tool (kubectl, helm) with this cluster's kubeconfig; rejects with its stderr on failure. */
  run(tool: 'kubectl' | 'helm', args: string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        path.join(this.binDir, tool),
        args,
        { env: { ...process.env, KUBECONFIG: this.kubeconfig }, maxBuffer: 16 << 20, timeout: 300_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${tool} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  kubectl(...args: string[]): Promise<string> {
    return this.run('kubectl', args);
  }

  /** kubectl apply of objects given as data. */
  apply(namespace: string, ...objects: unknown[]): Promise<string> {
    return this.run(
      'kubectl',
      ['apply', '-n', namespace, '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    );
  }

  pod(namespace: string, name: string): Promise<Pod | undefined> {
    return this.api.getOrNull<Pod>(`/api/v1/namespaces/${namespace}/pods/${name}`);
  }

  async pods(namespace: string, selector: string): Promise<Pod[]> {
    const r = await this.api.get<{ items: Pod[] }>(
      `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`,
    );
    return r.items;
  }

  /** Polls `fn` until it returns a value other than undefined/false. */
  async waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const v = await fn();
        if (v !== undefined && v !== false) return v;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
    );
  }

  private kubeletRequest<T>(
    node: number,
    method: string,
    p: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const port = nodeLayout(this.layout, node).adminPort;
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: p, method, headers: { 'Content-Type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T }));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /** What kubelet `node` runs: pods with IPs, network namespaces and container pids. */
  async kubeletPods(node = 0): Promise<PodInfo[]> {
    return (await this.kubeletRequest<PodInfo[]>(node, 'GET', '/pods')).body;
  }

  /** Injects a fault through the kubelet running the pod (or node `node` for node faults). */
  async fault(f: FaultRequest, node = 0): Promise<void> {
    if (this.runtime === 'containerd') return this.containerFault(f);
    const r = await this.kubeletRequest<{ error?: string }>(node, 'POST', '/fault', f);
    if (r.status !== 200) throw new Error(`fault ${JSON.stringify(f)}: ${r.body.error ?? r.status}`);
  }

  /** On real nodes: the fault on the pod's container (its first unless named), on the pod's node. */
  private async containerFault(f: FaultRequest): Promise<void> {
    if (f.action === 'node-fail' || f.action === 'node-recover') {
      throw new Error(`fault ${f.action}: on real nodes, lose a node with setNodeLost (real-node.ts)`);
    }
    if (!f.namespace || !f.pod) throw new Error('a container fault names a namespace and a pod');
    const { i, container } = await this.placeOf(f.namespace, f.pod, f.container);
    if (f.action === 'partition' || f.action === 'heal') {
      setPodPartitioned(this.layout, i, f.namespace, f.pod, f.action === 'partition');
    } else containerFault(this.layout, i, f.namespace, f.pod, f.action, container);
  }

  /** The index of the node a pod runs on, and the container meant (its first unless named). */
  async placeOf(namespace: string, name: string, container?: string) {
    const pod = await this.pod(namespace, name);
    const spec = pod?.spec as { nodeName?: string; containers?: { name: string }[] } | undefined;
    const i = Array.from({ length: this.layout.nodes }, (_, k) => k).find(
      (k) => realNodeLayout(this.layout, k).name === spec?.nodeName,
    );
    if (i === undefined) throw new Error(`${namespace}/${name} is on no node of this cluster`);
    return { i, container: container ?? spec?.containers?.[0]?.name ?? '' };
  }

  /** The host pid of a pod's (first) container, on either kind of node. */
  async containerPid(namespace: string, name: string): Promise<number> {
    if (this.runtime === 'containerd') {
      const { i, container } = await this.placeOf(namespace, name);
      return containerPid(this.layout, i, namespace, name, container);
    }
    const pid = (await this.kubeletPods()).find((p) => p.namespace === namespace && p.name === name)
      ?.containers[0].pid;
    if (!pid) throw new Error(`no running container of ${namespace}/${name}`);
    return pid;
  }

  /** Stops the cluster; with TSREDIS_KEEP_CLUSTER_LOGS=<dir>, its logs (components and pods) are kept there. */
  async stop(): Promise<void> {
    this.api.close();
    const keep = process.env.TSREDIS_KEEP_CLUSTER_LOGS;
    if (keep && existsSync(this.layout.stateDir)) {
      const dest = path.join(keep, `${this.layout.name}-${Date.now()}`);
      cpSync(path.join(this.layout.stateDir, 'logs'), path.join(dest, 'components'), { recursive: true });
      const pods = path.join(this.layout.stateDir, 'pods');
      if (existsSync(pods))
        cpSync(pods, path.join(dest, 'pods'), {
          recursive: true,
          filter: (src) => !/\/(rootfs|upper|work|volumes)(\/|$)/.test(src),
        });
    }
    await clusterDown(this.layout, () => {});
  }
}

export function isReady(p: Pod | undefined): boolean {
  return p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

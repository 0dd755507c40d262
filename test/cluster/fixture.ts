// The local cluster as a test fixture: start (building the binaries and images the first time),
// kubectl and helm with the cluster's kubeconfig, typed polling helpers, faults on real containers and
// nodes, and stop (cluster:down). End-to-end tests share one cluster per test file.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { cpSync, existsSync } from 'node:fs';
import { namedLayout, type ClusterLayout } from './layout.js';
import { clusterUp, clusterDown, adminClient } from './control-plane.js';
import type { KubeClient } from './kube-client.js';
import {
  containerFault,
  containerPid,
  realNodeLayout,
  setNodeLost,
  setPodPartitioned,
  type PodRef,
} from './real-node.js';
import type { Pod } from './pod.js';

/**
 * A fault: on a pod's container (its first unless named): kill (SIGKILL), stop (SIGSTOP), cont
 * (SIGCONT); on the pod's network: partition, heal; on a whole node: node-fail, node-recover.
 */
export type FaultRequest =
  | {
      action: 'kill' | 'stop' | 'cont' | 'partition' | 'heal';
      namespace: string;
      pod: string;
      container?: string;
    }
  | { action: 'node-fail' | 'node-recover'; node: number };

export class TestCluster {
  readonly api: KubeClient;

  private constructor(
    readonly layout: ClusterLayout,
    readonly binDir: string,
    readonly startSeconds: number,
  ) {
    this.api = adminClient(layout);
  }

  /** A fresh cluster of `nodes` real nodes for a test file (whatever an interrupted run left is removed). */
  static async start(name = 'e2e', nodes = 1): Promise<TestCluster> {
    const layout = namedLayout(name, nodes);
    await clusterDown(layout, () => {});
    const r = await clusterUp(layout, (s) => process.stderr.write(`${s}\n`));
    return new TestCluster(layout, r.binDir, r.seconds);
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

  /** Injects a fault on a container, a pod's network or a whole node (see FaultRequest). */
  async fault(f: FaultRequest): Promise<void> {
    if ('node' in f) {
      setNodeLost(this.layout, f.node, f.action === 'node-fail');
      return;
    }
    const { i, container, ref } = await this.placeOf(f.namespace, f.pod, f.container);
    if (f.action === 'partition' || f.action === 'heal') {
      setPodPartitioned(this.layout, i, ref, f.action === 'partition');
    } else containerFault(this.layout, i, ref, f.action, container);
  }

  /** The index of the node a pod runs on, and the container meant (its first unless named). */
  async placeOf(namespace: string, name: string, container?: string) {
    const pod = await this.pod(namespace, name);
    const i = Array.from({ length: this.layout.nodes }, (_, k) => k).find(
      (k) => realNodeLayout(this.layout, k).name === pod?.spec.nodeName,
    );
    if (!pod || i === undefined) throw new Error(`${namespace}/${name} is on no node of this cluster`);
    const ref: PodRef = { namespace, name, uid: pod.metadata.uid };
    return { i, ref, container: container ?? pod.spec.containers[0]?.name ?? '' };
  }

  /** The host pid of a pod's container (its first unless named; 'POD' for its sandbox). */
  async containerPid(namespace: string, name: string, container?: string): Promise<number> {
    const p = await this.placeOf(namespace, name, container);
    return containerPid(this.layout, p.i, p.ref, p.container);
  }

  /** Stops the cluster; with TSREDIS_KEEP_CLUSTER_LOGS=<dir>, its logs (components and pods) are kept there. */
  async stop(): Promise<void> {
    this.api.close();
    const keep = process.env.TSREDIS_KEEP_CLUSTER_LOGS;
    if (keep && existsSync(this.layout.stateDir)) {
      const dest = path.join(keep, `${this.layout.name}-${Date.now()}`);
      cpSync(path.join(this.layout.stateDir, 'logs'), path.join(dest, 'components'), { recursive: true });
      for (let i = 0; i < this.layout.nodes; i++) {
        const logs = realNodeLayout(this.layout, i).podLogsDir;
        if (existsSync(logs)) cpSync(logs, path.join(dest, 'pods', `node-${i}`), { recursive: true });
      }
    }
    await clusterDown(this.layout, () => {});
  }
}

export function isReady(p: Pod | undefined): boolean {
  return p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

// The Node object of one process kubelet: registration with capacity, addresses and the kubelet
// endpoint, the Ready condition, and the Lease in kube-node-lease renewed every 2 seconds. Heartbeats
// can be suspended to simulate a failed node.
import os from 'node:os';
import { KubeApiError, type KubeClient } from '../kube-client.js';

export interface NodeAgentOptions {
  name: string;
  ip: string;
  podCidr: string;
  kubeletPort: number;
  kubeletVersion: string;
  log(msg: string, extra?: Record<string, unknown>): void;
}

const LEASE_SECONDS = 40;
const RENEW_MS = 2000;
const STATUS_MS = 10_000;

export class NodeAgent {
  private timer?: NodeJS.Timeout;
  private lastStatus = 0;
  private readyTransition = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  suspended = false;

  constructor(
    private readonly api: KubeClient,
    private readonly o: NodeAgentOptions,
  ) {}

  private now(): string {
    return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  }

  private statusBody() {
    const cond = (
      type: string,
      status: string,
      reason: string,
      message: string,
      transition = this.readyTransition,
    ) => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: this.now(),
      lastTransitionTime: transition,
    });
    const capacity = {
      cpu: String(os.cpus().length),
      memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
      pods: '110',
      'ephemeral-storage': '100Gi',
    };
    return {
      capacity,
      allocatable: capacity,
      conditions: [
        cond(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'process kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: this.o.ip },
        { type: 'Hostname', address: this.o.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.o.kubeletPort } },
      nodeInfo: {
        machineID: this.o.name,
        systemUUID: this.o.name,
        bootID: String(process.pid),
        kernelVersion: os.release(),
        osImage: 'tsredis process kubelet',
        containerRuntimeVersion: 'process://1.0',
        kubeletVersion: this.o.kubeletVersion,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
      },
    };
  }

  async register(): Promise<void> {
    const body = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.o.name,
        labels: {
          'kubernetes.io/hostname': this.o.name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
          'tsredis.dev/process-kubelet': 'true',
        },
      },
      spec: { podCIDR: this.o.podCidr, podCIDRs: [this.o.podCidr] },
    };
    try {
      await this.api.create('/api/v1/nodes', body);
    } catch (e) {
      if (!(e instanceof KubeApiError && e.status === 409)) throw e;
    }
    await this.writeStatus();
    await this.renewLease();
    this.timer = setInterval(() => void this.beat(), RENEW_MS);
  }

  private async beat(): Promise<void> {
    if (this.suspended) return;
    try {
      await this.renewLease();
      if (Date.now() - this.lastStatus >= STATUS_MS) await this.writeStatus();
    } catch (e) {
      this.o.log('node heartbeat failed', { error: String(e) });
    }
  }

  async writeStatus(): Promise<void> {
    await this.api.strategicPatch(`/api/v1/nodes/${this.o.name}/status`, { status: this.statusBody() });
    this.lastStatus = Date.now();
  }

  private async renewLease(): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${this.o.name}`;
    const spec = {
      holderIdentity: this.o.name,
      leaseDurationSeconds: LEASE_SECONDS,
      renewTime: new Date().toISOString().replace('Z', '000Z'),
    };
    const existing = await this.api.getOrNull(path);
    if (!existing) {
      await this.api.create('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.o.name, namespace: 'kube-node-lease' },
        spec,
      });
    } else await this.api.mergePatch(path, { spec });
  }

  /** Stops (or resumes) heartbeats; on resume the status is written at once. */
  async setSuspended(s: boolean): Promise<void> {
    this.suspended = s;
    if (!s) {
      this.readyTransition = this.now();
      await this.renewLease();
      await this.writeStatus();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

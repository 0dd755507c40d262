// Leader election on a coordination.k8s.io/v1 Lease: only the holder reconciles and serves the
// Sentinel endpoint. The holder renews every renewMs; a candidate takes the Lease once it has not been
// renewed for leaseDurationSeconds. A leader that cannot renew within the lease duration stops acting
// (the caller exits, and the pod restarts as a candidate), so two operators never act at once for
// longer than the clock skew between them.
import * as k8s from '@kubernetes/client-node';
import { isConflict, isNotFound } from './kube.js';

export interface LeaderOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewMs: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  log: (msg: string, extra?: Record<string, unknown>) => void;
}

const micro = (d: Date) => d.toISOString().replace('Z', '000Z');

export class LeaderElector {
  private timer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;

  constructor(
    private readonly api: k8s.CoordinationV1Api,
    private readonly o: LeaderOptions,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.tryAcquireOrRenew();
      } catch (e) {
        this.o.log('lease update failed', { error: e instanceof Error ? e.message : String(e) });
      }
      this.checkExpiry();
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.o.renewMs);
    };
    void tick();
    // Expiry is also checked on its own clock: a renewal that is slow to fail must not keep a leader
    // acting after its Lease has run out.
    this.watchdog = setInterval(() => this.checkExpiry(), 250);
    this.watchdog.unref();
  }

  private checkExpiry(): void {
    if (this.leading && Date.now() - this.lastRenew > this.o.leaseDurationSeconds * 1000) {
      this.leading = false;
      this.o.log('lost the lease');
      this.o.onStoppedLeading();
    }
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { namespace, name, identity } = this.o;
    const now = new Date();
    let lease: k8s.V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ namespace, name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: this.o.leaseDurationSeconds,
            acquireTime: micro(now) as unknown as Date,
            renewTime: micro(now) as unknown as Date,
            leaseTransitions: 0,
          },
        },
      });
      this.becameLeader(now);
      return;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = Date.now() - renewed > (spec.leaseDurationSeconds ?? this.o.leaseDurationSeconds) * 1000;
    if (holder !== identity && !expired) return; // someone else leads
    const body: k8s.V1Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: this.o.leaseDurationSeconds,
        renewTime: micro(now) as unknown as Date,
        ...(holder !== identity
          ? { acquireTime: micro(now) as unknown as Date, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }
          : {}),
      },
    };
    try {
      // resourceVersion in the body makes this a compare-and-swap: a concurrent taker gets 409.
      await this.api.replaceNamespacedLease({ namespace, name, body });
    } catch (e) {
      if (isConflict(e)) return;
      throw e;
    }
    // Also when the Lease already names us but we do not lead yet: a create or take-over that succeeded
    // on the server while its reply was lost (a timeout, a reset) must not leave nobody leading.
    this.becameLeader(now);
  }

  private becameLeader(now: Date): void {
    this.lastRenew = now.getTime();
    if (this.leading) return;
    this.leading = true;
    this.o.log('acquired the lease', { lease: `${this.o.namespace}/${this.o.name}` });
    this.o.onStartedLeading();
  }

  /** Stops renewing; when leading, releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearInterval(this.watchdog);
    if (!this.leading) return;
    try {
      const lease = await this.api.readNamespacedLease({ namespace: this.o.namespace, name: this.o.name });
      if (lease.spec?.holderIdentity === this.o.identity) {
        await this.api.replaceNamespacedLease({
          namespace: this.o.namespace,
          name: this.o.name,
          body: {
            ...lease,
            spec: {
              ...lease.spec,
              holderIdentity: undefined,
              renewTime: micro(new Date(0)) as unknown as Date,
            },
          },
        });
      }
    } catch {
      // best effort: the lease expires anyway
    }
  }
}

// A minimal dynamic volume provisioner for the default StorageClass: for each claim that the
// persistent-volume controller hands to it (the storage-provisioner annotation), it creates a
// PersistentVolume backed by a host directory and pre-bound to the claim; when a volume it made is
// Released under the Delete policy, it removes the directory and the volume. The directories live in
// the cluster's state directory, so they survive pod deletion and re-creation.
import { rmSync, mkdirSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { KubeApiError, listWatch, type KubeClient, type Obj } from '../kube-client.js';

interface Pvc extends Obj {
  metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string> };
  spec: {
    storageClassName?: string;
    volumeName?: string;
    accessModes?: string[];
    resources?: { requests?: { storage?: string } };
    volumeMode?: string;
  };
  status?: { phase?: string };
}
interface Pv extends Obj {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { hostPath?: { path: string }; persistentVolumeReclaimPolicy?: string };
  status?: { phase?: string };
}

export const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const RESYNC_MS = 5000;

export class LocalProvisioner {
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly api: KubeClient,
    private readonly name: string,
    private readonly volumesDir: string,
    private readonly log: (msg: string, extra?: Record<string, unknown>) => void,
  ) {}

  run(signal: AbortSignal): void {
    const onError = (what: string) => (e: unknown) => this.log(`${what} watch failed`, { error: String(e) });
    const onPvc = (pvc: Pvc) => void this.provision(pvc);
    void listWatch<Pvc>(
      this.api,
      '/api/v1/persistentvolumeclaims',
      {
        onList: (items) => items.forEach(onPvc),
        onEvent: (e) => e.type !== 'DELETED' && onPvc(e.object),
        onError: onError('claim'),
      },
      signal,
    );
    const onPv = (pv: Pv) => void this.reclaim(pv);
    void listWatch<Pv>(
      this.api,
      '/api/v1/persistentvolumes',
      {
        onList: (items) => items.forEach(onPv),
        onEvent: (e) => e.type !== 'DELETED' && onPv(e.object),
        onError: onError('volume'),
      },
      signal,
    );
    // Level-based as well as event-driven: every few seconds each pending claim is looked at again, so
    // a failed attempt or an event that never arrived delays a volume by seconds, never forever.
    const resync = setInterval(() => {
      this.api
        .get<{ items: Pvc[] }>('/api/v1/persistentvolumeclaims')
        .then((l) => l.items.forEach(onPvc))
        .catch(onError('claim resync'));
    }, RESYNC_MS);
    signal.addEventListener('abort', () => clearInterval(resync));
  }

  private wants(pvc: Pvc): boolean {
    const a = pvc.metadata.annotations ?? {};
    const by =
      a['volume.kubernetes.io/storage-provisioner'] ?? a['volume.beta.kubernetes.io/storage-provisioner'];
    return by === this.name && !pvc.spec.volumeName && pvc.status?.phase === 'Pending';
  }

  private async provision(pvc: Pvc): Promise<void> {
    if (!this.wants(pvc) || this.inFlight.has(pvc.metadata.uid)) return;
    this.inFlight.add(pvc.metadata.uid);
    const pvName = `pvc-${pvc.metadata.uid}`;
    const dir = path.join(this.volumesDir, pvName);
    try {
      mkdirSync(dir, { recursive: true });
      // A hostPath volume gets no fsGroup ownership: open to the pod's (non-root) user, as
      // local-path-provisioner makes its directories.
      chmodSync(dir, 0o777);
      await this.api.create('/api/v1/persistentvolumes', {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pvName, annotations: { [PROVISIONED_BY]: this.name } },
        spec: {
          capacity: { storage: pvc.spec.resources?.requests?.storage ?? '1Gi' },
          accessModes: pvc.spec.accessModes ?? ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Delete',
          storageClassName: pvc.spec.storageClassName,
          volumeMode: pvc.spec.volumeMode ?? 'Filesystem',
          hostPath: { path: dir, type: 'DirectoryOrCreate' },
          claimRef: {
            kind: 'PersistentVolumeClaim',
            apiVersion: 'v1',
            namespace: pvc.metadata.namespace,
            name: pvc.metadata.name,
            uid: pvc.metadata.uid,
          },
        },
      });
      this.log('provisioned volume', {
        claim: `${pvc.metadata.namespace}/${pvc.metadata.name}`,
        volume: pvName,
      });
    } catch (e) {
      if (!(e instanceof KubeApiError && e.status === 409))
        this.log('provisioning failed', { claim: pvc.metadata.name, error: String(e) });
    } finally {
      this.inFlight.delete(pvc.metadata.uid);
    }
  }

  private async reclaim(pv: Pv): Promise<void> {
    if (pv.metadata.annotations?.[PROVISIONED_BY] !== this.name) return;
    if (pv.status?.phase !== 'Released' || pv.spec.persistentVolumeReclaimPolicy !== 'Delete') return;
    const dir = pv.spec.hostPath?.path;
    if (dir && dir.startsWith(this.volumesDir + path.sep)) rmSync(dir, { recursive: true, force: true });
    try {
      await this.api.delete(`/api/v1/persistentvolumes/${pv.metadata.name}`);
      this.log('deleted released volume', { volume: pv.metadata.name });
    } catch (e) {
      if (!(e instanceof KubeApiError && e.status === 404))
        this.log('volume deletion failed', { volume: pv.metadata.name, error: String(e) });
    }
  }
}

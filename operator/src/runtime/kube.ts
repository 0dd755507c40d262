// The operator's Kubernetes access through @kubernetes/client-node: typed API clients from the
// in-cluster ServiceAccount (or $KUBECONFIG outside a cluster), server-side apply of owned objects,
// merge patches, the custom resource and its status, Events, and 404-tolerant reads.
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type RedisReplication, type RedisReplicationStatus } from '../api/types.js';
import { FIELD_MANAGER } from '../resources/names.js';

/** How long one API request may take before it is abandoned (and the reconcile retried). */
const REQUEST_TIMEOUT_MS = 15_000;

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export function isNotFound(e: unknown): boolean {
  return e instanceof k8s.ApiException && e.code === 404;
}
export function isConflict(e: unknown): boolean {
  return e instanceof k8s.ApiException && e.code === 409;
}

export class Kube {
  readonly kc: k8s.KubeConfig;
  readonly core: k8s.CoreV1Api;
  readonly apps: k8s.AppsV1Api;
  readonly custom: k8s.CustomObjectsApi;
  readonly objects: k8s.KubernetesObjectApi;

  constructor(kc?: k8s.KubeConfig) {
    this.kc = kc ?? new k8s.KubeConfig();
    if (!kc) this.kc.loadFromDefault();
    this.core = this.client(k8s.CoreV1Api);
    this.apps = this.client(k8s.AppsV1Api);
    this.custom = this.client(k8s.CustomObjectsApi);
    // Every object the operator applies names its namespace, so no default namespace is needed.
    this.objects = this.client(k8s.KubernetesObjectApi);
  }

  /**
   * An API client whose every request is aborted after `timeoutMs` (client-node sets no timeout, and one
   * request that never answers would hold its reconcile, and with it the CR's key, forever).
   */
  client<T>(type: new (config: k8s.Configuration) => T, timeoutMs = REQUEST_TIMEOUT_MS): T {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in the kubeconfig');
    return new type(
      k8s.createConfiguration({
        baseServer: new k8s.ServerConfiguration(cluster.server, {}),
        authMethods: { default: this.kc },
        promiseMiddleware: [
          {
            pre: (ctx) => {
              ctx.setSignal(AbortSignal.timeout(timeoutMs));
              return Promise.resolve(ctx);
            },
            post: (r) => Promise.resolve(r),
          },
        ],
      }),
    );
  }

  /** Server-side apply: the object as we want it, owned by our field manager. */
  async apply(obj: k8s.KubernetesObject): Promise<void> {
    await this.objects.patch(
      obj,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
  }

  async getRR(namespace: string, name: string): Promise<RedisReplication | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace,
        name,
      })) as RedisReplication;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async listRR(
    namespace?: string,
  ): Promise<{ items: RedisReplication[]; metadata: { resourceVersion: string } }> {
    const r: unknown = namespace
      ? await this.custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace,
        })
      : await this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL });
    return r as { items: RedisReplication[]; metadata: { resourceVersion: string } };
  }

  async patchRRStatus(cr: RedisReplication, status: RedisReplicationStatus): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: cr.metadata.namespace,
        name: cr.metadata.name,
        body: { status },
      },
      merge,
    );
  }

  async readSecretData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const s = await this.core.readNamespacedSecret({ namespace, name });
      return Object.fromEntries(
        Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Creates the object unless it exists (409 is fine); never overwrites. */
  async createIfAbsent(obj: k8s.KubernetesObject): Promise<boolean> {
    try {
      await this.objects.create(obj);
      return true;
    } catch (e) {
      if (isConflict(e)) return false;
      throw e;
    }
  }

  async listPods(namespace: string, labelSelector: string): Promise<k8s.V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace, labelSelector })).items;
  }

  async listServices(namespace: string, labelSelector: string): Promise<k8s.V1Service[]> {
    return (await this.core.listNamespacedService({ namespace, labelSelector })).items;
  }

  async deleteService(namespace: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedService({ namespace, name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async patchPodLabels(
    namespace: string,
    name: string,
    labels: Record<string, string | null>,
  ): Promise<void> {
    await this.core.patchNamespacedPod({ namespace, name, body: { metadata: { labels } } }, merge);
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({ namespace, name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async getStatefulSet(namespace: string, name: string): Promise<k8s.V1StatefulSet | undefined> {
    try {
      return await this.apps.readNamespacedStatefulSet({ namespace, name });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** A core/v1 Event about the CR (never carrying secrets). */
  async event(
    cr: RedisReplication,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace: cr.metadata.namespace,
      body: {
        metadata: { generateName: `${cr.metadata.name}.`, namespace: cr.metadata.namespace },
        involvedObject: {
          apiVersion: cr.apiVersion,
          kind: cr.kind,
          name: cr.metadata.name,
          namespace: cr.metadata.namespace,
          uid: cr.metadata.uid,
        },
        reason,
        message,
        type,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        source: { component: 'tsredis-operator' },
        reportingComponent: 'tsredis-operator',
        reportingInstance: process.env.POD_NAME ?? 'tsredis-operator',
      },
    });
  }
}

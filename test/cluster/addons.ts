// The real-node clusters' add-ons as Kubernetes objects (pure: no I/O, plain JSON objects to apply in
// the order returned): CoreDNS, the cluster DNS (Service kube-dns), and Rancher's local-path-provisioner,
// which provisions PersistentVolumes as directories on the node the pod is scheduled to. addons.sh builds
// their images (localhost/tsredis/coredns:<v>, localhost/tsredis/local-path-provisioner:<v>) from the Go
// module proxy; the versions are pinned in versions.env. Both follow upstream's own manifests (CoreDNS
// v1.14's kubernetes deployment, local-path-provisioner v0.0.30's deploy/local-path-storage.yaml), but
// for what this machine needs: local images only, and no DNS traffic leaving the cluster.

export type KubeObjectMeta = {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [field: string]: unknown;
}

// --- CoreDNS

export const COREDNS_NAMESPACE = 'kube-system';
const DNS_LABELS = { 'k8s-app': 'kube-dns' };

/**
 * The Corefile: the kubernetes plugin answers for the cluster domain and the reverse zones (PTR queries
 * for addresses it does not know fall through). There is deliberately no `forward` plugin: this test
 * machine must not send DNS queries outside the cluster, so a name outside the cluster domain (and a
 * PTR that falls through) gets an error answer, SERVFAIL, as no plugin after kubernetes handles it,
 * instead of being resolved upstream. `loop` would catch a forwarding loop should a forward be added.
 */
export function corefile(domain = 'cluster.local'): string {
  return `.:53 {
    errors
    health :8080 {
        lameduck 5s
    }
    ready :8181
    kubernetes ${domain} in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    cache 30
    loop
    reload
    loadbalance
}
`;
}

export function coreDnsObjects(opts: { clusterIp: string; image: string; domain?: string }): KubeObject[] {
  const ns = COREDNS_NAMESPACE;
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: ns } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
      rules: [
        // v1.14 watches EndpointSlices, not Endpoints; upstream's role still lists endpoints.
        {
          apiGroups: [''],
          resources: ['endpoints', 'services', 'pods', 'namespaces'],
          verbs: ['list', 'watch'],
        },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: ns }],
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'coredns', namespace: ns },
      data: { Corefile: corefile(opts.domain) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'coredns',
        namespace: ns,
        labels: { ...DNS_LABELS, 'kubernetes.io/name': 'CoreDNS' },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: DNS_LABELS },
        template: {
          metadata: { labels: DNS_LABELS },
          spec: {
            serviceAccountName: 'coredns',
            priorityClassName: 'system-cluster-critical',
            // The node's resolv.conf, not the cluster DNS (itself).
            dnsPolicy: 'Default',
            containers: [
              {
                name: 'coredns',
                image: opts.image,
                imagePullPolicy: 'IfNotPresent',
                args: ['-conf', '/etc/coredns/Corefile'],
                ports: [
                  { name: 'dns', containerPort: 53, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                  { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
                ],
                resources: { requests: { cpu: '50m', memory: '40Mi' }, limits: { memory: '170Mi' } },
                readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' }, periodSeconds: 2 },
                livenessProbe: {
                  httpGet: { path: '/health', port: 8080, scheme: 'HTTP' },
                  initialDelaySeconds: 60,
                  timeoutSeconds: 5,
                  failureThreshold: 5,
                },
                // The image runs as root (it is the binary alone) with only the capability to bind :53.
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
                  readOnlyRootFilesystem: true,
                },
                volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
              },
            ],
            volumes: [
              {
                name: 'config-volume',
                configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kube-dns',
        namespace: ns,
        labels: { ...DNS_LABELS, 'kubernetes.io/name': 'CoreDNS' },
        annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
      },
      spec: {
        selector: DNS_LABELS,
        clusterIP: opts.clusterIp,
        ports: [
          { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
          { name: 'metrics', port: 9153, targetPort: 9153, protocol: 'TCP' },
        ],
      },
    },
  ];
}

// --- local-path-provisioner

export const LOCAL_PATH_NAMESPACE = 'local-path-storage';
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
// The names v0.0.30 defaults to (--service-account-name, --configmap-name), so no flag has to repeat them.
const LP_SERVICE_ACCOUNT = 'local-path-provisioner-service-account';
const LP_CONFIGMAP = 'local-path-config';

/** config.json: every node keeps its volumes under storagePath (one directory per volume). */
export function localPathConfig(storagePath: string): string {
  return JSON.stringify(
    { nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: [storagePath] }] },
    null,
    2,
  );
}

/**
 * The pod the provisioner runs on the volume's node to create or remove its directory: it adds the
 * command (/bin/sh /script/setup or teardown), the scripts, the host directory, the node and the
 * service account itself. v0.0.30 takes the helper's image from here (its --helper-image flag is read
 * but unused), so the provisioner's own image serves: it has /bin/sh, mkdir and rm. JSON is YAML.
 */
export function localPathHelperPod(image: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'helper-pod' },
    spec: {
      priorityClassName: 'system-node-critical',
      tolerations: [{ key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [
        {
          name: 'helper-pod',
          image,
          imagePullPolicy: 'IfNotPresent',
          // Root, to create and remove directories in the node's storage path (a hostPath).
          securityContext: { runAsUser: 0, runAsGroup: 0 },
        },
      ],
    },
  };
}

export function localPathObjects(opts: {
  image: string;
  storagePath: string;
  storageClassName: string;
  isDefault: boolean;
}): KubeObject[] {
  if (!opts.storagePath.startsWith('/')) throw new Error(`storagePath must be absolute: ${opts.storagePath}`);
  const ns = LOCAL_PATH_NAMESPACE;
  const role = 'local-path-provisioner-role';
  const bind = 'local-path-provisioner-bind';
  const subjects = [{ kind: 'ServiceAccount', name: LP_SERVICE_ACCOUNT, namespace: ns }];
  const labels = { app: 'local-path-provisioner' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: LP_SERVICE_ACCOUNT, namespace: ns } },
    // The helper pods live in the provisioner's namespace: it creates, watches and deletes them there.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: role, namespace: ns },
      rules: [
        {
          apiGroups: [''],
          resources: ['pods'],
          verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: bind, namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
      subjects,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: role },
      rules: [
        // Its config and helper pod come from the ConfigMap; it reads the helper pods' logs into its own.
        {
          apiGroups: [''],
          resources: ['nodes', 'persistentvolumeclaims', 'configmaps', 'pods', 'pods/log'],
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: [''],
          resources: ['persistentvolumes'],
          verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'],
        },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: bind },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects,
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: LP_CONFIGMAP, namespace: ns },
      data: {
        'config.json': localPathConfig(opts.storagePath),
        setup: '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"\n',
        teardown: '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"\n',
        'helperPod.yaml': JSON.stringify(localPathHelperPod(opts.image), null, 2),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'local-path-provisioner', namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: LP_SERVICE_ACCOUNT,
            containers: [
              {
                name: 'local-path-provisioner',
                image: opts.image,
                imagePullPolicy: 'IfNotPresent',
                command: [
                  'local-path-provisioner',
                  '--debug',
                  'start',
                  '--config',
                  '/etc/config/config.json',
                ],
                env: [
                  // --namespace: where its ConfigMap is and where it runs the helper pods.
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  // Where it watches config.json for changes (reloaded without a restart).
                  { name: 'CONFIG_MOUNT_PATH', value: '/etc/config/' },
                ],
                volumeMounts: [{ name: 'config-volume', mountPath: '/etc/config/' }],
              },
            ],
            volumes: [{ name: 'config-volume', configMap: { name: LP_CONFIGMAP } }],
          },
        },
      },
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: opts.storageClassName,
        ...(opts.isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
      },
      provisioner: LOCAL_PATH_PROVISIONER,
      // A volume is made on the node the scheduler picks for its first pod, and stays bound to that node.
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    },
  ];
}

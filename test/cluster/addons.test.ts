// The add-ons' objects (pure): CoreDNS serves the cluster domain at the given service IP and never
// forwards outside the cluster; local-path-provisioner provisions under the given path, per node, with
// the given image as its helper pod's too.
import { expect, test } from '@jest/globals';
import { coreDnsObjects, corefile, localPathObjects, type KubeObject } from './addons.js';

const dns = coreDnsObjects({ clusterIp: '10.97.0.10', image: 'localhost/tsredis/coredns:1.14.7' });
const lpImage = 'localhost/tsredis/local-path-provisioner:0.0.30';
const lp = localPathObjects({
  image: lpImage,
  storagePath: '/var/tmp/tsr-volumes',
  storageClassName: 'local-path',
  isDefault: true,
});

function find(objs: KubeObject[], kind: string, name: string): KubeObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o)
    throw new Error(`no ${kind} ${name} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(' ')}`);
  return o;
}

// The parts of the objects the tests look into.
interface Container {
  image: string;
  imagePullPolicy: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { containerPort: number; protocol: string }[];
  securityContext?: Record<string, unknown>;
  readinessProbe?: { httpGet: { path: string; port: number } };
  livenessProbe?: { httpGet: { path: string; port: number } };
  resources?: unknown;
}
interface PodSpec {
  dnsPolicy?: string;
  priorityClassName?: string;
  serviceAccountName?: string;
  containers: Container[];
  volumes?: { configMap?: { name: string } }[];
}
interface Deployment {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { spec: PodSpec } };
}
const podSpec = (o: KubeObject) => (o as unknown as Deployment).spec.template.spec;

test('every object has an apiVersion, a kind and a name; namespaced ones their namespace', () => {
  const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass']);
  for (const o of [...dns, ...lp]) {
    expect(o.apiVersion).toMatch(/^([a-z0-9.]+\/)?v1$/);
    expect(o.kind).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(o.metadata.name).toMatch(/^[a-z0-9:.-]+$/);
    if (clusterScoped.has(o.kind)) expect(o.metadata.namespace).toBeUndefined();
    else expect(typeof o.metadata.namespace).toBe('string');
  }
  expect(dns.filter((o) => !clusterScoped.has(o.kind)).map((o) => o.metadata.namespace)).toEqual(
    Array(4).fill('kube-system'),
  );
  expect(lp.filter((o) => !clusterScoped.has(o.kind)).map((o) => o.metadata.namespace)).toEqual(
    Array(5).fill('local-path-storage'),
  );
  // The namespace first: everything after it lives in it.
  expect(`${lp[0].kind}/${lp[0].metadata.name}`).toBe('Namespace/local-path-storage');
});

test('CoreDNS: the kube-dns Service at the given cluster IP, selecting the Deployment', () => {
  const svc = find(dns, 'Service', 'kube-dns') as KubeObject & {
    spec: { clusterIP: string; selector: Record<string, string>; ports: unknown[] };
  };
  expect(svc.spec.clusterIP).toBe('10.97.0.10');
  expect(svc.metadata.labels).toMatchObject({ 'kubernetes.io/name': 'CoreDNS' });
  expect(svc.spec.ports).toEqual([
    { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
    { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
    { name: 'metrics', port: 9153, targetPort: 9153, protocol: 'TCP' },
  ]);
  const d = find(dns, 'Deployment', 'coredns') as unknown as Deployment;
  expect(svc.spec.selector).toEqual({ 'k8s-app': 'kube-dns' });
  expect(d.spec.selector.matchLabels).toEqual(svc.spec.selector);
  expect(d.spec.replicas).toBe(1);
});

test('CoreDNS: the Corefile serves the cluster domain and has no forward plugin', () => {
  const cm = find(dns, 'ConfigMap', 'coredns') as KubeObject & { data: { Corefile: string } };
  const cf = cm.data.Corefile;
  expect(cf).toMatch(/^\.:53 \{$/m);
  expect(cf).toMatch(/^\s*kubernetes cluster\.local in-addr\.arpa ip6\.arpa \{$/m);
  expect(cf).toMatch(/^\s*pods insecure$/m);
  expect(cf).toMatch(/^\s*fallthrough in-addr\.arpa ip6\.arpa$/m);
  expect(cf).toMatch(/^\s*health :8080/m);
  expect(cf).toMatch(/^\s*ready :8181$/m);
  expect(cf).toMatch(/^\s*cache 30$/m);
  for (const p of ['errors', 'loop', 'reload', 'loadbalance'])
    expect(cf).toMatch(new RegExp(`^\\s*${p}$`, 'm'));
  expect(cf).not.toMatch(/forward|proxy/);
  // Balanced braces: CoreDNS refuses a Corefile with an unclosed block.
  expect(cf.split('{').length).toBe(cf.split('}').length);
  expect(corefile('tsr.test')).toMatch(/^\s*kubernetes tsr\.test in-addr\.arpa ip6\.arpa \{$/m);
  const other = coreDnsObjects({ clusterIp: '10.96.0.10', image: 'x', domain: 'tsr.test' });
  expect(
    (find(other, 'ConfigMap', 'coredns') as KubeObject & { data: { Corefile: string } }).data.Corefile,
  ).toBe(corefile('tsr.test'));
});

test('CoreDNS: the pod runs the given image unprivileged but for binding :53, with its probes', () => {
  const spec = podSpec(find(dns, 'Deployment', 'coredns'));
  expect(spec.dnsPolicy).toBe('Default');
  expect(spec.priorityClassName).toBe('system-cluster-critical');
  expect(spec.serviceAccountName).toBe('coredns');
  const c = spec.containers[0];
  expect(c.image).toBe('localhost/tsredis/coredns:1.14.7');
  expect(c.imagePullPolicy).toBe('IfNotPresent');
  expect(c.args).toEqual(['-conf', '/etc/coredns/Corefile']);
  expect(c.securityContext).toEqual({
    allowPrivilegeEscalation: false,
    capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
    readOnlyRootFilesystem: true,
  });
  expect(c.readinessProbe?.httpGet).toMatchObject({ path: '/ready', port: 8181 });
  expect(c.livenessProbe?.httpGet).toMatchObject({ path: '/health', port: 8080 });
  expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '40Mi' }, limits: { memory: '170Mi' } });
  expect(c.ports?.map((p) => `${p.containerPort}/${p.protocol}`)).toEqual(['53/UDP', '53/TCP', '9153/TCP']);
  expect(spec.volumes?.[0].configMap?.name).toBe('coredns');
});

test('CoreDNS: its role reads services, pods, namespaces and EndpointSlices, bound to its account', () => {
  const role = find(dns, 'ClusterRole', 'system:coredns') as KubeObject & {
    rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  };
  const can = (group: string, resource: string) =>
    role.rules.find((r) => r.apiGroups.includes(group) && r.resources.includes(resource))?.verbs;
  for (const r of ['endpoints', 'services', 'pods', 'namespaces'])
    expect(can('', r)).toEqual(['list', 'watch']);
  expect(can('discovery.k8s.io', 'endpointslices')).toEqual(['list', 'watch']);
  const binding = find(dns, 'ClusterRoleBinding', 'system:coredns') as KubeObject & { subjects: unknown[] };
  expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }]);
});

test('local-path: the StorageClass binds on first consumer, deletes, and is the default when asked', () => {
  const sc = find(lp, 'StorageClass', 'local-path') as KubeObject & Record<string, string>;
  expect(sc.provisioner).toBe('rancher.io/local-path');
  expect(sc.volumeBindingMode).toBe('WaitForFirstConsumer');
  expect(sc.reclaimPolicy).toBe('Delete');
  expect(sc.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
  const notDefault = localPathObjects({
    image: lpImage,
    storagePath: '/v',
    storageClassName: 'lp',
    isDefault: false,
  });
  expect(find(notDefault, 'StorageClass', 'lp').metadata.annotations).toBeUndefined();
  expect(() =>
    localPathObjects({ image: lpImage, storagePath: 'relative', storageClassName: 'lp', isDefault: false }),
  ).toThrow(/absolute/);
});

test('local-path: config.json puts every node’s volumes under the storage path; the scripts and helper pod', () => {
  const cm = find(lp, 'ConfigMap', 'local-path-config') as KubeObject & { data: Record<string, string> };
  expect(JSON.parse(cm.data['config.json'])).toEqual({
    nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: ['/var/tmp/tsr-volumes'] }],
  });
  expect(cm.data.setup).toContain('mkdir -m 0777 -p "$VOL_DIR"');
  expect(cm.data.teardown).toContain('rm -rf "$VOL_DIR"');
  const helper = JSON.parse(cm.data['helperPod.yaml']) as { kind: string; spec: PodSpec };
  expect(helper.kind).toBe('Pod');
  expect(helper.spec.containers).toHaveLength(1);
  expect(helper.spec.containers[0]).toMatchObject({
    image: lpImage,
    imagePullPolicy: 'IfNotPresent',
    securityContext: { runAsUser: 0 },
  });
});

test('local-path: the provisioner runs start with the mounted config, its namespace from the pod', () => {
  const spec = podSpec(find(lp, 'Deployment', 'local-path-provisioner'));
  expect(spec.serviceAccountName).toBe('local-path-provisioner-service-account');
  find(lp, 'ServiceAccount', 'local-path-provisioner-service-account');
  const c = spec.containers[0];
  expect(c.image).toBe(lpImage);
  expect(c.imagePullPolicy).toBe('IfNotPresent');
  expect(c.command).toEqual([
    'local-path-provisioner',
    '--debug',
    'start',
    '--config',
    '/etc/config/config.json',
  ]);
  expect(c.env).toEqual([
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'CONFIG_MOUNT_PATH', value: '/etc/config/' },
  ]);
  expect(spec.volumes?.[0].configMap?.name).toBe('local-path-config');
});

test('local-path: it may create and delete PVs cluster-wide and helper pods in its namespace only', () => {
  type Role = KubeObject & { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
  const verbs = (r: Role, group: string, resource: string) =>
    r.rules
      .filter((x) => x.apiGroups.includes(group) && x.resources.includes(resource))
      .flatMap((x) => x.verbs);
  const cluster = find(lp, 'ClusterRole', 'local-path-provisioner-role') as Role;
  const ns = find(lp, 'Role', 'local-path-provisioner-role') as Role;
  expect(ns.metadata.namespace).toBe('local-path-storage');
  expect(verbs(cluster, '', 'persistentvolumes')).toEqual(
    expect.arrayContaining(['create', 'delete', 'get', 'list', 'watch', 'patch', 'update']),
  );
  for (const r of ['nodes', 'persistentvolumeclaims', 'configmaps', 'pods', 'pods/log'])
    expect(verbs(cluster, '', r)).toEqual(['get', 'list', 'watch']);
  expect(verbs(cluster, '', 'events')).toEqual(['create', 'patch']);
  expect(verbs(cluster, 'storage.k8s.io', 'storageclasses')).toEqual(['get', 'list', 'watch']);
  expect(verbs(ns, '', 'pods')).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'watch']));
  for (const b of [
    find(lp, 'RoleBinding', 'local-path-provisioner-bind'),
    find(lp, 'ClusterRoleBinding', 'local-path-provisioner-bind'),
  ])
    expect((b as KubeObject & { subjects: unknown[] }).subjects).toEqual([
      {
        kind: 'ServiceAccount',
        name: 'local-path-provisioner-service-account',
        namespace: 'local-path-storage',
      },
    ]);
});

// A container's environment, built as kubelet builds it: service-discovery variables for the API
// server, envFrom sources, then env entries in order with $(VAR) expansion, valueFrom field references
// (the downward API), Secret and ConfigMap keys. Lookups of Secrets/ConfigMaps are passed in, so the
// logic is pure and unit-tested.
import type { Container, EnvVarSource, Pod } from './types.js';

export interface EnvLookups {
  configMap(name: string): Promise<Record<string, string> | undefined>;
  /** Secret data, base64-decoded. */
  secret(name: string): Promise<Record<string, string> | undefined>;
}

export class EnvError extends Error {}

/** Expands $(NAME) from `vars`; $$ escapes a $; an unknown reference stays as written (as in Kubernetes). */
export function expandVars(s: string, vars: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch !== '$' || i + 1 >= s.length) {
      out += ch;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = s.indexOf(')', i + 2);
      if (close < 0) {
        out += s.slice(i);
        break;
      }
      const name = s.slice(i + 2, close);
      const v = vars.get(name);
      out += v !== undefined ? v : s.slice(i, close + 1);
      i = close;
    } else out += ch;
  }
  return out;
}

/** The value of a downward-API fieldPath for this pod. */
export function fieldValue(pod: Pod, fieldPath: string, podIp: string, hostIp: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return podIp;
    case 'status.hostIP':
    case 'status.hostIPs':
      return hostIp;
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    default:
      throw new EnvError(`unsupported fieldPath ${fieldPath}`);
  }
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}="${(m ?? {})[k]}"`)
    .join('\n');
}

async function valueFrom(
  src: EnvVarSource,
  pod: Pod,
  ips: { pod: string; host: string },
  l: EnvLookups,
): Promise<string | undefined> {
  if (src.fieldRef) return fieldValue(pod, src.fieldRef.fieldPath, ips.pod, ips.host);
  if (src.secretKeyRef) {
    const r = src.secretKeyRef;
    const data = await l.secret(r.name);
    const v = data?.[r.key];
    if (v === undefined && !r.optional)
      throw new EnvError(`secret "${r.name}" ${data ? `has no key "${r.key}"` : 'not found'}`);
    return v;
  }
  if (src.configMapKeyRef) {
    const r = src.configMapKeyRef;
    const data = await l.configMap(r.name);
    const v = data?.[r.key];
    if (v === undefined && !r.optional)
      throw new EnvError(`configmap "${r.name}" ${data ? `has no key "${r.key}"` : 'not found'}`);
    return v;
  }
  if (src.resourceFieldRef) return '0'; // no resource limits are enforced here
  return undefined;
}

/** The container's environment, in Kubernetes' order. Throws EnvError when a required reference is missing
 *  (the kubelet reports CreateContainerConfigError and retries). */
export async function containerEnv(
  pod: Pod,
  c: Container,
  base: Record<string, string>,
  ips: { pod: string; host: string },
  lookups: EnvLookups,
): Promise<Record<string, string>> {
  const vars = new Map<string, string>(Object.entries(base));
  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> | undefined;
    if (from.configMapRef) {
      data = await lookups.configMap(from.configMapRef.name);
      if (!data && !from.configMapRef.optional)
        throw new EnvError(`configmap "${from.configMapRef.name}" not found`);
    } else if (from.secretRef) {
      data = await lookups.secret(from.secretRef.name);
      if (!data && !from.secretRef.optional) throw new EnvError(`secret "${from.secretRef.name}" not found`);
    }
    for (const [k, v] of Object.entries(data ?? {})) vars.set(prefix + k, v);
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom) {
      const v = await valueFrom(e.valueFrom, pod, ips, lookups);
      if (v !== undefined) vars.set(e.name, v);
    } else vars.set(e.name, expandVars(e.value ?? '', vars));
  }
  return Object.fromEntries(vars);
}

// A pod's volumes as host directories: emptyDir (in the pod's directory), hostPath, ConfigMap, Secret,
// downward API and projected volumes (with service-account tokens from the TokenRequest API) written
// as files, and PersistentVolumeClaims resolved through their bound PersistentVolume to its
// directory. Content volumes are re-written on each refresh, like kubelet's periodic sync.
import { mkdirSync, writeFileSync, readFileSync, existsSync, chmodSync } from 'node:fs';
import path from 'node:path';
import type { Pod, Volume, KeyToPath, DownwardAPIVolumeFile } from './types.js';
import { fieldValue } from './env.js';

export interface VolumeApi {
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The host directory of the PV bound to the claim, or a reason it is not usable yet. */
  claimPath(namespace: string, claim: string): Promise<{ path: string } | { waiting: string }>;
  token(
    pod: Pod,
    audience: string | undefined,
    expirationSeconds: number,
  ): Promise<{ token: string; expiresAt: number }>;
}

export class VolumeNotReady extends Error {}

interface TokenCache {
  token: string;
  expiresAt: number;
  issuedAt: number;
}

export class PodVolumes {
  readonly dirs = new Map<string, string>();
  private readonly tokens = new Map<string, TokenCache>();

  constructor(
    private readonly pod: Pod,
    private readonly podDir: string,
    private readonly api: VolumeApi,
    private readonly ips: { pod: string; host: string },
  ) {}

  /** Materialises every volume (first call) or refreshes content volumes (later calls). */
  async sync(): Promise<void> {
    for (const v of this.pod.spec.volumes ?? []) this.dirs.set(v.name, await this.one(v));
  }

  private async one(v: Volume): Promise<string> {
    const ns = this.pod.metadata.namespace;
    const own = path.join(this.podDir, 'volumes', v.name);
    if (v.persistentVolumeClaim) {
      const r = await this.api.claimPath(ns, v.persistentVolumeClaim.claimName);
      if ('waiting' in r) throw new VolumeNotReady(r.waiting);
      mkdirSync(r.path, { recursive: true });
      return r.path;
    }
    if (v.hostPath) {
      if (v.hostPath.type === 'DirectoryOrCreate' || !v.hostPath.type)
        mkdirSync(v.hostPath.path, { recursive: true });
      return v.hostPath.path;
    }
    mkdirSync(own, { recursive: true });
    if (v.emptyDir) return own;
    if (v.configMap) {
      const data = await this.api.configMap(ns, v.configMap.name);
      if (!data && !v.configMap.optional)
        throw new VolumeNotReady(`configmap "${v.configMap.name}" not found`);
      writeItems(own, data ?? {}, v.configMap.items, v.configMap.defaultMode ?? 0o644);
      return own;
    }
    if (v.secret) {
      const data = await this.api.secret(ns, v.secret.secretName);
      if (!data && !v.secret.optional) throw new VolumeNotReady(`secret "${v.secret.secretName}" not found`);
      writeItems(own, data ?? {}, v.secret.items, v.secret.defaultMode ?? 0o644);
      return own;
    }
    if (v.downwardAPI) {
      this.writeDownward(own, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? 0o644);
      return own;
    }
    if (v.projected) {
      const mode = v.projected.defaultMode ?? 0o644;
      for (const src of v.projected.sources ?? []) {
        if (src.serviceAccountToken) {
          const t = await this.tokenFor(
            v.name,
            src.serviceAccountToken.audience,
            src.serviceAccountToken.expirationSeconds ?? 3607,
          );
          writeFile(own, src.serviceAccountToken.path, t, mode);
        } else if (src.configMap) {
          const data = await this.api.configMap(ns, src.configMap.name);
          if (!data && !src.configMap.optional)
            throw new VolumeNotReady(`configmap "${src.configMap.name}" not found`);
          writeItems(own, data ?? {}, src.configMap.items, mode);
        } else if (src.secret) {
          const data = await this.api.secret(ns, src.secret.name);
          if (!data && !src.secret.optional)
            throw new VolumeNotReady(`secret "${src.secret.name}" not found`);
          writeItems(own, data ?? {}, src.secret.items, mode);
        } else if (src.downwardAPI) this.writeDownward(own, src.downwardAPI.items ?? [], mode);
      }
      return own;
    }
    throw new VolumeNotReady(`volume "${v.name}": unsupported volume type`);
  }

  private async tokenFor(
    volume: string,
    audience: string | undefined,
    expirationSeconds: number,
  ): Promise<string> {
    const key = `${volume}/${audience ?? ''}`;
    const now = Date.now();
    const cached = this.tokens.get(key);
    // Refreshed once 80% of its lifetime has passed, as kubelet does.
    if (cached && now < cached.issuedAt + 0.8 * (cached.expiresAt - cached.issuedAt)) return cached.token;
    const t = await this.api.token(this.pod, audience, expirationSeconds);
    this.tokens.set(key, { ...t, issuedAt: now });
    return t.token;
  }

  private writeDownward(dir: string, items: DownwardAPIVolumeFile[], mode: number): void {
    for (const it of items) {
      if (!it.fieldRef) continue;
      writeFile(
        dir,
        it.path,
        fieldValue(this.pod, it.fieldRef.fieldPath, this.ips.pod, this.ips.host),
        it.mode ?? mode,
      );
    }
  }
}

function writeItems(
  dir: string,
  data: Record<string, string>,
  items: KeyToPath[] | undefined,
  mode: number,
): void {
  if (items) {
    for (const it of items)
      if (data[it.key] !== undefined) writeFile(dir, it.path, data[it.key], it.mode ?? mode);
  } else for (const [k, v] of Object.entries(data)) writeFile(dir, k, v, mode);
}

function writeFile(dir: string, rel: string, content: string, mode: number): void {
  const f = path.join(dir, rel);
  if (!f.startsWith(dir + path.sep)) throw new VolumeNotReady(`bad path ${rel}`);
  mkdirSync(path.dirname(f), { recursive: true });
  if (existsSync(f) && readFileSync(f, 'utf8') === content) return;
  writeFileSync(f, content, { mode });
  chmodSync(f, mode);
}

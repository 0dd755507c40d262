// A minimal Kubernetes API client for the local control plane's own tools (the process kubelet, the
// volume provisioner, cluster:up): JSON requests over HTTPS with a client certificate, and watches
// read as newline-delimited JSON events. The operator uses @kubernetes/client-node; this harness keeps
// its own small client so that it depends on nothing but Node and the API's wire format.
import https from 'node:https';
import { readFileSync } from 'node:fs';

export interface KubeCredentials {
  server: string; // https://host:port
  ca: string; // PEM
  cert: string; // PEM client certificate
  key: string; // PEM client key
}

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export type Obj = Record<string, unknown> & { metadata?: ObjectMeta };
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export function credentialsFromFiles(server: string, caFile: string, certFile: string, keyFile: string) {
  return {
    server,
    ca: readFileSync(caFile, 'utf8'),
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
  };
}

export class KubeClient {
  private readonly agent: https.Agent;
  private readonly base: URL;

  constructor(readonly creds: KubeCredentials) {
    this.base = new URL(creds.server);
    this.agent = new https.Agent({ ca: creds.ca, cert: creds.cert, key: creds.key, keepAlive: true });
  }

  /** One request; resolves with the status and body text (any status). */
  send(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = https.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          path,
          method,
          agent: this.agent,
          headers: {
            Accept: 'application/json',
            ...(data ? { 'Content-Type': contentType, 'Content-Length': data.length } : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  }

  /** One request; resolves with the parsed JSON body, rejects with KubeApiError on a non-2xx status. */
  async request<T = Obj>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const { status, text } = await this.send(method, path, body, contentType);
    if (status < 200 || status >= 300) throw new KubeApiError(status, text, `${method} ${path}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  get<T = Obj>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  /** GET that maps 404 to undefined. */
  async getOrNull<T = Obj>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return undefined;
      throw e;
    }
  }
  create<T = Obj>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  mergePatch<T = Obj>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body, 'application/merge-patch+json');
  }
  strategicPatch<T = Obj>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body, 'application/strategic-merge-patch+json');
  }
  delete<T = Obj>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('DELETE', path, body);
  }

  /**
   * Watches `path` (a collection URL, query allowed) from `resourceVersion`; calls onEvent for each event
   * and resolves when the server ends the stream. The caller re-lists on 410 Gone (an ERROR event).
   */
  watch<T>(path: string, resourceVersion: string, onEvent: (e: WatchEvent<T>) => void, signal?: AbortSignal) {
    const sep = path.includes('?') ? '&' : '?';
    const full = `${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${resourceVersion}&timeoutSeconds=300`;
    return new Promise<void>((resolve, reject) => {
      const req = https.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          path: full,
          method: 'GET',
          agent: this.agent,
          signal,
        },
        (res) => {
          if (res.statusCode !== 200) {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString('utf8')));
            res.on('end', () => reject(new KubeApiError(res.statusCode ?? 0, text, `WATCH ${path}`)));
            return;
          }
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            buf += c;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (line.trim()) onEvent(JSON.parse(line) as WatchEvent<T>);
            }
          });
          res.on('end', () => resolve());
          res.on('error', reject);
          res.on('aborted', () => resolve());
        },
      );
      req.on('error', (e) => (signal?.aborted ? resolve() : reject(e)));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs list+watch forever (until the signal aborts), re-listing on errors, calling onSync with the full
 *  list after each list and onEvent for each watch event. */
export async function listWatch<T extends { metadata?: ObjectMeta }>(
  client: KubeClient,
  path: string,
  handlers: {
    onList: (items: T[]) => void;
    onEvent: (e: WatchEvent<T>) => void;
    onError?: (e: unknown) => void;
  },
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const list = await client.get<{ items: T[]; metadata: { resourceVersion: string } }>(path);
      handlers.onList(list.items);
      let rv = list.metadata.resourceVersion;
      let gone = false;
      while (!signal.aborted && !gone) {
        await client.watch<T>(
          path,
          rv,
          (e) => {
            if (e.type === 'ERROR') {
              gone = true;
              return;
            }
            const v = e.object.metadata?.resourceVersion;
            if (v) rv = v;
            if (e.type !== 'BOOKMARK') handlers.onEvent(e);
          },
          signal,
        );
      }
    } catch (e) {
      if (signal.aborted) return;
      handlers.onError?.(e);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

// A minimal Kubernetes API client for the local cluster's own tools (cluster:up, the tests' fixture
// and harness): JSON requests over HTTPS with a client certificate. The operator uses
// @kubernetes/client-node; the harness keeps its own small client so that it depends on nothing but
// Node and the API's wire format.
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
  delete<T = Obj>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('DELETE', path, body);
  }

  close(): void {
    this.agent.destroy();
  }
}

// The kubelet's two endpoints. The HTTPS one is what the API server calls (client certificates
// verified against the cluster CA): /healthz and /containerLogs, so `kubectl logs [-f] [--previous]`
// works. The local HTTP one (127.0.0.1 only) is the fault-injection API the tests use: kill, freeze
// or thaw a container, cut a pod off the network and heal it, fail and recover the whole node.
import https from 'node:https';
import http from 'node:http';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import type { PodWorker } from './pod-worker.js';

export interface KubeletView {
  worker(namespace: string, name: string): PodWorker | undefined;
  workers(): PodWorker[];
  setNodeFailed(failed: boolean): Promise<void>;
}

function tail(text: string, lines: number): string {
  const parts = text.split('\n');
  const trailing = parts[parts.length - 1] === '' ? parts.pop() : undefined;
  return parts.slice(-lines).join('\n') + (trailing !== undefined ? '\n' : '');
}

function containerLogs(view: KubeletView, url: URL, res: http.ServerResponse): void {
  const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  const w = m ? view.worker(m[1], m[2]) : undefined;
  const c = w?.containers().find((x) => x.spec.name === m?.[3]);
  if (!m || !w || !c) {
    res.writeHead(404).end('container not found\n');
    return;
  }
  const previous = url.searchParams.get('previous') === 'true';
  const file = c.logFile(previous);
  if (!existsSync(file)) {
    res
      .writeHead(previous ? 400 : 200)
      .end(previous ? `previous terminated container "${c.spec.name}" not found\n` : '');
    return;
  }
  const tailLines = url.searchParams.get('tailLines');
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  let offset = 0;
  if (tailLines !== null) {
    const text = readFileSync(file, 'utf8');
    res.write(tail(text, Number(tailLines)));
    offset = Buffer.byteLength(text);
  }
  const follow = url.searchParams.get('follow') === 'true' && !previous;
  const pump = (then: () => void) => {
    const size = statSync(file).size;
    if (size <= offset) return then();
    const s = createReadStream(file, { start: offset, end: size - 1 });
    offset = size;
    s.on('data', (d) => res.write(d));
    s.on('end', then);
  };
  if (!follow) return pump(() => res.end());
  const loop = () => {
    if (res.destroyed) return;
    pump(() => setTimeout(loop, 300));
  };
  loop();
}

export function startKubeletServer(
  opts: { port: number; host: string; cert: string; key: string; ca: string },
  view: KubeletView,
): https.Server {
  const server = https.createServer(
    { cert: opts.cert, key: opts.key, ca: opts.ca, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://kubelet');
      if (url.pathname === '/healthz') return void res.writeHead(200).end('ok');
      if (req.method === 'GET' && url.pathname.startsWith('/containerLogs/'))
        return containerLogs(view, url, res);
      res.writeHead(404).end('not found\n');
    },
  );
  server.listen(opts.port, opts.host);
  return server;
}

export interface FaultRequest {
  action: 'kill' | 'stop' | 'cont' | 'partition' | 'heal' | 'node-fail' | 'node-recover';
  namespace?: string;
  pod?: string;
  container?: string;
}

async function fault(view: KubeletView, f: FaultRequest): Promise<{ status: number; body: unknown }> {
  if (f.action === 'node-fail' || f.action === 'node-recover') {
    await view.setNodeFailed(f.action === 'node-fail');
    return { status: 200, body: { ok: true } };
  }
  const w = view.worker(f.namespace ?? 'default', f.pod ?? '');
  if (!w) return { status: 404, body: { error: `pod ${f.namespace}/${f.pod} is not on this node` } };
  if (f.action === 'partition' || f.action === 'heal') {
    w.setLink(f.action === 'heal');
    return { status: 200, body: { ok: true } };
  }
  const targets = w.containers().filter((c) => !f.container || c.spec.name === f.container);
  const sig = f.action === 'kill' ? 'SIGKILL' : f.action === 'stop' ? 'SIGSTOP' : 'SIGCONT';
  const hit = targets.filter((c) => c.signal(sig)).map((c) => c.spec.name);
  if (hit.length === 0) return { status: 409, body: { error: 'no running container matched' } };
  return { status: 200, body: { ok: true, containers: hit } };
}

export function startAdminServer(port: number, view: KubeletView): http.Server {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) =>
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && req.url === '/pods') {
      return reply(
        200,
        view.workers().map((w) => ({
          namespace: w.pod.metadata.namespace,
          name: w.pod.metadata.name,
          uid: w.pod.metadata.uid,
          ip: w.ip,
          netns: w.netns,
          linkUp: w.linkUp,
          containers: w
            .containers()
            .map((c) => ({ name: c.spec.name, pid: c.pid ?? null, restartCount: c.restartCount })),
        })),
      );
    }
    if (req.method === 'POST' && req.url === '/fault') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        let f: FaultRequest;
        try {
          f = JSON.parse(body) as FaultRequest;
        } catch {
          return reply(400, { error: 'body must be JSON' });
        }
        fault(view, f).then(
          (r) => reply(r.status, r.body),
          (e: unknown) => reply(500, { error: String(e) }),
        );
      });
      return;
    }
    reply(404, { error: 'not found' });
  });
  server.listen(port, '127.0.0.1');
  return server;
}

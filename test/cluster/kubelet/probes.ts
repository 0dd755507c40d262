// Container probes as kubelet runs them: exec (inside the container's namespaces and root, through
// nsenter), tcpSocket and httpGet (from the host to the pod IP, so a partitioned pod fails them), with
// initialDelaySeconds, periodSeconds, timeoutSeconds and success/failure thresholds.
import net from 'node:net';
import http from 'node:http';
import { execFile } from 'node:child_process';
import type { Container, Probe } from './types.js';

export type ProbeResult = { ok: boolean; message: string };

export function resolvePort(c: Container, port: number | string): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = c.ports?.find((x) => x.name === port);
  if (!p) throw new Error(`no port named ${port}`);
  return p.containerPort;
}

export function runProbeOnce(
  p: Probe,
  c: Container,
  podIp: string,
  pid: number,
  env?: Record<string, string>,
): Promise<ProbeResult> {
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  if (p.exec) {
    return new Promise((resolve) => {
      execFile(
        'nsenter',
        ['-t', String(pid), '-m', '-n', '-u', '-r', '-w', '--', ...p.exec!.command],
        { timeout: timeoutMs, killSignal: 'SIGKILL', env }, // with the container's environment, as kubelet runs exec probes
        (err, stdout, stderr) =>
          resolve(
            err
              ? {
                  ok: false,
                  message: `exec probe failed: ${(stderr || stdout || err.message).trim().slice(0, 200)}`,
                }
              : { ok: true, message: '' },
          ),
      );
    });
  }
  if (p.tcpSocket) {
    const port = resolvePort(c, p.tcpSocket.port);
    return new Promise((resolve) => {
      const s = net.connect({ host: p.tcpSocket!.host ?? podIp, port });
      const done = (r: ProbeResult) => {
        s.destroy();
        resolve(r);
      };
      s.setTimeout(timeoutMs, () => done({ ok: false, message: `dial tcp ${podIp}:${port}: i/o timeout` }));
      s.on('connect', () => done({ ok: true, message: '' }));
      s.on('error', (e) => done({ ok: false, message: `dial tcp ${podIp}:${port}: ${e.message}` }));
    });
  }
  if (p.httpGet) {
    const g = p.httpGet;
    const port = resolvePort(c, g.port);
    return new Promise((resolve) => {
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.34' };
      for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
      const req = http.get(
        { host: g.host ?? podIp, port, path: g.path ?? '/', headers, timeout: timeoutMs },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          resolve(
            code >= 200 && code < 400
              ? { ok: true, message: '' }
              : { ok: false, message: `HTTP probe failed with statuscode: ${code}` },
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
      req.on('error', (e) =>
        resolve({ ok: false, message: `Get "http://${podIp}:${port}${g.path ?? '/'}": ${e.message}` }),
      );
    });
  }
  return Promise.resolve({
    ok: false,
    message: 'unsupported probe handler (grpc is not supported by the process kubelet)',
  });
}

/**
 * Runs one probe periodically and reports transitions of its aggregated result (after the success or
 * failure threshold). The result before the first transition is false for readiness and startup
 * probes, true for liveness; a startup probe also reports false when it fails its threshold before any
 * success.
 */
export class ProbeWorker {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  result: boolean;
  lastMessage = '';

  constructor(
    private readonly probe: Probe,
    private readonly container: Container,
    private readonly target: () => { podIp: string; pid: number; env?: Record<string, string> } | undefined,
    private readonly kind: 'readiness' | 'liveness' | 'startup',
    private readonly onChange: (ok: boolean, message: string) => void,
  ) {
    this.result = kind === 'liveness';
  }

  start(): void {
    this.schedule((this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    const t = this.target();
    if (!t || this.stopped) return;
    const r = await runProbeOnce(this.probe, this.container, t.podIp, t.pid, t.env).catch((e: Error) => ({
      ok: false,
      message: e.message,
    }));
    if (this.stopped) return;
    if (r.ok) {
      this.successes++;
      this.failures = 0;
    } else {
      this.failures++;
      this.successes = 0;
      this.lastMessage = r.message;
    }
    const next =
      r.ok && !this.result && this.successes >= (this.probe.successThreshold ?? 1)
        ? true
        : !r.ok &&
            (this.result || this.kind === 'startup') &&
            this.failures >= (this.probe.failureThreshold ?? 3)
          ? false
          : undefined;
    if (next !== undefined) {
      this.result = next;
      this.onChange(next, r.message);
    }
    this.schedule((this.probe.periodSeconds ?? 10) * 1000);
  }
}

// /healthz (the process is alive and its loops turn) and /readyz (caches synced, able to reconcile).
import http from 'node:http';

export interface HealthState {
  alive(): boolean;
  ready(): boolean;
}

export function startHealthServer(port: number, state: HealthState): http.Server {
  const server = http.createServer((req, res) => {
    const ok = req.url === '/healthz' ? state.alive() : req.url === '/readyz' ? state.ready() : undefined;
    if (ok === undefined) return void res.writeHead(404).end('not found\n');
    res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
  });
  server.listen(port);
  return server;
}

// tsredis-operator: reconciles RedisReplication resources. Runs in-cluster with its ServiceAccount
// (or with $KUBECONFIG outside a cluster). Health on :8081 (/healthz, /readyz). SIGTERM finishes the
// reconciles in flight, then exits.
import { Kube } from './runtime/kube.js';
import { createLogger } from './runtime/log.js';
import { startHealthServer } from './runtime/health.js';
import { Reconciler } from './controller/reconciler.js';
import { Manager } from './controller/manager.js';

const log = createLogger();
const kube = new Kube();
const watchNamespace = process.env.WATCH_NAMESPACE || undefined;
// The reconciler's master monitor re-queues a CR the moment its master is declared down.
const reconciler = new Reconciler(kube, log, (key) => manager.queue.add(key));
const manager: Manager = new Manager(kube, log, reconciler, watchNamespace);
const health = startHealthServer(Number(process.env.HEALTH_PORT ?? 8081), {
  alive: () => true,
  ready: () => manager.ready,
});

log.info('starting', { server: kube.kc.getCurrentCluster()?.server, namespace: watchNamespace ?? '(all)' });
await manager.start();

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('shutting down', { signal });
  await manager.stop();
  reconciler.monitor.stop();
  health.close();
  log.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

// tsredis-operator: reconciles RedisReplication resources. Runs in-cluster with its ServiceAccount
// (or with $KUBECONFIG outside a cluster). Several replicas elect a leader on a Lease; only the leader
// reconciles, and it labels its pod tsredis.dev/operator-leader=true so the Sentinel Service reaches it.
// Every pod serves the Sentinel-compatible endpoint (:26379): the leader from its reconciles, a standby
// from the RedisReplications' status; each lists the others as its peer Sentinels. Health on :8081
// (/healthz, /readyz), metrics on :8080 (/metrics). SIGTERM finishes the reconciles in flight,
// releases the Lease, then exits.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { Kube } from './runtime/kube.js';
import { createLogger } from './runtime/log.js';
import { startHealthServer } from './runtime/health.js';
import { LeaderElector } from './runtime/leader.js';
import { Metrics, startMetricsServer } from './runtime/metrics.js';
import { Reconciler } from './controller/reconciler.js';
import { Manager } from './controller/manager.js';
import { SentinelRegistry } from './sentinel/registry.js';
import { startSentinelServer } from './sentinel/server.js';
import { SentinelSources } from './sentinel/standby.js';
import { sentinelId } from './sentinel/from-status.js';

const LEADER_LABEL = 'tsredis.dev/operator-leader';
const log = createLogger();
const kube = new Kube();
const watchNamespace = process.env.WATCH_NAMESPACE || undefined;
const podName = process.env.POD_NAME;
const podNamespace = process.env.POD_NAMESPACE;
const metrics = new Metrics();
const sentinel = new SentinelRegistry();
// The reconciler's master monitor re-queues a CR the moment its master is declared down.
const reconciler = new Reconciler(kube, log, (key) => manager.queue.add(key), sentinel, metrics);
const manager: Manager = new Manager(kube, log, reconciler, watchNamespace, metrics);
let leading = false;
const sentinelPort = Number(process.env.SENTINEL_PORT ?? 26379);
const sentinelSources = new SentinelSources({
  kube,
  log,
  registry: sentinel,
  namespace: podNamespace,
  podName,
  podSelector: process.env.OPERATOR_POD_SELECTOR || undefined,
  sentinelPort,
  watchNamespace,
  leading: () => leading,
});
// SENTINEL_ENABLED=false (Helm's sentinel.enabled: false): no endpoint at all.
const sentinelServer: net.Server | undefined =
  process.env.SENTINEL_ENABLED === 'false'
    ? undefined
    : startSentinelServer(sentinelPort, sentinel, {
        myId: sentinelId(process.env.POD_UID || randomBytes(16).toString('hex')),
        peers: () => sentinelSources.peers(),
        password: process.env.SENTINEL_PASSWORD ?? '',
      });
if (sentinelServer) sentinelSources.start();

async function labelSelf(leader: boolean): Promise<void> {
  if (!podName || !podNamespace) return;
  await kube
    .patchPodLabels(podNamespace, podName, { [LEADER_LABEL]: String(leader) })
    .catch((e: unknown) => log.warn('could not label the operator pod', { error: String(e) }));
}

async function lead(): Promise<void> {
  leading = true;
  metrics.set('tsredis_operator_leader', {}, 1);
  await manager.start();
  await labelSelf(true);
}

const health = startHealthServer(Number(process.env.HEALTH_PORT ?? 8081), {
  // Alive while no reconcile has hung (one that never finishes holds its RedisReplication forever).
  alive: () => manager.healthy,
  // A standby is ready too (it is healthy and waiting); the leader once its watches have synced.
  ready: () => !leading || manager.ready,
});
const metricsServer = startMetricsServer(Number(process.env.METRICS_PORT ?? 8080), metrics);
metrics.set('tsredis_operator_leader', {}, 0);

const elect = process.env.LEADER_ELECTION !== 'false' && podNamespace !== undefined;
const elector = elect
  ? // Lease requests time out well within the lease duration, so a renewal never hangs past it.
    new LeaderElector(kube.client(k8s.CoordinationV1Api, 1500), {
      namespace: podNamespace,
      name: 'tsredis-operator-leader',
      // Unique per process (like client-go's hostname_uuid): a restarted pod is a new candidate.
      identity: `${podName ?? os.hostname()}_${randomBytes(6).toString('hex')}`,
      leaseDurationSeconds: 4,
      renewMs: 1000,
      onStartedLeading: () => void lead(),
      // Never keep acting without the Lease: exit, and come back as a candidate.
      onStoppedLeading: () => {
        log.error('lost leadership; exiting');
        process.exit(1);
      },
      log: (msg, extra) => log.info(msg, extra),
    })
  : undefined;

// A hung reconcile holds its RedisReplication's key forever (no failover for it again): exit, handing
// the Lease over first, so that a standby (or this pod, restarted) takes over with a fresh state.
manager.onHung = () => {
  const exit = () => process.exit(1);
  setTimeout(exit, 2000).unref();
  void (elector?.stop() ?? Promise.resolve()).finally(exit);
};

log.info('starting', {
  server: kube.kc.getCurrentCluster()?.server,
  namespace: watchNamespace ?? '(all)',
  leaderElection: elect,
});
if (elector) {
  await labelSelf(false);
  elector.start();
} else await lead();

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('shutting down', { signal });
  if (leading) await manager.stop();
  reconciler.monitor.stop();
  await elector?.stop();
  health.close();
  metricsServer.close();
  sentinelSources.stop();
  sentinelServer?.close();
  log.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

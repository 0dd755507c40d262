// Sentinel client program for node-redis 5 (owned by test/sentinel-clients/): writes through
// createSentinel({ name, sentinelRootNodes }) and reads through a second createSentinel with
// replicaPoolSize 1, whose read-only commands go to a replica (sendCommand(true, ...) sends a write there
// too, to see READONLY). Run: node dist/test/sentinel-clients/node-redis.js --sentinel host:port ...
// The contract is in test/sentinel-clients/README.md; common.ts implements it.
import { createRequire } from 'node:module';
import { createSentinel } from 'redis';
import { errorMessage, parseOptions, run } from './common.js';

const opts = parseOptions();
const { version } = createRequire(import.meta.url)('redis/package.json') as { version: string };

function sentinelFor(replicaPoolSize: number) {
  return createSentinel({
    name: opts.name,
    sentinelRootNodes: opts.sentinels,
    replicaPoolSize,
    masterPoolSize: 1,
    nodeClientOptions: {
      ...(opts.password ? { password: opts.password } : {}),
      // Connect and reconnect quickly; a command on a client that is not ready makes the sentinel object
      // re-observe the topology (SENTINEL MASTER/REPLICAS/SENTINELS) before it retries the command.
      socket: {
        connectTimeout: 1000,
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500),
      },
    },
    sentinelClientOptions: { socket: { connectTimeout: 1000 } },
  }).on('error', (err: unknown) => console.error(`node-redis sentinel error: ${errorMessage(err)}`));
}

const master = sentinelFor(0);
const replicas = sentinelFor(1);
if (process.env.SENTINEL_CLIENT_TRACE) {
  // node-redis's own topology trace (observe / analyze / transform steps), to stderr with a timestamp.
  const tracer: string[] = [];
  tracer.push = (...msgs: string[]) => {
    for (const m of msgs) process.stderr.write(`${new Date().toISOString()} node-redis trace: ${m}\n`);
    return 0;
  };
  master.setTracer(tracer);
}
const masterCmd = master.withCommandOptions({ timeout: 1000 });
const replicaCmd = replicas.withCommandOptions({ timeout: 1000 });

await run(opts, {
  lib: `node-redis ${version}`,
  async connect() {
    await Promise.all([master.connect(), replicas.connect()]);
  },
  async setOnMaster(key, value) {
    await masterCmd.set(key, value);
  },
  async getOnReplica(key) {
    return await replicaCmd.get(key);
  },
  async setOnReplica(key, value) {
    // isReadonly = true routes the command to a replica client, as a GET would be.
    await replicas.sendCommand(true, ['SET', key, value]);
  },
  async closeReplica() {
    await replicas.destroy();
  },
});

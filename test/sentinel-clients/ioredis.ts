// Sentinel client program for ioredis 5 (owned by test/sentinel-clients/): writes through
// new Redis({ sentinels, name }) (role master) and reads through new Redis({ sentinels, name, role: 'slave' }).
// Run: node dist/test/sentinel-clients/ioredis.js --sentinel host:port ...
// The contract is in test/sentinel-clients/README.md; common.ts implements it.
import { createRequire } from 'node:module';
import { Redis, type RedisOptions } from 'ioredis';
import { errorMessage, parseOptions, run } from './common.js';

const opts = parseOptions();
const { version } = createRequire(import.meta.url)('ioredis/package.json') as { version: string };

function client(role: 'master' | 'slave'): Redis {
  const options: RedisOptions = {
    sentinels: opts.sentinels,
    name: opts.name,
    role,
    ...(opts.password ? { password: opts.password } : {}),
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 1000,
    // Each reconnect asks the sentinels again (SENTINEL get-master-addr-by-name, or SENTINEL slaves for the
    // replica client) and checks the node's role with INFO before the connection is ready.
    retryStrategy: (times: number) => Math.min(times * 50, 500),
    maxRetriesPerRequest: 3,
    // Documented opt-ins: SUBSCRIBE +switch-master on the sentinels to reconnect at once on a failover,
    // and reconnect on READONLY (a demoted master that is still up).
    failoverDetector: true,
    reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
  };
  const c = new Redis(options);
  c.on('error', (err: unknown) => console.error(`ioredis ${role} error: ${errorMessage(err)}`));
  return c;
}

const master = client('master');
const replica = client('slave');

await run(opts, {
  lib: `ioredis ${version}`,
  async connect() {
    await Promise.all([master.connect(), replica.connect()]);
  },
  async setOnMaster(key, value) {
    await master.set(key, value);
  },
  async getOnReplica(key) {
    return await replica.get(key);
  },
  async setOnReplica(key, value) {
    await replica.set(key, value);
  },
  async closeReplica() {
    replica.disconnect();
  },
});

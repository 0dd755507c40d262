// Assembles a tsredis node from a config: server, command table, persistence, cron. Used by main.ts and
// by tests that run a node in-process.
import type { Config } from './config/table.js';
import { Server } from './server/server.js';
import { allCommands } from './server/registry.js';
import { encodingLimits } from './commands/keyspace.js';

export async function startNode(config: Config): Promise<Server> {
  const server = new Server(config);
  server.register(allCommands());
  encodingLimits.get = () => ({
    hashMaxListpackEntries: config.getInt('hash-max-listpack-entries'),
    hashMaxListpackValue: config.getInt('hash-max-listpack-value'),
    setMaxIntsetEntries: config.getInt('set-max-intset-entries'),
    zsetMaxListpackEntries: config.getInt('zset-max-listpack-entries'),
    zsetMaxListpackValue: config.getInt('zset-max-listpack-value'),
  });
  if (config.getBool('appendonly')) {
    server.log.warning('appendonly yes is accepted but AOF is not supported by tsredis: only RDB snapshots persist data.');
  }
  await server.listen();
  server.startCron();
  return server;
}

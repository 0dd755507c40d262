// tsredis-server entry point: `tsredis-server [/path/to/redis.conf] [--directive value ...]`.
import { loadConfig, FatalConfigError } from './config/file.js';
import { startNode } from './node.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--version' || args[0] === '-v') {
    process.stdout.write('tsredis-server v=0.1.0 (Redis 7.0.15 compatible)\n');
    return;
  }
  let config;
  try {
    config = loadConfig(args);
  } catch (e) {
    if (e instanceof FatalConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const { server } = await startNode(config).catch((e: Error) => {
    process.stderr.write(`Failed starting tsredis-server: ${e.message}\n`);
    process.exit(1);
  });
  server.log.notice(
    `tsredis-server 0.1.0 (Redis 7.0.15 compatible), pid=${process.pid}, port=${server.boundPort()}`,
  );
  server.log.notice('Ready to accept connections');
  const onSignal = (sig: string): void => {
    server.log.warning(`Received ${sig} scheduling shutdown...`);
    server.shutdown(null, sig).catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

void main();

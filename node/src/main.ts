// tsredis-server entry point: `tsredis-server [/path/to/redis.conf] [--directive value ...]`.
import { loadConfig, FatalConfigError } from './config/file.js';
import { startNode } from './node.js';
import { renderProcTitle } from './config/proc-title.js';
import * as fs from 'node:fs';
import type { Config } from './config/table.js';
import type { Server } from './server/server.js';

/** Rewrites the process title as redis-server does (set-proc-title), hiding the command line. */
function setProcTitle(c: Config, boundPort: number): void {
  if (!c.getBool('set-proc-title')) return;
  const bind = c
    .get('bind')
    .split(/\s+/)
    .filter((b) => b !== '');
  const port = boundPort;
  const first = bind.length === 0 ? '*' : bind[0].replace(/^-/, '');
  const title = renderProcTitle(c.get('proc-title-template'), {
    title: 'tsredis-server',
    'listen-addr': port !== 0 ? `${first}:${port}` : c.get('unixsocket'),
    'server-mode': '',
    port: String(port),
    'tls-port': '0',
    unixsocket: c.get('unixsocket'),
    'config-file': c.configFile ?? '',
  });
  if (title !== null) process.title = title;
}

/** pidfile: written once listening, removed at exit, as redis-server does. */
function writePidfile(file: string, server: Server): void {
  if (file === '') return;
  try {
    fs.writeFileSync(file, `${process.pid}\n`);
  } catch (e) {
    server.log.warning(`Failed to write PID file: ${(e as Error).message}`);
    return;
  }
  process.on('exit', () => fs.rmSync(file, { force: true }));
}

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
  // At once, before anything is loaded: from here on `ps` no longer shows the command line.
  setProcTitle(config, config.getInt('port'));
  const { server } = await startNode(config).catch((e: Error) => {
    process.stderr.write(`Failed starting tsredis-server: ${e.message}\n`);
    process.exit(1);
  });
  server.log.notice(
    `tsredis-server 0.1.0 (Redis 7.0.15 compatible), pid=${process.pid}, port=${server.boundPort()}`,
  );
  setProcTitle(config, server.boundPort());
  writePidfile(config.get('pidfile'), server);
  config.onChange((name) => {
    if (name === 'proc-title-template') setProcTitle(config, server.boundPort());
  });
  server.log.notice('Ready to accept connections');
  const onSignal = (sig: string): void => {
    server.log.warning(`Received ${sig} scheduling shutdown...`);
    server.shutdown(null, sig).catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

void main();

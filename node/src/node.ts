// Assembles a tsredis node from a config: server, command table, persistence (RDB load at start,
// save points), replication, cron. Used by main.ts and by tests that run a node in-process.
import type { Config } from './config/table.js';
import { Server } from './server/server.js';
import { allCommands } from './server/registry.js';
import { expiryPolicy } from './commands/keyspace.js';
import { compactLimits } from './store/encoding-limits.js';
import { streamLimits } from './store/stream.js';
import { PersistenceManager } from './persistence/manager.js';
import { AofManager } from './persistence/aof.js';
import { AofCommandEncoder } from './persistence/aof-rewrite.js';
import { Replication } from './replication/replication.js';
import { replicationCommands } from './replication/commands.js';
import { installDiagnostics } from './commands/diagnostics.js';
import { ScriptRunner } from './scripting/runner.js';
import { EvalScripts } from './scripting/eval.js';
import { FunctionLibraries } from './scripting/functions.js';

export interface Node {
  server: Server;
  persistence: PersistenceManager;
  aof: AofManager;
  replication: Replication;
}

/** The compact encodings' thresholds follow the config, at start and on every CONFIG SET. */
function followEncodingLimits(config: Config): void {
  const sync = (): void => {
    compactLimits.hashMaxListpackEntries = config.getInt('hash-max-listpack-entries');
    compactLimits.hashMaxListpackValue = config.getInt('hash-max-listpack-value');
    compactLimits.setMaxIntsetEntries = config.getInt('set-max-intset-entries');
    compactLimits.zsetMaxListpackEntries = config.getInt('zset-max-listpack-entries');
    compactLimits.zsetMaxListpackValue = config.getInt('zset-max-listpack-value');
    compactLimits.listMaxListpackSize = config.getInt('list-max-listpack-size');
    streamLimits.nodeMaxBytes = config.getInt('stream-node-max-bytes');
    streamLimits.nodeMaxEntries = config.getInt('stream-node-max-entries');
  };
  sync();
  config.onChange((name) => {
    if (/^(hash|set|zset|list)-max-|^stream-node-max-/.test(name)) sync();
  });
}

export async function startNode(config: Config): Promise<Node> {
  const server = new Server(config);
  server.register(allCommands());
  installDiagnostics(server);
  const runner = new ScriptRunner(server);
  const evalScripts = new EvalScripts(server, runner);
  const functions = new FunctionLibraries(server, runner);
  server.register(evalScripts.commands());
  server.register(functions.commands());
  server.scriptingMemory = () => {
    const f = functions.sizes();
    return {
      vmEval: runner.vm.memoryBytes(),
      vmFunctions: runner.fvm.memoryBytes(),
      cachedScripts: evalScripts.scripts.size,
      scriptsBytes: evalScripts.bodyBytes,
      libraries: f.libraries,
      functions: f.functions,
      functionsBytes: f.bytes,
    };
  };
  followEncodingLimits(config);
  expiryPolicy.deleteOnPastExpire = () => !server.replicaMode;
  const persistence = new PersistenceManager(server);
  server.persistence = persistence;
  const aof = new AofManager(server, {
    aofSnapshot: (enc, sink) => persistence.aofSnapshot(enc, sink),
    aofSnapshotSync: (enc, sink) => persistence.aofSnapshotSync(enc, sink),
    busy: () => persistence.busy(),
    baseRdbEncoder: () => persistence.baseRdbEncoder(),
    baseCommandEncoder: () =>
      new AofCommandEncoder({
        functions: server.functionLibraries(),
        timestampSec: config.getBool('aof-timestamp-enabled') ? Math.floor(Date.now() / 1000) : undefined,
      }),
    afterAofRewrite: () => persistence.afterAofRewrite(),
  });
  persistence.aofInfo = () => aof.infoLines();
  persistence.fullSyncLoad = (phase) => aof.onFullSyncLoad(phase);
  server.register(aof.commands());
  const replication = new Replication(server, persistence, persistence);
  server.register(replicationCommands(replication));
  persistence.replAux = () => ({
    replId: replication.state.replid,
    replOffset: replication.state.offset,
    streamDb: server.replicaMode
      ? (replication.replica?.masterClient?.db.id ?? replication.replica?.streamDb ?? 0)
      : Math.max(0, replication.master.seldb),
  });
  const willReplicate = config.get('replicaof') !== '';
  if (willReplicate) server.replicaMode = true;
  // used_memory_startup: the heap before any data is loaded or served.
  const heap = process.memoryUsage();
  server.memory.startup = heap.heapUsed + heap.external;
  // With appendonly yes the AOF is the dataset (Redis then does not read the RDB); its #REPL:
  // annotations give the replication position as an RDB's AUX fields do.
  const fromAof = aof.loadAtStart();
  const aux = config.getBool('appendonly')
    ? {
        replId: fromAof.position?.replId ?? null,
        replOffset: fromAof.position?.offset ?? null,
        streamDb: fromAof.position?.streamDb ?? 0,
      }
    : persistence.loadAtStart();
  aof.replPosition = () => {
    const a = persistence.replAux();
    return a === null ? null : { replId: a.replId, offset: a.replOffset, streamDb: a.streamDb };
  };
  if (aux !== null && aux.replId !== null && aux.replOffset !== null) {
    // Continue the replication history the RDB was part of, so a restart can partially resync.
    replication.state.replid = aux.replId;
    replication.state.offset = aux.replOffset;
    replication.loadedHistory = true;
    replication.loadedStreamDb = aux.streamDb;
    if (!willReplicate) replication.state.ensureBacklog(config.getInt('repl-backlog-size'));
  }
  server.shutdownHooks.push(async () => aof.onShutdown());
  server.shutdownHooks.push(async () => replication.stop());
  await server.listen();
  server.startCron();
  if (willReplicate) server.replicaMode = false; // setMaster() sets it again and connects
  replication.start();
  return { server, persistence, aof, replication };
}

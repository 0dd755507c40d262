// Writes docs/compatibility.md: which redis-server 7.0 commands and subcommands tsredis leaves out and
// why, with the counts, and where the dispatcher's own specs differ from Redis's table. It reads
// node/src/server/redis-command-table.ts and the table of a tsredis node started in-process (what
// COMMAND LIST shows). test/command-table.test.ts fails when the file is not what this writes now; run
//   npm run build && node dist/test/tools/compat-doc.js
// to rewrite it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../node/src/config/file.js';
import { startNode } from '../../node/src/node.js';
import type { Server } from '../../node/src/server/server.js';
import type { CommandSpec } from '../../node/src/server/command.js';
import { REDIS_COMMANDS, REDIS_TABLE_VERSION } from '../../node/src/server/redis-command-table.js';
import { redisCommand, shownCommands } from '../../node/src/commands/command-info.js';
import { tmpDir } from '../helpers/procs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DOC_FILE = path.resolve(here, '../../../docs/compatibility.md');

type Why = 'cluster' | 'module' | 'acl' | 'todo';

const CLUSTER = 'Redis Cluster only: tsredis nodes run standalone (the operator manages replication)';
const TRACKING = 'not yet implemented: client-side caching (CLIENT TRACKING and its companions)';

/** Why each left-out command is left out; a subcommand inherits its parent's reason. */
const REASONS: Record<string, [Why, string]> = {
  cluster: ['cluster', CLUSTER],
  asking: ['cluster', CLUSTER],
  readonly: ['cluster', CLUSTER],
  readwrite: ['cluster', CLUSTER],
  'restore-asking': ['cluster', `${CLUSTER}; the RESTORE that cluster slot migration sends`],
  module: ['module', 'no module API: tsredis cannot load Redis modules'],
  acl: [
    'acl',
    'only the default user (requirepass / AUTH / HELLO AUTH): ACL users, rules and log are not implemented',
  ],
  bgrewriteaof: ['todo', 'no AOF: only RDB persists (docs/persistence.md)'],
  failover: ['todo', 'not implemented: the operator orchestrates switchovers (docs/replication.md)'],
  lolwut: ['todo', 'not implemented'],
  migrate: ['todo', 'not yet implemented: MIGRATE (a client connection to another node)'],
  geo: ['todo', 'not yet implemented: the geospatial commands (GEOADD ... GEOSEARCHSTORE)'],
  pf: ['todo', 'not yet implemented: HyperLogLog (PFADD, PFCOUNT, PFMERGE; in progress)'],
  spublish: ['todo', 'not yet implemented: sharded pub/sub (in progress)'],
  ssubscribe: ['todo', 'not yet implemented: sharded pub/sub (in progress)'],
  sunsubscribe: ['todo', 'not yet implemented: sharded pub/sub (in progress)'],
  'client|caching': ['todo', TRACKING],
  'client|getredir': ['todo', TRACKING],
  'client|tracking': ['todo', TRACKING],
  'client|trackinginfo': ['todo', TRACKING],
  xgroup: ['todo', 'not yet implemented: stream consumer groups (in progress)'],
  xinfo: ['todo', 'not yet implemented: stream consumer groups (in progress)'],
};

/** The reason for name: its own, its parent's, or its family's (GEO..., PF...). */
export function reasonFor(name: string): [Why, string] | undefined {
  const parent = name.split('|')[0];
  const family = /^(geo|pf)/.exec(parent)?.[1];
  return REASONS[name] ?? REASONS[parent] ?? (family === undefined ? undefined : REASONS[family]);
}

/** The Redis flags a CommandSpec can carry (node/src/server/command.ts's CommandFlag). */
const SPEC_FLAGS = new Set([
  'write',
  'readonly',
  'denyoom',
  'admin',
  'pubsub',
  'noscript',
  'blocking',
  'loading',
  'stale',
  'skip_monitor',
  'fast',
  'no_auth',
  'may_replicate',
  'no_multi',
  'allow_busy',
]);

/** What the dispatcher compares with Redis: the flags both know (not tsredis's 'protected'). */
function dispatchFlags(spec: CommandSpec): string[] {
  return spec.flags.filter((f) => f !== 'protected');
}

function specDifference(spec: CommandSpec, full: string): string | null {
  const d = redisCommand(full);
  if (d === undefined) return `\`${full}\`: not a redis-server ${REDIS_TABLE_VERSION} command`;
  const out: string[] = [];
  if (d.arity !== spec.arity) out.push(`arity ${spec.arity} (Redis ${d.arity})`);
  const ours = dispatchFlags(spec);
  const extra = ours.filter((f) => !d.flags.includes(f));
  const missing = d.flags.filter((f) => SPEC_FLAGS.has(f) && !ours.includes(f));
  if (extra.length > 0) out.push(`flags also ${extra.join(', ')}`);
  if (missing.length > 0) out.push(`flags lack ${missing.join(', ')}`);
  const r = d.range;
  if (!full.includes('|') && d.subcommands === undefined) {
    if (r[0] !== spec.firstKey || r[1] !== spec.lastKey || r[2] !== spec.step)
      out.push(`keys ${spec.firstKey},${spec.lastKey},${spec.step} (Redis ${r.join(',')})`);
  }
  return out.length === 0 ? null : `\`${full}\`: ${out.join('; ')}`;
}

/** Every difference between a registered spec and Redis's facts for it. */
export function specDifferences(s: Server): string[] {
  const out: string[] = [];
  for (const spec of s.commands.values()) {
    const top = specDifference(spec, spec.name);
    if (top !== null) out.push(top);
    for (const sub of spec.subcommands ?? []) {
      const d = specDifference(sub, `${spec.name}|${sub.name}`);
      if (d !== null) out.push(d);
    }
  }
  return out.sort();
}

export interface NodeTable {
  /** What COMMAND LIST shows. */
  shown: string[];
  differences: string[];
}

/** Starts a node in-process (loopback, free port, no save points), reads its table and stops it. */
export async function readNodeTable(): Promise<NodeTable> {
  const dir = tmpDir('tsredis-compat-');
  const args = ['--port', '0', '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  const config = loadConfig([...args, '--logfile', path.join(dir, 'log')]);
  const { server } = await startNode(config);
  try {
    return { shown: shownCommands(server).map((d) => d.name), differences: specDifferences(server) };
  } finally {
    for (const h of server.shutdownHooks) await h(false);
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const TITLES: Record<Why, string> = {
  cluster: 'Cluster-only (not counted in the target)',
  module: 'Modules (not counted in the target)',
  acl: 'ACL beyond the default user',
  todo: 'Not implemented (yet)',
};

interface Counts {
  top: number;
  subs: number;
}

function count(names: readonly string[]): Counts {
  const subs = names.filter((n) => n.includes('|')).length;
  return { top: names.length - subs, subs };
}

/** One row of a "left out" table: the names (a whole container counts its subcommands) and why. */
interface Row {
  names: string[];
  commands: number;
  subs: number;
  why: string;
}

/** `CLIENT TRACKING` for client|tracking; a whole container with its count of subcommands. */
function label(name: string, subs: number): string {
  const shown = `\`${name.toUpperCase().replace('|', ' ')}\``;
  return subs > 0 ? `${shown} (and its ${subs} subcommands)` : shown;
}

/** The left-out commands by kind of reason; rows of one reason are merged. */
function leftOut(shown: ReadonlySet<string>): Map<Why, Row[]> {
  const out = new Map<Why, Row[]>();
  const add = (kind: Why, why: string, name: string, subs: number): void => {
    const rows = out.get(kind) ?? [];
    let row = rows.find((r) => r.why === why);
    if (row === undefined) {
      row = { names: [], commands: 0, subs: 0, why };
      rows.push(row);
    }
    row.names.push(label(name, subs));
    if (name.includes('|')) row.subs++;
    else row.commands++;
    row.subs += subs;
    out.set(kind, rows);
  };
  for (const c of REDIS_COMMANDS) {
    const whole = !shown.has(c.name);
    const parts = whole ? [c] : (c.subcommands ?? []).filter((d) => !shown.has(d.name));
    for (const d of parts) {
      const r = reasonFor(d.name);
      if (r === undefined) throw new Error(`${d.name} is left out without a reason: add it to REASONS`);
      add(r[0], r[1], d.name, whole ? (c.subcommands ?? []).length : 0);
    }
  }
  return out;
}

function section(kind: Why, rows: Row[]): string[] {
  const commands = rows.reduce((n, r) => n + r.commands, 0);
  const subs = rows.reduce((n, r) => n + r.subs, 0);
  const lines = [`### ${TITLES[kind]}: ${commands} commands, ${subs} subcommands`, ''];
  lines.push('| commands | why |', '| --- | --- |');
  for (const r of rows) lines.push(`| ${r.names.join(', ')} | ${r.why} |`);
  return [...lines, ''];
}

export function renderDoc(t: NodeTable): string {
  const shown = new Set(t.shown);
  const all = REDIS_COMMANDS.flatMap((c) => [c.name, ...(c.subcommands ?? []).map((s) => s.name)]);
  const gaps = leftOut(shown);
  const redis = count(all);
  const outside = (n: string): boolean => ['cluster', 'module'].includes(reasonFor(n)?.[0] ?? '');
  const target = count(all.filter((n) => shown.has(n) || !outside(n)));
  const ours = count(t.shown);
  const v = REDIS_TABLE_VERSION;
  const lines = [
    `# Command compatibility with redis-server ${v}`,
    '',
    'Generated by `test/tools/compat-doc.ts` (do not edit by hand): `npm run build && node',
    'dist/test/tools/compat-doc.js` rewrites it, and `test/command-table.test.ts` (run by `npm test`)',
    'fails when it is not current. It compares the command table of redis-server, as its COMMAND INFO and',
    'COMMAND DOCS report it (`node/src/server/redis-command-table.ts`, written by',
    '`test/tools/command-table.ts`), with the commands a tsredis node registers.',
    '',
    'COMMAND, COMMAND INFO, DOCS, COUNT, LIST, GETKEYS and GETKEYSANDFLAGS answer from that table, as',
    'redis-server does, for the commands and subcommands tsredis implements only; the test compares their',
    'replies with redis-server byte for byte. Cluster-only and module commands are outside the target.',
    '',
    '## Counts',
    '',
    `| | redis-server ${v} | target | tsredis |`,
    '| --- | --- | --- | --- |',
    `| commands (COMMAND COUNT) | ${redis.top} | ${target.top} | ${ours.top} |`,
    `| subcommands | ${redis.subs} | ${target.subs} | ${ours.subs} |`,
    '',
    `Left out: ${all.length - t.shown.length} of ${all.length} commands and subcommands.`,
    '',
    '## Left out, and why',
    '',
  ];
  for (const why of ['cluster', 'module', 'acl', 'todo'] as const) {
    const rows = gaps.get(why);
    if (rows !== undefined) lines.push(...section(why, rows));
  }
  lines.push(
    '## Where the dispatcher differs from the table',
    '',
    "COMMAND shows Redis's facts; the dispatcher checks arity and flags from tsredis's own specs",
    '(`node/src/server/command.ts`). Subcommands that one handler dispatches (CLIENT, OBJECT, PUBSUB)',
    'have no spec: the dispatcher takes their arities from the table. Differences:',
    '',
  );
  if (t.differences.length === 0) lines.push('None.');
  else for (const d of t.differences) lines.push(`- ${d}`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const table = await readNodeTable();
  fs.writeFileSync(DOC_FILE, renderDoc(table));
  console.log(`wrote ${DOC_FILE}`);
  process.exit(0);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: Error) => {
    console.error(e.stack ?? String(e));
    process.exit(1);
  });
}

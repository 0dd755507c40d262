// Generates node/src/server/redis-command-table.ts: every command and subcommand of a running
// redis-server 7.0 as COMMAND INFO and COMMAND DOCS report them (arity, flags, ACL categories, tips, key
// specs, docs), as a typed constant that tsc ships into dist/node. Run by hand when the reference changes:
//   npm run build && node dist/test/tools/command-table.js [--port <port of a running redis-server>]
// Without --port it starts Debian's redis-server on a free loopback port and stops it afterwards.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { startRedis, type RunningServer } from '../helpers/procs.js';
import { Conn, type Node } from '../helpers/raw-resp.js';
import { int, items, pairs, text, texts } from './resp-tree.js';
import { ARG_KEYS } from '../../node/src/commands/command-info.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/tools -> the repository root. */
export const REPO_ROOT = path.resolve(here, '../../..');
export const TABLE_FILE = path.join(REPO_ROOT, 'node/src/server/redis-command-table.ts');

/** The JSON shape of one command as the generator writes it (the module's RedisCommand). */
interface Json {
  [k: string]: unknown;
}

/** Keys of a docs map and of an argument map, in the order redis-server 7.0 writes them. */
export const DOC_KEYS = [
  'summary',
  'since',
  'group',
  'complexity',
  'doc_flags',
  'deprecated_since',
  'replaced_by',
  'history',
  'arguments',
  'subcommands',
];

/** Throws unless the keys seen come in the order of `known` (a subsequence of it). */
function checkOrder(seen: readonly string[], known: readonly string[], where: string): void {
  let at = -1;
  for (const k of seen) {
    const i = known.indexOf(k);
    if (i <= at) throw new Error(`${where}: unexpected key order or key ${JSON.stringify(seen)}`);
    at = i;
  }
}

function statuses(n: Node, where: string): string[] {
  for (const x of items(n)) if (x.t !== '+') throw new Error(`${where}: expected simple strings`);
  return texts(n);
}

function beginSearch(n: Node): unknown[] {
  const m = new Map(pairs(n));
  const type = text(m.get('type') as Node);
  const spec = new Map(pairs(m.get('spec') as Node));
  if (type === 'index') return ['index', int(spec.get('index') as Node)];
  if (type === 'keyword')
    return ['keyword', text(spec.get('keyword') as Node), int(spec.get('startfrom') as Node)];
  if (type === 'unknown' && spec.size === 0) return ['unknown'];
  throw new Error(`unknown begin_search ${type}`);
}

function findKeys(n: Node): unknown[] {
  const m = new Map(pairs(n));
  const type = text(m.get('type') as Node);
  const s = new Map(pairs(m.get('spec') as Node));
  const at = (k: string): number => int(s.get(k) as Node);
  if (type === 'range') return ['range', at('lastkey'), at('keystep'), at('limit')];
  if (type === 'keynum') return ['keynum', at('keynumidx'), at('firstkey'), at('keystep')];
  if (type === 'unknown' && s.size === 0) return ['unknown'];
  throw new Error(`unknown find_keys ${type}`);
}

function keySpec(n: Node, where: string): Json {
  const p = pairs(n);
  checkOrder(
    p.map(([k]) => k),
    ['notes', 'flags', 'begin_search', 'find_keys'],
    where,
  );
  const m = new Map(p);
  const out: Json = {};
  if (m.has('notes')) out.notes = text(m.get('notes') as Node);
  out.flags = statuses(m.get('flags') as Node, where);
  out.bs = beginSearch(m.get('begin_search') as Node);
  out.fk = findKeys(m.get('find_keys') as Node);
  return out;
}

function arg(n: Node, where: string): Json {
  const p = pairs(n);
  checkOrder(
    p.map(([k]) => k),
    ARG_KEYS,
    where,
  );
  const out: Json = {};
  for (const [k, v] of p) {
    if (k === 'key_spec_index') out[k] = int(v);
    else if (k === 'flags') out[k] = statuses(v, where);
    else if (k === 'arguments') out[k] = items(v).map((a) => arg(a, where));
    else out[k] = text(v);
  }
  return out;
}

function docs(n: Node, where: string): Json {
  const p = pairs(n);
  checkOrder(
    p.map(([k]) => k),
    DOC_KEYS,
    where,
  );
  const out: Json = {};
  for (const [k, v] of p) {
    if (k === 'subcommands') continue;
    if (k === 'doc_flags') out[k] = statuses(v, where);
    else if (k === 'history') out[k] = items(v).map((h) => texts(h));
    else if (k === 'arguments') out[k] = items(v).map((a) => arg(a, where));
    else out[k] = text(v);
  }
  return out;
}

/** Docs of a command and, by full name, of its subcommands. */
function docsByName(all: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const [name, d] of pairs(all)) {
    out.set(name, d);
    const subs = pairs(d).find(([k]) => k === 'subcommands');
    if (subs !== undefined) for (const [sub, sd] of pairs(subs[1])) out.set(sub, sd);
  }
  return out;
}

/** By name, in code-unit order (not the locale's), so the file is the same wherever it is generated. */
function byName(a: Json, b: Json): number {
  const x = String(a.name);
  const y = String(b.name);
  return x < y ? -1 : x > y ? 1 : 0;
}

function command(info: Node, allDocs: Map<string, Node>): Json {
  const c = items(info);
  if (c.length !== 10) throw new Error('COMMAND INFO entry of unexpected length');
  const name = text(c[0]);
  const d = allDocs.get(name);
  if (d === undefined) throw new Error(`no docs for ${name}`);
  const out: Json = {
    name,
    arity: int(c[1]),
    flags: statuses(c[2], name),
    range: [int(c[3]), int(c[4]), int(c[5])],
    acl: statuses(c[6], name),
  };
  const tips = texts(c[7]);
  if (tips.length > 0) out.tips = tips;
  const specs = items(c[8]).map((k) => keySpec(k, name));
  if (specs.length > 0) out.keySpecs = specs;
  out.docs = docs(d, name);
  const subs = items(c[9]).map((s) => command(s, allDocs));
  if (subs.length > 0) out.subcommands = subs.sort(byName);
  return out;
}

/** Every command of the server at port, sorted by name (subcommands too). */
export async function readTable(port: number): Promise<{ version: string; commands: Json[] }> {
  const conn = await Conn.open(port);
  try {
    const hello = new Map(pairs(await conn.send(['HELLO', '3'])));
    const version = text(hello.get('version') as Node);
    const info = await conn.send(['COMMAND', 'INFO'], 20000);
    const allDocs = docsByName(await conn.send(['COMMAND', 'DOCS'], 20000));
    const commands = items(info).map((n) => command(n, allDocs));
    commands.sort(byName);
    return { version, commands };
  } finally {
    conn.close();
  }
}

const PREAMBLE = `// GENERATED FILE, do not edit: every command and subcommand of redis-server %VERSION% as its COMMAND
// INFO and COMMAND DOCS report them (arity, flags, first/last/step, ACL categories, tips, key specs,
// docs). Produced by test/tools/command-table.ts from a running redis-server (RESP3 replies, commands
// and subcommands sorted by name); regenerate with
//   npm run build && node dist/test/tools/command-table.js
// COMMAND (node/src/commands/command-info.ts) shows these facts for the commands tsredis implements;
// the dispatcher takes the arities of subcommands handled inside one handler from here.

import type { RedisCommand } from './redis-command-types.js';

export type * from './redis-command-types.js';

export const REDIS_TABLE_VERSION = '%VERSION%';

export const REDIS_COMMANDS: readonly RedisCommand[] = `;

export async function renderTable(version: string, commands: Json[]): Promise<string> {
  const source = PREAMBLE.replaceAll('%VERSION%', version) + JSON.stringify(commands) + ';\n';
  const options = (await prettier.resolveConfig(TABLE_FILE)) ?? {};
  return prettier.format(source, { ...options, filepath: TABLE_FILE });
}

function portArg(argv: string[]): number | null {
  const i = argv.indexOf('--port');
  return i >= 0 && i + 1 < argv.length ? Number(argv[i + 1]) : null;
}

async function main(): Promise<void> {
  const given = portArg(process.argv.slice(2));
  let redis: RunningServer | null = null;
  if (given === null) redis = await startRedis();
  try {
    const { version, commands } = await readTable(given ?? (redis as RunningServer).port);
    fs.writeFileSync(TABLE_FILE, await renderTable(version, commands));
    console.log(`wrote ${path.relative(REPO_ROOT, TABLE_FILE)}: ${commands.length} commands (${version})`);
  } finally {
    await redis?.stop();
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: Error) => {
    console.error(e.stack ?? String(e));
    process.exit(1);
  });
}

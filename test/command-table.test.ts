// The command table side by side with redis-server 7.0: COMMAND, COMMAND INFO / DOCS / COUNT / LIST /
// GETKEYS / GETKEYSANDFLAGS / HELP byte for byte over RESP2 and RESP3 for every command and subcommand
// tsredis implements (subcommand order, which Redis leaves to its hash table, sorted first; Redis's
// replies restricted to what tsredis implements), the arity errors of every subcommand, that left-out
// commands are unknown and handler-dispatched subcommands are listed as implemented, that
// docs/compatibility.md is current, and the key-spec evaluation (unit cases, and redis-server as the
// oracle for commands tsredis lacks, such as MIGRATE and GEORADIUS).
import * as fs from 'node:fs';
import { startRedis, startTsredis, type RunningServer } from './helpers/procs.js';
import { Conn, type Arg, type Node } from './helpers/raw-resp.js';
import { Diffs } from './helpers/differential.js';
import { items, text, texts } from './tools/resp-tree.js';
import { DOC_FILE, readNodeTable, renderDoc } from './tools/compat-doc.js';
import {
  HANDLER_SUBCOMMANDS,
  getKeysResult,
  keysFromSpecs,
  redisCommand,
} from '../node/src/commands/command-info.js';
import type { RedisCommand } from '../node/src/server/redis-command-table.js';
import { REDIS_COMMANDS, REDIS_TABLE_VERSION } from '../node/src/server/redis-command-table.js';
import { readTable } from './tools/command-table.js';

const started: RunningServer[] = [];
/** Connections: [redis, tsredis] for RESP2 and for RESP3. */
const conns: Record<2 | 3, [Conn, Conn]> = {} as Record<2 | 3, [Conn, Conn]>;
/** What tsredis's COMMAND LIST shows. */
let implemented = new Set<string>();

beforeAll(async () => {
  const [R, T] = await Promise.all([startRedis([]), startTsredis(['--save', '', '--appendonly', 'no'])]);
  started.push(R, T);
  for (const resp of [2, 3] as const) {
    const pair: [Conn, Conn] = [await Conn.open(R.port), await Conn.open(T.port)];
    if (resp === 3) for (const c of pair) await c.send(['HELLO', '3']);
    conns[resp] = pair;
  }
  implemented = new Set(texts(await conns[2][1].send(['COMMAND', 'LIST'])));
});

afterAll(async () => {
  for (const pair of Object.values(conns)) for (const c of pair) c.close();
  const all = started.splice(0);
  await Promise.all(all.map((s) => s.stop('SIGKILL')));
  for (const s of all) fs.rmSync(s.dir, { recursive: true, force: true });
});

const has = (name: string): boolean => implemented.has(name);

/** The first line of an aggregate (its type and length), for rebuilding it. */
const header = (n: Node): string => n.raw.slice(0, n.raw.indexOf('\r\n') + 2);
const raws = (ns: Node[]): string => ns.map((x) => x.raw).join('');

/** A map of the given [key, value] pairs in byte order, with the header its type and count give. */
function rebuiltMap(n: Node, entries: Node[][]): string {
  const length = n.t === '%' ? entries.length : 2 * entries.length;
  return `${n.t}${length}\r\n${entries.map(raws).sort().join('')}`;
}

/** A COMMAND INFO entry with its subcommands (those implemented) in byte order. */
function canonInfo(n: Node): string {
  if (n.c === undefined || n.c.length !== 10) return n.raw;
  const subs = n.c[9];
  if (subs.t === '~' || (subs.c ?? []).length === 0) return n.raw;
  const kept = items(subs).filter((s) => has(text(items(s)[0])));
  return (
    header(n) + raws(n.c.slice(0, 9)) + `${subs.t}${kept.length}\r\n${kept.map(canonInfo).sort().join('')}`
  );
}

/** A map reply's pairs of children ([key, value] nodes). */
function pairNodes(n: Node): Node[][] {
  const c = items(n);
  const out: Node[][] = [];
  for (let i = 0; i + 1 < c.length; i += 2) out.push([c[i], c[i + 1]]);
  return out;
}

/** A COMMAND DOCS value with its subcommands map (those implemented) in byte order. */
function canonDocs(n: Node): string {
  const parts = pairNodes(n).map(([k, v]) => {
    if (text(k) !== 'subcommands') return k.raw + v.raw;
    const kept = pairNodes(v).filter(([name]) => has(text(name)));
    return k.raw + rebuiltMap(v, kept);
  });
  return header(n) + parts.join('');
}

/** A COMMAND DOCS reply (name -> docs) restricted to implemented names, in byte order. */
function canonDocsReply(n: Node): string {
  if (n.c === undefined) return n.raw;
  const kept = pairNodes(n).filter(([name]) => has(text(name)));
  const entries = kept.map(([k, v]) => k.raw + canonDocs(v)).sort();
  const length = n.t === '%' ? kept.length : 2 * kept.length;
  return `${n.t}${length}\r\n${entries.join('')}`;
}

/** A list of COMMAND INFO entries restricted to implemented commands, in byte order. */
function canonInfoList(n: Node): string {
  if (n.c === undefined) return n.raw;
  const kept = n.c.filter((e) => e.c === undefined || has(text(items(e)[0])));
  return `${n.t}${kept.length}\r\n${kept.map(canonInfo).sort().join('')}`;
}

/** A COMMAND INFO reply for names given: entries in their order, each with its subcommands sorted. */
function canonNamedInfo(n: Node): string {
  return n.c === undefined ? n.raw : header(n) + n.c.map(canonInfo).join('');
}

/** A COMMAND DOCS reply for names given: entries in their order, each with its subcommands sorted. */
function canonNamedDocs(n: Node): string {
  return n.c === undefined
    ? n.raw
    : header(n) +
        pairNodes(n)
          .map(([k, v]) => k.raw + canonDocs(v))
          .join('');
}

/** A bulk-string list as a sorted set, restricted to implemented names. */
function canonNames(n: Node): string {
  if (n.c === undefined) return n.raw;
  return JSON.stringify(texts(n).filter(has).sort());
}

/** Sends args to both servers in both protocols and records where canon(replies) differ. */
async function compare(diffs: Diffs, args: Arg[], canon: (n: Node) => string = (n) => n.raw): Promise<void> {
  for (const resp of [2, 3] as const) {
    const [r, t] = conns[resp];
    const [a, b] = await Promise.all([r.send(args, 10000), t.send(args, 10000)]);
    diffs.check(`RESP${resp}`, JSON.stringify(args), canon(a), canon(b));
  }
}

const allNames = (): string[] =>
  REDIS_COMMANDS.flatMap((c) => [c.name, ...(c.subcommands ?? []).map((s) => s.name)]);

describe('COMMAND, side by side with redis-server', () => {
  test('tsredis lists only Redis commands, its COUNT is its list, the commands left out are unknown', async () => {
    const redisList = new Set(texts(await conns[2][0].send(['COMMAND', 'LIST'])));
    expect([...implemented].filter((n) => !redisList.has(n))).toEqual([]);
    const count = await conns[2][1].send(['COMMAND', 'COUNT']);
    expect(count.raw).toBe(`:${[...implemented].filter((n) => !n.includes('|')).length}\r\n`);
    const served: string[] = [];
    for (const c of REDIS_COMMANDS.filter((x) => !has(x.name))) {
      const reply = await conns[2][1].send([c.name.toUpperCase()]);
      if (!reply.raw.startsWith('-ERR unknown command')) served.push(c.name);
    }
    expect(served).toEqual([]);
  });

  test('COMMAND INFO of each implemented command and subcommand, and of unknown names', async () => {
    const diffs = new Diffs();
    for (const name of implemented) await compare(diffs, ['COMMAND', 'INFO', name], canonNamedInfo);
    const odd = [
      'GET',
      'client|LIST',
      'CLIENT|kill',
      'get|x',
      'client|',
      '|list',
      'config|get|x',
      '',
      'nosuch',
    ];
    await compare(diffs, ['COMMAND', 'INFO', ...odd], canonNamedInfo);
    diffs.assertNone('COMMAND INFO');
  });

  test('COMMAND and COMMAND INFO of everything', async () => {
    const diffs = new Diffs();
    await compare(diffs, ['COMMAND'], canonInfoList);
    await compare(diffs, ['COMMAND', 'INFO'], canonInfoList);
    diffs.assertNone('COMMAND');
  });

  test('COMMAND DOCS of each implemented command, of several, of everything', async () => {
    const diffs = new Diffs();
    for (const name of implemented) await compare(diffs, ['COMMAND', 'DOCS', name], canonNamedDocs);
    await compare(
      diffs,
      ['COMMAND', 'DOCS', 'get', 'nosuch', 'CLIENT|KILL', 'set', 'x|y', 'client'],
      canonNamedDocs,
    );
    await compare(diffs, ['COMMAND', 'DOCS'], canonDocsReply);
    diffs.assertNone('COMMAND DOCS');
  });

  test('COMMAND LIST and its filters, COUNT, HELP and errors', async () => {
    const diffs = new Diffs();
    const filters = [
      [],
      ['FILTERBY', 'ACLCAT', 'read'],
      ['filterby', 'aclcat', 'DANGEROUS'],
      ['FILTERBY', 'ACLCAT', '@read'],
      ['FILTERBY', 'ACLCAT', 'nosuch'],
      ['FILTERBY', 'PATTERN', 'x*'],
      ['FILTERBY', 'PATTERN', 'CLIENT|*'],
      ['FILTERBY', 'pattern', '*|help'],
      ['FILTERBY', 'MODULE', 'anything'],
    ];
    for (const f of filters) await compare(diffs, ['COMMAND', 'LIST', ...f], canonNames);
    const errors = [
      ['LIST', 'FILTERBY'],
      ['LIST', 'FILTERBY', 'PATTERN'],
      ['LIST', 'FILTERBY', 'PATTERN', 'a', 'b'],
      ['LIST', 'FILTERBY', 'NOSUCH', 'a'],
      ['LIST', 'foo'],
      ['COUNT', 'x'],
      ['HELP'],
      ['help', 'x'],
      ['NOSUCH'],
      ['INFO'],
      ['GETKEYS'],
      ['GETKEYS', 'get'],
      ['GETKEYSANDFLAGS', 'set'],
    ];
    for (const e of errors) {
      await compare(diffs, ['COMMAND', ...e], e[0] === 'INFO' ? canonInfoList : undefined);
    }
    diffs.assertNone('COMMAND LIST');
  });
});

/** GETKEYS cases: movable keys, fallbacks to Redis's getkeys procs, and every error. */
const KEY_CASES: string[][] = [
  ['get', 'k'],
  ['get'],
  ['get', 'a', 'b'],
  ['set', 'k', 'v'],
  ['set', 'k', 'v', 'GET'],
  ['set', 'k', 'v', 'get', 'ex', '1'],
  ['mset', 'a', '1', 'b', '2'],
  ['mset', 'a', '1', 'b'],
  ['mget', 'a', 'b'],
  ['del', 'a', 'b', 'c'],
  ['rename', 'a', 'b'],
  ['copy', 'a', 'b', 'db', '1'],
  ['lmove', 'a', 'b', 'left', 'right'],
  ['blmove', 'a', 'b', 'left', 'right', '0'],
  ['rpoplpush', 'a', 'b'],
  ['brpoplpush', 'a', 'b', '0'],
  ['blpop', 'a', 'b', '0'],
  ['smove', 'a', 'b', 'm'],
  ['zrangestore', 'd', 's', '0', '1'],
  ['xread', 'streams', 'a', 'b', '0', '0'],
  ['xread', 'COUNT', '2', 'BLOCK', '0', 'STREAMS', 'a', '0'],
  ['xread', 'streams', 'a'],
  ['xread', 'streams', 'streams', '0'],
  ['xread', 'count', 'streams', 'streams', 'a', '0'],
  ['xreadgroup', 'GROUP', 'g', 'c', 'streams', 'a', '>'],
  ['xreadgroup', 'group', 'g', 'c', 'count', '1', 'noack', 'streams', 'a', 'b', '>', '>'],
  ['xadd', 'k', '*', 'f', 'v'],
  ['eval', 's', '0'],
  ['eval', 's', '2', 'a', 'b', 'x'],
  ['eval', 's', '3', 'a', 'b'],
  ['eval', 's', '2abc', 'a', 'b'],
  ['eval', 's', '-1', 'a'],
  ['eval', 's', 'x'],
  ['evalsha', 'x', '1', 'k'],
  ['eval_ro', 's', '1', 'k'],
  ['evalsha_ro', 's', '02', 'k', 'j'],
  ['fcall', 'f', '1', 'k', 'a'],
  ['fcall_ro', 'f', '0'],
  ['zunionstore', 'd', '2', 'a', 'b'],
  ['zunionstore', 'd', '2', 'a', 'b', 'weights', '1', '2'],
  ['zunionstore', 'd', '0', 'a'],
  ['zunionstore', 'd', '3', 'a', 'b'],
  ['zunionstore', 'd', '2x', 'a', 'b'],
  ['zinterstore', 'd', '1', 'a'],
  ['zdiffstore', 'd', '2', 'a', 'b'],
  ['zunion', '2', 'a', 'b'],
  ['zinter', '1', 'a', 'withscores'],
  ['zdiff', '2', 'a', 'b'],
  ['zintercard', '2', 'a', 'b', 'limit', '1'],
  ['sintercard', '2', 'a', 'b'],
  ['sintercard', '3', 'a', 'b'],
  ['sintercard', ' 1', 'a'],
  ['lmpop', '2', 'a', 'b', 'left'],
  ['blmpop', '0', '2', 'a', 'b', 'left', 'count', '1'],
  ['zmpop', '1', 'a', 'min'],
  ['bzmpop', '1', '1', 'a', 'max'],
  ['sort', 'a'],
  ['sort', 'a', 'store', 'b'],
  ['sort', 'a', 'LIMIT', '0', '1', 'STORE', 'b'],
  ['sort', 'a', 'by', 'store'],
  ['sort', 'a', 'store', 'b', 'store', 'c'],
  ['sort', 'a', 'get', '#', 'store', 'x'],
  ['sort', 'a', 'store'],
  ['sort_ro', 'a', 'by', 'x'],
  ['bitfield', 'a', 'get', 'u8', '0'],
  ['bitfield', 'a', 'set', 'u8', '0', '1'],
  ['bitfield', 'a', 'overflow', 'wrap', 'get', 'u8', '0'],
  ['bitfield', 'a', 'incrby', 'u8', '0', '1'],
  ['bitfield', 'a', 'get', 'u8'],
  ['bitfield', 'a'],
  ['bitfield_ro', 'a', 'get', 'u8', '0'],
  ['object', 'encoding', 'k'],
  ['object', 'help'],
  ['object', 'nosuch', 'k'],
  ['memory', 'usage', 'k', 'samples', '5'],
  ['xinfo', 'stream', 'k'],
  ['xgroup', 'create', 'k', 'g', '$'],
  ['client', 'kill'],
  ['client', 'foo'],
  ['client'],
  ['config', 'get', 'x'],
  ['ping'],
  ['nosuch', 'x'],
  ['publish', 'c', 'm'],
  ['spublish', 'c', 'm'],
  ['ssubscribe', 'a'],
  ['pfmerge', 'd', 'a', 'b'],
  ['pfcount', 'a', 'b'],
  ['lcs', 'a', 'b'],
  ['restore', 'k', '0', 'x'],
  ['hset', 'k', 'f', 'v'],
  ['lpos', 'k', 'e'],
  ['getex', 'k', 'persist'],
  ['touch', 'a', 'b'],
  ['watch', 'a', 'b'],
  ['memory', 'usage'],
  ['xgroup', 'createconsumer', 'k', 'g', 'c'],
  ['xautoclaim', 'k', 'g', 'c', '0', '0'],
  ['xclaim', 'k', 'g', 'c', '0', '0-1'],
  ['debug', 'object', 'k'],
  ['script', 'load', 'x'],
  ['function', 'load', 'x'],
  ['migrate', 'h', 'p', 'k', '0', '5'],
  ['migrate', 'h', 'p', '', '0', '5', 'keys', 'a', 'b'],
  ['migrate', 'h', 'p', '', '0', '5', 'COPY', 'AUTH', 'pw', 'KEYS', 'a'],
  ['migrate', 'h', 'p', '', '0', '5', 'auth2', 'u', 'keys', 'keys', 'a'],
  ['migrate', 'h', 'p', 'k', '0', '5', 'keys', 'a'],
  ['georadius', 'k', '0', '0', '1', 'm', 'store', 'd'],
  ['georadius', 'k', '0', '0', '1', 'm', 'STORE', 'd', 'storedist', 'e'],
  ['georadiusbymember', 'k', 'm', '1', 'km', 'storedist', 'd'],
  ['georadius_ro', 'k', '0', '0', '1', 'm'],
  ['geosearchstore', 'd', 's', 'frommember', 'm', 'byradius', '1', 'm'],
];

/** Redis's own lookupCommand over its whole table (for the pure key evaluation). */
function lookupRedis(args: readonly string[]): RedisCommand | null {
  const base = redisCommand(args[0].toLowerCase());
  if (base === undefined) return null;
  if (args.length === 1 || base.subcommands === undefined) return base;
  return redisCommand(`${base.name}|${args[1].toLowerCase()}`) ?? null;
}

/** A GETKEYSANDFLAGS reply as [key, flags] pairs or the error text. */
function keysOfReply(n: Node): unknown {
  if (n.t === '-') return text(n);
  return items(n).map((p) => [text(items(p)[0]), texts(items(p)[1])]);
}

describe('COMMAND GETKEYS and GETKEYSANDFLAGS', () => {
  test('byte for byte with redis-server for the implemented commands', async () => {
    const diffs = new Diffs();
    for (const args of KEY_CASES) {
      if (!has(args[0]) && args[0] !== 'nosuch') continue;
      await compare(diffs, ['COMMAND', 'GETKEYS', ...args]);
      await compare(diffs, ['COMMAND', 'GETKEYSANDFLAGS', ...args]);
    }
    diffs.assertNone('GETKEYS');
  });

  test('the key-spec evaluation of every case equals redis-server (also for commands tsredis lacks)', async () => {
    const diffs = new Diffs();
    const [r] = conns[2];
    // One word never reaches the evaluation: COMMAND GETKEYS itself wants at least two.
    for (const args of KEY_CASES.filter((a) => a.length >= 2)) {
      const reply = keysOfReply(await r.send(['COMMAND', 'GETKEYSANDFLAGS', ...args]));
      const ours = getKeysResult(lookupRedis(args), args);
      const shown = typeof ours === 'string' ? ours : ours.map((k) => [args[k.pos], k.flags]);
      diffs.check('getKeysResult', JSON.stringify(args), reply, shown);
    }
    diffs.assertNone('key specs');
  });
});

describe('key specs, unit cases', () => {
  const spec = (name: string): RedisCommand => redisCommand(name) as RedisCommand;
  const positions = (name: string, argv: string[]): number[] | null =>
    keysFromSpecs(spec(name), argv)?.map((k) => k.pos) ?? null;

  test('index + range: fixed, to the end, with a step', () => {
    expect(positions('get', ['get', 'k'])).toEqual([1]);
    expect(positions('del', ['del', 'a', 'b', 'c'])).toEqual([1, 2, 3]);
    expect(positions('mset', ['mset', 'a', '1', 'b', '2'])).toEqual([1, 3]);
    expect(positions('lmove', ['lmove', 'a', 'b', 'left', 'right'])).toEqual([1, 2]);
  });

  test('keyword + range with a limit: XREAD STREAMS takes the first half', () => {
    expect(positions('xread', ['xread', 'count', '1', 'streams', 'a', 'b', '0', '0'])).toEqual([4, 5]);
    expect(positions('xread', ['xread', 'streams', 'a'])).toBeNull();
  });

  test('keyword searched from the end: MIGRATE KEYS', () => {
    const argv = ['migrate', 'h', 'p', '', '0', '5', 'keys', 'a', 'b'];
    // Both its specs are incomplete: the evaluation defers to MIGRATE's own parser.
    expect(positions('migrate', argv)).toBeNull();
    const keys = spec('migrate').keySpecs?.[1];
    expect(keys?.bs).toEqual(['keyword', 'KEYS', -2]);
    const complete: RedisCommand = { ...spec('migrate'), keySpecs: [{ ...keys!, flags: ['RW'] }] };
    expect(keysFromSpecs(complete, argv)?.map((k) => k.pos)).toEqual([7, 8]);
    expect(keysFromSpecs(complete, ['migrate', 'h', 'p', 'k', '0', '5'])).toEqual([]);
  });

  test('index + keynum: EVAL numkeys, ZUNIONSTORE destination then numkeys', () => {
    expect(positions('eval', ['eval', 's', '2', 'a', 'b', 'x'])).toEqual([3, 4]);
    expect(positions('eval', ['eval', 's', '0'])).toBeNull();
    expect(positions('eval', ['eval', 's', '01', 'a'])).toBeNull();
    expect(positions('zunionstore', ['zunionstore', 'd', '2', 'a', 'b'])).toEqual([1, 3, 4]);
    expect(positions('zunionstore', ['zunionstore', 'd', '3', 'a', 'b'])).toBeNull();
  });

  test('an unknown begin_search (SORT STORE) makes the specs defer to the command', () => {
    expect(positions('sort', ['sort', 'a', 'store', 'b'])).toBeNull();
    expect(getKeysResult(spec('sort'), ['sort', 'a', 'store', 'b'])).toEqual([
      { pos: 1, flags: ['RO', 'access'] },
      { pos: 3, flags: ['OW', 'update'] },
    ]);
  });

  test('errors: no command, no keys, wrong arity, no keys found', () => {
    expect(getKeysResult(null, ['x'])).toBe('ERR Invalid command specified');
    expect(getKeysResult(spec('ping'), ['ping'])).toBe('ERR The command has no key arguments');
    expect(getKeysResult(spec('get'), ['get'])).toBe('ERR Invalid number of arguments specified for command');
    expect(getKeysResult(spec('zunionstore'), ['zunionstore', 'd', '0', 'a'])).toBe(
      'ERR Invalid arguments specified for command',
    );
    expect(getKeysResult(spec('eval'), ['eval', 's', '0'])).toEqual([]);
  });
});

/** argv for sub with the wrong number of arguments by its arity, or null when none can be wrong. */
function wrongArgc(d: RedisCommand): string[] | null {
  const [parent, sub] = d.name.split('|');
  const argc = d.arity > 0 ? d.arity + 1 : -d.arity - 1;
  if (argc < 2) return null;
  return [parent, sub, ...Array<string>(argc - 2).fill('x')];
}

describe('subcommand arity', () => {
  test('every implemented subcommand with a wrong argument count, and unknown subcommands', async () => {
    const diffs = new Diffs();
    for (const name of allNames().filter((n) => n.includes('|') && has(n))) {
      const argv = wrongArgc(redisCommand(name) as RedisCommand);
      if (argv !== null) await compare(diffs, argv);
    }
    await compare(diffs, ['CLIENT', 'KILL']);
    await compare(diffs, ['client', 'setname']);
    await compare(diffs, ['OBJECT', 'encoding']);
    await compare(diffs, ['client']);
    for (const parent of new Set(
      allNames()
        .filter((n) => n.includes('|') && has(n))
        .map((n) => n.split('|')[0]),
    ))
      await compare(diffs, [parent, 'nosuch', 'x']);
    diffs.assertNone('subcommand arity');
  });

  test('HANDLER_SUBCOMMANDS lists what the handlers implement (and every container shows some)', async () => {
    const [, t] = conns[2];
    const found: Record<string, string[]> = {};
    for (const c of REDIS_COMMANDS.filter((x) => x.subcommands !== undefined && has(x.name))) {
      const shown = c.subcommands!.filter((s) => has(s.name));
      expect({ container: c.name, shows: shown.length > 0 }).toEqual({ container: c.name, shows: true });
      if (HANDLER_SUBCOMMANDS[c.name] === undefined) continue;
      found[c.name] = [];
      for (const s of c.subcommands!) {
        const sub = s.name.split('|')[1];
        const args = [c.name, sub, ...Array<string>(Math.max(0, Math.abs(s.arity) - 2)).fill('x')];
        const reply = await t.send(args);
        if (!reply.raw.startsWith('-ERR unknown subcommand')) found[c.name].push(sub);
      }
    }
    expect(found).toEqual(HANDLER_SUBCOMMANDS);
  });
});

test('node/src/server/redis-command-table.ts is what redis-server reports now', async () => {
  const { version, commands } = await readTable(started[0].port);
  expect(version).toBe(REDIS_TABLE_VERSION);
  expect(commands).toEqual(JSON.parse(JSON.stringify(REDIS_COMMANDS)));
});

test('docs/compatibility.md is what test/tools/compat-doc.ts writes now', async () => {
  const table = await readNodeTable();
  expect(new Set(table.shown)).toEqual(implemented);
  expect(fs.readFileSync(DOC_FILE, 'utf8')).toBe(renderDoc(table));
});

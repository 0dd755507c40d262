// Integration, side by side with redis-server 7.0.15: ACL users, rules and their errors (SETUSER,
// GETUSER, LIST, CAT, DRYRUN, GENPASS, WHOAMI, USERS, DELUSER), enforcement of commands, subcommands,
// first args, key patterns by the key specs' read/write flags, channels and selectors, AUTH and HELLO
// AUTH, MULTI (at queue time and at EXEC), scripts (redis.call / pcall / acl_check_cmd), ACL LOG and
// acllog-max-len, requirepass as the default user's password, CLIENT LIST / KILL USER, DELUSER and ACL
// LOAD closing connections, ACL LOAD / SAVE with an aclfile and `user` directives. Replies are compared
// byte for byte over RESP2 and RESP3; three things are normalised, because redis-server itself varies
// them: the order of single-command rules (Redis emits them in its command dict's order, seeded at
// random per process), the order of ACL CAT <category> (same), and in ACL LOG the age and the
// client-info fields that depend on the process (addresses, ids, buffer sizes).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Conn, sleep, type Arg, type Node } from './helpers/raw-resp.js';
import { Diffs, runCases, serverPair, type Case, type Step } from './helpers/differential.js';
import { startRedis, startTsredis, tmpDir, type RunningServer } from './helpers/procs.js';

const P = serverPair();

const USERS = ['u', 'v', 'w', 'x', 'y', 'z', 'sel', 'ro', 'wo', 'pub', 'fa', 'scr', 'bad', 'e1', 'e2'];
const SETUP: Arg[][] = [
  ['FLUSHALL'],
  ['ACL', 'DELUSER', ...USERS],
  ['ACL', 'SETUSER', 'default', 'on', 'nopass', 'allkeys', 'allchannels', 'allcommands', 'clearselectors'],
  ['ACL', 'LOG', 'RESET'],
];

// ---- normalisation ----

function rebuild(n: Node): Node {
  if (n.c === undefined || n.head === undefined) return n;
  const c = n.c.map(rebuild);
  return { ...n, c, raw: `${n.t}${n.head}\r\n${c.map((x) => x.raw).join('')}` };
}

const isSingle = (tok: string): boolean =>
  (tok[0] === '+' || tok[0] === '-') && tok[1] !== '@' && tok.length > 1;

/** Sorts each run of single-command rules in a line (lengths are kept, so RESP framing stays valid). */
function sortRuleRuns(line: string): string {
  const toks = line.split(' ');
  for (let i = 0; i < toks.length;) {
    if (!isSingle(toks[i].replace(/\)$/, ''))) {
      i++;
      continue;
    }
    let j = i;
    while (j < toks.length && isSingle(toks[j].replace(/\)$/, ''))) j++;
    const close = toks[j - 1].endsWith(')');
    const run = toks
      .slice(i, j)
      .map((t) => t.replace(/\)$/, ''))
      .sort();
    if (close) run[run.length - 1] += ')';
    toks.splice(i, j - i, ...run);
    i = j;
  }
  return toks.join(' ');
}

function rulesOrder(n: Node): Node {
  return { ...n, raw: n.raw.split('\r\n').map(sortRuleRuns).join('\r\n') };
}

function sortedChildren(n: Node): Node {
  if (n.c === undefined || n.head === undefined) return n;
  const c = [...n.c].sort((a, b) => (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0));
  return rebuild({ ...n, c });
}

const KEEP_INFO = ['name', 'db', 'sub', 'psub', 'ssub', 'multi', 'cmd', 'user', 'resp', 'flags'];

function bulkText(n: Node): string {
  return n.raw.slice(n.raw.indexOf('\r\n') + 2, -2);
}

function bulk(s: string): Node {
  return { t: '$', raw: `$${s.length}\r\n${s}\r\n` };
}

/** ACL LOG: age-seconds dropped, client-info reduced to the fields a process does not vary. */
function logNorm(n: Node): Node {
  if (n.c === undefined) return n;
  const entries = n.c.map((e) => {
    if (e.c === undefined) return e;
    const c = [...e.c];
    for (let i = 0; i + 1 < c.length; i += 2) {
      const k = bulkText(c[i]);
      if (k === 'age-seconds') c[i + 1] = bulk('<age>');
      if (k === 'client-info') {
        const fields = bulkText(c[i + 1])
          .split(' ')
          .filter((f) => KEEP_INFO.includes(f.split('=')[0]));
        c[i + 1] = bulk(fields.join(' '));
      }
    }
    return { ...e, c };
  });
  return rebuild({ ...n, c: entries });
}

const rules = (cmd: Arg[]): Step => ({ cmd, norm: rulesOrder });
const cat = (category: string): Step => ({ cmd: ['ACL', 'CAT', category], norm: sortedChildren });
const logStep = (...args: string[]): Step => ({ cmd: ['ACL', 'LOG', ...args], norm: logNorm });

function bothProtocols(name: string, steps: (Arg[] | Step)[]): Case[] {
  return [
    { name: `${name} (RESP2)`, steps },
    { name: `${name} (RESP3)`, steps, resp3: true },
  ];
}

// ---- cases ----

const SETUSER_ERRORS: (Arg[] | Step)[] = [
  ['ACL', 'SETUSER', 'u', 'reset'],
  ['ACL', 'SETUSER', 'u', '+nosuch'],
  ['ACL', 'SETUSER', 'u', '+@nosuch'],
  ['ACL', 'SETUSER', 'u', 'bogus'],
  ['ACL', 'SETUSER', 'u', '<notthere'],
  ['ACL', 'SETUSER', 'u', '!abc'],
  ['ACL', 'SETUSER', 'u', '#abc'],
  ['ACL', 'SETUSER', 'u', `#${'A'.repeat(64)}`],
  ['ACL', 'SETUSER', 'u', '+client|list|x'],
  ['ACL', 'SETUSER', 'u', '+config|'],
  ['ACL', 'SETUSER', 'u', '+config|nosuch'],
  ['ACL', 'SETUSER', 'u', '-select|0'],
  ['ACL', 'SETUSER', 'u', '+'],
  ['ACL', 'SETUSER', 'u', '-'],
  ['ACL', 'SETUSER', 'u', '+@'],
  ['ACL', 'SETUSER', 'u', '~a b'],
  ['ACL', 'SETUSER', 'u', '%X~a'],
  ['ACL', 'SETUSER', 'u', '%rR~a'],
  ['ACL', 'SETUSER', 'u', '&a\tb'],
  ['ACL', 'SETUSER', 'u', '(~a'],
  ['ACL', 'SETUSER', 'u', '(~a', '+get'],
  ['ACL', 'SETUSER', 'u', '(bogus)'],
  ['ACL', 'SETUSER', 'u', '( ~a +nosuch )'],
  ['ACL', 'SETUSER', 'a b'],
  ['ACL', 'SETUSER', 'u', 'allkeys', '~foo'],
  ['ACL', 'SETUSER', 'u', 'allchannels', '&foo'],
  ['ACL', 'SETUSER', 'u', '~*', '%R~foo'],
  // a refused rule leaves the user unchanged
  ['ACL', 'SETUSER', 'u', 'on', '>p', '+get', '~k', 'bogus'],
  ['ACL', 'GETUSER', 'u'],
  ['ACL', 'SETUSER', 'v', 'bogus'],
  ['ACL', 'GETUSER', 'v'],
  ['ACL', 'USERS'],
  ['ACL', 'GETUSER', 'nosuch'],
  ['ACL', 'GETUSER'],
  ['ACL', 'SETUSER'],
  ['ACL', 'WHOAMI', 'x'],
  ['ACL', 'FOO'],
  ['ACL'],
  ['ACL', 'HELP'],
  ['ACL', 'DELUSER', 'default'],
  ['ACL', 'DELUSER', 'u', 'nosuch', 'default'],
  ['ACL', 'DELUSER', 'u', 'nosuch', 'v'],
  ['ACL', 'CAT', 'nosuch'],
  ['ACL', 'CAT', 'a', 'b'],
  ['ACL', 'GENPASS', '0'],
  ['ACL', 'GENPASS', '4097'],
  ['ACL', 'GENPASS', 'x'],
  ['ACL', 'GENPASS', '1', '2'],
  ['ACL', 'LOG', 'x'],
  ['ACL', 'LOG', '1', '2'],
  ['ACL', 'LOAD'],
  ['ACL', 'SAVE'],
  ['ACL', 'DRYRUN', 'nosuch', 'get', 'x'],
  ['ACL', 'DRYRUN', 'default', 'nosuch', 'x'],
  ['ACL', 'DRYRUN', 'default', 'get', 'x'],
  ['ACL', 'WHOAMI'],
];

const DESCRIBE: (Arg[] | Step)[] = [
  rules(['ACL', 'LIST']),
  ['ACL', 'SETUSER', 'u', 'on', '>p1', '>p2', '>p1', '<p2', `#${'ab'.repeat(32)}`, `!${'ab'.repeat(32)}`],
  [
    'ACL',
    'SETUSER',
    'u',
    '+@read',
    '-get',
    '+set',
    '~k*',
    '%R~r*',
    '%W~w*',
    '%RW~rw*',
    '%R~w*',
    '&ch',
    '&ch',
  ],
  ['ACL', 'SETUSER', 'u', '(+get ~g* &x)', '(', '+set', '%W~s*', ')', '(+@hash)'],
  rules(['ACL', 'GETUSER', 'u']),
  rules(['ACL', 'LIST']),
  ['ACL', 'SETUSER', 'v', '+@all', '-@dangerous', '+config|get', '-client|kill', 'skip-sanitize-payload'],
  ['ACL', 'SETUSER', 'w', '-@all', '+@string', '+@list', '-lpush', '+@geo', 'nopass', 'on'],
  ['ACL', 'SETUSER', 'x', 'reset'],
  ['ACL', 'SETUSER', 'y', '+@all', '-@write', '+set', '-@fast', '+@hyperloglog', '-@slow', '+info'],
  ['ACL', 'SETUSER', 'z', '-@all', '+select|0', '+select|1', '+SELECT|1', '-debug', '+debug|object'],
  ['ACL', 'SETUSER', 'e1', '+get|x', '+get', '+select|2', '-select', '+acl', '-acl|setuser', '+config|get'],
  [
    'ACL',
    'SETUSER',
    'e2',
    'nocommands',
    'allcommands',
    '-get',
    '%R',
    '~',
    '&',
    'resetkeys',
    '~a',
    'ON',
    'OFF',
  ],
  ['ACL', 'SETUSER', 'fa', '+@admin', '+@dangerous', '-@admin', '+@pubsub', '+@scripting', '-eval', '+@all'],
  ['ACL', 'SETUSER', 'sel', '(~a)', '(+get)', 'clearselectors', '(+set ~b)', 'resetchannels', '&c*'],
  ['ACL', 'SETUSER', 'ro', '+@read', '+@write', '-@keyspace', '+del', '-@bitmap', '+@transaction', '+multi'],
  rules(['ACL', 'LIST']),
  rules(['ACL', 'GETUSER', 'v']),
  rules(['ACL', 'GETUSER', 'w']),
  rules(['ACL', 'GETUSER', 'x']),
  rules(['ACL', 'GETUSER', 'y']),
  rules(['ACL', 'GETUSER', 'z']),
  rules(['ACL', 'GETUSER', 'e1']),
  rules(['ACL', 'GETUSER', 'e2']),
  rules(['ACL', 'GETUSER', 'fa']),
  rules(['ACL', 'GETUSER', 'sel']),
  rules(['ACL', 'GETUSER', 'ro']),
  rules(['ACL', 'GETUSER', 'default']),
  ['ACL', 'USERS'],
  ['ACL', 'DELUSER', 'v', 'w', 'nosuch'],
  ['ACL', 'USERS'],
];

const CATS = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];

const ENFORCE: (Arg[] | Step)[] = [
  ['SET', 'k1', 'v'],
  ['SET', 'r1', 'v'],
  ['SET', 'x', 'v'],
  ['ACL', 'SETUSER', 'u', 'on', '>p', '+@read', '+set', '-get', '+@transaction', '+publish', '+subscribe'],
  ['ACL', 'SETUSER', 'u', '+psubscribe', '+ssubscribe', '+spublish', '+client|list', '+config|get'],
  [
    'ACL',
    'SETUSER',
    'u',
    '+select|0',
    '+lmove',
    '+copy',
    '+sort',
    '+eval',
    '+xadd',
    '+unsubscribe',
    '+punsubscribe',
    '+sunsubscribe',
  ],
  ['ACL', 'SETUSER', 'u', '~k*', '%R~r*', '%W~w*', '%RW~rw*', '&ch', '&news.*', '(+get ~g* &x)'],
  ['AUTH', 'u', 'wrong'],
  ['AUTH', 'nosuch', 'p'],
  ['AUTH', 'u', 'p'],
  ['ACL', 'WHOAMI'],
  ['GET', 'k1'],
  ['GET', 'g1'],
  ['GET', 'x'],
  ['SET', 'x', '1'],
  ['SET', 'w1', '1'],
  ['GET', 'w1'],
  ['GET', 'r1'],
  ['SET', 'r1', 'v'],
  ['SET', 'k1', 'v', 'GET'],
  ['SET', 'w1', 'v', 'GET'],
  ['SET', 'rw1', 'v', 'GET'],
  ['MGET', 'k1', 'r1', 'w1'],
  ['MGET', 'k1', 'r1'],
  ['LMOVE', 'r1', 'w1', 'LEFT', 'RIGHT'],
  ['LMOVE', 'w1', 'r1', 'LEFT', 'RIGHT'],
  ['COPY', 'r1', 'w2'],
  ['COPY', 'w1', 'r2'],
  ['SORT', 'k1', 'STORE', 'r1'],
  ['SORT', 'k1', 'STORE', 'w1'],
  ['XADD', 'w1', '*', 'a', 'b'],
  ['XADD', 'r1', '*', 'a', 'b'],
  ['EXISTS', 'k1', 'other'],
  ['SELECT', '0'],
  ['SELECT', '1'],
  ['CLIENT', 'LIST', 'ID', '0'],
  ['CLIENT', 'ID'],
  ['CLIENT', 'NOSUCH'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['CONFIG', 'SET', 'maxmemory', '0'],
  ['HSET', 'k1', 'a', 'b'],
  ['PUBLISH', 'ch', 'm'],
  ['PUBLISH', 'news.x', 'm'],
  ['PUBLISH', 'other', 'm'],
  ['PUBLISH', 'x', 'm'],
  ['SPUBLISH', 'other', 'm'],
  ['SPUBLISH', 'ch', 'm'],
  ['SUBSCRIBE', 'ch', 'other'],
  ['PSUBSCRIBE', 'news.x'],
  ['PSUBSCRIBE', 'news.*'],
  ['SSUBSCRIBE', 'news.y', 'nope'],
  ['SSUBSCRIBE', 'news.y'],
  ['SUBSCRIBE', 'ch'],
  ['UNSUBSCRIBE'],
  ['PUNSUBSCRIBE'],
  ['SUNSUBSCRIBE'],
  ['MULTI'],
  ['GET', 'x'],
  ['SET', 'k1', 'v'],
  ['EXEC'],
  ['MULTI'],
  ['SET', 'k1', 'v2'],
  ['GET', 'k1'],
  ['EXEC'],
  ['EVAL', "return redis.call('get', 'x')", '0'],
  ['EVAL', "return redis.pcall('get', 'x')", '0'],
  ['EVAL', "return redis.pcall('hset', 'k1', 'a', 'b')", '0'],
  ['EVAL', "return redis.pcall('publish', 'zz', 'b')", '0'],
  ['EVAL', "return redis.pcall('set', 'k2', 'b')", '0'],
  ['EVAL', "return {redis.acl_check_cmd('get', 'x'), redis.acl_check_cmd('set', 'k1', 'v')}", '0'],
  ['EVAL', "return redis.acl_check_cmd('hset', 'k1', 'a', 'b')", '0'],
  ['EVAL', "return redis.acl_check_cmd('nosuch')", '0'],
  ['EVAL', "return redis.call('get', KEYS[1])", '1', 'x'],
  ['FCALL', 'f', '0'],
  ['HELLO', '2', 'AUTH', 'u', 'bad'],
  { cmd: ['HELLO', '2', 'AUTH', 'default', 'anything'], ignore: true },
  ['ACL', 'WHOAMI'],
  logStep(),
  logStep('2'),
  logStep('0'),
  logStep('-1'),
  ['ACL', 'LOG', 'RESET'],
  logStep(),
];

const DRYRUN: (Arg[] | Step)[] = [
  [
    'ACL',
    'SETUSER',
    'u',
    'on',
    '+get',
    '+set',
    '+publish',
    '+subscribe',
    '+psubscribe',
    '~k*',
    '%R~r*',
    '&ch',
  ],
  ['ACL', 'SETUSER', 'u', '+select|0', '+client|id', '(+hset ~h* &x)'],
  ['ACL', 'DRYRUN', 'u', 'get', 'k1'],
  ['ACL', 'DRYRUN', 'u', 'get', 'r1'],
  ['ACL', 'DRYRUN', 'u', 'get', 'x'],
  ['ACL', 'DRYRUN', 'u', 'set', 'r1', 'v'],
  ['ACL', 'DRYRUN', 'u', 'set', 'k1', 'v'],
  ['ACL', 'DRYRUN', 'u', 'set'],
  ['ACL', 'DRYRUN', 'u', 'hset', 'h1', 'a', 'b'],
  ['ACL', 'DRYRUN', 'u', 'hset', 'k1', 'a', 'b'],
  ['ACL', 'DRYRUN', 'u', 'hget', 'k1', 'a'],
  ['ACL', 'DRYRUN', 'u', 'publish', 'ch', 'm'],
  ['ACL', 'DRYRUN', 'u', 'publish', 'x', 'm'],
  ['ACL', 'DRYRUN', 'u', 'publish', 'zz', 'm'],
  ['ACL', 'DRYRUN', 'u', 'subscribe', 'ch', 'zz'],
  ['ACL', 'DRYRUN', 'u', 'psubscribe', 'c*'],
  ['ACL', 'DRYRUN', 'u', 'select', '0'],
  ['ACL', 'DRYRUN', 'u', 'select', '1'],
  ['ACL', 'DRYRUN', 'u', 'client', 'id'],
  ['ACL', 'DRYRUN', 'u', 'client', 'list'],
  ['ACL', 'DRYRUN', 'u', 'client', 'nosuch'],
  ['ACL', 'DRYRUN', 'u', 'CONFIG', 'GET', 'x'],
  ['ACL', 'DRYRUN', 'u', 'mget', 'k1', 'x', 'r1'],
  ['ACL', 'DRYRUN', 'u', 'auth', 'a', 'b'],
  ['ACL', 'DRYRUN', 'default', 'flushall'],
  logStep(),
];

const REQUIREPASS: (Arg[] | Step)[] = [
  ['AUTH', 'x'],
  ['CONFIG', 'SET', 'requirepass', 'secret'],
  rules(['ACL', 'GETUSER', 'default']),
  ['AUTH', 'wrong'],
  ['AUTH', 'default', 'wrong'],
  ['AUTH', 'secret'],
  ['ACL', 'SETUSER', 'default', '>other'],
  ['AUTH', 'other'],
  rules(['ACL', 'LIST']),
  ['CONFIG', 'GET', 'requirepass'],
  ['CONFIG', 'SET', 'requirepass', ''],
  rules(['ACL', 'LIST']),
  ['AUTH', 'x'],
  logStep(),
];

const CONFIG_DIRECTIVES: (Arg[] | Step)[] = [
  ['CONFIG', 'GET', 'aclfile'],
  ['CONFIG', 'GET', 'acllog-max-len'],
  ['CONFIG', 'GET', 'acl-pubsub-default'],
  ['CONFIG', 'SET', 'acllog-max-len', '-1'],
  ['CONFIG', 'SET', 'acl-pubsub-default', 'bogus'],
  ['CONFIG', 'SET', 'aclfile', '/tmp/x'],
  ['CONFIG', 'SET', 'user', 'x'],
  ['CONFIG', 'GET', 'user'],
  ['CONFIG', 'SET', 'acllog-max-len', '2'],
  ['AUTH', 'a', 'b'],
  ['AUTH', 'c', 'd'],
  ['AUTH', 'e', 'f'],
  ['AUTH', 'a', 'b'],
  logStep(),
  ['CONFIG', 'SET', 'acllog-max-len', '128'],
  ['CONFIG', 'SET', 'acl-pubsub-default', 'allchannels'],
  ['ACL', 'SETUSER', 'pub', 'on', 'nopass', '+@all'],
  ['ACL', 'SETUSER', 'x', 'reset'],
  ['CONFIG', 'SET', 'acl-pubsub-default', 'resetchannels'],
  ['ACL', 'SETUSER', 'y', '(+get)'],
  rules(['ACL', 'LIST']),
  ['AUTH', 'pub', 'x'],
  ['PUBLISH', 'anything', 'm'],
];

describe('ACL, side by side with redis-server', () => {
  test('SETUSER errors, USERS, GETUSER, HELP and the other subcommands', async () => {
    await P.runGroup('errors', bothProtocols('errors', SETUSER_ERRORS), SETUP);
  });

  test('ACL LIST and GETUSER describe users as Redis does (categories, commands, keys, selectors)', async () => {
    await P.runGroup('describe', bothProtocols('describe', DESCRIBE), SETUP);
  });

  test('ACL CAT lists the categories and the commands of each', async () => {
    await P.runGroup('cat', bothProtocols('cat', [['ACL', 'CAT'], ...CATS.map(cat), cat('READ')]), SETUP);
  });

  test('enforcement: commands, first args, subcommands, keys, channels, selectors, MULTI, scripts, ACL LOG', async () => {
    const setup = [
      ...SETUP,
      ['FUNCTION', 'FLUSH'],
      [
        'FUNCTION',
        'LOAD',
        "#!lua name=acl\nredis.register_function('f', function() return redis.pcall('get', 'x') end)",
      ],
    ];
    await P.runGroup('enforce', bothProtocols('enforce', ENFORCE), setup);
  });

  test('ACL DRYRUN', async () => {
    await P.runGroup('dryrun', bothProtocols('dryrun', DRYRUN), SETUP);
  });

  test('requirepass is the default user password; AUTH without a user', async () => {
    await P.runGroup('requirepass', bothProtocols('requirepass', REQUIREPASS), SETUP);
  });

  test('acllog-max-len, acl-pubsub-default, aclfile and user as directives', async () => {
    await P.runGroup('directives', bothProtocols('directives', CONFIG_DIRECTIVES), [
      ...SETUP,
      ['CONFIG', 'SET', 'acllog-max-len', '128'],
      ['CONFIG', 'SET', 'acl-pubsub-default', 'resetchannels'],
    ]);
  });

  test('NOAUTH until AUTH as a user; the default user disabled', async () => {
    const steps: (Arg[] | Step)[] = [
      ['ACL', 'SETUSER', 'u', 'on', '>p', '+@all', '~*'],
      ['ACL', 'SETUSER', 'default', 'off'],
    ];
    const diffs = new Diffs();
    await runCases(P, [{ name: 'disable default', steps }], diffs, SETUP);
    // A new connection: the default user is off, so it must AUTH first.
    {
      const [r, t] = await Promise.all([Conn.open(P.R.port), Conn.open(P.T.port)]);
      try {
        const seq: Arg[][] = [
          ['GET', 'x'],
          ['ACL', 'WHOAMI'],
          ['AUTH', 'default', 'x'],
          ['HELLO', '3', 'AUTH', 'u', 'p', 'SETNAME', 'a b'],
          ['ACL', 'WHOAMI'],
          ['CLIENT', 'GETNAME'],
          ['RESET'],
          ['GET', 'x'],
          ['AUTH', 'u', 'p'],
          ['ACL', 'SETUSER', 'default', 'on'],
        ];
        for (const cmd of seq) {
          const [a, b] = await Promise.all([r.send(cmd), t.send(cmd)]);
          if (cmd[0] === 'HELLO' && a.t !== '-') continue; // the connection ids differ
          diffs.check('disabled default', JSON.stringify(cmd), a.raw, b.raw);
        }
      } finally {
        r.close();
        t.close();
      }
    }
    diffs.assertNone('noauth');
  });

  test('CLIENT LIST shows the user; CLIENT KILL USER; DELUSER closes that user’s connections', async () => {
    const diffs = new Diffs();
    const seqs: string[] = [];
    for (const port of [P.R.port, P.T.port]) {
      const admin = await Conn.open(port);
      const [a, b, c] = await Promise.all([Conn.open(port), Conn.open(port), Conn.open(port)]);
      try {
        for (const cmd of SETUP) await admin.send(cmd);
        await admin.send(['ACL', 'SETUSER', 'u', 'on', '>p', '+@all', '~*', '&*']);
        await admin.send(['ACL', 'SETUSER', 'v', 'on', '>p', '+@all', '~*']);
        const got: string[] = [];
        got.push((await a.send(['AUTH', 'u', 'p'])).raw);
        got.push((await b.send(['AUTH', 'u', 'p'])).raw);
        got.push((await c.send(['AUTH', 'v', 'p'])).raw);
        const info = (await a.send(['CLIENT', 'INFO'])).raw;
        got.push(/ user=\S+/.exec(info)?.[0] ?? info);
        const list = (await admin.send(['CLIENT', 'LIST'])).raw;
        got.push(
          (list.match(/ user=\S+/g) ?? [])
            .map((s) => s.trim())
            .sort()
            .join(','),
        );
        got.push((await admin.send(['CLIENT', 'KILL', 'USER', 'nosuch'])).raw);
        got.push((await admin.send(['CLIENT', 'KILL', 'USER', 'v'])).raw);
        got.push((await c.send(['PING'])).raw);
        // DELUSER from a connection of that very user: its reply arrives, then it is closed too
        got.push((await a.send(['ACL', 'DELUSER', 'u'])).raw);
        got.push((await a.send(['PING'])).raw);
        got.push((await b.send(['PING'])).raw);
        got.push((await admin.send(['ACL', 'USERS'])).raw);
        seqs.push(got.join(' | '));
      } finally {
        for (const x of [admin, a, b, c]) x.close();
      }
    }
    diffs.check('deluser', 'sequence', seqs[0], seqs[1]);
    // What redis-server does, spelled out: the test would pass if both did nothing.
    expect(seqs[0]).toBe(EXPECTED_DELUSER);
    diffs.assertNone('client list / deluser');
  });

  test('SETUSER taking channels away closes that user’s subscribers; EXEC rechecks the queue', async () => {
    const diffs = new Diffs();
    const run = async (port: number): Promise<string[]> => {
      const admin = await Conn.open(port);
      const [s1, s2, m] = await Promise.all([Conn.open(port), Conn.open(port), Conn.open(port)]);
      try {
        for (const cmd of SETUP) await admin.send(cmd);
        await admin.send(['ACL', 'SETUSER', 'pub', 'on', 'nopass', '+@all', '~*', '&a', '&b*']);
        const out: string[] = [];
        for (const x of [s1, s2, m]) out.push((await x.send(['AUTH', 'pub', 'x'])).raw);
        out.push((await s1.send(['SUBSCRIBE', 'a'])).raw);
        out.push((await s2.send(['PSUBSCRIBE', 'b*'])).raw);
        out.push((await m.send(['MULTI'])).raw);
        out.push((await m.send(['SET', 'k', 'v'])).raw);
        out.push((await m.send(['PUBLISH', 'a', 'x'])).raw);
        out.push((await m.send(['GET', 'k'])).raw);
        // a superset of the channels keeps both subscribers; dropping b* closes the pattern one
        out.push((await admin.send(['ACL', 'SETUSER', 'pub', '&c'])).raw);
        out.push((await admin.send(['PUBSUB', 'NUMPAT'])).raw);
        out.push((await admin.send(['ACL', 'SETUSER', 'pub', 'resetchannels', '&a', '-get', '%R~k'])).raw);
        // The b* subscriber is being closed: wait until its socket is (3 s at most; the transcript then
        // records whether it was).
        for (let i = 0; i < 300 && !s2.closed; i++) await sleep(10);
        out.push((await admin.send(['PUBSUB', 'NUMPAT'])).raw);
        out.push((await admin.send(['PUBSUB', 'NUMSUB', 'a'])).raw);
        out.push((await m.send(['EXEC'])).raw);
        out.push(String(s2.closed));
        out.push(
          (await admin.send(['ACL', 'LOG', '1'])).c?.[0]?.c
            ?.slice(0, 8)
            .map((n) => n.raw)
            .join('') ?? '',
        );
        return out;
      } finally {
        for (const x of [admin, s1, s2, m]) x.close();
      }
    };
    const [a, b] = [await run(P.R.port), await run(P.T.port)];
    diffs.check('pubsub kill / exec recheck', 'sequence', a.join(' | '), b.join(' | '));
    diffs.assertNone('pubsub kill');
  });

  test('ACL GENPASS gives random hex of the asked length', async () => {
    const c = await Conn.open(P.T.port);
    try {
      const lens = [];
      for (const bits of [undefined, '1', '5', '128', '4096']) {
        const r = await c.send(bits === undefined ? ['ACL', 'GENPASS'] : ['ACL', 'GENPASS', bits]);
        const text = bulkText(r);
        expect(text).toMatch(/^[0-9a-f]+$/);
        lens.push(text.length);
      }
      expect(lens).toEqual([64, 1, 2, 32, 1024]);
      const [x, y] = [await c.send(['ACL', 'GENPASS']), await c.send(['ACL', 'GENPASS'])];
      expect(x.raw).not.toBe(y.raw);
    } finally {
      c.close();
    }
  });
});

const EXPECTED_DELUSER = [
  '+OK\r\n',
  '+OK\r\n',
  '+OK\r\n',
  ' user=u',
  'user=default,user=u,user=u,user=v',
  "-ERR No such user 'nosuch'\r\n",
  ':1\r\n',
  '<connection closed>',
  ':1\r\n',
  '<connection closed>',
  '<connection closed>',
  '*2\r\n$7\r\ndefault\r\n$1\r\nv\r\n',
].join(' | ');

// ---- aclfile and user directives: servers of their own ----

describe('ACL files and user directives, side by side with redis-server', () => {
  const started: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop('SIGKILL')));
    for (const s of started) fs.rmSync(s.dir, { recursive: true, force: true });
  });

  async function pair(fileText: string | null, extra: string[]): Promise<[RunningServer, RunningServer]> {
    const dirs = [tmpDir(), tmpDir()];
    const args = (d: string): string[] => {
      if (fileText === null) return extra;
      fs.writeFileSync(path.join(d, 'users.acl'), fileText);
      return ['--aclfile', path.join(d, 'users.acl'), ...extra];
    };
    const [R, T] = await Promise.all([
      startRedis(args(dirs[0]), dirs[0]),
      startTsredis(['--save', '', '--appendonly', 'no', ...args(dirs[1])], dirs[1]),
    ]);
    started.push(R, T);
    return [R, T];
  }

  async function compare(
    name: string,
    servers: [RunningServer, RunningServer],
    steps: (Arg[] | Step)[],
  ): Promise<void> {
    const diffs = new Diffs();
    await runCases({ R: servers[0], T: servers[1] }, [{ name, steps }], diffs, []);
    diffs.assertNone(name);
  }

  test('ACL LOAD and SAVE with an aclfile', async () => {
    const servers = await pair(
      'user alice on >a ~a* &a +@read -get (+set ~s*)\n\n  user bob off nopass\nuser default on nopass ~* &* +@all\n',
      [],
    );
    const files = servers.map((s) => path.join(s.dir, 'users.acl'));
    await compare('aclfile at startup', servers, [
      rules(['ACL', 'LIST']),
      ['ACL', 'SETUSER', 'carol', 'on', '>c', '+@all'],
      ['ACL', 'SAVE'],
    ]);
    const saved = files.map((f) => sortRuleRuns(fs.readFileSync(f, 'latin1')));
    expect(saved[1]).toBe(saved[0]);
    const bad = [
      'user alice on >a +nosuch',
      'nouser x',
      'user bob bogus ~a b',
      'user alice on',
      'user x (~a',
      '# comment',
    ].join('\n');
    for (const f of files) fs.writeFileSync(f, bad);
    const dirNorm = (n: Node): Node => ({ ...n, raw: n.raw.replace(/\/tmp\/[^/ ]+\//g, '<dir>/') });
    await compare('bad aclfile', servers, [{ cmd: ['ACL', 'LOAD'], norm: dirNorm }, rules(['ACL', 'LIST'])]);
    for (const f of files) fs.writeFileSync(f, 'user dave on >d +@all ~*\n');
    // ACL LOAD replaces every user (default kept if the file has none) and closes their connections
    const conns = await Promise.all(servers.map((s) => Conn.open(s.port)));
    const auth = await Promise.all(conns.map((c) => c.send(['AUTH', 'alice', 'a'])));
    expect(auth[1].raw).toBe(auth[0].raw);
    await compare('ACL LOAD', servers, [['ACL', 'LOAD'], rules(['ACL', 'LIST'])]);
    const after = await Promise.all(conns.map((c) => c.send(['PING'])));
    expect(after.map((x) => x.raw)).toEqual(['<connection closed>', '<connection closed>']);
    for (const f of files) fs.rmSync(f);
    await compare('missing aclfile', servers, [{ cmd: ['ACL', 'LOAD'], norm: dirNorm }]);
  });

  test('user directives on the command line', async () => {
    const servers = await pair(null, [
      '--user',
      'alice',
      'on',
      '>a',
      '~a*',
      '+@read',
      '--user',
      'default',
      'on',
      '>pw',
      '+@all',
      '~*',
      '--acl-pubsub-default',
      'allchannels',
      '--user',
      'bob',
      '(+get',
      '~b)',
    ]);
    await compare('user directives', servers, [
      ['AUTH', 'pw'],
      rules(['ACL', 'LIST']),
      ['CONFIG', 'GET', 'acl-pubsub-default'],
    ]);
  });

  test('bad user directives and an aclfile with users stop both servers at startup', async () => {
    for (const extra of [
      ['--user', 'alice', 'bogus'],
      ['--user', 'alice', '+nosuch'],
      ['--user', 'alice', 'on', '--user', 'alice', 'off'],
      ['--aclfile', '/nonexistent/users.acl'],
      ['--aclfile', '/dev/null', '--user', 'alice', 'on'],
    ]) {
      const results = await Promise.all([
        startRedis(extra).then(
          (s) => {
            started.push(s);
            return 'started';
          },
          () => 'refused',
        ),
        startTsredis(extra).then(
          (s) => {
            started.push(s);
            return 'started';
          },
          () => 'refused',
        ),
      ]);
      expect({ extra, tsredis: results[1] }).toEqual({ extra, tsredis: results[0] });
    }
  });
});

// Integration, side by side with redis-server 7.0: stream consumer groups, differentially. The same
// commands go to Debian's redis-server and to tsredis-server over raw RESP; replies are compared byte for
// byte (RESP2 and RESP3), and so is what a replica receives and what keyspace events say. Covered: XGROUP
// CREATE (MKSTREAM, ENTRIESREAD, $) / SETID / DESTROY / CREATECONSUMER / DELCONSUMER / HELP, XREADGROUP
// (`>`, history, NOACK, COUNT, several keys, deleted entries, entries taken over after SETID), XACK,
// XPENDING (summary, extended, IDLE, consumer), XCLAIM (IDLE, TIME, RETRYCOUNT, FORCE, JUSTID, LASTID,
// deleted entries), XAUTOCLAIM (COUNT, JUSTID, cursor, deleted IDs), XINFO STREAM [FULL [COUNT]] (with
// radix-tree-nodes over many nodes, after XDEL and XTRIM) / GROUPS / CONSUMERS / HELP, every error;
// blocking XREADGROUP woken by XADD, XGROUP DESTROY, DEL, SET, kept blocked by SETID / XSETID / XACK /
// XDEL, timeouts, NOACK; the replication stream (XCLAIM ... FORCE JUSTID LASTID, XGROUP SETID ...
// ENTRIESREAD, XGROUP CREATECONSUMER, MULTI wrapping); and a seeded random run of all of them.
// Time: idle times (XPENDING, XINFO CONSUMERS) and absolute times near the clock (XINFO FULL's delivery
// and seen times, the TIME of propagated XCLAIMs) differ by the milliseconds between the two servers'
// runs, so they are compared after normalisation: an idle time as a bucket (under 1 s, under 5 s, whole
// seconds, or "about the clock"), a time within 3 hours of now as <clock>. Values set by XCLAIM TIME far from the
// clock, delivery counts and every other integer are compared exactly.
import { Conn, sleep, type Arg, type Node } from './helpers/raw-resp.js';
import { Diffs, runCases, serverPair, show, type Case, type Step } from './helpers/differential.js';
import { ReplicaTap } from './helpers/replica-tap.js';
import { compareKeyspaceEvents } from './helpers/side-effects.js';
import { rng } from './helpers/dataset.js';
import { Gen } from './helpers/gen.js';

const P = serverPair();

// ---------------------------------------------------------------------------------------------------
// Normalising times

const tag = (text: string): Node => ({ t: '?', raw: `<${text}>` });

function intOf(n: Node | undefined): number | null {
  return n !== undefined && n.t === ':' ? Number(n.raw.slice(1, -2)) : null;
}

function bulkOf(n: Node | undefined): string | null {
  if (n === undefined || n.t !== '$' || n.raw.startsWith('$-1')) return null;
  return n.raw.slice(n.raw.indexOf('\r\n') + 2, -2);
}

const nearClock = (v: number): boolean => Math.abs(v - Date.now()) < 3 * 3600 * 1000;

/** An idle time as a bucket: under 1 s, under 5 s, whole seconds, or about the clock (since TIME 0-ish). */
function normIdle(n: Node): Node {
  const v = intOf(n);
  if (v === null || v < 0) return n;
  if (v < 1000) return tag('idle<1s');
  if (v < 5000) return tag('idle<5s');
  if (v > 1e12) return tag('idle~clock');
  return tag(`idle~${Math.round(v / 1000)}s`);
}

/** An absolute time within 3 hours of now. */
function normClock(n: Node): Node {
  const v = intOf(n);
  return v !== null && nearClock(v) ? tag('clock') : n;
}

function rebuild(n: Node, kids: Node[]): Node {
  return { ...n, c: kids, raw: `${n.t}${n.head}\r\n${kids.map((k) => k.raw).join('')}` };
}

/**
 * An idle time in hours, for the random run: its commands only set idle times of 0, of 2 h (IDLE
 * 7200000) or of about the clock (TIME 1000), and it can run for seconds on a busy machine, so the finer
 * buckets' edges (1 s, 5 s, each half second) would be crossed at slightly different moments on the
 * two servers. An idle time never reads below what was set, so whole hours are stable.
 */
function hourIdle(n: Node): Node {
  const v = intOf(n);
  if (v === null || v < 0) return n;
  if (v > 1e12) return tag('idle~clock');
  return tag(`idle~${Math.floor(v / 3_600_000)}h`);
}

/**
 * Times in group replies: the value after "idle" (XINFO CONSUMERS), after "seen-time" (XINFO FULL),
 * the third of [id, consumer, n, n] (XPENDING's idle, XINFO FULL's delivery time) and the second of
 * [id, n, n] (a consumer's PEL in XINFO FULL).
 */
function normTimesWith(idle: (n: Node) => Node): (n: Node) => Node {
  const norm = (n: Node): Node => {
    if (n.c === undefined) return n;
    const kids = n.c.map(norm);
    for (let i = 0; i + 1 < kids.length; i++) {
      const k = bulkOf(kids[i]);
      if (k === 'idle') kids[i + 1] = idle(kids[i + 1]);
      if (k === 'seen-time') kids[i + 1] = normClock(kids[i + 1]);
    }
    const ints = kids.map(intOf);
    if (kids.length === 4 && bulkOf(kids[0]) !== null && bulkOf(kids[1]) !== null && ints[2] !== null)
      kids[2] = nearClock(ints[2]) ? normClock(kids[2]) : idle(kids[2]);
    if (kids.length === 3 && bulkOf(kids[0]) !== null && ints[1] !== null && ints[2] !== null)
      kids[1] = normClock(kids[1]);
    return rebuild(n, kids);
  };
  return norm;
}

const normTimes = normTimesWith(normIdle);
const normTimesByHour = normTimesWith(hourIdle);

/** A propagated command with its TIME near the clock shown as <clock>. */
const normArgv = (argv: string[]): string =>
  argv.map((a, i) => (i > 0 && argv[i - 1] === 'TIME' && nearClock(Number(a)) ? '<clock>' : a)).join(' ');

// ---------------------------------------------------------------------------------------------------
// Fixed cases

const timed = (s: Arg[] | Step): Step => (Array.isArray(s) ? { cmd: s, norm: normTimes } : s);

/** Both RESP versions of each case, every reply's times normalised. */
const both = (cases: Case[]): Case[] => {
  const t = cases.map((c) => ({ ...c, steps: c.steps.map(timed) }));
  return [...t, ...t.map((c) => ({ ...c, name: `${c.name} (RESP3)`, resp3: true }))];
};

async function runGroup(name: string, cases: Case[]): Promise<void> {
  const diffs = new Diffs();
  await runCases(P, both(cases), diffs, [['FLUSHALL'], ['CONFIG', 'SET', 'stream-node-max-entries', '100']]);
  diffs.assertNone(name);
}

const adds = (key: string, ids: string[]): Arg[][] => ids.map((id, i) => ['XADD', key, id, 'f', `v${i}`]);
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const three: Arg[][] = adds('s', ['1-1', '1-2', '1-3']);

const XGROUP_CASES: Case[] = [
  {
    name: 'XGROUP CREATE',
    steps: [
      ['XGROUP', 'CREATE', 'nokey', 'g', '0'],
      ['XGROUP', 'CREATE', 'nokey', 'g', 'bad'],
      ['XGROUP', 'CREATE', 'nokey', 'g', 'bad', 'MKSTREAM'],
      ['EXISTS', 'nokey'],
      ['XGROUP', 'CREATE', 'nokey', 'g', '$', 'MKSTREAM'],
      ['TYPE', 'nokey'],
      ['XLEN', 'nokey'],
      ['XGROUP', 'CREATE', 'nokey', 'g', '$', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 'nokey', 'g', '0'],
      ['XGROUP', 'CREATE', 'nokey', 'g2', '0', 'ENTRIESREAD'],
      ['XGROUP', 'CREATE', 'nokey', 'g2', '0', 'ENTRIESREAD', '-2'],
      ['XGROUP', 'CREATE', 'nokey', 'g2', '0', 'ENTRIESREAD', 'abc'],
      ['XGROUP', 'CREATE', 'nokey', 'g2', '0', 'ENTRIESREAD', '-1'],
      ['XGROUP', 'CREATE', 'nokey', 'g3', '0', 'entriesread', '7'],
      ['XGROUP', 'CREATE', 'nokey', 'g4', '0', 'FOO'],
      ['XGROUP', 'CREATE', 'nokey', 'g4', '0', 'MKSTREAM', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 'nokey', 'g5', '0', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 'nokey', 'g5', '0', 'ENTRIESREAD', '3', 'ENTRIESREAD', '4'],
      ['XGROUP', 'CREATE', 'nokey', 'g5', '0', 'MKSTREAM', 'ENTRIESREAD', '4'],
      ['XGROUP', 'CREATE', 'nokey', 'g6', '-'],
      ['XGROUP', 'CREATE', 'nokey', 'g6', '+'],
      ['XGROUP', 'CREATE', 'nokey', 'g6', '5'],
      ['XGROUP', 'CREATE', 'nokey', 'g7', '18446744073709551615-18446744073709551615'],
      ['XGROUP', 'CREATE', 'nokeyx', 'g', '0', 'ENTRIESREAD', '-5', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 'nokeyx', 'g', '0', 'FOO'],
      ['SET', 'str', 'x'],
      ['XGROUP', 'CREATE', 'str', 'g', '0'],
      ['XGROUP', 'CREATE', 'str', 'g', '0', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 'str', 'g', '0', 'FOO'],
      ['XGROUP', 'CREATE'],
      ['XGROUP', 'CREATE', 'k', 'g'],
      ['XGROUP', 'create', 'nokey', 'G', '0'],
      ['XINFO', 'GROUPS', 'nokey'],
      ...three,
      ['XGROUP', 'CREATE', 's', 'a', '$'],
      ['XGROUP', 'CREATE', 's', 'b', '0'],
      ['XGROUP', 'CREATE', 's', 'c', '1-2', 'ENTRIESREAD', '2'],
      ['XGROUP', 'CREATE', 's', 'd', '1-2'],
      ['XINFO', 'GROUPS', 's'],
    ],
  },
  {
    name: 'XGROUP SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP',
    steps: [
      ...three,
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'SETID', 's', 'g', '1-2'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g', '1-2', 'ENTRIESREAD', '2'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g', '$'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g', '-'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g', '+'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g', '$', 'ENTRIESREAD', '3'],
      ['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', '-4'],
      ['XGROUP', 'SETID', 's', 'gx', '0', 'ENTRIESREAD', '-4'],
      ['XGROUP', 'SETID', 's', 'gx', 'bad'],
      ['XGROUP', 'SETID', 's', 'g', 'bad'],
      ['XGROUP', 'SETID', 's', 'g', '0', 'MKSTREAM'],
      ['XGROUP', 'SETID', 's', 'g', '0', 'foo'],
      ['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', '1', 'x'],
      ['XGROUP', 'SETID', 'nokey', 'g', '0'],
      ['XGROUP', 'SETID', 's', 'g'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'Bob'],
      ['XGROUP', 'CREATECONSUMER', 's', 'gx', 'c'],
      ['XGROUP', 'CREATECONSUMER', 'nokey', 'g', 'c'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c', 'x'],
      ['XINFO', 'CONSUMERS', 's', 'g'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'alice'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'alice'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'nobody'],
      ['XGROUP', 'DELCONSUMER', 's', 'gx', 'c'],
      ['XGROUP', 'DELCONSUMER', 'nokey', 'g', 'c'],
      ['XPENDING', 's', 'g'],
      ['XINFO', 'CONSUMERS', 's', 'g'],
      ['XGROUP', 'DESTROY', 's', 'gx'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XGROUP', 'DESTROY', 'nokey', 'g'],
      ['XGROUP', 'DESTROY', 's'],
      ['XGROUP', 'DESTROY', 's', 'g', 'x'],
      ['XINFO', 'GROUPS', 's'],
      ['SET', 'str', 'x'],
      ['XGROUP', 'DESTROY', 'str', 'g'],
      ['XGROUP', 'SETID', 'str', 'g', '0'],
      ['XGROUP', 'CREATECONSUMER', 'str', 'g', 'c'],
      ['XGROUP', 'DELCONSUMER', 'str', 'g', 'c'],
      ['XGROUP', 'HELP'],
      ['XGROUP', 'help'],
      ['XGROUP', 'HELP', 'x'],
      ['XGROUP', 'FOO'],
      ['XGROUP', 'FOO', 'k'],
      ['XGROUP'],
    ],
  },
];

const XREADGROUP_CASES: Case[] = [
  {
    name: 'XREADGROUP new entries, history, NOACK, COUNT',
    steps: [
      ...three,
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '>'],
      ['XINFO', 'CONSUMERS', 's', 'g'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '1-1'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '1'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '0', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '-5', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '18446744073709551615-18446744073709551615'],
      ['XREADGROUP', 'GROUP', 'g', 'dave', 'STREAMS', 's', '0'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XINFO', 'GROUPS', 's'],
      ['XADD', 's', '2-1', 'f', 'new'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'erin', 'NOACK', 'NOACK', 'COUNT', '5', 'STREAMS', 's', '>'],
      ['XINFO', 'GROUPS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '10', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'group', 'g', 'alice', 'count', '1', 'streams', 's', '0'],
      ['XDEL', 's', '1-1'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XINFO', 'STREAM', 's', 'FULL'],
    ],
  },
  {
    name: 'XREADGROUP several keys, the same key twice, entries taken over after SETID',
    steps: [
      ...three,
      ...adds('t', ['5-1', '5-2']),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 't', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'STREAMS', 's', 's', '>', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'STREAMS', 's', 's', '0', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'STREAMS', 's', 's', '>', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', 't', '>', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', 't', '>', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 't', 's', '0', '0'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c3', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XPENDING', 's', 'g'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c4', 'NOACK', 'STREAMS', 's', '>'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XINFO', 'GROUPS', 's'],
      ['XINFO', 'STREAM', 's', 'FULL'],
    ],
  },
  {
    name: 'XREADGROUP errors',
    steps: [
      ...three,
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['SET', 'str', 'x'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '$'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '0-x'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '-'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '+'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '(1-1'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'nokey', '>'],
      ['XREADGROUP', 'GROUP', 'gx', 'c', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'str', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 'str', '>', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 'nokey', '>', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'nokey', 's', '>', '$'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 's', '0', '$'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 's', 'bad', '$'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 'x', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '-1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 'x', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '1.5', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>', 'x'],
      ['XREADGROUP', 'GROUP', 'g', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'COUNT', '1', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'FOO', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'BLOCK', '1'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>', 'GROUP'],
      ['XINFO', 'CONSUMERS', 's', 'g'],
      ['MULTI'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'],
      ['EXEC'],
    ],
  },
];

const ACK_PENDING_CASES: Case[] = [
  {
    name: 'XACK',
    steps: [
      ...three,
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['SET', 'str', 'x'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
      ['XACK', 's', 'g'],
      ['XACK', 's', 'g', '1-1', 'bad'],
      ['XACK', 's', 'gx', '1-1'],
      ['XACK', 's', 'gx', 'bad'],
      ['XACK', 'nokey', 'g', '1-1'],
      ['XACK', 'nokey', 'g', 'bad'],
      ['XACK', 'str', 'g', '1-1'],
      ['XACK', 's', 'g', '-'],
      ['XACK', 's', 'g', '+'],
      ['XACK', 's', 'g', '1'],
      ['XACK', 's', 'g', '1-1', '1-1', '1-2', '9-9'],
      ['XACK', 's', 'g', '1-1'],
      ['XPENDING', 's', 'g'],
      ['XACK', 's', 'g', '1-3'],
      ['XPENDING', 's', 'g'],
    ],
  },
  {
    name: 'XPENDING',
    steps: [
      ...adds(
        's',
        range(1, 8).map((i) => `${i}-1`),
      ),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['SET', 'str', 'x'],
      ['XPENDING', 's', 'g'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XREADGROUP', 'GROUP', 'g', 'zed', 'COUNT', '3', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'amy', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'Bob', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'idle'],
      ['XPENDING', 's', 'g'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XPENDING', 's', 'g', '-', '+', '3'],
      ['XPENDING', 's', 'g', '2', '5', '10'],
      ['XPENDING', 's', 'g', '(2-1', '(5-1', '10'],
      ['XPENDING', 's', 'g', '2-1', '2-1', '10'],
      ['XPENDING', 's', 'g', '5', '3', '10'],
      ['XPENDING', 's', 'g', '-', '+', '10', 'amy'],
      ['XPENDING', 's', 'g', '-', '+', '10', 'idle'],
      ['XPENDING', 's', 'g', '-', '+', '10', 'nobody'],
      ['XPENDING', 's', 'g', '-', '+', '10', 'zed', 'extra'],
      ['XPENDING', 's', 'g', 'IDLE', '0', '-', '+', '10'],
      ['XPENDING', 's', 'g', 'IDLE', '1', '-', '+', '10'],
      ['XPENDING', 's', 'g', 'idle', '100000', '-', '+', '10'],
      ['XPENDING', 's', 'g', 'IDLE', '-5', '-', '+', '10'],
      ['XPENDING', 's', 'g', 'IDLE', '0', '-', '+', '10', 'Bob'],
      ['XCLAIM', 's', 'g', 'amy', '0', '1-1', 'IDLE', '200000', 'JUSTID'],
      ['XPENDING', 's', 'g', 'IDLE', '100000', '-', '+', '10'],
      ['XPENDING', 's', 'g', 'IDLE', '100000', '-', '+', '10', 'amy'],
      ['XPENDING', 's', 'g', '-', '+', '0'],
      ['XPENDING', 's', 'g', '-', '+', '-1'],
      ['XPENDING', 's', 'g', '-', '+', '9223372036854775807'],
      ['XPENDING', 's', 'g', '-', '+', '9223372036854775808'],
      ['XPENDING', 's', 'g', '-', '+', 'x'],
      ['XPENDING', 's', 'g', 'bad', '+', 'x'],
      ['XPENDING', 's', 'g', 'bad', '+', '10'],
      ['XPENDING', 's', 'g', '-', 'bad', '10'],
      ['XPENDING', 's', 'g', '(18446744073709551615-18446744073709551615', '+', '10'],
      ['XPENDING', 's', 'g', '-', '(0-0', '10'],
      ['XPENDING', 's', 'g', 'x'],
      ['XPENDING', 's', 'g', '-', '+'],
      ['XPENDING', 's', 'g', 'IDLE', 'x', '-', '+', '10'],
      ['XPENDING', 's', 'g', 'IDLE', '10'],
      ['XPENDING', 's', 'g', 'IDLE', '10', '-', '+'],
      ['XPENDING', 's', 'g', 'IDLE', '10', 'x'],
      ['XPENDING', 's', 'g', 'IDLE', '10', '-', '+', '10', 'c', 'x'],
      ['XPENDING', 's', 'g', '-', '+', '10', 'c', 'x', 'y'],
      ['XPENDING', 'nokey', 'g'],
      ['XPENDING', 'nokey', 'g', '-', '+', '10'],
      ['XPENDING', 'nokey', 'g', 'bad', '+', '10'],
      ['XPENDING', 's', 'gx'],
      ['XPENDING', 'str', 'g'],
      ['XPENDING', 's'],
      ['XDEL', 's', '1-1'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
    ],
  },
];

const CLAIM_CASES: Case[] = [
  {
    name: 'XCLAIM',
    steps: [
      ...three,
      ['XADD', 's', '1-4', 'f', 'v3'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['SET', 'str', 'x'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g', 'bob', '0', '1-1'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XCLAIM', 's', 'g', 'bob', '0', '1-1', 'JUSTID'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XCLAIM', 's', 'g', 'carol', '0', '1-1', '1-2', '1-3', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'carol', '0', '1-1', '1-2', '1-3', 'FORCE', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'carol', '0', '1-4', 'FORCE'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XCLAIM', 's', 'g', 'carol', '0', '1-2', 'FORCE', 'LASTID', '1-3'],
      ['XINFO', 'GROUPS', 's'],
      ['XCLAIM', 's', 'g', 'dave', '0', '1-2', 'RETRYCOUNT', '7', 'IDLE', '500000'],
      ['XCLAIM', 's', 'g', 'dave', '0', '1-2', 'TIME', '12345'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XCLAIM', 's', 'g', 'dave', '0', '1-2', 'IDLE', '10', 'TIME', '20'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XCLAIM', 's', 'g', 'erin', '100000', '1-1', '1-2', '1-3'],
      ['XCLAIM', 's', 'g', 'erin', '9223372036854775807', '1-1'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-1', 'IDLE', '-1', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-1', 'TIME', '-1', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-1', 'TIME', '99999999999999999', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-1', 'IDLE', '99999999999999999', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-1', 'IDLE', '-99999999999999999', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-1', 'RETRYCOUNT', '-1'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-1', 'RETRYCOUNT', '-5'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-1', 'RETRYCOUNT', '0', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-1', 'FORCE', 'FORCE', 'JUSTID', 'justid'],
      ['XCLAIM', 's', 'g', 'erin', '-1', '1-1'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1', 'JUSTID'],
      ['XCLAIM', 's', 'g', 'erin', '0', '1-1', 'LASTID', '0-1'],
      ['XCLAIM', 's', 'g', 'erin', '0', '9-9', 'LASTID', '7-7', 'JUSTID'],
      ['XINFO', 'GROUPS', 's'],
      ['XCLAIM', 's', 'g', 'frank', '0', '9-9'],
      ['XINFO', 'CONSUMERS', 's', 'g'],
      ['XDEL', 's', '1-2'],
      ['XCLAIM', 's', 'g', 'frank', '0', '1-2', '1-3'],
      ['XCLAIM', 's', 'g', 'frank', '0', '1-2', 'FORCE'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XINFO', 'STREAM', 's', 'FULL'],
      ['XCLAIM', 'nokey', 'g', 'c', '0', '1-1'],
      ['XCLAIM', 'nokey', 'g', 'c', 'x', '1-1'],
      ['XCLAIM', 'str', 'g', 'c', '0', '1-1'],
      ['XCLAIM', 's', 'gx', 'c', '0', '1-1'],
      ['XCLAIM', 's', 'g', 'c', 'x', '1-1'],
      ['XCLAIM', 's', 'g', 'c', '1.5', '1-1'],
      ['XCLAIM', 's', 'g', 'c', '0', 'bad'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'bad'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'IDLE'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'IDLE', 'x'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'TIME', 'x'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'RETRYCOUNT', 'x'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'LASTID', 'bad'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'LASTID', '-'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'LASTID', '+'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'LASTID'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'JUSTID', 'foo'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', '-'],
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'JUSTID', '1-3'],
      ['XCLAIM', 's', 'g', 'c', '0'],
      ['XINFO', 'CONSUMERS', 's', 'g'],
    ],
  },
  {
    name: 'XAUTOCLAIM',
    steps: [
      ...adds(
        's',
        range(1, 6).map((i) => `${i}-1`),
      ),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['SET', 'str', 'x'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '2'],
      ['XAUTOCLAIM', 's', 'g', 'bob', '0', '3-1', 'COUNT', '2'],
      ['XAUTOCLAIM', 's', 'g', 'carol', '0', '(3-1', 'COUNT', '2', 'JUSTID'],
      ['XAUTOCLAIM', 's', 'g', 'carol', '0', '-', 'COUNT', '1', 'JUSTID'],
      ['XAUTOCLAIM', 's', 'g', 'carol', '0', '+'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XCLAIM', 's', 'g', 'dave', '0', '2-1', '4-1', 'IDLE', '300000', 'JUSTID'],
      ['XAUTOCLAIM', 's', 'g', 'erin', '100000', '0'],
      ['XAUTOCLAIM', 's', 'g', 'erin', '100000', '0'],
      ['XAUTOCLAIM', 's', 'g', 'frank', '9999999', '0'],
      ['XINFO', 'CONSUMERS', 's', 'g'],
      ['XDEL', 's', '1-1', '3-1'],
      ['XAUTOCLAIM', 's', 'g', 'gina', '99999999', '0', 'COUNT', '1'],
      ['XAUTOCLAIM', 's', 'g', 'gina', '0', '0'],
      ['XPENDING', 's', 'g'],
      ['XDEL', 's', '5-1', '6-1'],
      ['XAUTOCLAIM', 's', 'g', 'gina', '0', '0', 'COUNT', '1'],
      ['XAUTOCLAIM', 's', 'g', 'gina', '0', '0', 'JUSTID'],
      ['XPENDING', 's', 'g', '-', '+', '10'],
      ['XAUTOCLAIM', 'nokey', 'g', 'c', '0', '0'],
      ['XAUTOCLAIM', 'str', 'g', 'c', '0', '0'],
      ['XAUTOCLAIM', 's', 'gx', 'c', '0', '0'],
      ['XAUTOCLAIM', 's', 'g', 'c', 'x', '0'],
      ['XAUTOCLAIM', 'nokey', 'g', 'c', 'x', '0'],
      ['XAUTOCLAIM', 's', 'g', 'c', '-1', '0'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', 'bad'],
      ['XAUTOCLAIM', 'nokey', 'g', 'c', '0', 'bad'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '(18446744073709551615-18446744073709551615'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '0'],
      ['XAUTOCLAIM', 'nokey', 'g', 'c', '0', '0', 'COUNT', '0'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '-1'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', 'x'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '1000000'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '576460752303423487'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '576460752303423488'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '9223372036854775808'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'JUSTID', 'foo'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'foo'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0'],
    ],
  },
  {
    name: 'XAUTOCLAIM scans at most COUNT * 10 pending entries',
    steps: [
      ...adds(
        's',
        range(1, 30).map((i) => `${i}-0`),
      ),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g', 'a', '0', '25-0', '29-0', 'IDLE', '100000', 'JUSTID'],
      ['XAUTOCLAIM', 's', 'g', 'b', '50000', '0', 'COUNT', '1'],
      ['XAUTOCLAIM', 's', 'g', 'b', '50000', '11-0', 'COUNT', '1'],
      ['XAUTOCLAIM', 's', 'g', 'b', '50000', '21-0', 'COUNT', '1', 'JUSTID'],
      ['XAUTOCLAIM', 's', 'g', 'b', '50000', '26-0', 'COUNT', '1', 'JUSTID'],
      ['XAUTOCLAIM', 's', 'g', 'b', '0', '21-0', 'COUNT', '2', 'JUSTID'],
      ['XAUTOCLAIM', 's', 'g', 'b', '0', '29-0', 'COUNT', '2', 'JUSTID'],
      ['XAUTOCLAIM', 's', 'g', 'b', '0', '30-0', 'COUNT', '1', 'JUSTID'],
      ['XDEL', 's', ...range(1, 12).map((i) => `${i}-0`)],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '1'],
      ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '3'],
      ['XPENDING', 's', 'g'],
    ],
  },
];

/** Consumers created, 1.2 s of nothing, then commands that may or may not refresh their seen-time. */
const SEEN_BEFORE: Arg[][] = [
  ...three,
  ['XGROUP', 'CREATE', 's', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'x', 'COUNT', '1', 'STREAMS', 's', '>'],
  ...['a', 'b', 'c', 'd', 'e', 'f', 'h', 'i'].map((n) => ['XGROUP', 'CREATECONSUMER', 's', 'g', n]),
  ['XREADGROUP', 'GROUP', 'g', 'i', 'COUNT', '1', 'STREAMS', 's', '>'],
];
const SEEN_AFTER: Arg[][] = [
  ['XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '1', 'STREAMS', 's', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'b', 'STREAMS', 's', '>'],
  ['XPENDING', 's', 'g', '-', '+', '10', 'c'],
  ['XCLAIM', 's', 'g', 'd', '0', '9-9'],
  ['XCLAIM', 's', 'g', 'e', '0', '1-1'],
  ['XAUTOCLAIM', 's', 'g', 'f', '99999999', '0'],
  ['XGROUP', 'CREATECONSUMER', 's', 'g', 'h'],
  ['XREADGROUP', 'GROUP', 'g', 'i', 'STREAMS', 's', '0'],
  ['XINFO', 'CONSUMERS', 's', 'g'],
];

const XINFO_CASES: Case[] = [
  {
    name: 'XINFO STREAM, GROUPS, CONSUMERS, HELP',
    steps: [
      ['SET', 'str', 'x'],
      ['XINFO', 'STREAM', 'nokey'],
      ['XINFO', 'STREAM', 'str'],
      ['XINFO', 'GROUPS', 'nokey'],
      ['XINFO', 'GROUPS', 'str'],
      ['XINFO', 'CONSUMERS', 'nokey', 'g'],
      ['XINFO', 'CONSUMERS', 'str', 'g'],
      ...three,
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'STREAM', 's', 'FULL'],
      ['XINFO', 'GROUPS', 's'],
      ['XINFO', 'CONSUMERS', 's', 'gx'],
      ['XGROUP', 'CREATE', 's', 'g2', '$'],
      ['XGROUP', 'CREATE', 's', 'g1', '0', 'ENTRIESREAD', '0'],
      ['XREADGROUP', 'GROUP', 'g1', 'zz', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g1', 'aa', 'STREAMS', 's', '>'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g1', 'mm'],
      ['XCLAIM', 's', 'g1', 'mm', '0', '1-3', 'TIME', '424242', 'RETRYCOUNT', '9'],
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'STREAM', 's', 'FULL'],
      ['XINFO', 'STREAM', 's', 'full', 'count', '1'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '-1'],
      ['XINFO', 'GROUPS', 's'],
      ['XINFO', 'CONSUMERS', 's', 'g1'],
      ['XINFO', 'CONSUMERS', 's', 'g2'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', 'x'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '9223372036854775808'],
      ['XINFO', 'STREAM', 's', 'foo'],
      ['XINFO', 'STREAM', 's', 'FULL', 'foo', '1'],
      ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '1', 'x'],
      ['XINFO', 'STREAM', 'nokey', 'FULL'],
      ['XINFO', 'STREAM', 'nokey', 'foo'],
      ['XINFO', 'STREAM', 'str', 'foo'],
      ['XINFO', 'STREAM'],
      ['XINFO', 'GROUPS', 's', 'x'],
      ['XINFO', 'CONSUMERS', 's'],
      ['XINFO', 'HELP'],
      ['XINFO', 'HELP', 'x'],
      ['XINFO', 'FOO'],
      ['XINFO'],
      ['XDEL', 's', '1-2'],
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'GROUPS', 's'],
      ['XDEL', 's', '1-1', '1-3'],
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'STREAM', 's', 'FULL'],
      ['XINFO', 'GROUPS', 's'],
      ['XADD', 's', '2-1', 'f', 'v'],
      ['XINFO', 'GROUPS', 's'],
    ],
  },
  {
    name: 'XINFO radix-tree keys and nodes over many nodes, after XDEL and XTRIM',
    steps: [
      ['CONFIG', 'SET', 'stream-node-max-entries', '3'],
      ...adds('s', [
        ...range(1, 40).map((i) => `${i}-1`),
        ...range(1, 30).map((i) => `300-${i}`),
        ...range(1, 20).map((i) => `${i * 65536}-0`),
        '1099511627776-5',
        '1099511627777-5',
        '72057594037927936-1',
      ]),
      ['XINFO', 'STREAM', 's'],
      ['XDEL', 's', '4-1', '5-1', '6-1'],
      ['XINFO', 'STREAM', 's'],
      ['XDEL', 's', '300-4', '300-5', '300-6', '300-10'],
      ['XINFO', 'STREAM', 's'],
      ['XTRIM', 's', 'MAXLEN', '~', '60'],
      ['XINFO', 'STREAM', 's'],
      ['XTRIM', 's', 'MINID', '300-20'],
      ['XINFO', 'STREAM', 's'],
      ['XTRIM', 's', 'MAXLEN', '3'],
      ['XINFO', 'STREAM', 's'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XINFO', 'STREAM', 's'],
      ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
    ],
  },
];

describe('fixed cases', () => {
  test('XGROUP', () => runGroup('XGROUP', XGROUP_CASES));
  test('XREADGROUP', () => runGroup('XREADGROUP', XREADGROUP_CASES));
  test('XACK, XPENDING', () => runGroup('XACK/XPENDING', ACK_PENDING_CASES));
  test('XCLAIM, XAUTOCLAIM', () => runGroup('XCLAIM/XAUTOCLAIM', CLAIM_CASES));
  test('XINFO', () => runGroup('XINFO', XINFO_CASES));
  test('which commands refresh a consumer seen-time (XINFO CONSUMERS idle under / over 1 s)', async () => {
    const diffs = new Diffs();
    await runCases(P, [{ name: 'seen-time setup', steps: SEEN_BEFORE.map(timed) }], diffs);
    await sleep(1200);
    await runCases(P, [{ name: 'seen-time', steps: SEEN_AFTER.map(timed) }], diffs, []);
    diffs.assertNone('seen-time');
  });
});

// ---------------------------------------------------------------------------------------------------
// Blocking XREADGROUP

async function openBoth(): Promise<[Conn, Conn]> {
  return Promise.all([Conn.open(P.R.port), Conn.open(P.T.port)]);
}

interface BlockedCase {
  name: string;
  setup: Arg[][];
  /** One blocked reader per entry (each on its own connection), sent in order. */
  readers: Arg[][];
  writes: (Arg[] | number)[];
  resp3?: boolean;
  waitMs?: number;
  /** Compared after the readers were answered (or not). */
  after?: Arg[][];
}

const notYet = (): Node => ({ t: '?', raw: '<still blocked>' });

/** Blocked readers on both servers, then the writer's steps; every reply is compared. */
async function blockedCase(diffs: Diffs, k: BlockedCase): Promise<void> {
  const [wr, wt] = await openBoth();
  const readers = await Promise.all(k.readers.map(() => openBoth()));
  try {
    for (const cmd of [['FLUSHALL'], ...k.setup]) await Promise.all([wr.send(cmd), wt.send(cmd)]);
    const got: [Node | null, Node | null][] = k.readers.map(() => [null, null]);
    for (let i = 0; i < k.readers.length; i++) {
      const [rr, rt] = readers[i];
      if (k.resp3 === true) await Promise.all([rr.send(['HELLO', '3']), rt.send(['HELLO', '3'])]);
      void rr.send(k.readers[i], 10_000).then((n) => (got[i][0] = n));
      void rt.send(k.readers[i], 10_000).then((n) => (got[i][1] = n));
      await sleep(50);
    }
    await sleep(50);
    for (const w of k.writes) {
      if (typeof w === 'number') {
        await sleep(w);
        continue;
      }
      const [a, b] = await Promise.all([wr.send(w), wt.send(w)]);
      diffs.check(k.name, `writer ${show(w)}`, a.raw, b.raw);
      await sleep(20);
    }
    await sleep(k.waitMs ?? 250);
    for (let i = 0; i < k.readers.length; i++)
      diffs.check(
        k.name,
        `reader ${i} ${show(k.readers[i])}`,
        (got[i][0] ?? notYet()).raw,
        (got[i][1] ?? notYet()).raw,
      );
    for (const cmd of k.after ?? []) {
      const [a, b] = await Promise.all([wr.send(cmd), wt.send(cmd)]);
      diffs.check(k.name, `after ${show(cmd)}`, normTimes(a).raw, normTimes(b).raw);
    }
  } finally {
    for (const c of [wr, wt, ...readers.flat()]) c.close();
  }
}

const grouped: Arg[][] = [
  ['XADD', 's', '1-1', 'a', '1'],
  ['XGROUP', 'CREATE', 's', 'g', '$'],
];
const blockRead = (consumer: string, ...opts: string[]): Arg[] => [
  'XREADGROUP',
  'GROUP',
  'g',
  consumer,
  ...opts,
  'BLOCK',
  '0',
  'STREAMS',
  's',
  '>',
];
const afterRead: Arg[][] = [
  ['XINFO', 'CONSUMERS', 's', 'g'],
  ['XPENDING', 's', 'g', '-', '+', '10'],
  ['XINFO', 'GROUPS', 's'],
];

function blockedCases(resp3: boolean): BlockedCase[] {
  const r = resp3 ? ' (RESP3)' : '';
  const x = { resp3, after: afterRead };
  return [
    {
      name: `woken by XADD${r}`,
      setup: grouped,
      readers: [blockRead('c1')],
      writes: [['XADD', 's', '2-1', 'b', '2']],
      ...x,
    },
    {
      name: `two readers, two XADDs${r}`,
      setup: grouped,
      readers: [blockRead('c1'), blockRead('c2')],
      writes: [
        ['XADD', 's', '2-1', 'b', '2'],
        ['XADD', 's', '3-1', 'b', '3'],
      ],
      ...x,
    },
    {
      name: `two readers, one XADD${r}`,
      setup: grouped,
      readers: [blockRead('c1'), blockRead('c2')],
      writes: [['XADD', 's', '2-1', 'b', '2']],
      ...x,
    },
    {
      name: `NOACK${r}`,
      setup: grouped,
      readers: [blockRead('c1', 'NOACK')],
      writes: [['XADD', 's', '2-1', 'b', '2']],
      ...x,
    },
    {
      name: `COUNT 1 with two new entries${r}`,
      setup: grouped,
      readers: [blockRead('c1', 'COUNT', '1')],
      writes: [['MULTI'], ['XADD', 's', '2-1', 'b', '2'], ['XADD', 's', '3-1', 'b', '3'], ['EXEC']],
      ...x,
    },
    {
      name: `XGROUP DESTROY${r}`,
      setup: grouped,
      readers: [blockRead('c1')],
      writes: [['XGROUP', 'DESTROY', 's', 'g']],
      ...x,
    },
    { name: `DEL${r}`, setup: grouped, readers: [blockRead('c1')], writes: [['DEL', 's']], ...x },
    {
      name: `RENAME onto the key${r}`,
      setup: [...grouped, ['XADD', 'o', '9-1', 'x', 'y'], ['XGROUP', 'CREATE', 'o', 'g', '0']],
      readers: [blockRead('c1')],
      writes: [['RENAME', 'o', 's']],
      ...x,
    },
    {
      name: `SET over the stream${r}`,
      setup: grouped,
      readers: [blockRead('c1')],
      writes: [['SET', 's', 'x']],
      ...x,
    },
    {
      name: `DEL, XADD and XGROUP CREATE in one MULTI${r}`,
      setup: grouped,
      readers: [blockRead('c1')],
      writes: [
        ['MULTI'],
        ['DEL', 's'],
        ['XADD', 's', '5-1', 'b', '2'],
        ['XGROUP', 'CREATE', 's', 'g', '0'],
        ['EXEC'],
      ],
      ...x,
    },
    {
      name: `XGROUP DESTROY and CREATE in one MULTI${r}`,
      setup: grouped,
      readers: [blockRead('c1')],
      writes: [['MULTI'], ['XGROUP', 'DESTROY', 's', 'g'], ['XGROUP', 'CREATE', 's', 'g', '0'], ['EXEC']],
      ...x,
    },
    {
      name: `XADD then XDEL in one MULTI: served empty${r}`,
      setup: grouped,
      readers: [blockRead('c1')],
      writes: [['MULTI'], ['XADD', 's', '2-1', 'b', '2'], ['XDEL', 's', '2-1'], ['EXEC']],
      ...x,
    },
    {
      name: `XGROUP SETID back does not wake, the next XADD serves everything${r}`,
      setup: grouped,
      readers: [blockRead('c1')],
      writes: [['XGROUP', 'SETID', 's', 'g', '0'], 150, ['XADD', 's', '2-1', 'b', '2']],
      ...x,
    },
    {
      name: `XSETID, XACK, CREATECONSUMER, XTRIM, XDEL do not wake${r}`,
      setup: [...grouped, ['XADD', 's', '1-2', 'a', '1']],
      readers: [blockRead('c1')],
      writes: [
        ['XSETID', 's', '9-9'],
        ['XACK', 's', 'g', '1-1'],
        ['XGROUP', 'CREATECONSUMER', 's', 'g', 'other'],
        ['XREADGROUP', 'GROUP', 'g', 'other', 'STREAMS', 's', '0'],
        ['XDEL', 's', '1-1'],
        ['XTRIM', 's', 'MAXLEN', '0'],
        ['EXPIRE', 's', '1000'],
      ],
      ...x,
    },
    {
      name: `two keys, the second written${r}`,
      setup: [...grouped, ['XADD', 't', '1-1', 'a', '1'], ['XGROUP', 'CREATE', 't', 'g', '$']],
      readers: [['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 's', 't', '>', '>']],
      writes: [['XADD', 't', '2-1', 'b', '2']],
      resp3,
      after: [
        ['XINFO', 'CONSUMERS', 's', 'g'],
        ['XINFO', 'CONSUMERS', 't', 'g'],
      ],
    },
    {
      name: `timeout${r}`,
      setup: grouped,
      readers: [['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '100', 'STREAMS', 's', '>']],
      writes: [300],
      ...x,
    },
    {
      name: `timeout after a change that does not serve${r}`,
      setup: grouped,
      readers: [['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '300', 'STREAMS', 's', '>']],
      writes: [['XACK', 's', 'g', '1-1'], 400],
      ...x,
    },
  ];
}

/** Redis unblocks these with -UNBLOCKED too; tsredis's dispatcher does not wake blocked clients on them. */
const flushCases: BlockedCase[] = [
  { name: 'FLUSHALL', setup: grouped, readers: [blockRead('c1')], writes: [['FLUSHALL']] },
  { name: 'FLUSHDB', setup: grouped, readers: [blockRead('c1')], writes: [['FLUSHDB']] },
  { name: 'SWAPDB', setup: grouped, readers: [blockRead('c1')], writes: [['SWAPDB', '0', '1']] },
];

describe('blocking XREADGROUP', () => {
  test('woken, unblocked with errors, kept blocked, timed out (RESP2)', async () => {
    const diffs = new Diffs();
    for (const k of blockedCases(false)) await blockedCase(diffs, k);
    diffs.assertNone('blocking XREADGROUP');
  });
  test('the same in RESP3', async () => {
    const diffs = new Diffs();
    for (const k of blockedCases(true)) await blockedCase(diffs, k);
    diffs.assertNone('blocking XREADGROUP (RESP3)');
  });
  // FLUSHALL, FLUSHDB and SWAPDB re-run the commands blocked in their dbs: XREADGROUP replies -UNBLOCKED.
  test('FLUSHALL / FLUSHDB / SWAPDB unblock it with -UNBLOCKED', async () => {
    const diffs = new Diffs();
    for (const k of flushCases) await blockedCase(diffs, k);
    diffs.assertNone('blocked XREADGROUP and flushes');
  });
});

// ---------------------------------------------------------------------------------------------------
// Replication and keyspace events

/**
 * Writes on both servers while a replica tap listens to each; the commands they receive are compared.
 * ['READERS'] among the writes starts the blocked readers (one connection each), ['SLEEP', ms] waits.
 */
async function compareReplication(
  diffs: Diffs,
  name: string,
  writes: Arg[][],
  blocked: Arg[][] = [],
  resp3 = false,
  norm = normTimes,
): Promise<void> {
  const [cr, ct] = await openBoth();
  if (resp3) await Promise.all([cr.send(['HELLO', '3']), ct.send(['HELLO', '3'])]);
  await Promise.all([cr.send(['FLUSHALL']), ct.send(['FLUSHALL'])]);
  const [tr, tt] = await Promise.all([ReplicaTap.open(P.R.port), ReplicaTap.open(P.T.port)]);
  const readers = await Promise.all(blocked.map(() => openBoth()));
  try {
    for (const w of writes) {
      if (w[0] === 'READERS') {
        for (let i = 0; i < blocked.length; i++) {
          void readers[i][0].send(blocked[i], 10_000);
          void readers[i][1].send(blocked[i], 10_000);
          await sleep(50);
        }
        continue;
      }
      if (w[0] === 'SLEEP') {
        await sleep(Number(w[1]));
        continue;
      }
      const [a, b] = await Promise.all([cr.send(w), ct.send(w)]);
      diffs.check(name, `write ${show(w)}`, norm(a).raw, norm(b).raw);
    }
    await Promise.all([cr.send(['SET', 'end', 'x']), ct.send(['SET', 'end', 'x'])]);
    const until = async (t: ReplicaTap): Promise<string> => {
      for (let i = 0; i < 300 && !t.commands.some((c) => c[0] === 'SET' && c[1] === 'end'); i++)
        await sleep(10);
      return t.commands.map(normArgv).join('\n');
    };
    const [a, b] = await Promise.all([until(tr), until(tt)]);
    diffs.check(name, 'replication stream', a, b);
  } finally {
    for (const c of [cr, ct, tr, tt, ...readers.flat()]) c.close();
  }
}

describe('what replicas receive', () => {
  test('XGROUP, XREADGROUP, XACK, XCLAIM, XAUTOCLAIM as redis-server propagates them', async () => {
    const diffs = new Diffs();
    await compareReplication(diffs, 'groups', [
      ...adds('s', ['1-1', '1-2', '1-3', '1-4']),
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 'm', 'g', '$', 'MKSTREAM', 'ENTRIESREAD', '0'],
      ['XGROUP', 'CREATE', 'm', 'g2', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'dave', 'NOACK', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'erin', 'STREAMS', 's', 'm', '>', '>'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'frank', 'NOACK', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XGROUP', 'SETID', 's', 'g', '$', 'ENTRIESREAD', '4'],
      ['XACK', 's', 'g', '1-1', '9-9'],
      ['XACK', 's', 'g', '9-9'],
      ['XCLAIM', 's', 'g', 'gina', '0', '1-2', '1-3', '9-9'],
      ['XCLAIM', 's', 'g', 'gina', '0', '1-2', 'JUSTID', 'TIME', '12345', 'RETRYCOUNT', '5'],
      ['XCLAIM', 's', 'g', 'gina', '0', '1-1', '1-4', 'FORCE', 'JUSTID', 'TIME', '777'],
      ['XCLAIM', 's', 'g', 'gina', '0', '9-9', 'LASTID', '5-5'],
      ['XCLAIM', 's', 'g', 'gina', '0', '1-2', 'LASTID', '6-6', 'TIME', '888'],
      ['XCLAIM', 's', 'g', 'gina', '0', '1', 'LASTID', '1-1'],
      ['XDEL', 's', '1-3'],
      ['XCLAIM', 's', 'g', 'hank', '0', '1-3', '1-4', 'TIME', '999'],
      ['XAUTOCLAIM', 's', 'g', 'ivy', '0', '0', 'COUNT', '1'],
      ['XAUTOCLAIM', 's', 'g', 'ivy', '99999999', '0'],
      ['XDEL', 's', '1-2'],
      ['XAUTOCLAIM', 's', 'g', 'jack', '0', '0', 'JUSTID'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'kim'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'kim'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'kim'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'kim'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XREADGROUP', 'GROUP', 'g2', 'x', 'STREAMS', 'm', '0'],
      ['MULTI'],
      ['XADD', 'm', '7-1', 'f', 'v'],
      ['XREADGROUP', 'GROUP', 'g2', 'x', 'STREAMS', 'm', '>'],
      ['XACK', 'm', 'g2', '7-1'],
      ['EXEC'],
      ['XADD', 'm', '8-1', 'f', 'v'],
      ['XADD', 'm', '8-2', 'f', 'v'],
      ['EVAL', "return redis.call('XREADGROUP', 'GROUP', 'g2', 'y', 'STREAMS', 'm', '>')", '0'],
      [
        'EVAL',
        "redis.call('XACK', 'm', 'g2', '8-1'); return redis.call('XCLAIM', 'm', 'g2', 'z', '0', '8-2')",
        '0',
      ],
    ]);
    diffs.assertNone('replication');
  });

  // A script with a single effect propagates it unwrapped, and XREADGROUP BLOCK is refused inside a
  // script ("... is not allowed with BLOCK option from scripts").
  test('inside scripts', async () => {
    const diffs = new Diffs();
    await compareReplication(diffs, 'scripts', [
      ['XADD', 'm', '8-1', 'f', 'v'],
      ['XGROUP', 'CREATE', 'm', 'g', '0'],
      ['EVAL', "return redis.call('XREADGROUP', 'GROUP', 'g', 'y', 'STREAMS', 'm', '>')", '0'],
      ['EVAL', "return redis.call('XREADGROUP', 'GROUP', 'g', 'y', 'BLOCK', '0', 'STREAMS', 'm', '>')", '0'],
    ]);
    diffs.assertNone('scripts');
  });

  test('blocked XREADGROUP served by XADD (and NOACK), as redis-server propagates it', async () => {
    const diffs = new Diffs();
    await compareReplication(
      diffs,
      'blocked',
      [
        ['XADD', 's', '1-1', 'f', 'v'],
        ['XGROUP', 'CREATE', 's', 'g', '$'],
        ['XADD', 't', '1-1', 'f', 'v'],
        ['XGROUP', 'CREATE', 't', 'g', '$'],
        ['READERS'],
        ['SLEEP', '100'],
        ['XADD', 's', '2-1', 'f', 'v'],
        ['SLEEP', '50'],
        ['MULTI'],
        ['XADD', 't', '2-1', 'f', 'v'],
        ['XADD', 't', '2-2', 'f', 'v'],
        ['EXEC'],
        ['SLEEP', '50'],
        ['XADD', 's', '3-1', 'f', 'v'],
        ['SLEEP', '50'],
      ],
      [
        ['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 's', '>'],
        ['XREADGROUP', 'GROUP', 'g', 'c2', 'NOACK', 'BLOCK', '0', 'STREAMS', 't', '>'],
        ['XREADGROUP', 'GROUP', 'g', 'c3', 'BLOCK', '0', 'STREAMS', 's', '>'],
      ],
    );
    diffs.assertNone('replication of blocked XREADGROUP');
  });
});

describe('keyspace events', () => {
  test('xgroup-* events, as redis-server announces them', async () => {
    const diffs = new Diffs();
    await compareKeyspaceEvents(P, diffs, 'keyspace events', [
      ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
      ['XADD', 's', '1-1', 'f', 'v'],
      ['XADD', 's', '1-2', 'f', 'v'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c'],
      ['XREADGROUP', 'GROUP', 'g', 'd', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'e', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'f', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'never', 'STREAMS', 's', '>'],
      ['XACK', 's', 'g', '1-1'],
      ['XCLAIM', 's', 'g', 'h', '0', '1-2'],
      ['XCLAIM', 's', 'g', 'i', '0', '9-9'],
      ['XAUTOCLAIM', 's', 'g', 'j', '0', '0'],
      ['XPENDING', 's', 'g'],
      ['XINFO', 'STREAM', 's'],
      ['XINFO', 'STREAM', 'missing'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'missing', '>'],
      ['XACK', 'missing', 'g', '1-1'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'j'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'j'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XGROUP', 'DESTROY', 's', 'g'],
    ]);
    diffs.assertNone('keyspace events');
  });
});

// ---------------------------------------------------------------------------------------------------
// WATCH

/** Whether `cmd` from another connection makes a transaction WATCHing `s` fail, on each server. */
async function watchCompare(diffs: Diffs, setup: Arg[][], cmd: Arg[]): Promise<void> {
  const [ar, at] = await openBoth();
  const [br, bt] = await openBoth();
  try {
    for (const c of [['FLUSHALL'], ...setup]) await Promise.all([br.send(c), bt.send(c)]);
    await Promise.all([ar.send(['WATCH', 's']), at.send(['WATCH', 's'])]);
    await Promise.all([br.send(cmd), bt.send(cmd)]);
    const exec = async (c: Conn): Promise<string> => {
      await c.send(['MULTI']);
      await c.send(['PING']);
      return (await c.send(['EXEC'])).raw;
    };
    const [a, b] = await Promise.all([exec(ar), exec(at)]);
    diffs.check('WATCH', show(cmd), a, b);
  } finally {
    for (const c of [ar, at, br, bt]) c.close();
  }
}

const watchBase: Arg[][] = [...three, ['XGROUP', 'CREATE', 's', 'g', '0']];
const watchRead: Arg[][] = [...watchBase, ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>']];

describe('WATCH', () => {
  test('XGROUP CREATE MKSTREAM creating the key aborts a transaction watching it', async () => {
    const diffs = new Diffs();
    await watchCompare(diffs, [], ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    await watchCompare(diffs, watchBase, ['XGROUP', 'CREATE', 's', 'g', '0']);
    await watchCompare(diffs, watchRead, ['XACK', 's', 'g', '9-9']);
    diffs.assertNone('WATCH');
  });
  // Redis changes groups without signalModifiedKey: these leave a WATCH intact.
  test('group changes leave WATCH intact', async () => {
    const diffs = new Diffs();
    for (const [setup, cmd] of [
      [watchBase, ['XGROUP', 'CREATE', 's', 'g2', '0']],
      [watchBase, ['XGROUP', 'SETID', 's', 'g', '0']],
      [watchBase, ['XGROUP', 'DESTROY', 's', 'g']],
      [watchBase, ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c']],
      [watchRead, ['XGROUP', 'DELCONSUMER', 's', 'g', 'c']],
      [watchBase, ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>']],
      [watchRead, ['XACK', 's', 'g', '1-1']],
      [watchRead, ['XCLAIM', 's', 'g', 'd', '0', '1-1']],
      [watchRead, ['XAUTOCLAIM', 's', 'g', 'd', '0', '0']],
    ] as [Arg[][], Arg[]][])
      await watchCompare(diffs, setup, cmd);
    diffs.assertNone('WATCH');
  });
});

// ---------------------------------------------------------------------------------------------------
// A seeded random run

const SEED = 20260703;

/** One random group operation on a few keys, groups and consumers, with IDs near the ones used. */
function randomOp(g: Gen, last: { ms: number }): Arg[] {
  const key = g.one(['s', 's', 's', 't']);
  const group = g.one(['g1', 'g2', 'g3']);
  const consumer = g.one(['alice', 'bob', 'carol', 'dave']);
  const id = (): string => `${g.int(1, last.ms + 1)}-${g.int(0, 3)}`;
  const start = (): string => g.one(['-', '0', id(), `(${id()}`]);
  return g.weighted<() => Arg[]>([
    [12, () => ['XADD', key, `${++last.ms}-${g.int(0, 2)}`, 'f', g.text(1, 4)]],
    [3, () => ['XDEL', key, id(), id()]],
    [2, () => ['XTRIM', key, 'MAXLEN', g.one(['~', '=']), String(g.int(0, 30))]],
    [1, () => ['XTRIM', key, 'MINID', id()]],
    [
      3,
      () => ['XGROUP', 'CREATE', key, group, g.one(['$', '0', id()]), ...(g.chance(0.2) ? ['MKSTREAM'] : [])],
    ],
    [
      2,
      () => [
        'XGROUP',
        'SETID',
        key,
        group,
        g.one(['$', '0', id()]),
        ...(g.chance(0.3) ? ['ENTRIESREAD', String(g.int(-1, 20))] : []),
      ],
    ],
    [1, () => ['XGROUP', 'DESTROY', key, group]],
    [1, () => ['XGROUP', 'CREATECONSUMER', key, group, consumer]],
    [1, () => ['XGROUP', 'DELCONSUMER', key, group, consumer]],
    [
      14,
      () => [
        'XREADGROUP',
        'GROUP',
        group,
        consumer,
        ...(g.chance(0.5) ? ['COUNT', String(g.int(0, 4))] : []),
        ...(g.chance(0.2) ? ['NOACK'] : []),
        'STREAMS',
        key,
        g.chance(0.75) ? '>' : g.one(['0', id()]),
      ],
    ],
    [5, () => ['XACK', key, group, id(), id()]],
    [
      5,
      () => [
        'XCLAIM',
        key,
        group,
        consumer,
        g.one(['0', '3600000']),
        id(),
        id(),
        ...g.one([
          [],
          ['JUSTID'],
          ['FORCE'],
          ['IDLE', '7200000'],
          ['RETRYCOUNT', String(g.int(0, 9))],
          ['LASTID', id()],
          ['TIME', '1000'],
        ]),
      ],
    ],
    [
      5,
      () => [
        'XAUTOCLAIM',
        key,
        group,
        consumer,
        g.one(['0', '3600000']),
        start(),
        'COUNT',
        String(g.int(1, 5)),
        ...(g.chance(0.3) ? ['JUSTID'] : []),
      ],
    ],
    [
      4,
      () => [
        'XPENDING',
        key,
        group,
        ...(g.chance(0.5) ? [] : [start(), '+', String(g.int(1, 10)), ...(g.chance(0.3) ? [consumer] : [])]),
      ],
    ],
    [2, () => ['XINFO', 'GROUPS', key]],
    [2, () => ['XINFO', 'CONSUMERS', key, group]],
    [2, () => ['XINFO', 'STREAM', key, ...(g.chance(0.5) ? ['FULL'] : [])]],
  ])();
}

/** XADD, XDEL and XTRIM at random over IDs spread across all 16 key bytes, XINFO STREAM in between. */
function raxOps(g: Gen): Arg[][] {
  const ops: Arg[][] = [['CONFIG', 'SET', 'stream-node-max-entries', String(g.int(1, 3))]];
  let ms = 0n;
  const ids: string[] = [];
  for (let i = 0; i < 150; i++) {
    const r = g.next();
    if (r < 0.5) {
      ms += BigInt(Math.floor(g.next() ** 4 * 2 ** g.int(0, 47)));
      ids.push(`${ms}-${g.int(0, 2)}`);
      ops.push(['XADD', 's', ids[ids.length - 1], 'f', 'v']);
    } else if (r < 0.8 && ids.length > 0) ops.push(['XDEL', 's', g.one(ids)]);
    else if (r < 0.85) ops.push(['XTRIM', 's', 'MAXLEN', g.one(['~', '=']), String(g.int(0, 50))]);
    else ops.push(['XINFO', 'STREAM', 's']);
  }
  return [...ops, ['CONFIG', 'SET', 'stream-node-max-entries', '100']];
}

describe('seeded random run', () => {
  test(`radix-tree-nodes after random XADD / XDEL / XTRIM (seed ${SEED})`, async () => {
    const g = new Gen(rng(SEED + 1));
    const cases: Case[] = Array.from({ length: 6 }, (_, i) => ({ name: `rax round ${i}`, steps: raxOps(g) }));
    const diffs = new Diffs();
    await runCases(P, cases, diffs);
    diffs.assertNone(`radix-tree-nodes (seed ${SEED})`);
  });

  test.each([
    [SEED, false],
    [SEED + 2, true],
  ])(
    '400 random group operations (seed %d, RESP3 %s): same replies and replication stream',
    async (seed, resp3) => {
      const g = new Gen(rng(seed));
      const last = { ms: 0 };
      const ops: Arg[][] = [['CONFIG', 'SET', 'stream-node-max-entries', '4']];
      for (let i = 0; i < 400; i++) ops.push(randomOp(g, last));
      ops.push(
        ['XINFO', 'STREAM', 's', 'FULL'],
        ['XINFO', 'STREAM', 't', 'FULL'],
        ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
      );
      const diffs = new Diffs();
      await compareReplication(diffs, `seed ${seed}`, ops, [], resp3, normTimesByHour);
      diffs.assertNone(`seeded random run (seed ${seed})`);
    },
  );
});

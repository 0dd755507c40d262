// Integration, side by side with redis-server 7.0: streams without consumer groups, differentially. The
// same commands go to Debian's redis-server and to tsredis-server over raw RESP; replies are compared byte
// for byte (RESP2 and RESP3), and so is what a replica receives (XADD with generated IDs and `~` trims
// rewritten as applied). Covered: XADD (explicit IDs, `<ms>-*`, NOMKSTREAM, MAXLEN / MINID with = / ~
// and LIMIT, every argument error), XRANGE / XREVRANGE (exclusive bounds, COUNT), XLEN, XDEL, XTRIM,
// XSETID (ENTRIESADDED, MAXDELETEDID), XREAD (`$`, COUNT, several streams) and blocking XREAD (woken by
// XADD, kept blocked by DEL / SET / XDEL, timeouts, inside MULTI), node splits under
// stream-node-max-entries / -bytes seen through XTRIM ~, keyspace events, WRONGTYPE, OBJECT ENCODING,
// TYPE. IDs made by `*` depend on each server's clock: those cases check the shape, not the value.
import { Conn, sleep, type Arg, type Node } from './helpers/raw-resp.js';
import { Diffs, serverPair, type Case } from './helpers/differential.js';
import { compareKeyspaceEvents, compareReplicationStream } from './helpers/side-effects.js';

const P = serverPair();

const runGroup = P.runGroup;

/** Both RESP versions of each case. */
const both = (cases: Case[]): Case[] => [
  ...cases,
  ...cases.map((c) => ({ ...c, name: `${c.name} (RESP3)`, resp3: true })),
];

/** XADD k <id> f <i> for ids. */
const adds = (key: string, ids: string[], fields: string[] = ['f', 'v']): Arg[][] =>
  ids.map((id) => ['XADD', key, id, ...fields]);

/** An ID made by `*` from the server's clock: only its shape is compared. */
const clockId = (n: Node): Node => ({
  ...n,
  raw: n.raw.replace(/^\$\d+\r\n[1-9][0-9]{12}-0\r\n$/, '<clock ms>-0'),
});

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

const BASIC: Case[] = [
  {
    name: 'XADD explicit IDs and XRANGE',
    steps: [
      ['XADD', 's', '1-1', 'a', '1', 'b', '2'],
      ['XADD', 's', '1-2', 'a', '3', 'b', '4'],
      ['XADD', 's', '2', 'c', '5'],
      ['XADD', 's', '2-0', 'c', '5'],
      ['XADD', 's', '1-5', 'c', '5'],
      ['XADD', 's', '3-*', 'x', 'y'],
      ['XADD', 's', '3-*', 'x', 'y'],
      ['XADD', 's', '2-*', 'x', 'y'],
      ['XLEN', 's'],
      ['XRANGE', 's', '-', '+'],
      ['XRANGE', 's', '1', '2'],
      ['XRANGE', 's', '(1-1', '+'],
      ['XRANGE', 's', '-', '(3-1'],
      ['XRANGE', 's', '(1-1', '(1-2'],
      ['XRANGE', 's', '-', '+', 'COUNT', '2'],
      ['XRANGE', 's', '-', '+', 'COUNT', '0'],
      ['XRANGE', 's', '-', '+', 'COUNT', '-1'],
      ['XRANGE', 's', '-', '+', 'count', '1', 'COUNT', '3'],
      ['XRANGE', 's', '-', '+', 'COUNT'],
      ['XRANGE', 's', '-', '+', 'LIMIT', '1'],
      ['XRANGE', 's', '-', '+', 'COUNT', 'x'],
      ['XRANGE', 's', '3', '1'],
      ['XREVRANGE', 's', '+', '-'],
      ['XREVRANGE', 's', '+', '-', 'COUNT', '2'],
      ['XREVRANGE', 's', '(3-1', '(1-1'],
      ['XREVRANGE', 's', '2', '1-2'],
      ['XREVRANGE', 's', '-', '+'],
      ['XRANGE', 'missing', '-', '+'],
      ['XREVRANGE', 'missing', '+', '-'],
      ['XRANGE', 'missing', 'bad', '+'],
      ['XRANGE', 's', '(-', '+'],
      ['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'],
      ['XRANGE', 's', '-', '(0-0'],
      ['XRANGE', 's', '-', '(0'],
      ['XRANGE', 's', '1-x', '+'],
      ['XRANGE', 's', '18446744073709551616', '+'],
      ['XRANGE', 's', '-1', '+'],
      ['XRANGE', 's', ' 1', '+'],
      ['XRANGE', 's', '01-01', '+'],
      ['XRANGE', 's', '+', '-'],
      ['TYPE', 's'],
      ['OBJECT', 'ENCODING', 's'],
      ['EXISTS', 's'],
    ],
  },
  {
    name: 'XADD argument errors',
    steps: [
      ['XADD', 's', '0-0', 'f', 'v'],
      ['XADD', 's', '0', 'f', 'v'],
      ['XADD', 's', '0-*', 'f', 'v'],
      ['XADD', 's', '0-*', 'f', 'v'],
      ['XADD', 's', '*', 'f'],
      ['XADD', 's', '*', 'f', 'v', 'g'],
      ['XADD', 's', '9-1', 'f'],
      ['XADD', 's', 'abc', 'f', 'v'],
      ['XADD', 's', '1-2-3', 'f', 'v'],
      ['XADD', 's', '-', 'f', 'v'],
      ['XADD', 's', '+', 'f', 'v'],
      ['XADD', 's', '*-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '-1', '*', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', 'x', '*', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '*', 'f', 'v'],
      ['XADD', 's', 'MINID', 'bad', '*', 'f', 'v'],
      ['XADD', 's', 'MINID', '-', '*', 'f', 'v'],
      ['XADD', 's', 'LIMIT', '10', '*', 'f', 'v'],
      ['XADD', 's', 'LIMIT', '0', '5-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '5', 'LIMIT', '10', '6-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '=', '5', 'LIMIT', '10', '6-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '~', '5', 'LIMIT', '-1', '6-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '~', '5', 'LIMIT', '10', '6-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN'],
      ['XADD', 's', 'MAXLEN', '5'],
      ['XADD', 's', 'NOMKSTREAM'],
      ['XADD', 'nokey', 'NOMKSTREAM', '*', 'f', 'v'],
      ['EXISTS', 'nokey'],
      ['XADD', 'nokey', 'NOMKSTREAM', 'MAXLEN', '1', '1-1', 'f', 'v'],
      ['XADD', 's', 'nomkstream', '7-1', 'f', 'v'],
      ['XADD', 's', '18446744073709551615-18446744073709551615', 'f', 'v'],
      ['XADD', 's', '*', 'f', 'v'],
      ['XADD', 's', '18446744073709551615-*', 'f', 'v'],
      ['SET', 'str', 'x'],
      ['XADD', 'str', '*', 'f', 'v'],
      ['XLEN', 'str'],
      ['XRANGE', 'str', '-', '+'],
      ['XDEL', 'str', '1'],
      ['XTRIM', 'str', 'MAXLEN', '1'],
      ['XADD'],
      ['XADD', 's'],
      ['XLEN', 's'],
      ['XLEN', 'missing'],
    ],
  },
  {
    name: 'XADD <ms>-* at the end of a millisecond, and ms going backwards',
    steps: [
      ['XADD', 's', '5-18446744073709551614', 'f', 'v'],
      ['XADD', 's', '5-*', 'f', 'v'],
      ['XADD', 's', '5-*', 'f', 'v'],
      ['XADD', 's', '4-*', 'f', 'v'],
      ['XADD', 's', '6-*', 'f', 'v'],
      ['XRANGE', 's', '-', '+'],
    ],
  },
  {
    name: 'XDEL, and what it does to the first entry and to XRANGE',
    steps: [
      ...adds(
        's',
        range(1, 8).map((i) => `${i}-0`),
      ),
      ['XDEL', 's', '1-0', '3', '3-0', '99-0'],
      ['XDEL', 's', '1-0'],
      ['XDEL', 's', 'bad'],
      ['XDEL', 's', '5', 'bad'],
      ['XLEN', 's'],
      ['XDEL', 's', '-'],
      ['XDEL', 'missing', 'bad'],
      ['XRANGE', 's', '-', '+'],
      ['XREVRANGE', 's', '+', '-', 'COUNT', '3'],
      ['XDEL', 's', '2', '4', '5', '6', '7', '8'],
      ['XLEN', 's'],
      ['EXISTS', 's'],
      ['XRANGE', 's', '-', '+'],
      ['XADD', 's', '8-0', 'f', 'v'],
      ['XADD', 's', '8-1', 'f', 'v'],
      ['XRANGE', 's', '-', '+'],
    ],
  },
  {
    name: 'XTRIM exact and approximate, MAXLEN and MINID, LIMIT',
    steps: [
      ['CONFIG', 'SET', 'stream-node-max-entries', '10'],
      ...adds(
        's',
        range(1, 95).map((i) => `${i}-1`),
      ),
      ['XTRIM', 's', 'MAXLEN', '~', '90'],
      ['XLEN', 's'],
      ['XTRIM', 's', 'MAXLEN', '~', '85'],
      ['XLEN', 's'],
      ['XRANGE', 's', '-', '+', 'COUNT', '1'],
      ['XTRIM', 's', 'MAXLEN', '85'],
      ['XLEN', 's'],
      ['XRANGE', 's', '-', '+', 'COUNT', '1'],
      ['XTRIM', 's', 'MAXLEN', '=', '84'],
      ['XTRIM', 's', 'MINID', '~', '30'],
      ['XLEN', 's'],
      ['XTRIM', 's', 'MINID', '35-1'],
      ['XLEN', 's'],
      ['XRANGE', 's', '-', '+', 'COUNT', '2'],
      ['XTRIM', 's', 'MINID', '35'],
      ['XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '15'],
      ['XLEN', 's'],
      ['XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '5'],
      ['XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '0'],
      ['XLEN', 's'],
      ['XTRIM', 's', 'MAXLEN', '0', 'LIMIT', '5'],
      ['XTRIM', 's', 'MAXLEN', '~', '5', 'LIMIT', 'x'],
      ['XTRIM', 's'],
      ['XTRIM', 's', 'LIMIT', '5'],
      ['XTRIM', 's', 'MAXLEN'],
      ['XTRIM', 's', 'MAXLEN', '1', 'MINID', '1'],
      ['XTRIM', 's', 'NOMKSTREAM', 'MAXLEN', '1'],
      ['XTRIM', 's', 'MAXLEN', '1', 'extra'],
      ['XTRIM', 'missing', 'MAXLEN', '1'],
      ['XTRIM', 'missing', 'bad'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XLEN', 's'],
      ['EXISTS', 's'],
      ['XADD', 's', '1-1', 'f', 'v'],
      { cmd: ['XADD', 's', '*', 'f', 'v'], norm: clockId },
      ['XLEN', 's'],
      ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
    ],
  },
  {
    name: 'XADD with trimming',
    steps: [
      ['CONFIG', 'SET', 'stream-node-max-entries', '4'],
      ...range(1, 20).map((i) => ['XADD', 's', 'MAXLEN', '~', '10', `${i}-0`, 'n', String(i)]),
      ['XLEN', 's'],
      ['XRANGE', 's', '-', '+', 'COUNT', '1'],
      ...range(21, 30).map((i) => ['XADD', 's', 'MAXLEN', '7', `${i}-0`, 'n', String(i)]),
      ['XLEN', 's'],
      ['XRANGE', 's', '-', '+'],
      ...range(31, 40).map((i) => ['XADD', 's', 'MINID', '~', '33', `${i}-0`, 'n', String(i)]),
      ['XRANGE', 's', '-', '+', 'COUNT', '1'],
      ['XADD', 's', 'MINID', '38', '41-0', 'n', '41'],
      ['XRANGE', 's', '-', '+'],
      ['XADD', 's', 'MAXLEN', '~', '2', 'LIMIT', '3', '42-0', 'n', '42'],
      ['XLEN', 's'],
      ['XADD', 's', 'MAXLEN', '0', '43-0', 'n', '43'],
      ['XLEN', 's'],
      ['EXISTS', 's'],
      ['XRANGE', 's', '-', '+'],
      ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
    ],
  },
  {
    name: 'nodes split by stream-node-max-bytes (seen through XTRIM ~)',
    steps: [
      ['CONFIG', 'SET', 'stream-node-max-bytes', '200'],
      ...range(1, 30).map((i) => ['XADD', 's', `${i}-0`, 'field', 'x'.repeat(i), 'n', String(i * 1000)]),
      ['XTRIM', 's', 'MAXLEN', '~', '25'],
      ['XLEN', 's'],
      ['XTRIM', 's', 'MAXLEN', '~', '20'],
      ['XLEN', 's'],
      ['XTRIM', 's', 'MAXLEN', '~', '10'],
      ['XLEN', 's'],
      ['CONFIG', 'SET', 'stream-node-max-bytes', '0'],
      ...range(31, 40).map((i) => ['XADD', 's', `${i}-0`, 'field', 'y'.repeat(300)]),
      ['XTRIM', 's', 'MAXLEN', '~', '5'],
      ['XLEN', 's'],
      ['CONFIG', 'SET', 'stream-node-max-bytes', '4096'],
      ['CONFIG', 'GET', 'stream-node-max-bytes'],
      ['CONFIG', 'GET', 'stream-node-max-entries'],
    ],
  },
  {
    name: 'fields: same names as the first entry, different names, binary, numbers',
    steps: [
      ['XADD', 's', '1-0', 'a', '1', 'b', '2'],
      ['XADD', 's', '2-0', 'a', '3', 'b', '4'],
      ['XADD', 's', '3-0', 'b', '1', 'a', '2'],
      ['XADD', 's', '4-0', 'a', '1'],
      ['XADD', 's', '5-0', 'a', '1', 'a', '2'],
      ['XADD', 's', '6-0', '', '', '-12', '12345678901234567890'],
      ['XADD', 's', '7-0', Buffer.from([0, 1, 255, 13, 10]), Buffer.from([200])],
      ['XRANGE', 's', '-', '+'],
      ['XREVRANGE', 's', '+', '-'],
    ],
  },
  {
    name: 'XSETID',
    steps: [
      ['XSETID', 'missing', '1-1'],
      ['XADD', 's', '5-5', 'f', 'v'],
      ['XSETID', 's', '5-4'],
      ['XSETID', 's', '5-5'],
      ['XSETID', 's', '10-0'],
      ['XADD', 's', '10-0', 'f', 'v'],
      ['XADD', 's', '10-*', 'f', 'v'],
      ['XDEL', 's', '10-1'],
      ['XSETID', 's', '6'],
      ['XSETID', 's', '10-0', 'ENTRIESADDED', '1'],
      ['XSETID', 's', '10-0', 'ENTRIESADDED', '-1'],
      ['XSETID', 's', '10-0', 'ENTRIESADDED', 'x'],
      ['XSETID', 's', '10-5', 'ENTRIESADDED', '7', 'MAXDELETEDID', '10-6'],
      ['XSETID', 's', '10-5', 'MAXDELETEDID', '10-0'],
      ['XSETID', 's', '10-5', 'MAXDELETEDID', 'bad'],
      ['XSETID', 's', '10-5', 'ENTRIESADDED', '7', 'MAXDELETEDID', '10-2'],
      ['XSETID', 's', '10-5', 'ENTRIESADDED'],
      ['XSETID', 's', '10-5', 'FOO', '1'],
      ['XSETID', 's', 'bad'],
      ['XSETID', 's', '-'],
      ['XADD', 's', '10-5', 'f', 'v'],
      ['XADD', 's', '10-6', 'f', 'v'],
      ['SET', 'str', 'x'],
      ['XSETID', 'str', '1'],
      ['XSETID', 'str', 'bad'],
      ['DEL', 's'],
      ['XADD', 's', '1-1', 'f', 'v'],
      ['XDEL', 's', '1-1'],
      ['XSETID', 's', '0-5'],
      ['XSETID', 's', '1-1'],
      ['XSETID', 's', '0-5', 'ENTRIESADDED', '0'],
      ['XRANGE', 's', '-', '+'],
    ],
  },
  {
    name: 'XREAD without blocking',
    steps: [
      ...adds('a', ['1-0', '2-0', '3-0']),
      ...adds('b', ['5-0', '6-0']),
      ['XREAD', 'STREAMS', 'a', '0'],
      ['XREAD', 'STREAMS', 'a', 'b', '0', '0'],
      ['XREAD', 'COUNT', '1', 'STREAMS', 'a', 'b', '1', '5'],
      ['XREAD', 'COUNT', '0', 'STREAMS', 'a', '0'],
      ['XREAD', 'COUNT', '-5', 'STREAMS', 'a', '0'],
      ['XREAD', 'STREAMS', 'a', 'b', '3', '6'],
      ['XREAD', 'STREAMS', 'a', 'b', '$', '$'],
      ['XREAD', 'STREAMS', 'a', 'missing', '2', '0'],
      ['XREAD', 'STREAMS', 'missing', '0'],
      ['XREAD', 'STREAMS', 'a', '>'],
      ['XREAD', 'STREAMS', 'a', '+'],
      ['XREAD', 'STREAMS', 'a', '-'],
      ['XREAD', 'STREAMS', 'a', 'bad'],
      ['XREAD', 'STREAMS', 'a', 'b', '0'],
      ['XREAD', 'STREAMS', 'a'],
      ['XREAD', 'COUNT', 'x', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', '1.5', 'STREAMS', 'a', '0'],
      ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'],
      ['XREAD', 'NOACK', 'STREAMS', 'a', '0'],
      ['XREAD', 'FOO', 'STREAMS', 'a', '0'],
      ['XREAD', 'COUNT', '1', 'a', '0'],
      ['XREAD', 'BLOCK', '10', 'COUNT', '1', 'STREAMS', 'a', '1'],
      ['XREAD', 'BLOCK', '10', 'STREAMS', 'a', '$'],
      ['XREAD', 'STREAMS', 'STREAMS', 'a', '0', '0'],
      ['SET', 'str', 'x'],
      ['XREAD', 'STREAMS', 'a', 'str', '0', '0'],
      ['XREAD', 'STREAMS', 'str', '$'],
      ['XDEL', 'a', '3-0'],
      ['XREAD', 'STREAMS', 'a', '2'],
      ['XREAD', 'STREAMS', 'a', '$'],
      ['MULTI'],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '$'],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '0'],
      ['EXEC'],
    ],
  },
];

describe('streams side by side with redis-server, byte for byte', () => {
  test('XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID, XREAD', () => runGroup('basic', both(BASIC)));
});

/** Opens a connection to each server and returns them as [redis, tsredis]. */
async function openBoth(): Promise<[Conn, Conn]> {
  return Promise.all([Conn.open(P.R.port), Conn.open(P.T.port)]);
}

describe('blocking XREAD', () => {
  /**
   * One blocked reader per server (its command sent, not awaited), then the writer's steps; the reader's
   * reply (or its absence within waitMs) is compared.
   */
  async function blockedCase(
    diffs: Diffs,
    name: string,
    setup: Arg[][],
    reader: Arg[],
    writes: Arg[][],
    resp3 = false,
    waitMs = 300,
  ): Promise<void> {
    const [wr, wt] = await openBoth();
    const [rr, rt] = await openBoth();
    try {
      for (const cmd of [['FLUSHALL'], ...setup]) await Promise.all([wr.send(cmd), wt.send(cmd)]);
      if (resp3) await Promise.all([rr.send(['HELLO', '3']), rt.send(['HELLO', '3'])]);
      const pr = rr.send(reader, 10_000);
      const pt = rt.send(reader, 10_000);
      await sleep(100);
      for (const cmd of writes) {
        const [a, b] = await Promise.all([wr.send(cmd), wt.send(cmd)]);
        diffs.check(name, `writer ${JSON.stringify(cmd)}`, a.raw, b.raw);
      }
      const timeout = (): Promise<Node> => sleep(waitMs).then(() => ({ t: '?', raw: '<still blocked>' }));
      const [a, b] = await Promise.all([Promise.race([pr, timeout()]), Promise.race([pt, timeout()])]);
      diffs.check(name, `reader ${JSON.stringify(reader)}`, a.raw, b.raw);
    } finally {
      for (const c of [wr, wt, rr, rt]) c.close();
    }
  }

  test('woken by XADD, kept blocked by other changes, timeouts', async () => {
    const diffs = new Diffs();
    for (const resp3 of [false, true]) {
      const r = resp3 ? ' (RESP3)' : '';
      await blockedCase(
        diffs,
        `$ woken by XADD${r}`,
        [['XADD', 's', '1-0', 'f', 'v']],
        ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
        [['XADD', 's', '2-0', 'g', 'w']],
        resp3,
      );
      await blockedCase(
        diffs,
        `missing key woken by XADD${r}`,
        [],
        ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
        [['XADD', 's', '2-0', 'g', 'w']],
        resp3,
      );
      await blockedCase(
        diffs,
        `explicit ID below the new entries${r}`,
        [['XADD', 's', '5-0', 'f', 'v']],
        ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '5-0'],
        [
          ['XADD', 's', '6-0', 'a', 'b'],
          ['XADD', 's', '7-0', 'c', 'd'],
        ],
        resp3,
      );
      await blockedCase(
        diffs,
        `two streams, the second written${r}`,
        [['XADD', 'a', '1-0', 'f', 'v']],
        ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', 'b', '$', '$'],
        [['XADD', 'b', '3-0', 'x', 'y']],
        resp3,
      );
      await blockedCase(
        diffs,
        `COUNT when woken${r}`,
        [],
        ['XREAD', 'COUNT', '2', 'BLOCK', '0', 'STREAMS', 's', '0'],
        [
          ['MULTI'],
          ['XADD', 's', '1-0', 'a', '1'],
          ['XADD', 's', '2-0', 'a', '2'],
          ['XADD', 's', '3-0', 'a', '3'],
          ['EXEC'],
        ],
        resp3,
      );
      await blockedCase(diffs, `timeout${r}`, [], ['XREAD', 'BLOCK', '50', 'STREAMS', 's', '$'], [], resp3);
    }
    // Longer than a Node.js timer can wait (2^31 - 1 ms): still blocked, not timed out at once.
    await blockedCase(
      diffs,
      'a timeout of 9999999999999 ms',
      [],
      ['XREAD', 'BLOCK', '9999999999999', 'STREAMS', 's', '$'],
      [],
    );
    await blockedCase(
      diffs,
      'DEL keeps it blocked',
      [['XADD', 's', '1-0', 'f', 'v']],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
      [['DEL', 's']],
    );
    await blockedCase(
      diffs,
      'SET on the key keeps it blocked',
      [],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
      [['SET', 's', 'x']],
    );
    await blockedCase(
      diffs,
      'XDEL keeps it blocked',
      [
        ['XADD', 's', '1-0', 'f', 'v'],
        ['XADD', 's', '2-0', 'f', 'v'],
      ],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
      [['XDEL', 's', '1-0']],
    );
    await blockedCase(
      diffs,
      'DEL then XADD in one MULTI',
      [['XADD', 's', '5-0', 'f', 'v']],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
      [['MULTI'], ['DEL', 's'], ['XADD', 's', '1-0', 'n', 'ew'], ['EXEC']],
    );
    await blockedCase(
      diffs,
      'XADD then XDEL in one MULTI',
      [['XADD', 's', '5-0', 'f', 'v']],
      ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
      [['MULTI'], ['XADD', 's', '6-0', 'n', 'ew'], ['XDEL', 's', '6-0'], ['EXEC']],
    );
    diffs.assertNone('blocking XREAD');
  });
});

describe('what replicas receive', () => {
  test('XADD with generated IDs and trims rewritten as applied, XTRIM, XDEL, XSETID', async () => {
    const writes: Arg[][] = [
      ['CONFIG', 'SET', 'stream-node-max-entries', '5'],
      ...range(1, 23).map((i) => ['XADD', 's', `${i}-*`, 'n', String(i)]),
      ['XADD', 's', 'MAXLEN', '~', '12', '24-*', 'n', '24'],
      ['XADD', 's', 'MAXLEN', '~', '12', 'LIMIT', '100', '25-7', 'n', '25'],
      ['XADD', 's', 'MINID', '~', '18', '26-*', 'n', '26'],
      ['XADD', 's', 'MAXLEN', '=', '14', '27-*', 'n', '27'],
      ['XADD', 's', 'MAXLEN', '100', '28-*', 'n', '28'],
      ['XADD', 's', 'NOMKSTREAM', '*', 'n', 'clock'],
      ['XADD', 'other', 'NOMKSTREAM', '*', 'n', 'none'],
      ['XTRIM', 's', 'MAXLEN', '~', '3'],
      ['XTRIM', 's', 'MAXLEN', '~', '100'],
      ['XDEL', 's', '26-0', '99-0'],
      ['XDEL', 's', '99-0'],
      ['XTRIM', 's', 'MINID', '~', '99'],
      ['XSETID', 's', '99999999999999-0', 'ENTRIESADDED', '500', 'MAXDELETEDID', '26-0'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XADD', 'e', '1-1', 'f', 'v'],
      ['XDEL', 'e', '1-1'],
      ['XTRIM', 'e', 'MINID', '~', '5'],
      ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
    ];
    const diffs = new Diffs();
    await compareReplicationStream(P, diffs, 'replication', writes, (x) =>
      x.replace(/[1-9][0-9]{12}-0/g, '<clock ms>-0'),
    );
    diffs.assertNone('replication');
  });
});

describe('keyspace events', () => {
  test('xadd, xtrim, xdel, xsetid, as redis-server announces them', async () => {
    const diffs = new Diffs();
    await compareKeyspaceEvents(P, diffs, 'keyspace events', [
      ['XADD', 's', 'MAXLEN', '1', '1-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '1', '2-1', 'f', 'v'],
      ['XADD', 's', 'NOMKSTREAM', '3-1', 'f', 'v'],
      ['XADD', 'none', 'NOMKSTREAM', '3-1', 'f', 'v'],
      ['XTRIM', 's', 'MAXLEN', '5'],
      ['XTRIM', 's', 'MAXLEN', '1'],
      ['XDEL', 's', '1-1'],
      ['XDEL', 's', '3-1'],
      ['XSETID', 's', '9-9'],
      ['XRANGE', 's', '-', '+'],
      ['XREAD', 'STREAMS', 'missing', '0'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XLEN', 's'],
    ]);
    diffs.assertNone('keyspace events');
  });
});

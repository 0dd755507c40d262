// Integration, side by side with redis-server 7.0: sharded Pub/Sub (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH,
// PUBSUB SHARDCHANNELS / SHARDNUMSUB) beside classic Pub/Sub, over RESP2 and RESP3, byte for byte: the
// subscription counts of each kind, messages delivered as smessage, what a subscribed client may still
// run, SSUBSCRIBE refused in MULTI, INFO's pubsubshard_channels, and what replicas receive of PUBLISH and
// SPUBLISH.
import { Conn, bulkBytes, sleep, type Arg, type Node } from './helpers/raw-resp.js';
import { Diffs, serverPair } from './helpers/differential.js';
import { ReplicaTap } from './helpers/replica-tap.js';

const P = serverPair();

function sortedChildren(n: Node): Node {
  const c = (n.c ?? []).slice().sort((x, y) => (x.raw < y.raw ? -1 : x.raw > y.raw ? 1 : 0));
  return { ...n, c, raw: `${n.t}${n.head}\r\n${c.map((x) => x.raw).join('')}` };
}

/** Runs the steps: [who, command] where who is 'sub' (the subscriber) or 'pub'; compares every reply. */
async function scenario(
  diffs: Diffs,
  name: string,
  resp3: boolean,
  steps: ['sub' | 'pub', Arg[]][],
): Promise<void> {
  const conns = await Promise.all(
    [P.R.port, P.T.port].map(async (port) => ({ sub: await Conn.open(port), pub: await Conn.open(port) })),
  );
  try {
    if (resp3) for (const c of conns) await c.sub.send(['HELLO', '3']);
    for (const [who, cmd] of steps) {
      const [a, b] = (await Promise.all(conns.map((c) => c[who].send(cmd)))).map((n) =>
        // Channel lists come in each server's hash-table order: compared as sets.
        cmd[0] === 'PUBSUB' && /CHANNELS$/i.test(String(cmd[1])) ? sortedChildren(n) : n,
      );
      diffs.check(name, `${who}: ${JSON.stringify(cmd)}`, a.raw, b.raw);
      await sleep(20);
      const [x, y] = conns.map((c) =>
        c.sub.extra
          .splice(0)
          .map((n) => n.raw)
          .join(''),
      );
      diffs.check(name, `sub receives after ${JSON.stringify(cmd)}`, x, y);
    }
  } finally {
    for (const c of conns) {
      c.sub.close();
      c.pub.close();
    }
  }
}

const STEPS: ['sub' | 'pub', Arg[]][] = [
  ['sub', ['SSUBSCRIBE', 'a', 'b', 'a']],
  ['sub', ['SUBSCRIBE', 'a']],
  ['sub', ['PSUBSCRIBE', 'a*']],
  ['pub', ['SPUBLISH', 'a', 'hi']],
  ['pub', ['PUBLISH', 'a', 'classic']],
  ['pub', ['SPUBLISH', 'zzz', 'nobody']],
  ['pub', ['PUBSUB', 'SHARDCHANNELS']],
  ['pub', ['PUBSUB', 'SHARDCHANNELS', 'b*']],
  ['pub', ['PUBSUB', 'SHARDNUMSUB', 'a', 'b', 'c']],
  ['pub', ['PUBSUB', 'SHARDNUMSUB']],
  ['pub', ['PUBSUB', 'CHANNELS']],
  ['pub', ['PUBSUB', 'NUMSUB', 'a']],
  ['sub', ['PING']],
  ['sub', ['GET', 'k']],
  ['sub', ['SUNSUBSCRIBE', 'a']],
  ['pub', ['SPUBLISH', 'a', 'gone']],
  ['pub', ['SPUBLISH', 'b', 'still']],
  ['sub', ['UNSUBSCRIBE']],
  ['sub', ['PUNSUBSCRIBE']],
  ['sub', ['GET', 'k']],
  ['sub', ['SUNSUBSCRIBE']],
  ['sub', ['SUNSUBSCRIBE']],
  ['sub', ['GET', 'k']],
  ['sub', ['MULTI']],
  ['sub', ['SSUBSCRIBE', 'x']],
  ['sub', ['EXEC']],
  ['sub', ['SSUBSCRIBE']],
  ['pub', ['SPUBLISH', 'a']],
  ['pub', ['PUBSUB', 'HELP']],
];

describe('sharded Pub/Sub side by side with redis-server', () => {
  test('subscriptions, messages, counts and refusals over RESP2 and RESP3', async () => {
    const diffs = new Diffs();
    await scenario(diffs, 'RESP2', false, STEPS);
    await scenario(diffs, 'RESP3', true, STEPS);
    diffs.assertNone('sharded pubsub');
  });

  test("INFO's pubsubshard_channels", async () => {
    const got: string[] = [];
    for (const port of [P.R.port, P.T.port]) {
      const [s, c] = await Promise.all([Conn.open(port), Conn.open(port)]);
      await s.send(['SSUBSCRIBE', 'p', 'q']);
      const info = bulkBytes(await c.send(['INFO', 'stats']))?.toString('latin1') ?? '';
      got.push(/pubsubshard_channels:\d+/.exec(info)?.[0] ?? 'missing');
      s.close();
      c.close();
    }
    expect(got).toEqual(['pubsubshard_channels:2', 'pubsubshard_channels:2']);
  });

  test('what replicas receive of PUBLISH and SPUBLISH', async () => {
    const [tr, tt] = await Promise.all([ReplicaTap.open(P.R.port), ReplicaTap.open(P.T.port)]);
    const [cr, ct] = await Promise.all([Conn.open(P.R.port), Conn.open(P.T.port)]);
    try {
      for (const cmd of [
        ['PUBLISH', 'c', 'm1'],
        ['SPUBLISH', 'c', 'm2'],
        ['SET', 'end', 'x'],
      ])
        await Promise.all([cr.send(cmd), ct.send(cmd)]);
      const until = async (t: ReplicaTap): Promise<string> => {
        for (let i = 0; i < 300 && !t.commands.some((c) => c[1] === 'end'); i++) await sleep(10);
        return t.commands.map((c) => c.join(' ')).join('\n');
      };
      const [a, b] = await Promise.all([until(tr), until(tt)]);
      expect(b).toBe(a);
    } finally {
      for (const c of [tr, tt, cr, ct]) c.close();
    }
  });
});

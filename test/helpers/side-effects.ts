// What a differential test compares besides replies: the keyspace events a sequence of writes makes, and
// the commands a replica receives for them. Both run the writes on redis-server and tsredis at once,
// compare each reply, end with a marker write (SET end x) and compare what arrived up to it.
import { Conn, sleep, type Arg, type Node } from './raw-resp.js';
import { ReplicaTap } from './replica-tap.js';
import type { Diffs, Pair } from './differential.js';

const MARKER: Arg[] = ['SET', 'end', 'x'];

async function writeBoth(
  diffs: Diffs,
  name: string,
  conns: Conn[],
  writes: Arg[][],
  norm: (n: Node) => string,
): Promise<void> {
  for (const w of [...writes, MARKER]) {
    const [a, b] = await Promise.all(conns.map((c) => c.send(w)));
    diffs.check(name, `reply to ${JSON.stringify(w)}`, norm(a), norm(b));
  }
}

/**
 * Every keyspace and keyevent message (notify-keyspace-events `flags`) the writes cause, compared;
 * returns redis-server's.
 */
export async function compareKeyspaceEvents(
  pair: Pair,
  diffs: Diffs,
  name: string,
  writes: Arg[][],
  flags = 'KEA',
): Promise<string> {
  const subs = await Promise.all([Conn.open(pair.R.port), Conn.open(pair.T.port)]);
  const conns = await Promise.all([Conn.open(pair.R.port), Conn.open(pair.T.port)]);
  try {
    for (const cmd of [['FLUSHALL'], ['CONFIG', 'SET', 'notify-keyspace-events', flags]])
      await Promise.all(conns.map((c) => c.send(cmd)));
    await Promise.all(subs.map((s) => s.send(['PSUBSCRIBE', '__key*__:*'])));
    await writeBoth(diffs, name, conns, writes, (n) => n.raw);
    const received = async (c: Conn): Promise<string> => {
      // The marker's keyevent message comes last (after its keyspace message).
      const last = (n: Node): boolean => n.raw.includes('__keyevent@0__:set\r\n$3\r\nend\r\n');
      for (let i = 0; i < 300 && !c.extra.some(last); i++) await sleep(10);
      return c.extra.map((n) => n.raw).join('');
    };
    const [a, b] = await Promise.all(subs.map(received));
    diffs.check(name, 'keyspace events', a, b);
    return a;
  } finally {
    await Promise.all(conns.map((c) => c.send(['CONFIG', 'SET', 'notify-keyspace-events', ''])));
    for (const c of [...subs, ...conns]) c.close();
  }
}

/**
 * The commands a replica receives for the writes (after FLUSHALL), compared line by line; `norm` may
 * rewrite what depends on each server's clock, in replies and in the stream alike.
 */
export async function compareReplicationStream(
  pair: Pair,
  diffs: Diffs,
  name: string,
  writes: Arg[][],
  norm: (s: string) => string = (s) => s,
): Promise<void> {
  const conns = await Promise.all([Conn.open(pair.R.port), Conn.open(pair.T.port)]);
  await Promise.all(conns.map((c) => c.send(['FLUSHALL'])));
  const taps = await Promise.all([ReplicaTap.open(pair.R.port), ReplicaTap.open(pair.T.port)]);
  try {
    await writeBoth(diffs, name, conns, writes, (n) => norm(n.raw));
    const received = async (t: ReplicaTap): Promise<string> => {
      for (let i = 0; i < 300 && !t.commands.some((c) => c[0] === 'SET' && c[1] === 'end'); i++)
        await sleep(10);
      return t.commands.map((c) => c.map(norm).join(' ')).join('\n');
    };
    const [a, b] = await Promise.all(taps.map(received));
    diffs.check(name, 'replication stream', a, b);
  } finally {
    for (const c of [...conns, ...taps]) c.close();
  }
}

// Integration, side by side with redis-server 7.0: client-side caching (CLIENT TRACKING), differentially
// over raw RESP: the default mode over RESP3 (invalidate pushes, the client's own writes invalidating
// after its reply, keys read by MGET / HGET / XREAD / ZUNION), RESP2 with REDIRECT to a client subscribed
// to __redis__:invalidate, BCAST with prefixes (one message per event-loop turn, keys in byte order),
// OPTIN / OPTOUT with CLIENT CACHING (for one command or one transaction), NOLOOP, FLUSHALL's null, a
// broken redirection, expiry, CLIENT GETREDIR / TRACKINGINFO / LIST, INFO's tracking fields, and every
// option error. Then an application-style cache on ioredis (a Map filled by reads, emptied by the
// invalidations a redirected subscriber receives), whose transcript must equal redis-server's.
import { Redis } from 'ioredis';
import { Conn, bulkBytes, sleep, type Arg, type Node } from './helpers/raw-resp.js';
import { Diffs, serverPair } from './helpers/differential.js';

const P = serverPair();

type Who = 'a' | 'b' | 'r';
/** A step: who sends it ('a' the tracking client, 'b' another client, 'r' the redirect target). */
type Step = [Who, Arg[]];

/** `$ID_R` in an argument is replaced by the redirect target's client ID on each server. */
async function scenario(
  diffs: Diffs,
  name: string,
  setup: { a3?: boolean; subscribeR?: boolean },
  steps: Step[],
): Promise<void> {
  const sides = await Promise.all(
    [P.R.port, P.T.port].map(async (port) => {
      const c = { a: await Conn.open(port), b: await Conn.open(port), r: await Conn.open(port), rid: '' };
      await c.a.send(['FLUSHALL']);
      c.a.extra.splice(0);
      const id = await c.r.send(['CLIENT', 'ID']);
      c.rid = id.raw.slice(1, -2);
      if (setup.a3) await c.a.send(['HELLO', '3']);
      if (setup.subscribeR) await c.r.send(['SUBSCRIBE', '__redis__:invalidate']);
      return c;
    }),
  );
  try {
    for (const [who, cmd] of steps) {
      const replies = await Promise.all(
        sides.map((s) => s[who].send(cmd.map((x) => (x === '$ID_R' ? s.rid : x)))),
      );
      diffs.check(name, `${who}: ${JSON.stringify(cmd)}`, norm(replies[0]), norm(replies[1]));
      await sleep(30);
      for (const w of ['a', 'r'] as const) {
        const [x, y] = sides.map((s) =>
          s[w].extra
            .splice(0)
            .map((n) => n.raw)
            .join(''),
        );
        diffs.check(name, `${w} receives after ${who}: ${JSON.stringify(cmd)}`, x, y);
      }
    }
  } finally {
    for (const s of sides) for (const w of ['a', 'b', 'r'] as const) s[w].close();
  }
}

/** Client IDs differ between servers: shown as <id> wherever a reply carries one. */
function norm(n: Node): string {
  return n.raw
    .replace(/id=\d+/g, 'id=<id>')
    .replace(/redir=[1-9]\d*/g, 'redir=<id>')
    .replace(/redirect\r\n:[1-9]\d*\r\n/, 'redirect\r\n:<id>\r\n')
    .replace(/^:[1-9]\d*\r\n$/, ':<id>\r\n');
}

describe('CLIENT TRACKING side by side with redis-server', () => {
  test('default mode over RESP3', async () => {
    const diffs = new Diffs();
    await scenario(diffs, 'default RESP3', { a3: true }, [
      ['b', ['MSET', 'k1', 'v1', 'k2', 'v2', 'k3', 'v3']],
      ['b', ['HSET', 'h', 'f', 'v']],
      ['b', ['XADD', 's', '1-1', 'f', 'v']],
      ['b', ['ZADD', 'z1', '1', 'a']],
      ['a', ['CLIENT', 'TRACKING', 'ON']],
      ['a', ['GET', 'k1']],
      ['a', ['MGET', 'k2', 'k3']],
      ['a', ['HGET', 'h', 'f']],
      ['a', ['XREAD', 'STREAMS', 's', '0']],
      ['a', ['ZUNION', '2', 'z1', 'z2']],
      ['a', ['GET', 'missing']],
      ['b', ['SET', 'k1', 'x']],
      ['b', ['SET', 'k1', 'y']],
      ['b', ['DEL', 'k2', 'k3']],
      ['b', ['HSET', 'h', 'f', 'w']],
      ['b', ['XADD', 's', '2-1', 'f', 'v']],
      ['b', ['ZADD', 'z2', '1', 'b']],
      ['b', ['SET', 'missing', 'now']],
      ['a', ['GET', 'k1']],
      ['a', ['SET', 'k1', 'mine']],
      ['a', ['GET', 'k1']],
      ['a', ['MULTI']],
      ['a', ['SET', 'k1', 'in-multi']],
      ['a', ['GET', 'k1']],
      ['a', ['EXEC']],
      ['b', ['SET', 'k1', 'z']],
      ['a', ['GET', 'k1']],
      ['b', ['PEXPIRE', 'k1', '1']],
      ['a', ['GET', 'nothing']],
      ['a', ['PING']],
      ['a', ['GET', 'k1']],
      ['b', ['SET', 'k1', 'v']],
      ['a', ['GET', 'k1']],
      ['b', ['FLUSHALL']],
      ['b', ['FLUSHDB']],
      ['a', ['CLIENT', 'TRACKINGINFO']],
      ['a', ['CLIENT', 'GETREDIR']],
      ['a', ['CLIENT', 'TRACKING', 'OFF']],
      ['a', ['CLIENT', 'TRACKINGINFO']],
      ['a', ['CLIENT', 'GETREDIR']],
      ['a', ['GET', 'k1']],
      ['b', ['SET', 'k1', 'after-off']],
    ]);
    diffs.assertNone('default RESP3');
  });

  test('RESP2 with REDIRECT to a subscribed client, NOLOOP, a broken redirection', async () => {
    const diffs = new Diffs();
    await scenario(diffs, 'RESP2 redirect', { subscribeR: true }, [
      ['b', ['MSET', 'k1', 'v1', 'k2', 'v2']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '$ID_R', 'NOLOOP']],
      ['a', ['CLIENT', 'GETREDIR']],
      ['a', ['CLIENT', 'TRACKINGINFO']],
      ['a', ['MGET', 'k1', 'k2']],
      ['b', ['SET', 'k1', 'x']],
      ['a', ['SET', 'k2', 'mine']],
      ['a', ['GET', 'k1']],
      ['b', ['FLUSHALL']],
      ['a', ['CLIENT', 'TRACKING', 'ON']],
      ['a', ['CLIENT', 'GETREDIR']],
      ['a', ['GET', 'k1']],
      ['b', ['SET', 'k1', 'lost']],
    ]);
    diffs.assertNone('RESP2 redirect');
  });

  test('BCAST with prefixes, OPTIN and OPTOUT', async () => {
    const diffs = new Diffs();
    await scenario(diffs, 'BCAST', { a3: true }, [
      ['a', ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'cart:']],
      ['a', ['CLIENT', 'TRACKINGINFO']],
      ['b', ['MSET', 'user:2', 'x', 'user:1', 'y', 'cart:9', 'z', 'other', 'w']],
      ['b', ['SET', 'user:1', 'again']],
      ['a', ['SET', 'cart:1', 'mine']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:x']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'item:', 'PREFIX', 'it']],
      ['a', ['CLIENT', 'TRACKING', 'ON']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'OPTIN']],
      ['a', ['CLIENT', 'TRACKING', 'OFF']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP']],
      ['a', ['SET', 'k', 'mine']],
      ['b', ['SET', 'k', 'theirs']],
      ['a', ['CLIENT', 'TRACKING', 'OFF']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'OPTIN']],
      ['a', ['GET', 'k']],
      ['a', ['CLIENT', 'CACHING', 'YES']],
      ['a', ['GET', 'user:1']],
      ['a', ['GET', 'user:2']],
      ['b', ['MSET', 'k', '1', 'user:1', '2', 'user:2', '3']],
      ['a', ['CLIENT', 'CACHING', 'YES']],
      ['a', ['MULTI']],
      ['a', ['GET', 'k']],
      ['a', ['GET', 'cart:9']],
      ['a', ['EXEC']],
      ['b', ['MSET', 'k', '1', 'cart:9', '2']],
      ['a', ['CLIENT', 'CACHING', 'NO']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'OPTOUT']],
      ['a', ['CLIENT', 'TRACKING', 'OFF']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'OPTOUT']],
      ['a', ['CLIENT', 'CACHING', 'NO']],
      ['a', ['GET', 'k']],
      ['a', ['GET', 'other']],
      ['b', ['MSET', 'k', '1', 'other', '2']],
      ['a', ['CLIENT', 'CACHING', 'YES']],
      ['a', ['CLIENT', 'TRACKINGINFO']],
    ]);
    diffs.assertNone('BCAST / OPTIN / OPTOUT');
  });

  test('errors, CLIENT LIST and INFO fields', async () => {
    const diffs = new Diffs();
    await scenario(diffs, 'errors', {}, [
      ['a', ['CLIENT', 'CACHING', 'YES']],
      ['a', ['CLIENT', 'TRACKING', 'MAYBE']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'FOO']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'PREFIX', 'x']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'OPTIN', 'OPTOUT']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '999999']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', 'x']],
      ['a', ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '$ID_R', 'REDIRECT', '$ID_R']],
      ['a', ['CLIENT', 'TRACKING']],
      ['a', ['CLIENT', 'CACHING', 'MAYBE']],
      ['a', ['CLIENT', 'TRACKING', 'ON']],
      ['a', ['CLIENT', 'CACHING', 'YES']],
      ['a', ['CLIENT', 'CACHING', 'NO']],
      ['a', ['CLIENT', 'CACHING', 'MAYBE']],
      ['a', ['CLIENT', 'GETREDIR', 'x']],
      ['a', ['CLIENT', 'TRACKINGINFO', 'x']],
      ['a', ['GET', 'k']],
    ]);
    diffs.assertNone('errors');
    const fields: string[][] = [];
    for (const port of [P.R.port, P.T.port]) {
      const c = await Conn.open(port);
      await c.send(['FLUSHALL']);
      await c.send(['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'p:', 'PREFIX', 'q:']);
      const info = bulkBytes(await c.send(['INFO']))?.toString('latin1') ?? '';
      const me = bulkBytes(await c.send(['CLIENT', 'INFO']))?.toString('latin1') ?? '';
      fields.push([
        ...info.split('\r\n').filter((l) => l.startsWith('tracking_')),
        /flags=\S+/.exec(me)?.[0] ?? '',
        /redir=\S+/.exec(me)?.[0] ?? '',
      ]);
      c.close();
    }
    expect(fields[1]).toEqual(fields[0]);
    expect(fields[0]).toContain('tracking_total_prefixes:2');
  });
});

describe('an application cache on ioredis', () => {
  /** Reads through a local Map; a redirected subscriber empties it on invalidation. */
  async function run(port: number): Promise<string[]> {
    const log: string[] = [];
    const cache = new Map<string, string | null>();
    const sub = new Redis({ port, maxRetriesPerRequest: 0 });
    const main = new Redis({ port, maxRetriesPerRequest: 0 });
    const writer = new Redis({ port, maxRetriesPerRequest: 0 });
    try {
      await writer.flushall();
      const subId = (await sub.client('ID')) as number;
      sub.on('message', (channel: string, keys: string[] | string | null) => {
        const list = Array.isArray(keys) ? keys : keys === null ? null : [keys];
        log.push(`invalidate ${channel} ${list === null ? '(all)' : list.join(',')}`);
        if (list === null) cache.clear();
        else for (const k of list) cache.delete(k);
      });
      await sub.subscribe('__redis__:invalidate');
      await main.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(subId));
      const read = async (k: string): Promise<string | null> => {
        if (cache.has(k)) {
          log.push(`hit ${k}`);
          return cache.get(k) ?? null;
        }
        const v = await main.get(k);
        cache.set(k, v);
        log.push(`miss ${k} -> ${v}`);
        return v;
      };
      await writer.mset('a', '1', 'b', '2');
      for (const k of ['a', 'b', 'a', 'c']) await read(k);
      await writer.set('a', '10');
      await sleep(50);
      for (const k of ['a', 'b']) await read(k);
      await writer.set('c', 'now');
      await writer.del('b');
      await sleep(50);
      for (const k of ['a', 'b', 'c']) await read(k);
      await writer.flushall();
      await sleep(50);
      await read('a');
      log.push(`cache size ${cache.size}`);
      return log;
    } finally {
      for (const c of [sub, main, writer]) c.disconnect();
    }
  }

  test('reads hit the cache until a write invalidates them; the transcript equals redis-server’s', async () => {
    const [a, b] = [await run(P.R.port), await run(P.T.port)];
    expect(a).toContain('invalidate __redis__:invalidate a');
    expect(b).toEqual(a);
  });
});
